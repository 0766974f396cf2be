"""Engine.IO v4 over each of pushd's transports, against the engine-echo app, and the
protocol errors of the HTTP and WebSocket layers."""
import socket
import threading
import time

import pytest
import requests

from engine_client import (
    OP_BINARY, OP_PING, OP_TEXT, Closed, PollingClient, RawWebSocket, SSEClient, WebSocketClient,
    assert_engine_error, decode_payload, engine_url, open_client, parse_open, raw_request,
)
from pushd_server import PushdServer

PATH = "/engine.io/"
TRANSPORTS = ["websocket", "polling", "sse", "short-polling"]
HTTP_TRANSPORTS = ["polling", "sse", "short-polling"]
PING_INTERVAL = 0.3
PING_TIMEOUT = 0.2
SLACK = 0.25


@pytest.fixture(scope="module")
def echo():
    """engine-echo with its preset: /engine.io/, ping every 300 ms, 200 ms to answer."""
    server = PushdServer("--app", "engine-echo")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def calm():
    """engine-echo whose heartbeat stays out of the way (for held-request tests)."""
    server = PushdServer("--app", "engine-echo", "--ping-interval", "20s", "--ping-timeout", "20s")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def small():
    """engine-echo with a 1000-byte max payload."""
    server = PushdServer("--app", "engine-echo", "--max-payload", "1000")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def strict_origin():
    server = PushdServer("--app", "engine-echo", "--cors-origin", "https://good.example")
    yield server
    server.stop()


def assert_session_gone(server, client):
    """A request carrying the session's sid is refused with 400 "Session ID unknown"."""
    if client.transport == "sse":
        response = requests.post(engine_url(server.url, PATH, transport="sse", sid=client.sid),
                                 data=b"4still there?", timeout=3)
    else:
        transport = "polling" if client.transport == "websocket" else client.transport
        try:
            response = requests.get(engine_url(server.url, PATH, transport=transport, sid=client.sid),
                                    timeout=2)
        except requests.exceptions.ReadTimeout:
            raise AssertionError(f"GET with sid {client.sid} was held: the session is still open") from None
    assert_engine_error(response, 1)


def wait_stream_end(client, timeout=2.0):
    """SSE: reads until the event stream ends; returns the packets that came before."""
    deadline = time.monotonic() + timeout
    packets = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"event stream still open after {timeout}s (got {packets!r})")
        try:
            packets.append(client.recv(remaining))
        except Closed:
            return packets


# MARK: Per transport


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_handshake(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        handshake = client.handshake
        assert set(handshake) == {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}, handshake
        assert isinstance(handshake["sid"], str) and handshake["sid"], handshake
        assert handshake["upgrades"] == ([] if transport == "websocket" else ["websocket"])
        assert handshake["pingInterval"] == 300
        assert handshake["pingTimeout"] == 200
        assert handshake["maxPayload"] == 1000000
        if transport == "sse":
            assert client.stream.response_headers["content-type"].startswith("text/event-stream")
        elif transport != "websocket":
            assert client.handshake_response.headers["Content-Type"].startswith("text/plain")


def test_handshakes_give_distinct_sids(echo):
    sids = set()
    for transport in TRANSPORTS:
        for _ in range(3):
            with open_client(transport, echo.url, PATH) as client:
                sids.add(client.sid)
    assert len(sids) == 3 * len(TRANSPORTS)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_text_echo(echo, transport):
    texts = ["hello", "héllo wörld € 😀", "line one\r\nline two\nend", "tab\tand \\ \"quotes\"", ""]
    if transport == "websocket":
        texts.append("with \x1e inside")  # one packet per frame: the separator is just data
    with open_client(transport, echo.url, PATH) as client:
        for text in texts:
            client.send("4" + text)
            assert client.recv_messages(1) == [text]
        if transport == "sse":
            # CR/LF cannot travel in an SSE data line: that echo came as a base64 event.
            assert b"event: b64\ndata: " in client.stream.raw


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_binary_echo(echo, transport):
    blobs = [b"\x01\x02\x03\x04", bytes(range(256)), b"\xff\xfe\x00text\x00"]
    with open_client(transport, echo.url, PATH) as client:
        for blob in blobs:
            client.send(blob)
            assert client.recv_messages(1) == [blob]


def test_binary_echo_wire_form_polling(echo):
    """Over polling a binary message goes as "b" + base64 both ways."""
    with PollingClient(echo.url, PATH) as client:
        client.post(body=b"bAQIDBA==")
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            body = client.get().content
            if body != b"2":
                break
            client.send("3")
        assert body == b"bAQIDBA==", body


def test_binary_echo_wire_form_sse(echo):
    with SSEClient(echo.url, PATH) as client:
        client.post(body=b"bAQIDBA==")
        for _ in range(5):
            event = client.stream.next_event(2)
            if event == ("message", "2"):
                client.send("3")
                continue
            assert event == ("message", "bAQIDBA=="), event
            break


@pytest.mark.parametrize("transport", HTTP_TRANSPORTS)
def test_several_packets_in_one_post(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        response = client.post(body="4one\x1e4two\x1ebAQID\x1e4three\x1e4four €".encode())
        assert response.status_code == 200 and response.text == "ok", (response.status_code, response.text)
        assert client.recv_messages(5) == ["one", "two", b"\x01\x02\x03", "three", "four €"]


@pytest.mark.parametrize("transport", HTTP_TRANSPORTS)
def test_post_answers_keep_alive_and_not(echo, transport):
    """A POST's "ok" on a keep-alive HTTP/1.1 connection (the loop's prepared answer) carries the
    same fields as one written for an HTTP/1.0 or closing request, but for Connection, and a
    fresh Date; the packets all reach the session."""
    import http_raw
    with open_client(transport, echo.url, PATH) as client:
        target = engine_url("", PATH, transport=transport, sid=client.sid)

        def post(conn, text, version="1.1", connection=None):
            lines = [f"POST {target} HTTP/{version}", f"Host: 127.0.0.1:{echo.port}", f"Content-Length: {len(text)}"]
            if connection:
                lines.append(f"Connection: {connection}")
            conn.send(("\r\n".join(lines) + "\r\n\r\n" + text).encode())
            response = conn.read_response("POST")
            assert response.status == 200 and response.body == b"ok", response
            return response

        def fields(response):
            return [(k.lower(), v) for k, v in response.header_list if k.lower() not in ("date", "connection")]

        with http_raw.Conn(echo.port) as conn:
            kept = [post(conn, f"4kept{i}") for i in range(3)]
        with http_raw.Conn(echo.port) as conn:
            old = post(conn, "4old", version="1.0", connection="keep-alive")
        with http_raw.Conn(echo.port) as conn:
            closing = post(conn, "4closing", connection="close")
        for response in kept:
            assert fields(response) == fields(kept[0]) == fields(old) == fields(closing), (response, old, closing)
            assert response.header("Connection") is None and response.header("Date"), response
        assert dict(fields(kept[0]))["content-type"] == "text/html" and dict(fields(kept[0]))["content-length"] == "2"
        assert old.header("Connection") == "keep-alive" and closing.header("Connection") == "close"
        assert client.recv_messages(5) == ["kept0", "kept1", "kept2", "old", "closing"]


def test_websocket_frames_in_order(echo):
    with WebSocketClient(echo.url, PATH) as client:
        sent = [f"m{i}" if i % 3 else f"m{i}".encode() for i in range(30)]
        client.send(*[s if isinstance(s, bytes) else "4" + s for s in sent])
        assert client.recv_messages(len(sent)) == sent


def test_polling_response_joins_queued_packets(echo):
    """Echoes queued while no GET is held come back in one payload, in order."""
    with PollingClient(echo.url, PATH) as client:
        client.send("4a", "4b", b"\x07", "4c")
        time.sleep(0.05)
        packets = decode_payload(client.get().content)
        packets = [p for p in packets if p != "2"]
        assert packets == ["4a", "4b", b"\x07", "4c"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_heartbeat(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        pings = []
        for _ in range(3):
            pings.append(client.next_ping(timeout=PING_INTERVAL + PING_TIMEOUT + 1))
            client.send("3")
        first = pings[0] - client.opened_at
        assert PING_INTERVAL - 0.1 <= first <= PING_INTERVAL + SLACK, f"first ping after {first:.3f}s"
        for before, after in zip(pings, pings[1:]):
            gap = after - before
            assert PING_INTERVAL - 0.1 <= gap <= PING_INTERVAL + SLACK, f"pings {gap:.3f}s apart: {pings!r}"
        client.send("4still alive")
        assert client.recv_messages(1) == ["still alive"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_heartbeat_timeout_closes_session(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        pinged = client.next_ping(timeout=PING_INTERVAL + 1)
        # No pong.
        if transport == "websocket":
            assert set(client.wait_closed(PING_TIMEOUT + 1.5)) <= {"1"}
            closed_after = time.monotonic() - pinged
            assert closed_after <= PING_TIMEOUT + 0.5, f"WebSocket closed {closed_after:.3f}s after the ping"
        elif transport == "sse":
            assert set(wait_stream_end(client, PING_TIMEOUT + 1.5)) <= {"1"}
        else:
            time.sleep(PING_TIMEOUT + 0.3)
        assert_session_gone(echo, client)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_client_close_packet(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        if transport == "websocket":
            client.send("1")
            packets = client.wait_closed(2)
            assert all(p in ("2", "6") for p in packets), packets
        elif transport == "sse":
            client.send("1")
            packets = wait_stream_end(client, 2)
            assert all(p in ("2", "6", "1") for p in packets), packets
        else:
            client.send("1")
        assert_session_gone(echo, client)


def test_close_packet_releases_held_get(calm):
    with PollingClient(calm.url, PATH) as client:
        result = {}
        thread = threading.Thread(target=lambda: result.update(response=client.get(timeout=5)))
        thread.start()
        time.sleep(0.2)
        assert thread.is_alive(), "the GET was not held"
        client.send("1")
        thread.join(3)
        assert not thread.is_alive(), "the held GET was not answered after the close packet"
        assert result["response"].status_code == 200
        assert decode_payload(result["response"].content)[-1] in ("1", "6"), result["response"].content
        assert_session_gone(calm, client)


# MARK: HTTP errors


@pytest.mark.parametrize("query, code", [
    ({"EIO": None, "transport": "polling"}, 5),
    ({"EIO": "3", "transport": "polling"}, 5),
    ({"EIO": "5", "transport": "polling"}, 5),
    ({"EIO": "x", "transport": "polling"}, 5),
    ({"transport": "carrier-pigeon"}, 0),
    ({"transport": None}, 0),
    ({"EIO": None, "transport": "sse"}, 5),
    ({"EIO": "3", "transport": "short-polling"}, 5),
])
def test_bad_handshake_query(echo, query, code):
    assert_engine_error(requests.get(engine_url(echo.url, PATH, **query), timeout=3), code)


def test_post_handshake(echo):
    for transport in HTTP_TRANSPORTS:
        response = requests.post(engine_url(echo.url, PATH, transport=transport), data=b"4hi", timeout=3)
        assert_engine_error(response, 2)


@pytest.mark.parametrize("transport", HTTP_TRANSPORTS)
def test_unknown_sid(echo, transport):
    url = engine_url(echo.url, PATH, transport=transport, sid="no-such-session")
    assert_engine_error(requests.post(url, data=b"4hi", timeout=3), 1)
    if transport != "sse":
        assert_engine_error(requests.get(url, timeout=3), 1)


def test_websocket_with_unknown_sid_refused(echo):
    ws = RawWebSocket(echo.port, engine_url("", PATH, transport="websocket", sid="no-such-session"))
    try:
        assert ws.status == 400, (ws.status, ws.body)
    finally:
        ws.close()


def test_websocket_with_bad_eio_refused(echo):
    ws = RawWebSocket(echo.port, engine_url("", PATH, EIO="3", transport="websocket"))
    try:
        assert ws.status == 400, (ws.status, ws.body)
    finally:
        ws.close()


@pytest.mark.parametrize("transport", HTTP_TRANSPORTS)
@pytest.mark.parametrize("body", [b"abc", b"4ok\x1e", b"b!!notbase64", b"4\xff\xfe"], ids=["abc", "empty-record", "bad-base64", "bad-utf8"])
def test_invalid_post_closes_session(echo, transport, body):
    with open_client(transport, echo.url, PATH) as client:
        response = client.post(body=body)
        assert response.status_code == 400, (response.status_code, response.text)
        assert_session_gone(echo, client)


def test_duplicate_long_polling_get(calm):
    with PollingClient(calm.url, PATH) as client:
        result = {}
        thread = threading.Thread(target=lambda: result.update(response=client.get(timeout=5)))
        thread.start()
        time.sleep(0.2)
        assert thread.is_alive(), "the first GET was not held"
        second = requests.get(client.url(), timeout=3)
        assert second.status_code == 400, (second.status_code, second.text)
        thread.join(3)
        assert not thread.is_alive(), "the first GET was not answered after the overlapping one"
        first = result["response"]
        assert (first.status_code, first.content) == (200, b"1"), (first.status_code, first.content)
        assert_session_gone(calm, client)


def test_aborted_poll_closes_session(calm):
    with PollingClient(calm.url, PATH) as client:
        sock = socket.create_connection(("127.0.0.1", calm.port), timeout=3)
        target = engine_url("", PATH, transport="polling", sid=client.sid)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{calm.port}\r\n\r\n".encode())
        time.sleep(0.2)
        sock.setblocking(False)
        try:
            early = sock.recv(100)
        except BlockingIOError:
            early = None
        assert early is None, f"the GET was answered at once: {early!r}"
        sock.close()
        time.sleep(0.3)
        assert_session_gone(calm, client)


def test_post_over_max_payload(small):
    with PollingClient(small.url, PATH) as client:
        assert client.handshake["maxPayload"] == 1000
        at_limit = "4" + "x" * 999
        response = client.post(body=at_limit.encode())
        assert (response.status_code, response.text) == (200, "ok"), (response.status_code, response.text)
        assert client.recv_messages(1) == ["x" * 999]
        over = client.post(body=("4" + "y" * 1000).encode())
        assert over.status_code == 413, (over.status_code, over.text)


def test_sse_post_over_max_payload(small):
    with SSEClient(small.url, PATH) as client:
        over = client.post(body=b"4" + b"y" * 1500)
        assert over.status_code == 413, (over.status_code, over.text)


# MARK: WebSocket errors


def raw_engine_websocket(server, **options):
    ws = RawWebSocket(server.port, engine_url("", PATH, transport="websocket"), **options)
    assert ws.status == 101, (ws.status, ws.body)
    fin, opcode, payload = ws.read_frame(3)
    assert opcode == OP_TEXT, (opcode, payload)
    parse_open(payload.decode())
    return ws


def test_websocket_message_at_max_payload(small):
    with WebSocketClient(small.url, PATH) as client:
        assert client.handshake["maxPayload"] == 1000
        client.send("4" + "x" * 999)
        assert client.recv_messages(1) == ["x" * 999]
        client.send(b"\xaa" * 1000)
        assert client.recv_messages(1) == [b"\xaa" * 1000]


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY], ids=["text", "binary"])
def test_websocket_message_over_max_payload(small, opcode):
    ws = raw_engine_websocket(small)
    try:
        ws.send_frame(opcode, b"4" + b"x" * 1500)
        assert ws.read_close_code(3) == 1009
    finally:
        ws.close()


@pytest.mark.parametrize("frame, code", [
    (dict(opcode=OP_TEXT, payload=b"4hello", mask=False), 1002),
    (dict(opcode=OP_TEXT, payload=b"4hello", rsv=0b100), 1002),
    (dict(opcode=OP_TEXT, payload=b"4caf\xc3\x28 \xff"), 1007),
    (dict(opcode=OP_PING, payload=b"p" * 126), 1002),
], ids=["unmasked", "rsv1", "invalid-utf8", "ping-126-bytes"])
def test_websocket_bad_frame_close_code(echo, frame, code):
    ws = raw_engine_websocket(echo)
    try:
        ws.send_frame(**frame)
        got = ws.read_close_code(3)
        assert got == code, f"sent {frame!r}: expected close {code}, got {got}"
    finally:
        ws.close()


def test_websocket_version_8_refused(echo):
    ws = RawWebSocket(echo.port, engine_url("", PATH, transport="websocket"), version="8")
    try:
        assert ws.status == 426, (ws.status, ws.body)
        assert ws.headers.get("sec-websocket-version") == "13", ws.headers
    finally:
        ws.close()


def test_websocket_origin_refused(strict_origin):
    target = engine_url("", PATH, transport="websocket")
    evil = RawWebSocket(strict_origin.port, target, origin="https://evil.example")
    try:
        assert evil.status == 403, (evil.status, evil.body)
    finally:
        evil.close()
    good = RawWebSocket(strict_origin.port, target, origin="https://good.example")
    try:
        assert good.status == 101, (good.status, good.body)
        fin, opcode, payload = good.read_frame(3)
        assert opcode == OP_TEXT and parse_open(payload.decode())["sid"]
    finally:
        good.close()


@pytest.mark.parametrize("origin, allowed", [("https://good.example", True), ("https://evil.example", False)])
def test_cors_preflight(strict_origin, origin, allowed):
    status, headers, _ = raw_request(strict_origin.port, "OPTIONS", engine_url("", PATH, transport="polling"), headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert 200 <= status < 300 or not allowed, (status, headers)
    if allowed:
        assert headers.get("access-control-allow-origin") == origin, headers
    else:
        assert "access-control-allow-origin" not in headers, headers


def test_cors_headers_on_polling(strict_origin):
    good = requests.get(engine_url(strict_origin.url, PATH, transport="polling"),
                        headers={"Origin": "https://good.example"}, timeout=3)
    assert good.status_code == 200, good.text
    assert good.headers.get("Access-Control-Allow-Origin") == "https://good.example"
    evil = requests.get(engine_url(strict_origin.url, PATH, transport="polling"),
                        headers={"Origin": "https://evil.example"}, timeout=3)
    assert "Access-Control-Allow-Origin" not in evil.headers, evil.headers
    assert evil.status_code != 200 or not evil.text.startswith("0"), "a refused origin got a session"
