// The party panel: sign in with your API key (kept in this tab's sessionStorage only) and see your own
// containers (dwell, last free day) or gate visits beside the public figures. docs/dashboard.md, "Parties".
"use strict";

(function () {
  const STORE = "baystream.apiKey";
  const REFRESH_MS = 10000;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  let timer = null;

  function key() { return sessionStorage.getItem(STORE); }

  // Headers every request of the page carries once signed in (also the public figures, for a dashboard
  // that requires a key for everything).
  function authHeaders() {
    const k = key();
    return k ? { "X-API-Key": k } : {};
  }

  async function get(url) {
    const response = await fetch(url, { cache: "no-store", headers: authHeaders() });
    if (response.status === 401) throw Object.assign(new Error("unknown API key"), { status: 401 });
    if (!response.ok) throw Object.assign(new Error(url + ": HTTP " + response.status), { status: response.status });
    return response.json();
  }

  const fmtTime = (iso) => iso ? iso.slice(5, 16).replace("T", " ") : "–";
  const fmtDays = (d) => d == null ? "–" : d.toFixed(1) + " d";
  const fmtMin = (m) => m == null ? "–" : Math.round(m) + " min";

  function containersTable(body) {
    if (!body.containers.length) return `<p class="empty-note">No containers of yours on terminal.</p>`;
    const rows = body.containers.map((c) =>
      `<tr data-container="${esc(c.container_id)}"><td><b>${esc(c.container_id)}</b></td>` +
      `<td>${esc(c.terminal || c.last_facility)}</td><td class="num">${fmtDays(c.dwell_days)}</td>` +
      `<td>${esc(c.last_free_day || "–")}</td>` +
      `<td>${c.available_for_pickup ? '<span class="ok">available</span>' : "held"}</td></tr>`).join("");
    return `<table class="own"><thead><tr><th>Container</th><th>Terminal</th><th class="num">Dwell</th>` +
      `<th>Last free day</th><th>Pickup</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  function visitsTable(body) {
    if (!body.visits.length) return `<p class="empty-note">No open or recent gate visits.</p>`;
    const rows = body.visits.map((v) =>
      `<tr data-visit="${esc(v.visit_id)}"><td><b>${esc(v.visit_id)}</b></td><td>${esc(v.facility)}</td>` +
      `<td>${esc(v.truck_id)}</td><td>${fmtTime(v.gate_in)}</td>` +
      `<td class="num">${v.open ? `<span class="open">on terminal ${fmtMin(v.minutes_on_terminal)}</span>` :
        fmtMin(v.turn_minutes)}</td><td>${esc(v.container_ids.join(", "))}</td></tr>`).join("");
    return `<table class="own"><thead><tr><th>Visit</th><th>Terminal</th><th>Truck</th><th>Gate in (UTC)</th>` +
      `<th class="num">Turn</th><th>Containers</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  async function refresh() {
    const panel = $("party");
    if (!key()) { panel.hidden = true; showSignedOut(); return; }
    try {
      const [boxes, visits] = await Promise.all([get("/api/my/containers"), get("/api/my/visits")]);
      $("party-name").textContent = `${boxes.party} · ${boxes.role.replace("_", " ")}`;
      const parts = [];
      if (boxes.role !== "trucker" || boxes.containers.length) {
        parts.push(`<h3>Your containers on terminal <small>as of ${fmtTime(boxes.as_of)}</small></h3>` +
          containersTable(boxes));
      }
      if (boxes.role === "trucker" || boxes.role === "terminal") {
        parts.push(`<h3>${boxes.role === "terminal" ? "Visits at your gate" : "Your gate visits"}</h3>` +
          visitsTable(visits));
      }
      if (!parts.length) parts.push(`<p class="empty-note">A ${esc(boxes.role)} has no containers or visits here.</p>`);
      $("party-body").innerHTML = parts.join("");
      panel.hidden = false;
      panel.dataset.party = boxes.party;
      showSignedIn();
    } catch (err) {
      if (err.status === 401) { signOut(); $("signin-error").textContent = "That key is not known."; }
      else $("party-body").innerHTML = `<p class="empty-note">${esc(err.message)}</p>`;
    }
  }

  function showSignedIn() { $("signin").hidden = true; $("signed-in").hidden = false; }
  function showSignedOut() { $("signin").hidden = false; $("signed-in").hidden = true; }

  function signOut() {
    sessionStorage.removeItem(STORE);
    clearInterval(timer);
    timer = null;
    $("party").hidden = true;
    delete $("party").dataset.party;
    showSignedOut();
  }

  function signIn(event) {
    event.preventDefault();
    const value = $("api-key").value.trim();
    if (!value) return;
    sessionStorage.setItem(STORE, value);
    $("api-key").value = "";
    $("signin-error").textContent = "";
    start();
  }

  function start() {
    refresh();
    clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("signin").addEventListener("submit", signIn);
    $("signout").addEventListener("click", signOut);
    if (key()) start(); else showSignedOut();
  });

  window.BaystreamParty = { authHeaders, refresh };
})();
