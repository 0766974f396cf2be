"""Chromium's EventSource behind nginx whose proxy_read_timeout (1 s) is shorter than the
test: nginx cuts the quiet stream again and again, the browser reopens it with Last-Event-ID
through nginx, and pushd resumes the same engine session each time, so client.js sees every
event once and in order with no Socket.IO reconnect."""
import uuid

from browser_support import Page, free_port
from nginx_proxy import NginxProxy
from sio_raw import RawSocket


def test_eventsource_through_nginx_survives_its_read_timeout(driver, start_server):
    # Pings every 5 s leave the stream quiet past nginx's 1 s read timeout between events.
    server = start_server(free_port(), "--app", "test", "--ping-interval", "5s", "--ping-timeout", "5s")
    proxy = NginxProxy([server.port], read_timeout="1s")
    room = f"room-{uuid.uuid4()}"
    try:
        page = Page(driver, proxy.url).open()
        page.run("""
            const socket = await T.connect({ transports: ["sse"], upgrade: false });
            window.S = { socket, engineId: socket.io.engine.id, got: [], disconnects: 0, connects: 0 };
            socket.on("n", (n) => S.got.push(n));
            socket.on("disconnect", () => S.disconnects++);
            socket.on("connect", () => S.connects++);
            await socket.emitWithAck("join", args[0]);
        """, room)
        sender = RawSocket(server.url)
        # Ten events 0.5 s apart, then a pause of 2.5 s (nginx cuts), then ten more.
        for n in range(10):
            sender.call("to-room", room, "n", n)
            page.run("await probe.sleep(500);")
        page.run("await probe.sleep(2500);")
        for n in range(10, 20):
            sender.call("to-room", room, "n", n)
        result = page.run("""
            await T.waitFor(() => S.got.length >= 20, 15000, 'every event');
            await probe.sleep(300);
            return { got: S.got, sameEngine: S.socket.io.engine.id === S.engineId, disconnects: S.disconnects,
                     connects: S.connects, transport: S.socket.io.engine.transport.name };
        """)
        assert result["got"] == list(range(20)), "each event once, in order"
        assert result["sameEngine"] is True, "the same engine session across nginx's cuts"
        assert result["disconnects"] == 0 and result["connects"] == 0, "no Socket.IO reconnect"
        assert result["transport"] == "sse"
        with open(proxy.folder + "/error.log") as log:
            cuts = log.read().count("timed out")
        assert cuts >= 1, "nginx never cut the stream: the test did not test resuming"
        sender.engine.close()
    finally:
        driver.get("about:blank")
        proxy.close()
