// Reconnection backoff, plain polling's schedule and its ceiling, URL and query handling,
// transport names, and the event emitter.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { io, internals: I } = require("./load.js");

/** Runs `fn` with Math.random returning the given values in turn. */
function withRandom(values, fn) {
  const real = Math.random;
  let i = 0;
  Math.random = () => values[i++ % values.length];
  try { return fn(); } finally { Math.random = real; }
}

test("backoff without jitter doubles from min and stops at max", () => {
  const backoff = new I.Backoff({ min: 100, max: 1000, jitter: 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.duration()), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoff.attempts, 6);
  backoff.reset();
  assert.equal(backoff.duration(), 100);
});

test("backoff jitter moves each delay by at most the factor, both ways", () => {
  // rand 0.25: deviation floor(0.25 * 0.5 * ms), floor(2.5) = 2 is even: shorter.
  assert.equal(withRandom([0.25], () => new I.Backoff({ min: 1000, max: 60000, jitter: 0.5 }).duration()), 875);
  // rand 0.35: floor(3.5) = 3 is odd: longer.
  assert.equal(withRandom([0.35], () => new I.Backoff({ min: 1000, max: 60000, jitter: 0.5 }).duration()), 1175);
  const backoff = new I.Backoff({ min: 1000, max: 1e9, jitter: 0.5 });
  for (let attempt = 0; attempt < 12; attempt++) {
    const base = 1000 * 2 ** attempt;
    const ms = backoff.duration();
    assert.ok(ms >= base * 0.5 && ms <= base * 1.5, `attempt ${attempt}: ${ms} outside ${base} ± 50%`);
  }
});

test("backoff ignores a jitter factor outside (0, 1]", () => {
  for (const jitter of [-1, 0, 2, NaN]) {
    assert.equal(new I.Backoff({ min: 300, max: 5000, jitter }).duration(), 300);
  }
});

test("plain polling: the ceiling is half the ping timeout, and never above the ping interval", () => {
  assert.equal(I.pollCeiling(25000, 20000), 10000);
  assert.equal(I.pollCeiling(300, 200), 100);
  assert.equal(I.pollCeiling(1000, 60000), 1000);
  assert.equal(I.pollCeiling(1, 1), 1);
});

test("plain polling: the option applies within the ceiling; the default is 1000 ms", () => {
  assert.equal(I.DEFAULT_POLL_INTERVAL_MS, 1000);
  assert.equal(I.effectivePollInterval(undefined, 25000, 20000), 1000);
  assert.equal(I.effectivePollInterval(5000, 25000, 20000), 5000);
  assert.equal(I.effectivePollInterval(60000, 25000, 20000), 10000);
  assert.equal(I.effectivePollInterval(undefined, 300, 200), 100);
  assert.equal(I.effectivePollInterval(-5, 25000, 20000), 1000);
  assert.equal(I.effectivePollInterval(50, 25000, 20000), 50);
});

test("plain polling: soon after traffic, backing off to the interval when idle", () => {
  const schedule = new I.PollSchedule(1000);
  const idle = [];
  for (let i = 0; i < 9; i++) idle.push(schedule.afterAnswer(false, false));
  assert.deepEqual(idle, [100, 150, 225, 338, 507, 761, 1000, 1000, 1000]);
  // Packets arrive: back to 100 ms, then backing off again.
  assert.equal(schedule.afterAnswer(true, false), 100);
  assert.equal(schedule.afterAnswer(false, false), 150);
  // A full answer: more is waiting, ask at once.
  assert.equal(schedule.afterAnswer(true, true), 0);
  assert.equal(schedule.afterAnswer(false, false), 100);
  // A POST finished: ask at once, then 100 ms.
  for (let i = 0; i < 10; i++) schedule.afterAnswer(false, false);
  assert.equal(schedule.afterSend(), 0);
  assert.equal(schedule.afterAnswer(false, false), 100);
});

test("plain polling: an interval below 100 ms is used as is", () => {
  const schedule = new I.PollSchedule(40);
  assert.deepEqual([1, 2, 3].map(() => schedule.afterAnswer(false, false)), [40, 40, 40]);
});

test("plain polling: idle requests per minute follow the interval", () => {
  for (const interval of [250, 1000, 5000]) {
    const schedule = new I.PollSchedule(interval);
    let elapsed = 0;
    let requests = 0;
    // Warm up past the backoff, then count a minute of empty answers.
    for (let i = 0; i < 20; i++) schedule.afterAnswer(false, false);
    while (elapsed < 60000) { elapsed += schedule.afterAnswer(false, false); requests++; }
    assert.equal(requests, Math.ceil(60000 / interval), `interval ${interval}`);
  }
});

test("URLs: relative to the page, ws schemes, engine path, namespace and query", () => {
  const page = "https://example.com:8443/app/index.html";
  assert.deepEqual(I.parseURI(undefined, undefined, page), {
    origin: "https://example.com:8443", path: "/socket.io/", nsp: "/", query: "",
    id: "https://example.com:8443/socket.io/", href: "https://example.com:8443/",
  });
  const admin = I.parseURI("/admin?room=a%20b", "custom", page);
  assert.equal(admin.origin, "https://example.com:8443");
  assert.equal(admin.path, "/custom/");
  assert.equal(admin.nsp, "/admin");
  assert.equal(admin.query, "room=a%20b");
  assert.equal(admin.id, "https://example.com:8443/custom/");
  assert.equal(I.parseURI("ws://other:3000", "/rt/", page).origin, "http://other:3000");
  assert.equal(I.parseURI("wss://other/chat", undefined, page).id, "https://other/socket.io/");
  assert.equal(I.parseURI("wss://other/chat", undefined, page).nsp, "/chat");
  assert.throws(() => I.parseURI("/relative", undefined, undefined));
});

test("query: objects and strings, reserved engine parameters removed", () => {
  assert.equal(I.queryString(undefined), "");
  assert.equal(I.queryString(""), "");
  assert.equal(I.queryString({ a: 1, b: "x y", c: true, skip: undefined }), "a=1&b=x+y&c=true");
  assert.equal(I.queryString("?token=t&EIO=3&transport=x&sid=s"), "token=t");
  assert.equal(I.queryString({ EIO: 3, sid: "s", ok: "é" }), "ok=%C3%A9");
});

test("transports: Socket.IO's names, aliases, order kept, duplicates dropped", () => {
  assert.deepEqual(I.normalizeTransports(undefined), ["websocket", "sse", "polling", "short-polling"]);
  assert.deepEqual(I.normalizeTransports("polling"), ["polling"]);
  assert.deepEqual(I.normalizeTransports(["long-polling", "websocket"]), ["polling", "websocket"]);
  assert.deepEqual(I.normalizeTransports(["plain-polling", "short-polling", "sse"]), ["short-polling", "sse"]);
  assert.throws(() => I.normalizeTransports(["carrier-pigeon"]), /unknown transport "carrier-pigeon"/);
  assert.throws(() => I.normalizeTransports([]), /no transports/);
  assert.deepEqual(io.transports, ["websocket", "sse", "polling", "short-polling"]);
  assert.deepEqual(io.transportAliases, { "long-polling": "polling", "plain-polling": "short-polling" });
});

test("the internals are not part of the page's API", () => {
  assert.equal(Object.keys(io).includes("__internals"), false);
  assert.ok(Object.isFrozen(io.__internals));
});

test("emitter: on, once, off by listener or by once's original, listeners and errors", () => {
  const emitter = new I.Emitter();
  const calls = [];
  const a = (x) => calls.push("a" + x);
  const b = (x) => calls.push("b" + x);
  emitter.on("e", a).once("e", b);
  emitter._emitReserved("e", 1);
  emitter._emitReserved("e", 2);
  assert.deepEqual(calls, ["a1", "b1", "a2"]);
  emitter.once("e", b).off("e", b);
  emitter._emitReserved("e", 3);
  assert.deepEqual(calls, ["a1", "b1", "a2", "a3"]);
  assert.equal(emitter.hasListeners("e"), true);
  emitter.off("e");
  assert.equal(emitter.hasListeners("e"), false);
  assert.deepEqual(emitter.listeners("none"), []);
});
