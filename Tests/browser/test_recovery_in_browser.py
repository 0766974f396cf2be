"""Connection state recovery in headless Chromium: client.js on each of its four transports, and
the official Socket.IO browser client (4.8.1), against pushd's test app with a recovery window.
The page drops its engine (`socket.io.engine.close()`); meanwhile another socket sends events to
a room of the dropped one and to it alone; on reconnecting, `socket.recovered` is true, the id
is the same, and every missed event arrives once and in order."""
import os
import uuid

import pytest

from browser_support import Page, free_port
from official_client import fetch_official_client

TRANSPORTS = ["websocket", "sse", "polling", "short-polling"]
MISSED = 20

# Runs in the page: connect, join a room, drop, have another socket send MISSED events, come back.
SCENARIO = """
    const [opts, room, missed, stripsOffset] = args;
    const a = await T.connect(opts);
    const b = await T.connect({ transports: ["websocket"] });
    await a.emitWithAck("join", room);
    const got = [];
    a.on("n", (...received) => got.push(received));
    await b.emitWithAck("to-room", room, "n", -1);
    await T.waitFor(() => got.length === 1, 5000, "the first event");
    const id = a.id, firstRecovered = a.recovered;
    const reconnected = new Promise((resolve) => a.once("connect", resolve));
    a.io.engine.close();
    for (let n = 0; n < missed; n++) await b.emitWithAck("to-room", n % 2 ? id : room, "n", n);
    await reconnected;
    await T.waitFor(() => got.length >= missed + 1, 8000, "the missed events");
    await probe.sleep(300);
    return { id, sameId: a.id === id, firstRecovered, recovered: a.recovered,
             values: got.map((received) => received[0]),
             extra: got.map((received) => received.length - 1),
             offsets: got.map((received) => received[received.length - 1]) };
"""


@pytest.fixture(scope="module")
def recovering_server(public_dir, start_server_module):
    return start_server_module("--app", "test", "--recovery-window", "30s")


@pytest.fixture(scope="module")
def start_server_module(public_dir):
    from pushd_server import PushdServer
    started = []

    def start(*flags):
        instance = PushdServer("--port", str(free_port()), *flags, public=public_dir)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def check(result, offsets_visible):
    assert result["firstRecovered"] is False
    assert result["recovered"] is True, result
    assert result["sameId"] is True
    assert result["values"] == [-1] + list(range(MISSED)), "each event once, in order"
    if offsets_visible:
        assert result["extra"] == [1] * (MISSED + 1), "the official client hands the offset over as a last argument"
        assert len(set(result["offsets"])) == MISSED + 1
    else:
        assert result["extra"] == [0] * (MISSED + 1), "client.js takes the offset off"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_client_js_recovers_on_each_transport(driver, recovering_server, transport):
    page = Page(driver, recovering_server.url).open()
    try:
        opts = {"transports": [transport], "upgrade": False, "reconnectionDelay": 200, "reconnectionDelayMax": 400}
        check(page.run(SCENARIO, opts, f"room-{uuid.uuid4()}", MISSED), offsets_visible=False)
    finally:
        driver.get("about:blank")


def test_official_socket_io_client_recovers(driver, public_dir, recovering_server):
    fetch_official_client(os.path.join(public_dir, "test", "socket.io.min.js"))
    page = Page(driver, recovering_server.url).open("/test/official.html")
    try:
        opts = {"transports": ["websocket"], "reconnectionDelay": 200, "reconnectionDelayMax": 400}
        check(page.run(SCENARIO, opts, f"room-{uuid.uuid4()}", MISSED), offsets_visible=True)
        # Over long-polling with the upgrade, as the official client connects by default.
        opts = {"reconnectionDelay": 200, "reconnectionDelayMax": 400}
        check(page.run(SCENARIO, opts, f"room-{uuid.uuid4()}", MISSED), offsets_visible=True)
    finally:
        driver.get("about:blank")
