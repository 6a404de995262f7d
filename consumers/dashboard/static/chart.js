// Charts of the dashboard: SVG sparklines for the tiles, and uPlot time charts (static/vendor/, no CDN, so the
// dashboard works without internet) for the detail view: the value under the cursor, UTC time ticks, drag to
// zoom (double-click resets), integer ticks for counts.
(function () {
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  return el;
}

// points: [{t: epoch ms, v: number|null}], sorted by t.
function extent(points) {
  const values = points.map((p) => p.v).filter((v) => v !== null && Number.isFinite(v));
  if (!values.length) return null;
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values);
  return [lo, hi === lo ? lo + (Math.abs(lo) || 1) : hi];
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
  const [lo, hi] = yRange || extent(points) || [0, 1];
  const t0 = points[0].t, t1 = points[points.length - 1].t || t0 + 1;
  const x = (t) => ((t - t0) / Math.max(1, t1 - t0)) * w;
  const y = (v) => h - 2 - ((v - lo) / (hi - lo)) * (h - 4);
  const line = pathFor(points, x, y);
  svg.appendChild(svgEl("path", { d: line + `L${w},${h}L0,${h}Z`, fill: color, "fill-opacity": "0.12", stroke: "none" }));
  svg.appendChild(svgEl("path", { d: line, fill: "none", stroke: color, "stroke-width": "1.8", "vector-effect": "non-scaling-stroke" }));
  return svg;
}

// ---- detail charts (uPlot) --------------------------------------------------------------------------
const LEVEL_BANDS = [[0, 40, "rgba(35,150,90,.09)"], [40, 70, "rgba(220,154,0,.10)"], [70, 100, "rgba(210,63,63,.09)"]];
// Steps a count axis may use: whole numbers only, so a queue of 0 or 1 ship reads 0, 1, never 0.5.
const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];
const CHART_HEIGHT = 170;
const pad2 = (n) => String(n).padStart(2, "0");

function utcLabel(seconds, withDate) {
  const d = new Date(seconds * 1000);
  const hm = pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes());
  return withDate ? `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${hm}` : hm;
}

// Time ticks in UTC (the page's times are UTC): hours and minutes (seconds when zoomed below a minute's
// step), the date on the first tick of each day.
function timeTicks(u, splits, axisIdx, space, incr) {
  let day = null;
  return splits.map((s) => {
    const iso = new Date(s * 1000).toISOString();
    const d = iso.slice(0, 10);
    const label = incr < 60 ? iso.slice(11, 19) : utcLabel(s, false);
    if (d === day) return label;
    day = d;
    return d.slice(5) + "\n" + label;
  });
}

// Value ticks: as many decimals as the step between ticks needs; ratios in percent.
function valueTicks(kind, splits) {
  const scale = kind === "ratio" ? 100 : 1;
  const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) * scale : 1;
  const decimals = kind === "count" ? 0 : Math.min(3, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  const unit = kind === "ratio" ? "%" : "";
  return splits.map((v) => (v * scale).toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals }) + unit);
}

// The top of a count axis: the first multiple of a count step at or above the maximum, at most 5 steps up
// (9 ships: 10; 1 ship: 1, the plot's top padding keeps the line clear of the edge).
function countCeil(max) {
  const step = COUNT_STEPS.find((s) => max / s <= 5) || COUNT_STEPS[COUNT_STEPS.length - 1];
  return Math.max(1, Math.ceil(max / step) * step);
}

function valueRange(kind, bands) {
  return (u, min, max) => {
    if (bands) return [0, 100];
    if (min === null || max === null || !Number.isFinite(min)) return [0, 1];
    const lo = Math.min(0, min);
    if (kind === "count") return [lo, countCeil(max)];
    return uPlot.rangeNum(lo, max === lo ? lo + 1 : max, 0.1, true);
  };
}

// Room for the longest tick label (uPlot asks again with the labels it chose).
function axisWidth(u, values) {
  const longest = Math.max(3, ...(values || []).map((v) => String(v).length));
  return Math.ceil(longest * 7.5 + 24);
}

function toData(points) {
  return [points.map((p) => p.t / 1000), points.map((p) => (p.v === null || !Number.isFinite(p.v) ? null : p.v))];
}

// A zoomable time chart of one indicator in `target`; `update(points)` redraws it, keeping a zoom the user set.
class TimeChart {
  constructor(target, opts) {
    this.target = target;
    this.kind = opts.kind;
    const bands = opts.bands;
    // The labels drawn, kept on the element: the canvas holds none for a test (or a curious user) to read.
    const ticksOf = (name, labels) => { this.target.dataset[name] = labels.join("|"); return labels; };
    target.chart = this;
    const options = {
      width: Math.max(200, target.clientWidth || 360),
      height: CHART_HEIGHT,
      padding: [12, 22, 0, 0],
      scales: { x: { time: true }, y: { range: valueRange(opts.kind, bands) } },
      series: [
        { label: "UTC", value: (u, ts) => (ts === null || ts === undefined ? "–" : utcLabel(ts, true)) },
        {
          label: opts.label, stroke: opts.color, width: 2, fill: opts.fill || undefined,
          value: (u, v) => opts.format(v), points: { show: false },
        },
      ],
      axes: [
        { values: (...args) => ticksOf("xTicks", timeTicks(...args)), stroke: "#667085", grid: { stroke: "#eef1f5", width: 1 }, ticks: { stroke: "#e3e7ee" } },
        {
          values: (u, splits) => ticksOf("yTicks", valueTicks(opts.kind, splits)),
          incrs: opts.kind === "count" ? COUNT_STEPS : undefined,
          stroke: "#667085", size: axisWidth, grid: { stroke: "#eef1f5", width: 1 }, ticks: { stroke: "#e3e7ee" },
        },
      ],
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      legend: { live: true },
      hooks: bands ? { drawClear: [drawBands] } : {},
    };
    this.data = toData(opts.points || []);
    this.plot = new uPlot(options, this.data, target);
    this.resizer = new ResizeObserver(() => {
      const width = Math.max(200, this.target.clientWidth);
      if (width !== this.plot.width) this.plot.setSize({ width, height: CHART_HEIGHT });
    });
    this.resizer.observe(target);
  }

  zoomed() {
    const xs = this.data[0];
    const scale = this.plot.scales.x;
    return xs.length > 1 && scale.min !== null && (scale.min > xs[0] + 1 || scale.max < xs[xs.length - 1] - 1);
  }

  update(points) {
    const data = toData(points);
    const [xs, ys] = this.data;
    const n = xs.length;
    if (data[0].length === n && n && data[0][n - 1] === xs[n - 1] && data[1][n - 1] === ys[n - 1] && data[0][0] === xs[0]) {
      return;  // nothing new: leave the drawing (and the cursor) alone
    }
    const zoomed = this.zoomed();
    const { left, top } = this.plot.cursor;
    this.data = data;
    this.plot.setData(data, !zoomed);
    if (left >= 0 && top >= 0) this.plot.setCursor({ left, top });  // keep the hovered value shown
  }

  destroy() {
    this.resizer.disconnect();
    this.plot.destroy();
  }
}

function drawBands(u) {
  const { ctx, bbox } = u;
  ctx.save();
  for (const [lo, hi, color] of LEVEL_BANDS) {
    const top = u.valToPos(hi, "y", true);
    const bottom = u.valToPos(lo, "y", true);
    ctx.fillStyle = color;
    ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
  }
  ctx.restore();
}

window.BaystreamCharts = { sparkline, TimeChart, svgEl };
})();
