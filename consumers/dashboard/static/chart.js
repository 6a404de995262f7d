// Small SVG charts for the dashboard: a sparkline and a line chart with axes and level bands.
// No library: the dashboard must work without internet access.
(function () {
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  return el;
}

// points: [{t: epoch ms, v: number|null}], sorted by t.
function extent(points, floorZero) {
  const values = points.map((p) => p.v).filter((v) => v !== null && Number.isFinite(v));
  if (!values.length) return null;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (floorZero && lo > 0) lo = 0;
  if (hi === lo) { hi = lo + (Math.abs(lo) || 1); }
  return [lo, hi];
}

function pathFor(points, x, y) {
  let d = "";
  let pen = false;
  for (const p of points) {
    if (p.v === null || !Number.isFinite(p.v)) { pen = false; continue; }
    d += (pen ? "L" : "M") + x(p.t).toFixed(1) + "," + y(p.v).toFixed(1);
    pen = true;
  }
  return d;
}

function sparkline(points, color, yRange) {
  const w = 200, h = 38;
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: "none", class: "spark" });
  if (points.length < 2) return svg;
  const [lo, hi] = yRange || extent(points, true) || [0, 1];
  const t0 = points[0].t, t1 = points[points.length - 1].t || t0 + 1;
  const x = (t) => ((t - t0) / Math.max(1, t1 - t0)) * w;
  const y = (v) => h - 2 - ((v - lo) / (hi - lo)) * (h - 4);
  const line = pathFor(points, x, y);
  svg.appendChild(svgEl("path", { d: line + `L${w},${h}L0,${h}Z`, fill: color, "fill-opacity": "0.12", stroke: "none" }));
  svg.appendChild(svgEl("path", { d: line, fill: "none", stroke: color, "stroke-width": "1.8", "vector-effect": "non-scaling-stroke" }));
  return svg;
}

const LEVEL_BANDS = [[0, 40, "#23965a"], [40, 70, "#dc9a00"], [70, 100, "#d23f3f"]];

// A line chart of one indicator: y axis with min/max, x axis with first/last time, optional level bands.
function lineChart(points, opts) {
  const w = 360, h = 150, left = 38, right = 8, top = 8, bottom = 20;
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: "none" });
  const range = opts.bands ? [0, 100] : extent(points, true);
  if (!points.length || !range) {
    const t = svgEl("text", { x: w / 2, y: h / 2, "text-anchor": "middle" });
    t.textContent = "no values yet";
    svg.appendChild(t);
    return svg;
  }
  const [lo, hi] = range;
  const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 60000);
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - right);
  const y = (v) => top + (1 - (v - lo) / (hi - lo)) * (h - top - bottom);
  if (opts.bands) {
    for (const [a, b, c] of LEVEL_BANDS) {
      svg.appendChild(svgEl("rect", { x: left, width: w - left - right, y: y(b), height: y(a) - y(b), fill: c, "fill-opacity": "0.08" }));
    }
  }
  for (const v of [lo, (lo + hi) / 2, hi]) {
    svg.appendChild(svgEl("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: "#e3e7ee" }));
    const label = svgEl("text", { x: left - 4, y: y(v) + 3, "text-anchor": "end" });
    label.textContent = opts.format(v);
    svg.appendChild(label);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]]) {
    const label = svgEl("text", { x: x(t), y: h - 5, "text-anchor": anchor });
    const iso = new Date(t).toISOString();  // days apart: say which days
    label.textContent = t1 - t0 > 20 * 3600e3 ? iso.slice(5, 10) + " " + iso.slice(11, 16) : iso.slice(11, 16);
    svg.appendChild(label);
  }
  svg.appendChild(svgEl("path", { d: pathFor(points, x, y), fill: "none", stroke: opts.color || "#0f2340", "stroke-width": "2", "vector-effect": "non-scaling-stroke" }));
  const last = points[points.length - 1];
  if (last.v !== null) svg.appendChild(svgEl("circle", { cx: x(last.t), cy: y(last.v), r: 3, fill: opts.color || "#0f2340" }));
  return svg;
}

window.BaystreamCharts = { sparkline, lineChart };
})();
