"""The server API on a 3-node cluster over a real redis-server: a call on node A reaches sockets
on B and C exactly once (`emit`, `join`), and `sockets`, `rooms` and idempotency keys are
cluster-wide."""
import asyncio
import json
import time

import pytest
import requests

from pushd_server import PushdServer
from redis_server import RedisServer
from sio_helpers import ClientPool, new_tag, run

KEY = "cluster-key-0123456789"


@pytest.fixture(scope="module")
def nodes():
    redis = RedisServer()
    started = [PushdServer("--app", "test", "--redis", redis.url, "--api-key", KEY) for _ in range(3)]
    try:
        assert all(_wait(lambda n=n: n.read_log().count("alive") >= 1, 10) for n in started), \
            "nodes did not see each other"
        yield started
    finally:
        for node in started:
            node.stop()
        redis.close()


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


async def api(node, method, body):
    def call():
        response = requests.post(f"{node.url}/api/{method}", data=json.dumps(body),
                                 headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
        return response.status_code, response.json()
    return await asyncio.get_running_loop().run_in_executor(None, call)


def test_emit_and_join_from_one_node_reach_every_node_once(nodes):
    async def body():
        a, b, c = nodes
        room = new_tag("room")
        async with ClientPool(a.url) as pool:
            on_a = await pool.connect("websocket", url=a.url)
            on_b = await pool.connect("websocket", url=b.url)
            on_c = await pool.connect("polling", url=c.url)
            everyone = (on_a, on_b, on_c)

            assert await api(a, "emit", {"event": "hello", "args": ["all"]}) == (200, {"ok": True})
            for client in everyone:
                assert await client.wait_for("hello") == [("all",)]

            assert await api(a, "join", {"in": [on_b.sid, on_c.sid], "rooms": [room]}) == (200, {"ok": True})
            assert await api(a, "emit", {"event": "room-news", "to": [room], "args": [1]}) == (200, {"ok": True})
            for client in (on_b, on_c):
                assert await client.wait_for("room-news") == [(1,)]

            await asyncio.sleep(0.3)
            for client in everyone:
                assert len(client.received("hello")) == 1, "exactly once"
            assert on_a.received("room-news") == []
            assert len(on_b.received("room-news")) == 1 and len(on_c.received("room-news")) == 1
    run(body(), 30)


def test_sockets_and_rooms_gather_every_node(nodes):
    async def body():
        a, b, c = nodes
        room = new_tag("room")
        async with ClientPool(a.url) as pool:
            clients = [await pool.connect("websocket", url=node.url) for node in (b, c, c)]
            await api(a, "join", {"in": [client.sid for client in clients], "rooms": [room]})
            status, listed = await api(a, "sockets", {"in": [room]})
            assert status == 200
            assert sorted(entry["id"] for entry in listed["sockets"]) == sorted(client.sid for client in clients)
            status, rooms = await api(b, "rooms", {})
            assert status == 200 and rooms["rooms"][room] == 3
    run(body(), 30)


def test_idempotency_keys_hold_across_nodes(nodes):
    async def body():
        a, b, _ = nodes
        key = new_tag("idem")
        async with ClientPool(a.url) as pool:
            client = await pool.connect("websocket", url=b.url)
            first = await api(a, "emit", {"event": "once", "idempotencyKey": key, "socket": client.sid})
            again = await api(b, "emit", {"event": "once", "idempotencyKey": key, "socket": client.sid})
            assert first == (200, {"ok": True})
            assert again == (200, {"ok": True, "duplicate": True})
            await client.wait_for("once")
            await asyncio.sleep(0.3)
            assert len(client.received("once")) == 1
    run(body(), 30)
