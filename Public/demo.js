// The pushd demo page: one panel per transport, each on its own connection, a summary that
// compares them, a shared chat, and a meter connection that reads every panel's wire counters.
"use strict";

(() => {
  const TRANSPORTS = [
    { name: "websocket", title: "WebSocket", short: "WS" },
    { name: "sse", title: "Server-Sent Events", short: "SSE" },
    { name: "polling", title: "Long-polling", short: "LP" },
    { name: "short-polling", title: "Plain polling", short: "Poll" },
  ];
  const TITLE = Object.fromEntries(TRANSPORTS.map((t) => [t.name, t.title]));
  const PING_EVERY_MS = 500;
  const METER_EVERY_MS = 1000;
  /** RTT samples kept: one minute at one every 500 ms. */
  const RTT_WINDOW = 120;
  /** Per-message figures: the counters' change over this many seconds. */
  const MESSAGE_WINDOW_S = 10;
  /** Quiet mode: the first seconds are left out (answers to the last probes may still be due). */
  const QUIET_SETTLE_S = 3;
  const ROOM = "lobby";
  const MAX_CHAT_LINES = 100;
  /** Every panel of this page shares this id, so server push and the meter reach this page only. */
  const PAGE_ID = Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => b.toString(36).padStart(2, "0")).join("");

  const $ = (selector, root = document) => root.querySelector(selector);
  const settings = { delay: 0, pollInterval: 1000, quiet: false, quietSince: 0 };

  function formatMs(ms) {
    if (ms == null || !Number.isFinite(ms)) return "–";
    return (ms < 10 ? ms.toFixed(1) : Math.round(ms).toString()) + " ms";
  }

  function formatNumber(value, digits) {
    if (value == null || !Number.isFinite(value)) return "–";
    return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  }

  /** Short form for chart labels: 950, 1.2k, 34k, 1.1M. */
  function formatShort(value) {
    if (value == null || !Number.isFinite(value)) return "–";
    const trim = (text) => text.replace(/\.0$/, "");
    if (value >= 1e6) return trim((value / 1e6).toFixed(value >= 1e7 ? 0 : 1)) + "M";
    if (value >= 1e3) return trim((value / 1e3).toFixed(value >= 1e4 ? 0 : 1)) + "k";
    if (value >= 10 || Number.isInteger(value)) return Math.round(value).toString();
    return value.toFixed(value >= 1 ? 1 : 2);
  }

  /** Nearest-rank percentile of a sorted list. */
  function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  /** The power of ten at or above `value`, for log scales. */
  function decadeAbove(value) {
    return Math.pow(10, Math.ceil(Math.log10(Math.max(value, 1e-9))));
  }

  function sum(counters, ...names) {
    let total = 0;
    for (const name of names) total += counters[name] || 0;
    return total;
  }

  // -------------------------------------------------------------------------------------------
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

  // -------------------------------------------------------------------------------------------
  // A panel: one transport's connection and its numbers.

  class Panel {
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

  // -------------------------------------------------------------------------------------------
  // Resource Timing: the browser's own count of response bytes (head and body) for each HTTP
  // request of a session, a cross-check of what the server counts.

  const resourceTiming = {
    bySession: new Map(),   // sid -> { responses, transfer }
    setup() {
      if (typeof PerformanceObserver !== "function") return;
      if (performance.setResourceTimingBufferSize) performance.setResourceTimingBufferSize(1000);
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.add(entry);
        performance.clearResourceTimings();
      });
      observer.observe({ type: "resource", buffered: true });
    },
    add(entry) {
      if (!/\/socket\.io\/\?/.test(entry.name) || !(entry.transferSize > 0)) return;
      const url = new URL(entry.name);
      const sid = url.searchParams.get("sid");
      if (!sid) return;
      let record = this.bySession.get(sid);
      if (!record) this.bySession.set(sid, record = { responses: 0, transfer: 0, body: 0 });
      record.responses++;
      record.transfer += entry.transferSize;
      record.body += entry.encodedBodySize;
    },
    of(panel) {
      const engine = panel.socket && panel.socket.io.engine;
      return engine && engine.id ? this.bySession.get(engine.id) : undefined;
    },
  };

  // -------------------------------------------------------------------------------------------
  // The meter: its own connection asks the server once a second for every panel's counters.

  const meter = {
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

  // -------------------------------------------------------------------------------------------
  // The summary: the four transports side by side, one small chart per figure.

  const METRICS = [
    { key: "rtt", title: "Round trip, ms", note: "p50 bar, p99 tick · log", log: true, value: (f) => f.p50, mark: (f) => f.p99, format: formatShort },
    { key: "wire", title: "Bytes per message", note: "with HTTP heads; light: bodies and frames only · log", log: true, value: (f) => (f.wire != null ? f.wire : f.payload), mark: null, inner: (f) => (f.wire != null ? f.payload : null), format: formatShort },
    { key: "requests", title: "HTTP requests per message", note: "both ways", log: false, value: (f) => f.requests, format: (v) => formatNumber(v, 2) },
    { key: "idle-requests", title: "Idle: requests per minute", note: "quiet mode", log: false, value: (f) => f.idleRequests, format: formatShort },
    { key: "idle-bytes", title: "Idle: bytes per minute", note: "quiet mode, with heads · log", log: true, value: (f) => f.idleBytes, format: formatShort },
  ];
  const SVG = "http://www.w3.org/2000/svg";

  function svg(name, attributes, text) {
    const node = document.createElementNS(SVG, name);
    for (const key of Object.keys(attributes)) node.setAttribute(key, attributes[key]);
    if (text != null) node.textContent = text;
    return node;
  }

  const charts = {
    figures: [],
    setup() {
      const container = $("#summary-charts");
      this.boxes = METRICS.map((metric) => {
        const figure = document.createElement("figure");
        figure.className = "metric";
        figure.dataset.metric = metric.key;
        const caption = document.createElement("figcaption");
        const strong = document.createElement("strong");
        strong.textContent = metric.title;
        const note = document.createElement("span");
        note.textContent = metric.note;
        caption.append(strong, " ", note);
        const holder = document.createElement("div");
        holder.className = "metric-svg";
        figure.append(caption, holder);
        container.append(figure);
        return { metric, holder };
      });
    },
    update() {
      this.figures = panels.map((p) => ({ panel: p, f: p.figures() }));
      for (const box of this.boxes) this.drawMetric(box);
      this.drawAll();
    },
    /** Panel charts share one log scale: up to the decade above the slowest sample anywhere. */
    drawAll() {
      let max = 10;
      for (const panel of panels) for (const ms of panel.samples) if (ms > max) max = ms;
      const top = decadeAbove(max);
      for (const panel of panels) panel.draw(top);
    },
    drawMetric({ metric, holder }) {
      const width = Math.max(200, holder.clientWidth || 260);
      const rowHeight = 22;
      const labelWidth = 44;
      const valueWidth = 48;
      const height = rowHeight * panels.length + 16;
      const values = this.figures.map(({ f }) => metric.value(f));
      const marks = this.figures.map(({ f }) => (metric.mark ? metric.mark(f) : null));
      const inners = this.figures.map(({ f }) => (metric.inner ? metric.inner(f) : null));
      const known = values.concat(marks, inners).filter((v) => v != null && Number.isFinite(v));
      const maxValue = known.length ? Math.max(...known) : 1;
      const barWidth = width - labelWidth - valueWidth;
      let x;
      let ticks;
      if (metric.log) {
        const low = 1;
        const top = Math.max(10, decadeAbove(maxValue));
        x = (v) => labelWidth + Math.max(0, Math.log10(Math.max(v, low) / low) / Math.log10(top / low)) * barWidth;
        ticks = [];
        for (let t = low; t <= top; t *= 10) ticks.push(t);
      } else {
        const top = maxValue > 0 ? maxValue * 1.1 : 1;
        x = (v) => labelWidth + (Math.max(0, v) / top) * barWidth;
        ticks = [0];
      }
      const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
        "aria-label": metric.title + ": " + this.figures.map(({ panel }, i) => panel.spec.short + " " + (values[i] == null ? "not measured" : metric.format(values[i]))).join(", ") });
      for (const t of ticks) {
        const gx = Math.round(x(t)) + 0.5;
        root.append(svg("line", { x1: gx, x2: gx, y1: 0, y2: height - 14, class: "grid" }));
        if (metric.log) root.append(svg("text", { x: gx, y: height - 3, class: "tick", "text-anchor": "middle" }, formatShort(t)));
      }
      this.figures.forEach(({ panel }, i) => {
        const y = i * rowHeight + 2;
        const row = svg("g", { class: "row", "data-transport": panel.carrier || panel.spec.name });
        row.append(svg("text", { x: 0, y: y + 14, class: "label" }, panel.spec.short + (panel.root.dataset.fallback ? "→" : "")));
        const value = values[i];
        if (value == null || !Number.isFinite(value)) {
          row.append(svg("text", { x: labelWidth, y: y + 14, class: "missing" }, metric.key.startsWith("idle") ? "press Quiet" : "–"));
        } else {
          const end = Math.max(labelWidth + 2, x(value));
          row.append(svg("rect", { x: labelWidth, y: y + 3, width: end - labelWidth, height: rowHeight - 8, rx: 3, class: "bar" }));
          const inner = inners[i];
          if (inner != null && Number.isFinite(inner)) {
            row.append(svg("rect", { x: labelWidth, y: y + 7, width: Math.max(2, x(inner) - labelWidth), height: rowHeight - 16, class: "inner" }));
          }
          let textX = end + 4;
          const mark = marks[i];
          if (mark != null && Number.isFinite(mark)) {
            const mx = Math.round(x(mark)) + 0.5;
            row.append(svg("line", { x1: mx, x2: mx, y1: y + 1, y2: y + rowHeight - 3, class: "mark" }));
            textX = Math.max(textX, mx + 4);
          }
          const label = metric.format(value) + (mark != null && Number.isFinite(mark) ? "/" + metric.format(mark) : "");
          const anchorEnd = textX + 6 * label.length > width;
          row.append(svg("text", { x: anchorEnd ? width : textX, y: y + 14, class: "value", "text-anchor": anchorEnd ? "end" : "start" }, label));
        }
        root.append(row);
      });
      holder.replaceChildren(root);
    },
  };

  // -------------------------------------------------------------------------------------------
  // The chat: one list for all four panels; each line is shown once, with the panels that got it.

  const chat = {
    entries: [],
    typingTimer: null,
    lastTypingSent: 0,

    ownName(id) {
      const panel = panels.find((p) => p.socket && p.socket.id === id);
      return panel ? "you · " + panel.spec.title : "guest " + String(id).slice(0, 6);
    },

    receive(panel, line) {
      if (!line || line.room !== ROOM) return;
      let entry = this.entries.find((e) => e.from === line.from && e.text === line.text && !e.receivedBy.has(panel.spec.name));
      if (!entry) entry = this.add(line);
      entry.receivedBy.add(panel.spec.name);
      entry.chips.get(panel.spec.name).classList.add("on");
      entry.chips.get(panel.spec.name).title = "received by the " + panel.spec.title + " panel";
    },

    add(line) {
      const list = $("#chat-log");
      const item = document.createElement("li");
      const meta = document.createElement("div");
      meta.className = "meta";
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = this.ownName(line.from);
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.transport = line.transport;
      badge.textContent = "sent over " + line.transport;
      meta.append(who, badge);
      const text = document.createElement("p");
      text.className = "text";
      text.textContent = line.text;
      const chips = document.createElement("div");
      chips.className = "chips";
      chips.setAttribute("aria-label", "received by");
      const chipMap = new Map();
      for (const spec of TRANSPORTS) {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.dataset.transport = spec.name;
        chip.textContent = spec.short;
        chips.append(chip);
        chipMap.set(spec.name, chip);
      }
      item.append(meta, text, chips);
      const stuck = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      list.append(item);
      if (stuck) list.scrollTop = list.scrollHeight;
      const entry = { from: line.from, text: line.text, receivedBy: new Set(), chips: chipMap, item };
      this.entries.push(entry);
      while (this.entries.length > MAX_CHAT_LINES) this.entries.shift().item.remove();
      return entry;
    },

    typing(info) {
      if (!info || info.room !== ROOM || panels.some((p) => p.socket && p.socket.id === info.from)) return;
      const out = $("#typing");
      out.textContent = this.ownName(info.from) + " is typing…";
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => { out.textContent = ""; }, 3000);
    },

    selectedPanel() {
      const name = $("#chat-via").value;
      return panels.find((p) => p.spec.name === name) || panels[0];
    },

    setup() {
      const select = $("#chat-via");
      for (const spec of TRANSPORTS) {
        const option = document.createElement("option");
        option.value = spec.name;
        option.textContent = spec.title;
        select.append(option);
      }
      const input = $("#chat-text");
      const error = $("#chat-error");
      input.addEventListener("input", () => {
        const now = performance.now();
        if (now - this.lastTypingSent < 1000) return;
        this.lastTypingSent = now;
        // Volatile: a typing hint is worthless late, so it is dropped rather than queued.
        this.selectedPanel().socket.volatile.emit("typing", ROOM);
      });
      $("#chat-form").addEventListener("submit", (event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        const panel = this.selectedPanel();
        error.textContent = "";
        if (!panel.socket.connected) {
          error.textContent = "The " + panel.spec.title + " panel is not connected; the line is sent when it is.";
        }
        panel.socket.timeout(10000).emit("chat", { room: ROOM, text }, (err, reply) => {
          if (err) error.textContent = "Not delivered: " + err.message;
          else if (reply && reply.error) error.textContent = "Refused: " + reply.error;
        });
        input.value = "";
      });
    },
  };

  // -------------------------------------------------------------------------------------------
  // Conditions: server push, simulated delay, plain polling's interval, quiet mode.

  const push = {
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

  const conditions = {
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

  // -------------------------------------------------------------------------------------------

  let healthTimer = null;
  /** The header's session count, once the connections that just opened are counted. */
  function healthSoon() {
    clearTimeout(healthTimer);
    healthTimer = setTimeout(checkHealth, 300);
  }

  function checkHealth() {
    const out = $("#health");
    fetch("/health", { cache: "no-store" }).then((r) => r.json()).then((s) => {
      const mine = panels.filter((p) => p.socket && p.socket.connected).length + (meter.socket && meter.socket.connected ? 1 : 0);
      out.textContent = s.status + " · version " + s.version + " · " + s.sessions + " session(s), " + mine +
        " of them this page's (4 panels and its meter)";
      out.dataset.sessions = s.sessions;
    }).catch(() => { out.textContent = "unreachable"; });
  }

  const container = $("#panels");
  const template = $("#panel-template");
  const panels = TRANSPORTS.map((spec) => {
    const root = template.content.firstElementChild.cloneNode(true);
    container.append(root);
    return new Panel(spec, root);
  });

  resourceTiming.setup();
  meter.setup();
  charts.setup();
  chat.setup();
  push.setup();
  conditions.setup();
  checkHealth();
  setInterval(checkHealth, 5000);
  window.addEventListener("resize", () => charts.update());
  charts.update();
  // For scripted checks of the page.
  window.demo = { panels, settings, meter, charts, resourceTiming, conditions, pageId: PAGE_ID };
})();
