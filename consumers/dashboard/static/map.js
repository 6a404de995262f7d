// The schematic map of San Pedro Bay (the inline SVG of index.html): each terminal the API lists, coloured by its
// congestion level, drawn on its pier's slot; the ships waiting at anchor outside the breakwater, per port.
// The geography (land, breakwater, pier slots, anchorages) is the drawing's; which terminals exist, their names
// and ports come from /api/scopes, so a terminal without a slot still appears (in the "other" row).
(function () {
"use strict";

const { svgEl } = window.BaystreamCharts;
const MAX_SHIPS = 30;  // per anchorage; more are written as "+N"
const SHIP = "M-13,-4H6L13,0L6,4H-13Z M-10,-4V-8H-3V-4Z";

function box(el) {
  return ["x", "y", "width", "height"].map((a) => Number(el.getAttribute(a)));
}

function link(scope) {
  const a = svgEl("a", { href: "#/scope/" + scope });
  a.setAttribute("class", "map-link");
  return a;
}

function terminalMark(info, slot, view) {
  const [x, y, w, h] = slot;
  const lv = view.level(info.scope);
  const g = link(info.scope);
  g.dataset.scope = info.scope;
  g.dataset.level = lv;
  g.classList.add("terminal");
  const title = svgEl("title");
  const index = view.value(info.scope, "congestion_index");
  const waiting = view.value(info.scope, "vessels_waiting");
  title.textContent = `${info.name} (${info.scope})\ncongestion ${view.format("congestion_index", index)} ${lv || "no data"}` +
    `\nvessels waiting ${view.format("vessels_waiting", waiting)}`;
  g.appendChild(title);
  g.appendChild(svgEl("rect", { x, y, width: w, height: h, rx: 4, fill: view.colors[lv] || view.colors.none }));
  const code = svgEl("text", { x: x + w / 2, y: y + h / 2 - (h > 30 ? 3 : -4), class: "code" });
  code.textContent = info.scope.split("/").pop();
  g.appendChild(code);
  if (h > 30) {
    const figure = svgEl("text", { x: x + w / 2, y: y + h / 2 + 13, class: "figure" });
    figure.textContent = view.format("congestion_index", index);
    g.appendChild(figure);
  }
  return g;
}

function shipsAt(zone, count, label) {
  const [x, y, w, h] = box(zone);
  const g = svgEl("g", { class: "anchorage" });
  g.dataset.port = zone.dataset.anchorage;
  g.dataset.waiting = count === undefined ? "" : String(count);
  const caption = svgEl("text", { x: x + 8, y: y + 16, class: "caption" });
  caption.textContent = label;
  g.appendChild(caption);
  const shown = Math.min(count || 0, MAX_SHIPS);
  const cols = Math.max(1, Math.floor((w - 30) / 34));
  for (let i = 0; i < shown; i++) {
    const cx = x + 22 + (i % cols) * 34 + (Math.floor(i / cols) % 2) * 12;
    const cy = y + 40 + Math.floor(i / cols) * 17;
    g.appendChild(svgEl("path", { d: SHIP, class: "ship", transform: `translate(${cx},${cy}) rotate(-8)` }));
  }
  if ((count || 0) > MAX_SHIPS) {
    const more = svgEl("text", { x: x + w - 8, y: y + h - 8, class: "caption more" });
    more.textContent = `+${count - MAX_SHIPS}`;
    g.appendChild(more);
  }
  return g;
}

// view: {scopes, value(scope, indicator), level(scope), format(indicator, v), colors: {GREEN, AMBER, RED, none}}
function renderMap(svg, view) {
  const layer = svg.querySelector("#map-live");
  const slots = new Map([...svg.querySelectorAll("[data-slot]")].map((el) => [el.dataset.slot, box(el)]));
  const marks = [];
  const unplaced = [];
  for (const info of view.scopes.filter((s) => s.kind === "facility")) {
    if (slots.has(info.scope)) marks.push(terminalMark(info, slots.get(info.scope), view));
    else unplaced.push(info);
  }
  // Facilities the drawing has no pier for (an inland rail yard): a row along the top edge, right to left.
  unplaced.forEach((info, i) => marks.push(terminalMark(info, [928 - i * 70, 8, 64, 22], view)));
  for (const zone of svg.querySelectorAll("[data-anchorage]")) {
    const port = zone.dataset.anchorage;
    const info = view.scopes.find((s) => s.scope === port);
    const count = view.value(port, "vessels_waiting");
    const name = info ? info.name.replace(/^Port of /, "") : port;
    marks.push(shipsAt(zone, count, `Anchorage · ${count === undefined ? "no data" : view.format("vessels_waiting", count) + " waiting"} for ${name}`));
  }
  layer.replaceChildren(...marks);
}

window.BaystreamMap = { renderMap };
})();
