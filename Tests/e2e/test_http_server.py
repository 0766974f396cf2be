"""HTTP/1.1 server behaviour at the byte level: connections, pipelining, limits, timeouts, drain."""
import errno
import json
import os
import resource
import select
import selectors
import signal
import socket
import time

import pytest

from http_raw import Conn, get, parse_complete

ENGINE = "/socket.io/?EIO=4&transport=polling"


def health_ok(port):
    response = get(port, "/health", timeout=3)
    assert response.status == 200, response
    assert json.loads(response.body)["status"] == "ok"


def raise_nofile(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        pytest.skip(f"open-file limit {soft} is below {wanted}")


# --- connection persistence -------------------------------------------------------------------

def test_keep_alive_three_requests_on_one_connection(server):
    with Conn(server.port) as conn:
        for path in ("/health", "/index.html", "/health"):
            conn.send(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            response = conn.read_response()
            assert response.status == 200, response
            assert response.version == "HTTP/1.1"
            assert (response.header("Connection") or "").lower() != "close"
        assert conn.still_open(0.5)


def test_http10_without_keep_alive_closes(server):
    with Conn(server.port) as conn:
        conn.send(b"GET /health HTTP/1.0\r\n\r\n")
        response = conn.read_response()
        assert response.status == 200, response
        assert conn.is_closed(2.0)


def test_http10_with_keep_alive_stays_open(server):
    with Conn(server.port) as conn:
        conn.send(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        response = conn.read_response()
        assert response.status == 200, response
        assert (response.header("Connection") or "").lower() == "keep-alive"
        assert conn.still_open(0.5)
        conn.send(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert conn.read_response().status == 200


def test_connection_close_closes(server):
    with Conn(server.port) as conn:
        conn.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        response = conn.read_response()
        assert response.status == 200, response
        assert (response.header("Connection") or "").lower() == "close"
        assert conn.is_closed(2.0)


# --- pipelining and concurrency ---------------------------------------------------------------

def test_hundred_pipelined_requests_answered_in_order(server):
    index = get(server.port, "/index.html")
    assert index.status == 200
    paths = [f"/health?i={i}" if i % 2 == 0 else "/index.html" for i in range(100)]
    batch = b"".join(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for path in paths)
    with Conn(server.port, timeout=10) as conn:
        conn.send(batch)
        deadline = time.monotonic() + 15
        for i, path in enumerate(paths):
            response = conn.read_response(timeout=max(0.1, deadline - time.monotonic()))
            assert response.status == 200, (i, response)
            if path.startswith("/health"):
                assert response.header("Content-Type", "").startswith("application/json"), (i, response)
                assert json.loads(response.body)["status"] == "ok"
            else:
                assert response.header("Content-Type", "").startswith("text/html"), (i, response)
                assert response.body == index.body, i
        assert conn.buffer == b""
        assert conn.still_open(0.3)


def test_thousand_concurrent_connections(server):
    count = 1000
    raise_nofile(count + 256)
    address = ("127.0.0.1", server.port)
    selector = selectors.DefaultSelector()
    sockets = []
    deadline = time.monotonic() + 40
    try:
        for i in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sockets.append(sock)
            result = sock.connect_ex(address)
            assert result in (0, errno.EINPROGRESS), os.strerror(result)
            selector.register(sock, selectors.EVENT_WRITE, i)

        connecting = set(range(count))
        while connecting and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                error = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                assert error == 0, f"connection {key.data}: {os.strerror(error)}"
                selector.unregister(key.fileobj)
                connecting.discard(key.data)
        assert not connecting, f"{len(connecting)} connections not established"

        request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for i, sock in enumerate(sockets):
            assert sock.send(request) == len(request)
            selector.register(sock, selectors.EVENT_READ, i)

        buffers = [b""] * count
        responses = {}
        failures = {}
        while len(responses) + len(failures) < count and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                i = key.data
                try:
                    data = key.fileobj.recv(65536)
                except OSError as error:
                    data, failures[i] = b"", str(error)
                if not data:
                    failures.setdefault(i, "closed before a full response: %r" % buffers[i][:200])
                    selector.unregister(key.fileobj)
                    continue
                buffers[i] += data
                response = parse_complete(buffers[i])
                if response is not None:
                    responses[i] = response
                    selector.unregister(key.fileobj)
        assert not failures, dict(list(failures.items())[:5])
        assert len(responses) == count, f"only {len(responses)} of {count} answered in time"
        assert all(response.status == 200 for response in responses.values())
        seen = max(json.loads(response.body)["connections"] for response in responses.values())
        assert seen >= count, f"/health never reported {count} open connections (max {seen})"
    finally:
        selector.close()
        for sock in sockets:
            sock.close()
    health_ok(server.port)


# --- timeouts and back-pressure ---------------------------------------------------------------

def test_keep_alive_connection_lives_while_used_and_closes_when_idle(start_server):
    # Requests every 0.4 s for 3 s outlast the keep-alive timeout and many header timeouts:
    # each deadline that passes unused must be set again, not close the connection.
    instance = start_server("--keepalive-timeout", "1500ms", "--header-timeout", "1s")
    with Conn(instance.port, timeout=10) as conn:
        start = time.monotonic()
        while time.monotonic() - start < 3.0:
            conn.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert conn.read_response(timeout=2).status == 200
            time.sleep(0.4)
        idle_since = time.monotonic()
        assert conn.is_closed(5.0), "an idle keep-alive connection was not closed"
        idle = time.monotonic() - idle_since
        assert 1.0 <= idle <= 4.0, f"closed {idle:.2f} s after the last answer with --keepalive-timeout 1500ms"


def test_slow_client_gets_408_after_header_timeout(start_server):
    instance = start_server("--header-timeout", "2s")
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: one-byte-a-second\r\n\r\n"
    with Conn(instance.port, timeout=10) as conn:
        start = time.monotonic()
        answered = False
        for i in range(len(head) - 1):  # never the final byte: the head stays incomplete
            try:
                conn.send(head[i:i + 1])
            except OSError:
                break
            ready, _, _ = select.select([conn.sock], [], [], 1.0)
            if ready:
                answered = True
                break
            if time.monotonic() - start > 8:
                break
        assert answered, "no response within 8 s of a trickling request head"
        elapsed = time.monotonic() - start
        response = conn.read_response(timeout=2)
        assert response.status == 408, response
        assert 1.5 <= elapsed <= 4.5, f"408 after {elapsed:.2f} s with --header-timeout 2s"
        assert conn.is_closed(2.0)
    health_ok(instance.port)


def test_client_that_never_reads_does_not_grow_memory(start_server, tmp_path):
    public = tmp_path / "public"
    public.mkdir()
    (public / "index.html").write_bytes(b"<!doctype html><p>big</p>\n")
    big = os.urandom(8 << 20)
    (public / "big.bin").write_bytes(big)
    instance = start_server("--write-high-water", "1MiB", public=str(public))
    health_ok(instance.port)
    baseline = instance.rss_kib()

    request = b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with Conn(instance.port, timeout=10, rcvbuf=4096) as hog:
        hog.send(request * 200)
        peak = baseline
        slowest = 0.0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            started = time.monotonic()
            health_ok(instance.port)
            slowest = max(slowest, time.monotonic() - started)
            peak = max(peak, instance.rss_kib())
            time.sleep(0.2)
        assert instance.alive()
        growth_mib = (peak - baseline) / 1024
        assert growth_mib <= 64, f"RSS grew by {growth_mib:.1f} MiB ({baseline} -> {peak} KiB)"
        assert slowest < 1.0, f"/health took {slowest:.2f} s while another client was not reading"

        # Reading resumes the pipeline: the next responses arrive whole and in order.
        hog.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        for _ in range(2):
            response = hog.read_response(timeout=20)
            assert response.status == 200, response
            assert response.body == big
    health_ok(instance.port)


# --- limits and malformed requests ------------------------------------------------------------

def _many_headers(count):
    return b"".join(b"X-Field-%d: v\r\n" % i for i in range(count))


ENGINE_POST = b"POST " + ENGINE.encode() + b"&sid=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"

ERROR_CASES = [
    ("request-line-over-8KiB", 414,
     b"GET /" + b"a" * (8 * 1024 + 16) + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    ("header-block-over-16KiB", 431,
     b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
     + b"".join(b"X-Big-%d: %s\r\n" % (i, b"v" * 1000) for i in range(18)) + b"\r\n"),
    ("101-header-fields", 431,
     b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + _many_headers(100) + b"\r\n"),
    ("content-length-above-max-payload", 413,
     ENGINE_POST + b"Content-Type: text/plain\r\nContent-Length: 1000001\r\n\r\n"),
    ("malformed-request-line", 400, b"GET/index.html HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n"),
    ("space-before-colon", 400, b"GET / HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n"),
    ("obs-fold", 400, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n  b\r\n\r\n"),
    ("content-length-and-transfer-encoding", 400,
     ENGINE_POST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("two-different-content-lengths", 400,
     ENGINE_POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n4hello"),
    ("bad-chunk-size", 400,
     ENGINE_POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n4hello\r\n0\r\n\r\n"),
    ("transfer-encoding-gzip", 501, ENGINE_POST + b"Transfer-Encoding: gzip\r\n\r\n"),
    ("transfer-encoding-gzip-chunked", 501,
     ENGINE_POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    ("http-2.0-request-line", 505, b"GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n"),
]


@pytest.mark.parametrize("name,status,request_bytes", ERROR_CASES, ids=[case[0] for case in ERROR_CASES])
def test_rejected_request_closes_connection(server, name, status, request_bytes):
    with Conn(server.port) as conn:
        conn.send(request_bytes)
        response = conn.read_response(timeout=5)
        assert response.status == status, f"{name}: sent {request_bytes[:120]!r}..., got {response!r}"
        assert conn.is_closed(2.0), f"{name}: connection left open after {response.status}"
    health_ok(server.port)


def test_chunked_post_with_trailers_reaches_engine(server):
    body = b"5\r\n4hell\r\n1\r\no\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
    with Conn(server.port) as conn:
        conn.send(ENGINE_POST + b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        response = conn.read_response()
        assert response.status == 400, response
        assert response.header("Content-Type", "").startswith("application/json")
        assert "Session ID unknown" in json.loads(response.body)["message"]
    health_ok(server.port)


def test_expect_100_continue(server):
    with Conn(server.port) as conn:
        conn.send(ENGINE_POST + b"Content-Type: text/plain\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n")
        version, status, reason, _ = conn.read_head(timeout=3)
        assert (version, status) == ("HTTP/1.1", 100), (version, status, reason)
        assert reason == "Continue"
        conn.send(b"4hello")
        response = conn.read_response()
        assert response.status == 400, response
        assert b"Session ID unknown" in response.body


# --- graceful shutdown ------------------------------------------------------------------------

def test_sigterm_drains_and_exits_zero(start_server):
    instance = start_server("--drain-timeout", "3s")

    idle = Conn(instance.port, timeout=10)
    idle.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert idle.read_response().status == 200

    handshake = get(instance.port, ENGINE)
    assert handshake.status == 200, handshake
    assert handshake.body.startswith(b"0"), handshake
    sid = json.loads(handshake.body[1:])["sid"]

    poll = Conn(instance.port, timeout=10)
    poll.send(f"GET {ENGINE}&sid={sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert poll.still_open(0.5), "the poll was answered at once instead of being held"

    try:
        signalled = time.monotonic()
        os.kill(instance.pid, signal.SIGTERM)

        held = poll.read_response(timeout=3)
        assert held.status == 200, held
        assert held.body == b"1", held
        assert idle.is_closed(3.5), "idle keep-alive connection not closed on drain"

        status = instance.proc.wait(timeout=5)
        elapsed = time.monotonic() - signalled
        assert status == 0
        assert elapsed <= 3.5, f"exited {elapsed:.2f} s after SIGTERM with --drain-timeout 3s"
        log = instance.read_log()
        assert "SIGTERM" in log
        assert "drained" in log, log
    finally:
        idle.close()
        poll.close()
