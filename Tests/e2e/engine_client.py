"""Small raw Engine.IO v4 clients for the end-to-end tests.

Packets are handled in their "text form": the type digit and the payload ("4hello", "2",
"3probe"). A binary message is represented as `bytes`: over HTTP it travels as "b" + base64,
over WebSocket as a binary frame.

Every client has the same small interface:

    client.handshake   the open packet's JSON (a dict)
    client.sid
    client.send(*packets)          text forms (str) or binary messages (bytes)
    client.recv(timeout)           the next packet (str or bytes); raises Closed at the end
    client.recv_messages(n, ...)   the payloads of the next n messages, answering pings
    client.close()
"""
import base64
import codecs
import json
import os
import queue
import socket
import struct
import threading
import time
from urllib.parse import urlencode, urlsplit

import requests
import websocket

RS = "\x1e"
ERROR_MESSAGES = {
    0: "Transport unknown",
    1: "Session ID unknown",
    2: "Bad handshake method",
    3: "Bad request",
    4: "Forbidden",
    5: "Unsupported protocol version",
}


class Closed(Exception):
    """The transport ended (stream closed, WebSocket closed, session gone)."""


# MARK: Encoding


def engine_url(base, path, scheme=None, **params):
    """`base` + `path` + query; EIO=4 unless given (None drops a parameter)."""
    query = {"EIO": "4", **params}
    query = {k: v for k, v in query.items() if v is not None}
    url = f"{base}{path}?{urlencode(query)}"
    if scheme == "ws":
        url = "ws" + url[len("http"):]
    return url


def encode_packet(packet):
    """Text form of one packet for an HTTP payload."""
    if isinstance(packet, (bytes, bytearray)):
        return "b" + base64.b64encode(bytes(packet)).decode("ascii")
    return packet


def encode_payload(packets):
    """Packets joined with the record separator, as UTF-8 bytes."""
    return RS.join(encode_packet(p) for p in packets).encode("utf-8")


def decode_packet(text):
    """One text form: "b..." becomes the decoded bytes, anything else stays text."""
    if text.startswith("b"):
        return base64.b64decode(text[1:], validate=True)
    return text


def decode_payload(body):
    """A polling response body (str or bytes) into its packets."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8")
    return [decode_packet(part) for part in body.split(RS)]


def parse_open(packet):
    assert isinstance(packet, str) and packet.startswith("0"), f"expected an open packet, got {packet!r}"
    return json.loads(packet[1:])


def assert_engine_error(response, code, status=None):
    """A requests response carrying the JSON error body with `code`."""
    expected_status = status or (403 if code == 4 else 400)
    assert response.status_code == expected_status, (
        f"expected HTTP {expected_status}, got {response.status_code}: {response.text!r}")
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"expected a JSON error body, got {response.text!r}") from None
    assert body == {"code": code, "message": ERROR_MESSAGES[code]}, body


class ClientBase:
    transport = None

    def recv(self, timeout=3.0):
        raise NotImplementedError

    def send(self, *packets):
        raise NotImplementedError

    def recv_messages(self, count, timeout=3.0, pong=True):
        """Payloads of the next `count` message packets (str or bytes); pings are answered."""
        deadline = time.monotonic() + timeout
        messages = []
        while len(messages) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.transport}: got {len(messages)} of {count} messages: {messages!r}")
            packet = self.recv(remaining)
            if isinstance(packet, bytes):
                messages.append(packet)
            elif packet.startswith("4"):
                messages.append(packet[1:])
            elif packet == "2":
                if pong:
                    self.send("3")
            elif packet == "6":
                continue
            else:
                raise AssertionError(f"{self.transport}: unexpected packet {packet!r} (got so far {messages!r})")
        return messages

    def next_ping(self, timeout=3.0):
        """Waits for the next ping; returns the monotonic time it arrived. Other packets fail."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.transport}: no ping within {timeout}s")
            packet = self.recv(remaining)
            if packet == "2":
                return time.monotonic()
            if packet == "6":
                continue
            raise AssertionError(f"{self.transport}: expected a ping, got {packet!r}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# MARK: HTTP transports


class PollingClient(ClientBase):
    """Engine.IO long-polling ("polling") or pushd's "short-polling"."""

    def __init__(self, base, path, transport="polling", headers=None):
        self.base, self.path, self.transport = base, path, transport
        self.headers = headers or {}
        self.getter = requests.Session()
        self.poster = requests.Session()
        self.buffer = []
        self.post_lock = threading.Lock()
        started = time.monotonic()
        response = self.getter.get(engine_url(base, path, transport=transport), headers=self.headers, timeout=5)
        assert response.status_code == 200, f"handshake: HTTP {response.status_code} {response.text!r}"
        self.handshake_response = response
        self.opened_at = started
        packets = decode_payload(response.content)
        self.handshake = parse_open(packets[0])
        self.buffer.extend(packets[1:])
        self.sid = self.handshake["sid"]

    def url(self, **extra):
        return engine_url(self.base, self.path, transport=self.transport, sid=self.sid, **extra)

    def get(self, timeout=5.0):
        """One GET with the session's sid (the raw response)."""
        return self.getter.get(self.url(), headers=self.headers, timeout=(3, timeout))

    def post(self, *packets, body=None, timeout=5.0, headers=None):
        """One POST of these packets (or of a raw body); the raw response."""
        data = body if body is not None else encode_payload(packets)
        with self.post_lock:
            return self.poster.post(self.url(), data=data, headers={**self.headers, **(headers or {})},
                                    timeout=(3, timeout))

    def send(self, *packets):
        response = self.post(*packets)
        assert response.status_code == 200 and response.text == "ok", (
            f"{self.transport} POST {packets!r}: HTTP {response.status_code} {response.text!r}")

    def recv(self, timeout=3.0):
        deadline = time.monotonic() + timeout
        while not self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.transport}: nothing received within {timeout}s")
            try:
                response = self.get(timeout=remaining + 0.5)
            except requests.exceptions.ReadTimeout:
                raise AssertionError(f"{self.transport}: GET not answered within {timeout}s") from None
            if response.status_code != 200:
                raise Closed(f"GET answered HTTP {response.status_code}: {response.text!r}")
            packets = decode_payload(response.content)
            if self.transport == "short-polling" and packets == ["6"]:
                time.sleep(0.02)
                continue
            self.buffer.extend(packets)
        return self.buffer.pop(0)

    def close(self):
        self.getter.close()
        self.poster.close()


class SSEClient(ClientBase):
    """pushd's "sse" transport: an event stream down (read from a raw socket), POST up."""

    transport = "sse"

    def __init__(self, base, path, headers=None):
        self.base, self.path = base, path
        self.headers = headers or {}
        self.poster = requests.Session()
        self.stream = SSEStream(engine_url(base, path, transport="sse"), headers=self.headers)
        self.opened_at = self.stream.started
        assert self.stream.status == 200, f"sse handshake: HTTP {self.stream.status} {self.stream.body!r}"
        self.handshake = parse_open(self.recv(5))
        self.sid = self.handshake["sid"]

    def url(self, **extra):
        return engine_url(self.base, self.path, transport="sse", sid=self.sid, **extra)

    def post(self, *packets, body=None, timeout=5.0):
        data = body if body is not None else encode_payload(packets)
        return self.poster.post(self.url(), data=data, headers=self.headers, timeout=(3, timeout))

    def send(self, *packets):
        response = self.post(*packets)
        assert response.status_code == 200 and response.text == "ok", (
            f"sse POST {packets!r}: HTTP {response.status_code} {response.text!r}")

    def recv(self, timeout=3.0):
        event, data = self.stream.next_event(timeout)
        if event == "b64":
            return base64.b64decode(data).decode("utf-8")
        assert event == "message", f"unexpected SSE event type {event!r}"
        return decode_packet(data)

    def close(self):
        self.stream.close()
        self.poster.close()


class SSEStream:
    """A GET read as text/event-stream over a raw socket, parsed on a background thread.

    `events` gets (event type, data) tuples, in order; `None` marks the end of the stream.
    `last_event_id` is the last `id:` seen, as EventSource keeps it for `Last-Event-ID`."""

    def __init__(self, url, headers=None, connect_timeout=5):
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=connect_timeout)
        target = parts.path + ("?" + parts.query if parts.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.started = time.monotonic()
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.status, self.response_headers, rest = read_response_head(self.sock, timeout=connect_timeout)
        self.events = queue.Queue()
        self.raw = bytearray()  # every body byte after the head (de-chunked)
        self.last_event_id = None
        self.body = b""
        self.ended = threading.Event()
        self._stop = False
        if self.status != 200:
            self.body = read_body(self.sock, self.response_headers, rest)
            self.sock.close()
            self.events.put(None)
            self.ended.set()
            return
        self.chunked = "chunked" in self.response_headers.get("transfer-encoding", "").lower()
        self._pending = bytearray(rest)
        # Set here, not on the thread: a stream closed before the thread starts would make
        # the call fail there (its reads after a close are handled).
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        decoder = ChunkedDecoder() if self.chunked else None
        text = ""
        event_type, data_lines = None, []
        raw = bytes(self._pending)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        try:
            while True:
                if raw:
                    body = decoder.feed(raw) if decoder else raw
                    self.raw += body
                    text += utf8.decode(body)
                    # Lines end with CRLF, LF or CR; a CR at the very end may be half a CRLF.
                    while True:
                        cut = _line_end(text)
                        if cut is None:
                            break
                        line, text = text[:cut[0]], text[cut[1]:]
                        if line == "":
                            if data_lines:
                                self.events.put((event_type or "message", "\n".join(data_lines)))
                            event_type, data_lines = None, []
                        elif line.startswith(":"):
                            continue
                        else:
                            name, _, value = line.partition(":")
                            if value.startswith(" "):
                                value = value[1:]
                            if name == "event":
                                event_type = value
                            elif name == "id":
                                self.last_event_id = value
                            elif name == "data":
                                data_lines.append(value)
                    if decoder and decoder.done:
                        break
                if self._stop:
                    break
                try:
                    raw = self.sock.recv(65536)
                except socket.timeout:
                    raw = b""
                    continue
                except OSError:
                    break
                if not raw:
                    break
        finally:
            self.events.put(None)
            self.ended.set()

    def next_event(self, timeout=3.0):
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no SSE event within {timeout}s") from None
        if item is None:
            self.events.put(None)
            raise Closed("event stream ended")
        return item

    def close(self):
        self._stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def _line_end(text):
    for index, char in enumerate(text):
        if char == "\n":
            return index, index + 1
        if char == "\r":
            if index + 1 == len(text):
                return None
            return (index, index + 2) if text[index + 1] == "\n" else (index, index + 1)
    return None


class ChunkedDecoder:
    """Incremental HTTP/1.1 chunked transfer decoding."""

    def __init__(self):
        self.buffer = bytearray()
        self.remaining = None  # bytes left in the current chunk; None while reading a size line
        self.done = False

    def feed(self, data):
        self.buffer += data
        out = bytearray()
        while not self.done:
            if self.remaining is None:
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    break
                size = int(bytes(self.buffer[:end]).split(b";")[0], 16)
                del self.buffer[:end + 2]
                if size == 0:
                    self.done = True
                    break
                self.remaining = size
            elif self.remaining > 0:
                take = min(self.remaining, len(self.buffer))
                if take == 0:
                    break
                out += self.buffer[:take]
                del self.buffer[:take]
                self.remaining -= take
            else:
                # the CRLF that ends a chunk's data
                if len(self.buffer) < 2:
                    break
                del self.buffer[:2]
                self.remaining = None
        return bytes(out)


# MARK: Raw HTTP


def read_response_head(sock, timeout=5.0):
    """(status, lower-cased headers dict, bytes already read past the head)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise Closed(f"connection closed before a response head: {data!r}")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


def read_body(sock, headers, rest, timeout=5.0):
    sock.settimeout(timeout)
    if "content-length" in headers:
        length = int(headers["content-length"])
        body = bytes(rest)
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return body[:length]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        decoder = ChunkedDecoder()
        body = decoder.feed(rest)
        while not decoder.done:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += decoder.feed(chunk)
        return body
    body = bytes(rest)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except socket.timeout:
        pass
    return body


def raw_request(port, method, target, headers=None, body=b"", timeout=5.0):
    """One request on a fresh connection: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status, response_headers, rest = read_response_head(sock, timeout)
        return status, response_headers, read_body(sock, response_headers, rest, timeout)


# MARK: WebSocket


class WebSocketClient(ClientBase):
    """Engine.IO over WebSocket (websocket-client). Without `sid` it is a new session and the
    open packet is read at once; with `sid` it is an upgrade probe."""

    transport = "websocket"

    def __init__(self, base, path, sid=None, timeout=5.0, header=None):
        self.opened_at = time.monotonic()
        self.ws = websocket.create_connection(
            engine_url(base, path, scheme="ws", transport="websocket", sid=sid),
            timeout=timeout, header=header or [], suppress_origin=True)
        self.close_code = None
        self.sid = sid
        self.handshake = None
        if sid is None:
            self.handshake = parse_open(self.recv(timeout))
            self.sid = self.handshake["sid"]

    def send(self, *packets):
        for packet in packets:
            if isinstance(packet, (bytes, bytearray)):
                self.ws.send_binary(bytes(packet))
            else:
                self.ws.send(packet)

    def recv(self, timeout=3.0):
        self.ws.settimeout(timeout)
        while True:
            try:
                opcode, frame = self.ws.recv_data_frame(control_frame=True)
            except websocket.WebSocketTimeoutException:
                raise AssertionError(f"websocket: nothing received within {timeout}s") from None
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as error:
                raise Closed(f"websocket closed: {error!r}") from None
            if opcode == websocket.ABNF.OPCODE_TEXT:
                return frame.data.decode("utf-8")
            if opcode == websocket.ABNF.OPCODE_BINARY:
                return bytes(frame.data)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                data = frame.data or b""
                self.close_code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
                raise Closed(f"websocket close frame {self.close_code}")
            # ping/pong frames: websocket-client answers pings itself

    def wait_closed(self, timeout=3.0):
        """Reads until the connection ends; returns the packets that came before."""
        deadline = time.monotonic() + timeout
        packets = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"websocket still open after {timeout}s (got {packets!r})")
            try:
                packets.append(self.recv(remaining))
            except Closed:
                return packets

    def close(self):
        try:
            self.ws.close(timeout=1)
        except Exception:
            pass


def open_client(transport, base, path):
    if transport == "websocket":
        return WebSocketClient(base, path)
    if transport == "sse":
        return SSEClient(base, path)
    return PollingClient(base, path, transport=transport)


# MARK: Raw WebSocket frames

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def build_frame(opcode, payload, fin=True, rsv=0, mask=True):
    """One RFC 6455 frame; `rsv` is the three RSV bits (0b100 = RSV1)."""
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | opcode
    length = len(payload)
    if length < 126:
        header = bytes([first, (0x80 if mask else 0) | length])
    elif length < 65536:
        header = bytes([first, (0x80 if mask else 0) | 126]) + struct.pack(">H", length)
    else:
        header = bytes([first, (0x80 if mask else 0) | 127]) + struct.pack(">Q", length)
    if not mask:
        return header + payload
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return header + key + masked


class RawWebSocket:
    """A WebSocket handshake done by hand on a plain socket, then raw frames."""

    def __init__(self, port, target, headers=None, version="13", origin=None, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", f"Sec-WebSocket-Version: {version}"]
        if origin:
            lines.append(f"Origin: {origin}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.status, self.headers, rest = read_response_head(self.sock, timeout)
        self.buffer = bytearray(rest)
        self.body = b""
        if self.status != 101:
            self.body = read_body(self.sock, self.headers, rest, timeout)

    def send_frame(self, opcode, payload, **options):
        self.sock.sendall(build_frame(opcode, payload, **options))

    def send_raw(self, data):
        self.sock.sendall(data)

    def read_frame(self, timeout=3.0):
        """(fin, opcode, payload), or None when the connection ends."""
        deadline = time.monotonic() + timeout

        def need(count):
            while len(self.buffer) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"raw websocket: no complete frame within {timeout}s")
                self.sock.settimeout(remaining)
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    return False
                self.buffer += chunk
            return True

        if not need(2):
            return None
        first, second = self.buffer[0], self.buffer[1]
        length, offset = second & 0x7F, 2
        if length == 126:
            if not need(4):
                return None
            length, offset = struct.unpack(">H", self.buffer[2:4])[0], 4
        elif length == 127:
            if not need(10):
                return None
            length, offset = struct.unpack(">Q", self.buffer[2:10])[0], 10
        if second & 0x80:
            offset += 4  # the server must not mask; read past a key anyway
        if not need(offset + length):
            return None
        payload = bytes(self.buffer[offset:offset + length])
        del self.buffer[:offset + length]
        return bool(first & 0x80), first & 0x0F, payload

    def read_close_code(self, timeout=3.0):
        """Reads frames until a close frame; returns its code (None for an empty close frame)
        and keeps the frames seen before it in `close_frames_before`. Raises if the connection
        ends without a close frame."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            frame = self.read_frame(max(0.01, deadline - time.monotonic()))
            if frame is None:
                raise AssertionError(f"connection ended without a close frame; frames before: {seen!r}")
            _, opcode, payload = frame
            if opcode == OP_CLOSE:
                self.close_frames_before = seen
                return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            seen.append((opcode, payload))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
