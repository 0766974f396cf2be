"""Signed connection tokens (`--jwt-secret`) made by PyJWT, checked by pushd: required and
optional modes, every refusal, claims (data, sub, rooms, ns), expiry of a live connection and
its refresh, and room rules from a config file (`pushd:join`, `pushd:leave`, `pushd:publish`)."""
import asyncio
import json
import time

import jwt
import pytest
import requests

from pushd_server import PushdServer
from sio_helpers import MODE_IDS, RACE_SAFE_PING, SERVER_DISCONNECT, Client, ClientPool, eventually, new_tag, run

SECRET = "test-secret-0123456789abcdef-0123456789abcdef-0123456789abcdef-0123"
OLD_SECRET = "old-secret-fedcba9876543210-fedcba9876543210"
KEY = "token-tests-api-key-0123"
TIMEOUT = 20


def token(secret=SECRET, algorithm="HS256", **claims):
    claims.setdefault("exp", int(time.time()) + 600)
    return jwt.encode(claims, secret, algorithm=algorithm)



@pytest.fixture(scope="module")
def app():
    server = PushdServer("--app", "test", "--jwt-secret", f"{SECRET},{OLD_SECRET}", "--api-key", KEY, *RACE_SAFE_PING)
    yield server
    server.stop()


def api(server, method, body):
    response = requests.post(f"{server.url}/api/{method}", data=json.dumps(body),
                             headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
    return response.json()


async def refused(server, mode, auth, namespace="/"):
    """The connect errors a client gets for `auth` (empty when it connected)."""
    client = Client(namespaces=(namespace,))
    try:
        await client.connect(server.url, mode, auth=auth, wait_timeout=10)
    except Exception:
        await eventually(lambda: client.connect_errors, timeout=10, what="connect_error")
    await client.close()
    return client.connect_errors


@pytest.fixture(params=MODE_IDS)
def mode(request):
    return request.param


def test_a_valid_token_connects_with_its_claims(app, mode):
    async def body():
        user = new_tag("user")
        claims = {"sub": user, "data": {"name": "Ada", "plan": "pro"}, "rooms": ["team:blue"]}
        async with ClientPool(app.url) as pool:
            client = await pool.connect(mode, auth={"token": token(**claims)})
            entry = next(s for s in api(app, "sockets", {"in": [client.sid]})["sockets"])
            assert entry["data"] == {"name": "Ada", "plan": "pro", "user": user}
            assert entry["rooms"] == sorted(["team:blue", f"user:{user}"])
            # The API reaches every connection of a user through its room.
            second = await pool.connect(mode, auth={"token": token(sub=user)})
            api(app, "emit", {"event": "hi", "to": [f"user:{user}"]})
            for connection in (client, second):
                assert await connection.wait_for("hi") == [()]
    run(body(), TIMEOUT)


def test_rotated_secrets_and_every_hmac_algorithm(app):
    async def body():
        async with ClientPool(app.url) as pool:
            for secret, algorithm in ((OLD_SECRET, "HS256"), (SECRET, "HS384"), (SECRET, "HS512")):
                await pool.connect("websocket", auth={"token": token(secret=secret, algorithm=algorithm, sub="u")})
    run(body(), TIMEOUT)


@pytest.mark.parametrize("auth,message,reason", [
    (None, "token required", "token_required"),
    ({"token": ""}, "token required", "token_required"),
    ({"token": "not.a.jwt"}, "invalid token", "invalid_token"),
    ({"token": token(secret="wrong-secret-0123456789abcdef-0123456789")}, "invalid token", "invalid_token"),
    ({"token": token(exp=int(time.time()) - 3600)}, "token expired", "token_expired"),
    ({"token": token(nbf=int(time.time()) + 3600)}, "invalid token", "invalid_token"),
    ({"token": jwt.encode({"sub": "u"}, SECRET, algorithm="HS256")}, "invalid token", "invalid_token"),
    ({"token": jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, None, algorithm="none")}, "invalid token", "invalid_token"),
    ({"token": token(ns=["/admin"])}, "namespace not allowed", "namespace_not_allowed"),
])
def test_refusals(app, auth, message, reason):
    errors = run(refused(app, "polling", auth), TIMEOUT)
    assert len(errors) == 1
    (_, data) = errors[0]
    assert data["message"] == message
    assert data["data"]["reason"] == reason


def test_the_ns_claim_opens_matching_namespaces(app):
    async def body():
        async with ClientPool(app.url) as pool:
            await pool.connect("websocket", namespaces=("/custom",), auth={"token": token(ns=["/cust*"])})
        assert await refused(app, "websocket", {"token": token(ns=["/cust*"])}, namespace="/") != []
    run(body(), TIMEOUT)


def test_optional_mode_admits_anonymous_clients_only(start_server):
    server = start_server("--app", "test", "--jwt-secret", SECRET, "--auth", "optional")

    async def body():
        async with ClientPool(server.url) as pool:
            await pool.connect("websocket")
            await pool.connect("websocket", auth={"token": token(sub="u")})
        errors = await refused(server, "websocket", {"token": "garbage"})
        assert errors and errors[0][1]["message"] == "invalid token"
    run(body(), TIMEOUT)


def test_an_expired_token_ends_the_connection_unless_refreshed(start_server):
    server = start_server("--app", "test", "--jwt-secret", SECRET, "--jwt-leeway", "0")

    async def body():
        async with ClientPool(server.url) as pool:
            soon = int(time.time()) + 2
            lapsing = await pool.connect("websocket", auth={"token": token(sub="a", exp=soon)})
            renewed = await pool.connect("polling", auth={"token": token(sub="b", exp=soon)})
            answer = await renewed.call("pushd:refresh", token(sub="b", exp=int(time.time()) + 600))
            assert answer[0]["ok"] is True
            assert (await renewed.call("pushd:refresh", token(sub="someone-else")))[0] == {"error": "token is for another user"}
            assert await lapsing.wait_disconnected(timeout=6) == SERVER_DISCONNECT
            await asyncio.sleep(0.5)
            assert renewed.disconnects == [], "the refreshed connection stays"
            assert (await renewed.call("echo", 1)) is not None
    run(body(), TIMEOUT)


def test_room_rules_from_the_config_file(start_server, tmp_path):
    config = tmp_path / "pushd.json"
    config.write_text(json.dumps({
        "jwt-secret": SECRET, "auth": "optional",
        "namespaces": {"/": {"rooms": [
            {"pattern": "chat:*", "join": "token", "publish": "member"},
            {"pattern": "lobby", "join": "any", "publish": "member"},
        ]}},
    }))
    server = start_server("--app", "test", "--config", str(config))

    async def body():
        async with ClientPool(server.url) as pool:
            alice = await pool.connect("websocket", auth={"token": token(sub="alice", allow=["chat:*"])})
            bob = await pool.connect("polling", auth={"token": token(sub="bob", allow=["chat:7"])})
            anon = await pool.connect("websocket")
            assert await alice.call("pushd:join", "chat:7") == [{"ok": True}]
            assert await bob.call("pushd:join", "chat:7") == [{"ok": True}]
            assert await bob.call("pushd:join", "chat:8") == [{"error": "not allowed"}]
            assert await anon.call("pushd:join", "chat:7") == [{"error": "not allowed"}]
            assert await anon.call("pushd:join", "lobby") == [{"ok": True}]

            assert await alice.call("pushd:publish", "chat:7", "said", {"text": "hi"}) == [{"ok": True}]
            assert await bob.wait_for("said") == [({"text": "hi"},)]
            assert await anon.call("pushd:publish", "chat:7", "said", "spam") == [{"error": "not allowed"}]
            assert await bob.call("pushd:leave", "chat:7") == [{"ok": True}]
            await alice.call("pushd:publish", "chat:7", "said", "again")
            await asyncio.sleep(0.3)
            assert len(bob.received("said")) == 1 and anon.received("said") == []
            assert alice.received("said") == [], "the sender is left out"
    run(body(), TIMEOUT)


def test_bad_room_rules_stop_the_start(tmp_path):
    import subprocess
    from pushd_server import BINARY
    config = tmp_path / "pushd.json"
    config.write_text(json.dumps({"namespaces": {"/": {"rooms": [{"pattern": "a", "join": "maybe"}]}}}))
    result = subprocess.run([BINARY, "--config", str(config)], capture_output=True, timeout=10)
    assert result.returncode == 2
    assert b'namespaces["/"].rooms[0].join must be any, token or none' in result.stderr


@pytest.mark.parametrize("flags,message", [
    (["--jwt-secret", "short"], "each secret needs at least 32 characters"),
    (["--auth", "maybe"], "--auth must be required, optional or off"),
])
def test_bad_token_flags(flags, message):
    import subprocess
    from pushd_server import BINARY
    result = subprocess.run([BINARY, *flags], capture_output=True, timeout=10)
    assert result.returncode == 2 and message.encode() in result.stderr
