// chart.js - the dashboard's SVG charts, drawn with DOM calls (no library, no HTML strings):
// a line chart with axes for a job's loss or a metric's curve, a sparkline for table rows and a
// bar chart for a job's final metrics.  Every function returns a new <svg> element.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const CHART_MAX_POINTS = 600;   // more than the chart has pixels for: thinned out

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

// [[t, v], ...] from the API (or [v, ...]): finite pairs sorted by t, one per t (a runner
// may send a point twice), thinned out to at most max points (the first and last kept).
function cleanPoints(raw, max) {
  const pts = [];
  (raw || []).forEach((p, i) => {
    const t = Array.isArray(p) ? Number(p[0]) : i, v = Array.isArray(p) ? Number(p[1]) : Number(p);
    if (Number.isFinite(t) && Number.isFinite(v)) pts.push([t, v]);
  });
  pts.sort((a, b) => a[0] - b[0]);
  const uniq = pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0]);
  if (!max || uniq.length <= max) return uniq;
  const step = (uniq.length - 1) / (max - 1), out = [];
  for (let i = 0; i < max; i++) out.push(uniq[Math.round(i * step)]);
  return out;
}

function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (lo === hi) { lo -= lo === 0 ? 1 : Math.abs(lo) * 0.1; hi += hi === 0 ? 1 : Math.abs(hi) * 0.1; }
  return [lo, hi];
}

// About n round tick values covering [lo, hi].
function ticks(lo, hi, n) {
  const raw = (hi - lo) / Math.max(1, n), mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function fmtNum(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(+v.toPrecision(4));
}

function pathD(pts, x, y) {
  return pts.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
}

// lineChart(raw, {label, xLabel, relative}): a chart with axes.  relative: the x axis counts
// seconds from the first point (times are Unix seconds).  The line is <path class="line">
// with data-points = its number of points.
function lineChart(raw, opts) {
  const o = Object.assign({ width: 560, height: 220, label: "value", xLabel: "seconds" }, opts || {});
  const pts = cleanPoints(raw, CHART_MAX_POINTS);
  const svg = svgEl("svg", { viewBox: "0 0 " + o.width + " " + o.height, class: "chart-svg", role: "img" });
  const m = { l: 56, r: 12, t: 10, b: 34 };
  const w = o.width - m.l - m.r, h = o.height - m.t - m.b;
  if (pts.length === 0) {
    svg.setAttribute("aria-label", o.label + ": no points yet");
    svg.append(svgEl("text", { x: o.width / 2, y: o.height / 2, "text-anchor": "middle", class: "none" }, "no points yet"));
    return svg;
  }
  const t0 = o.relative ? pts[0][0] : 0;
  const data = pts.map((p) => [p[0] - t0, p[1]]);
  const [x0, x1] = extent(data.map((p) => p[0])), [y0, y1] = extent(data.map((p) => p[1]));
  const x = (v) => m.l + ((v - x0) / (x1 - x0)) * w, y = (v) => m.t + h - ((v - y0) / (y1 - y0)) * h;
  const last = data[data.length - 1];
  svg.setAttribute("aria-label", o.label + ": " + data.length + " points, from " + fmtNum(data[0][1]) +
    " to " + fmtNum(last[1]) + " (min " + fmtNum(Math.min(...data.map((p) => p[1]))) + ")");
  svg.append(svgEl("title", {}, o.label));
  const grid = svgEl("g", { class: "grid", "aria-hidden": "true" });
  for (const v of ticks(y0, y1, 4)) {
    grid.append(svgEl("line", { x1: m.l, x2: m.l + w, y1: y(v), y2: y(v) }));
    grid.append(svgEl("text", { x: m.l - 6, y: y(v) + 4, "text-anchor": "end" }, fmtNum(v)));
  }
  for (const v of ticks(x0, x1, 5)) {
    grid.append(svgEl("line", { x1: x(v), x2: x(v), y1: m.t + h, y2: m.t + h + 4 }));
    grid.append(svgEl("text", { x: x(v), y: m.t + h + 17, "text-anchor": "middle" }, fmtNum(v)));
  }
  grid.append(svgEl("text", { x: m.l + w / 2, y: o.height - 3, "text-anchor": "middle", class: "axis-label" }, o.xLabel));
  svg.append(grid, svgEl("rect", { x: m.l, y: m.t, width: w, height: h, class: "frame" }));
  svg.append(svgEl("path", { d: pathD(data, x, y), class: "line", "data-points": data.length }));
  if (data.length === 1) svg.append(svgEl("circle", { cx: x(last[0]), cy: y(last[1]), r: 3, class: "dot" }));
  return svg;
}

// A small chart for a table cell; its label reads the last value.
function sparkline(raw, label) {
  const pts = cleanPoints(raw, 120), W = 120, H = 28;
  const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, width: W, height: H, class: "spark", role: "img" });
  if (pts.length === 0) {
    svg.setAttribute("aria-label", label + ": no points");
    return svg;
  }
  const [x0, x1] = extent(pts.map((p) => p[0])), [y0, y1] = extent(pts.map((p) => p[1]));
  const x = (v) => 2 + ((v - x0) / (x1 - x0)) * (W - 4), y = (v) => 2 + (H - 4) - ((v - y0) / (y1 - y0)) * (H - 4);
  const last = pts[pts.length - 1];
  svg.setAttribute("aria-label", label + ": " + pts.length + " points, last " + fmtNum(last[1]));
  svg.append(svgEl("path", { d: pathD(pts, x, y), class: "line", "data-points": pts.length }));
  svg.append(svgEl("circle", { cx: x(last[0]), cy: y(last[1]), r: 2, class: "dot" }));
  return svg;
}

// Horizontal bars for {name: number}; the values are written beside their bars.
function barChart(values, label) {
  const entries = Object.entries(values).filter(([, v]) => Number.isFinite(v));
  const row = 24, W = 560, H = Math.max(1, entries.length) * row + 8, lw = 170, vw = 80;
  const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, class: "chart-svg", role: "img" });
  svg.setAttribute("aria-label", label + ": " + (entries.map(([k, v]) => k + " " + fmtNum(v)).join(", ") || "none"));
  const max = Math.max(1e-12, ...entries.map(([, v]) => Math.abs(v)));
  entries.forEach(([k, v], i) => {
    const yy = 4 + i * row, bw = (Math.abs(v) / max) * (W - lw - vw - 10);
    svg.append(svgEl("text", { x: lw - 8, y: yy + 16, "text-anchor": "end" }, k));
    svg.append(svgEl("rect", { x: lw, y: yy + 4, width: Math.max(1, bw), height: row - 8, class: "bar" + (v < 0 ? " neg" : "") }));
    svg.append(svgEl("text", { x: lw + bw + 6, y: yy + 16 }, fmtNum(v)));
  });
  return svg;
}

// The charts for a job's "metrics": scalars as one bar chart; a metric given as a curve
// ([[t, v], ...] or [v, ...]) as its own line chart.  Returns an array of elements.
function metricCharts(metrics) {
  const scalars = {}, out = [];
  for (const [k, v] of Object.entries(metrics || {})) {
    if (typeof v === "number") scalars[k] = v;
    else if (Array.isArray(v)) {
      const fig = document.createElement("div");
      fig.className = "metric-curve";
      const cap = document.createElement("p");
      cap.textContent = k;
      fig.append(cap, lineChart(v, { label: k, xLabel: Array.isArray(v[0]) ? "t" : "step" }));
      out.push(fig);
    }
  }
  if (Object.keys(scalars).length) out.unshift(barChart(scalars, "metrics"));
  return out;
}
