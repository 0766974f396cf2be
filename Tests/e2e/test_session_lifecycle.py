"""Sessions whose transport is gone are closed after pingInterval + pingTimeout, and their
memory goes back: 10,000 sessions opened and abandoned leave the registry empty and RSS near
where it started."""
import json
import socket
import time
import urllib.request

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
    request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode()
    # "40" in a masked text frame (mask 0: the payload goes as is).
    connect_frame = bytes([0x81, 0x82, 0, 0, 0, 0]) + b"40"
    conns = []
    try:
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
            assert seen.startswith(b"HTTP/1.1 101"), seen[:40]
            if namespace_connect:
                conn.sendall(connect_frame)
                while seen.count(b'"sid"') < 2:
                    chunk = conn.recv(4096)
                    assert chunk, seen
                    seen += chunk
    finally:
        for conn in conns:
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
