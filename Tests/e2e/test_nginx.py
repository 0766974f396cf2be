"""The README's nginx site, as written, in front of pushd started as the README starts it:
the page and client.js through the proxy, Socket.IO clients over WebSocket (upgrade) and
polling, SSE unbuffered, and the client address and same-origin check through X-Forwarded-*."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from pushd_server import ROOT, PushdServer, stop_process
from sio_helpers import MODE_IDS, ClientPool, run

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def proxy_section():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return text.split("## Behind a proxy", 1)[1].split("\n## ", 1)[0]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed (scripts/test installs it with apt-get)")
    section = proxy_section()
    (site,) = re.findall(r"```nginx\n(.*?)```", section, re.S)
    (start,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    flags = start.split("pushd", 1)[1].split()
    server = PushdServer(*flags, "--app", "test")   # the README's flags, then the test app
    port = free_port()
    assert "listen 8080;" in site and "127.0.0.1:3000" in site
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace("127.0.0.1:3000", f"127.0.0.1:{server.port}")
    prefix = tmp_path_factory.mktemp("nginx")
    temporary = " ".join(f"{name}_temp_path {prefix}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = prefix / "nginx.conf"
    config.write_text(f"daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
                      f"events {{ worker_connections 256; }}\n"
                      f"http {{\naccess_log off;\n{temporary}\n{site}\n}}\n")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert proc.poll() is None, "nginx refused the README's config: " + proc.stderr.read().decode(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.1)
        yield server, f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc, signal.SIGQUIT)
        server.stop()


def test_the_page_and_client_come_through(proxied):
    server, url = proxied
    assert requests.get(url + "/", timeout=5).status_code == 200
    client = requests.get(url + "/client.js", timeout=5)
    assert client.status_code == 200 and b"function" in client.content


@pytest.mark.parametrize("mode", MODE_IDS)
def test_a_client_through_the_proxy(proxied, mode):
    """The Origin a page on the proxy's port sends passes the same-origin check."""
    server, url = proxied

    async def body():
        async with ClientPool(url) as pool:
            client = await pool.connect(mode, url=url, headers={"Origin": url})
            handshake = (await client.call("handshake"))[0]
            assert handshake["address"] == "127.0.0.1", "the proxy's X-Forwarded-For entry, no port"
            assert ["x-forwarded-host", url.split("//")[1]] in [[k.lower(), v] for k, v in handshake["headers"]]
            assert await client.call("echo", "through nginx") == ["through nginx"]
    run(body(), 20)


def test_another_origin_is_refused_through_the_proxy(proxied):
    server, url = proxied
    response = requests.get(url + "/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://evil.example"},
                            timeout=5)
    assert response.status_code == 403


def test_sse_is_not_buffered(proxied):
    server, url = proxied
    with requests.get(url + "/socket.io/?EIO=4&transport=sse", headers={"Origin": url}, stream=True, timeout=5) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        first = b""
        started = time.monotonic()
        for chunk in response.iter_content(chunk_size=None):
            first += chunk
            if b'"sid"' in first:
                break
        assert b'"sid"' in first and time.monotonic() - started < 3, "the open event waited in a buffer"
