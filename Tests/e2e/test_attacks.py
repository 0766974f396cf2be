"""Hostile clients. Each test makes one attack and checks that

(a) pushd answers it the way the README's limits table says (status, close code, session closed),
(b) the server is still up (/health answers 200),
(c) a WebSocket session opened before the attack is untouched (it still echoes), and
(d) server RSS grew by less than 32 MiB across the attack.

Servers: `echo` is engine-echo (answers at /engine.io/, any Origin allowed, as its preset says),
`sio` the default app at /socket.io/ with debug logging, so the reason a session was closed can
be read from the log. Heartbeats are slowed down so the idle bystander is not timed out."""
import base64
import json
import select
import socket
import struct
import time

import pytest
import requests

import http_raw
from attack_helpers import (
    ENGINE_PATH, MIB, SOCKETIO_PATH, Bystander, TunedWebSocket, assert_session_gone,
    assert_survived, client_frame, open_engine_ws, open_socketio_ws, pump, read_until_closed, repeat, wait_for,
)
from engine_client import (
    OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_TEXT, PollingClient, SSEClient, WebSocketClient,
    assert_engine_error, build_frame, engine_url,
)
from pushd_server import PushdServer

CALM = ("--ping-interval", "20s", "--ping-timeout", "20s")
MAX_PAYLOAD = 1_000_000
MAX_HEADER_BYTES = 16 * 1024


@pytest.fixture(scope="module")
def echo():
    server = PushdServer("--app", "engine-echo", *CALM)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sio():
    # Exact packets: without recovery's offset argument on events.
    server = PushdServer("--app", "default", "--log-level", "debug", "--recovery-window", "0", *CALM)
    yield server
    server.stop()


@pytest.fixture
def bystander(echo):
    witness = Bystander(echo)
    yield witness
    witness.close()


@pytest.fixture
def sio_bystander(sio):
    sio.read_log()  # debug lines: keep the pipe drained
    witness = Bystander(sio, socketio=True)
    yield witness
    witness.close()
    sio.read_log()


def assert_nothing_arrives(ws, wait=0.3):
    """Neither a frame nor the end of the connection within `wait` seconds."""
    readable, _, _ = select.select([ws.sock], [], [], wait)
    assert not readable and not ws.buffer, f"unexpected bytes or close: {bytes(ws.buffer[:100])!r}"


def raw_echo(ws, text=b"4ping"):
    ws.send_frame(OP_TEXT, text)
    frame = ws.read_frame(3)
    assert frame is not None and frame[1:] == (OP_TEXT, text), frame


# MARK: Oversized polling bodies


def post_head(path, sid, length=None, chunked=False):
    lines = [f"POST {path}?EIO=4&transport=polling&sid={sid} HTTP/1.1", "Host: 127.0.0.1",
             "Content-Type: text/plain; charset=UTF-8"]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_post_announcing_50mb_sent_at_once_gets_413_unread(echo, bystander):
    """50 MB announced and pushed as fast as the socket takes it: 413 comes right after the
    head, the connection closes, and the upload stops long before 50 MB (the server does not
    read the body)."""
    victim = PollingClient(echo.url, ENGINE_PATH)
    rss = echo.rss_kib()
    announced = 50_000_000
    head = post_head(ENGINE_PATH, victim.sid, announced)
    with http_raw.Conn(echo.port) as conn:
        result = pump(conn.sock, [head, *repeat(b"4" * 65536, announced)], stop_on_answer=False)
    response = result.response()
    assert response is not None and response.status == 413, (result.received[:300], result.sent)
    assert (response.header("Connection") or "").lower() == "close", response
    # Whatever went out went into kernel buffers: far less than announced.
    assert result.sent < 16 << 20, f"the server took {result.sent} of {announced} body bytes"
    assert result.send_error is not None or result.eof, "the connection stayed open after 413"
    # The session the POST named is untouched: a request never reaches the engine past 413.
    victim.send("4still here")
    assert victim.recv_messages(1) == ["still here"]
    victim.close()
    assert_survived(echo, bystander, rss)


def test_post_announcing_5mb_trickled_gets_413_at_once(echo, bystander):
    """5 MB announced, body sent at 4 KB/s: pushd answers 413 as soon as the head is complete
    (the announced length alone is over maxPayload), not 408 after the 30 s body timeout."""
    victim = PollingClient(echo.url, ENGINE_PATH)
    rss = echo.rss_kib()
    head = post_head(ENGINE_PATH, victim.sid, 5_000_000)
    started = time.monotonic()
    with http_raw.Conn(echo.port) as conn:
        result = pump(conn.sock, [head, *repeat(b"4" * 1024, 40 * 1024)], delay=0.25)
    elapsed = time.monotonic() - started
    response = result.response()
    assert response is not None and response.status == 413, (result.received[:300], result.sent)
    assert result.sent_before_answer <= len(head) + 2048, result.sent_before_answer
    assert elapsed < 2.0, f"413 took {elapsed:.2f}s"
    victim.close()
    assert_survived(echo, bystander, rss)


def test_post_trickled_within_max_payload_gets_408_on_body_timeout(start_server):
    """A body under maxPayload that never finishes: 408 once --body-timeout passes."""
    server = start_server("--app", "engine-echo", "--body-timeout", "1s", *CALM)
    witness = Bystander(server)
    victim = PollingClient(server.url, ENGINE_PATH)
    rss = server.rss_kib()
    head = post_head(ENGINE_PATH, victim.sid, 500_000)
    started = time.monotonic()
    with http_raw.Conn(server.port) as conn:
        result = pump(conn.sock, [head, *repeat(b"4" * 512, 8 * 1024)], delay=0.1, answer_timeout=3)
    elapsed = time.monotonic() - started
    response = result.response()
    assert response is not None and response.status == 408, (result.received[:300], result.sent)
    assert 0.9 <= elapsed < 3.0, elapsed
    victim.close()
    assert_survived(server, witness, rss)
    witness.close()


def test_chunked_post_growing_past_max_payload_gets_413(echo, bystander):
    """Chunks adding up to exactly maxPayload are taken; the chunk-size line that would pass it
    gets 413 at once (before its data), and the connection closes."""
    victim = PollingClient(echo.url, ENGINE_PATH)
    rss = echo.rss_kib()
    chunk = b"%x\r\n" % 100_000 + b"4" * 100_000 + b"\r\n"
    with http_raw.Conn(echo.port) as conn:
        conn.send(post_head(ENGINE_PATH, victim.sid, chunked=True) + chunk * (MAX_PAYLOAD // 100_000))
        assert conn.still_open(0.5), f"answered at exactly maxPayload: {conn.buffer[:200]!r}"
        conn.send(b"1\r\n")
        response = conn.read_response(timeout=3)
        assert response.status == 413, response
        assert conn.is_closed(2)
    victim.send("4still here")
    assert victim.recv_messages(1) == ["still here"]
    victim.close()
    assert_survived(echo, bystander, rss)


# MARK: Bad WebSocket frames


BAD_FRAMES = {
    "rsv2": build_frame(OP_TEXT, b"4x", rsv=0b010),
    "rsv3": build_frame(OP_TEXT, b"4x", rsv=0b001),
    "opcode-3": build_frame(0x3, b"4x"),
    "opcode-11": build_frame(0xB, b"4x"),
    "ping-126-bytes": build_frame(OP_PING, b"p" * 126),
    "close-code-1005": build_frame(OP_CLOSE, struct.pack(">H", 1005)),
    "close-code-999": build_frame(OP_CLOSE, struct.pack(">H", 999)),
    "close-code-5000": build_frame(OP_CLOSE, struct.pack(">H", 5000)),
    "close-1-byte-payload": build_frame(OP_CLOSE, b"\x03"),
}


@pytest.mark.parametrize("name", BAD_FRAMES)
def test_bad_frame_closes_with_1002(echo, bystander, name):
    ws, sid = open_engine_ws(echo.port)
    raw_echo(ws)
    rss = echo.rss_kib()
    ws.send_raw(BAD_FRAMES[name])
    frames, code, ended = read_until_closed(ws)
    ws.close()
    assert code == 1002, f"{name}: close code {code}, frames before {frames!r}"
    assert frames == [] and ended, (frames, ended)
    assert_session_gone(echo, ENGINE_PATH, sid)
    assert_survived(echo, bystander, rss)


def test_flood_of_one_byte_fragments_closes_with_1008(echo, bystander):
    """10,000 fragments (the limit) are held without complaint; the 10,001st closes with 1008
    and the message is never delivered."""
    ws, sid = open_engine_ws(echo.port)
    rss = echo.rss_kib()
    first = build_frame(OP_TEXT, b"4", fin=False)
    ws.send_raw(first + b"".join(build_frame(OP_CONT, b"a", fin=False) for _ in range(9_999)))
    assert_nothing_arrives(ws, 0.5)
    ws.send_raw(build_frame(OP_CONT, b"a", fin=False))
    frames, code, ended = read_until_closed(ws)
    ws.close()
    assert code == 1008 and frames == [] and ended, (code, frames, ended)
    assert_session_gone(echo, ENGINE_PATH, sid)
    assert_survived(echo, bystander, rss)


def test_fragments_past_max_payload_close_with_1009(echo, bystander):
    """Ten 100,000-byte fragments (exactly maxPayload) are taken; one more byte closes with 1009."""
    ws, sid = open_engine_ws(echo.port)
    rss = echo.rss_kib()
    ws.send_raw(client_frame(OP_TEXT, b"4" * 100_000, fin=False))
    for _ in range(9):
        ws.send_raw(client_frame(OP_CONT, b"a" * 100_000, fin=False))
    assert_nothing_arrives(ws, 0.5)
    ws.send_raw(client_frame(OP_CONT, b"a", fin=True))
    frames, code, ended = read_until_closed(ws)
    ws.close()
    assert code == 1009 and frames == [] and ended, (code, frames, ended)
    assert_session_gone(echo, ENGINE_PATH, sid)
    assert_survived(echo, bystander, rss)


@pytest.mark.parametrize("length, expected", [(1 << 62, 1009), (1 << 63, 1002), ((1 << 64) - 1, 1002)],
                         ids=["2^62-too-big", "2^63-top-bit-set", "2^64-1"])
def test_frame_claiming_huge_64bit_length(echo, bystander, length, expected):
    """The header alone decides: 1009 for a length past maxPayload, 1002 when the length's top
    bit is set (RFC 6455 §5.2); nothing is allocated for the claim."""
    ws, sid = open_engine_ws(echo.port)
    rss = echo.rss_kib()
    started = time.monotonic()
    ws.send_raw(bytes([0x82, 0x80 | 127]) + struct.pack(">Q", length) + b"\x01\x02\x03\x04" + b"\x00" * 16)
    frames, code, ended = read_until_closed(ws, timeout=2)
    elapsed = time.monotonic() - started
    ws.close()
    assert code == expected and frames == [] and ended, (code, frames, ended)
    assert elapsed < 1.0, f"close took {elapsed:.2f}s"
    assert_session_gone(echo, ENGINE_PATH, sid)
    assert_survived(echo, bystander, rss, rss_budget_kib=8 * MIB)


# MARK: Socket.IO payloads (default app, over WebSocket after "40")


def assert_parse_error_close(server, ws, sid, error_name):
    """The engine close packet "1", then close frame 1000 and the end of the connection; the
    log names the decoder's error for this session (by its id's first 4 characters: logs
    never hold a whole id)."""
    frames, code, ended = read_until_closed(ws)
    ws.close()
    assert frames == [(OP_TEXT, b"1")] and code == 1000 and ended, (frames, code, ended)
    needle = f"session {sid[:4]}…: malformed packet ({error_name}"
    assert wait_for(lambda: needle in server.read_log(0.05), 2), f"no {needle!r} in the log"
    assert_session_gone(server, SOCKETIO_PATH, sid)


def test_socketio_million_attachments_claim_closes_session(sio, sio_bystander):
    ws, sid = open_socketio_ws(sio.port)
    rss = sio.rss_kib()
    ws.send_frame(OP_TEXT, b'451000000-["x",{"_placeholder":true,"num":0}]')
    assert_parse_error_close(sio, ws, sid, "tooManyAttachments")
    assert_survived(sio, sio_bystander, rss)


@pytest.mark.parametrize("num", ["1", "-1", "0.5", '"0"', "1e300", None],
                         ids=["past-end", "negative", "fraction", "string", "huge", "missing"])
def test_socketio_placeholder_outside_attachments_closes_session(sio, sio_bystander, num):
    ws, sid = open_socketio_ws(sio.port)
    rss = sio.rss_kib()
    placeholder = '{"_placeholder":true' + (f',"num":{num}' if num is not None else "") + "}"
    ws.send_frame(OP_TEXT, f'451-["echo",{placeholder}]'.encode())
    ws.send_frame(OP_BINARY, b"\x01")
    assert_parse_error_close(sio, ws, sid, "placeholderOutOfRange")
    assert_survived(sio, sio_bystander, rss)


@pytest.mark.parametrize("argument", [
    {"_placeholder": True, "num": 0},
    {"_placeholder": True, "num": 99},
    [{"_placeholder": True, "num": -1}, {"nested": {"_placeholder": True}}],
], ids=["num-0", "num-99", "nested"])
def test_socketio_placeholder_in_plain_event_is_plain_data(sio, sio_bystander, argument):
    """Only binary packets have placeholders: in a "2" event the object is echoed as sent."""
    ws, sid = open_socketio_ws(sio.port)
    ws.send_frame(OP_TEXT, ("42" + json.dumps(["echo", argument])).encode())
    frame = ws.read_frame(3)
    assert frame is not None and frame[1] == OP_TEXT and frame[2].startswith(b"42"), frame
    assert json.loads(frame[2][2:]) == ["echo", argument]
    ws.send_frame(OP_TEXT, b'42["echo","after"]')
    assert ws.read_frame(3)[2] == b'42["echo","after"]'
    ws.close()
    assert_survived(sio, sio_bystander)


def test_socketio_json_nested_100000_levels_closes_session(sio, sio_bystander):
    ws, sid = open_socketio_ws(sio.port)
    rss = sio.rss_kib()
    ws.send_raw(client_frame(OP_TEXT, b'42["echo",' + b"[" * 100_000 + b"]" * 100_000 + b"]"))
    assert_parse_error_close(sio, ws, sid, "invalidJSON(PushCore.JSONError.tooDeep")
    assert_survived(sio, sio_bystander, rss)


def test_socketio_numbers_out_of_double_range_echo_like_javascript(sio, sio_bystander):
    """JSON.parse makes 1e400 Infinity and 1e-400 0; JSON.stringify writes Infinity as null."""
    ws, sid = open_socketio_ws(sio.port)
    ws.send_frame(OP_TEXT, b'42["echo",1e400,-1e400,1e-400,{"n":123456789e999}]')
    frame = ws.read_frame(3)
    assert frame is not None and frame[1] == OP_TEXT, frame
    assert json.loads(frame[2][2:]) == ["echo", None, None, 0, {"n": None}], frame[2]
    ws.close()
    assert_survived(sio, sio_bystander)


@pytest.mark.parametrize("bad", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"],
                         ids=["0xff", "overlong", "utf8-surrogate", "above-10ffff", "truncated"])
def test_socketio_invalid_utf8_text_frame_closes_1007(sio, sio_bystander, bad):
    ws, sid = open_socketio_ws(sio.port)
    rss = sio.rss_kib()
    ws.send_frame(OP_TEXT, b'42["echo","' + bad + b'"]')
    frames, code, ended = read_until_closed(ws)
    ws.close()
    assert code == 1007 and frames == [] and ended, (code, frames, ended)
    assert_session_gone(sio, SOCKETIO_PATH, sid)
    assert_survived(sio, sio_bystander, rss)


@pytest.mark.parametrize("escaped", [r"\ud800", r"\udc00", r"\ud800x", r"\ud800\u0041", r"\udbff\ud800"])
def test_socketio_lone_surrogate_escape_closes_session(sio, sio_bystander, escaped):
    ws, sid = open_socketio_ws(sio.port)
    ws.send_frame(OP_TEXT, b'42["echo","' + escaped.encode() + b'"]')
    assert_parse_error_close(sio, ws, sid, "invalidJSON(PushCore.JSONError.invalidString")
    assert_survived(sio, sio_bystander)


# MARK: Upgrades and transports


@pytest.mark.parametrize("with_sid", [False, True], ids=["new-session", "existing-sid"])
def test_upgrade_naming_unknown_transport_gets_400_code_0(echo, bystander, with_sid):
    sid = f"&sid={bystander.client.sid}" if with_sid else ""
    ws = TunedWebSocket(echo.port, f"{ENGINE_PATH}?EIO=4&transport=carrier-pigeon{sid}")
    ws.close()
    assert ws.status == 400, (ws.status, ws.body)
    assert json.loads(ws.body) == {"code": 0, "message": "Transport unknown"}
    assert_survived(echo, bystander)


def second_websocket(port, sid):
    """A WebSocket upgrade for `sid`; ([frames], close code, ended) or the refusal status."""
    ws = TunedWebSocket(port, f"{ENGINE_PATH}?EIO=4&transport=websocket&sid={sid}")
    if ws.status != 101:
        ws.close()
        return ws.status
    try:
        ws.send_frame(OP_TEXT, b"2probe")
        ws.send_frame(OP_TEXT, b"4hijack")
    except OSError:
        pass  # already closed by the server: what is left to read still counts
    result = read_until_closed(ws)
    ws.close()
    return result


@pytest.mark.parametrize("origin", ["upgraded-from-polling", "websocket-from-the-start"])
def test_second_websocket_for_upgraded_session_is_closed(echo, bystander, origin):
    """One WebSocket per session: a second one is accepted and closed at once (close 1000,
    nothing of the session on it); the first keeps working."""
    if origin == "upgraded-from-polling":
        polling = PollingClient(echo.url, ENGINE_PATH)
        first = WebSocketClient(echo.url, ENGINE_PATH, sid=polling.sid)
        first.send("2probe")
        assert first.recv(3) == "3probe"
        first.send("5")
        sid = polling.sid
    else:
        first = WebSocketClient(echo.url, ENGINE_PATH)
        sid = first.sid
    first.send("4first")
    assert first.recv_messages(1) == ["first"]
    outcome = second_websocket(echo.port, sid)
    assert outcome != 101 and (isinstance(outcome, int) or (outcome[0] == [] and outcome[2])), outcome
    if not isinstance(outcome, int):
        assert outcome[1] in (1000, None), outcome
    first.send("4first again")
    assert first.recv_messages(1) == ["first again"], "the first WebSocket lost its session"
    first.close()
    assert_survived(echo, bystander)


def test_polling_requests_for_websocket_session_get_400(echo, bystander):
    """GET and POST on an HTTP transport for a WebSocket session: 400 (code 3); the session
    goes on over its WebSocket."""
    victim = WebSocketClient(echo.url, ENGINE_PATH)
    for transport in ("polling", "short-polling", "sse"):
        url = engine_url(echo.url, ENGINE_PATH, transport=transport, sid=victim.sid)
        if transport != "sse":
            assert_engine_error(requests.get(url, timeout=3), 3)
        assert_engine_error(requests.post(url, data=b"4injected", timeout=3), 3)
    victim.send("4mine")
    assert victim.recv_messages(1) == ["mine"], "the session saw the injected POST or was closed"
    victim.close()
    assert_survived(echo, bystander)


# MARK: Header floods


def test_two_hundred_headers_get_431(echo, bystander):
    rss = echo.rss_kib()
    lines = [f"GET {ENGINE_PATH}?EIO=4&transport=polling HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"X-Header-{n}: {n}" for n in range(200)]
    with http_raw.Conn(echo.port) as conn:
        conn.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = conn.read_response(timeout=3)
        assert response.status == 431, response
        assert conn.is_closed(2)
    assert_survived(echo, bystander, rss)


LONG_HEADER_HEAD = f"GET {ENGINE_PATH}?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ".encode()


def test_1mb_header_line_in_1kb_pieces_gets_431_within_17kb(echo, bystander):
    """1 KB pieces, no delay, of a header line that would be 1 MB: the sender stops at 17 KB
    and 431 must come (the 16 KiB limit is judged on the bytes received, no line end needed).
    Sending the rest of the megabyte then fails: the server closed the connection."""
    rss = echo.rss_kib()
    piece = b"a" * 1024
    pieces = [LONG_HEADER_HEAD, *repeat(piece, 17 * 1024 - len(LONG_HEADER_HEAD))]
    with http_raw.Conn(echo.port) as conn:
        result = pump(conn.sock, pieces)
        response = result.response()
        assert response is not None and response.status == 431, (result.received[:300], result.sent)
        assert MAX_HEADER_BYTES <= result.sent_before_answer <= 17 * 1024, result.sent_before_answer
        # A millisecond between pieces: a loopback socket's buffers hold the whole megabyte, so
        # sent at full speed it could all be taken before a busy server's close arrived.
        rest = pump(conn.sock, repeat(piece, 1024 * 1024 - result.sent), stop_on_answer=False, answer_timeout=0.5,
                    delay=0.001)
        assert rest.send_error is not None or rest.eof, "the rest of the megabyte was accepted"
        assert rest.sent < 1024 * 1024 - result.sent
    assert_survived(echo, bystander, rss)


def test_header_line_one_byte_at_a_time_gets_431(echo, bystander):
    """The same line one byte per send (TCP_NODELAY), capped at 20 KB: 431 once 16 KiB of the
    header block arrived, not before."""
    rss = echo.rss_kib()
    total = 20 * 1024
    with http_raw.Conn(echo.port) as conn:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = LONG_HEADER_HEAD + b"b" * (total - len(LONG_HEADER_HEAD))
        result = pump(conn.sock, (data[i:i + 1] for i in range(total)))
    response = result.response()
    assert response is not None and response.status == 431, (result.received[:300], result.sent)
    request_line = len(LONG_HEADER_HEAD.split(b"\r\n")[0]) + 2
    assert result.sent_before_answer >= request_line + MAX_HEADER_BYTES, result.sent_before_answer
    assert_survived(echo, bystander, rss)


@pytest.mark.parametrize("header", ["Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"])
def test_100kb_websocket_handshake_header_gets_431(echo, bystander, header):
    """A handshake whose one header is 100 KB: 431 whether the whole request is sent, or only
    its first 20 KB (the server decides at 16 KiB, without waiting for the rest)."""
    rss = echo.rss_kib()
    value = ",".join(f"p{n}" for n in range(25_000))[:100_000]
    request = (f"GET {ENGINE_PATH}?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Key: {base64.b64encode(b'0123456789abcdef').decode()}\r\n"
               f"{header}: {value}\r\n\r\n").encode()
    for sent in (len(request), 20 * 1024):
        with http_raw.Conn(echo.port) as conn:
            result = pump(conn.sock, [request[i:min(i + 4096, sent)] for i in range(0, sent, 4096)])
            response = result.response()
            assert response is not None and response.status == 431, (sent, result.received[:300], result.sent)
            assert result.eof or conn.is_closed(2), "the connection stayed open after 431"
    assert_survived(echo, bystander, rss)


# MARK: CR / LF injection


@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_breaks_in_sse_message_cannot_forge_events(echo, bystander, breaker):
    """A message whose text could end the SSE event and start a forged one travels as one
    `event: b64` event holding the exact text; no `data: evil` line ever reaches the stream."""
    victim = SSEClient(echo.url, ENGINE_PATH)
    text = f"hello{breaker}data: evil{breaker}{breaker}event: message{breaker}data: 4forged{breaker}{breaker}"
    victim.send("4" + text)
    event, data = victim.stream.next_event(3)
    assert event == "b64", (event, data)
    assert base64.b64decode(data).decode() == "4" + text
    victim.send("4after")
    assert victim.stream.next_event(3) == ("message", "4after")
    raw = bytes(victim.stream.raw)
    assert b"evil" not in raw and b"forged" not in raw, raw[-400:]
    victim.close()
    assert_survived(echo, bystander)


HEADER_INJECTIONS = {
    "origin-bare-cr": "Origin: https://a.example\rSet-Cookie: evil=1",
    "origin-obs-fold": "Origin: https://a.example\r\n Set-Cookie: evil=1",
    "origin-nul": "Origin: https://a.example\x00Set-Cookie: evil=1",
    "request-headers-bare-cr": "Access-Control-Request-Headers: x\rSet-Cookie: evil=1",
}


@pytest.mark.parametrize("name", HEADER_INJECTIONS)
def test_line_break_in_request_header_is_rejected_400(echo, bystander, name):
    """engine-echo echoes any Origin into Access-Control-Allow-Origin, so a CR that reached a
    header value could split the response; the parser refuses such values (400) instead."""
    method = "OPTIONS" if name.startswith("request-headers") else "GET"
    request = (f"{method} {ENGINE_PATH}?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"{HEADER_INJECTIONS[name]}\r\n\r\n").encode("latin-1")
    with http_raw.Conn(echo.port) as conn:
        conn.send(request)
        response = conn.read_response(timeout=3)
        assert response.status == 400, response
        assert b"evil" not in response.raw, response.raw
        assert conn.is_closed(2)
    assert_survived(echo, bystander)


INJECTED = "%0d%0aSet-Cookie:%20evil=1%0d%0aX-Evil:%201"
INJECTION_TARGETS = [
    f"{ENGINE_PATH}?EIO=4&transport=polling&t={INJECTED}",
    f"{ENGINE_PATH}?EIO=4&transport=polling{INJECTED}",
    f"{ENGINE_PATH}?EIO=4{INJECTED}&transport=polling",
    f"{ENGINE_PATH}?EIO=4&transport=polling&sid={INJECTED}",
    f"{ENGINE_PATH}?EIO=4&transport=websocket&sid={INJECTED}",
    f"{ENGINE_PATH}?EIO=4&transport=sse&x={INJECTED}",
    f"/{INJECTED}",
    f"/index.html?{INJECTED}",
    f"/health?{INJECTED}",
]


def test_encoded_line_breaks_in_query_never_reach_response_headers(echo, bystander):
    """%0d%0a in query values and paths, with an Origin echoed back: every response head is
    well-formed CRLF-separated `name: value` lines and carries nothing of the injected text."""
    heads = []
    for target in INJECTION_TARGETS:
        for method in ("GET", "OPTIONS"):
            with http_raw.Conn(echo.port) as conn:
                conn.send(f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://a.example\r\n"
                          "Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n")
                deadline = time.monotonic() + 3
                while b"\r\n\r\n" not in conn.buffer and time.monotonic() < deadline:
                    if conn.is_closed(0.05):
                        break
                raw = conn.buffer
            end = raw.find(b"\r\n\r\n")
            assert end > 0, (method, target, raw[:300])
            head = raw[:end]
            heads.append((method, target, head))
            lines = head.split(b"\r\n")
            assert lines[0].startswith(b"HTTP/1.1 "), (method, target, head)
            for line in lines[1:]:
                name, colon, value = line.partition(b":")
                assert colon and name and b" " not in name, (method, target, line)
                assert b"\r" not in line and b"\n" not in line, (method, target, line)
            lowered = head.lower()
            assert b"evil" not in lowered and b"set-cookie" not in lowered, (method, target, head)
    assert_survived(echo, bystander)


# MARK: Origins


@pytest.mark.parametrize("origin", ["https://evil.example", "https://good.example.evil.example",
                                    "http://good.example", "null"])
def test_cross_site_websocket_refused_403(start_server, origin):
    server = start_server("--app", "engine-echo", "--cors-origin", "https://good.example", *CALM)
    witness = Bystander(server)
    rss = server.rss_kib()
    refused = TunedWebSocket(server.port, f"{ENGINE_PATH}?EIO=4&transport=websocket",
                             extra_lines=[f"Origin: {origin}"])
    refused.close()
    assert refused.status == 403, (refused.status, refused.body)
    assert json.loads(refused.body) == {"code": 4, "message": "Forbidden"}
    # Upgrading an existing session from that origin is refused the same way.
    upgrade = TunedWebSocket(server.port, f"{ENGINE_PATH}?EIO=4&transport=websocket&sid={witness.client.sid}",
                             extra_lines=[f"Origin: {origin}"])
    upgrade.close()
    assert upgrade.status == 403, (upgrade.status, upgrade.body)
    allowed = TunedWebSocket(server.port, f"{ENGINE_PATH}?EIO=4&transport=websocket",
                             extra_lines=["Origin: https://good.example"])
    allowed.close()
    assert allowed.status == 101, (allowed.status, allowed.body)
    assert_survived(server, witness, rss)
    witness.close()
