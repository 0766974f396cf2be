/*
 * pushd browser client: the socket.io-client API over Engine.IO v4 / Socket.IO v5, with four
 * transports. No dependencies, no build step.
 *
 * Loading: this file is a classic script that defines `io` on globalThis:
 *     <script src="/client.js"></script>            then  io(...)
 * For ES modules, /client.mjs imports this file (so it has always run first) and re-exports it:
 *     import { io } from "/client.mjs";
 * A single file cannot be both: a classic script may not contain `export`. Loading both ways in
 * one page gives one shared `io` (the second load keeps the first definition).
 *
 * Transports (option `transports`, in preference order), named as on the wire and as in
 * socket.io-client where it has the transport:
 *     "websocket"      WebSocket
 *     "sse"            EventSource down, POST up
 *     "polling"        long-polling: a GET held by the server down, POST up (Engine.IO's polling)
 *     "short-polling"  plain polling: a GET answered at once, asked on a timer; POST up
 * "long-polling" and "plain-polling" are accepted as aliases. (Before 0.2, "polling" meant plain
 * polling here and long-polling was "long-polling"; socket.io-client users write "polling" and
 * mean long-polling, which is what it means now.)
 *
 * Fallback: each transport in turn gets `timeout` ms to deliver the server's open packet; an
 * error or timeout moves on to the next. Every (re)connection starts again from the first.
 *
 * Upgrade (option `upgrade`, default true): a session that opened on an HTTP transport probes
 * WebSocket when "websocket" is in `transports`, the server offers it, and WebSocket did not
 * already fail during this connection attempt. So ["polling", "websocket"] starts on
 * long-polling and moves to WebSocket; the default list tries WebSocket first and, when it is
 * refused, stays on whatever worked. The HTTP transport is paused before the switch: no GET or
 * POST in flight (polling, short-polling) or the server's noop seen on the stream (sse), so no
 * packet is lost or reordered.
 *
 * Leaving the page (pagehide) closes its connections and a return from the back/forward cache
 * reopens them; option `closeOnPageHide: false` turns that off. Emits made while disconnected
 * wait in a buffer of `sendBufferLimit` packets (default 1000; the oldest go first); volatile
 * emits are dropped instead.
 *
 * Plain polling (option `pollInterval`, default 1000 ms): a full answer is followed by another
 * request at once (more is waiting); a finished POST brings the next request forward (an
 * acknowledgement is likely waiting); after traffic the client asks 100 ms later, backing off by
 * 1.5x per empty answer up to `pollInterval`. Heartbeats (a ping down, its pong up) are not
 * traffic: they leave the idle rhythm alone. The interval is capped at half the server's
 * pingTimeout, and at its pingInterval, so a ping that arrives just after a poll is still
 * answered in time however slowly the client was told to poll.
 */
(function (root) {
  "use strict";
  if (root.io && root.io.pushd) return; // loaded twice (script tag and module import): keep one

  const VERSION = "0.2.0";
  const DEFAULT_TRANSPORTS = ["websocket", "sse", "polling", "short-polling"];
  /** Other names accepted in `transports`. */
  const TRANSPORT_ALIASES = { "long-polling": "polling", "plain-polling": "short-polling" };
  const RECORD_SEPARATOR = "\x1e";
  const PACKET_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];
  const PACKET_DIGIT = { open: "0", close: "1", ping: "2", pong: "3", message: "4", upgrade: "5", noop: "6" };
  /** Plain polling: the wait after an empty answer that followed traffic, growing by BACKOFF. */
  const SHORT_POLL_MIN_MS = 100;
  const SHORT_POLL_BACKOFF = 1.5;
  /** Plain polling's longest wait between requests when idle, unless `pollInterval` says. */
  const DEFAULT_POLL_INTERVAL_MS = 1000;
  /** How long a retired event stream may stay open after an upgrade before it is closed. */
  const SSE_RETIRE_MS = 10000;
  /** Emits kept while offline at most; past it the oldest are dropped. */
  const DEFAULT_SEND_BUFFER_LIMIT = 1000;
  /** Volatile emits are dropped while this many packets already wait for the transport. */
  const VOLATILE_BACKLOG = 100;

  // Socket.IO packet types.
  const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4, BINARY_EVENT = 5, BINARY_ACK = 6;
  // An offset pushd appends to a recoverable event: "<log tag>:<sequence in base 36>".
  const RECOVERY_OFFSET = /^[A-Za-z0-9_-]{10}:[0-9a-z]{1,13}$/;
  const RESERVED_EVENTS = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

  // ---------------------------------------------------------------------------------------------
  // Events

  /** A listener that throws is reported without breaking the caller (a poll loop, say). */
  function report(error) {
    if (typeof root.reportError === "function") root.reportError(error);
    else setTimeout(() => { throw error; }, 0);
  }

  class Emitter {
    on(event, fn) {
      if (!this._listeners) this._listeners = new Map();
      let list = this._listeners.get(event);
      if (!list) this._listeners.set(event, list = []);
      list.push(fn);
      return this;
    }

    once(event, fn) {
      const wrapper = (...args) => { this.off(event, wrapper); fn.apply(this, args); };
      wrapper.fn = fn;
      return this.on(event, wrapper);
    }

    off(event, fn) {
      if (!this._listeners) return this;
      if (event === undefined) { this._listeners.clear(); return this; }
      if (fn === undefined) { this._listeners.delete(event); return this; }
      const list = this._listeners.get(event);
      if (list) {
        const index = list.findIndex((l) => l === fn || l.fn === fn);
        if (index >= 0) list.splice(index, 1);
        if (list.length === 0) this._listeners.delete(event);
      }
      return this;
    }

    removeListener(event, fn) { return this.off(event, fn); }
    removeAllListeners(event) { return this.off(event); }
    addEventListener(event, fn) { return this.on(event, fn); }
    listeners(event) { return (this._listeners && this._listeners.get(event) || []).slice(); }
    hasListeners(event) { return this.listeners(event).length > 0; }

    /** Calls local listeners (never sends anything). */
    _emitReserved(event, ...args) {
      const list = this._listeners && this._listeners.get(event);
      if (!list) return;
      for (const fn of list.slice()) {
        try { fn.apply(this, args); } catch (error) { report(error); }
      }
    }
  }

  /** Subscribes and returns the unsubscribe function. */
  function on(emitter, event, fn) {
    emitter.on(event, fn);
    return () => emitter.off(event, fn);
  }

  // ---------------------------------------------------------------------------------------------
  // Bytes

  const textDecoder = new TextDecoder();

  function isBinary(value) {
    return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
      (typeof Blob !== "undefined" && value instanceof Blob);
  }

  function bytesOf(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  function toBase64(bytes) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function fromBase64(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function utf8Length(text) {
    let length = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) length += 1;
      else if (c < 0x800) length += 2;
      else if (c >= 0xd800 && c < 0xdc00) { length += 4; i++; }
      else length += 3;
    }
    return length;
  }

  // ---------------------------------------------------------------------------------------------
  // Engine.IO packets: { type, data } with data a string, binary, or undefined.

  /** The text form used in HTTP bodies and event streams: binary as "b" + base64. */
  function encodeTextPacket(packet) {
    if (packet.type === "message" && typeof packet.data !== "string") {
      return "b" + toBase64(bytesOf(packet.data));
    }
    return PACKET_DIGIT[packet.type] + (packet.data === undefined ? "" : packet.data);
  }

  function decodeTextPacket(text) {
    if (text.charAt(0) === "b") return { type: "message", data: fromBase64(text.slice(1)) };
    const type = PACKET_TYPES[text.charCodeAt(0) - 48];
    if (!type) return { type: "error", data: "parser error" };
    return text.length > 1 ? { type, data: text.slice(1) } : { type };
  }

  function packetSize(packet) {
    if (packet.type === "message" && typeof packet.data !== "string") {
      return 1 + Math.ceil(bytesOf(packet.data).byteLength / 3) * 4;
    }
    return 1 + (packet.data === undefined ? 0 : utf8Length(packet.data));
  }

  // ---------------------------------------------------------------------------------------------
  // Transports. Each emits "open" (connected, websocket only), "packet", "drain" (a send
  // finished), "error" and "close"; the engine drives them.

  class Transport extends Emitter {
    constructor(engine, name) {
      super();
      this.engine = engine;
      this.name = name;
      this.sid = null;
      this.readyState = "closed";
      this.writable = false;
      this._timers = new Set();
    }

    url(scheme) { return this.engine._url(this.name, this.sid, scheme); }

    /** The open packet arrived: the session exists. */
    opened(sid) {
      this.sid = sid;
      this.readyState = "open";
      this.writable = true;
    }

    _later(ms, fn) {
      const timer = setTimeout(() => { this._timers.delete(timer); fn(); }, ms);
      this._timers.add(timer);
      return timer;
    }

    _cancel(timer) {
      if (timer == null) return;
      clearTimeout(timer);
      this._timers.delete(timer);
    }

    _packets(list) {
      for (const packet of list) {
        if (this.readyState === "closed") return;
        this._emitReserved("packet", packet);
      }
    }

    _fail(message, cause) {
      if (this.readyState === "closed") return;
      // A refusal the server explained names itself; other failures name the step.
      const explained = cause instanceof Error && cause.message === "origin not allowed";
      const error = new Error(explained ? cause.message : message);
      error.type = "TransportError";
      error.transport = this.name;
      if (cause !== undefined) error.description = cause;
      this._emitReserved("error", error);
    }

    /** Stops everything; emits "close" unless the engine asked for it (`quiet`). */
    _shutdown(reason, quiet) {
      if (this.readyState === "closed") return;
      this.readyState = "closed";
      this.writable = false;
      for (const timer of this._timers) clearTimeout(timer);
      this._timers.clear();
      this._teardown();
      if (!quiet) this._emitReserved("close", reason);
    }

    /** Ends the transport; `notify` sends a close packet first where that is how it is done. */
    close() { this._shutdown("io client disconnect", true); }
    /** After an upgrade: let go without ending the session. */
    retire() { this._shutdown("upgraded", true); }
    pause(onPaused) { this.writable = false; onPaused(); }
    resume() { this.writable = this.readyState === "open"; }
    probeStarted() {}
    _teardown() {}
  }

  class WebSocketTransport extends Transport {
    open() {
      this.readyState = "opening";
      let ws;
      try {
        ws = new WebSocket(this.url("ws"));
      } catch (error) {
        this._later(0, () => this._fail("websocket error", error));
        return;
      }
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      ws.onopen = () => {
        if (this.readyState === "closed") return;
        this.writable = true;
        this._emitReserved("open");
      };
      ws.onmessage = (event) => {
        if (this.readyState === "closed") return;
        const packet = typeof event.data === "string"
          ? decodeTextPacket(event.data) : { type: "message", data: event.data };
        this._packets([packet]);
      };
      ws.onerror = () => this._fail("websocket error");
      ws.onclose = (event) => this._shutdown(event.wasClean ? "transport close" : "transport error");
    }

    opened(sid) {
      super.opened(sid);
      if (this.ws && this.ws.readyState !== WebSocket.OPEN) this.writable = false;
    }

    send(packets) {
      const ws = this.ws;
      for (const packet of packets) {
        if (!ws || ws.readyState !== WebSocket.OPEN) break;
        if (packet.type === "message" && typeof packet.data !== "string") ws.send(packet.data);
        else ws.send(PACKET_DIGIT[packet.type] + (packet.data === undefined ? "" : packet.data));
      }
      this._emitReserved("drain");
    }

    _teardown() {
      const ws = this.ws;
      if (!ws) return;
      this.ws = null;
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close();
    }
  }

  /** What the HTTP transports share: one POST at a time up, and pausing for an upgrade. */
  class HTTPTransport extends Transport {
    constructor(engine, name) {
      super(engine, name);
      this._posting = false;
      this._paused = false;
      this._onPaused = null;
      this._requests = new Set();
    }

    _fetch(method, body) {
      const controller = new AbortController();
      this._requests.add(controller);
      const init = {
        method, cache: "no-store", signal: controller.signal,
        credentials: this.engine.opts.withCredentials ? "include" : "same-origin",
      };
      if (body !== undefined) {
        init.body = body;
        init.headers = { "Content-Type": "text/plain;charset=UTF-8" };
      }
      const done = () => { this._requests.delete(controller); };
      return fetch(this.url("http"), init).then((response) => {
        if (!response.ok) {
          response.body && response.body.cancel && response.body.cancel().catch(() => {});
          // pushd names why it refused (readable when the answer is: same origin, a proxy).
          throw new Error(response.headers.get("X-Pushd-Refused") || "HTTP " + response.status);
        }
        return response.text();
      }).then((text) => { done(); return text; }, (error) => { done(); throw error; });
    }

    send(packets) {
      this._posting = true;
      this.writable = false;
      const body = packets.map(encodeTextPacket).join(RECORD_SEPARATOR);
      this._fetch("POST", body).then(() => {
        this._posting = false;
        if (this.readyState === "closed") return;
        this.writable = !this._paused;
        this._sent(packets.some((packet) => packet.type !== "pong"));
        this._emitReserved("drain");
        this._checkPaused();
      }, (error) => {
        this._posting = false;
        if (this.readyState !== "closed") this._fail("post error", error);
      });
    }

    /** A POST finished; `traffic` unless it carried only pongs. */
    _sent() {}

    pause(onPaused) {
      this._paused = true;
      this.writable = false;
      this._onPaused = onPaused;
      this._pauseStarted();
      this._checkPaused();
    }

    resume() {
      this._paused = false;
      this._onPaused = null;
      if (this.readyState !== "open") return;
      this.writable = !this._posting;
      this._resumed();
    }

    _pauseStarted() {}
    _resumed() {}
    _isIdle() { return !this._posting; }

    _checkPaused() {
      if (!this._onPaused || !this._isIdle()) return;
      const onPaused = this._onPaused;
      this._onPaused = null;
      onPaused();
    }

    /** A close packet up (best effort), then everything stops. */
    close(notify) {
      if (notify && this.readyState === "open" && !this._posting) {
        const url = this.url("http");
        fetch(url, {
          method: "POST", cache: "no-store", body: "1", headers: { "Content-Type": "text/plain;charset=UTF-8" },
          keepalive: true, // outlives the page when it is being left
          credentials: this.engine.opts.withCredentials ? "include" : "same-origin",
        }).then((r) => r.text(), () => {}).catch(() => {});
      }
      super.close();
    }

    _teardown() {
      for (const controller of this._requests) controller.abort();
      this._requests.clear();
    }
  }

  /** Engine.IO long-polling: one GET held by the server at all times. */
  class PollingTransport extends HTTPTransport {
    constructor(engine, name) {
      super(engine, name);
      this._getting = false;
      this._pollTimer = null;
    }

    open() {
      this.readyState = "opening";
      this._poll();
    }

    _poll() {
      if (this._getting || this._paused || this.readyState === "closed") return;
      this._getting = true;
      this._fetch("GET").then((body) => {
        this._getting = false;
        if (this.readyState === "closed") return;
        // Traffic: anything but noops and heartbeats (a ping says nothing about what comes next).
        let data = false;
        this._answered(body);
        const packets = body.split(RECORD_SEPARATOR).map(decodeTextPacket);
        for (const packet of packets) {
          if (packet.type !== "noop" && packet.type !== "ping") data = true;
          if (packet.type === "close") { this._shutdown("transport close"); return; }
        }
        this._packets(packets);
        if (this.readyState === "closed") return;
        this._polled(data);
        this._checkPaused();
      }, (error) => {
        this._getting = false;
        if (this.readyState !== "closed") this._fail(this.sid ? "poll error" : "handshake error", error);
      });
    }

    _answered() {}
    _polled() { if (!this._paused) this._poll(); }
    _resumed() { this._poll(); }
    _isIdle() { return !this._posting && !this._getting; }
  }

  /** The longest plain-polling interval a session allows: a ping queued just after a poll waits
   * one interval to be seen, and its pong must reach the server within pingTimeout, so the
   * interval takes at most half of that; and never longer than one heartbeat. */
  function pollCeiling(pingInterval, pingTimeout) {
    return Math.max(1, Math.min(pingInterval, Math.floor(pingTimeout / 2)));
  }

  /** The interval plain polling uses: the option (default 1000 ms) within the session's ceiling. */
  function effectivePollInterval(requested, pingInterval, pingTimeout) {
    const wanted = requested > 0 ? requested : DEFAULT_POLL_INTERVAL_MS;
    return Math.min(wanted, pollCeiling(pingInterval, pingTimeout));
  }

  /** Plain polling's timing without timers: how long to wait before the next GET. */
  class PollSchedule {
    constructor(interval) {
      this.interval = Math.max(1, interval);
      this._next = Math.min(SHORT_POLL_MIN_MS, this.interval);
    }

    reset() { this._next = Math.min(SHORT_POLL_MIN_MS, this.interval); }

    /** After an answer: at once when it was full (more is waiting), soon after packets, and
     * backing off by 1.5x per empty answer up to the interval. */
    afterAnswer(hadPackets, full) {
      if (full) { this.reset(); return 0; }
      if (hadPackets) this.reset();
      const wait = this._next;
      this._next = Math.min(this.interval, Math.round(this._next * SHORT_POLL_BACKOFF));
      return wait;
    }

    /** A POST finished: its answer (an acknowledgement, say) is likely queued already. */
    afterSend() { this.reset(); return 0; }
  }

  /** Plain polling: the server answers each GET at once, so the client asks on a timer. */
  class ShortPollingTransport extends PollingTransport {
    constructor(engine, name) {
      super(engine, name);
      this.pollInterval = effectivePollInterval(engine.opts.pollInterval, engine.pingInterval, engine.pingTimeout);
      this._schedule = new PollSchedule(this.pollInterval);
      this._full = false;
    }

    /** The handshake's heartbeat settings bound the interval. */
    opened(sid) {
      super.opened(sid);
      this.pollInterval = effectivePollInterval(this.engine.opts.pollInterval, this.engine.pingInterval, this.engine.pingTimeout);
      this._schedule = new PollSchedule(this.pollInterval);
    }

    _pollIn(ms) {
      this._cancel(this._pollTimer);
      this._pollTimer = this._later(ms, () => { this._pollTimer = null; this._poll(); });
    }

    _answered(body) { this._full = body.length >= this.engine.maxPayload / 2; }

    _polled(data) {
      if (this._paused) return;
      this._pollIn(this._schedule.afterAnswer(data, this._full));
    }

    _sent(traffic) {
      if (!traffic) return;
      const wait = this._schedule.afterSend();
      if (this._pollTimer != null) this._pollIn(wait);
    }

    _pauseStarted() { this._cancel(this._pollTimer); this._pollTimer = null; }
    _resumed() { this._schedule.reset(); this._pollIn(0); }
  }

  /** Server-Sent Events down, POST up. The stream's first event is the open packet. */
  class SSETransport extends HTTPTransport {
    constructor(engine, name) {
      super(engine, name);
      this._probing = false;
      this._sawNoop = false;
    }

    open() {
      this.readyState = "opening";
      let source;
      try {
        source = new EventSource(this.url("http"), { withCredentials: !!this.engine.opts.withCredentials });
      } catch (error) {
        this._later(0, () => this._fail("sse error", error));
        return;
      }
      this.source = source;
      source.onmessage = (event) => this._text(event.data);
      source.addEventListener("b64", (event) => this._text(textDecoder.decode(new Uint8Array(fromBase64(event.data)))));
      source.onerror = () => {
        // A cut stream: the browser reconnects by itself with Last-Event-ID and pushd resumes
        // the same session. Give it until the heartbeat would have failed anyway; a refused or
        // failed handshake (CLOSED) fails at once.
        // A second error before the stream came back: that attempt failed too.
        if (this.sid && source.readyState === EventSource.CONNECTING && this.readyState !== "closed" && this._resumeTimer == null) {
          const wait = (this.engine.pingInterval || 25000) + (this.engine.pingTimeout || 20000);
          this._resumeTimer = this._later(wait, () => { this._resumeTimer = null; this._streamFailed(); });
          return;
        }
        this._streamFailed();
      };
      source.onopen = () => {
        if (this._resumeTimer != null) { this._cancel(this._resumeTimer); this._resumeTimer = null; }
      };
    }

    _streamFailed() {
      if (this._resumeTimer != null) { this._cancel(this._resumeTimer); this._resumeTimer = null; }
      this._closeSource();
      if (this.readyState !== "closed") this._fail(this.sid ? "sse stream error" : "sse handshake error");
    }

    _text(text) {
      if (this.readyState === "closed") return;
      const packet = decodeTextPacket(text);
      if (packet.type === "noop") {
        // The server's marker: nothing more comes down this stream while the probe runs.
        if (this._probing) { this._sawNoop = true; this._checkPaused(); }
        return;
      }
      if (packet.type === "close") { this._shutdown("transport close"); return; }
      this._packets([packet]);
    }

    probeStarted() { this._probing = true; this._sawNoop = false; }
    _isIdle() { return !this._posting && this._sawNoop; }
    _resumed() { this._probing = false; }

    _closeSource() {
      const source = this.source;
      if (!source) return;
      this.source = null;
      source.onmessage = source.onerror = source.onopen = null;
      source.close();
      if (this._resumeTimer != null) { this._cancel(this._resumeTimer); this._resumeTimer = null; }
    }

    /** The server ends the stream once the upgrade packet arrives; closing it sooner would end
     * the session, so wait for that end (or a generous deadline). */
    retire() {
      const source = this.source;
      this.source = null;
      this._shutdown("upgraded", true);
      if (!source) return;
      source.onmessage = null;
      const timer = setTimeout(() => finish(), SSE_RETIRE_MS);
      const finish = () => { clearTimeout(timer); source.onerror = null; source.close(); };
      source.onerror = finish;
    }

    _teardown() {
      super._teardown();
      this._closeSource();
    }
  }

  const TRANSPORT_CLASSES = {
    "websocket": WebSocketTransport, "sse": SSETransport,
    "polling": PollingTransport, "short-polling": ShortPollingTransport,
  };

  // ---------------------------------------------------------------------------------------------
  // Engine: one Engine.IO session, with fallback, heartbeat and upgrade.

  class Engine extends Emitter {
    constructor(base, opts) {
      super();
      this.opts = opts;
      this._base = base; // "http(s)://host[:port]/path/"
      this.transports = opts.transports;
      this.readyState = "closed";
      this.id = null;
      this.transport = null;
      this.upgrading = false;
      this.writeBuffer = [];
      this._inflight = 0;
      this._failed = new Set();
      this._pingTimer = null;
      this._attempt = null;
      this._probeTransport = null;
      this.pingInterval = 25000;
      this.pingTimeout = 20000;
      this.maxPayload = 1000000;
      this.upgrades = [];
    }

    _url(wire, sid, scheme) {
      let base = this._base;
      if (scheme === "ws") base = base.replace(/^http/, "ws");
      let url = base + "?EIO=4&transport=" + wire;
      if (sid) url += "&sid=" + encodeURIComponent(sid);
      if (this.opts.queryString) url += "&" + this.opts.queryString;
      return url;
    }

    open() {
      if (this.readyState !== "closed") return;
      this.readyState = "opening";
      this._failed.clear();
      this._try(0, []);
    }

    _try(index, failures) {
      if (this.readyState !== "opening") return;
      if (index >= this.transports.length) {
        this.readyState = "closed";
        const refused = failures.some((failure) => failure.endsWith(": origin not allowed"));
        const error = new Error(refused ? "origin not allowed" : "could not connect: " + failures.join("; "));
        error.type = "TransportError";
        error.description = failures;
        this._emitReserved("error", error);
        return;
      }
      const name = this.transports[index];
      const transport = new TRANSPORT_CLASSES[name](this, name);
      this._attempt = transport;
      let settled = false;
      const fail = (why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        transport.off();
        transport.close(false);
        this._attempt = null;
        this._failed.add(name);
        this._emitReserved("transportError", name, why);
        this._try(index + 1, failures.concat(name + ": " + why));
      };
      const timer = setTimeout(() => fail("timeout"), this.opts.timeout);
      this._attemptTimer = timer;
      transport.on("packet", (packet) => {
        if (settled) return;
        if (packet.type !== "open") { fail("unexpected " + packet.type + " packet"); return; }
        let handshake;
        try { handshake = JSON.parse(packet.data); } catch (error) { fail("bad open packet"); return; }
        if (!handshake || typeof handshake.sid !== "string") { fail("bad open packet"); return; }
        settled = true;
        clearTimeout(timer);
        transport.off();
        this._attempt = null;
        this._onHandshake(transport, handshake);
      });
      transport.on("error", (error) => fail(error.description instanceof Error ? error.description.message : error.message));
      transport.on("close", (reason) => fail(reason));
      transport.open();
    }

    _onHandshake(transport, handshake) {
      this.id = handshake.sid;
      this.upgrades = Array.isArray(handshake.upgrades) ? handshake.upgrades : [];
      if (handshake.pingInterval > 0) this.pingInterval = handshake.pingInterval;
      if (handshake.pingTimeout > 0) this.pingTimeout = handshake.pingTimeout;
      if (handshake.maxPayload > 0) this.maxPayload = handshake.maxPayload;
      transport.opened(handshake.sid);
      this._setTransport(transport);
      this.readyState = "open";
      this._emitReserved("open");
      this._resetPing();
      this.flush();
      if (this.readyState === "open" && this._shouldUpgrade()) this._probe();
    }

    _setTransport(transport) {
      if (this.transport) this.transport.off();
      this.transport = transport;
      transport.on("packet", (packet) => this._onPacket(packet));
      transport.on("drain", () => this._onDrain());
      transport.on("error", (error) => this._onError(error));
      transport.on("close", (reason) => this._onClose(reason || "transport close"));
    }

    _shouldUpgrade() {
      return this.opts.upgrade !== false && this.transport.name !== "websocket" &&
        this.transports.includes("websocket") && this.upgrades.includes("websocket") &&
        !this._failed.has("websocket") && typeof WebSocket === "function";
    }

    _probe() {
      const probe = new WebSocketTransport(this, "websocket");
      probe.sid = this.id;
      this._probeTransport = probe;
      let failed = false;
      const timer = setTimeout(() => fail("probe timeout"), this.opts.timeout);
      const fail = (why) => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        probe.off();
        probe.close();
        this._probeTransport = null;
        if (this.readyState !== "open") return;
        if (this.upgrading) {
          this.upgrading = false;
          this.transport.resume();
        }
        const error = new Error(why);
        error.transport = "websocket";
        this._emitReserved("upgradeError", error);
        this.flush();
      };
      probe.on("open", () => {
        this.transport.probeStarted();
        probe.send([{ type: "ping", data: "probe" }]);
      });
      probe.on("packet", (packet) => {
        if (failed) return;
        if (packet.type !== "pong" || packet.data !== "probe") { fail("probe error"); return; }
        this.upgrading = true;
        this._emitReserved("upgrading", probe);
        this.transport.pause(() => {
          if (failed || this.readyState !== "open") return;
          clearTimeout(timer);
          probe.off();
          probe.opened(this.id);
          probe.send([{ type: "upgrade" }]);
          const old = this.transport;
          old.off();
          this._setTransport(probe);
          old.retire();
          this._probeTransport = null;
          this.upgrading = false;
          this._inflight = 0;
          this._emitReserved("upgrade", probe);
          this.flush();
        });
      });
      probe.on("error", () => fail("probe error"));
      probe.on("close", () => fail("probe closed"));
      probe.open();
    }

    _onPacket(packet) {
      if (this.readyState !== "open" && this.readyState !== "closing") return;
      this._emitReserved("packet", packet);
      switch (packet.type) {
        case "ping":
          this._resetPing();
          this._sendPacket("pong");
          this._emitReserved("ping");
          this._emitReserved("heartbeat");
          break;
        case "message":
          this._emitReserved("data", packet.data);
          this._emitReserved("message", packet.data);
          break;
        case "close":
          this._onClose("transport close");
          break;
        case "error":
          this._onError(new Error("parser error"));
          break;
        default:
          break; // noop, pong, open: nothing to do
      }
    }

    _resetPing() {
      clearTimeout(this._pingTimer);
      this._pingTimer = setTimeout(() => {
        this._pingTimer = null;
        this._onClose("ping timeout");
      }, this.pingInterval + this.pingTimeout);
    }

    /** Sends a message (string, ArrayBuffer or typed array). */
    write(data) {
      this._sendPacket("message", data);
      return this;
    }

    send(data) { return this.write(data); }

    _sendPacket(type, data) {
      if (this.readyState !== "open" && this.readyState !== "opening") return;
      const packet = data === undefined ? { type } : { type, data };
      this.writeBuffer.push(packet);
      this._emitReserved("packetCreate", packet);
      this.flush();
    }

    flush() {
      const transport = this.transport;
      if ((this.readyState !== "open" && this.readyState !== "closing") || !transport || !transport.writable || this.upgrading ||
          this._inflight > 0 || this.writeBuffer.length === 0) return;
      const packets = this._writable(transport);
      this._inflight = packets.length;
      transport.send(packets);
      this._emitReserved("flush");
    }

    /** What one send may carry: everything over WebSocket, up to maxPayload bytes over HTTP. */
    _writable(transport) {
      if (transport.name === "websocket") return this.writeBuffer.slice();
      let bytes = 0;
      let count = 0;
      for (const packet of this.writeBuffer) {
        bytes += packetSize(packet) + (count > 0 ? 1 : 0);
        if (count > 0 && bytes > this.maxPayload) break;
        count++;
      }
      return this.writeBuffer.slice(0, count);
    }

    _onDrain() {
      this.writeBuffer.splice(0, this._inflight);
      this._inflight = 0;
      if (this.writeBuffer.length === 0) this._emitReserved("drain");
      else this.flush();
    }

    _onError(error) {
      if (this.readyState === "closed") return;
      this._emitReserved("error", error);
      this._onClose("transport error", error);
    }

    /** Closes from the client side, after what is already written has gone out. */
    close() {
      if (this.readyState === "opening") {
        this.readyState = "closed";
        clearTimeout(this._attemptTimer);
        if (this._attempt) { this._attempt.off(); this._attempt.close(false); this._attempt = null; }
        return this;
      }
      if (this.readyState !== "open") return this;
      this.readyState = "closing";
      const finish = () => this._onClose("forced close", undefined, true);
      if (this.writeBuffer.length > 0 && !this.upgrading) {
        this.once("drain", finish);
        // A dead connection must not hold the close forever.
        this._closeTimer = setTimeout(finish, 2000);
      } else {
        finish();
      }
      return this;
    }

    _onClose(reason, description, byClient) {
      if (this.readyState === "closed") return;
      this.readyState = "closed";
      clearTimeout(this._pingTimer);
      clearTimeout(this._closeTimer);
      this._pingTimer = this._closeTimer = null;
      this.off("drain");
      if (this._probeTransport) { this._probeTransport.off(); this._probeTransport.close(); this._probeTransport = null; }
      if (this.transport) {
        this.transport.off();
        this.transport.close(!!byClient);
      }
      this.writeBuffer = [];
      this._inflight = 0;
      this.upgrading = false;
      this.id = null;
      this._emitReserved("close", reason, description);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Socket.IO packets

  function hasBinary(data, depth) {
    if (depth > 64 || data === null || typeof data !== "object") return false;
    if (isBinary(data)) return true;
    if (Array.isArray(data)) return data.some((item) => hasBinary(item, depth + 1));
    if (typeof data.toJSON === "function") return false;
    for (const key of Object.keys(data)) if (hasBinary(data[key], depth + 1)) return true;
    return false;
  }

  function deconstruct(data, buffers) {
    if (data === null || typeof data !== "object") return data;
    if (isBinary(data)) {
      buffers.push(data);
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (Array.isArray(data)) return data.map((item) => deconstruct(item, buffers));
    if (typeof data.toJSON === "function") return data;
    const out = {};
    for (const key of Object.keys(data)) out[key] = deconstruct(data[key], buffers);
    return out;
  }

  function reconstruct(data, buffers) {
    if (data === null || typeof data !== "object") return data;
    if (Array.isArray(data)) return data.map((item) => reconstruct(item, buffers));
    if (data._placeholder === true) {
      if (Number.isInteger(data.num) && data.num >= 0 && data.num < buffers.length) return buffers[data.num];
      throw new Error("illegal attachment");
    }
    const out = {};
    for (const key of Object.keys(data)) out[key] = reconstruct(data[key], buffers);
    return out;
  }

  /** Engine messages for one packet: the text header, then each attachment. A Promise when a
   * Blob must be read first. */
  function encodePacket(packet) {
    let type = packet.type;
    let data = packet.data;
    let buffers = [];
    if ((type === EVENT || type === ACK) && hasBinary(data, 0)) {
      type = type === EVENT ? BINARY_EVENT : BINARY_ACK;
      data = deconstruct(data, buffers);
    }
    let text = String(type);
    if (type === BINARY_EVENT || type === BINARY_ACK) text += buffers.length + "-";
    if (packet.nsp && packet.nsp !== "/") text += packet.nsp + ",";
    if (packet.id != null) text += packet.id;
    if (data !== undefined) text += JSON.stringify(data);
    if (buffers.some((b) => typeof Blob !== "undefined" && b instanceof Blob)) {
      return Promise.all(buffers.map((b) => (b instanceof Blob ? b.arrayBuffer() : b)))
        .then((read) => [text].concat(read));
    }
    return [text].concat(buffers);
  }

  function decodeTextSocketPacket(text) {
    let i = 0;
    const type = text.charCodeAt(0) - 48;
    if (!(type >= CONNECT && type <= BINARY_ACK)) throw new Error("unknown packet type " + text.charAt(0));
    i = 1;
    const packet = { type, nsp: "/" };
    if (type === BINARY_EVENT || type === BINARY_ACK) {
      const dash = text.indexOf("-", i);
      const count = text.slice(i, dash);
      if (dash < 0 || !/^\d+$/.test(count)) throw new Error("illegal attachments");
      packet.attachments = Number(count);
      i = dash + 1;
    }
    if (text.charAt(i) === "/") {
      const comma = text.indexOf(",", i);
      const end = comma < 0 ? text.length : comma;
      packet.nsp = text.slice(i, end);
      i = comma < 0 ? end : end + 1;
    }
    let digits = "";
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) digits += text.charAt(i++);
    if (digits) packet.id = Number(digits);
    if (i < text.length) packet.data = JSON.parse(text.slice(i));
    const valid = type === CONNECT || type === CONNECT_ERROR ? packet.data === undefined || typeof packet.data === "object"
      : type === DISCONNECT ? packet.data === undefined
      : type === ACK || type === BINARY_ACK ? Array.isArray(packet.data)
      : Array.isArray(packet.data) && packet.data.length > 0;
    if (!valid) throw new Error("invalid payload");
    return packet;
  }

  /** Assembles packets from engine messages; emits "decoded". */
  class Decoder extends Emitter {
    add(message) {
      if (typeof message === "string") {
        if (this._pending) throw new Error("got text while waiting for an attachment");
        const packet = decodeTextSocketPacket(message);
        if (packet.attachments > 0) this._pending = { packet, buffers: [] };
        else this._emitReserved("decoded", packet);
        return;
      }
      if (!this._pending) throw new Error("got binary data without a packet");
      const pending = this._pending;
      pending.buffers.push(message instanceof ArrayBuffer ? message : bytesOf(message).slice().buffer);
      if (pending.buffers.length === pending.packet.attachments) {
        this._pending = null;
        pending.packet.data = reconstruct(pending.packet.data, pending.buffers);
        this._emitReserved("decoded", pending.packet);
      }
    }

    destroy() { this._pending = null; }
  }

  // ---------------------------------------------------------------------------------------------
  // Reconnection backoff: min * 2^attempts, randomized by +/- factor, capped at max.

  class Backoff {
    constructor(opts) {
      this.ms = opts.min;
      this.max = opts.max;
      this.jitter = opts.jitter > 0 && opts.jitter <= 1 ? opts.jitter : 0;
      this.attempts = 0;
    }

    duration() {
      let ms = this.ms * Math.pow(2, this.attempts++);
      if (this.jitter) {
        const rand = Math.random();
        const deviation = Math.floor(rand * this.jitter * ms);
        ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
      }
      return Math.min(ms, this.max) | 0;
    }

    reset() { this.attempts = 0; }
  }

  // ---------------------------------------------------------------------------------------------
  // Manager: one connection shared by a client's namespaces, and its reconnection.

  function normalizeTransports(list) {
    const names = list == null ? DEFAULT_TRANSPORTS : Array.isArray(list) ? list : [list];
    const out = [];
    for (const given of names) {
      const name = TRANSPORT_ALIASES[given] || given;
      if (!TRANSPORT_CLASSES[name]) {
        throw new TypeError('unknown transport "' + given + '" (use websocket, sse, polling or short-polling)');
      }
      if (!out.includes(name)) out.push(name);
    }
    if (out.length === 0) throw new TypeError("no transports");
    return out;
  }

  function queryString(query) {
    if (query == null || query === "") return "";
    const params = new URLSearchParams(typeof query === "string" ? query.replace(/^\?/, "") : undefined);
    if (typeof query === "object") {
      for (const key of Object.keys(query)) if (query[key] !== undefined) params.append(key, String(query[key]));
    }
    for (const reserved of ["EIO", "transport", "sid"]) params.delete(reserved);
    return params.toString();
  }

  // Leaving the page (pagehide) closes every connection: a page kept in the back/forward cache
  // would otherwise hold its sessions and the browser's per-host connections, and a page being
  // unloaded tells the server at once. Coming back from that cache reconnects. A network that
  // goes offline closes connections too, so reconnection starts without waiting for a ping.
  const pageManagers = new Set();
  let pageHooked = false;

  function hookPage() {
    if (pageHooked || typeof root.addEventListener !== "function") return;
    pageHooked = true;
    root.addEventListener("pagehide", () => { for (const manager of pageManagers) manager._suspend(); });
    root.addEventListener("pageshow", (event) => {
      if (event.persisted) for (const manager of pageManagers) manager._resume();
    });
    root.addEventListener("offline", () => {
      for (const manager of pageManagers) {
        if (manager.engine && manager.engine.readyState === "open") manager.engine._onClose("transport close");
      }
    });
  }

  class Manager extends Emitter {
    constructor(uri, opts) {
      super();
      if (typeof uri === "object" && uri !== null) { opts = uri; uri = undefined; }
      opts = Object.assign({}, opts);
      const parsed = parseURI(uri, opts.path, pageAddress());
      opts.path = parsed.path;
      opts.transports = normalizeTransports(opts.transports);
      opts.timeout = opts.timeout == null ? 10000 : opts.timeout;
      this.uri = parsed.href;
      this.opts = opts;
      this._base = parsed.origin + parsed.path;
      this.nsps = {};
      this._subs = [];
      this.engine = null;
      this._readyState = "closed";
      this._reconnecting = false;
      this.skipReconnect = false;
      this._reconnectTimer = null;
      this._outq = [];
      this.decoder = new Decoder();
      this.reconnection(opts.reconnection !== false);
      this.reconnectionAttempts(opts.reconnectionAttempts == null ? Infinity : opts.reconnectionAttempts);
      this.backoff = new Backoff({
        min: opts.reconnectionDelay == null ? 1000 : opts.reconnectionDelay,
        max: opts.reconnectionDelayMax == null ? 5000 : opts.reconnectionDelayMax,
        jitter: opts.randomizationFactor == null ? 0.5 : opts.randomizationFactor,
      });
      this._autoConnect = opts.autoConnect !== false;
      if (this._autoConnect) this.open();
    }

    get readyState() { return this._readyState; }

    reconnection(value) {
      if (value === undefined) return this._reconnection;
      this._reconnection = !!value;
      if (!value) this.skipReconnect = true;
      return this;
    }

    reconnectionAttempts(value) {
      if (value === undefined) return this._reconnectionAttempts;
      this._reconnectionAttempts = value;
      return this;
    }

    reconnectionDelay(value) {
      if (value === undefined) return this.backoff.ms;
      this.backoff.ms = value;
      return this;
    }

    reconnectionDelayMax(value) {
      if (value === undefined) return this.backoff.max;
      this.backoff.max = value;
      return this;
    }

    randomizationFactor(value) {
      if (value === undefined) return this.backoff.jitter;
      this.backoff.jitter = value;
      return this;
    }

    timeout(value) {
      if (value === undefined) return this.opts.timeout;
      this.opts.timeout = value;
      return this;
    }

    _engineOptions() {
      const opts = this.opts;
      return {
        transports: opts.transports, timeout: opts.timeout, upgrade: opts.upgrade,
        withCredentials: opts.withCredentials, queryString: queryString(opts.query),
        pollInterval: opts.pollInterval,
      };
    }

    open(callback) {
      if (this._readyState === "open" || this._readyState === "opening") return this;
      if (this.opts.closeOnPageHide !== false) {
        pageManagers.add(this);
        hookPage();
      }
      const engine = new Engine(this._base, this._engineOptions());
      this.engine = engine;
      this._readyState = "opening";
      this.skipReconnect = !this._reconnection;
      this._subs.push(on(engine, "open", () => {
        this._onopen();
        if (callback) callback();
      }));
      this._subs.push(on(engine, "error", (error) => {
        this._cleanup();
        this._readyState = "closed";
        this._emitReserved("error", error);
        if (callback) callback(error);
        else this._maybeReconnectOnOpen();
      }));
      engine.open();
      return this;
    }

    connect(callback) { return this.open(callback); }

    _maybeReconnectOnOpen() {
      if (!this._reconnecting && this._reconnection && this.backoff.attempts === 0) this.reconnect();
    }

    _onopen() {
      this._cleanup();
      this._readyState = "open";
      this.skipReconnect = !this._reconnection;
      this._emitReserved("open");
      const engine = this.engine;
      this._subs.push(
        on(engine, "ping", () => this._emitReserved("ping")),
        on(engine, "data", (data) => this._ondata(data)),
        on(engine, "error", (error) => this._emitReserved("error", error)),
        on(engine, "close", (reason, description) => this._onclose(reason, description)),
        on(this.decoder, "decoded", (packet) => this._emitReserved("packet", packet)),
      );
    }

    _ondata(data) {
      try {
        this.decoder.add(data);
      } catch (error) {
        this._onclose("parse error", error);
      }
    }

    socket(nsp, opts) {
      let socket = this.nsps[nsp];
      if (!socket) {
        socket = new Socket(this, nsp, opts);
        this.nsps[nsp] = socket;
      } else if (this._autoConnect && !socket.active) {
        socket.connect();
      }
      return socket;
    }

    /** A socket disconnected: the connection closes once none is active. */
    _destroy() {
      for (const nsp of Object.keys(this.nsps)) if (this.nsps[nsp].active) return;
      this._close();
    }

    /** Encodes and writes a packet; packets go out in emit order even when a Blob is read. */
    _packet(packet) {
      const encoded = encodePacket(packet); // throws on what JSON cannot encode (cycles)
      const entry = { parts: null };
      this._outq.push(entry);
      if (Array.isArray(encoded)) {
        entry.parts = encoded;
        this._drainOutgoing();
        return;
      }
      encoded.then((parts) => { entry.parts = parts; }, (error) => { entry.parts = []; report(error); })
        .then(() => this._drainOutgoing());
    }

    _drainOutgoing() {
      while (this._outq.length > 0 && this._outq[0].parts) {
        const entry = this._outq.shift();
        if (this.engine) for (const part of entry.parts) this.engine.write(part);
      }
    }

    _cleanup() {
      for (const unsubscribe of this._subs) unsubscribe();
      this._subs = [];
      this.decoder.destroy();
    }

    _close() {
      pageManagers.delete(this);
      this._suspended = false;
      this.skipReconnect = true;
      this._reconnecting = false;
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      this.backoff.reset();
      const engine = this.engine;
      if (this._readyState !== "closed") this._onclose("forced close");
      else this._cleanup();
      if (engine) engine.close();
    }

    disconnect() { return this._close(); }

    /** The page is being left: close without reconnecting, and remember to come back. */
    _suspend() {
      if (this._readyState === "closed" && !this._reconnecting) return;
      this._suspended = true;
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      this._reconnecting = false;
      this.skipReconnect = true;
      const engine = this.engine;
      if (this._readyState !== "closed") this._onclose("transport close");
      if (engine) engine.close();
    }

    /** The page came back from the back/forward cache. */
    _resume() {
      if (!this._suspended) return;
      this._suspended = false;
      this.backoff.reset();
      this.open();
    }

    _onclose(reason, description) {
      this._cleanup();
      this._outq = [];
      if (this.engine && this.engine.readyState !== "closed" && reason === "parse error") this.engine.close();
      this.backoff.reset();
      this._readyState = "closed";
      this._emitReserved("close", reason, description);
      if (this._reconnection && !this.skipReconnect) this.reconnect();
    }

    reconnect() {
      if (this._reconnecting || this.skipReconnect) return this;
      if (this.backoff.attempts >= this._reconnectionAttempts) {
        this.backoff.reset();
        this._reconnecting = false;
        this._emitReserved("reconnect_failed");
        return this;
      }
      const delay = this.backoff.duration();
      this._reconnecting = true;
      this._reconnectTimer = setTimeout(() => {
        this._reconnectTimer = null;
        if (this.skipReconnect) return;
        this._emitReserved("reconnect_attempt", this.backoff.attempts);
        if (this.skipReconnect) return;
        this.open((error) => {
          if (error) {
            this._reconnecting = false;
            this.reconnect();
            this._emitReserved("reconnect_error", error);
          } else {
            const attempts = this.backoff.attempts;
            this._reconnecting = false;
            this.backoff.reset();
            this._emitReserved("reconnect", attempts);
          }
        });
      }, delay);
      return this;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Socket: one namespace on a manager's connection.

  class Socket extends Emitter {
    constructor(io, nsp, opts) {
      super();
      this.io = io;
      this.nsp = nsp;
      this.id = undefined;
      this.connected = false;
      this.recovered = false;
      this.receiveBuffer = [];
      this.sendBuffer = [];
      this.ids = 0;
      this.acks = {};
      this.flags = {};
      this.subs = undefined;
      this._opts = Object.assign({}, io.opts, opts);
      this.auth = this._opts.auth;
      this._queue = [];
      this._queueSeq = 0;
      this._anyListeners = [];
      this._anyOutgoingListeners = [];
      this._sendBufferLimit = this._opts.sendBufferLimit == null ? DEFAULT_SEND_BUFFER_LIMIT : this._opts.sendBufferLimit;
      if (io._autoConnect) this.open();
    }

    get disconnected() { return !this.connected; }
    get active() { return !!this.subs; }

    /** The next emit is dropped if the connection is not ready for it. */
    get volatile() { this.flags.volatile = true; return this; }

    compress() { return this; }

    /** The next emit's acknowledgement fails with an error after `ms`. */
    timeout(ms) { this.flags.timeout = ms; return this; }

    _subEvents() {
      if (this.subs) return;
      const io = this.io;
      this.subs = [
        on(io, "open", () => this._onopen()),
        on(io, "packet", (packet) => this._onpacket(packet)),
        on(io, "error", (error) => this._onerror(error)),
        on(io, "close", (reason, description) => this._onclose(reason, description)),
      ];
    }

    connect() {
      if (this.connected) return this;
      this._subEvents();
      if (!this.io._reconnecting) this.io.open();
      if (this.io._readyState === "open") this._onopen();
      return this;
    }

    open() { return this.connect(); }

    send(...args) { return this.emit("message", ...args); }

    emit(event, ...args) {
      if (RESERVED_EVENTS.has(event)) throw new Error('"' + event + '" is a reserved event name');
      if (this._opts.retries && !this.flags.fromQueue && !this.flags.volatile) {
        this._addToQueue([event, ...args]);
        return this;
      }
      const packet = { type: EVENT, data: [event, ...args] };
      if (typeof packet.data[packet.data.length - 1] === "function") {
        const id = this.ids++;
        this._registerAckCallback(id, packet.data.pop());
        packet.id = id;
      }
      const engine = this.io.engine;
      const congested = !engine || engine.readyState !== "open" || engine.writeBuffer.length >= VOLATILE_BACKLOG;
      if (this.flags.volatile && (!this.connected || congested)) {
        // dropped
      } else if (this.connected) {
        this._notifyOutgoing(packet);
        this._packet(packet);
      } else {
        this._buffer(packet);
      }
      this.flags = {};
      return this;
    }

    _buffer(packet) {
      if (this.sendBuffer.length >= this._sendBufferLimit) {
        const dropped = this.sendBuffer.shift();
        if (dropped.id != null) {
          const ack = this.acks[dropped.id];
          delete this.acks[dropped.id];
          if (ack && ack.withError) ack.call(this, new Error("send buffer overflow"));
        }
      }
      this.sendBuffer.push(packet);
    }

    _registerAckCallback(id, ack) {
      const timeout = this.flags.timeout == null ? this._opts.ackTimeout : this.flags.timeout;
      if (timeout == null) {
        this.acks[id] = ack;
        return;
      }
      const timer = setTimeout(() => {
        delete this.acks[id];
        this.sendBuffer = this.sendBuffer.filter((packet) => packet.id !== id);
        ack.call(this, new Error("operation has timed out"));
      }, timeout);
      const wrapped = (...args) => {
        clearTimeout(timer);
        ack.apply(this, args);
      };
      wrapped.withError = true;
      this.acks[id] = wrapped;
    }

    /** Resolves with the acknowledgement's first argument; rejects on timeout. */
    emitWithAck(event, ...args) {
      return new Promise((resolve, reject) => {
        const fn = (error, response) => (error ? reject(error) : resolve(response));
        fn.withError = true;
        args.push(fn);
        this.emit(event, ...args);
      });
    }

    /** With `retries`: one packet at a time, each re-sent until acknowledged. */
    _addToQueue(args) {
      let ack;
      if (typeof args[args.length - 1] === "function") ack = args.pop();
      const packet = { id: this._queueSeq++, tryCount: 0, pending: false, args, flags: Object.assign({ fromQueue: true }, this.flags) };
      args.push((error, ...response) => {
        if (packet !== this._queue[0]) return;
        if (error !== null) {
          if (packet.tryCount > this._opts.retries) {
            this._queue.shift();
            if (ack) ack(error);
          }
        } else {
          this._queue.shift();
          if (ack) ack(null, ...response);
        }
        packet.pending = false;
        this._drainQueue();
      });
      this._queue.push(packet);
      this.flags = {};
      this._drainQueue();
    }

    _drainQueue(force) {
      if (!this.connected || this._queue.length === 0) return;
      const packet = this._queue[0];
      if (packet.pending && !force) return;
      packet.pending = true;
      packet.tryCount++;
      this.flags = Object.assign({}, packet.flags);
      if (this.flags.timeout == null && this._opts.ackTimeout == null) this.flags.timeout = 10000;
      this.emit.apply(this, packet.args);
    }

    _packet(packet) {
      packet.nsp = this.nsp;
      this.io._packet(packet);
    }

    _onopen() {
      if (typeof this.auth === "function") this.auth((data) => this._sendConnectPacket(data));
      else this._sendConnectPacket(this.auth);
    }

    _sendConnectPacket(data) {
      // Coming back: the private session id and the last offset let the server restore this
      // socket and replay what it missed (connection state recovery).
      if (this._pid) {
        data = Object.assign({}, data, { pid: this._pid });
        if (this._lastOffset !== undefined) data.offset = this._lastOffset;
      }
      this._packet(data === undefined ? { type: CONNECT } : { type: CONNECT, data });
    }

    _onerror(error) {
      if (!this.connected) this._emitReserved("connect_error", error);
    }

    _onclose(reason, description) {
      const wasConnected = this.connected;
      this.connected = false;
      this.id = undefined;
      if (wasConnected) this._emitReserved("disconnect", reason, description);
      this._clearAcks();
    }

    /** Acknowledgements of packets already sent will not come: fail the err-first ones. */
    _clearAcks() {
      for (const id of Object.keys(this.acks)) {
        if (this.sendBuffer.some((packet) => String(packet.id) === id)) continue;
        const ack = this.acks[id];
        delete this.acks[id];
        if (ack.withError) ack.call(this, new Error("socket has been disconnected"));
      }
    }

    _onpacket(packet) {
      if (packet.nsp !== this.nsp) return;
      switch (packet.type) {
        case CONNECT:
          if (packet.data && typeof packet.data.sid === "string") this._onconnect(packet.data.sid, packet.data.pid);
          else this._emitReserved("connect_error", new Error("invalid CONNECT packet"));
          break;
        case EVENT:
        case BINARY_EVENT:
          this._onevent(packet);
          break;
        case ACK:
        case BINARY_ACK:
          this._onack(packet);
          break;
        case DISCONNECT:
          this._ondisconnect();
          break;
        case CONNECT_ERROR: {
          this.destroy();
          const data = packet.data || {};
          const error = new Error(data.message || "connection refused");
          error.data = data.data;
          this._emitReserved("connect_error", error);
          break;
        }
      }
    }

    _onevent(packet) {
      const args = packet.data.slice();
      // With recovery on, the last argument of an event that asks no ack is its offset: kept
      // for the next CONNECT, not handed to listeners.
      const last = args[args.length - 1];
      if (this._pid && packet.id == null && args.length > 1 && typeof last === "string" && RECOVERY_OFFSET.test(last)) {
        this._lastOffset = args.pop();
      }
      if (packet.id != null) args.push(this._ack(packet.id));
      if (this.connected) this._emitEvent(args);
      else this.receiveBuffer.push(args);
    }

    _emitEvent(args) {
      for (const fn of this._anyListeners.slice()) {
        try { fn.apply(this, args); } catch (error) { report(error); }
      }
      this._emitReserved(...args);
    }

    _ack(id) {
      let sent = false;
      return (...args) => {
        if (sent) return;
        sent = true;
        this._packet({ type: ACK, id, data: args });
      };
    }

    _onack(packet) {
      const ack = this.acks[packet.id];
      if (typeof ack !== "function") return;
      delete this.acks[packet.id];
      const args = packet.data.slice();
      if (ack.withError) args.unshift(null);
      try { ack.apply(this, args); } catch (error) { report(error); }
    }

    _onconnect(id, pid) {
      this.id = id;
      // The server answers with the same pid only when it restored this socket.
      this.recovered = typeof pid === "string" && pid === this._pid;
      if (!this.recovered) this._lastOffset = undefined;
      this._pid = typeof pid === "string" ? pid : undefined;
      this.connected = true;
      for (const args of this.receiveBuffer) this._emitEvent(args);
      this.receiveBuffer = [];
      const buffered = this.sendBuffer;
      this.sendBuffer = [];
      for (const packet of buffered) {
        this._notifyOutgoing(packet);
        this._packet(packet);
      }
      this._emitReserved("connect");
      this._drainQueue(true);
    }

    _ondisconnect() {
      this.destroy();
      this._onclose("io server disconnect");
    }

    /** Stops listening to the manager; the manager closes when no socket is left. */
    destroy() {
      if (this.subs) {
        for (const unsubscribe of this.subs) unsubscribe();
        this.subs = undefined;
      }
      this.io._destroy(this);
    }

    disconnect() {
      // Leaving on purpose: nothing to recover.
      this._pid = undefined;
      this._lastOffset = undefined;
      if (this.connected) this._packet({ type: DISCONNECT });
      this.destroy();
      if (this.connected) this._onclose("io client disconnect");
      return this;
    }

    close() { return this.disconnect(); }

    _notifyOutgoing(packet) {
      if (this._anyOutgoingListeners.length === 0) return;
      for (const fn of this._anyOutgoingListeners.slice()) {
        try { fn.apply(this, packet.data); } catch (error) { report(error); }
      }
    }

    onAny(fn) { this._anyListeners.push(fn); return this; }
    prependAny(fn) { this._anyListeners.unshift(fn); return this; }
    offAny(fn) {
      if (!fn) this._anyListeners = [];
      else this._anyListeners = this._anyListeners.filter((l) => l !== fn);
      return this;
    }
    listenersAny() { return this._anyListeners.slice(); }
    onAnyOutgoing(fn) { this._anyOutgoingListeners.push(fn); return this; }
    prependAnyOutgoing(fn) { this._anyOutgoingListeners.unshift(fn); return this; }
    offAnyOutgoing(fn) {
      if (!fn) this._anyOutgoingListeners = [];
      else this._anyOutgoingListeners = this._anyOutgoingListeners.filter((l) => l !== fn);
      return this;
    }
    listenersAnyOutgoing() { return this._anyOutgoingListeners.slice(); }
  }

  // ---------------------------------------------------------------------------------------------
  // io(): a socket for a namespace, on a manager shared per server URL and path.

  const cache = {};

  /** Where io(uri, { path }) connects: `base` resolves a relative uri (the page's address);
   * ws: and wss: mean http: and https:; the uri's path is the namespace and its query is sent
   * with every request; managers are shared per `id` (origin and engine path). */
  function parseURI(uri, path, base) {
    const url = new URL(uri == null ? "/" : uri, base);
    const protocol = url.protocol === "ws:" ? "http:" : url.protocol === "wss:" ? "https:" : url.protocol;
    let enginePath = path || "/socket.io/";
    if (enginePath.charAt(0) !== "/") enginePath = "/" + enginePath;
    if (enginePath.charAt(enginePath.length - 1) !== "/") enginePath += "/";
    const origin = protocol + "//" + url.host;
    return {
      origin, path: enginePath, nsp: url.pathname || "/", query: url.search ? url.search.slice(1) : "",
      id: origin + enginePath, href: protocol + "//" + url.host + url.pathname + url.search,
    };
  }

  function pageAddress() { return root.location ? root.location.href : undefined; }

  function lookup(uri, opts) {
    if (typeof uri === "object" && uri !== null) { opts = uri; uri = undefined; }
    opts = opts || {};
    const parsed = parseURI(uri, opts.path, pageAddress());
    const id = parsed.id;
    const nsp = parsed.nsp;
    const sameNamespace = cache[id] && nsp in cache[id].nsps;
    const newConnection = opts.forceNew || opts.multiplex === false || sameNamespace;
    const managerOpts = Object.assign({}, opts);
    if (parsed.query && managerOpts.query == null) managerOpts.query = parsed.query;
    const origin = parsed.origin + "/";
    let manager;
    if (newConnection) {
      manager = new Manager(origin, managerOpts);
    } else {
      if (!cache[id]) cache[id] = new Manager(origin, managerOpts);
      manager = cache[id];
    }
    return manager.socket(nsp, opts);
  }

  Object.assign(lookup, {
    io: lookup, connect: lookup, Manager, Socket, protocol: 5, pushd: VERSION,
    transports: DEFAULT_TRANSPORTS.slice(), transportAliases: Object.assign({}, TRANSPORT_ALIASES),
  });

  // The pure parts, for unit tests; not enumerable and not part of the documented API.
  Object.defineProperty(lookup, "__internals", {
    enumerable: false,
    value: Object.freeze({
      encodeTextPacket, decodeTextPacket, packetSize, utf8Length, toBase64, fromBase64,
      encodePacket, decodeTextSocketPacket, Decoder, hasBinary, deconstruct, reconstruct,
      Backoff, PollSchedule, pollCeiling, effectivePollInterval, normalizeTransports, queryString,
      parseURI, Emitter, RECORD_SEPARATOR, DEFAULT_POLL_INTERVAL_MS,
    }),
  });

  root.io = lookup;
})(globalThis);
