"""Connection state recovery across a cluster: a socket that dropped from one node comes back on
another (or after its node was killed) with the same id, rooms and data, and gets what any node
sent meanwhile, each event once and in each sender's order; past the window or the byte cap it
connects afresh. Snapshots live in Redis; each node picks the missed events from its own log by
the origin numbers the client's offset carries."""
import json
import signal
import socket
import time

import pytest
import requests

from pushd_server import PushdServer
from redis_server import RedisServer
from sio_helpers import new_tag
from sio_raw import RawSocket, arguments, reconnect

KEY = "recovery-cluster-key-0123456789"


def start_cluster(count, *flags):
    redis = RedisServer()
    nodes = [PushdServer("--app", "test", "--redis", redis.url, "--api-key", KEY, *flags) for _ in range(count)]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(n.read_log().count("alive") >= 1 for n in nodes):
        time.sleep(0.1)
    return redis, nodes


def stop_cluster(redis, nodes):
    for node in nodes:
        if node.alive():
            node.stop()
    redis.close()


@pytest.fixture(scope="module")
def cluster():
    redis, nodes = start_cluster(3, "--recovery-window", "10s", "--recovery-max-bytes", "64KiB")
    yield nodes
    stop_cluster(redis, nodes)


def redis_reply(redis, command):
    """One inline command's raw reply (small replies only)."""
    with socket.create_connection(("127.0.0.1", redis.port), timeout=2) as conn:
        conn.sendall(command + b"\r\n")
        return conn.recv(65536)


def api_emit(node, body):
    response = requests.post(f"{node.url}/api/emit", data=json.dumps(body),
                             headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert response.status_code == 200, response.text


def send_missed(a_sid, room, other_room, via_socket, via_api):
    """100 events while the socket is away: to its room and to it alone through a socket on one
    node, every fifth through the server API of another; and some it must not get."""
    for n in range(100):
        if n % 5 == 4:
            api_emit(via_api, {"event": "missed", "to": [room if n % 2 == 0 else a_sid], "args": [n]})
        else:
            via_socket.call("to-room", room if n % 2 == 0 else a_sid, "missed", n)
        if n % 25 == 0:
            via_socket.call("to-room", other_room, "not-mine", n)
            via_socket.call("except-room", room, "not-mine-either", n)


def assert_each_once_in_each_senders_order(events):
    got = [args[1] for args in arguments(events)]
    assert [name for name, *_ in arguments(events)] == ["missed"] * len(got), arguments(events)
    assert sorted(got) == list(range(100)), "every missed event exactly once"
    by_api = [n for n in got if n % 5 == 4]
    by_socket = [n for n in got if n % 5 != 4]
    assert by_api == sorted(by_api) and by_socket == sorted(by_socket), "in each sender's order"


def recover_on_another_node(a, room, other_room, sender, api_node, target):
    send_missed(a.sid, room, other_room, sender, api_node)
    time.sleep(0.3)   # the nodes have heard each other's events
    b = reconnect(target.url, a)
    assert (b.sid, b.pid) == (a.sid, a.pid), "same socket id and pid"
    b.wait_events(100)
    time.sleep(0.3)
    info = b.call("handshake")[0]
    assert len(b.events) == 100
    assert_each_once_in_each_senders_order(b.events)
    assert info["rooms"] == sorted([a.sid, room])
    assert info["data"] == {"colour": "blue"}
    # Live again, and nothing twice.
    sender.call("to-room", room, "after", 1)
    b.wait_events(101)
    time.sleep(0.2)
    assert [name for name, *_ in arguments(b.events[100:])] == ["after"]
    return b


def connect_in_room(node, room):
    a = RawSocket(node.url)
    a.call("set-data", "colour", "blue")
    a.call("join", room)   # (a room change writes the socket's state ahead, data included)
    return a


def test_a_dropped_socket_recovers_on_another_node(cluster):
    home, other, third = cluster
    room, other_room = new_tag("room"), new_tag("other")
    a = connect_in_room(home, room)
    sender = RawSocket(other.url)
    local_sender = RawSocket(home.url)
    sender.call("to-room", room, "before", 0)
    local_sender.call("to-room", room, "before", 1)
    a.wait_events(2)
    a.drop()
    time.sleep(0.3)
    b = recover_on_another_node(a, room, other_room, sender, third, other)
    metrics = requests.get(other.url + "/metrics", timeout=5).text
    assert "pushd_recovery_recovered_total 1" in metrics
    # The pid presented on another node while the socket looks connected (its node cannot tell a
    # transport it has not seen die yet): the socket moves there, and the old copy is let go.
    again = reconnect(home.url, b)
    assert (again.sid, again.pid) == (a.sid, a.pid)
    assert b.engine.recv_messages(1, timeout=5) == ["1"], "the old copy got its namespace's DISCONNECT"
    sender.call("to-room", room, "moved", 2)
    again.wait_events(1)
    time.sleep(0.2)
    assert arguments(again.events) == [("moved", 2)], "nothing replayed twice"
    for client in (b, sender, local_sender, again):
        client.engine.close()


def test_a_socket_recovers_after_its_node_was_killed():
    redis, nodes = start_cluster(3, "--recovery-window", "10s")
    try:
        home, other, third = nodes
        room, other_room = new_tag("room"), new_tag("other")
        a = connect_in_room(home, room)
        sender = RawSocket(other.url)
        sender.call("to-room", room, "before", 0)
        a.wait_events(1)
        home.stop(sig=signal.SIGKILL)
        a.drop()
        b = recover_on_another_node(a, room, other_room, sender, third, other)
        for client in (b, sender):
            client.engine.close()
    finally:
        stop_cluster(redis, nodes)


def test_a_clean_disconnect_is_not_recoverable_on_another_node(cluster):
    home, other, _ = cluster
    a = RawSocket(home.url)
    a.call("disconnect-me")
    a.engine.close()
    time.sleep(0.2)
    b = RawSocket(other.url, auth={"pid": a.pid})
    assert b.sid != a.sid and b.pid != a.pid
    b.engine.close()
    # Junk pids and offsets connect afresh (a pid that cannot be one is not looked up).
    for auth in ({"pid": "x" * 100_000}, {"pid": a.pid, "offset": "~" * 100_000}, {"pid": "not-a-pid", "offset": "x:1~a.1"}):
        c = RawSocket(other.url, auth=auth)
        assert c.sid != a.sid and c.pid and c.pid != a.pid
        c.engine.close()


def test_too_many_missed_bytes_connects_afresh_on_another_node(cluster):
    home, other, _ = cluster
    room = new_tag("room")
    a = RawSocket(home.url, auth={"rooms": [room]})
    sender = RawSocket(other.url)
    sender.call("to-room", room, "first", 0)
    a.wait_events(1)
    a.drop()
    time.sleep(0.2)
    for _ in range(80):   # 80 x ~1 KiB, over the 64 KiB cap
        sender.call("to-room", room, "big", "x" * 1000)
    time.sleep(0.3)
    b = reconnect(other.url, a)
    assert b.sid != a.sid and b.pid != a.pid
    time.sleep(0.2)
    assert b.events == [], "nothing replayed to a fresh socket"
    metrics = requests.get(other.url + "/metrics", timeout=5).text
    assert 'pushd_recovery_failed_total{reason="too many missed bytes"} 1' in metrics
    for client in (b, sender):
        client.engine.close()


def test_after_the_window_the_socket_is_not_recoverable_anywhere():
    redis, nodes = start_cluster(2, "--recovery-window", "2s")
    try:
        a = RawSocket(nodes[0].url)
        a.drop()
        time.sleep(2.5)
        b = reconnect(nodes[1].url, a)
        assert b.sid != a.sid and b.pid != a.pid
        assert b.call("handshake")[0]["recovered"] is False
        # Only the dropped socket's snapshot: the new socket's own may be written ahead by now.
        assert redis_reply(redis, b"EXISTS pushd:recovery:" + a.pid.encode()) == b":0\r\n", "the snapshot expired by itself"
        b.engine.close()
    finally:
        stop_cluster(redis, nodes)
