"""Clients that stop reading while the server has a lot to send them.

Broadcast runs use the bench app (a message starting with "B" goes to every session, the
sender too) with a 2 MiB per-session cap and a 256 KiB write high-water mark. A publisher sends
10,000 numbered 10 KB messages (100 MB per recipient). Healthy clients read everything; the
publisher never runs more than WINDOW messages ahead of the slowest healthy client, so a
healthy client is never more than WINDOW x 10 KB behind, well under the cap, however the
threads of this test are scheduled. Stalled clients have a small receive buffer and read
nothing after their handshake, so everything for them piles up in the server.

Expected: each stalled session is closed as a slow consumer once its backlog passes the cap
(logged as "slow consumer"), the server closes its end of the TCP connection, the server's RSS
stays within (cap + kernel buffers) x stalled clients + a margin (< 64 MiB over the run), and
every healthy client receives every message, in order, none missing."""
import os
import re
import threading
import time

import requests

import http_raw
from attack_helpers import (
    MIB, SOCKETIO_PATH, PeakRSS, TunedWebSocket, assert_session_gone, client_frame, open_engine_ws,
    open_socketio_ws,
    server_side_state, tcp_report, threads_report, wait_for,
)
from engine_client import OP_TEXT, build_frame, engine_url, parse_open

COUNT = 10_000
MESSAGE_BYTES = 10_000
WINDOW = 64
RUN_TIMEOUT = 60.0
BENCH = ("--app", "bench", "--max-session-queue", "2MiB", "--write-high-water", "256KiB",
         "--ping-interval", "2m", "--ping-timeout", "1m")
SLOW_CONSUMER = re.compile(r"session (\S+): closed as a slow consumer")


def message(seq):
    return b"B%08d" % seq + b"." * (MESSAGE_BYTES - 9)


def check_message(payload, expected):
    """None when `payload` (an engine text form) is message `expected`, else what is wrong."""
    if not payload.startswith(b"4B"):
        return f"unexpected packet {payload[:40]!r} while waiting for message {expected}"
    seq = int(payload[2:10])
    if seq != expected:
        return f"message {seq} arrived when {expected} was due"
    if len(payload) != MESSAGE_BYTES + 1:
        return f"message {seq} has {len(payload) - 1} bytes, not {MESSAGE_BYTES}"
    return None


class Progress:
    """Healthy readers report how many messages they have; the publisher waits on it."""

    def __init__(self):
        self.condition = threading.Condition()
        self.readers = []

    def changed(self):
        with self.condition:
            self.condition.notify_all()

    def wait_until(self, floor, timeout):
        with self.condition:
            return self.condition.wait_for(
                lambda: any(r.failed for r in self.readers) or min(r.count for r in self.readers) >= floor, timeout)


class Reader(threading.Thread):
    """Reads every broadcast message on one healthy connection and checks the sequence."""

    def __init__(self, name, progress):
        super().__init__(daemon=True, name=name)
        self.count = 0
        self.error = None
        self.progress = progress
        progress.readers.append(self)

    @property
    def failed(self):
        return self.error is not None

    def run(self):
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while self.count < COUNT:
                payload = self.next_payload(deadline)
                if payload is None:
                    self.error = f"{self.name}: connection ended after {self.count} messages"
                    return
                problem = check_message(payload, self.count)
                if problem:
                    self.error = f"{self.name}: {problem}"
                    return
                self.count += 1
                if self.count % 16 == 0:
                    self.progress.changed()
        except Exception as error:  # reported by the test
            self.error = f"{self.name}: {error!r} after {self.count} messages"
        finally:
            self.progress.changed()


class WebSocketReader(Reader):
    def __init__(self, name, progress, ws):
        super().__init__(name, progress)
        self.ws = ws

    def next_payload(self, deadline):
        frame = self.ws.read_frame(max(0.1, deadline - time.monotonic()))
        if frame is None:
            return None
        _, opcode, payload = frame
        if opcode != OP_TEXT:
            return b"opcode %d: " % opcode + payload[:40]
        return payload


def sse_events(buffer):
    """Complete events at the front of `buffer` (a bytearray, consumed): their data fields."""
    events = []
    while True:
        end = buffer.find(b"\n\n")
        if end < 0:
            return events
        block = bytes(buffer[:end])
        del buffer[:end + 2]
        data = [line[6:] if line.startswith(b"data: ") else line[5:]
                for line in block.split(b"\n") if line.startswith(b"data:")]
        if any(line.startswith(b"event:") for line in block.split(b"\n")):
            events.append(b"<named event> " + block[:60])
        elif data:
            events.append(b"\n".join(data))


class SSEConnection:
    """An SSE session read by hand: the head and the open event are read at once; after that
    the caller decides whether to read (`rcvbuf` makes a client that will stop reading)."""

    def __init__(self, port, rcvbuf=None):
        self.conn = http_raw.Conn(port, timeout=5, rcvbuf=rcvbuf)
        self.conn.send(f"GET {SOCKETIO_PATH}?EIO=4&transport=sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Accept: text/event-stream\r\n\r\n")
        head = self.conn.read_head(5)
        assert head[1] == 200, head
        self.buffer = bytearray(self.conn.buffer)
        self.conn.buffer = b""
        self.pending = []
        opened = self.next_event(time.monotonic() + 5)
        assert opened is not None and opened.startswith(b"0{"), opened
        self.sid = parse_open(opened.decode())["sid"]

    @property
    def sock(self):
        return self.conn.sock

    def next_event(self, deadline):
        while not self.pending:
            self.pending = sse_events(self.buffer)
            if self.pending:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no SSE event before the deadline")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(262144)
            if not chunk:
                return None
            self.buffer += chunk
        return self.pending.pop(0)


class SSEReader(Reader):
    def __init__(self, name, progress, sse):
        super().__init__(name, progress)
        self.sse = sse

    def next_payload(self, deadline):
        return self.sse.next_event(deadline)


def publish(ws, progress):
    """Sends the numbered messages, never more than WINDOW ahead of the slowest healthy reader.
    Returns the seconds it took, or raises when a reader failed or stalled."""
    started = time.monotonic()
    for seq in range(COUNT):
        if seq >= WINDOW and min(r.count for r in progress.readers) < seq - WINDOW:
            if not progress.wait_until(seq - WINDOW, 15):
                raise AssertionError(f"healthy readers stuck at {[r.count for r in progress.readers]} "
                                     f"while publishing message {seq}")
            failed = [r.error for r in progress.readers if r.error]
            if failed:
                raise AssertionError(f"a healthy reader failed: {failed}")
        ws.send_raw(client_frame(OP_TEXT, b"4" + message(seq)))
    return time.monotonic() - started


def read_rest_websocket(ws, timeout=10):
    """Everything still readable on a stalled WebSocket: (message seqs, close code, ended)."""
    seqs, code = [], None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = ws.read_frame(max(0.1, deadline - time.monotonic()))
        if frame is None:
            return seqs, code, True
        _, opcode, payload = frame
        if opcode == 0x8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            continue
        seqs.append(int(payload[2:10]) if payload.startswith(b"4B") else payload[:20])
    return seqs, code, False


def read_rest_sse(sse, timeout=10):
    seqs = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = sse.next_event(deadline)
        if event is None:
            return seqs, None, True
        seqs.append(int(event[2:10]) if event.startswith(b"4B") else event[:20])
    return seqs, None, False


def run_broadcast(server, stalled, readers, publisher_ws):
    """Starts the readers, publishes, waits for the readers; returns (seconds, RSS growth KiB)."""
    sampler = PeakRSS(server)
    for reader in readers:
        reader.start()
    try:
        seconds = publish(publisher_ws, readers[0].progress)
        for reader in readers:
            reader.join(RUN_TIMEOUT)
    finally:
        grown = sampler.stop()
    errors = [reader.error for reader in readers if reader.error]
    assert not errors, errors
    counts = [reader.count for reader in readers]
    assert counts == [COUNT] * len(readers), counts
    return seconds, grown


def logged(sid):
    """How the log names a session: its id's first 4 characters (never the whole id)."""
    return sid[:4] + "…"


def slow_consumer_closes(server, expected, timeout=5):
    """Session ids (as logged) the log reports as closed slow consumers, once `expected` are
    (or timeout)."""
    wait_for(lambda: len(SLOW_CONSUMER.findall(server.read_log(0.05))) >= expected, timeout)
    return SLOW_CONSUMER.findall(server.read_log())


def assert_stalled_clients_cut(server, stalled, read_rest, linger=3.0):
    """Each stalled client was closed as a slow consumer (log, sid unknown), the server closed
    its end of the TCP connection within `linger` seconds although the client still reads
    nothing, and what the client can read afterwards is a gap-free prefix of the messages
    followed by the end of the connection."""
    closed = slow_consumer_closes(server, len(stalled))
    assert sorted(closed) == sorted(logged(sid) for sid, _ in stalled), (
        f"slow-consumer closes {closed}, stalled sessions {[sid for sid, _ in stalled]}")
    for sid, _ in stalled:
        assert_session_gone(server, SOCKETIO_PATH, sid)

    def server_states():
        return {sid: server_side_state(server.port, client.sock.getsockname()[1]) for sid, client in stalled}

    wait_for(lambda: "ESTABLISHED" not in server_states().values(), linger)
    states = server_states()
    # Reading now lets a server that waits for its output to drain finish; checked below.
    for sid, client in stalled:
        seqs, _, ended = read_rest(client)
        assert ended, f"{sid}: connection not closed after the slow-consumer close"
        assert seqs == list(range(len(seqs))), f"{sid}: not a gap-free prefix: {seqs[:5]}...{seqs[-5:]}"
        assert len(seqs) < COUNT, f"{sid}: got all {COUNT} messages although it never read"
    stuck = {sid: state for sid, state in states.items() if state == "ESTABLISHED"}
    assert not stuck, (
        f"{linger:.0f}s after closing these sessions as slow consumers the server still holds their TCP "
        f"connections open (server-side state {stuck}); they end only once the client reads everything")


def test_websocket_clients_that_stop_reading_are_cut_off(start_server):
    server = start_server(*BENCH)
    progress = Progress()
    publisher, _ = open_engine_ws(server.port, SOCKETIO_PATH)
    readers = [WebSocketReader("publisher", progress, publisher)]
    for n in range(3):
        ws, _ = open_engine_ws(server.port, SOCKETIO_PATH)
        readers.append(WebSocketReader(f"healthy-{n}", progress, ws))
    stalled = []
    for _ in range(2):
        ws, sid = open_engine_ws(server.port, SOCKETIO_PATH, rcvbuf=4096)
        stalled.append((sid, ws))
    seconds, grown = run_broadcast(server, stalled, readers, publisher)
    print(f"published {COUNT} x {MESSAGE_BYTES} B in {seconds:.1f}s, peak RSS growth {grown} KiB")
    assert grown < 64 * MIB, f"server RSS grew by {grown} KiB while two clients stalled"
    assert_stalled_clients_cut(server, stalled, read_rest_websocket)
    assert server.alive()


def test_sse_client_that_stops_reading_is_cut_off(start_server):
    server = start_server(*BENCH)
    progress = Progress()
    publisher, _ = open_engine_ws(server.port, SOCKETIO_PATH)
    readers = [WebSocketReader("publisher", progress, publisher)]
    ws, _ = open_engine_ws(server.port, SOCKETIO_PATH)
    readers.append(WebSocketReader("healthy-ws", progress, ws))
    readers.append(SSEReader("healthy-sse", progress, SSEConnection(server.port)))
    stalled_sse = SSEConnection(server.port, rcvbuf=4096)
    stalled = [(stalled_sse.sid, stalled_sse)]
    seconds, grown = run_broadcast(server, stalled, readers, publisher)
    print(f"published {COUNT} x {MESSAGE_BYTES} B in {seconds:.1f}s, peak RSS growth {grown} KiB")
    assert grown < 64 * MIB, f"server RSS grew by {grown} KiB while an SSE client stalled"
    assert_stalled_clients_cut(server, stalled, read_rest_sse)
    assert server.alive()


# MARK: Volatile packets


# 13 MB for each member: more than the kernel's socket buffers can hold.
TYPING_EVENTS = 200_000
JOIN_EVENTS = 40_000
VOLATILE_DROP_BYTES = 64 * 1024      # the README: volatile packets dropped past 64 KiB of backlog
DEFAULT_SESSION_CAP = 1024 * 1024    # --max-session-queue default


def kernel_send_buffer_max():
    with open("/proc/sys/net/ipv4/tcp_wmem") as values:
        return int(values.read().split()[2])


def paced(sender, packet, count, batch=500, marker=None, marker_seen=None):
    """Sends `count` copies of a Socket.IO packet in batches, each followed by an acknowledged
    "ping", so the sender's loop has handled a batch before the next one goes: no burst of more
    than `batch` packets (well under 64 KiB per recipient) reaches the server at once. With a
    `marker` (a packet that makes the app send something to a healthy member), each batch
    also waits until `marker_seen()` counts it: broadcast tasks run in order per loop, so the
    healthy member's loop has then handled the batch too."""
    frame = build_frame(OP_TEXT, packet)
    for ack in range(1, count // batch + 1):
        sender.send_raw(frame * batch + (build_frame(OP_TEXT, marker) if marker else b"")
                        + build_frame(OP_TEXT, b'42%d["ping"]' % ack))
        answer = sender.read_frame(10)
        assert answer is not None and answer[2] == b"43%d[]" % ack, answer
        if marker:
            assert wait_for(lambda: marker_seen() >= ack, 10, interval=0.0005), (
                f"the healthy member saw {marker_seen()} of {ack} markers")


def engine_session_state(server, sid):
    """The engine's answer to a polling GET for a WebSocket session: code 3 while it is open
    (wrong transport), code 1 once it is closed (unknown id)."""
    response = requests.get(engine_url(server.url, SOCKETIO_PATH, transport="polling", sid=sid), timeout=3)
    assert response.status_code == 400, (response.status_code, response.text)
    return response.json()["code"]


def test_volatile_storm_is_dropped_for_stalled_member_not_queued(start_server):
    """Default app, room "lobby" (every socket joins it): a sender emits 200,000 "typing"
    events, which the app sends on with `volatile`, each ~66 bytes, 13 MB in all for every
    other member. One member never reads; one reads everything.

    Measured:
    1. the stalled member is not closed although 12x its 1 MiB cap of volatile traffic was
       addressed to it (no "slow consumer" in the log, its sid still known to the engine);
    2. server RSS grows by less than 32 MiB over the storm (about 1 MiB is usual);
    3. the healthy member receives at least 90% of the storm (the sender is paced, so its
       backlog stays near zero; volatile may drop for a reader that is momentarily behind);
    4. once the stalled member reads, it finds at most what the kernel buffers plus the 64 KiB
       volatile threshold held, far less than the storm: the rest was dropped, not queued;
    5. the hard cap still applies to ordinary packets: a flood of non-volatile "joined"
       events to the same stalled member closes it as a slow consumer after at most 1 MiB."""
    # No message rate limit: this test is about what happens to the traffic, not its pace.
    server = start_server("--app", "default", "--ping-interval", "2m", "--ping-timeout", "1m",
                          "--max-messages-per-second", "0")
    stalled, stalled_sid = open_socketio_ws(server.port, rcvbuf=4096)
    healthy, _ = open_socketio_ws(server.port)
    sender, _ = open_socketio_ws(server.port)
    # A room of the healthy member's own: the sender's "join" to it tells only that member,
    # which paces the storm (see `paced`).
    healthy.send_frame(OP_TEXT, b'421["join","pace"]')
    assert healthy.read_frame(3)[2] == b'431[{"room":"pace"}]'
    typing_seen, markers_seen = [0], [0]

    def read_healthy():
        while True:
            try:
                frame = healthy.read_frame(30)
            except (AssertionError, OSError):
                return
            if frame is None:
                return
            if frame[2].startswith(b'42["typing"'):
                typing_seen[0] += 1
            elif frame[2].startswith(b'42["joined",{"room":"pace"'):
                markers_seen[0] += 1

    reader = threading.Thread(target=read_healthy, daemon=True)
    reader.start()

    sampler = PeakRSS(server)
    paced(sender, b'42["typing","lobby"]', TYPING_EVENTS, marker=b'42["join","pace"]',
          marker_seen=lambda: markers_seen[0])
    grown = sampler.stop()
    wait_for(lambda: typing_seen[0] >= TYPING_EVENTS, 3)
    healthy.close()
    reader.join(5)

    assert SLOW_CONSUMER.findall(server.read_log()) == [], "closed by volatile traffic alone"
    assert engine_session_state(server, stalled_sid) == 3, "the stalled member's session was closed"
    assert grown < 32 * MIB, f"server RSS grew by {grown} KiB during the volatile storm"
    assert typing_seen[0] >= TYPING_EVENTS * 9 // 10, f"healthy member got {typing_seen[0]} of {TYPING_EVENTS}"

    # Ordinary packets: "join" makes the app tell the other room members, not volatile.
    paced(sender, b'42["join","lobby"]', JOIN_EVENTS)
    closed = slow_consumer_closes(server, 1)
    assert closed == [logged(stalled_sid)], f"slow-consumer closes {closed}, stalled member {stalled_sid}"
    assert engine_session_state(server, stalled_sid) == 1

    typing = joined = typing_bytes = joined_bytes = 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            frame = stalled.read_frame(max(0.1, deadline - time.monotonic()))
        except AssertionError as error:
            raise AssertionError(f"{error}; typing {typing}, joined {joined} read so far\n{tcp_report(stalled)}\n"
                                 f"{threads_report(server)}") from None
        if frame is None:
            break
        _, opcode, payload = frame
        if payload.startswith(b'42["typing"'):
            typing, typing_bytes = typing + 1, typing_bytes + len(payload)
        elif payload.startswith(b'42["joined"'):
            joined, joined_bytes = joined + 1, joined_bytes + len(payload)
    else:
        raise AssertionError(f"the stalled member's connection did not end\n{tcp_report(stalled)}\n{threads_report(server)}")
    stalled.close()
    print(f"stalled member: {typing} typing ({typing_bytes} B) of {TYPING_EVENTS}, "
          f"{joined} joined ({joined_bytes} B) of {JOIN_EVENTS}; RSS growth {grown} KiB")
    budget = kernel_send_buffer_max() + 256 * 1024 + VOLATILE_DROP_BYTES
    assert typing_bytes <= budget, f"{typing_bytes} B of typing reached the stalled member (budget {budget})"
    assert typing < TYPING_EVENTS // 2, f"{typing} of {TYPING_EVENTS} volatile events were kept for it"
    # The slow consumer is cut at once: what it still reads is only what the kernel held.
    assert joined_bytes <= DEFAULT_SESSION_CAP, (joined, joined_bytes)
    assert joined < JOIN_EVENTS
    assert server.alive()


def test_a_flood_of_tiny_echoes_is_capped_by_its_memory_not_its_wire_bytes():
    """One POST of 50,000 one-byte messages to the echo app queues 50,000 echoes nobody reads:
    100 kB on the wire, but about 6 MB of memory. The per-session cap counts that memory, so the
    session is closed as a slow consumer instead of holding 60 times what it sent."""
    from pushd_server import PushdServer
    server = PushdServer("--app", "engine-echo", "--max-messages-per-second", "0",
                         "--ping-interval", "20s", "--ping-timeout", "20s")
    try:
        handshake = requests.get(engine_url(server.url, "/engine.io/", transport="polling"), timeout=5)
        sid = parse_open(handshake.text)["sid"]
        target = engine_url(server.url, "/engine.io/", transport="polling", sid=sid)
        answer = requests.post(target, data=b"\x1e".join([b"4a"] * 50_000), timeout=10)
        assert answer.status_code == 200
        assert wait_for(lambda: SLOW_CONSUMER.search(server.read_log()), 5), server.read_log()[-2000:]
        assert requests.get(target, timeout=5).status_code == 400, "the session is gone"
    finally:
        server.stop()


# MARK: Streams on another loop than their session, and pipelined long-polls

CROSS_SESSIONS = 12
CROSS_MESSAGES = 4_000


def upgraded_session(port, rcvbuf):
    """A session opened over polling (one connection) and upgraded to a WebSocket on another
    connection, which the kernel may hand to another event loop than the handshake's:
    (sid, raw WebSocket). With --threads 2, each such session has even odds of its WebSocket
    living on another loop than the session."""
    handshake = requests.get(engine_url(f"http://127.0.0.1:{port}", SOCKETIO_PATH, transport="polling"), timeout=5)
    sid = parse_open(handshake.text)["sid"]
    ws = TunedWebSocket(port, f"{SOCKETIO_PATH}?EIO=4&transport=websocket&sid={sid}", rcvbuf=rcvbuf)
    assert ws.status == 101, (ws.status, ws.body)
    ws.send_frame(OP_TEXT, b"2probe")
    assert ws.read_frame(3)[2] == b"3probe"
    ws.send_frame(OP_TEXT, b"5")
    return sid, ws


def heap_bytes(server):
    return requests.get(server.url + "/health", timeout=5).json()["heapBytes"]


def broadcast_unread(server, publisher, stalled):
    """Broadcasts CROSS_MESSAGES x 10 KB from `publisher` (which reads them back) while the
    `stalled` (sid, client) pairs read nothing; then checks that each stalled session was
    closed as a slow consumer and that the heap went back to within 16 MiB of before."""
    baseline = heap_bytes(server)
    received = [0]

    def read_publisher():
        while received[0] < CROSS_MESSAGES:
            frame = publisher.read_frame(30)
            if frame is None:
                return
            if frame[2].startswith(b"4B"):
                received[0] += 1

    reader = threading.Thread(target=read_publisher, daemon=True)
    reader.start()
    for seq in range(CROSS_MESSAGES):
        if seq >= WINDOW:
            assert wait_for(lambda: received[0] >= seq - WINDOW, 15, interval=0.001), (
                f"the publisher got {received[0]} of its first {seq} messages back")
        publisher.send_raw(client_frame(OP_TEXT, b"4" + message(seq)))
    reader.join(30)
    assert received[0] == CROSS_MESSAGES, received[0]
    closed = slow_consumer_closes(server, len(stalled))
    held = heap_bytes(server) - baseline
    print(f"heap held after the broadcast: {held} bytes for {len(stalled)} stalled sessions; "
          f"{len(closed)} closed as slow consumers")
    assert sorted(closed) == sorted(logged(sid) for sid, _ in stalled), (
        f"slow-consumer closes {closed}, stalled sessions {[sid for sid, _ in stalled]}")
    assert held < 16 << 20, f"the heap holds {held} bytes more for {len(stalled)} stalled clients"
    for sid, _ in stalled:
        assert_session_gone(server, SOCKETIO_PATH, sid)
    assert server.alive()


def test_upgraded_websockets_on_another_loop_are_cut_off_as_slow_consumers(start_server):
    """Twelve sessions upgrade from polling to a WebSocket on a second connection and then
    read nothing (4 KiB receive buffer) while a publisher broadcasts 4,000 x 10 KB (40 MB for
    each; a broadcast's frames are shared, so about 40 MB in all). About half of those
    WebSockets land on the other loop than their session: their unsent bytes must count
    against the session's 2 MiB cap as the others' do. Expected: every
    stalled session is closed as a slow consumer, and afterwards the heap holds no more than
    a few MiB over what it held before the broadcast, not the 40 MB broadcast."""
    server = start_server(*BENCH)
    publisher, _ = open_engine_ws(server.port, SOCKETIO_PATH)
    stalled = [upgraded_session(server.port, rcvbuf=4096) for _ in range(CROSS_SESSIONS)]
    broadcast_unread(server, publisher, stalled)


def resumed_event_stream(port, rcvbuf):
    """An SSE session whose stream is cut and resumed with Last-Event-ID on a new connection,
    which may belong to another loop than the session: (sid, the resumed connection), which
    reads nothing after the resumed stream's head."""
    first = http_raw.Conn(port, timeout=5)
    first.send(f"GET {SOCKETIO_PATH}?EIO=4&transport=sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Accept: text/event-stream\r\n\r\n")
    assert first.read_head(5)[1] == 200
    buffer = bytes(first.buffer)
    # The open packet's event id, after the stream's prelude.
    while not re.search(rb"^id: ?(\S+)\n", buffer, re.M):
        buffer += first.sock.recv(65536)
    last_id = re.search(rb"^id: ?(\S+)\n", buffer, re.M).group(1).decode()
    sid = last_id.split(":")[0]
    first.sock.close()
    # Until the session has noticed the cut stream, a resume is refused (400): try again.
    deadline = time.monotonic() + 5
    while True:
        resumed = http_raw.Conn(port, timeout=5, rcvbuf=rcvbuf)
        resumed.send(f"GET {SOCKETIO_PATH}?EIO=4&transport=sse HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Accept: text/event-stream\r\nLast-Event-ID: {last_id}\r\n\r\n")
        status = resumed.read_head(5)[1]
        if status == 200:
            return sid, resumed
        resumed.sock.close()
        assert time.monotonic() < deadline, f"resuming {last_id}: {status}"
        time.sleep(0.05)


def test_resumed_event_streams_on_another_loop_are_cut_off_as_slow_consumers(start_server):
    """The same with event streams: twelve SSE sessions whose streams are cut and resumed on
    new connections (about half on the other loop than their session) that read nothing
    while a publisher broadcasts 4,000 x 10 KB. Every one is closed as a slow consumer."""
    server = start_server(*BENCH)
    publisher, _ = open_engine_ws(server.port, SOCKETIO_PATH)
    stalled = [resumed_event_stream(server.port, rcvbuf=4096) for _ in range(CROSS_SESSIONS)]
    broadcast_unread(server, publisher, stalled)


def pipelined_long_polls(port, rcvbuf, count=2_000):
    """A long-polling session (handshake on one connection) whose client pipelines `count`
    GETs on another connection, which may be another loop's, and reads none of the answers:
    (sid, that connection)."""
    handshake = requests.get(engine_url(f"http://127.0.0.1:{port}", SOCKETIO_PATH, transport="polling"), timeout=5)
    sid = parse_open(handshake.text)["sid"]
    polls = http_raw.Conn(port, timeout=5, rcvbuf=rcvbuf)
    polls.send(f"GET {SOCKETIO_PATH}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * count)
    return sid, polls


def test_pipelined_long_polls_left_unread_are_cut_off_as_slow_consumers(start_server):
    """The same with long-polling: each stalled client pipelines 2,000 GETs and reads no
    answer. Each answer held only what was queued when its GET came, so none broke the cap,
    but the answers piled up unsent (the whole broadcast: 17 MB of heap for one such client
    of a 20 MB broadcast). The next pipelined request now waits while the connection holds
    more than its high-water mark unsent; the session's queue then fills to its cap, and it is
    closed as a slow consumer."""
    server = start_server(*BENCH)
    publisher, _ = open_engine_ws(server.port, SOCKETIO_PATH)
    stalled = [pipelined_long_polls(server.port, rcvbuf=4096) for _ in range(4)]
    broadcast_unread(server, publisher, stalled)


def test_volatile_storm_is_dropped_for_upgraded_members_on_another_loop(start_server):
    """Default app: eight members upgrade from polling to a WebSocket on a second connection
    (about half on the other loop than their session) and read nothing while a sender emits
    200,000 volatile "typing" events (13 MB for each member). Past 64 KiB of backlog they are
    dropped for those members too: none is closed, and the heap holds a few MiB at most, not
    the storm (48 MB when the other loop's backlog went uncounted; up to 271 MB while a loop
    that had fallen behind kept its inbox's peak and grew it by a page each iteration)."""
    server = start_server("--app", "default", "--ping-interval", "2m", "--ping-timeout", "1m",
                          "--max-messages-per-second", "0")
    stalled = []
    for _ in range(8):
        sid, ws = upgraded_session(server.port, rcvbuf=4096)
        ws.send_frame(OP_TEXT, b"40")
        assert ws.read_frame(3)[2].startswith(b"40{")
        stalled.append((sid, ws))
    sender, _ = open_socketio_ws(server.port)
    baseline = heap_bytes(server)
    # scripts/test sends a quarter of it to its ThreadSanitizer build, there for the hops
    # between loops rather than the volume: 3 MB for each member still crosses both caps.
    paced(sender, b'42["typing","lobby"]', int(os.environ.get("PUSHD_TEST_STORM_EVENTS", TYPING_EVENTS)))
    # With the rate limit off the sender's loop may be ahead of the other loop, whose queue of
    # broadcasts to fan out still holds the storm's tail: read the heap once that has run.
    first = heap_bytes(server) - baseline
    wait_for(lambda: heap_bytes(server) - baseline < 8 << 20, 10, interval=0.1)
    held = heap_bytes(server) - baseline
    print(f"heap held after the storm: {first} bytes at once, {held} once the loops caught up,"
          f" for {len(stalled)} stalled members")
    assert SLOW_CONSUMER.findall(server.read_log()) == [], "closed by volatile traffic alone"
    assert [engine_session_state(server, sid) for sid, _ in stalled] == [3] * len(stalled)
    assert held < 8 << 20, f"the heap holds {held} bytes more after the storm"
