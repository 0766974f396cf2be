"""The pushd command line: help, flag errors, bind failures, environment variables, start log."""
import json
import os
import re
import select
import signal
import socket
import subprocess
import time

import pytest

from http_raw import get
from pushd_server import BINARY, ROOT, PushdServer, stop_process

PUBLIC = os.path.join(ROOT, "Public")

FLAGS = [
    "host", "port", "public", "threads", "log-level", "app", "max-connections", "drain-timeout",
    "max-request-line", "max-header-bytes", "max-headers", "header-timeout", "body-timeout",
    "keepalive-timeout", "write-high-water", "path", "ping-interval", "ping-timeout", "max-payload",
    "max-session-queue", "max-sessions", "transports", "cors-origin", "upgrade-timeout",
    "trust-proxy", "reuse-port",
]

CRASH_MARKERS = ("Fatal error", "Stack dump", "backtrace", "Backtrace", "Current stack trace", "Segmentation")


def run(*args, env=None, timeout=10):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PUSHD_")}
    environment.update(env or {})
    return subprocess.run([BINARY, *args], capture_output=True, timeout=timeout, env=environment, cwd=ROOT)


def assert_clean_failure(result, status=None):
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode > 0, f"exit {result.returncode} (negative: killed by a signal): {stderr}"
    if status is not None:
        assert result.returncode == status, stderr
    for marker in CRASH_MARKERS:
        assert marker not in stderr, stderr
    assert stderr.strip(), "nothing on stderr"
    return stderr


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_help_lists_every_flag_with_default():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    text = (result.stdout + result.stderr).decode()
    lines = {}
    for line in text.splitlines():
        match = re.match(r"\s*--([a-z][a-z0-9-]*)\b", line)
        if match:
            lines[match.group(1)] = line
    missing = [flag for flag in FLAGS if flag not in lines]
    assert not missing, f"--help does not list {missing}"
    for flag, line in lines.items():
        if flag in ("help", "version"):
            continue
        assert "(default " in line, f"no default shown for --{flag}: {line!r}"
        env_name = "PUSHD_" + flag.upper().replace("-", "_")
        assert env_name in line, f"no {env_name} shown for --{flag}: {line!r}"
    assert "help" in lines


def test_unknown_flag_exits_2():
    result = run("--no-such-flag")
    stderr = assert_clean_failure(result, status=2)
    assert "--no-such-flag" in stderr
    assert "unknown" in stderr.lower()


@pytest.mark.parametrize("flag,value", [("--port", "abc"), ("--threads", "0"), ("--port", "70000"),
                                        ("--header-timeout", "soon")])
def test_bad_value_exits_2(flag, value):
    result = run("--host", "127.0.0.1", "--public", PUBLIC, flag, value)
    stderr = assert_clean_failure(result, status=2)
    assert flag in stderr, stderr
    assert value in stderr, stderr


def test_port_in_use_fails_cleanly():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        result = run("--host", "127.0.0.1", "--port", str(port), "--public", PUBLIC, "--threads", "2")
    stderr = assert_clean_failure(result)
    assert str(port) in stderr, stderr
    assert "in use" in stderr.lower(), stderr


def second_pushd(*flags):
    return run("--host", "127.0.0.1", "--public", PUBLIC, "--threads", "2", *flags)


def test_a_second_pushd_on_the_same_port_exits_1():
    """Every loop's listener sets SO_REUSEPORT; without a check a second pushd would start
    and the kernel would split new connections between the two."""
    first = PushdServer("--threads", "2")
    try:
        result = second_pushd("--port", str(first.port))
        stderr = assert_clean_failure(result, status=1)
        assert f"port {first.port} is already in use (another pushd?)" in stderr, stderr
        assert "listening" not in stderr, stderr
        assert get(first.port, "/health").status == 200
    finally:
        first.stop()


@pytest.mark.parametrize("flag", ["--api-listen", "--metrics-listen"])
def test_a_busy_side_port_exits_1(flag):
    side = free_port()
    extra = ["--api-key", "k" * 24] if flag == "--api-listen" else []
    first = PushdServer(*extra, flag, f"127.0.0.1:{side}")
    try:
        result = second_pushd("--port", "0", *extra, flag, f"127.0.0.1:{side}")
        stderr = assert_clean_failure(result, status=1)
        assert f"port {side} is already in use (another pushd?)" in stderr, stderr
    finally:
        first.stop()


def test_reuse_port_shares_the_port_only_when_both_ask():
    first = PushdServer("--reuse-port")
    try:
        refused = second_pushd("--port", str(first.port))
        assert f"port {first.port} is already in use" in assert_clean_failure(refused, status=1)
        second = PushdServer("--reuse-port", "--port", str(first.port))
        try:
            assert second.port == first.port
            assert get(first.port, "/health").status == 200
        finally:
            second.stop()
    finally:
        first.stop()


def test_pushd_port_environment_variable():
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PUSHD_")}
    environment["PUSHD_PORT"] = str(port)
    proc = subprocess.Popen([BINARY, "--host", "127.0.0.1", "--threads", "2", "--public", PUBLIC],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    log = b""
    try:
        deadline = time.monotonic() + 10
        while b"listening on" not in log and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                log += chunk
        assert f"listening on http://127.0.0.1:{port}".encode() in log, log
        response = get(port, "/health")
        assert response.status == 200
    finally:
        stop_process(proc)
        proc.stderr.close()


def test_start_log_line_has_address_threads_and_version(start_server):
    instance = start_server("--threads", "3")
    version = json.loads(get(instance.port, "/health").body)["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", version), version
    log = instance.read_log()
    line = next(line for line in log.splitlines() if "listening on" in line)
    assert f"http://127.0.0.1:{instance.port}" in line, line
    assert re.search(r"threads\D{0,3}3\b", line), line
    assert version in line, line


def test_debug_logs_redact_session_ids():
    """A session id is a bearer credential: logs show its first 4 characters only."""
    server = PushdServer("--log-level", "debug")
    try:
        opened = get(server.port, "/socket.io/?EIO=4&transport=short-polling")
        sid = json.loads(opened.body.decode()[1:])["sid"]
        assert get(server.port, f"/socket.io/?EIO=4&transport=short-polling&sid={sid}&t=1", timeout=5).status == 200
        with socket.create_connection(("127.0.0.1", server.port)) as conn:
            body = b"1"   # a close packet: the session logs its end
            conn.sendall(f"POST /socket.io/?EIO=4&transport=short-polling&sid={sid} HTTP/1.1\r\nHost: x\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            conn.recv(4096)
        log = server.read_log(wait=0.5)
        assert f"sid={sid[:4]}…" in log, log
        assert f"session {sid[:4]}… closed" in log, log
        assert sid not in log, log
    finally:
        server.stop()
