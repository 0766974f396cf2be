"""A cut event stream resumed as the browser's EventSource does it: every SSE event carries
`id: <sid>:<n>`; a GET of the handshake URL with `Last-Event-ID` reattaches the stream to the
same engine session and sends what came after that id, with no Socket.IO-level reconnect. The
session waits up to pingTimeout for it; an unknown or stale id gets a 400."""
import json
import re
import time

import pytest

from engine_client import SSEStream, SSEClient, decode_packet, engine_url
from pushd_server import PushdServer
from sio_helpers import PATH, new_tag
from sio_raw import RawSocket


@pytest.fixture(scope="module")
def server():
    instance = PushdServer("--app", "test", "--ping-interval", "3s", "--ping-timeout", "1500ms")
    yield instance
    instance.stop()


def sio_call(client, ack_id, event, *args):
    """An event with an ack over the SSE client; returns the ack's arguments."""
    client.send("42" + str(ack_id) + json.dumps([event, *args]))
    while True:
        message = client.recv(5)
        if message.startswith("43" + str(ack_id) + "["):
            return json.loads(message[2 + len(str(ack_id)):])


def events_from(stream, count, timeout=5.0):
    """The next `count` Socket.IO events on a stream (pings skipped: no pong needed this soon)."""
    got, deadline = [], time.monotonic() + timeout
    while len(got) < count:
        kind, data = stream.next_event(max(0.1, deadline - time.monotonic()))
        packet = decode_packet(data)
        assert not packet.startswith("0"), "a resumed stream has no new open packet"
        if packet.startswith("42"):
            got.append(json.loads(packet[2:]))
    return got


def test_a_cut_stream_resumes_with_what_came_after_its_last_event_id(server):
    room = new_tag("room")
    client = SSEClient(server.url, PATH)
    client.send("40")
    assert client.recv(5).startswith("40{")
    sid = client.sid
    sio_call(client, 1, "join", room)
    sender = RawSocket(server.url)
    sender.call("to-room", room, "n", 0)
    assert client.recv(5) == '42["n",0]'
    last_id = client.stream.last_event_id
    assert re.fullmatch(re.escape(sid) + r":\d+", last_id), last_id

    client.stream.close()            # a proxy cuts the stream
    time.sleep(0.3)
    for n in range(1, 6):
        sender.call("to-room", room, "n", n)
    resumed = SSEStream(engine_url(server.url, PATH, transport="sse"), headers={"Last-Event-ID": last_id})
    assert resumed.status == 200
    assert events_from(resumed, 5) == [["n", n] for n in range(1, 6)], "each once, in order"
    sender.call("to-room", room, "n", 6)
    assert events_from(resumed, 1) == [["n", 6]]
    assert int(resumed.last_event_id.split(":")[1]) > int(last_id.split(":")[1])

    client.stream = resumed          # same engine session, same socket: no reconnect happened
    info = sio_call(client, 2, "handshake")[0]
    assert info["sessionID"] == sid and info["recovered"] is False
    client.close()
    sender.engine.close()


def test_resuming_twice_from_the_same_id_gets_the_same_events(server):
    """A second cut before anything new arrived: the same Last-Event-ID resumes again."""
    client = SSEClient(server.url, PATH)
    client.send("40")
    client.recv(5)
    last_id = client.stream.last_event_id
    client.stream.close()
    time.sleep(0.2)
    first = SSEStream(engine_url(server.url, PATH, transport="sse"), headers={"Last-Event-ID": last_id})
    assert first.status == 200
    first.close()
    time.sleep(0.2)
    second = SSEStream(engine_url(server.url, PATH, transport="sse"), headers={"Last-Event-ID": last_id})
    assert second.status == 200
    second.close()


def test_unknown_stale_or_malformed_ids_get_400(server):
    url = engine_url(server.url, PATH, transport="sse")
    for last_id in ("nobody:1", "garbage", ""):
        stream = SSEStream(url, headers={"Last-Event-ID": last_id})
        if last_id == "":
            # An empty Last-Event-ID is a new session, as EventSource never sends one.
            assert stream.status == 200
        else:
            assert stream.status == 400, (last_id, stream.status)
        stream.close()
    client = SSEClient(server.url, PATH)
    last_id = client.stream.last_event_id
    client.stream.close()
    time.sleep(2.0)                  # past pingTimeout: the session gave up waiting
    stream = SSEStream(url, headers={"Last-Event-ID": last_id})
    assert stream.status == 400
    stream.close()


def test_a_stream_resumed_on_another_node_is_relayed_to_its_owner(redis):
    """Behind a load balancer the browser's reconnect may reach another node: that node relays
    the resume to the session's owner, and the stream goes on there with nothing missed."""
    from test_cluster_relay import start_cluster
    owner, other = start_cluster(redis, count=2, flags=("--app", "test", "--ping-interval", "3s",
                                                        "--ping-timeout", "1500ms"))
    try:
        room = new_tag("room")
        client = SSEClient(owner.url, PATH)
        client.send("40")
        assert client.recv(5).startswith("40{")
        sio_call(client, 1, "join", room)
        sender = RawSocket(other.url)
        sender.call("to-room", room, "n", 0)
        assert client.recv(5) == '42["n",0]'
        last_id = client.stream.last_event_id

        client.stream.close()
        time.sleep(0.3)
        for n in range(1, 6):
            sender.call("to-room", room, "n", n)
        resumed = SSEStream(engine_url(other.url, PATH, transport="sse"), headers={"Last-Event-ID": last_id})
        assert resumed.status == 200
        assert events_from(resumed, 5) == [["n", n] for n in range(1, 6)], "each once, in order"
        sender.call("to-room", room, "n", 6)
        assert events_from(resumed, 1) == [["n", 6]]
        resumed.close()
        sender.engine.close()
    finally:
        owner.stop()
        other.stop()
