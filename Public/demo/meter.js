// The meter: its own connection asks the server once a second for every panel's counters.
import { METER_EVERY_MS, PAGE_ID, panels } from "./page.js";
import { resourceTiming } from "./resource-timing.js";
import { charts } from "./summary.js";
import { healthSoon } from "./health.js";

export const meter = {
  socket: null,
  setup() {
    this.socket = io({ forceNew: true, transports: ["websocket", "sse", "polling", "short-polling"], auth: { meter: PAGE_ID } });
    this.socket.on("connect", () => healthSoon());
    setInterval(() => this.read(), METER_EVERY_MS);
  },
  read() {
    const socket = this.socket;
    if (!socket.connected) return;
    socket.timeout(3000).emit("meter", PAGE_ID, (error, list) => {
      if (error || !Array.isArray(list)) return;
      for (const entry of list) {
        const panel = panels.find((p) => p.socket && p.socket.id === entry.id);
        if (!panel) continue;
        panel.measured(entry.counters);
        // The cross-check: completed responses as the browser counted them (Resource
        // Timing) next to what the server wrote for them.
        const rt = resourceTiming.of(panel);
        const c = entry.counters;
        if (c && c.httpResponseBytes != null) {
          panel.root.dataset.serverResponseBytes = c.httpResponseBytes;
          panel.root.dataset.serverResponses = c.httpResponses;
          panel.root.dataset.rtBytes = rt ? rt.transfer : 0;
          panel.root.dataset.rtBodyBytes = rt ? rt.body : 0;
          panel.root.dataset.rtResponses = rt ? rt.responses : 0;
          // Chromium reports every response head as 300 bytes in Resource Timing, so the
          // browser's side of the check is the count of responses and their bodies.
          panel.el.rtCheck.textContent = rt && rt.responses > 0 && c.httpResponses > 0
            ? "· responses: browser " + rt.responses + ", server " + c.httpResponses + " (its count lags up to 1 s)"
            : "";
        }
      }
      charts.update();
    });
  },
};
