"""Public/client.js in headless Chromium against pushd's demo app: the four transports,
fallback, upgrade, reconnection, binary, buffering, and both ways of loading the client."""
import json
import signal
import time
import urllib.request
import uuid

import pytest

from browser_support import Page, free_port

TRANSPORTS = ["websocket", "sse", "polling", "short-polling"]


def only(transport, **extra):
    return {"transports": [transport], "upgrade": False, **extra}


# --- each transport ----------------------------------------------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
def test_connect_and_emit_with_ack(page, transport):
    result = page.run("""
        const socket = await T.connect(args[0]);
        const viaCallback = await new Promise((resolve) =>
            socket.emit("echo", 1, "two", { three: [3, null, true] }, (...reply) => resolve(reply)));
        const viaTimeout = await new Promise((resolve) =>
            socket.timeout(5000).emit("echo", "x", (error, reply) => resolve([String(error), reply])));
        const viaPromise = await socket.emitWithAck("echo", { nested: "é ✓ \\n line" });
        return { id: socket.id, name: socket.io.engine.transport.name, connected: socket.connected,
                 viaCallback, viaTimeout, viaPromise };
    """, only(transport))
    assert result["name"] == transport
    assert result["connected"] is True and isinstance(result["id"], str) and result["id"]
    assert result["viaCallback"] == [1, "two", {"three": [3, None, True]}]
    assert result["viaTimeout"] == ["null", "x"]
    assert result["viaPromise"] == {"nested": "é ✓ \n line"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_receive_a_broadcast(page, transport):
    text = f"hello over {transport} {uuid.uuid4()}"
    result = page.run("""
        const [opts, text] = args;
        const speaker = await T.connect(opts);
        const listener = await T.connect(opts);
        const heard = new Promise((resolve) => listener.on("chat", (line) => { if (line.text === text) resolve(line); }));
        const reply = await speaker.timeout(5000).emitWithAck("chat", { room: "lobby", text });
        const line = await Promise.race([heard, probe.sleep(5000).then(() => null)]);
        return { line, reply: reply === undefined ? "no error" : reply, speaker: speaker.id };
    """, only(transport), text)
    line = result["line"]
    assert line is not None, "the listener did not receive the chat line"
    assert line["text"] == text and line["room"] == "lobby"
    assert line["from"] == result["speaker"]
    assert line["transport"] == transport


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_binary_round_trip(page, transport):
    result = page.run("""
        const socket = await T.connect(args[0]);
        const big = new Uint8Array(70000).map((_, i) => (i * 7) & 255);
        const view = new Uint16Array([1, 258, 65535]);
        const sent = [
            new Uint8Array([0, 1, 2, 253, 254, 255]).buffer,
            new Uint8Array([9, 8, 7]),
            new Blob([new Uint8Array([42, 43])]),
            { nested: [view], label: "mixed" },
            big,
        ];
        const order = [];
        const first = new Promise((resolve) => socket.emit("echo", ...sent, (...reply) => { order.push("binary"); resolve(reply); }));
        // Sent after the Blob packet: its acknowledgement must come second.
        const second = new Promise((resolve) => socket.emit("echo", "after", (...reply) => { order.push("text"); resolve(reply); }));
        const [reply] = await Promise.all([first, second]);
        const bigBack = new Uint8Array(reply[4]);
        return {
            a: T.bytes(reply[0]), b: T.bytes(reply[1]), c: T.bytes(reply[2]),
            nested: new Uint16Array(reply[3].nested[0]).join(","), label: reply[3].label,
            bigLength: bigBack.length, bigSame: bigBack.every((v, i) => v === big[i]),
            allArrayBuffers: [reply[0], reply[1], reply[2], reply[3].nested[0], reply[4]].every((v) => v instanceof ArrayBuffer),
            order,
        };
    """, only(transport))
    assert result["a"] == [0, 1, 2, 253, 254, 255]
    assert result["b"] == [9, 8, 7]
    assert result["c"] == [42, 43]
    assert result["nested"] == "1,258,65535" and result["label"] == "mixed"
    assert result["bigLength"] == 70000 and result["bigSame"]
    assert result["allArrayBuffers"]
    assert result["order"] == ["binary", "text"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_disconnect_leaves_nothing_running(page, transport):
    result = page.run("""
        const socket = await T.connect(Object.assign(args[0], { reconnectionDelay: 50 }));
        await socket.timeout(5000).emitWithAck("echo", 1);
        socket.timeout(60000).emit("echo", 2, () => {});   // a pending ack timer, cleared by disconnect
        const reasons = [];
        socket.on("disconnect", (reason) => reasons.push(reason));
        let attempts = 0;
        socket.io.on("reconnect_attempt", () => attempts++);
        socket.disconnect();
        await T.waitFor(() => probe.inFlight() === 0 && probe.openSockets() === 0 && probe.openStreams() === 0, 3000, "connections closed");
        await probe.sleep(400);
        return { reasons, attempts, timers: probe.clientTimers(), sockets: probe.openSockets(),
                 streams: probe.openStreams(), inFlight: probe.inFlight(), connected: socket.connected,
                 engine: socket.io.engine.readyState, manager: socket.io.readyState };
    """, only(transport))
    assert result["reasons"] == ["io client disconnect"]
    assert result["attempts"] == 0
    assert result["timers"] == 0, "client timers still pending after disconnect()"
    assert (result["sockets"], result["streams"], result["inFlight"]) == (0, 0, 0)
    assert result["connected"] is False
    assert result["engine"] == "closed" and result["manager"] == "closed"


# --- fallback and upgrade ----------------------------------------------------------------------

@pytest.mark.parametrize("blocked, expected", [
    ("websocket", "sse"),
    ("websocket,sse", "polling"),
    ("websocket,sse,polling", "short-polling"),
], ids=["no-websocket", "no-websocket-no-sse", "only-short-polling"])
def test_fallback_when_transports_are_refused(page, blocked, expected):
    result = page.run("""
        const socket = io({ forceNew: true, query: { block: args[0] } });
        T.sockets.push(socket);
        const failed = [];
        let upgrading = false;
        socket.io.engine.on("transportError", (name) => failed.push(name));
        socket.io.engine.on("upgrading", () => { upgrading = true; });
        await T.until(socket, "connect", 8000);
        const echo = await socket.timeout(5000).emitWithAck("echo", "after fallback");
        await probe.sleep(300);
        return { name: socket.io.engine.transport.name, failed, upgrading, echo };
    """, blocked)
    assert result["name"] == expected
    assert result["echo"] == "after fallback"
    assert result["failed"] == ["websocket", "sse", "polling"][:len(result["failed"])]
    assert result["upgrading"] is False, "websocket was refused: no upgrade should be tried"


def test_connect_error_when_every_transport_is_refused(page):
    result = page.run("""
        const socket = io({ forceNew: true, transports: ["websocket", "sse"], query: { block: "websocket,sse" },
                            reconnectionAttempts: 2, reconnectionDelay: 20, reconnectionDelayMax: 40 });
        T.sockets.push(socket);
        const errors = [];
        const attempts = [];
        socket.on("connect_error", (error) => errors.push(error.message));
        socket.io.on("reconnect_attempt", (n) => attempts.push(n));
        await T.until(socket.io, "reconnect_failed", 8000);
        await probe.sleep(100);
        return { errors, attempts, connected: socket.connected, timers: probe.clientTimers() };
    """)
    assert len(result["errors"]) == 3, result["errors"]
    assert "websocket" in result["errors"][0] and "sse" in result["errors"][0]
    assert result["attempts"] == [1, 2]
    assert result["connected"] is False
    assert result["timers"] == 0


@pytest.mark.parametrize("origin", ["polling", "sse", "short-polling"])
def test_upgrade_to_websocket_keeps_every_message_in_order(page, origin):
    result = page.run("""
        const socket = io({ forceNew: true, transports: [args[0], "websocket"] });
        T.sockets.push(socket);
        const engine = socket.io.engine;
        const events = [];
        engine.on("upgrading", (t) => events.push("upgrading " + t.name));
        engine.on("upgrade", (t) => events.push("upgrade " + t.name));
        engine.on("upgradeError", (e) => events.push("upgradeError " + e.message));
        const flushes = [];   // the transport of each write, in order
        engine.on("flush", () => { if (flushes[flushes.length - 1] !== engine.transport.name) flushes.push(engine.transport.name); });
        const acks = [];
        const echoed = [];
        socket.on("echo", (n) => echoed.push(n));
        const total = 300;
        let sent = 0;
        // Emits start before the connection opens and go on through the upgrade.
        await new Promise((resolve) => {
            const tick = () => {
                for (let k = 0; k < 5 && sent < total; k++, sent++) {
                    const n = sent;
                    if (n % 2 === 0) socket.emit("echo", n, (back) => acks.push([back, engine.transport.name]));
                    else socket.emit("echo", n);
                }
                if (sent < total) probe.realSetTimeout(tick, 4); else resolve();
            };
            tick();
        });
        await T.waitFor(() => acks.length === total / 2 && echoed.length === total / 2, 10000, "all acks and echoes");
        return { events, name: engine.transport.name, acks, echoed, flushes };
    """, origin)
    assert result["events"] == ["upgrading websocket", "upgrade websocket"], result["events"]
    assert result["name"] == "websocket"
    assert [n for n, _ in result["acks"]] == list(range(0, 300, 2)), "acks lost, doubled or reordered"
    assert result["echoed"] == list(range(1, 300, 2)), "echo events lost, doubled or reordered"
    assert result["flushes"] == [origin, "websocket"], "writes went over both transports, in that order"


def test_upgrade_can_be_turned_off(page):
    result = page.run("""
        const socket = await T.connect({ transports: ["polling", "websocket"], upgrade: false });
        await probe.sleep(500);
        return socket.io.engine.transport.name;
    """)
    assert result == "polling"


# --- reconnection --------------------------------------------------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
def test_offline_emits_are_delivered_exactly_once_after_a_server_restart(driver, start_server, transport):
    port = free_port()
    first = start_server(port)
    page = Page(driver, first.url).open()
    try:
        page.run("""
            const socket = await T.connect(Object.assign(args[0], {
                reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0.2 }));
            window.subject = socket;
            window.seen = { echo: {}, ack: {}, volatile: 0, disconnects: [], reconnects: 0, connects: 0 };
            socket.on("echo", (n) => { if (n === "volatile") seen.volatile++; else seen.echo[n] = (seen.echo[n] || 0) + 1; });
            socket.on("disconnect", (reason) => seen.disconnects.push(reason));
            socket.on("connect", () => seen.connects++);
            socket.io.on("reconnect", () => seen.reconnects++);
            window.firstId = socket.id;
        """, only(transport))
        first.stop(signal.SIGTERM)
        page.run("""
            await T.waitFor(() => seen.disconnects.length > 0, 8000, "disconnect");
            await probe.sleep(300);
            if (subject.connected || seen.disconnects.length !== 1) {
                throw new Error("after the server stopped the client connected again (disconnects: " +
                    JSON.stringify(seen.disconnects) + "): the stopping server accepted a new session");
            }
            for (let n = 0; n < 20; n++) {
                subject.emit("echo", n);
                subject.emit("echo", "ack " + n, (back) => { seen.ack[back] = (seen.ack[back] || 0) + 1; });
            }
            subject.volatile.emit("echo", "volatile");
            if (subject.sendBuffer.length !== 40) throw new Error("buffered " + subject.sendBuffer.length);
        """)
        start_server(port)
        result = page.run("""
            await T.waitFor(() => subject.connected && Object.keys(seen.echo).length === 20 && Object.keys(seen.ack).length === 20,
                            10000, "reconnect and redelivery");
            await probe.sleep(500);  // time for any duplicate to show up
            return { echo: seen.echo, ack: seen.ack, volatile: seen.volatile, disconnects: seen.disconnects,
                     reconnects: seen.reconnects, connects: seen.connects, newId: subject.id !== firstId,
                     name: subject.io.engine.transport.name, buffer: subject.sendBuffer.length };
        """)
    finally:
        driver.get("about:blank")
    assert result["echo"] == {str(n): 1 for n in range(20)}
    assert result["ack"] == {f"ack {n}": 1 for n in range(20)}
    assert result["volatile"] == 0, "a volatile emit made while offline was delivered"
    assert len(result["disconnects"]) == 1 and result["disconnects"][0] in ("transport close", "transport error")
    assert result["reconnects"] == 1 and result["connects"] == 1
    assert result["newId"] and result["name"] == transport and result["buffer"] == 0


def test_offline_buffer_is_bounded(page):
    result = page.run("""
        const socket = io({ forceNew: true, autoConnect: false, transports: ["websocket"] });
        T.sockets.push(socket);
        const got = [];
        socket.on("echo", (n) => got.push(n));
        for (let n = 0; n < 1005; n++) socket.emit("echo", n);
        const buffered = socket.sendBuffer.length;
        socket.connect();
        await T.waitFor(() => got.length === 1000, 8000, "1000 echoes");
        await probe.sleep(200);
        return { buffered, first: got[0], last: got[got.length - 1], count: got.length,
                 ordered: got.every((n, i) => n === i + 5) };
    """)
    assert result["buffered"] == 1000
    assert (result["first"], result["last"], result["count"], result["ordered"]) == (5, 1004, 1000, True)


# --- API -----------------------------------------------------------------------------------------

def test_namespaces_share_one_connection(page):
    result = page.run("""
        const main = io({ transports: ["websocket"] });
        const other = io("/not-served", { transports: ["websocket"] });
        T.sockets.push(main, other);
        const [error] = await T.until(other, "connect_error", 5000);
        if (!main.connected) await T.until(main, "connect", 5000);
        const again = io({ transports: ["websocket"] });   // same namespace again: a new connection
        T.sockets.push(again);
        await T.until(again, "connect", 5000);
        return { shared: main.io === other.io, engines: main.io.engine === other.io.engine,
                 error: error.message, otherConnected: other.connected, separate: again.io !== main.io,
                 ws: probe.openSockets() };
    """)
    assert result["shared"] and result["engines"]
    assert result["error"] == "Invalid namespace"
    assert result["otherConnected"] is False
    assert result["separate"]
    assert result["ws"] == 2


def test_timeouts_catch_all_listeners_and_errors(page):
    result = page.run("""
        const socket = await T.connect({ transports: ["websocket"] });
        const timedOut = await new Promise((resolve) =>
            socket.timeout(100).emit("no-such-event", (error) => resolve(error && error.message)));
        const rejected = await socket.timeout(100).emitWithAck("no-such-event").then(() => "resolved", (e) => e.message);
        const any = [];
        const outgoing = [];
        const listener = (event, ...rest) => any.push([event, ...rest]);
        socket.onAny(listener);
        socket.onAnyOutgoing((event) => outgoing.push(event));
        const line = new Promise((resolve) => socket.once("echo", resolve));
        socket.emit("echo", "caught");
        await line;
        socket.offAny(listener);
        socket.emit("echo", "not caught");
        await T.until(socket, "echo", 3000);
        let reserved = null;
        try { socket.emit("connect"); } catch (error) { reserved = error.message; }
        return { timedOut, rejected, any, outgoing, reserved, listenersAny: socket.listenersAny().length };
    """)
    assert result["timedOut"] == "operation has timed out"
    assert result["rejected"] == "operation has timed out"
    assert result["any"] == [["echo", "caught"]]
    assert result["outgoing"] == ["echo", "echo"]
    assert "reserved" in result["reserved"]
    assert result["listenersAny"] == 0


def test_retries_deliver_with_acknowledgement(page):
    result = page.run("""
        const socket = await T.connect({ transports: ["websocket"], retries: 3, ackTimeout: 2000 });
        const replies = await Promise.all([1, 2, 3].map((n) => socket.emitWithAck("echo", n)));
        return replies;
    """)
    assert result == [1, 2, 3]


def test_plain_polling_idles_at_its_interval_and_answers_sends_quickly(page):
    result = page.run("""
        const socket = await T.connect({ transports: ["short-polling"], pollInterval: 400 });
        await probe.sleep(1500);                      // settle into the idle rate (100, 150, 225, 338, 400 ms)
        const before = probe.requests("short-polling", "GET");
        await probe.sleep(4000);
        const idle = probe.requests("short-polling", "GET") - before;
        const start = performance.now();
        await socket.timeout(3000).emitWithAck("ping");
        const rtt = performance.now() - start;
        return { idle, rtt, interval: socket.io.engine.transport.pollInterval };
    """)
    assert result["interval"] == 400
    # Idle: one GET per 400 ms (10 in 4 s), allowing for timer jitter.
    assert 8 <= result["idle"] <= 11, result
    # A finished POST brings the next GET forward: the acknowledgement comes back at once, not
    # after the idle interval.
    assert result["rtt"] < 200, result


def test_plain_polling_default_interval(page):
    result = page.run("""
        const socket = await T.connect({ transports: ["short-polling"] });
        await probe.sleep(3000);
        const before = probe.requests("short-polling", "GET");
        await probe.sleep(5000);
        return { idle: probe.requests("short-polling", "GET") - before,
                 interval: socket.io.engine.transport.pollInterval };
    """)
    assert result["interval"] == 1000
    assert 4 <= result["idle"] <= 6, result


def test_plain_polling_at_conformance_timing_stays_connected(driver, start_server):
    # pingInterval 300 ms, pingTimeout 200 ms: a client polling every 250 ms or more would miss
    # pongs; the interval is capped at 100 ms whatever the option says.
    server = start_server(free_port(), "--ping-interval", "300ms", "--ping-timeout", "200ms")
    page = Page(driver, server.url).open()
    try:
        result = page.run("""
            const socket = await T.connect({ transports: ["short-polling"], pollInterval: 5000, reconnection: false });
            const reasons = [];
            socket.on("disconnect", (reason) => reasons.push(reason));
            let pings = 0;
            socket.io.engine.on("ping", () => pings++);
            const id = socket.id;
            await probe.sleep(5000);
            const echo = await socket.timeout(2000).emitWithAck("echo", "still here");
            return { reasons, pings, echo, sameId: socket.id === id, connected: socket.connected,
                     interval: socket.io.engine.transport.pollInterval,
                     engine: [socket.io.engine.pingInterval, socket.io.engine.pingTimeout] };
        """)
    finally:
        driver.get("about:blank")
    assert result["engine"] == [300, 200]
    assert result["interval"] == 100
    assert result["reasons"] == [] and result["connected"] and result["sameId"], result
    assert result["pings"] >= 12, result
    assert result["echo"] == "still here"


@pytest.mark.parametrize("alias, name", [("long-polling", "polling"), ("plain-polling", "short-polling")])
def test_transport_aliases(page, alias, name):
    result = page.run("""
        const socket = await T.connect({ transports: [args[0]], upgrade: false });
        return [socket.io.engine.transport.name, await socket.timeout(3000).emitWithAck("echo", 1)];
    """, alias)
    assert result == [name, 1]


# --- loading -------------------------------------------------------------------------------------

def test_es_module_import(driver, server):
    page = Page(driver, server.url).open("/test/module.html", ready="window.moduleResult !== undefined")
    try:
        check = page.value("window.moduleCheck")
        result = page.value("window.moduleResult")
    finally:
        driver.get("about:blank")
    assert check == {"ioIsFunction": True, "sameAsGlobal": True, "defaultIsIo": True, "hasClasses": True}
    assert result.get("echo") == "from a module", result
    assert result["transport"] == "websocket"


def test_module_and_classic_script_share_one_io(driver, server):
    page = Page(driver, server.url).open(
        "/test/mixed.html", ready="window.fromModule !== undefined && typeof window.io === 'function'")
    try:
        same = page.value("window.fromModule === window.io && typeof window.io.pushd === 'string'")
        imported = page.run("""const m = await import("/client.mjs"); return m.io === window.io;""")
    finally:
        driver.get("about:blank")
    assert same and imported


def test_classic_script_then_dynamic_import(page):
    assert page.run("""
        const before = window.io;
        const module = await import("/client.mjs");
        return module.io === before && module.default === before && typeof module.Manager === "function";
    """)



def test_leaving_the_page_closes_its_sessions(driver, server):
    def sessions():
        with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
            return json.load(response)["sessions"]

    page = Page(driver, server.url).open()
    # The close goes up only when no POST is in flight (one POST at a time, so the packets before
    # it are not overtaken): the CONNECT's POST may still await its answer on a loaded machine,
    # so the page is left once they are all answered.
    page.run("""
        for (const transport of ["websocket", "sse", "polling", "short-polling"]) await T.connect({ transports: [transport] });
        const posting = () => T.sockets.some((socket) => socket.io.engine.transport._posting);
        const until = Date.now() + 5000;
        while (posting() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    """)
    before = sessions()
    assert before >= 4
    # A page of the same origin that opens no session of its own (the count would include it),
    # so the one left may go into the browser's back/forward cache.
    driver.get(server.url + "/test/elsewhere.html")
    deadline = time.monotonic() + 5
    while sessions() > before - 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    after = sessions()
    driver.get("about:blank")
    assert after <= before - 4, "the page's sessions stayed open after it was left"
