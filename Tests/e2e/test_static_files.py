"""Static files from the public folder, conditional requests, and confinement to that folder."""
import json
import os

import pytest

from http_raw import Conn, get
from pushd_server import ROOT, PushdServer

SECRET = b"TOP-SECRET-7f3a9c do not serve"


def assert_nothing_more(conn):
    """No body bytes follow the response and the connection stays usable."""
    assert conn.buffer == b"", conn.buffer[:200]
    assert conn.still_open(0.3), conn.buffer[:200]


@pytest.fixture(scope="module")
def index_bytes():
    with open(os.path.join(ROOT, "Public", "index.html"), "rb") as file:
        return file.read()


def test_get_root_serves_index(server, index_bytes):
    with Conn(server.port) as conn:
        conn.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        response = conn.read_response()
        assert response.status == 200, response
        assert response.header("Content-Type") == "text/html; charset=utf-8"
        assert response.header("Content-Length") == str(len(index_bytes))
        assert response.body == index_bytes
        assert response.header("ETag")
        assert response.header("Last-Modified", "").endswith(" GMT")
        assert_nothing_more(conn)


def test_head_has_same_headers_and_no_body(server):
    get_response = get(server.port, "/")
    with Conn(server.port) as conn:
        conn.send(b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = conn.read_response(method="HEAD")
        assert head.status == 200, head
        for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified"):
            assert head.header(name) == get_response.header(name), name
        assert head.body == b""
        assert_nothing_more(conn)


def test_if_none_match_gives_304(server):
    etag = get(server.port, "/").header("ETag")
    with Conn(server.port) as conn:
        conn.send(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: {etag}\r\n\r\n")
        response = conn.read_response()
        assert response.status == 304, response
        assert response.header("ETag") == etag
        assert_nothing_more(conn)
        conn.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert conn.read_response().status == 200


def test_if_modified_since_gives_304(server):
    last_modified = get(server.port, "/").header("Last-Modified")
    with Conn(server.port) as conn:
        conn.send(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-Modified-Since: {last_modified}\r\n\r\n")
        response = conn.read_response()
        assert response.status == 304, response
        assert_nothing_more(conn)


def test_client_js_content_type(server):
    response = get(server.port, "/client.js")
    assert response.status == 200, response
    content_type = response.header("Content-Type", "").split(";")[0].strip().lower()
    assert content_type in ("text/javascript", "application/javascript"), response
    with open(os.path.join(ROOT, "Public", "client.js"), "rb") as file:
        assert response.body == file.read()


def test_unknown_file_is_404(server):
    response = get(server.port, "/no-such-file.txt")
    assert response.status == 404, response


@pytest.mark.parametrize("body", [b"", b"a=1"], ids=["no-body", "small-body"])
def test_post_root_is_405_with_allow(server, body):
    with Conn(server.port) as conn:
        conn.send(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        response = conn.read_response()
        assert response.status == 405, response
        allow = {method.strip() for method in response.header("Allow", "").split(",")}
        assert {"GET", "HEAD"} <= allow, response


def test_health(server):
    response = get(server.port, "/health")
    assert response.status == 200, response
    assert response.header("Content-Type", "").split(";")[0] == "application/json"
    assert json.loads(response.body)["status"] == "ok"
    assert b'"status":"ok"' in response.body


# --- confinement ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jailed(tmp_path_factory):
    root = tmp_path_factory.mktemp("jail")
    public = root / "public"
    (public / "a").mkdir(parents=True)
    (public / "index.html").write_bytes(b"<!doctype html><p>jail</p>\n")
    (public / "a" / "page.txt").write_bytes(b"inside\n")
    (public / ".hidden").write_bytes(SECRET)
    (root / "secret").write_bytes(SECRET)
    (root / "outside").mkdir()
    (root / "outside" / "secret").write_bytes(SECRET)
    os.symlink(root / "secret", public / "link")
    os.symlink(root / "outside", public / "linkdir")
    instance = PushdServer(public=str(public))
    yield instance
    instance.stop()


ESCAPES = [
    "/../secret",
    "/%2e%2e/secret",
    "/%2E%2E/secret",
    "/%2e%2e%2fsecret",
    "/a/..%2f..%2fsecret",
    "/a/../../secret",
    "/a%2f..%2f..%2fsecret",
    "/..%5csecret",
    "//../secret",
    "/%00",
    "/index.html%00.png",
    "/link",
    "/linkdir/secret",
    "/.hidden",
    "/a/../.hidden",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_no_escape_from_public_folder(jailed, path):
    with Conn(jailed.port) as conn:
        conn.send(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        response = conn.read_response()
    assert SECRET not in response.raw, f"GET {path} served the secret: {response!r}"
    assert response.status in (400, 404), f"GET {path}: {response!r}"


def test_jailed_server_serves_inside_files(jailed):
    assert get(jailed.port, "/a/page.txt").body == b"inside\n"
    assert get(jailed.port, "/").status == 200


# --- the browser client, built in ---------------------------------------------------------------

@pytest.mark.parametrize("name, content_type", [("client.js", "text/javascript"), ("client.mjs", "text/javascript"),
                                                ("client.d.ts", "text/plain"), ("client.d.mts", "text/plain")])
def test_the_client_is_served_from_the_binary_when_the_folder_lacks_it(jailed, name, content_type):
    """A user's own --public folder has no client.js; pushd serves the one it was built with."""
    with open(os.path.join(ROOT, "Public", name), "rb") as source:
        expected = source.read()
    response = get(jailed.port, "/" + name)
    assert response.status == 200, response
    assert response.body == expected, f"/{name} differs from Public/{name}: rebuild pushd"
    assert response.header("Content-Type").startswith(content_type)
    etag = response.header("ETag")
    with Conn(jailed.port) as conn:
        conn.send(f"GET /{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: {etag}\r\n\r\n".encode())
        assert conn.read_response().status == 304


def test_a_client_js_in_the_folder_wins(tmp_path):
    (tmp_path / "client.js").write_bytes(b"// my own build\n")
    instance = PushdServer(public=str(tmp_path))
    try:
        assert get(instance.port, "/client.js").body == b"// my own build\n"
        assert get(instance.port, "/client.mjs").status == 200, "the rest still comes from the binary"
        assert get(instance.port, "/demo.js").status == 404, "only the client is built in"
    finally:
        instance.stop()
