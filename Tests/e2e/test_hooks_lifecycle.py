"""The lifecycle hook end to end: connect, join, leave and disconnect records reach a real
backend (hook_backend.py) at least once and in order; a backend that is down for 10 s gets
everything once it is back; in a cluster, a node killed with SIGKILL loses nothing (a survivor
delivers its pending records and reports its sockets with reason "node failure"); a Redis
restart that loses every key is repaired by the nodes."""
import asyncio
import json
import signal
import socket as socketlib
import time
import urllib.request

import pytest

from hook_backend import HookBackend
from pushd_server import PushdServer
from waiting import wait_until
from sio_helpers import ClientPool, run

TIMEOUT = 40
FAST = ["--lifecycle-backoff", "100ms,1s", "--lifecycle-interval", "50ms"]


@pytest.fixture
def backend():
    instance = HookBackend()
    yield instance
    instance.stop()


def health(server):
    with urllib.request.urlopen(server.url + "/health", timeout=10) as response:
        return json.loads(response.read())


def records(backend):
    return backend.state()["lifecycle"]


def deduplicated(events):
    seen, unique = set(), []
    for event in events:
        if event["id"] not in seen:
            seen.add(event["id"])
            unique.append(event)
    return unique


def assert_each_connect_has_one_disconnect(events):
    unique = deduplicated(events)
    connects = [e["socketId"] for e in unique if e["type"] == "connect"]
    disconnects = [e["socketId"] for e in unique if e["type"] == "disconnect"]
    assert len(connects) == len(set(connects))
    assert sorted(connects) == sorted(disconnects), (connects, disconnects)
    for event in unique:
        assert event["id"] and event["node"] and isinstance(event["time"], (int, float))
    # Per socket, in arrival order: connect first, disconnect last.
    for sid in connects:
        kinds = [e["type"] for e in unique if e.get("socketId") == sid]
        assert kinds[0] == "connect" and kinds[-1] == "disconnect", kinds


async def churn(url, count, rooms=True):
    """Connects `count` clients, has each join and leave a room, disconnects them; their sids."""
    async with ClientPool(url) as pool:
        clients = await asyncio.gather(*[pool.connect("websocket") for _ in range(count)])
        sids = [client.sid for client in clients]
        if rooms:
            for client in clients:
                await client.call("join", "lobby")
                await client.call("leave", "lobby")
    return sids


def test_records_arrive_in_order_with_ids(start_server, backend):
    server = start_server("--app", "test", *backend.flags(connect=False, event=False, lifecycle=True), *FAST)
    sids = run(churn(server.url, 20), TIMEOUT)
    assert wait_until(lambda: sum(e["type"] == "disconnect" for e in records(backend)) == 20, 10)
    events = records(backend)
    assert events[0]["type"] == "node-start"
    assert_each_connect_has_one_disconnect(events)
    for sid in sids:
        mine = [e for e in events if e.get("socketId") == sid]
        assert [e["type"] for e in mine] == ["connect", "join", "leave", "disconnect"]
        assert mine[1]["room"] == "lobby" and mine[-1]["reason"] in ("client namespace disconnect", "transport close")
        assert mine[0]["namespace"] == "/" and mine[0]["transport"] == "websocket"
    assert len({e["id"] for e in events}) == len(events), "no duplicates while the backend answered"
    assert backend.state()["bad_signatures"] == 0


def test_backend_down_ten_seconds_then_up_gets_everything_in_order(start_server, backend):
    server = start_server("--app", "test", *backend.flags(connect=False, event=False, lifecycle=True), *FAST)
    assert wait_until(lambda: len(records(backend)) == 1, 5)  # node-start
    backend.control(lifecycle_down=10)
    started = time.monotonic()
    produced = []
    while time.monotonic() - started < 8:
        produced += run(churn(server.url, 10, rooms=False), TIMEOUT)
        time.sleep(0.5)
    assert len(records(backend)) == 1, "nothing gets through while the backend is down"
    assert health(server)["hooks"]["lifecycle"]["pending"] >= 2 * len(produced)
    assert wait_until(lambda: sum(e["type"] == "disconnect" for e in records(backend)) == len(produced), 15)
    events = records(backend)[1:]
    assert_each_connect_has_one_disconnect(events)
    # Everything in the order produced: the sockets' connects appear in the order they were made.
    connects = [e["socketId"] for e in events if e["type"] == "connect"]
    batches_of_ten = [set(produced[i:i + 10]) for i in range(0, len(produced), 10)]
    assert [set(connects[i:i + 10]) for i in range(0, len(connects), 10)] == batches_of_ten
    assert "retrying with backoff" in server.read_log()


def redis_command(port, *args):
    """One command over a raw RESP connection; the reply's first line (or integer)."""
    payload = f"*{len(args)}\r\n" + "".join(f"${len(str(a).encode())}\r\n{a}\r\n" for a in args)
    with socketlib.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(payload.encode())
        reply = conn.recv(65536).decode(errors="replace")
    return int(reply[1:].split("\r\n")[0]) if reply.startswith(":") else reply


def test_a_killed_cluster_node_loses_no_record(redis, backend):
    flags = ["--app", "test", "--redis", redis.url, *backend.flags(connect=False, event=False, lifecycle=True), *FAST]
    survivor, victim = PushdServer(*flags), PushdServer(*flags)
    try:
        assert wait_until(lambda: "alive" in survivor.read_log() and "alive" in victim.read_log(), 10)
        # Some records are delivered, then the backend goes down: the rest wait in Redis.
        delivered_sids = run(churn(victim.url, 5, rooms=False), TIMEOUT)
        assert wait_until(lambda: sum(e["type"] == "disconnect" for e in records(backend)) == 5, 10)
        backend.control(lifecycle_down=4)

        async def hold():
            pool = ClientPool(victim.url)
            clients = await asyncio.gather(*[pool.connect("websocket") for _ in range(15)])
            await clients[0].call("join", "lobby")
            return pool, [client.sid for client in clients]
        loop = asyncio.new_event_loop()
        pool, held = loop.run_until_complete(hold())
        victim_id = health(victim)["node"]
        assert redis_command(redis.port, "XLEN", f"pushd:lifecycle:stream:{victim_id}") >= 16
        victim.stop(sig=signal.SIGKILL)
        # The survivor notices (liveness key expired), delivers the victim's records once the
        # backend is back, and reports its sockets as disconnected by node failure.
        assert wait_until(lambda: sum(e["type"] == "disconnect" for e in records(backend)) >= 20, 20)
        events = records(backend)
        assert_each_connect_has_one_disconnect([e for e in events if e["type"] != "node-start"])
        failures = [e for e in deduplicated(events) if e.get("reason") == "node failure"]
        assert sorted(e["socketId"] for e in failures) == sorted(held)
        assert {e["node"] for e in failures} == {victim_id}
        assert {e["reportedBy"] for e in failures} == {health(survivor)["node"]}
        assert "node failure" in survivor.read_log() or "is gone" in survivor.read_log()
        assert redis_command(redis.port, "EXISTS", f"pushd:lifecycle:stream:{victim_id}") == 0
        try:
            loop.run_until_complete(asyncio.wait_for(pool.__aexit__(None, None, None), 5))
        except Exception:
            pass
        loop.close()
    finally:
        survivor.stop()
        victim.stop()


def test_redis_restart_loses_nothing_pending(redis, backend):
    node = PushdServer("--app", "test", "--redis", redis.url,
                       *backend.flags(connect=False, event=False, lifecycle=True), *FAST)
    try:
        assert wait_until(lambda: "connected" in node.read_log(), 10)
        node_id = health(node)["node"]
        backend.control(lifecycle_down=6)
        sids = run(churn(node.url, 10, rooms=False), TIMEOUT)
        stream = f"pushd:lifecycle:stream:{node_id}"
        assert wait_until(lambda: redis_command(redis.port, "XLEN", stream) >= 20, 5)
        redis.stop()
        redis.start()  # no persistence: every key is gone
        assert redis_command(redis.port, "XLEN", stream) == 0
        # The node writes its pending records again once it reconnects.
        assert wait_until(lambda: redis_command(redis.port, "XLEN", stream) >= 20, 10)
        assert redis_command(redis.port, "SISMEMBER", "pushd:lifecycle:nodes", node_id) == 1
        assert wait_until(lambda: sum(e["type"] == "disconnect" for e in records(backend)) == 10, 15)
        assert_each_connect_has_one_disconnect([e for e in records(backend) if e["type"] != "node-start"])
        assert sorted(e["socketId"] for e in records(backend) if e["type"] == "connect") == sorted(sids)
        # Delivered records leave the stream.
        assert wait_until(lambda: redis_command(redis.port, "XLEN", stream) == 0, 5)
    finally:
        node.stop()
