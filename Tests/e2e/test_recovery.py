"""Connection state recovery (Socket.IO 4.6's pid/offset) over raw Engine.IO/Socket.IO clients:
a socket that drops and comes back within the window keeps its id, rooms and data and gets
every event it missed once and in order; past the window, past the byte cap, or with a bad
pid it connects afresh; volatile emits and emits that ask for an ack carry no offset."""
import json
import time

import pytest
import requests

from pushd_server import PushdServer
from sio_helpers import new_tag
from sio_raw import TRANSPORTS, RawSocket, arguments, reconnect

@pytest.fixture(scope="module")
def server():
    instance = PushdServer("--app", "test", "--recovery-window", "10s", "--recovery-max-bytes", "64KiB")
    yield instance
    instance.stop()


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_recovers_id_rooms_data_and_missed_events_in_order(server, transport):
    room, other_room = new_tag("room"), new_tag("other")
    a = RawSocket(server.url, transport)
    sender = RawSocket(server.url)
    assert a.pid and a.pid != a.sid and sender.pid != a.pid, "every socket gets its own private id"
    a.call("join", room)
    a.call("set-data", "colour", "blue")
    sender.call("to-room", room, "before", 0)
    a.wait_events(1)
    assert a.events[-1][1][:2] == ["before", 0] and isinstance(a.offset(), str)

    a.drop()
    time.sleep(0.3)
    # 100 events meanwhile, interleaved: to a room the socket is in, to the socket alone, and
    # others it must not get (a room it is not in, everyone except its room).
    for n in range(100):
        target = room if n % 2 == 0 else a.sid
        sender.call("to-room", target, "missed", n)
        if n % 25 == 0:
            sender.call("to-room", other_room, "not-mine", n)
            sender.call("except-room", room, "not-mine-either", n)

    b = reconnect(server.url, a, transport)
    assert (b.sid, b.pid) == (a.sid, a.pid), "same socket id and pid"
    b.wait_events(100)
    time.sleep(0.2)
    info = b.call("handshake")[0]
    assert arguments(b.events) == [("missed", n) for n in range(100)], "each missed event once, in order"
    offsets = [packet[-1] for _, packet in b.events]
    assert len(set(offsets)) == 100
    assert info["recovered"] is True
    assert info["rooms"] == sorted([a.sid, room])
    assert info["data"] == {"colour": "blue"}

    # Live again: room broadcasts arrive, with offsets.
    sender.call("to-room", room, "after", 1)
    b.wait_events(101)
    assert b.events[100][1][:2] == ["after", 1]
    for client in (b, sender):
        client.engine.close()


def test_a_recovered_session_is_recovered_once(server):
    a = RawSocket(server.url)
    a.drop()
    time.sleep(0.2)
    b = reconnect(server.url, a)
    assert b.sid == a.sid
    b.drop()
    time.sleep(0.2)
    # b dropped too: its own state is kept, so the same pid works again, ...
    c = reconnect(server.url, b)
    assert c.sid == a.sid
    # ... but a second client presenting a pid already taken gets a fresh socket.
    d = RawSocket(server.url, auth={"pid": a.pid})
    assert d.sid != a.sid and d.pid != a.pid
    for client in (c, d):
        client.engine.close()


def test_no_offset_replays_everything_since_connecting(server):
    room = new_tag("room")
    a = RawSocket(server.url, auth={"rooms": [room]})
    sender = RawSocket(server.url)
    a.drop()
    time.sleep(0.2)
    for n in range(5):
        sender.call("to-room", room, "missed", n)
    b = reconnect(server.url, a)   # a got no event: no offset
    b.wait_events(5)
    assert arguments(b.events) == [("missed", n) for n in range(5)]
    for client in (b, sender):
        client.engine.close()


def test_volatile_and_acked_emits_carry_no_offset_and_are_not_replayed(server):
    a = RawSocket(server.url)
    a.call("volatile-to-me", "quick", 1)
    a.wait_events(1)
    assert a.events[-1][1] == ["quick", 1], "no offset on a volatile emit"
    a.engine.send('42["ask-client", 2000, "q"]')
    message = a._next()
    assert message.startswith("2") and message[1:].split("[", 1)[0].isdigit(), message
    assert json.loads("[" + message.split("[", 1)[1]) == ["question", "q"], "no offset on an emit asking for an ack"
    a.engine.close()


def test_unknown_or_forged_pid_connects_afresh(server):
    a = RawSocket(server.url, auth={"pid": "not-a-pid", "offset": "x:1"})
    assert a.pid != "not-a-pid"
    info = a.call("handshake")[0]
    assert info["recovered"] is False
    assert "pid" not in info["auth"] and "offset" not in info["auth"], "the pid never reaches the app's handshake"
    a.engine.close()


def test_a_clean_disconnect_is_not_recoverable(server):
    a = RawSocket(server.url)
    a.call("disconnect-me")
    a.engine.close()
    b = RawSocket(server.url, auth={"pid": a.pid})
    assert b.sid != a.sid
    b.engine.close()


def test_too_many_missed_bytes_reconnects_fresh(server):
    room = new_tag("room")
    a = RawSocket(server.url, auth={"rooms": [room]})
    sender = RawSocket(server.url)
    sender.call("to-room", room, "first", 0)
    a.wait_events(1)
    a.drop()
    time.sleep(0.2)
    for n in range(80):   # 80 x ~1 KiB, over the 64 KiB cap
        sender.call("to-room", room, "big", "x" * 1000)
    b = reconnect(server.url, a)
    assert b.sid != a.sid and b.pid != a.pid
    time.sleep(0.2)
    assert b.events == [], "nothing replayed to a fresh socket"
    metrics = requests.get(server.url + "/metrics", timeout=5).text
    assert 'pushd_recovery_failed_total{reason="too many missed bytes"} 1' in metrics
    for client in (b, sender):
        client.engine.close()


def test_after_the_window_the_socket_is_not_recoverable():
    server = PushdServer("--app", "test", "--recovery-window", "2s")
    try:
        a = RawSocket(server.url)
        a.drop()
        time.sleep(2.5)
        b = reconnect(server.url, a)
        assert b.sid != a.sid and b.pid != a.pid
        assert b.call("handshake")[0]["recovered"] is False
        b.engine.close()
    finally:
        server.stop()


def test_recovery_is_off_for_the_reference_apps_and_on_for_the_default_app():
    for flags, expect_pid in ((("--app", "socketio-reference"), False), ((), True),
                              (("--recovery-window", "0"), False)):
        server = PushdServer(*flags)
        try:
            a = RawSocket(server.url)
            assert ("pid" in a.connect_data) == expect_pid, flags
            a.engine.close()
        finally:
            server.stop()


def test_in_a_cluster_a_socket_recovers_on_its_node_with_events_from_every_node():
    """Each node logs recoverable broadcasts in its own offset order, those other nodes publish
    included, so a socket that comes back to its node gets what any node sent meanwhile."""
    from redis_server import RedisServer
    redis = RedisServer()
    nodes = []
    try:
        nodes = [PushdServer("--redis", redis.url, "--app", "test", "--recovery-window", "10s") for _ in range(2)]
        room = new_tag("room")
        a = RawSocket(nodes[0].url, auth={"rooms": [room]})
        sender = RawSocket(nodes[1].url)
        time.sleep(0.5)   # the cluster bus is subscribed
        sender.call("to-room", room, "n", -1)
        a.wait_events(1)
        a.drop()
        time.sleep(0.3)
        for n in range(10):
            sender.call("to-room", room, "n", n)
        time.sleep(0.3)
        b = reconnect(nodes[0].url, a)
        assert b.sid == a.sid
        b.wait_events(10)
        time.sleep(0.2)
        assert arguments(b.events) == [("n", n) for n in range(10)]
        for client in (b, sender):
            client.engine.close()
    finally:
        for node in nodes:
            node.stop()
        redis.stop()


def test_tokens_are_verified_again_on_recovery():
    """Recovery skips middleware, not the token check: a socket whose token expired while it
    was away is refused, one with a valid token comes back with its user."""
    import jwt
    secret = "recovery-secret-0123456789abcdef-0123456789abcdef"
    server = PushdServer("--app", "test", "--recovery-window", "10s", "--jwt-secret", secret, "--jwt-leeway", "0s")
    try:
        lasting = jwt.encode({"sub": "u1", "exp": int(time.time()) + 600}, secret, algorithm="HS256")
        a = RawSocket(server.url, auth={"token": lasting})
        a.drop()
        time.sleep(0.2)
        b = reconnect(server.url, a, auth={"token": lasting})
        assert b.sid == a.sid
        info = b.call("handshake")[0]
        assert info["recovered"] is True and info["data"]["user"] == "u1"

        brief = jwt.encode({"sub": "u2", "exp": int(time.time()) + 2}, secret, algorithm="HS256")
        c = RawSocket(server.url, auth={"token": brief})
        c.drop()
        time.sleep(2.5)
        with pytest.raises(AssertionError, match="connect refused"):
            reconnect(server.url, c, auth={"token": brief})
        b.engine.close()
    finally:
        server.stop()
