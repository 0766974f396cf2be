"""Rooms and broadcasts of pushd's Socket.IO layer, driven through the test app (`--app test`)
with python-socketio's AsyncClient: joining and leaving, room / except / everyone-but-me
broadcasts, rooms per namespace, fetchSockets / socketsJoin / socketsLeave /
disconnectSockets, and one broadcast to 1,000 connected sockets."""
import asyncio
import time

import aiohttp
import pytest

from pushd_server import PushdServer
from sio_helpers import MODE_IDS, SERVER_DISCONNECT, Client, ClientPool, eventually, new_tag, run

TIMEOUT = 15


@pytest.fixture(scope="module")
def app():
    server = PushdServer("--app", "test")
    yield server
    server.stop()


@pytest.fixture(params=MODE_IDS)
def mode(request):
    return request.param


async def settle():
    """Lets broadcasts still in flight arrive before checking that something did not."""
    await asyncio.sleep(0.15)


def test_join_leave_and_room_broadcasts(app, mode):
    async def body():
        room = new_tag("room")
        async with ClientPool(app.url) as pool:
            a, b, c = [await pool.connect(mode) for _ in range(3)]
            assert await a.call("join", room) == [sorted([a.sid, room])]
            assert await b.call("join", room) == [sorted([b.sid, room])]
            assert await b.call("join", room) == [sorted([b.sid, room])], "joining twice changes nothing"

            # to(room) from a socket outside the room
            await c.call("to-room", room, "news", 1, {"x": b"\x01"})
            assert await a.wait_for("news") == [(1, {"x": b"\x01"})]
            assert await b.wait_for("news") == [(1, {"x": b"\x01"})]

            # server.to(room) includes a sender that is in the room
            await a.call("to-room", room, "news2", "all of the room")
            for client in (a, b):
                assert await client.wait_for("news2") == [("all of the room",)]

            # socket.to(room) leaves the sender out
            await a.call("to-room-others", room, "news3")
            assert await b.wait_for("news3") == [()]

            # after leaving, no more room broadcasts
            assert await b.call("leave", room) == [[b.sid]]
            await c.call("to-room", room, "news4", "b left")
            assert await a.wait_for("news4") == [("b left",)]

            # except(room): everyone in the namespace but the room's members
            await c.call("except-room", room, "outside")
            assert await b.wait_for("outside") == [()]
            assert await c.wait_for("outside") == [()]

            # socket.broadcast: everyone but the sender
            await a.call("broadcast-except-me", "others", "from a")
            assert await b.wait_for("others") == [("from a",)]
            assert await c.wait_for("others") == [("from a",)]

            await settle()
            assert c.received("news") == [] and c.received("news2") == [] and c.received("news4") == []
            assert a.received("news3") == [] and c.received("news3") == []
            assert b.received("news4") == []
            assert a.received("outside") == []
            assert a.received("others") == []
            for client in (a, b, c):
                for event in ("news", "news2", "news3", "news4", "outside", "others"):
                    assert len(client.received(event)) <= 1, f"{event} delivered twice: {client.events!r}"
    run(body(), TIMEOUT)


def test_rooms_named_in_auth_are_joined_on_connection(app, mode):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, auth={"rooms": ["r-one", "r-two"]})
            assert await client.call("rooms") == [sorted([client.sid, "r-one", "r-two"])]
    run(body(), TIMEOUT)


def test_rooms_belong_to_their_namespace(app, mode):
    async def body():
        room = new_tag("room")
        async with ClientPool(app.url) as pool:
            member = await pool.connect(mode, namespaces=["/", "/custom"])
            sender = await pool.connect(mode, namespaces=["/", "/custom"])
            await member.call("join", room)  # in "/" only
            await sender.call("to-room", room, "custom-news", namespace="/custom")
            await sender.call("to-room", room, "root-news")
            assert await member.wait_for("root-news") == [()]
            await settle()
            assert member.received("custom-news", "/custom") == [] and member.received("custom-news") == []
            assert member.received("root-news", "/custom") == []
            (fetched,) = await sender.call("fetch", room, namespace="/custom")
            assert fetched["ids"] == []
    run(body(), TIMEOUT)


def test_fetch_sockets_sockets_join_leave_and_disconnect_room(app, mode):
    async def body():
        first_room, second_room = new_tag("first"), new_tag("second")
        tags = [new_tag("a"), new_tag("b")]
        async with ClientPool(app.url) as pool:
            a = await pool.connect(mode, auth={"tag": tags[0], "rooms": [first_room]})
            b = await pool.connect(mode, auth={"tag": tags[1], "rooms": [first_room]})
            c = await pool.connect(mode)

            (fetched,) = await c.call("fetch", first_room)
            assert fetched["ids"] == sorted([a.sid, b.sid])
            for snapshot in fetched["sockets"]:
                assert sorted(snapshot["rooms"]) == sorted([snapshot["id"], first_room])
                assert snapshot["transport"] == a.sio.transport()
            (everyone,) = await c.call("fetch")
            assert {a.sid, b.sid, c.sid} <= set(everyone["ids"])

            # the first room's sockets join the second room, wherever their loops are
            await c.call("sockets-join", second_room, first_room)
            (fetched,) = await c.call("fetch", second_room)
            assert fetched["ids"] == sorted([a.sid, b.sid])
            assert await a.call("rooms") == [sorted([a.sid, first_room, second_room])]

            # ... and leave the first one
            await c.call("sockets-leave", first_room, second_room)
            (fetched,) = await c.call("fetch", first_room)
            assert fetched["ids"] == []
            assert await b.call("rooms") == [sorted([b.sid, second_room])]

            await c.call("to-room", second_room, "before-disconnect")
            for client in (a, b):
                await client.wait_for("before-disconnect")

            # disconnectSockets: the room's sockets are disconnected by the server
            await c.call("disconnect-room", second_room)
            assert await a.wait_disconnected() == SERVER_DISCONNECT
            assert await b.wait_disconnected() == SERVER_DISCONNECT
            assert c.sio.connected and c.disconnects == []
            (fetched,) = await c.call("fetch", second_room)
            assert fetched["ids"] == []
            for tag in tags:
                entries = await c.reasons(tag)
                assert [e["reason"] for e in entries] == ["server namespace disconnect"]
    run(body(), TIMEOUT)


def test_broadcast_to_1000_sockets_reaches_each_exactly_once(app):
    """1,000 python-socketio AsyncClients over WebSocket on one event loop (sharing one aiohttp
    session) in one room, plus 10 outside it."""
    members_count, outsiders_count = 1000, 10
    payload = ({"seq": 1, "text": "to the room"}, b"\x01\x02\x03")

    async def body():
        room = new_tag("big")
        connector = aiohttp.TCPConnector(limit=0)
        session = aiohttp.ClientSession(connector=connector)
        members = [Client(http_session=session) for _ in range(members_count)]
        outsiders = [Client(http_session=session) for _ in range(outsiders_count)]
        gate = asyncio.Semaphore(100)

        async def connect(client, auth):
            async with gate:
                await client.connect(app.url, "websocket", auth=auth, wait_timeout=10)

        started = time.monotonic()
        try:
            await asyncio.gather(*[connect(m, {"rooms": [room]}) for m in members],
                                 *[connect(o, None) for o in outsiders])
            connected = time.monotonic()
            controller = outsiders[0]
            (fetched,) = await controller.call("fetch", room)
            assert len(fetched["ids"]) == members_count
            assert set(fetched["ids"]) == {m.sid for m in members}

            # one room broadcast, with a binary attachment, from a socket outside the room
            await controller.call("to-room", room, "announce", *payload)
            await eventually(lambda: all(m.received("announce") for m in members), timeout=10,
                             what="every member got the announce")
            # one namespace-wide broadcast, and one "everyone but me"
            await controller.call("emit-all", "everyone", 2)
            await members[0].call("broadcast-except-me", "others", 3)
            everybody = members + outsiders
            await eventually(lambda: all(c.received("everyone") for c in everybody), timeout=10,
                             what="everyone got the namespace broadcast")
            await eventually(lambda: all(c.received("others") for c in everybody[1:]), timeout=10,
                             what="everyone else got the broadcast")
            delivered = time.monotonic()
            await asyncio.sleep(0.3)
            for index, member in enumerate(members):
                assert member.received("announce") == [payload], f"member {index}: {member.events!r}"
                assert member.received("everyone") == [(2,)], f"member {index}: {member.events!r}"
            for outsider in outsiders:
                assert outsider.received("announce") == []
                assert outsider.received("everyone") == [(2,)]
            assert members[0].received("others") == []
            assert all(c.received("others") == [(3,)] for c in everybody[1:])

            # disconnectSockets on the whole room at once
            await controller.call("disconnect-room", room)
            await eventually(lambda: all(m.disconnects for m in members), timeout=10,
                             what="every member disconnected by the server")
            (fetched,) = await controller.call("fetch", room)
            assert fetched["ids"] == []
            assert all(o.sio.connected for o in outsiders)
            print(f"\n1000 sockets: connected in {connected - started:.2f}s, "
                  f"3 broadcasts delivered in {delivered - connected:.2f}s")
        finally:
            await asyncio.gather(*[c.close() for c in members + outsiders])
            await session.close()
    run(body(), 40)
