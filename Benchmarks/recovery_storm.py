#!/usr/bin/env python3
"""Connection state recovery at scale, against a running pushd (`--app test` with a recovery
window): opens N Socket.IO sockets over WebSocket, gives each an offset with one broadcast,
cuts every connection at once, broadcasts M more events while they are away, then reconnects
all N at once with their pid and offset. Prints one JSON line:

- memory: the server's RSS with N live sockets, with N dropped sockets kept for recovery, and
  the store's own byte count per dropped socket (pushd_recovery_store_bytes / N);
- storm: seconds from the first reconnect until every socket has its CONNECT (same id) and all
  M missed events, how many were recovered, and missing (sockets not recovered or events not
  received, or received twice).

A hand-rolled minimal client (asyncio streams, WebSocket frames with a zero mask), so the
generator costs little next to the server. Usage:
  recovery_storm.py --port P --server-pid PID [--sockets 10000] [--missed 10]
"""
import argparse
import asyncio
import base64
import json
import os
import re
import struct
import time
import urllib.request

PATH = "/socket.io/?EIO=4&transport=websocket"


class Conn:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head[:200])
        conn = cls(reader, writer)
        opened = await conn.recv()
        assert opened.startswith("0"), opened
        return conn

    def send(self, text):
        data = text.encode()
        length = len(data)
        if length < 126:
            header = struct.pack("!BB", 0x81, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, length)
        self.writer.write(header + b"\0\0\0\0" + data)

    async def recv(self):
        """The next text message; answers pings."""
        while True:
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            payload = (await self.reader.readexactly(length)).decode()
            if first & 0x0F == 0x8:
                raise ConnectionError("closed")
            if payload == "2":
                self.send("3")
                continue
            return payload

    def drop(self):
        self.writer.transport.abort()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def connect_socket(port, auth=None):
    conn = await Conn.open(port)
    conn.send("40" + (json.dumps(auth) if auth else ""))
    while True:
        message = await conn.recv()
        if message.startswith("40"):
            return conn, json.loads(message[2:])


async def next_event(conn):
    while True:
        message = await conn.recv()
        if message.startswith("42"):
            return json.loads(message[2:])


async def gather_limited(factories, limit):
    semaphore = asyncio.Semaphore(limit)

    async def run(factory):
        async with semaphore:
            return await factory()
    return await asyncio.gather(*(run(factory) for factory in factories))


async def main(args):
    port, n, missed = args.port, args.sockets, args.missed
    publisher, _ = await connect_socket(port)
    rss_before = rss_kib(args.server_pid)
    sockets = await gather_limited([lambda: connect_socket(port) for _ in range(n)], 500)
    rss_live = rss_kib(args.server_pid)
    publisher.send('42["emit-all","e",-1]')
    offsets = await asyncio.gather(*(next_event(conn) for conn, _ in sockets))
    await next_event(publisher)
    for conn, _ in sockets:
        conn.drop()
    deadline = time.monotonic() + 60
    while metric(port, "pushd_recovery_sockets") < n and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    kept = metric(port, "pushd_recovery_sockets")
    store_bytes = metric(port, "pushd_recovery_store_bytes")
    rss_dropped = rss_kib(args.server_pid)
    for index in range(missed):
        publisher.send(f'42["emit-all","e",{index}]')
    for _ in range(missed):
        await next_event(publisher)

    async def come_back(index):
        (_, data), offset = sockets[index], offsets[index][-1]
        conn, answer = await connect_socket(port, {"pid": data["pid"], "offset": offset})
        got = [] if answer["sid"] != data["sid"] else [(await next_event(conn))[1] for _ in range(missed)]
        return conn, answer["sid"] == data["sid"], got

    started = time.monotonic()
    results = await gather_limited([lambda index=index: come_back(index) for index in range(n)], args.concurrency)
    elapsed = time.monotonic() - started
    await asyncio.sleep(0.5)
    recovered = sum(1 for _, same, _ in results if same)
    missing = sum(1 for _, same, got in results if not same or got != list(range(missed)))
    # Anything more than the missed events (a duplicate) would be waiting now.
    extra = 0
    for conn, _, _ in results[:200]:
        try:
            await asyncio.wait_for(next_event(conn), 0.01)
            extra += 1
        except asyncio.TimeoutError:
            pass
    print(json.dumps({
        "sockets": n, "missed_events": missed,
        "rss_live_kib_per_socket": round((rss_live - rss_before) / n, 2),
        "dropped_kept": int(kept),
        "store_bytes_per_dropped_socket": round(store_bytes / max(1, kept), 1),
        "rss_after_drop_minus_before_kib_per_socket": round((rss_dropped - rss_before) / n, 2),
        "storm_seconds": round(elapsed, 3), "recovered": recovered, "missing": missing,
        "duplicates_in_sample_of_200": extra,
    }))
    for conn, _, _ in results:
        conn.drop()
    publisher.drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--missed", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=10_000, help="reconnects in flight at once")
    asyncio.run(main(parser.parse_args()))
