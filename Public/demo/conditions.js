// Conditions: server push, simulated delay, plain polling's interval, quiet mode.
import { $, PAGE_ID, QUIET_SETTLE_S, panels, settings } from "./page.js";
import { meter } from "./meter.js";
import { charts } from "./summary.js";

export const push = {
  setup() {
    $("#push-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.send(Math.max(0, Math.min(100, Math.floor(Number($("#push-rate").value)) || 0)));
    });
    $("#push-stop").addEventListener("click", () => this.send(0));
    setInterval(() => this.show(), 1000);
  },
  send(rate) {
    const socket = meter.socket;
    if (!socket || !socket.connected) { $("#push-status").textContent = "no connection"; return; }
    socket.timeout(3000).emit("ticker", { rate, page: PAGE_ID }, (error, answer) => {
      $("#push-status").textContent = error ? "no answer" : answer.rate ? answer.rate + "/s for up to a minute" : "stopped";
    });
  },
  show() {
    for (const panel of panels) {
      const got = panel.ticks || 0;
      panel.ticks = 0;
      panel.el.note.dataset.ticks = got;
      const base = panel.el.note.textContent.replace(/ · \d+ pushes\/s$/, "");
      panel.el.note.textContent = got > 0 ? base + " · " + got + " pushes/s" : base;
    }
  },
};

export const conditions = {
  setup() {
    for (const input of document.querySelectorAll('input[name="delay"]')) {
      input.addEventListener("change", () => this.setDelay(Number(input.value)));
    }
    for (const input of document.querySelectorAll('input[name="poll"]')) {
      input.addEventListener("change", () => this.setPollInterval(Number(input.value)));
    }
    $("#quiet").addEventListener("click", () => this.setQuiet(!settings.quiet));
  },
  setDelay(ms) {
    settings.delay = ms;
    for (const panel of panels) {
      panel.samples = [];
      panel.showRTT();
      if (panel.socket.connected) panel.socket.emit("delay", ms);
    }
    charts.update();
  },
  setPollInterval(ms) {
    settings.pollInterval = ms;
    const panel = panels.find((p) => p.spec.name === "short-polling");
    if (panel) panel.reconnect();
  },
  setQuiet(on) {
    settings.quiet = on;
    settings.quietSince = performance.now();
    const button = $("#quiet");
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Quiet: measuring… (press to resume probes)" : "Quiet: measure idle cost";
    $("#probe-note").textContent = on
      ? "Quiet: no pings, no pushes. Each panel now sends only what its transport needs to stay connected (heartbeats, polls); the idle figures count that, per minute, from " + QUIET_SETTLE_S + " s after the start."
      : "Probes: each panel pings every 500 ms to measure round trips (4 messages/s of its own). Counters are read by a separate meter connection, so they add nothing to the panels.";
    document.body.dataset.quiet = String(on);
    for (const panel of panels) {
      panel.idleFrom = null;
      if (on) {
        panel.idle = null;
        panel.showIdle();
        panel.el.windowText.textContent = panel.el.windowText.textContent.replace(/^per message: /, "per message before quiet mode: ");
      }
    }
    if (on) push.send(0);
  },
};
