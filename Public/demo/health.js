// The header's line on the server: its status, version and sessions, this page's among them.
import { $, panels } from "./page.js";
import { meter } from "./meter.js";

let healthTimer = null;
/** The header's session count, once the connections that just opened are counted. */
export function healthSoon() {
  clearTimeout(healthTimer);
  healthTimer = setTimeout(checkHealth, 300);
}

export function checkHealth() {
  const out = $("#health");
  fetch("/health", { cache: "no-store" }).then((r) => r.json()).then((s) => {
    const mine = panels.filter((p) => p.socket && p.socket.connected).length + (meter.socket && meter.socket.connected ? 1 : 0);
    out.textContent = s.status + " · version " + s.version + " · " + s.sessions + " session(s), " + mine +
      " of them this page's (4 panels and its meter)";
    out.dataset.sessions = s.sessions;
  }).catch(() => { out.textContent = "unreachable"; });
}
