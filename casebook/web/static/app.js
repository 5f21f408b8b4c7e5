// Casebook dashboard: plain DOM code, no build step. Every value from the API is put in
// the page with textContent (never innerHTML): case data comes from upstream messages.
"use strict";

const TOKEN_KEY = "casebook.token";
const SVG_NS = "http://www.w3.org/2000/svg";
const SEVERITY_COLOURS = { 1: "#b3261e", 2: "#d9822b", 3: "#2b7bd9", 4: "#6b5bd6" };

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

function svg(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// A line per series over the points; a null compliance (nothing judged yet) breaks the line.
function chart(points) {
  const width = 720, height = 260, left = 48, right = 110, top = 12, bottom = 32;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const x = (i) => left + (points.length > 1 ? (i * plotWidth) / (points.length - 1) : plotWidth / 2);
  const y = (value) => top + (1 - value) * plotHeight;
  const root = svg("svg", {
    id: "timeline-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "SLA compliance over time",
  });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg("line", { x1: left, x2: left + plotWidth, y1: y(tick), y2: y(tick), stroke: "#e3e6eb" }));
    root.append(svg("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", "font-size": 11 }, percent(tick)));
  }
  for (const i of [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])]) {
    root.append(svg("text", { x: x(i), y: height - 10, "text-anchor": "middle", "font-size": 11 },
      points[i].as_of.slice(0, 10)));
  }
  const series = [["total", "Total", "#1d2330", 3, (p) => p.total.compliance]];
  for (const level of ["1", "2", "3", "4"]) {
    series.push([`severity-${level}`, `Severity ${level}`, SEVERITY_COLOURS[level], 1.5, (p) => p.by_severity[level]]);
  }
  series.forEach(([key, label, colour, strokeWidth, value], index) => {
    let path = "", pen = "M";
    points.forEach((p, i) => {
      const v = value(p);
      if (v === null) { pen = "M"; return; }
      path += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = "L";
    });
    root.append(svg("path", { d: path, fill: "none", stroke: colour, "stroke-width": strokeWidth, class: `series-${key}` }));
    const legendY = top + 14 + index * 18;
    root.append(svg("line", { x1: width - right + 10, x2: width - right + 28, y1: legendY - 4, y2: legendY - 4, stroke: colour, "stroke-width": strokeWidth }));
    root.append(svg("text", { x: width - right + 34, y: legendY, "font-size": 11 }, label));
  });
  points.forEach((p, i) => {
    if (p.total.compliance === null) return;
    const dot = svg("circle", { cx: x(i), cy: y(p.total.compliance), r: 2.5, fill: "#1d2330" });
    dot.append(svg("title", {}, `${p.as_of}: ${percent(p.total.compliance)} (${p.total.met} met, ${p.total.breached} breached)`));
    root.append(dot);
  });
  return root;
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
