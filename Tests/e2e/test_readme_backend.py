"""The README's "Use pushd from any backend" snippets, run as written (curl, Python, Node)
against a pushd started the way that section starts it."""
import json
import os
import re
import socket
import subprocess

import pytest

from pushd_server import ROOT, PushdServer

KEY = "readme-key-0123456789abcdef"


def section_blocks(language, containing=""):
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Use pushd from any backend", 1)[1].split("\n## ", 1)[0]
    return [block for block in re.findall(r"```" + language + r"\n(.*?)```", section, re.S) if containing in block]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def api():
    port = free_port()
    server = PushdServer("--api-key", KEY, "--api-listen", f"127.0.0.1:{port}")
    yield server, port
    server.stop()


def localize(code, port):
    return code.replace("http://localhost:3001", f"http://127.0.0.1:{port}")


def environment():
    return {**os.environ, "PUSHD_API_KEY": KEY}


def test_the_start_commands_name_real_flags():
    starts = section_blocks("sh", "swift run")
    flags = [flag for block in starts for flag in re.findall(r"(--[a-z-]+)", block)]
    assert flags == ["--api-key", "--api-listen", "--jwt-secret"]
    help_text = subprocess.run([os.environ.get("PUSHD_BIN", os.path.join(ROOT, ".build/release/pushd")), "--help"],
                               capture_output=True, text=True).stdout
    for flag in flags:
        assert f"  {flag} " in help_text


def test_curl_snippet(api):
    server, port = api
    (block,) = section_blocks("sh", "curl")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", localize(block, port)], capture_output=True, text=True,
                            env=environment(), timeout=30)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert answers == [{"ok": True}, {"ok": True}, {"rooms": {}}]


def test_python_snippet(api):
    server, port = api
    (block,) = section_blocks("python", "requests")
    result = subprocess.run(["python3", "-c", localize(block, port)], capture_output=True, text=True,
                            env=environment(), timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "{}"]


def test_node_snippet(api):
    server, port = api
    (block,) = section_blocks("js", "fetch(")
    result = subprocess.run(["node", "--input-type=module", "-e", localize(block, port)], capture_output=True,
                            text=True, env=environment(), timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


SECRET = "readme-jwt-secret-0123456789abcdef-0123456789abcdef"


def connects_with(server, token):
    """The user id pushd saw for a client connecting with `token`."""
    import asyncio
    from sio_helpers import ClientPool, run

    async def body():
        async with ClientPool(server.url) as pool:
            client = await pool.connect("websocket", auth={"token": token})
            return client.sid
    return run(body(), 15)


@pytest.mark.parametrize("language,command", [("python", ["python3", "-c"]),
                                              ("js", ["node", "--input-type=module", "-e"])])
def test_token_snippets_make_tokens_pushd_accepts(start_server, language, command):
    server = start_server("--jwt-secret", SECRET)
    (block,) = section_blocks(language, "connection")
    result = subprocess.run([*command, block], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "PUSHD_JWT_SECRET": SECRET})
    assert result.returncode == 0, result.stderr
    assert connects_with(server, result.stdout.strip())


def test_room_rules_config_as_written(start_server, tmp_path):
    (block,) = section_blocks("json", "namespaces")
    document = json.loads(block)
    document["jwt-secret"] = SECRET
    path = tmp_path / "pushd.json"
    path.write_text(json.dumps(document))
    server = start_server("--config", str(path), "--app", "test")

    from sio_helpers import ClientPool, run

    async def body():
        async with ClientPool(server.url) as pool:
            a, b = await pool.connect("websocket"), await pool.connect("polling")
            assert await a.call("pushd:join", "lobby") == [{"ok": True}]
            assert await b.call("pushd:join", "lobby") == [{"ok": True}]
            assert await b.call("pushd:join", "chat:1") == [{"error": "not allowed"}], "no token, no chat:*"
            assert await a.call("pushd:publish", "lobby", "said", "hi") == [{"ok": True}]
            assert await b.wait_for("said") == [("hi",)]
    run(body(), 15)
