#!/usr/bin/env python3
"""Hostile clients at full size: what each one costs pushd in memory and time.

    python3 Benchmarks/hostile.py [queue|rate|expiry|namespaces|attachments] ...

Each scenario starts its own pushd (PUSHD_BIN, default .build/release/pushd) on 127.0.0.1 and
prints figures: RSS and the heap in use from /health, before and after.
  queue        5 long-polling sessions each POST ~1 MB of tiny messages to the echo app and never
               read the echoes (rate limit off, so only the queue cap bounds them)
  rate         one POST of 20,000 messages: when its echoes are ready and when `ok` comes
  expiry       4,000 plain-polling sessions abandoned until they expire, twice
  namespaces   120,000 distinct dynamic namespaces joined and left
  attachments  40 WebSocket sessions each holding 9 of 10 announced 999 kB attachments
"""
import json
import os
import socket
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "e2e"))
from pushd_server import PushdServer  # noqa: E402
from test_session_lifecycle import open_sessions, wait_for  # noqa: E402


def health(server):
    with urllib.request.urlopen(server.url + "/health", timeout=10) as response:
        return json.loads(response.read())


def figures(server, label):
    h = health(server)
    print(f"  {label:<28} RSS {server.rss_kib() / 1024:7.1f} MiB   heap {h['heapBytes'] / 1e6:7.1f} MB   "
          f"sessions {h['sessions']}", flush=True)
    return h


def received(server):
    """Messages pushd has taken in from clients (/metrics)."""
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("pushd_messages_received_total"))


def http(port, method, target, body=b"", timeout=30):
    """One request on a fresh connection: (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + body)
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


def handshake(port, path, transport):
    status, body = http(port, "GET", f"{path}?EIO=4&transport={transport}")
    assert status == 200 and body.startswith(b"0{"), (status, body[:80])
    return json.loads(body[1:])["sid"]


def queue_flood():
    print("queue: 5 sessions x one POST of 333,000 one-byte messages, echoes never read")
    server = PushdServer("--app", "engine-echo", "--max-messages-per-second", "0",
                         "--ping-interval", "25s", "--ping-timeout", "20s")
    try:
        figures(server, "idle")
        body = b"\x1e".join([b"4a"] * 333_000)
        for _ in range(5):
            sid = handshake(server.port, "/engine.io/", "polling")
            status, answer = http(server.port, "POST", f"/engine.io/?EIO=4&transport=polling&sid={sid}", body)
        time.sleep(1)
        h = figures(server, "after 5 floods")
        print(f"  sessions still open: {h['sessions']} (closed as slow consumers: {5 - h['sessions']})")
    finally:
        server.stop()


def rate_flood():
    print("rate: one POST of 20,000 messages at --max-messages-per-second 2000")
    server = PushdServer("--app", "engine-echo", "--ping-interval", "25s", "--ping-timeout", "20s",
                         "--max-session-queue", "64MiB")
    try:
        sid = handshake(server.port, "/engine.io/", "polling")
        target = f"/engine.io/?EIO=4&transport=polling&sid={sid}"
        body = b"\x1e".join([b"4a"] * 20_000)
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
            started = time.monotonic()
            conn.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            time.sleep(0.5)
            ready = received(server)
            conn.settimeout(30)
            answer = conn.recv(4096)
            took = time.monotonic() - started
        print(f"  messages taken in after 0.5 s: {ready:.0f}   `ok` after {took:.1f} s ({answer.split(b' ')[1].decode()})")
    finally:
        server.stop()


def expiry():
    print("expiry: 4,000 plain-polling sessions abandoned, twice (default app; the connect timeout")
    print("        and the ping deadline fall due together, as with the defaults 45 s and 25 s + 20 s)")
    server = PushdServer("--ping-interval", "1s", "--ping-timeout", "1s", "--connect-timeout", "2s", *sys.argv[2:])
    try:
        open_sessions(server.port, 500, transport="short-polling")
        wait_for(lambda: health(server)["sessions"] == 0, 20)
        figures(server, "warm, none open")
        for round in (1, 2):
            open_sessions(server.port, 4000, transport="short-polling")
            figures(server, f"round {round}: 4,000 open")
            wait_for(lambda: health(server)["sessions"] == 0, 30)
            time.sleep(3)
            figures(server, f"round {round}: all expired")
    finally:
        server.stop()


def namespaces():
    print("namespaces: 120,000 distinct dynamic namespaces joined and left (test app)")
    server = PushdServer("--app", "test", "--max-messages-per-second", "0",
                         "--ping-interval", "25s", "--ping-timeout", "20s", *sys.argv[2:])
    try:
        figures(server, "idle")
        # A session per 2,000 names, closed after (its answers are never read).
        for start in range(0, 120_000, 2_000):
            sid = handshake(server.port, "/socket.io/", "polling")
            target = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
            records = []
            for n in range(start, start + 2_000):
                records += [f"40/dyn-{n},".encode(), f"41/dyn-{n},".encode()]
            status, _ = http(server.port, "POST", target, b"\x1e".join(records))
            assert status == 200, status
            http(server.port, "POST", target, b"1")
        time.sleep(1)
        figures(server, "after 120,000 names left")
    finally:
        server.stop()


def attachments():
    import websocket
    print("attachments: 40 sessions each hold 9 of 10 announced 999 kB attachments")
    server = PushdServer("--ping-interval", "25s", "--ping-timeout", "20s", *sys.argv[2:])
    clients = []
    try:
        figures(server, "idle")
        blob = os.urandom(999_000)
        placeholders = ",".join(f'{{"_placeholder":true,"num":{n}}}' for n in range(10))
        for _ in range(40):
            ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
            ws.recv()
            ws.send("40")
            ws.recv()  # the CONNECT answer
            ws.send(f'4510-["upload",{placeholders}]')
            for _ in range(9):
                ws.send_binary(blob)
            clients.append(ws)
        time.sleep(1)
        figures(server, "40 sessions x 9 attachments")
    finally:
        for ws in clients:
            ws.close()
        server.stop()


SCENARIOS = {"queue": queue_flood, "rate": rate_flood, "expiry": expiry, "namespaces": namespaces,
             "attachments": attachments}

if __name__ == "__main__":
    for name in sys.argv[1:2] or SCENARIOS:
        SCENARIOS[name]()
