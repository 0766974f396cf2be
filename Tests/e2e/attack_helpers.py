"""Shared pieces of the hardening tests: a bystander session that must stay untouched by an
attack, health and memory checks, streaming raw bytes at the server while watching for its
answer, fast client-side WebSocket masking, and the server side of a TCP connection as the
kernel sees it."""
import base64
import json
import os
import select
import struct
import subprocess
import threading
import time

import requests

import http_raw
from engine_client import (
    OP_CLOSE, OP_TEXT, RawWebSocket, WebSocketClient, assert_engine_error, engine_url, parse_open, read_body,
    read_response_head,
)

ENGINE_PATH = "/engine.io/"    # engine-echo and its conformance suite answer here
SOCKETIO_PATH = "/socket.io/"  # the default and bench apps
MIB = 1024                     # in KiB, the unit of PushdServer.rss_kib()


# MARK: Survival checks


def assert_health(server):
    """The server process is alive and /health answers 200 with status ok."""
    assert server.alive(), "pushd exited: " + server.read_log()[-2000:]
    response = http_raw.get(server.port, "/health", timeout=3)
    assert response.status == 200, response
    assert json.loads(response.body)["status"] == "ok", response


class Bystander:
    """A WebSocket session opened before an attack. Over engine-echo it echoes engine messages;
    over the default app it joins "/" and uses the "echo" event."""

    def __init__(self, server, socketio=False):
        self.server = server
        self.socketio = socketio
        self.client = WebSocketClient(server.url, SOCKETIO_PATH if socketio else ENGINE_PATH)
        self.count = 0
        if socketio:
            self.client.send("40")
            connected = self._next()
            assert connected.startswith("40{"), connected
        self.assert_echoes()

    def _next(self, timeout=3.0):
        while True:
            packet = self.client.recv(timeout)
            if packet == "2":
                self.client.send("3")
                continue
            return packet

    def assert_echoes(self):
        self.count += 1
        text = f"bystander {self.count} \u00e9\u00e8"
        if self.socketio:
            self.client.send("42" + json.dumps(["echo", text]))
            echoed = self._next()
            assert echoed.startswith("42") and json.loads(echoed[2:]) == ["echo", text], echoed
        else:
            self.client.send("4" + text, b"\x00bystander\xff")
            assert self._next() == "4" + text
            assert self._next() == b"\x00bystander\xff"

    def close(self):
        self.client.close()


def assert_survived(server, bystander, rss_before_kib=None, rss_budget_kib=32 * MIB):
    """(b) /health answers, (c) the bystander still echoes, (d) RSS grew less than the budget."""
    assert_health(server)
    bystander.assert_echoes()
    if rss_before_kib is not None:
        grown = server.rss_kib() - rss_before_kib
        assert grown < rss_budget_kib, f"RSS grew by {grown} KiB (budget {rss_budget_kib} KiB)"


def assert_session_gone(server, path, sid, timeout=2.0):
    """A closed session's id is unknown to the engine (400, code 1) within `timeout`: the
    close may still be on its way from the connection's loop to the session's."""
    url = engine_url(server.url, path, transport="polling", sid=sid)

    def unknown():
        response = requests.get(url, timeout=3)
        return response.status_code == 400 and response.json().get("code") == 1

    wait_for(unknown, timeout)
    assert_engine_error(requests.get(url, timeout=3), 1)


class PeakRSS:
    """Samples the server's RSS on a thread until stopped; `peak` is the highest seen (KiB)."""

    def __init__(self, server, interval=0.02):
        self.server = server
        self.baseline = server.rss_kib()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.server.rss_kib())
            except OSError:
                return
            self._stop.wait(self._interval)

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        self.peak = max(self.peak, self.server.rss_kib())
        return self.peak - self.baseline


# MARK: Streaming raw bytes


class Pumped:
    """What `pump` saw: bytes sent before the first response byte arrived, bytes sent in all,
    the bytes received, and the send error that ended the upload, if any."""

    def __init__(self):
        self.sent = 0
        self.sent_before_answer = None
        self.received = b""
        self.send_error = None
        self.eof = False

    def response(self):
        return http_raw.parse_complete(self.received)


def pump(sock, pieces, delay=0.0, answer_timeout=3.0, stop_on_answer=True):
    """Sends each piece of `pieces` (bytes, in order) while watching for the server's answer;
    stops sending once an answer arrives (when `stop_on_answer`) or sending fails, then reads
    until the answer is complete or `answer_timeout` passes. `delay` sleeps between pieces."""
    result = Pumped()
    sock.setblocking(False)

    def take():
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            result.eof = True
            return False
        if not chunk:
            result.eof = True
            return False
        if result.sent_before_answer is None:
            result.sent_before_answer = result.sent
        result.received += chunk
        return True

    try:
        for piece in pieces:
            view = memoryview(piece)
            while view:
                readable, writable, _ = select.select([sock], [sock], [], 1.0)
                if readable and not take():
                    break
                if result.received and stop_on_answer:
                    break
                if writable:
                    try:
                        count = sock.send(view)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError as error:
                        result.send_error = error
                        break
                    result.sent += count
                    view = view[count:]
            if result.send_error or result.eof or (result.received and stop_on_answer):
                break
            if delay:
                time.sleep(delay)
        deadline = time.monotonic() + answer_timeout
        while not result.eof and time.monotonic() < deadline:
            if result.received and result.response() is not None:
                break
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if readable and not take():
                break
    finally:
        sock.setblocking(True)
    return result


def repeat(piece, total):
    """`total` bytes as pieces of `piece` (the last one cut short)."""
    sent = 0
    while sent < total:
        chunk = piece[:total - sent]
        sent += len(chunk)
        yield chunk


# MARK: WebSocket frames


def mask(payload, key):
    """RFC 6455 masking of a whole payload at C speed."""
    count = len(payload)
    if count == 0:
        return b""
    stream = (key * (count // 4 + 1))[:count]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(stream, "little")).to_bytes(count, "little")


def client_frame(opcode, payload, fin=True, rsv=0):
    """A masked client frame, fast for large payloads (engine_client.build_frame masks byte by
    byte, which suits small frames)."""
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | opcode
    length = len(payload)
    if length < 126:
        header = bytes([first, 0x80 | length])
    elif length < 65536:
        header = bytes([first, 0x80 | 126]) + struct.pack(">H", length)
    else:
        header = bytes([first, 0x80 | 127]) + struct.pack(">Q", length)
    key = os.urandom(4)
    return header + key + mask(payload, key)


class TunedWebSocket(RawWebSocket):
    """RawWebSocket whose socket can get a small receive buffer before it connects (a client
    that will stop reading), and whose handshake may carry extra header lines as given."""

    def __init__(self, port, target, rcvbuf=None, extra_lines=(), timeout=5.0):
        self.sock = http_raw.connect(port, timeout=timeout, rcvbuf=rcvbuf)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
                 *extra_lines]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        self.status, self.headers, rest = read_response_head(self.sock, timeout)
        self.buffer = bytearray(rest)
        self.body = b""
        if self.status != 101:
            self.body = read_body(self.sock, self.headers, rest, timeout)


def open_engine_ws(port, path=ENGINE_PATH, rcvbuf=None):
    """A new engine session over a raw WebSocket: (socket, sid) after its open packet."""
    ws = TunedWebSocket(port, f"{path}?EIO=4&transport=websocket", rcvbuf=rcvbuf)
    assert ws.status == 101, (ws.status, ws.body)
    frame = ws.read_frame(3)
    assert frame is not None and frame[1] == OP_TEXT, frame
    return ws, parse_open(frame[2].decode())["sid"]


def open_socketio_ws(port, rcvbuf=None):
    """A raw WebSocket joined to the default namespace: (socket, engine sid)."""
    ws, sid = open_engine_ws(port, SOCKETIO_PATH, rcvbuf=rcvbuf)
    ws.send_frame(OP_TEXT, b"40")
    frame = ws.read_frame(3)
    assert frame is not None and frame[2].startswith(b"40{"), frame
    return ws, sid


def read_until_closed(ws, timeout=3.0):
    """Frames until the connection ends: ([(opcode, payload)...] before the close frame, close
    code or None when there was no close frame, whether the TCP connection then ended)."""
    deadline = time.monotonic() + timeout
    frames = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"connection still open after {timeout}s; frames: {frames!r}")
        frame = ws.read_frame(remaining)
        if frame is None:
            return frames, None, True
        _, opcode, payload = frame
        if opcode == OP_CLOSE:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            ended = ws.read_frame(max(0.01, deadline - time.monotonic())) is None
            return frames, code, ended
        frames.append((opcode, payload))


# MARK: The kernel's view


TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
              6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}


def server_side_state(server_port, client_port):
    """State of the server's end of the loopback connection to `client_port` (None if gone)."""
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            local, remote, state = fields[1], fields[2], int(fields[3], 16)
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                return TCP_STATES.get(state, str(state))
    return None


def tcp_report(client):
    """Both ends of `client`'s loopback connection as `ss` sees them (queues, window, retransmit
    timers): what a failure message needs when a connection neither delivers nor ends."""
    port = client.sock.getsockname()[1]
    try:
        return subprocess.run(["ss", "-tinmo", "state", "all", f"( sport = :{port} or dport = :{port} )"],
                              capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError) as error:
        return f"ss failed: {error}"


def threads_report(server):
    """What each of the server's threads is doing: their stacks when gdb is installed, else
    their states and wait channels from /proc. For a failure where a loop may have stopped."""
    try:
        stacks = subprocess.run(["gdb", "-p", str(server.pid), "-batch", "-ex", "thread apply all bt 25"],
                                capture_output=True, text=True, timeout=60).stdout
        if "Thread" in stacks:
            return stacks[-20000:]
    except (OSError, subprocess.SubprocessError):
        pass
    lines = []
    for task in sorted(os.listdir(f"/proc/{server.pid}/task")):
        try:
            with open(f"/proc/{server.pid}/task/{task}/stat") as stat, open(f"/proc/{server.pid}/task/{task}/wchan") as wchan:
                fields = stat.read().rsplit(")", 1)
                lines.append(f"{task} {fields[0].split('(', 1)[1]} state {fields[1].split()[0]} wchan {wchan.read()}")
        except OSError:
            continue
    return "\n".join(lines)


def wait_for(predicate, timeout, interval=0.05):
    """Polls until predicate() is truthy or timeout passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
