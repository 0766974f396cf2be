"""Raw-socket HTTP/1.x helpers: send exact bytes, read whole responses with deadlines."""
import errno
import socket
import time

DEFAULT_TIMEOUT = 5.0


class ConnectionClosed(Exception):
    """The peer closed the connection before a complete response arrived."""


class Response:
    def __init__(self, version, status, reason, headers, body, raw):
        self.version = version
        self.status = status
        self.reason = reason
        self.header_list = headers
        self.body = body
        self.raw = raw

    def header(self, name, default=None):
        name = name.lower()
        for key, value in self.header_list:
            if key.lower() == name:
                return value
        return default

    def headers_named(self, name):
        name = name.lower()
        return [value for key, value in self.header_list if key.lower() == name]

    @property
    def headers(self):
        return {key.lower(): value for key, value in self.header_list}

    def __repr__(self):
        return f"<Response {self.status} {self.reason!r} headers={self.header_list!r} body={self.body[:200]!r}>"


def connect(port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect((host, port))
    return sock


class Conn:
    """One client connection with a receive buffer, so pipelined responses can be split."""

    def __init__(self, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, rcvbuf=None):
        self.sock = connect(port, host, timeout, rcvbuf)
        self.buffer = b""
        self.eof = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _fill(self, deadline):
        """Reads more bytes into the buffer; False on EOF. Raises TimeoutError past deadline."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete response before the deadline; have %r" % self.buffer[:300])
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(262144)
        except socket.timeout:
            raise TimeoutError("no complete response before the deadline; have %r" % self.buffer[:300])
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def _take_until(self, marker, deadline, limit=1 << 20):
        while True:
            index = self.buffer.find(marker)
            if index >= 0:
                data = self.buffer[:index + len(marker)]
                self.buffer = self.buffer[index + len(marker):]
                return data
            if len(self.buffer) > limit:
                raise ValueError("no %r within %d bytes" % (marker, limit))
            if not self._fill(deadline):
                raise ConnectionClosed("closed while waiting for %r; have %r" % (marker, self.buffer[:300]))

    def _take(self, count, deadline):
        while len(self.buffer) < count:
            if not self._fill(deadline):
                raise ConnectionClosed("closed after %d of %d body bytes" % (len(self.buffer), count))
        data = self.buffer[:count]
        self.buffer = self.buffer[count:]
        return data

    def read_head(self, timeout=DEFAULT_TIMEOUT):
        """Reads one status line and header block (also for 1xx responses)."""
        deadline = time.monotonic() + timeout
        head = self._take_until(b"\r\n\r\n", deadline)
        return _parse_head(head)

    def read_response(self, method="GET", timeout=DEFAULT_TIMEOUT, skip_informational=True):
        """Reads one full response, framed by Content-Length, chunked coding or close."""
        deadline = time.monotonic() + timeout
        while True:
            head = self._take_until(b"\r\n\r\n", deadline)
            version, status, reason, headers = _parse_head(head)
            if 100 <= status < 200 and skip_informational and status != 101:
                continue
            break
        lookup = {key.lower(): value for key, value in headers}
        raw = head
        if method.upper() == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in lookup.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size_line = self._take_until(b"\r\n", deadline)
                raw += size_line
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:
                        line = self._take_until(b"\r\n", deadline)
                        raw += line
                        if line == b"\r\n":
                            break
                    break
                data = self._take(size + 2, deadline)
                raw += data
                body += data[:-2]
        elif "content-length" in lookup:
            body = self._take(int(lookup["content-length"]), deadline)
            raw += body
        else:
            while self._fill(deadline):
                pass
            body = self.buffer
            self.buffer = b""
            raw += body
        return Response(version, status, reason, headers, body, raw)

    def is_closed(self, timeout=2.0):
        """True when the server closes the connection within timeout (extra bytes are kept)."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
        except TimeoutError:
            return False
        except OSError as error:
            return error.errno in (errno.ECONNRESET, errno.EPIPE)
        return True

    def still_open(self, wait=0.3):
        """True when nothing arrives and the connection is not closed within wait seconds."""
        before = len(self.buffer)
        closed = self.is_closed(wait)
        return not closed and len(self.buffer) == before


def _parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError("bad status line %r" % status_line)
    version = parts[0]
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return version, status, reason, headers


def exchange(port, data, method="GET", timeout=DEFAULT_TIMEOUT):
    """Sends data on a new connection, reads one response; returns (response, conn)."""
    conn = Conn(port, timeout=timeout)
    conn.send(data)
    return conn.read_response(method=method, timeout=timeout), conn


def get(port, path, headers=(), version="HTTP/1.1", method="GET", timeout=DEFAULT_TIMEOUT):
    """One request on its own connection; the connection is closed afterwards."""
    lines = [f"{method} {path} {version}", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    response, conn = exchange(port, data, method=method, timeout=timeout)
    conn.close()
    return response


def parse_complete(data):
    """A Response when data holds one complete Content-Length-framed response, else None."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    version, status, reason, headers = _parse_head(data[:end + 4])
    length = 0
    for key, value in headers:
        if key.lower() == "content-length":
            length = int(value)
    if len(data) < end + 4 + length:
        return None
    body = data[end + 4:end + 4 + length]
    return Response(version, status, reason, headers, body, data[:end + 4 + length])
