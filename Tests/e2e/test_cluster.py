"""Several pushd processes on one real redis-server behave as one server, with no sticky
sessions."""
import asyncio
import json
import re
import signal
import time
import urllib.request

import pytest
import socketio

from pushd_server import PushdServer
from waiting import wait_until


def get(url, data=None):
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def health(node):
    return json.loads(get(node.url + "/health")[1])


@pytest.fixture
def cluster(redis):
    nodes = [PushdServer("--redis", redis.url) for _ in range(3)]
    try:
        # Every node sees the two others.
        assert wait_until(lambda: all(n.read_log().count("alive") >= 1 for n in nodes), 10)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def connect(url, transports=("websocket",)):
    client = socketio.AsyncClient(reconnection=False)
    received = []
    # The default app has recovery on: each chat line also carries its offset, as a last argument.
    client.on("chat", lambda line, *offset: received.append(line))
    await client.connect(url, transports=list(transports), wait_timeout=10)
    return client, received


def test_room_broadcasts_reach_every_node_once_in_order(cluster):
    async def run():
        clients = [await connect(node.url) for node in cluster]
        await asyncio.sleep(0.3)
        for index, (client, _) in enumerate(clients):
            for n in range(20):
                await client.emit("chat", {"room": "lobby", "text": f"{index}:{n}"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(len(r) < 60 for _, r in clients):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # nothing extra may follow
        for _, received in clients:
            texts = [line["text"] for line in received]
            assert len(texts) == 60, texts
            for index in range(3):
                assert [t for t in texts if t.startswith(f"{index}:")] == [f"{index}:{n}" for n in range(20)]
        for client, _ in clients:
            await client.disconnect()
    asyncio.run(run())


def test_long_polling_requests_on_different_nodes_lose_nothing(cluster):
    path = "/socket.io/?EIO=4&transport=polling"
    status, body = get(cluster[0].url + path)
    assert status == 200
    sid = json.loads(body[1:])["sid"]
    query = f"{path}&sid={sid}"
    # The Socket.IO connect goes to node 1, its answer is read from node 2.
    assert get(cluster[1].url + query, b"40") == (200, "ok")
    status, body = get(cluster[2].url + query)
    assert status == 200 and body.startswith("40{"), body
    for n in range(12):
        post_node = cluster[n % 3]
        poll_node = cluster[(n + 1) % 3]
        assert get(post_node.url + query, f'42["echo","m{n}"]'.encode()) == (200, "ok")
        status, body = get(poll_node.url + query)
        assert status == 200
        # The echo carries its recovery offset as a last argument (the default app has it on),
        # in a cluster with the senders' numbers after "~".
        assert re.fullmatch(rf'42\["echo","m{n}","[\w-]+:[0-9a-z]+~[\w.,-]+"\]', body), body


def test_a_killed_node_is_known_dead_and_its_sessions_unknown(cluster):
    victim = cluster[2]
    path = "/socket.io/?EIO=4&transport=polling"
    status, body = get(victim.url + path)
    sid = json.loads(body[1:])["sid"]
    # While the owner lives, another node forwards to it.
    assert get(cluster[0].url + f"{path}&sid={sid}", b"40") == (200, "ok")
    victim.stop(signal.SIGKILL)
    started = time.monotonic()

    def answered_unknown():
        status, text = get(cluster[0].url + f"{path}&sid={sid}", b"3")
        return status == 400 and "Session ID unknown" in text
    assert wait_until(answered_unknown, 8, step=0.2)
    assert time.monotonic() - started < 6
    assert "gone" in cluster[0].read_log(wait=0.5)


def test_redis_restart_keeps_local_broadcasts_and_resumes_cluster_ones(redis, cluster):
    async def run():
        a1, got_a1 = await connect(cluster[0].url)
        a2, got_a2 = await connect(cluster[0].url)
        b, got_b = await connect(cluster[1].url)
        await asyncio.sleep(0.3)
        redis.stop()
        await asyncio.sleep(0.5)
        await a1.emit("chat", {"room": "lobby", "text": "during outage"})
        await asyncio.sleep(0.5)
        assert "during outage" in [line["text"] for line in got_a2]     # local delivery never stops
        assert all(node.alive() for node in cluster)
        redis.start()
        # Nodes reconnect with backoff (at most 5 s) and resubscribe.
        deadline = time.monotonic() + 15
        delivered = False
        n = 0
        while time.monotonic() < deadline and not delivered:
            n += 1
            await a1.emit("chat", {"room": "lobby", "text": f"after {n}"})
            await asyncio.sleep(0.5)
            delivered = any(line["text"].startswith("after") for line in got_b)
        assert delivered, "cluster broadcasts did not resume"
        assert "unreachable" in cluster[0].read_log()
        for client in (a1, a2, b):
            await client.disconnect()
    asyncio.run(run())


@pytest.fixture
def test_cluster(redis):
    nodes = [PushdServer("--redis", redis.url, "--app", "test") for _ in range(3)]
    try:
        assert wait_until(lambda: all(n.read_log().count("alive") >= 1 for n in nodes), 10)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def test_fetch_sockets_and_disconnect_sockets_span_all_nodes(test_cluster):
    async def run():
        clients = []
        for node in test_cluster:
            client = socketio.AsyncClient(reconnection=False)
            reasons = []
            client.on("disconnect", lambda *args, r=reasons: r.append(args))
            await client.connect(node.url, transports=["websocket"], auth={"rooms": ["r1"]}, wait_timeout=10)
            clients.append((client, reasons))
        await asyncio.sleep(0.5)
        ids = {client.get_sid() for client, _ in clients}
        fetched = await clients[0][0].call("fetch", "r1", timeout=10)
        assert set(fetched["ids"]) == ids
        # socketsJoin on every node, then a broadcast to the new room reaches all three.
        await clients[1][0].call("sockets-join", ("r2", "r1"), timeout=10)
        await asyncio.sleep(0.3)
        fetched = await clients[2][0].call("fetch", "r2", timeout=10)
        assert set(fetched["ids"]) == ids
        await clients[0][0].call("disconnect-room", "r1", timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(client.connected for client, _ in clients):
            await asyncio.sleep(0.05)
        assert all(reasons for _, reasons in clients), [reasons for _, reasons in clients]
    asyncio.run(run())


def test_server_side_emit_reaches_every_other_node_with_acks(test_cluster):
    async def run():
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(test_cluster[0].url, transports=["websocket"], wait_timeout=10)
        answers = await client.call("server-side-emit", ("hello", 7), timeout=10)
        assert sorted(map(json.dumps, answers)) == sorted([json.dumps([["hello", 7], "pong"])] * 2)
        await client.disconnect()
    asyncio.run(run())
