"""Helpers for the Socket.IO v5 end-to-end tests.

- `MODES`: the three ways python-socketio's AsyncClient reaches the server: long-polling only,
  WebSocket only, and polling upgraded to WebSocket.
- `Client`: a python-socketio AsyncClient (no reconnection) that records every event it gets,
  per namespace, plus connect errors and disconnects; `ClientPool` disconnects every client it
  made, whatever the test did.
- `RawSocketIO`: Socket.IO packets by hand over a raw Engine.IO WebSocket (websocket-client),
  for what a well-behaved client never sends (malformed packets, silence, unanswered pings).
- `run`: runs one test coroutine with a hard time limit.
"""
import asyncio
import json
import time
import uuid

import socketio

from engine_client import Closed, PollingClient, WebSocketClient

PATH = "/socket.io/"

# mode id -> (transports given to the client, transport expected once connected)
MODES = {
    "polling": (["polling"], "polling"),
    "websocket": (["websocket"], "websocket"),
    "upgrade": (["polling", "websocket"], "websocket"),
}
MODE_IDS = list(MODES)

SERVER_DISCONNECT = socketio.AsyncClient.reason.SERVER_DISCONNECT

# python-engineio (4.x) may never send its CLOSE over polling: when a connect error (or a
# server disconnect) comes back on the GET while the client's POST is still out, its write loop
# sees the client already disconnecting and exits with the CLOSE unsent, and the client then
# waits for its held GET until the server's next ping. A short ping interval makes that wait
# short instead of 25 s.
RACE_SAFE_PING = ("--ping-interval", "2s")


def run(coroutine, timeout):
    """Runs `coroutine` on a fresh event loop; fails the test if it takes over `timeout` s."""
    async def guarded():
        try:
            return await asyncio.wait_for(coroutine, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"test did not finish within {timeout}s") from None
    return asyncio.run(guarded())


def new_tag(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def eventually(check, timeout=3.0, interval=0.02, what="condition"):
    """Awaits until `check()` (sync or async) returns a truthy value; returns it."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s (last: {last!r})")
        await asyncio.sleep(interval)


class Client:
    """python-socketio's AsyncClient with everything it receives recorded.

    events: [(namespace, event, args)] in arrival order
    connect_errors: [(namespace, data)]
    disconnects: [(namespace, reason)]
    `answer`, when given, handles the server's "question" events (an async function of the
    event's arguments whose return value is the acknowledgement)."""

    def __init__(self, namespaces=("/",), answer=None, http_session=None, on_event=None):
        options = {"http_session": http_session} if http_session is not None else {}
        self.sio = socketio.AsyncClient(reconnection=False, request_timeout=5, handle_sigint=False, **options)
        self.namespaces = list(namespaces)
        self.events = []
        self.connect_errors = []
        self.disconnects = []
        self.on_event = on_event
        for namespace in self.namespaces:
            self.sio.on("*", self._recorder(namespace), namespace=namespace)
            self.sio.on("connect_error", self._error_recorder(namespace), namespace=namespace)
            self.sio.on("disconnect", self._disconnect_recorder(namespace), namespace=namespace)
            if answer is not None:
                self.sio.on("question", self._answerer(namespace, answer), namespace=namespace)

    def _recorder(self, namespace):
        def record(event, *args):
            self.events.append((namespace, event, args))
            if self.on_event is not None:
                self.on_event(namespace, event, args)
        return record

    def _error_recorder(self, namespace):
        def record(data=None):
            self.connect_errors.append((namespace, data))
        return record

    def _disconnect_recorder(self, namespace):
        def record(reason=None):
            self.disconnects.append((namespace, reason))
        return record

    def _answerer(self, namespace, answer):
        async def handle(*args):
            self.events.append((namespace, "question", args))
            return await answer(*args)
        return handle

    async def connect(self, url, mode, auth=None, headers=None, wait_timeout=5):
        transports, expected = MODES[mode]
        await self.sio.connect(url, transports=transports, auth=auth, headers=headers or {},
                               namespaces=self.namespaces, wait_timeout=wait_timeout)
        # an upgrade may still be finishing when connect returns
        await eventually(lambda: self.sio.transport() == expected, timeout=5,
                         what=f"transport {expected!r} (now {self.sio.transport()!r})")
        return self

    @property
    def sid(self):
        return self.sio.get_sid("/")

    async def call(self, event, *args, namespace="/", timeout=5):
        """Emits with an acknowledgement; the server's ack arguments as a list."""
        future = asyncio.get_running_loop().create_future()

        def answered(*ack_args):
            if not future.done():
                future.set_result(list(ack_args))
        await self.sio.emit(event, tuple(args), namespace=namespace, callback=answered)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no acknowledgement for {event!r} {args!r} in {namespace} within {timeout}s") from None

    async def emit(self, event, *args, namespace="/"):
        await self.sio.emit(event, tuple(args), namespace=namespace)

    def received(self, event, namespace="/"):
        """Argument tuples of every `event` received on `namespace` so far."""
        return [args for ns, name, args in self.events if ns == namespace and name == event]

    async def wait_for(self, event, namespace="/", count=1, timeout=5.0):
        """Waits until `count` `event`s arrived on `namespace`; returns their argument tuples."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received(event, namespace)
            if len(got) >= count:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError(f"{count} {event!r} on {namespace} expected within {timeout}s, got "
                                     f"{len(got)}; everything received: {self.events!r}")
            await asyncio.sleep(0.01)

    async def wait_disconnected(self, namespace="/", timeout=5.0):
        """Waits for the client's disconnect event on `namespace`; returns its reason."""
        await eventually(lambda: [r for ns, r in self.disconnects if ns == namespace], timeout,
                         what=f"disconnect on {namespace}")
        return [r for ns, r in self.disconnects if ns == namespace][0]

    async def reasons(self, tag, count=1, timeout=3.0):
        """The server's log entries for `tag` (at least `count`), read through this client."""
        async def entries():
            (found,) = await self.call("last-disconnect-reasons", tag)
            return found if len(found) >= count else None
        return await eventually(entries, timeout, interval=0.05, what=f"{count} log entries for {tag}")

    async def close(self):
        try:
            await asyncio.wait_for(self.sio.disconnect(), 5)
        except Exception:
            pass


class ClientPool:
    """Makes clients and disconnects all of them on the way out."""

    def __init__(self, url):
        self.url = url
        self.clients = []

    def client(self, **options):
        client = Client(**options)
        self.clients.append(client)
        return client

    async def connect(self, mode, url=None, namespaces=("/",), auth=None, headers=None, answer=None):
        client = self.client(namespaces=namespaces, answer=answer)
        await client.connect(url or self.url, mode, auth=auth, headers=headers)
        return client

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await asyncio.gather(*[client.close() for client in self.clients])


# MARK: Raw Socket.IO over Engine.IO


def encode(packet_type, data=None, namespace="/", ack_id=None):
    """The text of one Socket.IO packet (no binary): `<type>[<nsp>,][<id>][JSON]`."""
    text = str(packet_type)
    if namespace != "/":
        text += namespace + ","
    if ack_id is not None:
        text += str(ack_id)
    if data is not None:
        text += json.dumps(data, separators=(",", ":"))
    return text


class NothingReceived(AssertionError):
    """No packet within the time given."""


class RawSocketIO:
    """Socket.IO by hand over one Engine.IO session. `recv` gives Socket.IO packets: the text
    after the Engine.IO "4" (str) or a binary attachment (bytes); pings are answered unless
    `answer_pings` is False; the Engine.IO close packet ends the session (Closed)."""

    def __init__(self, base, transport="websocket", answer_pings=True, path=PATH):
        if transport == "websocket":
            self.engine = WebSocketClient(base, path)
        else:
            self.engine = PollingClient(base, path, transport=transport)
        self.answer_pings = answer_pings
        self.pings = 0
        self.next_ack = 1

    @property
    def handshake(self):
        return self.engine.handshake

    def send(self, *packets):
        """Socket.IO packets: str (sent as "4" + text) or bytes (a binary attachment)."""
        self.engine.send(*[p if isinstance(p, (bytes, bytearray)) else "4" + p for p in packets])

    def send_engine(self, *packets):
        """Raw Engine.IO packets."""
        self.engine.send(*packets)

    def recv(self, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NothingReceived(f"no Socket.IO packet within {timeout}s")
            try:
                packet = self.engine.recv(remaining)
            except Closed:
                raise
            except AssertionError as error:
                if "within" in str(error):  # the transport's own "nothing received" timeout
                    raise NothingReceived(f"no Socket.IO packet within {timeout}s") from None
                raise
            if isinstance(packet, bytes):
                return packet
            if packet.startswith("4"):
                return packet[1:]
            if packet == "2":
                self.pings += 1
                if self.answer_pings:
                    self.engine.send("3")
                continue
            if packet == "6":
                continue
            if packet == "1":
                raise Closed("engine close packet")
            raise AssertionError(f"unexpected Engine.IO packet {packet!r}")

    def recv_many(self, count, timeout=3.0):
        deadline = time.monotonic() + timeout
        return [self.recv(max(0.01, deadline - time.monotonic())) for _ in range(count)]

    def connect(self, namespace="/", auth=None, timeout=3.0):
        """CONNECT; returns the socket id from the server's CONNECT answer."""
        self.send(encode(0, auth, namespace))
        answer = self.recv(timeout)
        prefix = "0" if namespace == "/" else f"0{namespace},"
        assert answer.startswith(prefix + "{"), f"CONNECT {namespace}: expected {prefix}{{...}}, got {answer!r}"
        body = json.loads(answer[len(prefix):])
        assert isinstance(body.get("sid"), str), answer
        return body["sid"]

    def call(self, event, *args, namespace="/", timeout=3.0):
        """EVENT with an ack id; returns the ACK's arguments (events met meanwhile are kept in
        `self.skipped`)."""
        ack_id = self.next_ack
        self.next_ack += 1
        self.send(encode(2, [event, *args], namespace, ack_id))
        prefix = ("3" if namespace == "/" else f"3{namespace},") + str(ack_id)
        deadline = time.monotonic() + timeout
        self.skipped = []
        while True:
            packet = self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(packet, str) and packet.startswith(prefix + "["):
                return json.loads(packet[len(prefix):])
            self.skipped.append(packet)

    def wait_closed(self, timeout=3.0):
        """Reads until the session ends; returns (Socket.IO packets before, seconds waited)."""
        started = time.monotonic()
        deadline = started + timeout
        packets = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"session still open after {timeout}s (Socket.IO packets received: {packets!r})")
            try:
                packets.append(self.recv(remaining))
            except NothingReceived:
                continue
            except Closed:
                return packets, time.monotonic() - started

    def close(self):
        self.engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def logged_reasons(base, tag, count=1, timeout=3.0):
    """The test app's log entries for `tag` (at least `count` of them), read over a raw
    WebSocket session."""
    deadline = time.monotonic() + timeout
    with RawSocketIO(base) as raw:
        raw.connect()
        while True:
            (entries,) = raw.call("last-disconnect-reasons", tag)
            if len(entries) >= count:
                return entries
            if time.monotonic() >= deadline:
                raise AssertionError(f"{count} log entries for {tag} expected within {timeout}s, got {entries!r}")
            time.sleep(0.05)
