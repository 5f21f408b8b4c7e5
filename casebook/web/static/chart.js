// Casebook dashboard: the SLA compliance timeline drawn as SVG (plain DOM, no build step).
// Loaded before app.js, which calls chart(points); labels are set with textContent only.

const SVG_NS = "http://www.w3.org/2000/svg";
const SEVERITY_COLOURS = { 1: "#b3261e", 2: "#d9822b", 3: "#2b7bd9", 4: "#6b5bd6" };

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
