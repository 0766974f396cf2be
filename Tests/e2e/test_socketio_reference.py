"""pushd's `--app socketio-reference` against what the public Socket.IO v5 protocol test
suite checks (its server emits "auth" with the CONNECT payload, echoes "message" as
"message-back", acknowledges "message-with-ack" with its arguments, and has a "/custom"
namespace; ping every 300 ms, 200 ms to answer, 1 s to join a namespace), packet by packet over
raw Engine.IO sessions, then with python-socketio's AsyncClient over each transport mode."""
import json
import time

import pytest
import requests

from engine_client import RS, WebSocketClient, decode_payload, engine_url
from pushd_server import PushdServer
from sio_helpers import MODE_IDS, PATH, ClientPool, NothingReceived, RawSocketIO, run

TIMEOUT = 15
PLACEHOLDERS = '{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}'


@pytest.fixture(scope="module")
def ref():
    server = PushdServer("--app", "socketio-reference")
    yield server
    server.stop()


def sid_of(packet, prefix):
    assert packet.startswith(prefix + "{"), f"expected {prefix}{{\"sid\":...}}, got {packet!r}"
    body = json.loads(packet[len(prefix):])
    assert set(body) == {"sid"} and isinstance(body["sid"], str) and body["sid"], packet
    return body["sid"]


def connected(ref):
    """A raw WebSocket session joined to "/" (its CONNECT answer and "auth" event read)."""
    raw = RawSocketIO(ref.url)
    raw.send("0")
    sid_of(raw.recv(), "0")
    assert raw.recv() == '2["auth",{}]'
    return raw


# MARK: Engine.IO handshake as the suite expects it


def test_open_packet_over_polling_and_websocket(ref):
    response = requests.get(engine_url(ref.url, PATH, transport="polling"), timeout=5)
    assert response.status_code == 200
    (open_packet,) = decode_payload(response.content)
    handshake = json.loads(open_packet[1:])
    assert open_packet[0] == "0"
    assert set(handshake) == {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
    assert handshake["upgrades"] == ["websocket"]
    assert (handshake["pingInterval"], handshake["pingTimeout"], handshake["maxPayload"]) == (300, 200, 1000000)
    with WebSocketClient(ref.url, PATH) as ws:
        assert set(ws.handshake) == {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
        assert ws.handshake["upgrades"] == []
        assert (ws.handshake["pingInterval"], ws.handshake["pingTimeout"]) == (300, 200)


# MARK: connect


def test_connect_main_namespace(ref):
    with RawSocketIO(ref.url) as raw:
        raw.send("0")
        sid = sid_of(raw.recv(), "0")
        assert sid != raw.engine.sid, "the socket id is not the engine session id"
        assert raw.recv() == '2["auth",{}]'


def test_connect_main_namespace_with_payload(ref):
    with RawSocketIO(ref.url) as raw:
        raw.send('0{"token":"123"}')
        sid_of(raw.recv(), "0")
        assert raw.recv() == '2["auth",{"token":"123"}]'


@pytest.mark.parametrize("connect", ["0/custom,", "0/custom"])
def test_connect_custom_namespace(ref, connect):
    with RawSocketIO(ref.url) as raw:
        raw.send(connect)
        sid_of(raw.recv(), "0/custom,")
        assert raw.recv() == '2/custom,["auth",{}]'


def test_connect_custom_namespace_with_payload(ref):
    with RawSocketIO(ref.url) as raw:
        raw.send('0/custom,{"token":"abc"}')
        sid_of(raw.recv(), "0/custom,")
        assert raw.recv() == '2/custom,["auth",{"token":"abc"}]'


def test_connect_unknown_namespace_gets_connect_error(ref):
    with RawSocketIO(ref.url) as raw:
        raw.send("0/random")
        assert raw.recv() == '4/random,{"message":"Invalid namespace"}'
        # the session stays usable for a namespace that exists
        raw.send("0")
        sid_of(raw.recv(), "0")


def test_invalid_handshake_closes_the_connection(ref):
    with RawSocketIO(ref.url) as raw:
        raw.send("abc")
        raw.wait_closed(2)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_session_without_connect_closes_after_the_connect_timeout(ref, transport):
    with RawSocketIO(ref.url, transport=transport) as raw:
        opened = raw.engine.opened_at
        raw.wait_closed(4)  # pings are answered meanwhile, so only the connect timeout can end it
        lifetime = time.monotonic() - opened
        assert 0.8 <= lifetime <= 2.0, f"closed {lifetime:.2f}s after the handshake (connect timeout 1 s)"


def test_first_packet_other_than_connect_closes_the_connection(start_server):
    """The protocol: without a CONNECT first, the server closes the connection at once (with a
    long connect timeout here, so only that rule can close it)."""
    server = start_server("--app", "socketio-reference", "--connect-timeout", "10s")
    with RawSocketIO(server.url) as raw:
        raw.send('2["message","before connecting"]')
        packets, waited = raw.wait_closed(3)
        assert packets == [] and waited < 1.0, (packets, waited)


# MARK: disconnect


def test_disconnect_from_main_namespace_keeps_the_engine_session(ref):
    raw = connected(ref)
    with raw:
        raw.send("1")
        pings = raw.pings
        deadline = time.monotonic() + 0.8
        while raw.pings == pings:
            assert time.monotonic() < deadline, "no ping after the DISCONNECT: session closed?"
            try:
                packet = raw.recv(max(0.01, deadline - time.monotonic()))
            except NothingReceived:
                continue
            raise AssertionError(f"unexpected packet after DISCONNECT: {packet!r}")
        raw.send("0")
        sid_of(raw.recv(), "0")
        assert raw.recv() == '2["auth",{}]'


def test_connect_then_disconnect_custom_namespace(ref):
    raw = connected(ref)
    with raw:
        raw.send("0/custom")
        sid_of(raw.recv(), "0/custom,")
        assert raw.recv() == '2/custom,["auth",{}]'
        raw.send("1/custom", '2["message","message to main namespace"]')
        assert raw.recv() == '2["message-back","message to main namespace"]'


# MARK: message


def test_plain_text_message(ref):
    with connected(ref) as raw:
        raw.send('2["message",1,"2",{"3":[true]}]')
        assert raw.recv() == '2["message-back",1,"2",{"3":[true]}]'


def test_message_with_binary_attachments(ref):
    with connected(ref) as raw:
        raw.send(f'52-["message",{PLACEHOLDERS}]', bytes([1, 2, 3]), bytes([4, 5, 6]))
        assert raw.recv_many(3) == [f'52-["message-back",{PLACEHOLDERS}]', bytes([1, 2, 3]), bytes([4, 5, 6])]


def test_plain_text_message_with_ack(ref):
    with connected(ref) as raw:
        raw.send('2456["message-with-ack",1,"2",{"3":[false]}]')
        assert raw.recv() == '3456[1,"2",{"3":[false]}]'


def test_binary_message_with_ack(ref):
    with connected(ref) as raw:
        raw.send(f'52-789["message-with-ack",{PLACEHOLDERS}]', bytes([1, 2, 3]), bytes([4, 5, 6]))
        assert raw.recv_many(3) == [f'62-789[{PLACEHOLDERS}]', bytes([1, 2, 3]), bytes([4, 5, 6])]


@pytest.mark.parametrize("packet", ["abc", "2{}", '2abc["message-with-ack",1,"2",{"3":[false]}]'],
                         ids=["unknown-type", "payload-not-array", "invalid-ack-id"])
def test_invalid_format_closes_the_connection(ref, packet):
    with connected(ref) as raw:
        raw.send(packet)
        raw.wait_closed(2)


# MARK: the spec's sample session, over HTTP long-polling then WebSocket


def test_sample_session_polling_then_upgrade(ref):
    with RawSocketIO(ref.url, transport="polling") as raw:
        raw.send("0")
        sid_of(raw.recv(), "0")
        assert raw.recv() == '2["auth",{}]'
        # two events in one POST
        response = raw.engine.post(body=f'42["message","hey"]{RS}42["message","Jude"]'.encode())
        assert response.status_code == 200 and response.text == "ok"
        assert raw.recv_many(2) == ['2["message-back","hey"]', '2["message-back","Jude"]']

        ws = WebSocketClient(ref.url, PATH, sid=raw.engine.sid)
        try:
            ws.send("2probe")
            assert ws.recv() == "3probe"
            ws.send("5")
            ws.send("40/custom,")
            sid_of(ws.recv_messages(1)[0], "0/custom,")
            assert ws.recv_messages(1) == ['2/custom,["auth",{}]']
            ws.send('42["message","over websocket"]')
            assert ws.recv_messages(1) == ['2["message-back","over websocket"]']
            ws.send(f'452-1["message-with-ack",{PLACEHOLDERS}]', b"\x01", b"\x02")
            assert ws.recv_messages(3) == [f'62-1[{PLACEHOLDERS}]', b"\x01", b"\x02"]
        finally:
            ws.close()


# MARK: the same server through python-socketio


@pytest.mark.parametrize("mode", MODE_IDS)
def test_python_socketio_client(ref, mode):
    async def body():
        async with ClientPool(ref.url) as pool:
            client = await pool.connect(mode, namespaces=["/", "/custom"], auth={"token": "123"})
            assert await client.wait_for("auth") == [({"token": "123"},)]
            assert await client.wait_for("auth", namespace="/custom") == [({"token": "123"},)]
            await client.emit("message", 1, "2", {"3": [True]}, b"\x00\xff")
            assert await client.wait_for("message-back") == [(1, "2", {"3": [True]}, b"\x00\xff")]
            assert await client.call("message-with-ack", "a", {"b": None}, b"\x01") == ["a", {"b": None}, b"\x01"]
            assert await client.call("message-with-ack") == []
            # "/custom" has no such handlers: its events go unanswered
            await client.emit("message", "nobody listens", namespace="/custom")
            assert await client.call("message-with-ack", "x") == ["x"]
            assert client.received("message-back", "/custom") == []
    run(body(), TIMEOUT)
