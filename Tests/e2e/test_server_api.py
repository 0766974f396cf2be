"""The server HTTP API (`--api-key`): every method and every refusal, driven with `requests`
against pushd's test app while python-socketio clients (long-polling and WebSocket) receive what
the API sends."""
import asyncio
import json
import re
import socket

import pytest
import requests

from pushd_server import PushdServer
from sio_helpers import SERVER_DISCONNECT, ClientPool, new_tag, run

KEY = "k-0123456789abcdef"
ROTATED = "k-fedcba9876543210"
TIMEOUT = 20


@pytest.fixture(scope="module")
def app():
    server = PushdServer("--app", "test", "--api-key", f"{KEY},{ROTATED}", "--api-max-body", "4KiB")
    yield server
    server.stop()


def call(server, method, body, key=KEY, raw=None, path="/api/"):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = raw if raw is not None else json.dumps(body)
    response = requests.post(f"{server.url}{path}{method}", data=data, headers=headers, timeout=5)
    return response.status_code, response.json() if response.content else None


async def api(server, method, body, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: call(server, method, body, **kwargs))


def error_code(result):
    status, document = result
    return status, document["error"]["code"]


def test_without_a_key_the_api_does_not_exist(start_server):
    server = start_server("--app", "test")
    response = requests.post(f"{server.url}/api/emit", data="{}", timeout=5)
    assert response.status_code == 404


def test_keys_are_required_and_rotate(app):
    assert error_code(call(app, "rooms", {}, key=None)) == (401, "unauthorized")
    assert error_code(call(app, "rooms", {}, key="k-0123456789abcdeX")) == (401, "unauthorized")
    assert error_code(call(app, "rooms", {}, key=KEY + "0")) == (401, "unauthorized")
    assert call(app, "rooms", {}, key=ROTATED)[0] == 200
    response = requests.post(f"{app.url}/api/rooms", data="{}", headers={"Authorization": f"bearer {KEY}"}, timeout=5)
    assert response.status_code == 200, "the scheme is case-insensitive"
    response = requests.post(f"{app.url}/api/rooms", data="{}", headers={"Authorization": f"Basic {KEY}"}, timeout=5)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_methods_take_post(app):
    response = requests.get(f"{app.url}/api/rooms", headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_emit_reaches_sockets_by_room_socket_and_namespace(app, mode):
    async def body():
        room = new_tag("room")
        async with ClientPool(app.url) as pool:
            a, b, c = [await pool.connect(mode) for _ in range(3)]
            custom = await pool.connect(mode, namespaces=("/custom",))
            await a.call("join", room)
            await b.call("join", room)

            assert await api(app, "emit", {"event": "all", "args": [1, "x", {"y": None}]}) == (200, {"ok": True})
            for client in (a, b, c):
                assert await client.wait_for("all") == [(1, "x", {"y": None})]

            await api(app, "emit", {"event": "room", "to": [room], "except": [b.sid]})
            assert await a.wait_for("room") == [()]
            await api(app, "emit", {"event": "one", "socket": c.sid, "args": ["only c"]})
            assert await c.wait_for("one") == [("only c",)]
            await api(app, "emit", {"namespace": "/custom", "event": "ns", "args": [True]})
            assert await custom.wait_for("ns", namespace="/custom") == [(True,)]
            await asyncio.sleep(0.2)
            assert b.received("room") == [] and c.received("room") == []
            assert a.received("one") == [] and b.received("one") == []
            assert a.received("ns") == [], "another namespace's sockets get nothing"
    run(body(), TIMEOUT)


def test_binary_arguments_arrive_as_binary(app):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket")
            args = [{"$binary": "AAEC/w=="}, {"nested": [{"$binary": ""}], "n": 1}]
            assert (await api(app, "emit", {"event": "file", "socket": client.sid, "args": args}))[0] == 200
            assert await client.wait_for("file") == [(b"\x00\x01\x02\xff", {"nested": [b""], "n": 1})]
    run(body(), TIMEOUT)


def test_idempotency_key_delivers_once(app):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket")
            key = new_tag("idem")
            first = await api(app, "emit", {"event": "once", "socket": client.sid, "idempotencyKey": key})
            second = await api(app, "emit", {"event": "once", "socket": client.sid, "idempotencyKey": key})
            other = await api(app, "emit", {"event": "once", "socket": client.sid, "idempotencyKey": key + "-2"})
            assert first == (200, {"ok": True})
            assert second == (200, {"ok": True, "duplicate": True})
            assert other == (200, {"ok": True})
            await client.wait_for("once", count=2)
            await asyncio.sleep(0.2)
            assert len(client.received("once")) == 2
    run(body(), TIMEOUT)


def test_join_leave_sockets_rooms_and_disconnect(app):
    async def body():
        room, other = new_tag("r"), new_tag("r")
        async with ClientPool(app.url) as pool:
            a, b = await pool.connect("websocket"), await pool.connect("polling")
            assert await api(app, "join", {"in": [a.sid, b.sid], "rooms": [room, other]}) == (200, {"ok": True})
            status, listed = await api(app, "sockets", {"in": [room]})
            assert status == 200
            by_id = {entry["id"]: entry for entry in listed["sockets"]}
            assert set(by_id) == {a.sid, b.sid}
            assert by_id[a.sid]["rooms"] == sorted([room, other])
            assert by_id[a.sid]["transport"] == "websocket" and by_id[b.sid]["transport"] == "polling"
            assert by_id[a.sid]["address"] == "127.0.0.1"
            assert isinstance(by_id[a.sid]["connectedAt"], (int, float)) and by_id[a.sid]["data"] == {}

            status, rooms = await api(app, "rooms", {})
            assert status == 200 and rooms["rooms"][room] == 2 and rooms["rooms"][other] == 2
            assert a.sid not in rooms["rooms"], "a socket's own room is not listed"

            assert await api(app, "leave", {"in": [b.sid], "rooms": [room]}) == (200, {"ok": True})
            await api(app, "emit", {"event": "left", "to": [room]})
            assert await a.wait_for("left") == [()]
            await asyncio.sleep(0.2)
            assert b.received("left") == []

            assert await api(app, "disconnect", {"in": [other], "except": [a.sid]}) == (200, {"ok": True})
            assert await b.wait_disconnected() == SERVER_DISCONNECT
            status, listed = await api(app, "sockets", {"in": [other]})
            assert [entry["id"] for entry in listed["sockets"]] == [a.sid]
    run(body(), TIMEOUT)


def test_batch_runs_in_order_with_one_result_each(app):
    async def body():
        room = new_tag("r")
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket")
            commands = [
                {"method": "join", "in": [client.sid], "rooms": [room]},
                {"method": "emit", "to": [room], "event": "first"},
                {"method": "rooms"},
                {"method": "emit", "to": [room], "event": "second", "args": [2]},
            ]
            status, answer = await api(app, "batch", {"commands": commands})
            assert status == 200
            results = answer["results"]
            assert results[0] == {"ok": True} and results[1] == {"ok": True} and results[3] == {"ok": True}
            assert results[2]["rooms"][room] == 1
            await client.wait_for("second")
            assert [name for _, name, _ in client.events if name in ("first", "second")] == ["first", "second"]
    run(body(), TIMEOUT)


@pytest.mark.parametrize("method,raw,code,status", [
    ("emit", "not json", "invalid_json", 400),
    ("emit", "[1,2]", "not_an_object", 400),
    ("emit", '{"args":[]}', "missing_field", 400),
    ("emit", '{"event":""}', "empty_event", 400),
    ("emit", '{"event":"disconnect"}', "reserved_event", 400),
    ("emit", '{"event":"e","to":"a","tO":"b"}', "unknown_field", 400),
    ("emit", '{"event":"e","to":[1]}', "invalid_field", 400),
    ("emit", '{"event":"e","args":[{"$binary":"!!"}]}', "invalid_binary", 400),
    ("emit", '{"event":"e","args":' + "[" * 40 + "]" * 40 + "}", "too_deep", 400),
    ("publish", "{}", "unknown_method", 404),
    ("", "{}", "unknown_method", 404),
])
def test_bad_requests_get_a_stable_error(app, method, raw, code, status):
    got_status, document = call(app, method, None, raw=raw)
    assert (got_status, document["error"]["code"]) == (status, code)
    assert document["error"]["message"]


def test_body_over_the_limit_is_413(app):
    response = requests.post(f"{app.url}/api/emit", data='{"event":"e","args":["' + "x" * 5000 + '"]}',
                             headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
    assert response.status_code == 413


def test_bad_calls_disturb_no_session(app):
    async def body():
        async with ClientPool(app.url) as pool:
            client = await pool.connect("websocket")
            for raw in ["{", "[]", '{"event":5}', "\xff\xfe", '{"event":"e","args":' + "[" * 500, "null"]:
                status, _ = await api(app, "emit", None, raw=raw.encode("utf-8", "surrogateescape"))
                assert status in (400, 404)
            await api(app, "emit", {"event": "still-here", "socket": client.sid})
            assert await client.wait_for("still-here") == [()]
    run(body(), TIMEOUT)


def test_api_listen_moves_the_api_off_the_public_port(start_server):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = start_server("--app", "test", "--api-key", KEY, "--api-listen", f"127.0.0.1:{port}")
    assert re.search(rf"server API on http://127\.0\.0\.1:{port} at /api/", server.read_log(wait=0.2))
    assert requests.post(f"{server.url}/api/rooms", data="{}", headers={"Authorization": f"Bearer {KEY}"},
                         timeout=5).status_code == 404
    response = requests.post(f"http://127.0.0.1:{port}/api/rooms", data="{}",
                             headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
    assert response.status_code == 200 and response.json() == {"rooms": {}}
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 404, "only the API there"


def test_short_keys_are_refused_at_start():
    import subprocess
    from pushd_server import BINARY
    result = subprocess.run([BINARY, "--api-key", "short"], capture_output=True, timeout=10)
    assert result.returncode == 2
    assert b"--api-key: each key needs at least 16 characters" in result.stderr
