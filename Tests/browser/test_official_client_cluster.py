"""The official Socket.IO browser client (v4.8.1) in headless Chromium, against three cluster
nodes behind an nginx without stickiness: every connection upgrades to WebSocket and exchanges
events, whichever node each of its requests lands on."""
import os
import time

import pytest
import requests

from browser_support import Page
from official_client import fetch_official_client
from nginx_proxy import NginxProxy
from pushd_server import PushdServer
from redis_server import RedisServer

@pytest.fixture(scope="module")
def official_client(public_dir):
    """socket.io.min.js v4.8.1, taken from the pinned nicegui wheel into the served test pages."""
    fetch_official_client(os.path.join(public_dir, "test", "socket.io.min.js"))


@pytest.fixture
def proxied_cluster(public_dir):
    redis = RedisServer()
    nodes = []
    proxy = None
    try:
        nodes = [PushdServer("--redis", redis.url, public=public_dir) for _ in range(3)]
        # A node at random per request: in turn, the client's requests before its upgrade are
        # most often a multiple of three, so the upgrade would reach its own node nearly always.
        proxy = NginxProxy([node.port for node in nodes], random=True)
        yield proxy, nodes
    finally:
        if proxy:
            proxy.close()
        for node in nodes:
            node.stop()
        redis.close()


def relays(nodes):
    total = 0.0
    for node in nodes:
        for line in requests.get(node.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith("pushd_cluster_relays_total "):
                total += float(line.split()[1])
    return total


def test_official_client_upgrades_behind_nginx_without_stickiness(driver, official_client, proxied_cluster):
    proxy, nodes = proxied_cluster
    # The nodes know each other before the first client comes.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(" alive" in node.read_log(wait=0.1) for node in nodes):
        pass
    page = Page(driver, proxy.url).open("/test/socketio.html")
    results = page.run("""
        const results = [];
        for (let run = 0; run < 12; run++) {
            const socket = io({ forceNew: true, reconnection: false, transports: ["polling", "websocket"] });
            await new Promise((resolve, reject) => {
                socket.on("connect", resolve);
                socket.on("connect_error", reject);
            });
            const engine = socket.io.engine;
            if (engine.transport.name !== "websocket") {
                await new Promise((resolve) => {
                    engine.once("upgrade", resolve);
                    setTimeout(resolve, 2000);
                });
            }
            const transport = engine.transport.name;
            const echoed = await socket.timeout(5000).emitWithAck("echo", { run });
            const ticks = [];
            socket.on("tick", (tick) => ticks.push(tick.seq));
            await socket.timeout(5000).emitWithAck("ticker", { rate: 100 });
            // Ten ticks at 100/s, however late a loaded machine delivers them.
            const until = Date.now() + 10000;
            while (ticks.length < 10 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
            await socket.timeout(5000).emitWithAck("ticker", { rate: 0 });
            await new Promise((resolve) => setTimeout(resolve, 100));
            results.push({ transport, echoed, ticks });
            socket.disconnect();
        }
        return results;
    """)
    assert [r["transport"] for r in results] == ["websocket"] * 12, results
    assert [r["echoed"] for r in results] == [{"run": run} for run in range(12)]
    for result in results:
        ticks = result["ticks"]
        assert len(ticks) >= 10 and ticks == list(range(1, len(ticks) + 1)), ticks
    # Some upgrades landed on a node other than their session's owner.
    assert relays(nodes) >= 1
