"""Socket.IO v5 end to end with a third-party client (python-socketio's AsyncClient) against
pushd's test app (`--app test`), over long-polling, WebSocket, and polling upgraded to
WebSocket: auth and handshake, events with strings, objects and binary both ways,
acknowledgements both ways (with a server-side timeout), namespaces multiplexed on one
connection, middleware refusals, dynamic namespaces, and every disconnect reason the server
reports. Malformed and silent clients are raw Engine.IO WebSocket sessions."""
import asyncio
import time

import pytest
import socketio

from engine_client import Closed
from pushd_server import PushdServer
from sio_helpers import (
    MODE_IDS, SERVER_DISCONNECT, ClientPool, NothingReceived, RawSocketIO, eventually, logged_reasons, new_tag,
    RACE_SAFE_PING, run,
)

TIMEOUT = 30



@pytest.fixture(scope="module")
def app():
    server = PushdServer("--app", "test", *RACE_SAFE_PING)
    yield server
    server.stop()


@pytest.fixture(params=MODE_IDS)
def mode(request):
    return request.param


# MARK: Connecting


def test_connect_with_auth_query_and_headers(app, mode):
    async def body():
        auth = {"tag": new_tag(), "token": "abc", "nested": {"n": 1, "list": [True, None]}}
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, url=app.url + "/?color=blue&word=%C3%A9t%C3%A9",
                                        auth=auth, headers={"X-Probe": "hello"})
            assert client.sio.connected
            (info,) = await client.call("handshake")
            assert info["auth"] == auth
            assert info["id"] == client.sid
            assert info["nsp"] == "/"
            assert info["sessionID"] == client.sio.eio.sid
            assert info["id"] != info["sessionID"], "the socket id must differ from the engine session id"
            query = dict(info["query"])
            assert query.get("EIO") == "4", query
            assert query.get("color") == "blue", query
            assert query.get("word") == "été", query
            assert query.get("transport") == ("websocket" if mode == "websocket" else "polling"), query
            headers = {name.lower(): value for name, value in info["headers"]}
            assert headers.get("x-probe") == "hello", headers
            assert info["address"].startswith("127.0.0.1"), info["address"]
            assert info["transport"] == client.sio.transport()
            assert info["rooms"] == [client.sid], "a socket starts in the room named by its id only"
            assert isinstance(info["issuedAt"], (int, float)) and abs(info["issuedAt"] / 1000 - time.time()) < 60
    run(body(), TIMEOUT)


def test_connect_without_auth_gets_empty_object(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode)
            (info,) = await client.call("handshake")
            assert info["auth"] == {}
    run(body(), TIMEOUT)


# MARK: Events


TEXTS = ["plain", "héllo € 😀 \u2028 \"quoted\" \\ back", "", "line\nbreak"]
OBJECTS = [{"a": [1, 2.5, -3, None, True, False], "nested": {"s": "x", "empty": {}, "list": []}},
           [1, "two", [3, [4]]], 42, 0.125, None, True]


def test_events_with_strings_and_objects_both_ways(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode)
            await client.emit("echo", *TEXTS)
            await client.emit("echo", *OBJECTS)
            await client.emit("echo")
            got = await client.wait_for("echo", count=3)
            assert got[0] == tuple(TEXTS)
            assert got[1] == tuple(OBJECTS)
            assert got[2] == ()
            await asyncio.sleep(0.1)
            assert len(client.received("echo")) == 3, "each emit is echoed exactly once"
    run(body(), TIMEOUT)


def test_events_with_binary_both_ways(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode)
            blob = bytes(range(256)) * 256  # 64 KiB
            args = (b"\x00\x01\xff", "text between", {"blob": blob, "list": [b"a", b"", {"deep": b"\x7f"}]}, b"last")
            await client.emit("echo", *args)
            (got,) = await client.wait_for("echo")
            assert got == args
            assert isinstance(got[0], bytes) and isinstance(got[2]["blob"], bytes)
            assert isinstance(got[2]["list"][1], bytes), "an empty attachment stays binary"
            # binary only, no text argument
            await client.emit("echo", b"\x10\x20")
            got = await client.wait_for("echo", count=2)
            assert got[1] == (b"\x10\x20",)
    run(body(), TIMEOUT)


# MARK: Acknowledgements


def test_client_acks_from_server(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode)
            assert await client.call("echo", "a", {"b": [1, None]}) == ["a", {"b": [1, None]}]
            assert await client.call("echo") == []
            assert await client.call("echo", b"\x01\x02", "x") == [b"\x01\x02", "x"], "binary in the ack (BINARY_ACK)"
            assert await client.sio.call("echo", "single", timeout=5) == "single"
            assert await client.call("rooms") == [[client.sid]]
            # many acks outstanding at once come back to their own callbacks (12: python-engineio
            # refuses a polling response of more than 16 packets, and they may all come in one)
            answers = await asyncio.gather(*[client.call("echo", index, f"n{index}") for index in range(12)])
            assert answers == [[index, f"n{index}"] for index in range(12)]
            assert client.received("echo") == [], "an event sent with an ack is answered by the ack only"
    run(body(), TIMEOUT)


def test_server_asks_client_and_gets_the_answer(app, mode):
    async def answer(*args):
        return "yes", list(args), b"\x07\x08"

    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, answer=answer)
            await client.call("ask-client", 3000, "q", {"n": 1}, b"\x05")
            (question,) = await client.wait_for("question")
            assert question == ("q", {"n": 1}, b"\x05")
            (result,) = await client.wait_for("answer-result")
            assert result == ({"status": "ok", "args": ["yes", ["q", {"n": 1}, b"\x05"], b"\x07\x08"]},)
    run(body(), TIMEOUT)


def test_server_ack_times_out_when_client_does_not_answer_in_time(app, mode):
    async def slow(*args):
        await asyncio.sleep(1.0)
        return "late"

    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, answer=slow)
            started = time.monotonic()
            await client.call("ask-client", 300, "slow?")
            (result,) = await client.wait_for("answer-result", timeout=3)
            elapsed = time.monotonic() - started
            assert result == ({"status": "timeout"},)
            assert 0.25 <= elapsed < 0.95, f"timeout reported after {elapsed:.3f}s for a 300 ms ack timeout"
            # the late answer arrives at ~1 s and must be ignored, and the session lives on
            await asyncio.sleep(1.2)
            assert len(client.received("answer-result")) == 1, client.received("answer-result")
            assert await client.call("echo", "still here") == ["still here"]
    run(body(), TIMEOUT)


# MARK: Namespaces


def test_two_namespaces_multiplexed_on_one_connection(app, mode):
    async def body():
        tag = new_tag()
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, namespaces=["/", "/custom"], auth={"tag": tag})
            root_sid, custom_sid = client.sio.get_sid("/"), client.sio.get_sid("/custom")
            assert root_sid and custom_sid and root_sid != custom_sid
            (root,) = await client.call("handshake")
            (custom,) = await client.call("handshake", namespace="/custom")
            assert (root["nsp"], root["id"]) == ("/", root_sid)
            assert (custom["nsp"], custom["id"]) == ("/custom", custom_sid)
            assert root["sessionID"] == custom["sessionID"] == client.sio.eio.sid, "one engine session for both"
            assert await client.call("echo", "to root") == ["to root"]
            assert await client.call("echo", "to custom", namespace="/custom") == ["to custom"]
            await client.emit("echo", "custom event", b"\x01", namespace="/custom")
            assert await client.wait_for("echo", namespace="/custom") == [("custom event", b"\x01")]
            assert client.received("echo", "/") == []

            # the server ends /custom only: "/" goes on over the same connection
            await client.call("disconnect-me", namespace="/custom")
            assert await client.wait_disconnected("/custom") == SERVER_DISCONNECT
            assert await client.call("echo", "root still") == ["root still"]
            assert client.sio.get_sid("/") == root_sid
            entries = await client.reasons(tag)
            assert [(e["nsp"], e["reason"]) for e in entries] == [("/custom", "server namespace disconnect")]
            assert entries[0]["id"] == custom_sid
    run(body(), TIMEOUT)


def test_middleware_refuses_without_the_token(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            allowed = await pool.connect(mode, namespaces=["/private"], auth={"token": "secret"})
            # Who is in the namespace first: the app is shared by this file's tests, and another
            # mode's socket may still be on its way out (a client gone without its close).
            (before,) = await allowed.call("fetch", namespace="/private")
            for auth in ({"token": "wrong"}, None):
                refused = pool.client(namespaces=["/private"])
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await refused.connect(app.url, mode, auth=auth)
                assert refused.connect_errors == [("/private", {"message": "unauthorized", "data": {"code": 401}})]
                assert not refused.sio.connected

            (info,) = await allowed.call("handshake", namespace="/private")
            assert info["nsp"] == "/private"
            assert info["data"] == {"user": "trusted"}, "what the middleware stored is kept with the socket"
            (after,) = await allowed.call("fetch", namespace="/private")
            assert allowed.sio.get_sid("/private") in after["ids"]
            assert set(after["ids"]) <= set(before["ids"]), "refused sockets must not stay in the namespace"
    run(body(), TIMEOUT)


def test_deferred_middleware_answers_from_another_thread(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            refused = pool.client(namespaces=["/async-private"])
            with pytest.raises(socketio.exceptions.ConnectionError):
                await refused.connect(app.url, mode, auth={"token": "nope"})
            assert refused.connect_errors == [
                ("/async-private", {"message": "unauthorized", "data": {"code": 401, "deferred": True}})]
            allowed = await pool.connect(mode, namespaces=["/async-private"], auth={"token": "secret"})
            assert await allowed.call("echo", "in", namespace="/async-private") == ["in"]
    run(body(), TIMEOUT)


def test_dynamic_namespaces(app, mode):
    async def body():
        name = "/dyn-" + new_tag()
        async with ClientPool(app.url) as pool:
            first = await pool.connect(mode, namespaces=[name])
            assert await first.wait_for("welcome", namespace=name) == [({"nsp": name},)]
            assert await first.call("echo", "dyn", b"\x09", namespace=name) == ["dyn", b"\x09"]
            second = await pool.connect(mode, namespaces=[name])
            root = await pool.connect(mode)
            await first.call("broadcast-except-me", "hello-dyn", 7, namespace=name)
            assert await second.wait_for("hello-dyn", namespace=name) == [(7,)]
            (fetched,) = await second.call("fetch", namespace=name)
            assert fetched["ids"] == sorted([first.sio.get_sid(name), second.sio.get_sid(name)]), \
                "both clients share the one namespace made for the name"
            await asyncio.sleep(0.1)
            assert first.received("hello-dyn", name) == [] and root.received("hello-dyn") == []

            unknown = pool.client(namespaces=["/nope-" + new_tag()])
            with pytest.raises(socketio.exceptions.ConnectionError):
                await unknown.connect(app.url, mode)
            assert unknown.connect_errors == [(unknown.namespaces[0], {"message": "Invalid namespace"})]
    run(body(), TIMEOUT)


# MARK: Disconnect reasons


def test_reason_client_namespace_disconnect(app, mode):
    """The client sends DISCONNECT for "/" and keeps its engine session open until the server
    logged it. (python-socketio's `disconnect()` queues the DISCONNECT but closes a WebSocket
    before writing it, so over WebSocket the server would only see the transport close.)"""
    async def body():
        tag = new_tag()
        async with ClientPool(app.url) as pool:
            observer = await pool.connect("websocket")
            client = await pool.connect(mode, auth={"tag": tag})
            sid = client.sid
            await client.sio._send_packet(socketio.packet.Packet(socketio.packet.DISCONNECT, namespace="/"))
            entries = await observer.reasons(tag)
            assert [(e["id"], e["nsp"], e["reason"]) for e in entries] == [(sid, "/", "client namespace disconnect")]
            assert client.sio.eio.state == "connected", "leaving the last namespace does not close the engine session"
            await client.sio.disconnect()
            await asyncio.sleep(0.1)
            assert len(await observer.reasons(tag)) == 1, "the socket was already gone: nothing more to log"
    run(body(), TIMEOUT)


def test_python_socketio_disconnect_over_polling_says_client_namespace_disconnect(app):
    """Over polling, python-socketio's own `disconnect()` delivers DISCONNECT then the
    Engine.IO close in one POST: the DISCONNECT counts."""
    async def body():
        tag = new_tag()
        async with ClientPool(app.url) as pool:
            observer = await pool.connect("websocket")
            client = await pool.connect("polling", auth={"tag": tag})
            sid = client.sid
            # python-engineio's write loop, still waiting for the CONNECT's POST to be answered
            # when disconnect() starts, would end without sending DISCONNECT and close.
            await client.sio.eio.queue.join()
            await client.sio.disconnect()
            entries = await observer.reasons(tag)
            assert [(e["id"], e["reason"]) for e in entries] == [(sid, "client namespace disconnect")]
    run(body(), TIMEOUT)


def test_reason_server_namespace_disconnect(app, mode):
    async def body():
        tag = new_tag()
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, auth={"tag": tag})
            sid = client.sid
            await client.call("disconnect-me")
            assert await client.wait_disconnected("/") == SERVER_DISCONNECT
            await eventually(lambda: not client.sio.connected, what="client disconnected")
            observer = await pool.connect("websocket")
            entries = await observer.reasons(tag)
            assert [(e["id"], e["reason"]) for e in entries] == [(sid, "server namespace disconnect")]
    run(body(), TIMEOUT)


def test_server_disconnect_closing_the_transport_ends_every_namespace(app, mode):
    async def body():
        tag = new_tag()
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, namespaces=["/", "/custom"], auth={"tag": tag})
            sids = {"/": client.sio.get_sid("/"), "/custom": client.sio.get_sid("/custom")}
            await client.emit("disconnect-me-hard")
            await client.wait_disconnected("/")
            await client.wait_disconnected("/custom")
            await eventually(lambda: client.sio.eio.state != "connected", what="engine session closed")
            observer = await pool.connect("websocket")
            entries = await observer.reasons(tag, count=2)
            assert sorted((e["nsp"], e["id"], e["reason"]) for e in entries) == [
                ("/", sids["/"], "server namespace disconnect"),
                ("/custom", sids["/custom"], "server namespace disconnect"),
            ]
    run(body(), TIMEOUT)


def test_server_disconnect_closing_the_transport_says_disconnect_first(app):
    """Like socket.io's `disconnect(true)`: a DISCONNECT for each namespace, then the engine
    closes. A client that sees only the transport close takes it for a network failure and
    reconnects (socket.io-client does)."""
    with RawSocketIO(app.url) as raw:
        raw.connect()
        raw.connect("/custom")
        raw.send('2["disconnect-me-hard"]')
        packets, _ = raw.wait_closed(3)
        assert "1" in packets and "1/custom," in packets, (
            f"expected DISCONNECT packets '41' and '41/custom,' before the session closed; got {packets!r}")


def test_reason_transport_close_when_the_client_drops_the_connection(app):
    tag = new_tag()
    raw = RawSocketIO(app.url)
    sid = raw.connect(auth={"tag": tag})
    raw.close()  # no DISCONNECT, no Engine.IO close: the TCP connection just ends
    entries = logged_reasons(app.url, tag)
    assert [(e["id"], e["reason"]) for e in entries] == [(sid, "transport close")]


def test_reason_transport_close_when_a_polling_client_closes_the_engine(app):
    tag = new_tag()
    with RawSocketIO(app.url, transport="polling") as raw:
        raw.send(f'0{{"tag":"{tag}"}}')
        answer = raw.recv()
        assert answer.startswith('0{"sid":'), answer
        raw.send_engine("1")  # Engine.IO close, without a Socket.IO DISCONNECT first
    entries = logged_reasons(app.url, tag)
    assert [e["reason"] for e in entries] == ["transport close"]


def test_reason_parse_error_on_a_malformed_packet(app):
    tag = new_tag()
    with RawSocketIO(app.url) as raw:
        sid = raw.connect(auth={"tag": tag})
        raw.send("/x")  # Engine.IO "4/x": no Socket.IO packet type
        raw.wait_closed(3)
    entries = logged_reasons(app.url, tag)
    assert [(e["id"], e["reason"]) for e in entries] == [(sid, "parse error")]


@pytest.mark.parametrize("packet", ['2{"not":"an array"}', "2[]", "2[1]", "9", '3["no ack id"]',
                                    '2abc["x"]', '5-["x"]', '2["echo"', '2["disconnect"]'])
def test_malformed_packets_close_the_session(app, packet):
    with RawSocketIO(app.url) as raw:
        raw.connect()
        raw.send(packet)
        raw.wait_closed(3)


def test_reason_ping_timeout(start_server):
    server = start_server("--app", "test", "--ping-interval", "200ms", "--ping-timeout", "200ms")
    tag = new_tag()
    with RawSocketIO(server.url, answer_pings=False) as raw:
        assert raw.handshake["pingInterval"] == 200 and raw.handshake["pingTimeout"] == 200
        sid = raw.connect(auth={"tag": tag})
        _, waited = raw.wait_closed(3)
        assert raw.pings >= 1, "the server never pinged"
        assert waited < 1.5, f"session closed {waited:.2f}s after connecting (ping every 200 ms, 200 ms to answer)"
    entries = logged_reasons(server.url, tag)
    assert [(e["id"], e["reason"]) for e in entries] == [(sid, "ping timeout")]


def test_client_answering_pings_outlives_the_ping_timeout(start_server, mode):
    server = start_server("--app", "test", "--ping-interval", "200ms", "--ping-timeout", "200ms")

    async def body():
        async with ClientPool(server.url) as pool:
            client = await pool.connect(mode)
            await asyncio.sleep(1.2)
            assert client.sio.connected and client.disconnects == []
            assert await client.call("echo", "alive") == ["alive"]
    run(body(), TIMEOUT)


def test_acks_pending_at_disconnect_are_abandoned(app):
    """The server asks, the client leaves before answering: the ack fails as "disconnected"."""
    tag = new_tag()
    with RawSocketIO(app.url) as raw:
        raw.connect(auth={"tag": tag})
        raw.send('2["ask-client",5000,"will you?"]')
        question = raw.recv()
        assert question.startswith("2") and '["question","will you?"]' in question, question
        raw.send("1")
    entries = logged_reasons(app.url, tag, count=2)
    kinds = sorted((e["kind"], e.get("reason") or e.get("result")) for e in entries)
    assert kinds == [("ack", "disconnected"), ("disconnect", "client namespace disconnect")]


def test_events_for_a_namespace_not_joined_are_not_delivered(app):
    with RawSocketIO(app.url) as raw:
        raw.connect()
        raw.send('2/custom,["echo","lost"]', '2["echo","kept"]')
        assert raw.recv() == '2["echo","kept"]'
        try:
            extra = raw.recv(0.3)
        except NothingReceived:
            extra = None
        except Closed:
            extra = "closed"
        assert extra in (None, "closed"), f"an event for /custom (not joined) was answered: {extra!r}"
