// The Baystream dashboard: a snapshot from the REST API, then live updates over server-sent events.
"use strict";

const { sparkline, TimeChart } = window.BaystreamCharts;
const { renderMap } = window.BaystreamMap;

// Indicator names are the contract of docs/indicators.md; unknown ones are still shown.
const META = {
  congestion_index: { label: "Congestion index", kind: "index" },
  vessels_waiting: { label: "Vessels waiting", kind: "count" },
  anchor_wait_hours: { label: "Anchor wait", kind: "hours" },
  berth_utilization: { label: "Berth utilization", kind: "ratio" },
  truck_turn_minutes: { label: "Truck turn", kind: "minutes" },
  truck_turn_p90_minutes: { label: "Truck turn p90", kind: "minutes" },
  trucks_on_terminal: { label: "Trucks on terminal", kind: "count" },
  gate_moves_per_hour: { label: "Gate moves / h", kind: "count" },
  import_dwell_days: { label: "Import dwell", kind: "days" },
  imports_on_terminal: { label: "Imports on terminal", kind: "count" },
  long_dwell_share: { label: "Long dwellers (5 d+)", kind: "ratio" },
  chassis_on_hand: { label: "Chassis on hand", kind: "count" },
  chassis_out: { label: "Chassis out", kind: "count" },
  chassis_street_dwell_days: { label: "Chassis dwell", kind: "days" },
  rail_backlog: { label: "Rail backlog", kind: "count" },
  rail_dwell_days: { label: "Rail dwell", kind: "days" },
  // air, trade and look-ahead (docs/indicators.md): shown in each card's air strip, not in the index
  anchor_co2_kg_per_hour: { label: "CO2 at anchor", kind: "kgh" },
  berth_co2_kg_per_hour: { label: "CO2 at berth", kind: "kgh" },
  anchor_nox_kg_per_hour: { label: "NOx at anchor", kind: "kgh" },
  berth_nox_kg_per_hour: { label: "NOx at berth", kind: "kgh" },
  ship_co2_kg_per_teu: { label: "CO2 per TEU", kind: "kg" },
  shore_power_share: { label: "Shore power", kind: "ratio" },
  zero_emission_truck_share: { label: "Zero-emission trucks", kind: "ratio" },
  china_import_share: { label: "Imports from China", kind: "ratio" },
  green_corridor_share: { label: "Green corridor", kind: "ratio" },
  arrivals_expected_72h: { label: "Expected in 72 h", kind: "count" },
};
const ORDER = Object.keys(META);
const LEVEL_COLORS = { GREEN: "#23965a", AMBER: "#dc9a00", RED: "#d23f3f" };
const TILE_STATS = ["truck_turn_minutes", "import_dwell_days", "vessels_waiting", "berth_utilization"];
const SUMMARY_STATS = ["vessels_waiting", "anchor_wait_hours", "truck_turn_minutes", "import_dwell_days",
  "rail_backlog", "chassis_street_dwell_days"];
const AIR_STRIP = ["anchor_co2_kg_per_hour", "berth_co2_kg_per_hour", "shore_power_share",
  "zero_emission_truck_share", "ship_co2_kg_per_teu"];
const HISTORY_LIMIT = 1000;
const LANE_PREFIX = "laden_imports_7d_from_";  // one series per country of last port (GET /api/trade-lanes)
const charted = (r, scope) => r.scope === scope && !r.indicator.startsWith(LANE_PREFIX);

const state = {
  latest: new Map(),   // "scope|indicator" -> record
  history: new Map(),  // "scope|indicator" -> [{t, v}]
  alerts: [],
  scopes: [],          // from /api/scopes: {scope, kind, port, name}
};

const key = (scope, indicator) => scope + "|" + indicator;
const $ = (id) => document.getElementById(id);
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function format(indicator, value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const kind = (META[indicator] || {}).kind;
  if (kind === "ratio") return (value * 100).toFixed(0) + "%";
  if (kind === "hours") return value.toFixed(1) + " h";
  if (kind === "days") return value.toFixed(1) + " d";
  if (kind === "minutes") return value.toFixed(0) + " min";
  if (kind === "kgh") return value >= 1000 ? (value / 1000).toFixed(1) + " t/h" : value.toFixed(0) + " kg/h";
  if (kind === "kg") return value.toFixed(1) + " kg";
  if (kind === "index" || kind === "count") return Math.round(value).toLocaleString("en-US");
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

const value = (scope, indicator) => (state.latest.get(key(scope, indicator)) || {}).value;
const level = (scope) => (state.latest.get(key(scope, "congestion_index")) || {}).level || "";
const time = (iso) => iso.replace("T", " ").slice(0, 16) + " UTC";

function newer(a, b) {
  const d = Date.parse(a.as_of) - Date.parse(b.as_of);
  return d !== 0 ? d > 0 : Date.parse(a.computed_at) >= Date.parse(b.computed_at);
}

function addPoint(record) {
  const k = key(record.scope, record.indicator);
  const series = state.history.get(k) || [];
  const point = { t: Date.parse(record.as_of), v: record.value };
  const last = series[series.length - 1];
  if (!last || point.t > last.t) series.push(point);
  else if (point.t === last.t) series[series.length - 1] = point;
  if (series.length > HISTORY_LIMIT) series.splice(0, series.length - HISTORY_LIMIT);
  state.history.set(k, series);
}

function applyIndicators(records) {
  for (const record of records) {
    const k = key(record.scope, record.indicator);
    const current = state.latest.get(k);
    if (current && !newer(record, current)) continue;
    state.latest.set(k, record);
    addPoint(record);
    if (!state.scopes.some((s) => s.scope === record.scope)) loadScopes();
  }
  scheduleRender();
}

function applyAlert(alert) {
  if (state.alerts.some((a) => a.alert_id === alert.alert_id)) return;
  state.alerts.unshift(alert);
  state.alerts.sort((a, b) => Date.parse(b.as_of) - Date.parse(a.as_of));
  state.alerts.length = Math.min(state.alerts.length, 200);
  scheduleRender();
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store", headers: window.BaystreamParty.authHeaders() });
  if (!response.ok) throw new Error(url + ": HTTP " + response.status);
  return response.json();
}

let scopesLoading = null;
function loadScopes() {
  scopesLoading = scopesLoading || getJSON("/api/scopes").then((body) => {
    state.scopes = body.scopes;
    scopesLoading = null;
    scheduleRender();
  }).catch(() => { scopesLoading = null; });
  return scopesLoading;
}

async function loadHistory(scope, indicator) {
  const params = new URLSearchParams({ scope, indicator });
  try {
    const body = await getJSON("/api/history?" + params);
    const series = body.points.map((p) => ({ t: Date.parse(p.as_of), v: p.value }));
    const live = state.history.get(key(scope, indicator)) || [];
    const lastT = series.length ? series[series.length - 1].t : -Infinity;
    state.history.set(key(scope, indicator), series.concat(live.filter((p) => p.t > lastT)));
  } catch (err) { /* no history yet: the chart says so */ }
}

async function loadSnapshot() {
  const [indicators, alerts] = await Promise.all([getJSON("/api/indicators"), getJSON("/api/alerts?limit=100"),
    loadScopes()]);
  applyIndicators(indicators.indicators);
  alerts.alerts.forEach(applyAlert);
  const scopes = new Set(indicators.indicators.map((r) => r.scope));
  await Promise.all([...scopes].map((s) => loadHistory(s, "congestion_index")));
  await loadHistory("SPB", "vessels_waiting");
  const route = currentRoute();
  if (route) await loadDetailHistory(route);
  scheduleRender();
}

function setLive(stateName, text) {
  const el = $("live");
  el.dataset.state = stateName;
  el.querySelector("b").textContent = text;
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("indicators", (e) => applyIndicators(JSON.parse(e.data)));
  source.addEventListener("alert", (e) => applyAlert(JSON.parse(e.data)));
  source.addEventListener("hello", () => {
    setLive("live", "live");
    loadSnapshot().catch(() => setLive("reconnecting", "reloading"));
  });
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) { setLive("reconnecting", "reconnecting"); return; }
    // Refused, not dropped: a dashboard that requires a key (an EventSource cannot send one). Poll instead,
    // with the key of the party panel once signed in.
    setLive("reconnecting", "sign in for live figures");
    const poll = () => loadSnapshot().then(() => setLive("live", "live (polled)"), () => {});
    poll();
    setInterval(poll, 10000);
  };
}

// ---- rendering -------------------------------------------------------------------------------------
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; render(); }, 60);
}

function statRows(scope, indicators) {
  return indicators.map((i) => `<div class="stat"><span>${esc((META[i] || {}).label || i)}</span>` +
    `<b data-indicator="${i}">${format(i, value(scope, i))}</b></div>`).join("");
}

// The air strip: ships' emissions now, shore power, zero-emission trucks, CO2 per TEU (and, for terminals,
// the calls expected in the next 72 h). Its figures are apart from the congestion index.
function airStrip(scope, extra) {
  const chips = [...AIR_STRIP, ...extra].map((i) => `<span class="chip" data-air-indicator="${i}">` +
    `<em>${esc(META[i].label)}</em><b>${format(i, value(scope, i))}</b></span>`).join("");
  return `<div class="air" data-air="${esc(scope)}">${chips}</div>`;
}

// Where the laden imports of the last 7 days came from: one bar per country of the calls' last port.
function tradeLanes(scope) {
  const lanes = [...state.latest.values()]
    .filter((r) => r.scope === scope && r.indicator.startsWith(LANE_PREFIX) && r.value > 0)
    .map((r) => ({ country: r.indicator.slice(LANE_PREFIX.length), n: r.value }))
    .sort((a, b) => b.n - a.n || a.country.localeCompare(b.country));
  const total = lanes.reduce((s, l) => s + l.n, 0);
  const rows = lanes.slice(0, 8).map((l) => `<div class="lane" data-country="${esc(l.country)}">` +
    `<span>${esc(l.country)}</span><span class="queue-bar"><i style="width:${(100 * l.n / lanes[0].n).toFixed(1)}%">` +
    `</i></span><b>${(100 * l.n / total).toFixed(0)}%</b></div>`).join("");
  return `<div class="lanes" data-lanes="${esc(scope)}"><h4>Imports by last port, 7 days</h4>` +
    (total ? rows : `<span class="scope-sub">no origins known yet</span>`) + `</div>`;
}

function indexRow(scope) {
  const lv = level(scope);
  const label = lv || ([...state.latest.keys()].some((k) => k.startsWith(scope + "|")) ? "no index" : "no data");
  return `<div class="index-row"><span class="index" data-indicator="congestion_index">` +
    `${format("congestion_index", value(scope, "congestion_index"))}</span>` +
    `<span class="level" data-level="${esc(lv)}">${esc(label)}</span></div>`;
}

function indexSpark(scope) {
  const points = state.history.get(key(scope, "congestion_index")) || [];
  return sparkline(points, LEVEL_COLORS[level(scope)] || "#8a94a6", [0, 100]);
}

function scopeCard(el, info, subtitle, stats) {
  el.dataset.scope = info.scope;
  el.dataset.level = level(info.scope);
  el.innerHTML = `<div class="scope-name"><a href="#/scope/${esc(info.scope)}">${esc(info.name)}</a></div>` +
    `<div class="scope-sub">${esc(subtitle)}</div>${indexRow(info.scope)}<div class="stats">${statRows(info.scope, stats)}</div>` +
    airStrip(info.scope, ["arrivals_expected_72h"]);
  el.appendChild(indexSpark(info.scope));
}

function scopeInfo(scope) {
  return state.scopes.find((s) => s.scope === scope) || { scope, kind: "facility", port: scope.split("/")[0], name: scope };
}

function renderSummary() {
  scopeCard($("complex"), scopeInfo("SPB"), "Los Angeles + Long Beach", SUMMARY_STATS);
  $("complex").insertAdjacentHTML("beforeend", tradeLanes("SPB"));
  const ports = state.scopes.filter((s) => s.kind === "port");
  const box = $("ports");
  box.replaceChildren(...ports.map((info) => {
    const card = document.createElement("div");
    card.className = "card";
    scopeCard(card, info, info.scope, SUMMARY_STATS.slice(0, 4));
    return card;
  }));
}

// One group per port (its total and mean wait, then its terminals, longest queue first): ports never mix.
function renderQueue() {
  const waiting = (s) => value(s.scope, "vessels_waiting");
  const terminals = state.scopes.filter((s) => s.kind === "facility" && waiting(s) !== undefined && waiting(s) !== null);
  const max = Math.max(1, ...terminals.map(waiting));
  const bar = (s) => `<div class="queue-row" data-scope="${esc(s.scope)}"><span title="${esc(s.name)}">` +
    `${esc(s.scope.split("/").pop())}</span><span class="queue-bar"><i style="width:${(100 * waiting(s) / max).toFixed(1)}%">` +
    `</i></span><b>${format("vessels_waiting", waiting(s))}</b></div>`;
  const groups = state.scopes.filter((p) => p.kind === "port").map((p) => {
    const members = terminals.filter((s) => s.port === p.scope).sort((a, b) => waiting(b) - waiting(a));
    return `<div class="queue-port" data-port="${esc(p.scope)}"><div class="queue-head"><span>${esc(p.name)}</span>` +
      `<em>mean wait ${format("anchor_wait_hours", value(p.scope, "anchor_wait_hours"))}</em>` +
      `<b data-indicator="vessels_waiting">${format("vessels_waiting", waiting(p))}</b></div>` +
      (members.length ? members.map(bar).join("") : `<div class="queue-note">no terminal figures yet</div>`) + `</div>`;
  });
  const total = value("SPB", "vessels_waiting");
  const wait = value("SPB", "anchor_wait_hours");
  const body = $("queue-body");
  body.innerHTML = `<div class="index-row"><span class="index" data-indicator="vessels_waiting" data-scope="SPB">` +
    `${format("vessels_waiting", total)}</span><span class="scope-sub">ships at anchor · mean wait ${format("anchor_wait_hours", wait)}</span></div>` +
    groups.join("");
  body.appendChild(sparkline(state.history.get(key("SPB", "vessels_waiting")) || [], "#0f2340"));
}

function renderHarbourMap() {
  renderMap($("map"), { scopes: state.scopes, value, level, format, colors: { ...LEVEL_COLORS, none: "#a3acbb" } });
}

// A facility without a congestion index (a rail yard) shows what it has instead of the terminal figures.
function tileStats(scope) {
  if (value(scope, "congestion_index") !== undefined && value(scope, "congestion_index") !== null) return TILE_STATS;
  const preferred = ["rail_backlog", "rail_dwell_days", "chassis_on_hand", "chassis_out", ...ORDER];
  const known = [...new Set(preferred)].filter((i) => i !== "congestion_index" && value(scope, i) !== undefined && value(scope, i) !== null);
  return known.length ? known.slice(0, 4) : TILE_STATS;
}

function renderTiles() {
  const facilities = state.scopes.filter((s) => s.kind === "facility");
  const byPort = new Map();
  for (const f of facilities) byPort.set(f.port, [...(byPort.get(f.port) || []), f]);
  const groups = [...byPort.entries()].map(([port, list]) => {
    const group = document.createElement("div");
    group.className = "port-group";
    const portInfo = scopeInfo(port);
    group.innerHTML = `<h3>${esc(portInfo.name || port)}</h3><div class="grid"></div>`;
    const grid = group.querySelector(".grid");
    for (const info of list) {
      const tile = document.createElement("a");
      tile.className = "card tile" + (info.has_data || state.latest.has(key(info.scope, "congestion_index")) ? "" : " empty");
      tile.href = "#/scope/" + info.scope;
      tile.dataset.scope = info.scope;
      tile.dataset.level = level(info.scope);
      const stats = tileStats(info.scope);
      tile.innerHTML = `<div class="scope-name">${esc(info.name)}</div><div class="scope-sub">${esc(info.scope)}</div>` +
        indexRow(info.scope) + `<div class="stats">${statRows(info.scope, stats)}</div>` +
        (stats === TILE_STATS ? airStrip(info.scope, ["arrivals_expected_72h"]) : "");  // a rail yard has no ships
      tile.appendChild(indexSpark(info.scope));
      grid.appendChild(tile);
    }
    return group;
  });
  $("tiles").replaceChildren(...groups);
}

function renderAlerts(el, alerts) {
  el.innerHTML = alerts.length ? alerts.slice(0, 12).map((a) =>
    `<li data-alert="${esc(a.alert_id)}"><time>${esc(time(a.as_of))}</time>` +
    `<span class="level" data-level="${esc(a.level)}">${esc(a.level)}</span>` +
    `<a href="#/scope/${esc(a.scope)}">${esc(scopeInfo(a.scope).name)}</a><span>${esc(a.message)}</span></li>`).join("")
    : `<li><span class="empty-note">No level changes yet.</span></li>`;
}

// The detail view keeps its charts between renders (a live value updates them), so a zoom or hover survives.
const detail = { scope: null, charts: new Map() };  // indicator -> {card, chart}

function clearDetailCharts() {
  for (const { chart } of detail.charts.values()) chart.destroy();
  detail.charts.clear();
  $("charts").replaceChildren();
}

function chartCard(scope, i) {
  const card = document.createElement("div");
  card.className = "card chart";
  card.dataset.indicator = i;
  card.innerHTML = `<h4><span>${esc((META[i] || {}).label || i)}</span><b></b></h4><div class="plot"></div>`;
  $("charts").appendChild(card);
  const index = i === "congestion_index";
  const chart = new TimeChart(card.querySelector(".plot"), {
    label: (META[i] || {}).label || i, kind: index ? "index" : (META[i] || {}).kind, bands: index,
    format: (v) => format(i, v), color: index ? "#0f2340" : "#2f5b9a", fill: index ? undefined : "rgba(47,91,154,.08)",
    points: state.history.get(key(scope, i)) || [],
  });
  return { card, chart };
}

function renderDetail(scope) {
  const info = scopeInfo(scope);
  const head = $("detail-head");
  head.dataset.scope = scope;
  head.innerHTML = `<span class="scope-name">${esc(info.name)}</span><span class="scope-sub">${esc(scope)}</span>` + indexRow(scope);
  if (detail.scope !== scope) { clearDetailCharts(); detail.scope = scope; }
  const indicators = [...state.latest.values()].filter((r) => charted(r, scope)).map((r) => r.indicator)
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  for (const i of indicators) {
    if (!detail.charts.has(i)) detail.charts.set(i, chartCard(scope, i));
    const { card, chart } = detail.charts.get(i);
    card.dataset.level = i === "congestion_index" ? level(scope) : "";
    card.querySelector("h4 b").textContent = format(i, value(scope, i));
    chart.update(state.history.get(key(scope, i)) || []);
  }
  // A new indicator may arrive after the others: keep the cards in the contract's order.
  const cards = indicators.map((i) => detail.charts.get(i).card);
  if (cards.some((c, n) => $("charts").children[n] !== c)) $("charts").replaceChildren(...cards);
  renderAlerts($("detail-alerts"), state.alerts.filter((a) => a.scope === scope));
}

function render() {
  const newest = [...state.latest.values()].reduce((m, r) => (r.as_of > m ? r.as_of : m), "");
  $("as-of").textContent = newest ? "as of " + time(newest) : "waiting for data";
  const route = currentRoute();
  $("overview").hidden = Boolean(route);
  $("detail").hidden = !route;
  if (route) { renderDetail(route); return; }
  if (detail.scope) { clearDetailCharts(); detail.scope = null; }
  renderSummary();
  renderHarbourMap();
  renderQueue();
  renderTiles();
  renderAlerts($("alerts"), state.alerts);
}

function currentRoute() {
  const match = location.hash.match(/^#\/scope\/(.+)$/);
  return match ? decodeURIComponent(match[1]) : null;
}

async function loadDetailHistory(scope) {
  const indicators = [...state.latest.values()].filter((r) => charted(r, scope)).map((r) => r.indicator);
  await Promise.all(indicators.map((i) => loadHistory(scope, i)));
}

window.addEventListener("hashchange", () => {
  const route = currentRoute();
  scheduleRender();
  if (route) loadDetailHistory(route).then(scheduleRender);
  window.scrollTo(0, 0);
});

loadScopes();
connect();
