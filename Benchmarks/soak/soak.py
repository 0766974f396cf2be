"""Soak: mixed Socket.IO traffic against one pushd for a while, RSS sampled every 10 s.

Clients connect and disconnect all the time over every transport python-socketio speaks
(long-polling, websocket, polling-then-upgrade), join and leave rooms, chat (room
broadcasts), ping with acks and echo binary. At the end it prints the RSS samples and the
slope of a least-squares line through the second half of them: a leak shows as a steady
positive slope. Usage: python3 Benchmarks/soak/soak.py [seconds] [clients]
"""
import asyncio
import os
import random
import statistics
import sys
import time

import socketio

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "e2e"))
from pushd_server import PushdServer  # noqa: E402

DURATION = int(sys.argv[1]) if len(sys.argv) > 1 else 600
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 150
MODES = [["polling"], ["websocket"], ["polling", "websocket"]]


async def client_life(url, rng, counters, stop_at):
    while time.monotonic() < stop_at:
        client = socketio.AsyncClient(reconnection=False)
        got = []
        client.on("chat", lambda line: got.append(line))
        try:
            await client.connect(url, transports=rng.choice(MODES), wait_timeout=10)
            counters["connects"] += 1
            rooms = [f"room-{rng.randrange(20)}" for _ in range(rng.randrange(1, 4))]
            for room in rooms:
                await client.call("join", room, timeout=10)
            for _ in range(rng.randrange(5, 40)):
                action = rng.random()
                if action < 0.4:
                    await client.emit("chat", {"room": rng.choice(rooms), "text": "x" * rng.randrange(1, 200)})
                    counters["chats"] += 1
                elif action < 0.7:
                    await client.call("ping", timeout=10)
                    counters["acks"] += 1
                elif action < 0.9:
                    await client.call("echo", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2048))), timeout=10)
                    counters["binary"] += 1
                else:
                    room = rng.choice(rooms)
                    await client.call("leave", room, timeout=10)
                    await client.call("join", room, timeout=10)
                await asyncio.sleep(rng.random() * 0.2)
            counters["received"] += len(got)
        except Exception as error:  # noqa: BLE001 - counted, the soak goes on
            counters["errors"] += 1
            counters["last_error"] = repr(error)
        finally:
            try:
                await client.disconnect()
            except Exception:  # noqa: BLE001
                pass


async def main():
    server = PushdServer("--max-messages-per-second", "0")
    counters = {"connects": 0, "chats": 0, "acks": 0, "binary": 0, "received": 0, "errors": 0, "last_error": ""}
    samples = []
    started = time.monotonic()
    stop_at = started + DURATION
    rng = random.Random(7)

    async def sample():
        while time.monotonic() < stop_at:
            samples.append((time.monotonic() - started, server.rss_kib()))
            print(f"t={samples[-1][0]:6.0f}s rss={samples[-1][1]} KiB connects={counters['connects']} "
                  f"errors={counters['errors']}", flush=True)
            await asyncio.sleep(10)

    tasks = [asyncio.create_task(client_life(server.url, random.Random(rng.random()), counters, stop_at))
             for _ in range(CLIENTS)]
    await asyncio.gather(sample(), *tasks)
    samples.append((time.monotonic() - started, server.rss_kib()))
    alive = server.alive()
    server.stop()
    half = samples[len(samples) // 2:]
    xs, ys = [s[0] for s in half], [s[1] for s in half]
    slope = statistics.linear_regression(xs, ys).slope if len(half) > 1 else 0.0
    print(f"counters: {counters}")
    print(f"RSS first {samples[0][1]} KiB, max {max(s[1] for s in samples)} KiB, last {samples[-1][1]} KiB; "
          f"slope over the second half {slope * 60:.1f} KiB/min; server alive: {alive}")


asyncio.run(main())
