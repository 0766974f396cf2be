"""Cross-origin access and proxies: what `--cors-origin` answers (`*` without credentials,
credentials only for origins listed by name), and what `--trust-proxy` lets X-Forwarded-For,
-Host and -Proto decide (the same-origin check, the client address apps see)."""
import json

import pytest
import requests

from pushd_server import PushdServer

PATH = "/socket.io/"


def handshake_url(server, **extra):
    query = "&".join(f"{key}={value}" for key, value in {"EIO": "4", "transport": "polling", **extra}.items())
    return f"{server.url}{PATH}?{query}"


@pytest.fixture(scope="module")
def star():
    server = PushdServer("--cors-origin", "*")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def listed():
    server = PushdServer("--cors-origin", "https://good.example")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxied():
    server = PushdServer("--trust-proxy", "--app", "test")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def direct():
    server = PushdServer("--app", "test")
    yield server
    server.stop()


def test_star_allows_any_origin_without_credentials(star):
    """Reflecting any Origin with Allow-Credentials would let every site use the visitor's
    cookies with pushd; `*` is the wildcard browsers refuse to pair with credentials."""
    for origin in ("https://evil.example", "null"):
        response = requests.get(handshake_url(star), headers={"Origin": origin}, timeout=3)
        assert response.status_code == 200 and response.text.startswith("0"), response.text
        assert response.headers.get("Access-Control-Allow-Origin") == "*", response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers, response.headers


def test_star_preflight_has_no_credentials(star):
    response = requests.options(handshake_url(star), headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=3)
    assert response.status_code == 204
    assert response.headers.get("Access-Control-Allow-Origin") == "*", response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers, response.headers


def test_a_listed_origin_gets_credentials(listed):
    response = requests.get(handshake_url(listed), headers={"Origin": "https://good.example"}, timeout=3)
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == "https://good.example"
    assert response.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "Origin" in response.headers.get("Vary", "")


@pytest.mark.parametrize("app, path", [("engine-echo", "/engine.io/"), ("socketio-reference", "/socket.io/")])
def test_conformance_presets_allow_any_origin_without_credentials(app, path):
    server = PushdServer("--app", app)
    try:
        response = requests.get(f"{server.url}{path}?EIO=4&transport=polling",
                                headers={"Origin": "https://evil.example"}, timeout=3)
        assert response.status_code == 200, response.text
        assert response.headers.get("Access-Control-Allow-Origin") == "*", response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers, response.headers
    finally:
        server.stop()


def test_a_default_port_written_or_not_is_the_same_origin(direct):
    """A proxy on port 80 passes `Host: example.com`; a page may say http://example.com:80."""
    for origin, host in [("http://example.com:80", "example.com"), ("http://example.com", "example.com:80")]:
        response = requests.get(handshake_url(direct), headers={"Origin": origin, "Host": host}, timeout=3)
        assert response.status_code == 200, (origin, host, response.text)


def test_forwarded_host_decides_the_same_origin_check_only_when_trusted(proxied, direct):
    """Behind a proxy that passes Host without the public port, X-Forwarded-Host names it."""
    headers = {"Origin": "http://example.com:8080", "Host": "127.0.0.1", "X-Forwarded-Host": "example.com:8080"}
    trusted = requests.get(handshake_url(proxied), headers=headers, timeout=3)
    assert trusted.status_code == 200 and trusted.text.startswith("0"), trusted.text
    untrusted = requests.get(handshake_url(direct), headers=headers, timeout=3)
    assert untrusted.status_code == 403, "X-Forwarded-Host is anyone's to send without --trust-proxy"
    assert "see --trust-proxy" in direct.read_log(wait=0.3), "the refusal's log line names the flag"


def test_a_forwarded_host_does_not_widen_the_check(proxied):
    headers = {"Origin": "http://evil.example", "Host": "evil.example", "X-Forwarded-Host": "example.com:8080"}
    assert requests.get(handshake_url(proxied), headers=headers, timeout=3).status_code == 403


def test_forwarded_proto_must_match_the_origin_scheme(proxied):
    headers = {"Host": "127.0.0.1", "X-Forwarded-Host": "example.com", "X-Forwarded-Proto": "https"}
    good = requests.get(handshake_url(proxied), headers={**headers, "Origin": "https://example.com"}, timeout=3)
    assert good.status_code == 200, good.text
    plain = requests.get(handshake_url(proxied), headers={**headers, "Origin": "http://example.com"}, timeout=3)
    assert plain.status_code == 403, "an http page is another origin than the https one the proxy serves"


def handshake_address(server, headers):
    """Opens a Socket.IO session over polling and asks the test app for its handshake."""
    session = requests.Session()
    opened = session.get(handshake_url(server), headers=headers, timeout=3)
    sid = json.loads(opened.text[1:])["sid"]
    url = handshake_url(server, sid=sid)
    assert session.post(url, data="40", timeout=3).text == "ok"
    assert session.get(url, timeout=3).text.startswith("40")
    assert session.post(url, data='421["handshake"]', timeout=3).text == "ok"
    for _ in range(5):
        for packet in session.get(url, timeout=3).text.split("\x1e"):
            if packet.startswith("431"):
                return json.loads(packet[3:])[0]["address"]
    raise AssertionError("no answer to the handshake event")


@pytest.mark.parametrize("forwarded, expected", [
    ("203.0.113.7", "203.0.113.7"),
    ("198.51.100.1, 203.0.113.7", "203.0.113.7"),   # the entry the proxy in front added
    ("2001:db8::7", "[2001:db8::7]"),
])
def test_trusted_forwarded_for_is_the_client_address(proxied, forwarded, expected):
    assert handshake_address(proxied, {"X-Forwarded-For": forwarded}) == expected


def test_forwarded_for_is_ignored_without_trust_or_when_malformed(proxied, direct):
    assert handshake_address(direct, {"X-Forwarded-For": "203.0.113.7"}).startswith("127.0.0.1:")
    assert handshake_address(proxied, {"X-Forwarded-For": "<script>"}).startswith("127.0.0.1:")
