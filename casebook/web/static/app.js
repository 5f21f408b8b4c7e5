// Casebook dashboard: plain DOM code, no build step. Every value from the API is put in
// the page with textContent (never innerHTML): case data comes from upstream messages.
"use strict";

const TOKEN_KEY = "casebook.token";

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    logout("That token was not accepted.");
  }
  if (!response.ok) {
    throw new ApiError(response.status, typeof body.detail === "string" ? body.detail : "");
  }
  return body;
}

// ---- small DOM helpers --------------------------------------------------------------

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  if (className) td.className = className;
  return td;
}

function fillTable(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren(...rows);
}

function row(cells, className) {
  const tr = document.createElement("tr");
  tr.append(...cells);
  if (className) tr.className = className;
  return tr;
}

function caseLink(caseId) {
  const a = document.createElement("a");
  a.href = `#/case/${encodeURIComponent(caseId)}`;
  a.textContent = caseId;
  const td = document.createElement("td");
  td.append(a);
  return td;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function refused(statusId, error) {
  const element = $(statusId);
  if (error.status === 403) {
    element.textContent = `Your role (${$("whoami").dataset.role}) may not see this.`;
  } else if (error.status !== 401) {
    element.textContent = `Could not load: ${error.message || error.status || error}`;
  }
}

function show(sectionId) {
  for (const id of ["login", "dashboard", "case"]) $(id).hidden = id !== sectionId;
}

// ---- login --------------------------------------------------------------------------

function logout(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  $("whoami").hidden = true;
  $("logout").hidden = true;
  $("login-error").textContent = message || "";
  show("login");
}

async function login(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  await route();
}

// ---- dashboard ----------------------------------------------------------------------

function query() {
  const asOf = $("as-of").value.trim();
  return asOf ? `as_of=${encodeURIComponent(asOf)}` : "";
}

async function loadSla() {
  $("sla-status").textContent = "";
  $("at-risk-status").textContent = "";
  try {
    // The counts cover every case; the page holds the cases at risk only.
    const report = await api(`/api/sla?status=pending&status=breached&limit=1000&${query()}`);
    $("as-of-shown").textContent = `as of ${report.as_of}`;
    const rows = ["1", "2", "3", "4"].map((level) => countsRow(level, report.by_severity[level]));
    rows.push(countsRow("Total", report.total, "total"));
    fillTable($("by-severity"), rows);
    showMetrics(report.metrics);
    const atRisk = report.cases;
    fillTable($("at-risk"), atRisk.map(atRiskRow));
    if (atRisk.length === 0) $("at-risk-status").textContent = "No case is pending or breached.";
    else if (report.page.next) $("at-risk-status").textContent = `The first ${atRisk.length} shown.`;
  } catch (error) {
    refused("sla-status", error);
    refused("at-risk-status", error);
  }
}

function countsRow(label, counts, className) {
  const numbers = ["opened", "met", "breached", "pending", "void"].map((k) =>
    cell(counts[k], "number"),
  );
  const compliance = cell(percent(counts.compliance), "number compliance");
  if (className === "total") compliance.id = "total-compliance";
  return row([cell(label), ...numbers, compliance], className);
}

function atRiskRow(c) {
  return row([
    caseLink(c.case_id),
    cell(c.customer_id),
    cell(c.sla_severity, "number"),
    cell(c.opened_at),
    cell(c.due_at),
    cell(c.first_response_at),
    cell(c.status, `status-${c.status}`),
  ]);
}

async function loadTimeline() {
  $("timeline-status").textContent = "";
  const asOf = $("as-of").value.trim();
  const end = asOf ? `&end=${encodeURIComponent(asOf)}` : "";
  try {
    const timeline = await api(`/api/sla/timeline?days=${$("days").value}${end}`);
    $("timeline").replaceChildren(chart(timeline.points));
  } catch (error) {
    $("timeline").replaceChildren();
    refused("timeline-status", error);
  }
}

async function loadRejected() {
  $("rejected-status").textContent = "";
  try {
    const body = await api("/api/rejected");
    fillTable($("rejected"), body.rejected.map((r) => row([
      cell(r.message_id ?? r.source ?? (r.line !== undefined ? `line ${r.line}` : null)),
      r.case_id ? caseLink(r.case_id) : cell(null),
      cell(r.reason),
      cell(r.detail),
      cell(r.at),
    ])));
    if (body.page.next) $("rejected-status").textContent = `The first ${body.rejected.length} of ${body.count}.`;
  } catch (error) {
    fillTable($("rejected"), []);
    refused("rejected-status", error);
  }
}

async function showDashboard() {
  show("dashboard");
  await Promise.all([loadSla(), loadTimeline(), loadRejected()]);
}

// ---- a case -------------------------------------------------------------------------

async function showCase(caseId) {
  show("case");
  $("case-title").textContent = `Case ${caseId}`;
  $("case-status").textContent = "Loading…";
  for (const id of ["case-events", "case-severity-changes"]) fillTable($(id), []);
  $("verification").textContent = "";
  $("case-sla").replaceChildren();
  try {
    const audit = await api(`/api/cases/${encodeURIComponent(caseId)}/audit`);
    $("case-status").textContent = "";
    renderCase(audit);
  } catch (error) {
    $("case-status").textContent = "";
    if (error.status === 404) $("case-status").textContent = `No case ${caseId} in the views.`;
    else refused("case-status", error);
  }
}

function renderCase(audit) {
  const v = audit.verification;
  const verdict = $("verification");
  verdict.className = `verdict-${v.verdict}`;
  verdict.textContent = `Verification: ${v.verdict} — chain ${v.chain}, ${v.events} events, severity changes ${v.severity_changes}`
    + (v.severity_problems.length ? ` (${v.severity_problems.join("; ")})` : "")
    + (v.chain_break ? ` — chain broken at version ${v.chain_break.version}: ${v.chain_break.problem}` : "");
  const facts = [["Customer", audit.customer_id]];
  if (audit.sla) {
    facts.push(["SLA severity", audit.sla.sla_severity], ["Current severity", audit.sla.current_severity],
      ["Opened", audit.sla.opened_at], ["Due", audit.sla.due_at],
      ["First response", audit.sla.first_response_at ?? "—"], ["SLA status", audit.sla.status]);
  }
  $("case-sla").replaceChildren(...facts.flatMap(([term, value]) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = String(value);
    if (term === "SLA status") dd.className = `status-${value}`;
    return [dt, dd];
  }));
  fillTable($("case-events"), audit.events.map((e) => row([
    cell(e.version, "number"), cell(e.at), cell(e.type), cell(e.actor.id), cell(e.actor.role), cell(e.message_id),
  ])));
  fillTable($("case-severity-changes"), audit.severity_changes.map((c) => row([
    cell(c.proposal_id), cell(c.from, "number"), cell(c.to, "number"), cell(c.proposed_by), cell(c.proposed_at),
    cell(c.outcome), cell(c.decided_by), cell(c.decided_at),
  ])));
}

// ---- routing: #/ is the dashboard, #/case/ID or /case/ID a case -------------------------

function caseIdFromLocation() {
  // A hash route wins over the path: from /case/ID, the link #/ goes back to the dashboard.
  const match = location.hash.startsWith("#/")
    ? location.hash.match(/^#\/case\/(.+)$/)
    : location.pathname.match(/^\/case\/(.+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function route() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    show("login");
    return;
  }
  try {
    const me = await api("/api/whoami");
    $("whoami").textContent = `signed in as ${me.role}`;
    $("whoami").dataset.role = me.role;
    $("whoami").hidden = false;
    $("logout").hidden = false;
  } catch (error) {
    if (error.status !== 401) logout(`Could not reach the API: ${error.message || error}`);
    return;
  }
  const caseId = caseIdFromLocation();
  if (caseId !== null) await showCase(caseId);
  else await showDashboard();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout());
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    showDashboard();
  });
  $("case-form").addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/case/${encodeURIComponent($("case-id").value.trim())}`;
  });
  window.addEventListener("hashchange", route);
  route();
});
