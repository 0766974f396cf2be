// A panel: one transport's own connection, its round trips and what each message costs on the
// wire.
import { $, MESSAGE_WINDOW_S, PAGE_ID, PING_EVERY_MS, QUIET_SETTLE_S, RTT_WINDOW, TITLE, TRANSPORTS, settings } from "./page.js";
import { formatMs, formatNumber, percentile } from "./format.js";
import { charts } from "./summary.js";
import { chat } from "./chat.js";
import { healthSoon } from "./health.js";

// Wire cost from counter samples. The server samples each panel's session counters once a
// second (`sample` counts the samples, so two samples `n` apart are n seconds apart).

function costBetween(older, newer) {
  const seconds = newer.sample - older.sample;
  if (!(seconds > 0)) return null;
  const d = (name) => (newer[name] || 0) - (older[name] || 0);
  const messages = d("messagesIn") + d("messagesOut");
  const payload = d("bytesIn") + d("bytesOut");
  const heads = d("headBytesIn") + d("headBytesOut");
  return {
    seconds, messages, payload, wire: payload + heads,
    requests: d("httpRequests"), hasHeads: newer.headBytesIn != null,
  };
}

export class Panel {
  constructor(spec, root) {
    this.spec = spec;
    this.root = root;
    this.samples = [];
    this.reconnects = 0;
    this.blocked = false;
    this.pingInFlight = false;
    this.socket = null;
    this.connectStarted = 0;
    this.carrier = null;
    this.counters = [];       // { sample, ...counters } from the meter, oldest first
    this.window = null;       // cost over the last MESSAGE_WINDOW_S
    this.idle = null;         // cost per minute over the quiet window
    this.idleFrom = null;     // the first counter sample of the quiet window
    this.el = {
      state: $(".state", root), name: $(".transport-name", root), note: $(".note", root),
      chart: $(".chart", root), p50: $(".rtt-p50", root), p99: $(".rtt-p99", root),
      rate: $(".rate", root), bytes: $(".bytes", root), wire: $(".wire-bytes", root), requests: $(".requests", root),
      idleRequests: $(".idle-requests", root), idleBytes: $(".idle-bytes", root), windowText: $(".window-text", root),
      rtCheck: $(".rt-check", root), title: $(".panel-title", root),
      reconnects: $(".reconnects", root), burst: $(".burst", root), burstSize: $(".burst-size", root),
      burstResult: $(".burst-result", root), block: $(".block", root),
    };
    this.el.title.textContent = spec.title;
    root.dataset.transport = spec.name;
    root.setAttribute("aria-label", spec.title);
    this.labelBlock();
    this.el.burst.setAttribute("aria-label", "Send a burst over " + spec.title);
    this.el.burst.addEventListener("click", () => this.burst());
    this.el.block.addEventListener("click", () => this.toggleBlock());
    this.el.burstSize.addEventListener("keydown", (event) => { if (event.key === "Enter") this.burst(); });
    this.connect();
    this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
  }

  connect() {
    const name = this.spec.name;
    // Blocked: the server refuses this transport, and the client falls back to the others.
    const transports = this.blocked ? [name].concat(TRANSPORTS.map((t) => t.name).filter((n) => n !== name)) : [name];
    const options = {
      transports, forceNew: true, upgrade: false, pollInterval: settings.pollInterval,
      reconnectionDelay: 500, reconnectionDelayMax: 4000, timeout: 5000,
      auth: { page: PAGE_ID },
    };
    if (this.blocked) options.query = { block: name };
    this.connectStarted = performance.now();
    this.counters = [];
    this.window = null;
    const socket = io(options);
    this.socket = socket;
    socket.on("connect", () => this.connected());
    socket.on("disconnect", (reason) => this.setState("disconnected", reason));
    socket.on("connect_error", (error) => this.setState("error", error.message));
    socket.io.on("reconnect_attempt", (attempt) => {
      this.connectStarted = performance.now();
      this.setState("reconnecting", "attempt " + attempt);
    });
    socket.io.on("reconnect", () => {
      this.reconnects++;
      this.el.reconnects.textContent = String(this.reconnects);
    });
    socket.on("chat", (line) => chat.receive(this, line));
    socket.on("tick", () => { this.ticks = (this.ticks || 0) + 1; });
    socket.on("typing", (info) => chat.typing(info));
    this.setState("connecting");
  }

  connected() {
    const socket = this.socket;
    const used = socket.io.engine.transport.name;
    const took = performance.now() - this.connectStarted;
    this.carrier = used;
    this.counters = [];
    this.setState("connected");
    this.el.name.textContent = used;
    const fellBack = used !== this.spec.name;
    // After a fallback the panel measures another transport: say so where its name is.
    this.el.title.textContent = fellBack ? this.spec.title + " blocked → " + TITLE[used] : this.spec.title;
    this.root.dataset.fallback = fellBack ? used : "";
    this.el.note.textContent = "· connected in " + formatMs(took);
    this.root.dataset.carrier = used;
    if (settings.delay) socket.emit("delay", settings.delay);
    healthSoon();
  }

  setState(state, detail) {
    this.root.dataset.state = state;
    this.el.state.textContent = state;
    this.el.state.title = detail || "";
    if (state !== "connected") {
      this.carrier = null;
      this.el.name.textContent = state === "error" ? "none" : "…";
      this.el.note.textContent = detail ? "· " + detail : "";
    }
  }

  ping() {
    const socket = this.socket;
    if (settings.quiet || !socket.connected || this.pingInFlight) return;
    this.pingInFlight = true;
    const started = performance.now();
    socket.timeout(5000).emit("ping", (error) => {
      this.pingInFlight = false;
      if (error || socket !== this.socket) return;
      this.samples.push(performance.now() - started);
      if (this.samples.length > RTT_WINDOW) this.samples.shift();
      this.showRTT();
      charts.drawAll();
    });
  }

  rtt() {
    const sorted = this.samples.slice().sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  }

  showRTT() {
    const { p50, p99 } = this.rtt();
    this.el.p50.textContent = formatMs(p50);
    this.el.p99.textContent = formatMs(p99);
  }

  /** A counter sample from the meter. */
  measured(counters) {
    if (!counters || counters.transport !== this.carrier) return;
    const list = this.counters;
    if (list.length && counters.sample <= list[list.length - 1].sample) {
      if (counters.sample < list[list.length - 1].sample) list.length = 0; // a new session
      else return;
    }
    list.push(counters);
    while (list.length > 0 && counters.sample - list[0].sample > 70) list.shift();
    const newest = list[list.length - 1];
    if (settings.quiet) { this.measureIdle(newest); return; } // per-message figures keep the last window
    const older = list.find((c) => newest.sample - c.sample <= MESSAGE_WINDOW_S) || list[0];
    this.window = costBetween(older, newest);
    const w = this.window;
    if (w && w.messages > 0) {
      this.el.rate.textContent = formatNumber(w.messages / w.seconds, 1);
      this.el.bytes.textContent = formatNumber(w.payload / w.messages, 0);
      this.el.wire.textContent = w.hasHeads ? formatNumber(w.wire / w.messages, 0) : "n/a";
      this.el.requests.textContent = formatNumber(w.requests / w.messages, 2);
    } else if (w) {
      this.el.rate.textContent = "0.0";
      this.el.bytes.textContent = this.el.wire.textContent = this.el.requests.textContent = "–";
    }
    this.el.windowText.textContent = w ? "per message: last " + w.seconds + " s, " +
      (w.messages === 1 ? "1 message" : w.messages ? w.messages + " messages" : "no messages") : "per message: last 10 s";
  }

  measureIdle(newest) {
    if (performance.now() - settings.quietSince < QUIET_SETTLE_S * 1000) return;
    if (!this.idleFrom || this.idleFrom.sample > newest.sample) { this.idleFrom = newest; return; }
    const cost = costBetween(this.idleFrom, newest);
    if (!cost) return;
    this.idle = { requests: cost.requests * 60 / cost.seconds, bytes: cost.wire * 60 / cost.seconds,
                  payload: cost.payload * 60 / cost.seconds, seconds: cost.seconds, hasHeads: cost.hasHeads };
    this.showIdle();
  }

  showIdle() {
    const idle = this.idle;
    this.el.idleRequests.textContent = idle ? formatNumber(idle.requests, 1) : "–";
    this.el.idleBytes.textContent = idle ? (idle.hasHeads ? formatNumber(idle.bytes, 0) : formatNumber(idle.payload, 0) + "*") : "–";
    this.root.dataset.idleSeconds = idle ? idle.seconds : "";
  }

  burst() {
    const socket = this.socket;
    const out = this.el.burstResult;
    const count = Math.max(1, Math.min(5000, Math.floor(Number(this.el.burstSize.value)) || 200));
    this.el.burstSize.value = String(count);
    if (!socket.connected) { out.textContent = "Not connected."; return; }
    this.el.burst.disabled = true;
    out.textContent = "Sending " + count + "…";
    const started = performance.now();
    let done = 0;
    let failed = 0;
    const finish = () => {
      const ms = performance.now() - started;
      this.el.burst.disabled = false;
      out.textContent = count + " acked in " + formatMs(ms) + " · " +
        formatNumber((count - failed) * 1000 / ms, 0) + "/s" + (failed ? " · " + failed + " failed" : "");
      out.dataset.done = "true";
    };
    delete out.dataset.done;
    for (let i = 0; i < count; i++) {
      socket.timeout(15000).emit("burst", i, (error) => {
        if (error) failed++;
        if (++done === count) finish();
      });
    }
  }

  toggleBlock() {
    this.blocked = !this.blocked;
    this.el.block.setAttribute("aria-pressed", String(this.blocked));
    this.labelBlock();
    this.reconnect();
  }

  /** A new connection with the current settings (blocking, poll interval). */
  reconnect() {
    this.socket.disconnect();
    this.samples = [];
    this.idle = null;
    this.idleFrom = null;
    this.showIdle();
    this.el.p50.textContent = this.el.p99.textContent = "–";
    this.el.title.textContent = this.spec.title;
    charts.drawAll();
    this.connect();
  }

  /** "Block websocket"; the transport's name is hidden on narrow screens (the panel says it). */
  labelBlock() {
    const which = document.createElement("span");
    which.className = "block-what";
    which.textContent = " " + this.spec.name;
    this.el.block.replaceChildren(this.blocked ? "Unblock" : "Block", which);
  }

  /** The RTT curve on the log scale every panel shares. */
  draw(top) {
    const canvas = this.el.chart;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const ctx = canvas.getContext("2d");
    const style = getComputedStyle(this.root);
    const accent = style.getPropertyValue("--accent").trim() || "#2563eb";
    const grid = style.getPropertyValue("--grid").trim() || "#e5e7eb";
    const ink = style.getPropertyValue("--muted").trim() || "#6b7280";
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const w = width / ratio;
    const h = height / ratio;
    ctx.clearRect(0, 0, w, h);
    const bottom = 0.1;
    const padTop = 12;
    const y = (ms) => h - 2 - (Math.log10(Math.max(ms, bottom) / bottom) / Math.log10(top / bottom)) * (h - padTop - 2);
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = ink;
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "bottom";
    for (let tick = 1; tick <= top; tick *= 10) {
      const gy = Math.round(y(tick)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(0, gy);
      ctx.lineTo(w, gy);
      ctx.stroke();
      ctx.fillText(tick >= 1000 ? tick / 1000 + " s" : tick + " ms", 2, gy - 1);
    }
    const samples = this.samples;
    if (samples.length < 2) return;
    const step = w / (RTT_WINDOW - 1);
    const x0 = w - (samples.length - 1) * step;
    ctx.beginPath();
    samples.forEach((ms, i) => {
      const px = x0 + i * step;
      if (i === 0) ctx.moveTo(px, y(ms)); else ctx.lineTo(px, y(ms));
    });
    ctx.strokeStyle = accent;
    ctx.lineWidth = 1.5;
    ctx.lineJoin = "round";
    ctx.stroke();
    ctx.lineTo(w, h);
    ctx.lineTo(x0, h);
    ctx.closePath();
    ctx.globalAlpha = 0.12;
    ctx.fillStyle = accent;
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  /** What the summary shows for this panel. */
  figures() {
    const w = this.window;
    const rtt = this.rtt();
    const perMessage = (value) => (w && w.messages > 0 ? value / w.messages : null);
    return {
      p50: rtt.p50, p99: rtt.p99,
      wire: w && w.hasHeads ? perMessage(w.wire) : null, payload: w ? perMessage(w.payload) : null,
      requests: w ? perMessage(w.requests) : null,
      idleRequests: this.idle ? this.idle.requests : null,
      idleBytes: this.idle ? (this.idle.hasHeads ? this.idle.bytes : this.idle.payload) : null,
    };
  }
}
