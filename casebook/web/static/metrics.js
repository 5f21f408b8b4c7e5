"use strict";
// SLA v2 on the dashboard: each metric's counts and compliance by the cases' current
// severity, shown only when the policy measures it (the API's report then has `metrics`).

const METRIC_COUNTS = {
  next_response: ["met", "breached", "pending", "void"],
  resolution: ["met", "breached", "pending", "paused", "void"],
};

function metricRow(label, counts, fields, className) {
  const numbers = fields.map((field) => cell(counts[field], "number"));
  return row([cell(label), ...numbers, cell(percent(counts.compliance), "number compliance")], className);
}

function showMetrics(metrics) {
  for (const [name, fields] of Object.entries(METRIC_COUNTS)) {
    const section = $(`metric-${name}`);
    const data = metrics ? metrics[name] : undefined;
    section.hidden = !data;
    if (!data) continue;
    const rows = ["1", "2", "3", "4"].map((level) => metricRow(level, data.by_severity[level], fields));
    rows.push(metricRow("Total", data.total, fields, "total"));
    fillTable(section.querySelector("table"), rows);
  }
}
