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


def section_blocks(language):
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Use pushd from any backend", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```" + language + r"\n(.*?)```", section, re.S)


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


def test_the_start_command_names_real_flags():
    (start,) = [block for block in section_blocks("sh") if "swift run" in block]
    flags = re.findall(r"(--[a-z-]+)", start)
    assert flags == ["--api-key", "--api-listen"]
    help_text = subprocess.run([os.environ.get("PUSHD_BIN", os.path.join(ROOT, ".build/release/pushd")), "--help"],
                               capture_output=True, text=True).stdout
    for flag in flags:
        assert flag in help_text


def test_curl_snippet(api):
    server, port = api
    (block,) = [block for block in section_blocks("sh") if "curl" in block]
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", localize(block, port)], capture_output=True, text=True,
                            env=environment(), timeout=30)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert answers == [{"ok": True}, {"ok": True}, {"rooms": {}}]


def test_python_snippet(api):
    server, port = api
    (block,) = section_blocks("python")
    result = subprocess.run(["python3", "-c", localize(block, port)], capture_output=True, text=True,
                            env=environment(), timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "{}"]


def test_node_snippet(api):
    server, port = api
    (block,) = section_blocks("js")
    result = subprocess.run(["node", "--input-type=module", "-e", localize(block, port)], capture_output=True,
                            text=True, env=environment(), timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
