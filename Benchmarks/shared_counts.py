#!/usr/bin/env python3
"""Reference counts that more than one event loop writes, per message.

    python3 Benchmarks/shared_counts.py [--loops 2] [scenario ...]

Each count a loop takes on an object is an atomic write to the object's header; when another
loop writes the same header, the cache line moves between their cores on every such write, and
throughput stops growing with loops. This runs pushd with `--loops` loops (2 by default: the
figure needs two loops, not two free cores) under Benchmarks/sharing/refcount_probe.so, drives
one scenario at a time with pushd-load, records every reference-count operation the Swift
runtime is asked for during the measured window, and prints per message: all operations, those
on objects that more than one thread counted, and the types of those objects.

Scenarios: echo (Engine.IO, bench app), broadcast (bench app, 1,000 sessions), socketio-ack and
socketio-broadcast (the test app's emit-all), long-polling (echo over long-polling, bench app).
Binaries: PUSHD_BIN and LOAD_BIN, else .build/release/pushd and pushd-load (built here).

To find where a type's counts are taken, run pushd by hand with the probe preloaded and
REFCOUNT_PROBE_TRACE set to the type's name as listed (e.g. Transports.EngineServer): the dump
then has "site" lines, each a call site's file offset (for addr2line) and how often it counted
that type, per thread.
"""
import argparse
import collections
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = {
    # name: (pushd app, pushd-load arguments)
    "echo": ("bench", ["--scenario", "echo", "--sessions", "200"]),
    "broadcast": ("bench", ["--scenario", "broadcast", "--sessions", "1000"]),
    "socketio-ack": ("default", ["--scenario", "socketio-ack", "--sessions", "200"]),
    "socketio-broadcast": ("test", ["--scenario", "socketio-broadcast", "--sessions", "1000"]),
    "long-polling": ("bench", ["--scenario", "echo", "--transport", "long-polling", "--sessions", "50"]),
}
WARMUP, WINDOW = 1.5, 3.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def build_probe(work):
    probe = os.path.join(work, "refcount_probe.so")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", probe,
                    os.path.join(ROOT, "Benchmarks/sharing/refcount_probe.c"), "-ldl", "-lpthread"], check=True)
    return probe


def measure(name, loops, probe, pushd, load, work):
    app, load_args = SCENARIOS[name]
    port = free_port()
    dump = os.path.join(work, f"{name}.tsv")
    env = dict(os.environ, LD_PRELOAD=probe, REFCOUNT_PROBE_OUT=dump)
    server = subprocess.Popen([pushd, "--host", "127.0.0.1", "--port", str(port), "--threads", str(loops),
                               "--app", app, "--log-level", "warning"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for_port(port):
            raise SystemExit(f"{name}: pushd did not listen")
        generator = subprocess.Popen([load, "--port", str(port), *load_args, "--warmup", str(WARMUP),
                                      "--duration", str(WINDOW + 1), "--drain-timeout", "1", "--quiet"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(WARMUP + 0.3)
        server.send_signal(signal.SIGUSR1)
        started = time.time()
        time.sleep(WINDOW)
        server.send_signal(signal.SIGUSR2)
        window = time.time() - started
        result = json.loads(generator.communicate(timeout=60)[0].strip().splitlines()[-1])
        for _ in range(50):
            if os.path.exists(dump):
                break
            time.sleep(0.1)
        time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
    messages = result["rate"] * window
    if messages <= 0 or result.get("errors"):
        raise SystemExit(f"{name}: no messages or errors: {result.get('error_kinds')}")
    return summarize(name, dump, messages)


def summarize(name, dump, messages):
    """Operations per message on objects that more than one loop counts.

    An object counts as shared when two loops counted it with the same type and its memory was
    not freed while recording (an address that two objects had in turn is not one object), it
    is not immortal (an immortal object's count is never written), and the second busiest loop
    did at least 1% of the busiest one's operations on it (a loop that touched another's object
    a few times moves its line a few times, not per message).
    """
    totals, threads = {}, {}
    objects = collections.defaultdict(dict)  # address -> thread -> (count, type)
    for line in open(dump):
        fields = line.rstrip("\n").split("\t")
        if fields[0] == "thread":
            threads[int(fields[1])] = fields[2] if len(fields) > 2 else ""
        elif fields[0] == "total":
            totals[int(fields[1])] = int(fields[2])
        elif fields[0] == "object":
            objects[fields[1]][int(fields[2])] = (int(fields[3]), fields[4])
    loops = {t for t, n in threads.items() if n.startswith("pushd-loop")} or set(totals)
    immortal_ops, shared_ops, shared_objects = 0, 0, 0
    types = collections.Counter()
    for counts in objects.values():
        seen = {t: v for t, v in counts.items() if t in loops}
        if len(seen) < 2:
            continue
        kinds = {type_name for _, type_name in seen.values()}
        ops = sorted((count for count, _ in seen.values()), reverse=True)
        if len(kinds) > 1:
            continue
        type_name = kinds.pop()
        if type_name.startswith("immortal "):
            immortal_ops += sum(ops)
            continue
        if type_name.startswith("freed "):
            continue  # memory freed meanwhile: possibly two objects in turn at one address
        if ops[1] * 100 < ops[0]:
            continue
        shared_ops += sum(ops)
        shared_objects += 1
        types[type_name] += sum(ops)
    all_ops = sum(totals.get(t, 0) for t in loops)
    return {"scenario": name, "messages": round(messages), "loops": len(loops),
            "ops_per_message": all_ops / messages, "immortal_per_message": immortal_ops / messages,
            "shared_ops_per_message": shared_ops / messages, "shared_objects": shared_objects,
            "top_shared_types": [(t, round(n / messages, 2)) for t, n in types.most_common(6)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=2)
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = parser.parse_args()
    pushd = os.environ.get("PUSHD_BIN")
    load = os.environ.get("LOAD_BIN")
    if not pushd or not load:
        for product in ("pushd", "pushd-load"):
            subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        pushd = pushd or os.path.join(ROOT, ".build/release/pushd")
        load = load or os.path.join(ROOT, ".build/release/pushd-load")
    with tempfile.TemporaryDirectory(prefix="pushd-shared-") as work:
        probe = build_probe(work)
        print(f"| scenario ({args.loops} loops) | reference-count operations / message | of them on immortal objects"
              " (no write) | on objects more than one loop counts | such objects | their types (operations / message) |")
        print("|---|---:|---:|---:|---:|---|")
        for name in args.scenarios:
            row = measure(name, args.loops, probe, pushd, load, work)
            top = ", ".join(f"{t} {n}" for t, n in row["top_shared_types"]) or "none"
            print(f"| {name} | {row['ops_per_message']:.2f} | {row['immortal_per_message']:.2f} |"
                  f" {row['shared_ops_per_message']:.2f} | {row['shared_objects']} | {top} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
