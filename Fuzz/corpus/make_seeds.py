#!/usr/bin/env python3
"""Writes the seed corpora in Fuzz/corpus/<target>/ from the protocol examples below.

Each seed starts with the control bytes its target reads (see the target's doc comment):
  http-request      [limits/body-limit byte] [chunk plan] request bytes
  websocket-frame   [mask/limits byte] [chunk plan] client byte stream
  engineio-payload  [maxPayload byte] payload bytes
  socketio-packet   [limits byte] text message, then 0xFF + binary message or 0xFE + text message
  json              [depth byte] JSON text
  query-path        request target, no control bytes
A chunk plan is a count byte (0 = feed in one piece) followed by that many chunk sizes.
Run from anywhere: python3 Fuzz/corpus/make_seeds.py (rewrites the seeds, keeps other files).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def plan(*sizes):
    return bytes([len(sizes)] + list(sizes))


# --- HTTP/1.1 requests (RFC 9112) -------------------------------------------------------------
WHOLE, BYTEWISE, ODD = plan(), plan(1), plan(3, 7, 250)
DEFAULT, SMALL, ZERO, MID = 0, 1, 2, 3


def body_limit(policy):
    return policy << 2


http = {
    "get-minimal": (DEFAULT, WHOLE, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    "get-polling": (DEFAULT, ODD, b"GET /socket.io/?EIO=4&transport=polling&t=N8hyd6w HTTP/1.1\r\n"
                    b"Host: localhost:3000\r\nAccept: */*\r\nConnection: keep-alive\r\nUser-Agent: fuzz/1.0\r\n\r\n"),
    "post-length": (DEFAULT, BYTEWISE, b"POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 11\r\n\r\n4hello\x1e2abc"),
    "post-chunked": (DEFAULT, ODD, b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5;ext=1\r\nhello\r\n6 ; a=\"b\"\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
    "chunked-bare-lf": (MID, plan(2), b"PUT /x HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n"
                        b"a\nabcdefghij\n0\n\n"),
    "pipelined": (DEFAULT, plan(9), b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"DELETE /c HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
    "http10-keepalive": (DEFAULT, WHOLE, b"GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
    "websocket-upgrade": (DEFAULT, ODD, b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: example.com\r\n"
                          b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          b"Sec-WebSocket-Version: 13\r\n\r\n"),
    "options-asterisk": (DEFAULT, WHOLE, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"),
    "absolute-form": (DEFAULT, WHOLE, b"GET http://example.com:8080/path?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"),
    "expect-continue": (body_limit(3), plan(40), b"POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                        b"Content-Length: 10\r\n\r\n0123456789"),
    "leading-empty-lines": (SMALL, BYTEWISE, b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    "content-length-list": (DEFAULT, WHOLE, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nabcde"),
    "body-over-limit": (body_limit(2), WHOLE, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef"),
    "chunked-over-limit": (SMALL, plan(5), b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"ff\r\n" + b"a" * 30),
    "conflicting-length": (DEFAULT, WHOLE, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
    "te-and-cl": (DEFAULT, WHOLE, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
    "gzip-chunked": (DEFAULT, WHOLE, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    "obs-fold": (DEFAULT, WHOLE, b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  continued\r\n\r\n"),
    "connect": (DEFAULT, WHOLE, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
    "http2-version": (DEFAULT, WHOLE, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
    "space-before-colon": (DEFAULT, WHOLE, b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
    "long-uri-small-limits": (SMALL, plan(16), b"GET /" + b"a" * 60 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    "many-headers-small-limits": (SMALL, WHOLE, b"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n"),
    "zero-limits": (ZERO, WHOLE, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    "set-body-limit-alternating": (body_limit(6), plan(0), b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                                   b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
}
for name, (control, chunks, request) in http.items():
    write("http-request", name, bytes([control]) + chunks + request)


# --- WebSocket frames from a client (RFC 6455 §5) ------------------------------------------------
MASK = b"\x37\xfa\x21\x3d"


def frame(opcode, payload=b"", fin=True, masked=True, rsv=0, form=None):
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    form = form or ("short" if n < 126 else "16" if n < 65536 else "64")
    mask_bit = 0x80 if masked else 0
    if form == "short":
        head = bytes([first, mask_bit | n])
    elif form == "16":
        head = bytes([first, mask_bit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    return head + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))


def close(code=None, reason=b"", **kw):
    return frame(8, b"" if code is None else struct.pack(">H", code) + reason, **kw)


MASKED, UNMASKED = 1, 0  # bit 0: requireMask
ws = {
    "text": (MASKED, WHOLE, frame(1, b"Hello")),
    "binary": (MASKED, BYTEWISE, frame(2, bytes(range(8)))),
    "text-utf8": (MASKED, ODD, frame(1, "h\u00e9llo \u20ac \U0001F600".encode())),
    "fragmented-with-ping": (MASKED, plan(3), frame(1, b"Hel", fin=False) + frame(9, b"p1")
                             + frame(0, b"lo, w\xc3", fin=False) + frame(10, b"x") + frame(0, b"\xb6rld")),
    "fragmented-binary": (MASKED | 6, ODD, frame(2, b"", fin=False) + frame(0, b"\x01\x02", fin=False)
                          + frame(0, b"", fin=False) + frame(0, b"\x03")),
    "len16": (MASKED, plan(100), frame(2, b"z" * 300)),
    "len64-form": (MASKED, WHOLE, frame(2, b"abc", form="64")),
    "len16-form-small": (MASKED, WHOLE, frame(1, b"abc", form="16")),
    "ping-pong": (MASKED, BYTEWISE, frame(9, b"ping") + frame(10, b"")),
    "close-code-reason": (MASKED, WHOLE, close(1000, b"bye")),
    "close-empty": (MASKED, WHOLE, close() + frame(1, b"late")),
    "close-4999": (MASKED, WHOLE, close(4999)),
    "close-1005": (MASKED, WHOLE, close(1005)),
    "close-one-byte": (MASKED, WHOLE, frame(8, b"\x03")),
    "unmasked-server-style": (UNMASKED, WHOLE, frame(1, b"hi", masked=False) + frame(2, b"\x00\xff", masked=False)),
    "unmasked-rejected": (MASKED, WHOLE, frame(1, b"hi", masked=False)),
    "rsv-bits": (MASKED, WHOLE, frame(1, b"x", rsv=4)),
    "reserved-opcode": (MASKED, WHOLE, frame(3, b"x")),
    "fragmented-ping": (MASKED, WHOLE, frame(9, b"x", fin=False)),
    "bad-utf8": (MASKED, plan(4), frame(1, b"ab\xed\xa0\x80cd")),
    "continuation-first": (MASKED, WHOLE, frame(0, b"x")),
    "too-big-small-limits": (MASKED | 2, WHOLE, frame(2, b"y" * 120)),
    "too-many-fragments": (MASKED | 2, plan(2), b"".join(frame(2 if i == 0 else 0, b"f", fin=i == 5) for i in range(6))),
    "top-bit-length": (MASKED, WHOLE, bytes([0x82, 0xFF]) + b"\x80" + b"\x00" * 7 + MASK),
}
for name, (control, chunks, stream) in ws.items():
    write("websocket-frame", name, bytes([control]) + chunks + stream)


# --- Engine.IO v4 payloads ------------------------------------------------------------------------
engine = {
    "message": (0, b"4hello"),
    "payload-three": (0, b"4hello\x1e2\x1ebAQIDBA=="),
    "probe": (0, b"2probe"),
    "pong-probe": (0, b"3probe"),
    "upgrade": (0, b"5"),
    "noop": (0, b"6"),
    "close": (0, b"1"),
    "open": (0, b'0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,'
               b'"pingTimeout":20000,"maxPayload":1000000}'),
    "binary-unpadded": (0, b"bAQIDBA"),
    "binary-empty": (0, b"b"),
    "utf8": (0, "4h\u00e9llo \u20ac \U0001F600".encode()),
    "newline": (0, b"4line one\nline two\r\n"),
    "socketio-event": (0, b'42["chat message","hi"]\x1e42/admin,1["ev",{"a":1}]'),
    "empty-message": (0, b"4"),
    "unknown-type": (0, b"7x"),
    "empty-record": (0, b"4a\x1e\x1e2"),
    "bad-base64": (0, b"bA===\x1e4x"),
    "bad-utf8": (0, b"4\xc0\xaf"),
    "over-max-payload": (1, b"4" + b"x" * 20),
    "exactly-max-payload": (3, b"4abc\x1e4def"),
}
for name, (control, payload) in engine.items():
    write("engineio-payload", name, bytes([control]) + payload)


# --- Socket.IO v5 packets ---------------------------------------------------------------------
BIN, TEXT = b"\xff", b"\xfe"
socketio = {
    "connect": (0, b"0"),
    "connect-auth": (0, b'0/admin,{"token":"123"}'),
    "connect-no-comma": (0, b"0/admin"),
    "disconnect": (0, b"1/admin,"),
    "event": (0, b'2["hello",1,{"a":[1,2,null,true]}]'),
    "event-ack": (0, b'2/chat,12["msg","hi"]'),
    "ack": (0, b"312[true,\"ok\"]"),
    "connect-error": (0, b'4{"message":"Not authorized"}'),
    "connect-error-string": (0, b'4"nope"'),
    "binary-event": (0, b'51-["bin",{"_placeholder":true,"num":0}]' + BIN + b"\x01\x02\x03"),
    "binary-ack-ns": (0, b'61-/admin,5[{"_placeholder":true,"num":0}]' + BIN + b"\x00"),
    "binary-two": (0, b'52-["two",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]'
                   + BIN + b"a" + BIN + b"bb"),
    "binary-reused": (0, b'51-["r",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]' + BIN + b"z"),
    "binary-zero": (0, b'50-["none"]'),
    "placeholder-in-event": (0, b'2["p",{"_placeholder":true,"num":0}]'),
    "placeholder-out-of-range": (0, b'51-["p",{"_placeholder":true,"num":1}]' + BIN + b"q"),
    "text-while-awaiting": (0, b'51-["p",{"_placeholder":true,"num":0}]' + TEXT + b'2["x"]'),
    "binary-while-idle": (0, b'2["x"]' + BIN + b"\x01"),
    "reserved-name": (0, b'2["connect"]'),
    "too-many-attachments": (1, b'53-["x"]'),
    "deep-small-depth": (4, b'2["d",[[[[1]]]]]'),
    "ack-id-overflow": (0, b'218446744073709551616["x"]'),
    "ack-without-id": (0, b"3[]"),
    "huge-number": (0, b'2["n",1e400,-0,0.1,5e-324]'),
    "two-packets": (0, b'2["a"]' + TEXT + b'2/x,["b",{"k":"v"}]'),
}
for name, (control, stream) in socketio.items():
    write("socketio-packet", name, bytes([control]) + stream)


# --- JSON (RFC 8259) -----------------------------------------------------------------------------
json_seeds = {
    "object": (0, b'{"a":1,"b":[true,false,null],"c":{"d":"e"}}'),
    "array-ws": (0, b' [ 1 , -2.5e3 , "x" ]\r\n\t'),
    "numbers": (0, b"[0,-0,1.5e-7,1e21,123456789012345678901234567890,5e-324,1.7976931348623157e308,0.1,1E+2]"),
    "huge-number": (0, b"[1e400,-1e400,1e-400]"),
    "escapes": (0, b'"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00"'),
    "raw-utf8": (0, '{"k\u00e9":"\u20ac\U0001F600\u2028"}'.encode()),
    "duplicate-keys": (0, b'{"a":1,"b":2,"a":3}'),
    "many-keys": (0, b"{" + b",".join(b'"k%d":%d' % (i % 17, i) for i in range(40)) + b"}"),
    "deep": (0, b"[" * 10 + b"]" * 10),
    "deep-objects": (5, b'{"a":' * 6 + b"1" + b"}" * 6),
    "scalar-string": (0, b'"just a string"'),
    "scalar-literals": (0, b"true"),
    "empty-containers": (0, b'[{},[],"",{"":[]}]'),
    "placeholder": (0, b'["x",{"_placeholder":true,"num":0}]'),
    "lone-surrogate": (0, b'"\\ud800"'),
    "bad-number": (0, b"[01,.5,1.,-]"),
    "trailing-data": (0, b"{} {}"),
    "control-char": (0, b'"a\x01b"'),
    "bad-utf8": (0, b'"\xed\xa0\x80"'),
    "unterminated": (0, b'{"a":[1,2'),
}
for name, (control, text) in json_seeds.items():
    write("json", name, bytes([control]) + text)


# --- Request targets: static paths and queries --------------------------------------------------
paths = {
    "root": b"/",
    "index": b"/index.html",
    "client-js-query": b"/client.js?v=1.2.3",
    "nested": b"/a/b/c.txt",
    "dir-slash": b"/docs/",
    "encoded-space": b"/my%20file.html",
    "utf8-encoded": b"/%C3%A9t%C3%A9.html",
    "dotdot": b"/../etc/passwd",
    "dotdot-encoded": b"/%2e%2e/%2E%2E/etc/passwd",
    "dotdot-slash-encoded": b"/..%2f..%2fetc%2fpasswd",
    "hidden": b"/.git/config",
    "nul": b"/a%00b",
    "backslash": b"/a%5C..%5Cb",
    "double-slash": b"//etc/passwd",
    "overlong-dot": b"/%C0%AE%C0%AE/x",
    "polling-query": b"/socket.io/?EIO=4&transport=polling&t=abc&sid=x%20y",
    "query-forms": b"/?a=1&b=%20x+y&&c&=v&na+me%3D=v%26w",
    # A "?" and a combining mark are one Character: the query starts after the "?" byte.
    "mark-after-question": "/p?\u0301sid=a&EIO=4&transport=polling".encode(),
    "bad-escape": b"/x?q=%ZZ&r=%4",
    "no-slash": b"index.html",
}
for name, target in paths.items():
    write("query-path", name, target)

print("seeds:", {t: len(os.listdir(os.path.join(HERE, t))) for t in sorted(os.listdir(HERE))
                 if os.path.isdir(os.path.join(HERE, t))})
