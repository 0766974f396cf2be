// The pushd demo page: one panel per transport, each on its own connection, plus a shared chat.
"use strict";

(() => {
  const TRANSPORTS = [
    { name: "websocket", title: "WebSocket", short: "WS" },
    { name: "sse", title: "Server-Sent Events", short: "SSE" },
    { name: "polling", title: "Long-polling", short: "LP" },
    { name: "short-polling", title: "Plain polling", short: "Poll" },
  ];
  const PING_EVERY_MS = 500;
  const STATS_EVERY_MS = 1000;
  /** RTT samples kept: one minute at one every 500 ms. */
  const WINDOW = 120;
  const ROOM = "lobby";
  const MAX_CHAT_LINES = 100;

  const $ = (selector, root = document) => root.querySelector(selector);

  function formatMs(ms) {
    if (ms == null || !Number.isFinite(ms)) return "–";
    return (ms < 10 ? ms.toFixed(1) : Math.round(ms).toString()) + " ms";
  }

  function formatNumber(value, digits) {
    if (value == null || !Number.isFinite(value)) return "–";
    return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  }

  /** Nearest-rank percentile of a sorted list. */
  function percentile(sorted, p) {
    if (sorted.length === 0) return null;
    return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  /** A round number at or above `value`, for the chart's scale. */
  function niceCeiling(value) {
    const floor = Math.pow(10, Math.floor(Math.log10(Math.max(value, 1))));
    for (const step of [1, 2, 5, 10]) if (step * floor >= value) return step * floor;
    return 10 * floor;
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
      this.lastStats = null;
      this.socket = null;
      this.connectStarted = 0;
      this.el = {
        state: $(".state", root), name: $(".transport-name", root), note: $(".note", root),
        chart: $(".chart", root), p50: $(".rtt-p50", root), p99: $(".rtt-p99", root),
        rate: $(".rate", root), bytes: $(".bytes", root), requests: $(".requests", root),
        reconnects: $(".reconnects", root), burst: $(".burst", root), burstSize: $(".burst-size", root),
        burstResult: $(".burst-result", root), block: $(".block", root),
      };
      $(".panel-title", root).textContent = spec.title;
      root.dataset.transport = spec.name;
      root.setAttribute("aria-label", spec.title);
      this.labelBlock();
      this.el.burst.setAttribute("aria-label", "Send a burst over " + spec.title);
      this.el.burst.addEventListener("click", () => this.burst());
      this.el.block.addEventListener("click", () => this.toggleBlock());
      this.el.burstSize.addEventListener("keydown", (event) => { if (event.key === "Enter") this.burst(); });
      this.connect();
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
      this.statsTimer = setInterval(() => this.stats(), STATS_EVERY_MS);
    }

    connect() {
      const name = this.spec.name;
      // Blocked: the server refuses this transport, and the client falls back to the others.
      const transports = this.blocked ? [name].concat(TRANSPORTS.map((t) => t.name).filter((n) => n !== name)) : [name];
      const options = {
        transports, forceNew: true, upgrade: false,
        reconnectionDelay: 500, reconnectionDelayMax: 4000, timeout: 5000,
      };
      if (this.blocked) options.query = { block: name };
      this.connectStarted = performance.now();
      this.lastStats = null;
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
      this.lastStats = null;
      this.setState("connected");
      this.el.name.textContent = used;
      this.el.note.textContent = (used !== this.spec.name ? "· " + this.spec.name + " blocked, fell back " : "") +
        "· connected in " + formatMs(took);
      this.root.dataset.carrier = used;
    }

    setState(state, detail) {
      this.root.dataset.state = state;
      this.el.state.textContent = state;
      this.el.state.title = detail || "";
      if (state !== "connected") {
        this.el.name.textContent = state === "error" ? "none" : "…";
        this.el.note.textContent = detail ? "· " + detail : "";
      }
    }

    ping() {
      const socket = this.socket;
      if (!socket.connected || this.pingInFlight) return;
      this.pingInFlight = true;
      const started = performance.now();
      socket.timeout(3000).emit("ping", (error) => {
        this.pingInFlight = false;
        if (error || socket !== this.socket) return;
        this.samples.push(performance.now() - started);
        if (this.samples.length > WINDOW) this.samples.shift();
        const sorted = this.samples.slice().sort((a, b) => a - b);
        this.el.p50.textContent = formatMs(percentile(sorted, 0.5));
        this.el.p99.textContent = formatMs(percentile(sorted, 0.99));
        this.draw();
      });
    }

    stats() {
      const socket = this.socket;
      if (!socket.connected) return;
      socket.timeout(3000).emit("stats", (error, stats) => {
        if (error || socket !== this.socket || !stats) return;
        const now = performance.now();
        const messages = stats.messagesIn + stats.messagesOut;
        const last = this.lastStats;
        if (last && now > last.at) {
          this.el.rate.textContent = formatNumber((messages - last.messages) * 1000 / (now - last.at), 1);
        }
        this.lastStats = { at: now, messages };
        if (messages > 0) {
          this.el.bytes.textContent = formatNumber((stats.bytesIn + stats.bytesOut) / messages, 0);
          this.el.requests.textContent = formatNumber(stats.httpRequests / messages, 2);
        }
      });
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
      this.socket.disconnect();
      this.samples = [];
      this.el.p50.textContent = this.el.p99.textContent = "–";
      this.draw();
      this.connect();
    }

    /** "Block websocket"; the transport's name is hidden on narrow screens (the panel says it). */
    labelBlock() {
      const which = document.createElement("span");
      which.className = "block-what";
      which.textContent = " " + this.spec.name;
      this.el.block.replaceChildren(this.blocked ? "Unblock" : "Block", which);
    }

    draw() {
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
      const samples = this.samples;
      const top = niceCeiling(samples.length ? Math.max.apply(null, samples) * 1.1 : 10);
      const padTop = 14;
      const y = (ms) => h - 2 - (ms / top) * (h - padTop - 2);
      ctx.lineWidth = 1;
      ctx.strokeStyle = grid;
      ctx.beginPath();
      for (const fraction of [0, 0.5, 1]) {
        const gy = Math.round(y(top * fraction)) + 0.5;
        ctx.moveTo(0, gy);
        ctx.lineTo(w, gy);
      }
      ctx.stroke();
      ctx.fillStyle = ink;
      ctx.font = "11px system-ui, sans-serif";
      ctx.textBaseline = "top";
      ctx.fillText(top + " ms", 2, 0);
      if (samples.length < 2) return;
      const step = w / (WINDOW - 1);
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
  }

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
      const carrier = line.transport;
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.transport = carrier;
      badge.textContent = "sent over " + carrier;
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

  function checkHealth() {
    const out = $("#health");
    fetch("/health", { cache: "no-store" }).then((r) => r.json()).then((s) => {
      out.textContent = s.status + " · version " + s.version + " · " + s.connections + " connection(s)";
    }).catch(() => { out.textContent = "unreachable"; });
  }

  const container = $("#panels");
  const template = $("#panel-template");
  const panels = TRANSPORTS.map((spec) => {
    const root = template.content.firstElementChild.cloneNode(true);
    container.append(root);
    return new Panel(spec, root);
  });
  // Server push: the server broadcasts "tick" to every connection at the chosen rate; each
  // panel shows how many arrived over its transport in the last second.
  const push = {
    setup() {
      $("#push-form").addEventListener("submit", (event) => {
        event.preventDefault();
        this.send(Math.max(0, Math.min(1000, Math.floor(Number($("#push-rate").value)) || 0)));
      });
      $("#push-stop").addEventListener("click", () => this.send(0));
      setInterval(() => this.show(), 1000);
    },
    send(rate) {
      const panel = panels.find((p) => p.socket && p.socket.connected);
      if (!panel) { $("#push-status").textContent = "no connection"; return; }
      panel.socket.timeout(3000).emit("ticker", { rate }, (error, answer) => {
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

  chat.setup();
  push.setup();
  checkHealth();
  setInterval(checkHealth, 5000);
  window.addEventListener("resize", () => panels.forEach((p) => p.draw()));
  panels.forEach((p) => p.draw());
  // For scripted checks of the page.
  window.demo = { panels };
})();
