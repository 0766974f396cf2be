"""Chromium's own EventSource resuming a cut stream: a proxy between the page and pushd cuts
every connection; the browser reopens the stream with Last-Event-ID and pushd resumes the same
engine session, so client.js neither reconnects nor misses an event sent meanwhile."""
import socket
import threading
import uuid

from browser_support import Page, free_port
from sio_raw import RawSocket


class CuttingProxy:
    """Forwards 127.0.0.1:port to pushd; `cut()` drops every connection open now."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            victims, self.open = self.open, []
        for end in victims:
            try:
                end.shutdown(socket.SHUT_RDWR)
                end.close()
            except OSError:
                pass

    def close(self):
        self.listener.close()
        self.cut()


def test_eventsource_resumes_a_cut_stream_without_reconnecting(driver, start_server):
    server = start_server(free_port(), "--app", "test")
    proxy = CuttingProxy(server.port)
    room = f"room-{uuid.uuid4()}"
    try:
        page = Page(driver, f"http://127.0.0.1:{proxy.port}").open()
        page.run("""
            const socket = await T.connect({ transports: ["sse"], upgrade: false });
            window.S = { socket, engineId: socket.io.engine.id, got: [], disconnects: 0, connects: 0 };
            socket.on("n", (n) => S.got.push(n));
            socket.on("disconnect", () => S.disconnects++);
            socket.on("connect", () => S.connects++);
            await socket.emitWithAck("join", args[0]);
        """, room)
        sender = RawSocket(server.url)
        sender.call("to-room", room, "n", 0)
        page.run("await T.waitFor(() => S.got.length === 1, 5000, 'the first event');")
        proxy.cut()
        for n in range(1, 11):
            sender.call("to-room", room, "n", n)
        result = page.run("""
            await T.waitFor(() => S.got.length >= 11, 15000, 'the events sent while the stream was cut');
            await probe.sleep(300);
            return { got: S.got, sameEngine: S.socket.io.engine.id === S.engineId, disconnects: S.disconnects,
                     connects: S.connects, transport: S.socket.io.engine.transport.name };
        """)
        assert result["got"] == list(range(11)), "each event once, in order"
        assert result["sameEngine"] is True, "the same engine session: the stream was resumed"
        assert result["disconnects"] == 0 and result["connects"] == 0, "no Socket.IO reconnect"
        assert result["transport"] == "sse"
        sender.engine.close()
    finally:
        driver.get("about:blank")
        proxy.close()
