// What every part of the demo page shares: the four transports, the page's id, its settings and
// its panels.

export const TRANSPORTS = [
  { name: "websocket", title: "WebSocket", short: "WS" },
  { name: "sse", title: "Server-Sent Events", short: "SSE" },
  { name: "polling", title: "Long-polling", short: "LP" },
  { name: "short-polling", title: "Plain polling", short: "Poll" },
];
export const TITLE = Object.fromEntries(TRANSPORTS.map((t) => [t.name, t.title]));
export const PING_EVERY_MS = 500;
export const METER_EVERY_MS = 1000;
/** RTT samples kept: one minute at one every 500 ms. */
export const RTT_WINDOW = 120;
/** Per-message figures: the counters' change over this many seconds. */
export const MESSAGE_WINDOW_S = 10;
/** Quiet mode: the first seconds are left out (answers to the last probes may still be due). */
export const QUIET_SETTLE_S = 3;
export const ROOM = "lobby";
export const MAX_CHAT_LINES = 100;
/** Every panel of this page shares this id, so server push and the meter reach this page only. */
export const PAGE_ID = Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => b.toString(36).padStart(2, "0")).join("");

export const $ = (selector, root = document) => root.querySelector(selector);
export const settings = { delay: 0, pollInterval: 1000, quiet: false, quietSince: 0 };
/** One Panel per transport, in TRANSPORTS' order, filled in by main.js. */
export const panels = [];
