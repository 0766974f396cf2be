"""The official Socket.IO browser client (4.8.1) recovering across two pushd nodes on Redis: the
page's socket is on node A; its engine is dropped and its Manager pointed at node B (as a load
balancer would send the reconnect elsewhere); meanwhile a socket on node B sends events to the
dropped one's room and to it alone. On reconnecting to B, `socket.recovered` is true, the id is
the same, and every missed event arrives once and in order."""
import os
import uuid

from browser_support import Page, free_port
from official_client import fetch_official_client

MISSED = 20

SCENARIO = """
    const [urlB, room, missed] = args;
    const opts = { forceNew: true, transports: ["websocket"], reconnectionDelay: 200, reconnectionDelayMax: 400 };
    const connected = (socket) => new Promise((resolve) => socket.once("connect", resolve));
    const a = io("/", opts);
    await connected(a);
    const b = io(urlB, opts);
    await connected(b);
    await a.emitWithAck("join", room);
    const got = [];
    a.on("n", (...received) => got.push(received));
    await b.emitWithAck("to-room", room, "n", -1);
    await T.waitFor(() => got.length === 1, 5000, "the first event");
    const id = a.id;
    const reconnected = connected(a);
    a.io.uri = urlB;
    a.io.engine.close();
    for (let n = 0; n < missed; n++) await b.emitWithAck("to-room", n % 2 ? id : room, "n", n);
    await reconnected;
    await T.waitFor(() => got.length >= missed + 1, 8000, "the missed events");
    await probe.sleep(300);
    const where = await a.emitWithAck("handshake");
    return { sameId: a.id === id, recovered: a.recovered, values: got.map((received) => received[0]),
             offsets: got.map((received) => received[received.length - 1]),
             host: (where.headers.find(([name]) => name.toLowerCase() === "host") || [])[1] };
"""


def test_official_client_recovers_on_another_node(driver, public_dir):
    from pushd_server import PushdServer
    from redis_server import RedisServer
    redis = RedisServer()
    nodes = []
    try:
        port_a = free_port()
        flags = ("--app", "test", "--recovery-window", "30s", "--redis", redis.url)
        nodes.append(PushdServer("--port", str(port_a), *flags, public=public_dir))
        nodes.append(PushdServer("--port", str(free_port()), *flags, "--cors-origin", f"http://127.0.0.1:{port_a}",
                                 public=public_dir))
        node_a, node_b = nodes
        fetch_official_client(os.path.join(public_dir, "test", "socket.io.min.js"))
        page = Page(driver, node_a.url).open("/test/official.html")
        try:
            result = page.run(SCENARIO, node_b.url, f"room-{uuid.uuid4()}", MISSED)
        finally:
            driver.get("about:blank")
        assert result["recovered"] is True, result
        assert result["sameId"] is True
        assert result["values"] == [-1] + list(range(MISSED)), "each event once, in order"
        assert len(set(result["offsets"])) == MISSED + 1
        assert result["host"] == f"127.0.0.1:{node_b.port}", "it came back on node B"
    finally:
        for node in nodes:
            node.stop()
        redis.close()
