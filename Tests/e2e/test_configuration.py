"""Settings from a config file (`--config`), with the environment and flags winning over it."""
import json
import os
import subprocess

from http_raw import get
from pushd_server import BINARY, ROOT, PushdServer

PUBLIC = os.path.join(ROOT, "Public")


def write(tmp_path, document, name="pushd.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def run(*args, env=None):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PUSHD_")}
    environment.update(env or {})
    return subprocess.run([BINARY, *args], capture_output=True, timeout=10, env=environment, cwd=ROOT)


def test_the_file_sets_flags_and_flags_win(tmp_path):
    path = write(tmp_path, {"app": "engine-echo", "path": "/rt/", "ping-interval": "40s",
                            "cors-origin": ["http://a.test", "http://b.test"], "max-payload": 5000})
    server = PushdServer("--config", path, "--ping-interval", "7s")
    try:
        response = get(server.port, "/rt/?EIO=4&transport=polling")
        assert response.status == 200
        opened = json.loads(response.body.decode()[1:])
        assert opened["pingInterval"] == 7000, "the flag wins over the file"
        assert opened["maxPayload"] == 5000, "the file's number applies"
        assert "app engine-echo" in server.read_log()
    finally:
        server.stop()


def test_the_environment_wins_over_the_file(tmp_path):
    path = write(tmp_path, {"ping-interval": "40s"})
    server = PushdServer("--config=" + path, env={"PUSHD_PING_INTERVAL": "9s"})
    try:
        opened = json.loads(get(server.port, "/socket.io/?EIO=4&transport=polling").body.decode()[1:])
        assert opened["pingInterval"] == 9000
    finally:
        server.stop()


def test_config_file_from_the_environment(tmp_path):
    path = write(tmp_path, {"max-payload": 4321})
    server = PushdServer(env={"PUSHD_CONFIG": path})
    try:
        opened = json.loads(get(server.port, "/socket.io/?EIO=4&transport=polling").body.decode()[1:])
        assert opened["maxPayload"] == 4321
    finally:
        server.stop()


def test_file_errors_exit_2_with_the_reason(tmp_path):
    cases = [
        ({"prot": 3000}, 'unknown setting "prot"; did you mean --port?'),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ({"port": {"x": 1}}, '"port" must be a string, number, boolean or list of strings'),
        ({"port": "abc"}, "--port needs a whole number"),
    ]
    for document, message in cases:
        result = run("--config", write(tmp_path, document), "--public", PUBLIC)
        assert result.returncode == 2, (document, result.stderr)
        assert message in result.stderr.decode(), (document, result.stderr)
    result = run("--config", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and b"cannot read the file" in result.stderr


def test_a_misspelt_flag_gets_a_suggestion():
    result = run("--cors-orgin", "x")
    assert result.returncode == 2
    assert b"unknown flag --cors-orgin; did you mean --cors-origin?" in result.stderr


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("pushd ")


def test_a_bare_number_under_1000_is_not_taken_as_milliseconds():
    result = run("--ping-interval", "25")
    assert result.returncode == 2
    assert b"--ping-interval 25: a bare number is milliseconds; write 25s or 25ms" in result.stderr
    result = run("--ping-interval", "2500", "--port", "99999")
    assert b"ping-interval" not in result.stderr, "2500 (ms) is accepted"


def test_environment_errors_name_the_variable():
    result = run(env={"PUSHD_PORT": "abc"})
    assert result.returncode == 2
    assert b"PUSHD_PORT=abc: --port needs a whole number" in result.stderr


def test_transports_takes_client_js_aliases():
    """One set of names on both sides: client.js's aliases long-polling and plain-polling work
    in --transports too."""
    server = PushdServer("--transports", "long-polling, plain-polling")
    try:
        for name in ("polling", "short-polling"):
            response = get(server.port, f"/socket.io/?EIO=4&transport={name}")
            assert response.status == 200 and response.body.startswith(b"0"), (name, response)
        for name in ("sse", "long-polling"):
            assert get(server.port, f"/socket.io/?EIO=4&transport={name}").status == 400, name
    finally:
        server.stop()
    result = run("--transports", "polling,carrier-pigeon")
    assert result.returncode == 2
    assert b"alias long-polling" in result.stderr and b"carrier-pigeon" in result.stderr
