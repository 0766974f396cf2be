"""Sessions whose transport is gone are closed after pingInterval + pingTimeout, and their
memory goes back: 10,000 sessions opened and abandoned leave the registry empty and RSS near
where it started."""
import json
import socket
import time
import urllib.request

import pytest

from pushd_server import PushdServer


def health(server):
    with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
        return json.loads(response.read())


def open_sessions(port, count, path="/socket.io/", transport="polling", batch=100):
    """Opens `count` sessions with pipelined handshake GETs on one keep-alive connection."""
    sids = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        reader = conn.makefile("rb")
        request = (f"GET {path}?EIO=4&transport={transport} HTTP/1.1\r\n"
                   f"Host: 127.0.0.1:{port}\r\n\r\n").encode()
        remaining = count
        while remaining > 0:
            n = min(batch, remaining)
            conn.sendall(request * n)
            for _ in range(n):
                status = reader.readline()
                assert status.startswith(b"HTTP/1.1 200"), status
                length = 0
                while True:
                    line = reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = reader.read(length)
                assert body.startswith(b"0{"), body
                sids.append(json.loads(body[1:])["sid"])
            remaining -= n
    return sids


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_abandoned_sessions_expire_and_release_memory():
    server = PushdServer("--ping-interval", "300ms", "--ping-timeout", "200ms")
    try:
        # Warm up allocator pools so the baseline is a steady state.
        open_sessions(server.port, 1000)
        assert wait_for(lambda: health(server)["sessions"] == 0, 10)
        baseline = server.rss_kib()

        sids = open_sessions(server.port, 10_000)
        assert len(set(sids)) == 10_000
        peak_sessions = health(server)["sessions"]
        assert peak_sessions >= 9_000, peak_sessions  # the first ones may already be expiring
        peak = server.rss_kib()

        assert wait_for(lambda: health(server)["sessions"] == 0, 15), health(server)
        # Expired sessions answer 400 Session ID unknown.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
            conn.sendall(f"GET /socket.io/?EIO=4&transport=polling&sid={sids[-1]} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400"), answer
        assert b"Session ID unknown" in answer

        # Freed memory goes back to the system within a few seconds.
        wait_for(lambda: server.rss_kib() - baseline < 8 * 1024, 6)
        settled = server.rss_kib()
        print(f"RSS baseline {baseline} KiB, with 10k sessions {peak} KiB, after {settled} KiB")
        assert settled - baseline < 8 * 1024, (baseline, peak, settled)
        assert server.alive()
    finally:
        server.stop()


def open_and_close_websockets(port, count, namespace_connect):
    """Opens `count` Engine.IO WebSocket sessions (joining the main namespace when asked), waits
    for each open packet, then closes every connection."""
    for conn in open_streams(port, count, "websocket", namespace_connect):
        conn.close()


def test_closed_websocket_sessions_leave_no_heap_behind():
    """A WebSocket session holds its connection and the connection its handler: after a close
    nothing of either may stay reachable. Measured on the allocator's bytes in use, which a
    leak of a few hundred bytes per session moves by megabytes here."""
    for app, namespace_connect in (("engine-echo", False), ("default", True)):
        # Recovery keeps a dropped socket's state for its window on purpose (bounded, see
        # test_recovery.py); this test is about what nothing should keep.
        server = PushdServer("--app", app, "--path", "/socket.io/", "--recovery-window", "0")
        try:
            # One round first, so tables sized for this many sessions are the baseline.
            open_and_close_websockets(server.port, 1500, namespace_connect)
            assert wait_for(lambda: health(server)["sessions"] == 0, 10), health(server)
            baseline = health(server)["heapBytes"]
            for _ in range(2):
                open_and_close_websockets(server.port, 1500, namespace_connect)
                assert wait_for(lambda: health(server)["sessions"] == 0, 10), health(server)
            after = health(server)["heapBytes"]
            print(f"{app}: heap in use {baseline} bytes before 3,000 sessions, {after} after")
            assert after - baseline < 256 * 1024, (app, baseline, after)
            assert server.alive()
        finally:
            server.stop()


def open_streams(port, count, transport, namespace_connect):
    """Opens `count` sessions on a streaming transport (websocket or sse), each on its own
    connection, reads each open packet (and the CONNECT answer when asked), and returns the
    connections, still open."""
    if transport == "websocket":
        request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode()
    else:
        request = (f"GET /socket.io/?EIO=4&transport=sse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   "Accept: text/event-stream\r\n\r\n").encode()
    conns = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.sendall(request)
        conns.append(conn)
    for conn in conns:
        seen = b""
        while b'"sid"' not in seen:
            chunk = conn.recv(4096)
            assert chunk, seen
            seen += chunk
        if namespace_connect:
            if transport == "websocket":
                # "40" in a masked text frame (mask 0: the payload goes as is), then its answer.
                conn.sendall(bytes([0x81, 0x82, 0, 0, 0, 0]) + b"40")
                while seen.count(b'"sid"') < 2:
                    chunk = conn.recv(4096)
                    assert chunk, seen
                    seen += chunk
            else:
                sid = json.loads(seen[seen.index(b"{"):seen.index(b"}") + 1])["sid"]
                post(port, f"/socket.io/?EIO=4&transport=sse&sid={sid}", b"40")
    return conns


def post(port, target, body):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body)
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200"), answer


def close_polling_sessions(port, sids, transport):
    """Ends each session as a client does: a POST of the close packet "1", pipelined."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        reader = conn.makefile("rb")
        for start in range(0, len(sids), 100):
            batch = sids[start:start + 100]
            conn.sendall(b"".join(f"POST /socket.io/?EIO=4&transport={transport}&sid={sid} HTTP/1.1\r\n"
                                  f"Host: x\r\nContent-Length: 1\r\n\r\n1".encode() for sid in batch))
            for _ in batch:
                assert reader.readline().startswith(b"HTTP/1.1 200")
                length = 0
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                reader.read(length)


def session_round(server, transport, ending, namespace_connect, count):
    """Opens `count` sessions on `transport` and ends them by `ending` ("expire": the client goes
    silent until the ping timeout; "close": it closes), until /health counts none."""
    if transport in ("websocket", "sse"):
        conns = open_streams(server.port, count, transport, namespace_connect)
        if ending == "close":
            for conn in conns:
                conn.close()
        assert wait_for(lambda: health(server)["sessions"] == 0, 20), health(server)
        for conn in conns:
            conn.close()
    else:
        sids = open_sessions(server.port, count, transport=transport)
        if ending == "close":
            close_polling_sessions(server.port, sids, transport)
        assert wait_for(lambda: health(server)["sessions"] == 0, 20), health(server)


@pytest.mark.parametrize("transport", ["websocket", "sse", "polling", "short-polling"])
@pytest.mark.parametrize("ending", ["expire", "close"])
@pytest.mark.parametrize("app", ["default", "engine-echo"])
def test_sessions_that_end_leave_no_heap_behind(app, ending, transport):
    """Every transport, ended by expiry or by the client: the allocator's bytes in use come
    back to where they were. The connect timeout is the ping deadline, so a session's connect
    timeout and heartbeat fall due in the same tick (a heartbeat that re-armed itself after
    such a close kept every session, and a timer, for good). A cut SSE stream waits the ping
    timeout for its EventSource to come back, hence a short one when clients close."""
    timing = (["--ping-interval", "300ms", "--ping-timeout", "200ms", "--connect-timeout", "500ms"]
              if ending == "expire" else ["--ping-interval", "20s", "--ping-timeout", "2s"])
    # The default app keeps dropped sockets recoverable; a 1 s window lets what it keeps expire
    # before the heap is read, so recovery's state is held to the same account.
    recovery = ["--recovery-window", "1s"] if app == "default" else []
    settle = 2.5 if recovery else 1
    server = PushdServer("--app", app, "--path", "/socket.io/", *timing, *recovery)
    namespace_connect = app == "default" and ending == "close"
    count = 400 if transport in ("websocket", "sse") else 1500
    try:
        # One round first, so tables sized for this many sessions are the baseline.
        session_round(server, transport, ending, namespace_connect, count)
        time.sleep(settle)
        baseline = health(server)["heapBytes"]
        for _ in range(2):
            session_round(server, transport, ending, namespace_connect, count)
        time.sleep(settle)
        after = health(server)["heapBytes"]
        print(f"{app} {transport} {ending}: heap in use {baseline} bytes before, {after} after {2 * count} sessions")
        assert after - baseline < 256 * 1024, (baseline, after)
        assert server.alive()
    finally:
        server.stop()
