"""Backend hooks end to end: pushd's test app with the connect and event hooks pointing at a
real aiohttp backend (hook_backend.py, its own process, checking every request's signature),
python-socketio clients and raw Socket.IO sessions. Admissions and every kind of refusal, a
slow backend that holds up nobody else, acknowledgements, emits and joins from the backend,
per-socket order, parallelism across sockets, queue overflow, error acknowledgements, and
garbage answers that neither crash pushd nor grow its heap."""
import asyncio
import json
import time
import urllib.request

import pytest

from hook_backend import HookBackend
from pushd_server import PushdServer
from redis_server import refusing_port
from sio_helpers import ClientPool, RawSocketIO, encode, eventually, run

TIMEOUT = 30
UNAVAILABLE = {"message": "auth backend unavailable"}


@pytest.fixture(scope="module")
def backend():
    instance = HookBackend()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def app(backend):
    server = PushdServer("--app", "test", *backend.flags(), "--hook-timeout", "1s", "--hook-socket-queue", "1024")
    yield server
    server.stop()


def health(server):
    with urllib.request.urlopen(server.url + "/health", timeout=10) as response:
        return json.loads(response.read())


def connect_answer(server, auth, namespace="/"):
    """CONNECT over a raw session; the server's answer as (packet type, payload)."""
    with RawSocketIO(server.url) as raw:
        raw.send(encode(0, auth, namespace))
        answer = raw.recv(timeout=10)
    prefix = "" if namespace == "/" else f"{namespace},"
    kind, rest = answer[0], answer[1:]
    assert rest.startswith(prefix), answer
    return kind, json.loads(rest[len(prefix):])


def test_connect_hook_admits_with_data_rooms_and_user(app, backend):
    async def scenario():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket", auth={"mode": "allow", "token": "t"},
                                        headers={"X-Forwarded-For": "10.1.2.3", "X-Secret": "not passed"})
            (info,) = await client.call("handshake")
            assert info["data"]["role"] == "member"
            assert info["data"]["user"] == "hook-user", "the hook's user applies when no token was presented"
            assert set(info["rooms"]) >= {"hook-room-1", "hook-room-2"}
            seen = info["data"]["seen"]
            assert seen["namespace"] == "/" and seen["socketId"] == client.sid and seen["sid"] == info["sessionID"]
            assert seen["auth"] == {"mode": "allow", "token": "t"}
            assert seen["query"]["EIO"] == "4" and seen["transport"] == "websocket"
            assert seen["address"] == "127.0.0.1" and seen["user"] is None
            assert seen["headers"]["x-forwarded-for"] == "10.1.2.3" and "x-secret" not in seen["headers"]
    run(scenario(), TIMEOUT)
    assert backend.state()["bad_signatures"] == 0


def test_rooms_from_the_hook_are_joined_before_the_connect_reply(app):
    with RawSocketIO(app.url) as listener, RawSocketIO(app.url) as sender:
        listener.connect(auth={"mode": "allow"})
        # The very first packet after CONNECT: a broadcast to a hook room already reaches it.
        sender.connect(auth={"mode": "allow"})
        sender.call("to-room", "hook-room-2", "hello", {"from": "sender"})
        packet = listener.recv(timeout=5)
        assert packet.startswith("2[\"hello\""), packet


def test_connect_hook_refusal_carries_message_and_data(app):
    assert connect_answer(app, {"mode": "refuse"}) == ("4", {"message": "banned", "data": {"code": 403}})
    assert connect_answer(app, {"mode": "refuse"}, namespace="/custom") == ("4", {"message": "banned", "data": {"code": 403}})


@pytest.mark.parametrize("mode", ["slow", "status500", "malformed", "huge", "array", "wrongtype", "garbage", "close"])
def test_every_backend_failure_refuses_with_unavailable(app, mode):
    started = time.monotonic()
    assert connect_answer(app, {"mode": mode, "delay": 3}) == ("4", UNAVAILABLE)
    if mode == "slow":
        assert time.monotonic() - started < 2.5, "the hook timeout (1 s) decides, not the backend"


def test_failures_are_logged_with_their_reason(app):
    log = app.read_log(wait=0.2)
    for reason in ["timeout", "backend answered 500", "malformed answer", "response too large",
                   "malformed response", "connection closed before the response was complete"]:
        assert reason in log, reason


def test_unreachable_backend_refuses_with_unavailable(start_server):
    with refusing_port() as port:
        server = start_server("--app", "test", "--hook-secret", "e2e-hook-secret-0123456789",
                              "--connect-hook", f"http://127.0.0.1:{port}/connect")
        assert connect_answer(server, {"mode": "allow"}) == ("4", UNAVAILABLE)
        assert "connection refused" in server.read_log(wait=0.2)


def test_a_slow_backend_does_not_slow_other_sockets_or_namespaces(app):
    async def scenario():
        async with ClientPool(app.url) as pool:
            slow = pool.client(namespaces=("/custom",))
            slow_connect = asyncio.create_task(slow.connect(app.url, "websocket", auth={"mode": "slow", "delay": 0.8}))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            fast = await asyncio.gather(*[pool.connect("websocket", auth={"mode": "allow"}) for _ in range(10)])
            assert time.monotonic() - started < 0.6, "fast sockets waited for the slow one"
            assert not slow_connect.done()
            # The same client's other namespace is not held either.
            both = pool.client(namespaces=("/", "/custom"))
            await both.connect(app.url, "websocket", auth={"mode": "allow"})
            await slow_connect
            assert len(fast) == 10
    run(scenario(), TIMEOUT)


def test_event_hook_ack_emits_and_joins(app, backend):
    async def scenario():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket", auth={"mode": "allow"})
            assert await client.call("echo", {"a": 1}, "two", 3) == [{"a": 1}, "two", 3]
            done, rooms, user = await client.call("act", "x")
            assert done == "done" and user == "hook-user" and set(rooms) == {"hook-room-1", "hook-room-2"}
            (pushed,) = await client.wait_for("pushed")
            assert pushed == ({"n": 1}, b"hi")
            (now_in,) = await client.call("rooms")
            assert "joined-by-hook" in now_in
            # Binary both ways.
            assert await client.call("binary", b"\x00\x01raw", {"nested": b"\xff"}) == [b"\x00\x01raw", {"nested": b"\xff"}]
    run(scenario(), TIMEOUT)
    body = backend.state()["event_bodies"][-1]
    assert body["event"] == "act" and body["args"] == ["x"] and body["ack"] is True and body["namespace"] == "/"
    assert body["data"]["role"] == "member"


def test_error_acknowledgements(app):
    async def scenario():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket", auth={"mode": "allow"})
            assert await client.call("status500") == [{"error": "backend error"}]
            assert await client.call("malformed") == [{"error": "backend error"}]
            assert await client.call("slow", 3, timeout=5) == [{"error": "backend unavailable"}]
            assert await client.call("echo", "still fine") == ["still fine"]
    run(scenario(), TIMEOUT)


def test_leave_and_disconnect_from_the_answer(app):
    async def scenario():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket", auth={"mode": "allow"})
            assert await client.call("leave", "hook-room-1") == []
            await client.wait_disconnected()
    run(scenario(), TIMEOUT)


def test_one_thousand_events_from_one_socket_arrive_in_order(app, backend):
    async def scenario():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket", auth={"mode": "allow"})
            acks = []
            finished = asyncio.get_running_loop().create_future()

            def answered(value):
                acks.append(value)
                if len(acks) == 1000 and not finished.done():
                    finished.set_result(True)
            for n in range(1000):
                await client.sio.emit("seq", (n,), callback=answered)
            await asyncio.wait_for(finished, 20)
            assert acks == list(range(1000))
            return client.sid
    sid = run(scenario(), TIMEOUT)
    assert backend.state()["seq"][sid] == list(range(1000))


def test_sockets_proceed_in_parallel(app, backend):
    async def scenario():
        async with ClientPool(app.url) as pool:
            clients = await asyncio.gather(*[pool.connect("websocket", auth={"mode": "allow"}) for _ in range(20)])
            started = time.monotonic()
            answers = await asyncio.gather(*[client.call("slow", 0.5) for client in clients])
            assert answers == [["slow done"]] * 20
            assert time.monotonic() - started < 2.5, "20 half-second calls ran one after another"
    run(scenario(), TIMEOUT)
    assert backend.state()["peak"] >= 10


def test_a_full_socket_queue_answers_errors_at_once(start_server, backend):
    server = start_server("--app", "test", *backend.flags(connect=False), "--hook-socket-queue", "4")

    async def scenario():
        async with ClientPool(server.url) as pool:
            client = await pool.connect("websocket")
            answers = await asyncio.gather(*[client.call("slow", 0.3, timeout=10) for _ in range(10)])
            assert answers.count(["slow done"]) == 4
            assert answers.count([{"error": "backend unavailable"}]) == 6
            assert health(server)["hooks"]["eventQueueOverflows"] == 6
    run(scenario(), TIMEOUT)
    assert "--hook-socket-queue" in server.read_log(wait=0.2)


def test_garbage_answers_neither_crash_nor_leak(start_server, backend):
    server = start_server("--app", "test", *backend.flags(), "--hook-timeout", "2s", "--hook-socket-queue", "4096")

    async def burst(count):
        async with ClientPool(server.url) as pool:
            clients = await asyncio.gather(*[pool.connect("websocket", auth={"mode": "allow"}) for _ in range(8)])

            async def calls(client):
                for _ in range(count):
                    await client.call("malformed")
            await asyncio.gather(*[calls(client) for client in clients])
        for _ in range(count // 20):
            assert connect_answer(server, {"mode": "garbage"}) == ("4", UNAVAILABLE)

    run(burst(250), TIMEOUT)
    time.sleep(2.5)  # the memory trimmer's period
    before = health(server)["heapBytes"]
    run(burst(1000), 60)
    time.sleep(2.5)
    after = health(server)["heapBytes"]
    assert server.alive()
    assert after - before < 8 << 20, f"heap grew from {before} to {after} bytes over 8,000 garbage answers"


def test_the_token_is_checked_first_and_the_hook_sees_its_user(start_server, backend):
    import jwt
    secret = "hook-token-secret-0123456789abcdef-0123456789"
    server = start_server("--app", "test", *backend.flags(event=False), "--jwt-secret", secret, "--auth", "optional")
    now = int(time.time())
    token = jwt.encode({"sub": "u-42", "iat": now, "exp": now + 600, "data": {"plan": "pro", "role": "token-role"}},
                       secret, algorithm="HS256")

    async def scenario():
        async with ClientPool(server.url) as pool:
            client = await pool.connect("websocket", auth={"mode": "allow", "token": token})
            (info,) = await client.call("handshake")
            assert info["data"]["seen"]["user"] == "u-42", "the hook got the verified user"
            assert info["data"]["user"] == "u-42", "the hook's user does not replace the token's"
            assert info["data"]["plan"] == "pro" and info["data"]["role"] == "member", "hook data over token data"
            anonymous = await pool.connect("websocket", auth={"mode": "allow"})
            (info,) = await anonymous.call("handshake")
            assert info["data"]["user"] == "hook-user" and info["data"]["seen"]["user"] is None
    run(scenario(), TIMEOUT)
    # A bad token is refused before the backend is asked.
    before = backend.state()["counts"].get("connect", 0)
    assert connect_answer(server, {"mode": "allow", "token": "not-a-token"})[0] == "4"
    assert backend.state()["counts"].get("connect", 0) == before
