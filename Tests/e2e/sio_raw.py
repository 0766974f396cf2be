"""A raw Socket.IO client on the main namespace over one Engine.IO transport, packet by packet,
as connection state recovery tests need it: the CONNECT answer (sid, pid), events with their
offsets, acks, and a drop without any goodbye."""
import json
import time

from engine_client import WebSocketClient, PollingClient, SSEClient
from sio_helpers import PATH

TRANSPORTS = {"websocket": WebSocketClient, "polling": PollingClient, "sse": SSEClient}


class RawSocket:
    """One Socket.IO client on the main namespace, packet by packet."""

    def __init__(self, url, transport="websocket", auth=None):
        self.engine = TRANSPORTS[transport](url, PATH)
        self.events = []
        self.next_ack = 0
        self.engine.send("40" + (json.dumps(auth) if auth else ""))
        self.connect_data = None
        while self.connect_data is None:
            self._handle(self._next())

    @property
    def sid(self):
        return self.connect_data["sid"]

    @property
    def pid(self):
        return self.connect_data.get("pid")

    def _next(self, timeout=5.0):
        (message,) = self.engine.recv_messages(1, timeout=timeout)
        return message

    def _handle(self, message):
        # Socket.IO packets (the engine's "4" already taken off).
        if message.startswith("0"):
            self.connect_data = json.loads(message[1:])
        elif message.startswith("4"):
            raise AssertionError(f"connect refused: {message}")
        elif message.startswith("2"):
            body = message[1:]
            start = body.index("[")
            self.events.append((body[:start], json.loads(body[start:])))
        elif message.startswith("3"):
            body = message[1:]
            start = body.index("[")
            return int(body[:start]), json.loads(body[start:])
        return None

    def call(self, event, *args, timeout=5.0):
        self.next_ack += 1
        ack_id = self.next_ack
        self.engine.send("42" + str(ack_id) + json.dumps([event, *args]))
        deadline = time.monotonic() + timeout
        while True:
            answer = self._handle(self._next(deadline - time.monotonic()))
            if answer and answer[0] == ack_id:
                return answer[1]

    def wait_events(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            self._handle(self._next(deadline - time.monotonic()))
        return self.events

    def offset(self):
        """The last event's offset, as socket.io-client keeps it."""
        return self.events[-1][1][-1] if self.events else None

    def drop(self):
        """Loses the connection without a Socket.IO goodbye: the WebSocket or the event stream
        is cut; a polling client closes its engine session (socket.io.engine.close()), as a
        server only notices a polling client gone silent after the ping timeout."""
        if isinstance(self.engine, WebSocketClient):
            self.engine.ws.shutdown()
        elif isinstance(self.engine, (PollingClient, SSEClient)):
            # (A cut event stream alone is resumed by the engine: see test_sse_resume.py.)
            self.engine.send("1")
            self.engine.close()
        else:
            self.engine.close()


def reconnect(url, previous, transport="websocket", auth=None):
    recovery = {"pid": previous.pid}
    if previous.offset() is not None:
        recovery["offset"] = previous.offset()
    return RawSocket(url, transport, {**(auth or {}), **recovery})


def arguments(events):
    """Event name and arguments without the offset."""
    return [(packet[0], *packet[1:-1]) for _, packet in events]
