#!/usr/bin/env python3
"""What relaying a WebSocket to its session's owner costs, in one command:

    python3 Benchmarks/relay.py          3 runs, medians (about 1 minute)
    python3 Benchmarks/relay.py quick    1 short run

Two pushd nodes (`--app bench`: engine messages echoed, `--threads 1`) share a redis-server.
A session is opened by long-polling on node A, then upgraded to a WebSocket either on A
(direct) or on B, which relays the connection's bytes to A (relayed). Measured per mode:
- latency: sequential echo round trips of a 100-byte message (p50, p99);
- throughput: 64 messages kept in flight for a few seconds, echoes per second, and the CPU
  time of each node per echo (from /proc/PID/stat).

Nodes and Redis run on core 0, this client on core 1 (taskset, where available), as in the
other benchmarks. The client is Python: its own time per round trip is the same in both modes,
so the difference between the rows is what the relay adds. Every process listens on 127.0.0.1
and is stopped by PID.
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))

import requests  # noqa: E402
import websocket  # noqa: E402

from engine_client import decode_payload, engine_url  # noqa: E402
from redis_server import free_port  # noqa: E402

BINARY = os.environ.get("PUSHD_BIN", os.path.join(ROOT, ".build", "release", "pushd"))
PIN0 = ["taskset", "-c", "0"] if shutil.which("taskset") and os.cpu_count() > 1 else []
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_port(port):
    import socket
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Cluster:
    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="pushd-relay-bench-")
        redis_port = free_port()
        self.procs = [subprocess.Popen(PIN0 + ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                               "--save", "", "--appendonly", "no", "--dir", self.folder],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        wait_port(redis_port)
        self.ports = []
        for _ in range(2):
            port = free_port()
            self.procs.append(subprocess.Popen(
                PIN0 + [BINARY, "--host", "127.0.0.1", "--port", str(port), "--threads", "1", "--app", "bench",
                        "--log-level", "warning", "--redis", f"redis://127.0.0.1:{redis_port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.ports.append(port)
        for port in self.ports:
            wait_port(port)
        time.sleep(2.5)  # both nodes alive and their addresses published
        self.a, self.b = self.procs[1].pid, self.procs[2].pid

    def close(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def open_session(owner_port, ws_port):
    base = f"http://127.0.0.1:{owner_port}"
    http = requests.Session()
    response = http.get(engine_url(base, "/socket.io/", transport="polling"), timeout=5)
    sid = json.loads(decode_payload(response.content)[0][1:])["sid"]
    ws = websocket.create_connection(engine_url(f"http://127.0.0.1:{ws_port}", "/socket.io/", "ws",
                                                transport="websocket", sid=sid), timeout=10, suppress_origin=True)
    ws.send("2probe")
    assert ws.recv() == "3probe"
    ws.send("5")
    return ws


def recv_echo(ws):
    while True:
        packet = ws.recv()
        if packet == "2":
            ws.send("3")
            continue
        return packet


def measure(cluster, mode, seconds):
    ws = open_session(cluster.ports[0], cluster.ports[0] if mode == "direct" else cluster.ports[1])
    message = "4" + "x" * 99
    for _ in range(200):  # warm-up
        ws.send(message)
        recv_echo(ws)
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        ws.send(message)
        recv_echo(ws)
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    # Throughput: a window of 64 messages in flight.
    cpu_before = cpu_seconds(cluster.a), cpu_seconds(cluster.b)
    started = time.perf_counter()
    in_flight = 0
    echoes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        while in_flight < 64:
            ws.send(message)
            in_flight += 1
        recv_echo(ws)
        in_flight -= 1
        echoes += 1
    while in_flight:
        recv_echo(ws)
        in_flight -= 1
        echoes += 1
    elapsed = time.perf_counter() - started
    cpu_a, cpu_b = (cpu_seconds(pid) - before for pid, before in zip((cluster.a, cluster.b), cpu_before))
    ws.close()
    return {
        "p50": samples[len(samples) // 2], "p99": samples[int(len(samples) * 0.99)],
        "rate": echoes / elapsed, "cpu_a": cpu_a * 1e6 / echoes, "cpu_b": cpu_b * 1e6 / echoes,
    }


def main():
    quick = len(sys.argv) > 1 and sys.argv[1] == "quick"
    runs, seconds = (1, 1.5) if quick else (3, 4)
    results = {"direct": [], "relayed": []}
    cluster = Cluster()
    try:
        for run in range(runs):
            order = ("direct", "relayed") if run % 2 == 0 else ("relayed", "direct")
            for mode in order:
                results[mode].append(measure(cluster, mode, seconds))
                print(f"run {run + 1} {mode}: " + ", ".join(f"{k} {v:.1f}" for k, v in results[mode][-1].items()),
                      file=sys.stderr)
    finally:
        cluster.close()
    print("| WebSocket | echo p50 µs | echo p99 µs | echoes/s (64 in flight) | CPU µs / echo, owner A | CPU µs / echo, B |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, label in (("direct", "direct to A, the owner"), ("relayed", "to B, relayed to A")):
        med = {key: statistics.median(r[key] for r in results[mode]) for key in results[mode][0]}
        print(f"| {label} | {med['p50']:.0f} | {med['p99']:.0f} | {med['rate']:,.0f} | {med['cpu_a']:.2f} | {med['cpu_b']:.2f} |")


if __name__ == "__main__":
    main()
