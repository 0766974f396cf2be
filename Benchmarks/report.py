#!/usr/bin/env python3
"""Turns the generator's JSON lines into Benchmarks/RESULTS.md and a hand-written SVG bar
chart of pushd's ratio against each peer. Standard library only.

Usage: report.py RESULTS.jsonl META.json RESULTS.md results.svg
       report.py cluster CLUSTER.jsonl META.json RESULTS.md

The second form (Benchmarks/cluster.sh) writes only the "Cluster" section of RESULTS.md, between
its markers, and prints it; the first keeps that section when it rewrites the file."""
import json
import statistics
import sys
import time
from collections import OrderedDict, defaultdict

# id, title, metric, unit, higher is better
ROWS = [
    ("ws-echo-100", "WebSocket echo, c=100", "rate", "msg/s", True),
    ("ws-echo-5000", "WebSocket echo, c=5000", "rate", "msg/s", True),
    ("ws-pipelined-100", "Pipelined echo, 16 in flight per session, c=100", "rate", "msg/s", True),
    ("ws-broadcast-1000", "Broadcast 100 B, c=1000, 2 in flight", "rate", "deliveries/s", True),
    ("ws-broadcast-10000", "Broadcast 100 B, c=10000, 2 in flight", "rate", "deliveries/s", True),
    ("ws-connect", "Connect + handshake until open, 50 in flight", "rate", "sessions/s", True),
    ("idle-ws-10000", "Idle memory, WebSocket, 10,000 sessions", "kib_per_session", "KiB/session", False),
    ("idle-sse-10000", "Idle memory, SSE, 10,000 sessions", "kib_per_session", "KiB/session", False),
    ("idle-polling-10000", "Idle memory, long-polling, 10,000 sessions", "kib_per_session", "KiB/session", False),
    ("idle-socketio-10000", "Idle memory, Socket.IO on `/` over WebSocket, 10,000 sockets", "kib_per_session", "KiB/socket", False),
    ("http-get", "HTTP GET keep-alive, static file, wrk -t1 -c100", "rate", "req/s", True),
    ("socketio-ack-100", "Socket.IO event with ack, c=100", "rate", "acks/s", True),
]
TRANSPORTS = ["websocket", "sse", "polling", "short-polling"]
TRANSPORT_NAMES = {"websocket": "websocket", "sse": "sse", "polling": "long-polling", "short-polling": "short-polling"}
SERVER_ORDER = ["pushd", "uws", "node-ws", "py-websockets", "py-socketio", "nginx"]
SERVER_NAMES = {
    "pushd": "pushd", "uws": "uWebSockets", "node-ws": "node ws", "py-websockets": "python websockets",
    "py-socketio": "python-socketio (uvicorn)", "nginx": "nginx",
}
COLORS = {"uws": "#d9480f", "node-ws": "#2f9e44", "py-websockets": "#1971c2", "py-socketio": "#9c36b5", "nginx": "#495057"}
# Figures measured earlier on this machine with the same method, for the targets table.
REFERENCE = [
    ("ws-echo-100", "node-ws", 70_000), ("ws-pipelined-100", "node-ws", 119_000),
    ("ws-broadcast-10000", "node-ws", 98_000), ("idle-ws-10000", "node-ws", 6.2),
    ("ws-echo-100", "uws", 150_000), ("ws-pipelined-100", "uws", 2_000_000),
    ("ws-broadcast-10000", "uws", 190_000), ("idle-ws-10000", "uws", 0.47),
    ("http-get", "nginx", 61_000),
]


def load(path):
    lines = []
    for raw in open(path):
        raw = raw.strip()
        if not raw:
            continue
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError:
            pass
    return lines


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(lines):
    """(row, label) -> medians and totals over the runs."""
    groups = defaultdict(list)
    for line in lines:
        groups[(line.get("row"), line.get("label"))].append(line)
    summary = {}
    for key, runs in groups.items():
        ok = [r for r in runs if not r.get("failed")]
        lat = lambda q: median([(r.get("latency_us") or {}).get(q) for r in ok])
        bps = median([r.get("bytes_per_session") for r in ok])
        summary[key] = {
            "runs": len(runs), "failed_runs": len(runs) - len(ok),
            "failures": sorted({r.get("failed") for r in runs if r.get("failed")}),
            "rate": median([r.get("rate") for r in ok]),
            "rates": [r.get("rate") for r in ok],
            "kib_per_session": bps / 1024 if bps is not None else None,
            "p50": lat("p50"), "p90": lat("p90"), "p99": lat("p99"), "p999": lat("p999"),
            "missing": sum(r.get("missing") or 0 for r in ok),
            "late": sum(r.get("late") or 0 for r in ok),
            "errors": sum(r.get("errors") or 0 for r in ok),
            "error_kinds": merge_kinds(ok),
            "server_cpu_pct": median([r.get("server_cpu_pct") for r in ok]),
            "client_cpu_pct": median([r.get("client_cpu_pct") for r in ok]),
            "other_cpu_pct": median([r.get("other_cpu_pct") for r in ok]),
            "server_cpu_us_per_msg": median([r.get("server_cpu_us_per_msg") for r in ok]),
            "server_user_us_per_msg": median([r.get("server_user_us_per_msg") for r in ok]),
            "bytes_per_msg": median([r.get("bytes_per_msg") for r in ok]),
            "requests_per_msg": median([r.get("requests_per_msg") for r in ok]),
            "open": min([r.get("open", 0) for r in ok], default=0),
            "sessions": max([r.get("sessions", 0) for r in ok], default=0),
            "crashed": any(r.get("server_alive") is False for r in runs),
            "rss_after_kib": median([r.get("rss_after_kib") for r in ok]),
        }
    return summary


def merge_kinds(runs):
    kinds = defaultdict(int)
    for r in runs:
        for k, v in (r.get("error_kinds") or {}).items():
            kinds[k] += v
    return dict(kinds)


def fmt_num(value, digits=0):
    if value is None:
        return "–"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def cpu_per_message(s):
    """Server CPU per message, its user-space part in brackets when known."""
    total, user = s.get("server_cpu_us_per_msg"), s.get("server_user_us_per_msg")
    if total is None:
        return "–"
    return fmt_num(total, 2) + ("" if user is None else f" ({user:.2f})")


def fmt_ms(us):
    if us is None:
        return "–"
    return f"{us / 1000:.2f}" if us < 10_000 else f"{us / 1000:.1f}"


def ratio(summary, row, peer, metric, higher):
    a = summary.get((row, "pushd"), {}).get(metric)
    b = summary.get((row, peer), {}).get(metric)
    if not a or not b:
        return None
    return a / b if higher else b / a


def servers_of(summary, row):
    labels = {label for (r, label) in summary if r == row}
    return [s for s in SERVER_ORDER if s in labels] + sorted(labels - set(SERVER_ORDER))


CLUSTER_START = "<!-- cluster section: Benchmarks/cluster.sh -->"
CLUSTER_END = "<!-- end of cluster section -->"
# Sections other scripts write into RESULTS.md between their markers; a rewrite keeps them.
KEPT_SECTIONS = [
    (CLUSTER_START, CLUSTER_END),
    ("<!-- scaling section: Benchmarks/scale.sh -->", "<!-- end of scaling section -->"),
]


def marked_block(text, start_marker, end_marker):
    """The section between two markers, markers included, or None."""
    start = text.find(start_marker)
    end = text.find(end_marker, start)
    if start < 0 or end < 0:
        return None
    return text[start:end + len(end_marker)]


def cluster_block(text):
    """The cluster section of an existing RESULTS.md, markers included, or None."""
    return marked_block(text, CLUSTER_START, CLUSTER_END)


def kept_blocks(md_path):
    """The sections of an existing RESULTS.md that other scripts wrote."""
    try:
        text = open(md_path).read()
    except OSError:
        return []
    return [b for b in (marked_block(text, *markers) for markers in KEPT_SECTIONS) if b]


def fmt_us(us):
    return "–" if us is None else f"{us:,.0f}"


def cluster_section(lines, meta):
    """Markdown for the cluster runs: broadcast over one and three nodes, forwarded requests."""
    summary = summarize(lines)
    each = defaultdict(list)
    for line in lines:
        if not line.get("failed") and line.get("server_cpu_pct_each"):
            each[line.get("row")].append(line["server_cpu_pct_each"])
    post = defaultdict(list)
    for line in lines:
        if not line.get("failed") and line.get("post_latency_us"):
            post[line.get("row")].append(line["post_latency_us"])

    def post_q(row, q):
        return median([p.get(q) for p in post.get(row, [])])

    def s(row):
        return summary.get((row, "pushd"), {})

    v = meta["versions"]
    started = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(meta["started"]))
    minutes = (meta["finished"] - meta["started"]) / 60
    sessions = meta.get("sessions", 10000)
    md = [CLUSTER_START, "## Cluster\n"]
    md.append(f"Run of {started} (`Benchmarks/cluster.sh{' quick' if meta['mode'] == 'quick' else ''}`, "
              f"{minutes:.0f} min): {meta['runs']} run(s) per row, medians shown; {meta['warmup']:g} s of warm-up then "
              f"{meta['duration']:g} s measured per run. {meta['nproc']} cores, {meta['cpu_model']}; "
              f"pushd {v['pushd']}; {v['redis']}.\n")
    md.append("Every pushd node (`--threads 1`) and `redis-server` run on core 0, the generator on core 1: one node "
              "and three nodes plus Redis get the **same single core**, so the three-node figures show what the "
              "cluster path costs (one hop through Redis per broadcast, a decode on each other node, three processes and "
              "Redis sharing one core), not the gain of spreading nodes over machines, which a two-core machine "
              "cannot show. Server CPU is the sum over the nodes and Redis.\n")
    md.append(f"**Broadcast to {sessions:,} Socket.IO sockets** (WebSocket, 100-character string argument, 2 "
              "broadcasts in flight). The sockets join the main namespace, spread round-robin over the nodes; one of "
              "them emits `emit-all`, and pushd's test app (`--app test`) calls `namespace.broadcastAll.emit`: the "
              "adapter delivers to the node's own sockets and publishes the broadcast once to Redis, and every other "
              "node delivers it to its own. A broadcast is complete when every socket, the publisher's included, "
              "has its copy; missing copies are gaps, dead sockets and broadcasts incomplete after 5 s.\n")
    md.append("| Nodes | deliveries/s | runs' range | vs one node | p50 ms | p99 ms | p99.9 ms | missing / errors | "
              "server CPU % (each) | server CPU µs / delivery | gen / other CPU % |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = s("cluster-broadcast-1").get("rate")
    for row, title in (("cluster-broadcast-1", "1 node, no Redis"),
                       ("cluster-broadcast-1r", "1 node on Redis (a cluster of one)"),
                       ("cluster-broadcast-3", "3 nodes on Redis")):
        r = s(row)
        if not r:
            continue
        parts = each.get(row)
        per = ""
        if parts:
            cols = list(zip(*parts))
            per = " (" + " + ".join(fmt_num(median(list(c))) for c in cols) + ")"
        rate = r.get("rate")
        result = fmt_num(rate)
        if r.get("open") and r.get("sessions") and r["open"] < r["sessions"]:
            result += f" (only {r['open']} of {r['sessions']} opened)"
        if r.get("crashed"):
            result += " **a process died**"
        rates = [x for x in r.get("rates", []) if x is not None]
        spread = f"{fmt_num(min(rates))}–{fmt_num(max(rates))}" if len(rates) > 1 else "–"
        md.append(f"| {title} | {result} | {spread} | {'–' if not base or not rate else f'{rate / base:.2f}×'} | "
                  f"{fmt_ms(r.get('p50'))} | {fmt_ms(r.get('p99'))} | {fmt_ms(r.get('p999'))} | "
                  f"{r.get('missing', 0)} / {r.get('errors', 0)} | {fmt_num(r.get('server_cpu_pct'))}{per} | "
                  f"{fmt_num(r.get('server_cpu_us_per_msg'), 2)} | "
                  f"{fmt_num(r.get('client_cpu_pct'))} / {fmt_num(r.get('other_cpu_pct'))} |")
    md.append("")
    md.append("CPU columns list the nodes, then Redis. Per-delivery CPU is the steadier figure when other work "
              "shares the machine (*other* CPU); when the rows differ by less than the runs' range, the difference "
              "is noise. Each broadcast costs the cluster one PUBLISH and one decode per node, shared by all the "
              f"node's sockets, so at this fan-out it is lost among the {sessions:,} deliveries.\n")

    md.append("**Forwarded requests.** Three nodes on Redis with the engine-level bench app (`--app bench`: "
              "messages echoed). Each long-polling session is opened on node A; then every poll and every POST goes "
              "either to A (*direct*) or to node B (*forwarded*: B publishes the request to A's channel, A runs it "
              "on the session and publishes the answer back, B writes it). *POST answered* is the time from writing "
              "a POST to reading its response; *echo round trip* is from writing a message to reading its copy on "
              "the held poll (up in a POST, down in a poll answer: both hops forwarded).\n")
    md.append("| Sessions | Requests go to | echo round trips/s | echo p50 µs | echo p99 µs | POST answered p50 µs | "
              "POST answered p99 µs | missing / errors | server CPU µs / round trip |")
    md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    extra = []
    for c in (1, 100):
        d, f = s(f"cluster-forward-direct-{c}"), s(f"cluster-forward-forwarded-{c}")
        for row, title, r in ((f"cluster-forward-direct-{c}", "A, the owner (direct)", d),
                              (f"cluster-forward-forwarded-{c}", "B, forwarded to A", f)):
            if not r:
                continue
            md.append(f"| {c} | {title} | {fmt_num(r.get('rate'))} | {fmt_us(r.get('p50'))} | {fmt_us(r.get('p99'))} | "
                      f"{fmt_us(post_q(row, 'p50'))} | {fmt_us(post_q(row, 'p99'))} | "
                      f"{r.get('missing', 0)} / {r.get('errors', 0)} | {fmt_num(r.get('server_cpu_us_per_msg'), 2)} |")
        if d and f:
            diff = lambda a, b: None if a is None or b is None else a - b
            dp50 = diff(post_q(f"cluster-forward-forwarded-{c}", "p50"), post_q(f"cluster-forward-direct-{c}", "p50"))
            dp99 = diff(post_q(f"cluster-forward-forwarded-{c}", "p99"), post_q(f"cluster-forward-direct-{c}", "p99"))
            de50, de99 = diff(f.get("p50"), d.get("p50")), diff(f.get("p99"), d.get("p99"))
            if c == 1:
                extra.append(f"- One session, nothing else in flight: a forwarded POST pays **{fmt_us(dp50)} µs** more "
                             f"at the median ({fmt_us(dp99)} µs at p99); an echo round trip {fmt_us(de50)} µs more at "
                             f"the median ({fmt_us(de99)} µs at p99).")
            else:
                extra.append(f"- {c} sessions, each with one message in flight: {fmt_num(f.get('rate'))} forwarded "
                             f"round trips/s against {fmt_num(d.get('rate'))} direct, "
                             f"{fmt_num(f.get('server_cpu_us_per_msg'), 1)} against "
                             f"{fmt_num(d.get('server_cpu_us_per_msg'), 1)} µs of server CPU per round trip "
                             f"(latency there is mostly queueing).")
    md.append("")
    if extra:
        md.append("What forwarding costs (forwarded minus direct; medians of the runs' percentiles):\n")
        md.extend(extra)
        md.append("")

    problems = []
    for (row, label), r in sorted(summary.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        if r["errors"] or r["missing"] or r["crashed"] or r["failed_runs"]:
            kinds = "; ".join(f"{k}: {n}" for k, n in sorted(r["error_kinds"].items()))
            problems.append(f"- {row}: missing {r['missing']}, errors {r['errors']}" + (f" ({kinds})" if kinds else "")
                            + (", a process died" if r["crashed"] else "")
                            + (f", failed runs: {', '.join(r['failures'])}" if r["failures"] else ""))
    md.append("Errors and missing copies: " + ("none.\n" if not problems else "\n"))
    if problems:
        md.extend(problems)
        md.append("")
    md.append("<details><summary>Raw generator lines (cluster)</summary>\n")
    md.append("```")
    md.extend(json.dumps(line, separators=(",", ":")) for line in lines)
    md.append("```\n</details>\n")
    md.append(CLUSTER_END)
    return "\n".join(md)


def cluster_main():
    results_path, meta_path, md_path = sys.argv[2:5]
    section = cluster_section(load(results_path), json.load(open(meta_path)))
    try:
        text = open(md_path).read()
    except OSError:
        text = "# pushd benchmarks\n"
    old = cluster_block(text)
    if old is not None:
        text = text.replace(old, section)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(md_path, "w").write(text)
    # The tables, for the terminal.
    print("\n".join(l for l in section.split("<details>")[0].splitlines() if not l.startswith("<!--")))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "cluster":
        cluster_main()
        return
    results_path, meta_path, md_path, svg_path = sys.argv[1:5]
    kept = kept_blocks(md_path)
    lines = load(results_path)
    meta = json.load(open(meta_path))
    summary = summarize(lines)
    md = []
    v = meta["versions"]
    started = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(meta["started"]))
    minutes = (meta["finished"] - meta["started"]) / 60
    md.append("# pushd benchmarks, side by side with peers\n")
    md.append(f"Run of {started} (`Benchmarks/run.sh{' quick' if meta['mode'] == 'quick' else ''}`, {minutes:.0f} min): "
              f"{meta['runs']} run(s) per server and scenario, medians shown; {meta['warmup']:g} s of warm-up "
              f"then {meta['duration']:g} s measured per run.\n")
    md.append(f"- Machine: {meta['nproc']} cores, {meta['cpu_model']}, {meta['memory']} RAM, Linux {meta['kernel']}")
    md.append(f"- pushd: {v['pushd']}; {v['swift']}")
    md.append(f"- node {v['node']}, ws {v['ws']} (Debian node-ws); {v['python']}, websockets {v['websockets']}, "
              f"python-socketio {v['python-socketio']} (python-engineio {v['python-engineio']}), uvicorn {v['uvicorn']}; "
              f"{v['nginx']}; {v['wrk']}" + (f"; {v['uWebSockets']}" if v.get("uWebSockets") else "; uWebSockets not built"))
    md.append("")
    md.append("## Method\n")
    md.append("Every server runs alone on core 0 (`taskset -c 0`) with one thread or worker: pushd "
              "`--threads 1 --app bench` (engine level: a message starting with `B` goes to every session, "
              "sender included; anything else is echoed), its default app for Socket.IO; node `ws`, python "
              "`websockets` and uWebSockets run the same echo/`B`-broadcast convention over plain WebSocket "
              "(`Benchmarks/peers/`); python-socketio runs on uvicorn with one worker. The load generator "
              "`pushd-load` (one thread, epoll) or `wrk` runs on core 1; both run at nice -5 so background "
              "jobs take less of the two cores. pushd is driven with Engine.IO framing "
              "(open packet, `4`-prefixed messages, pings answered), the raw peers without. Each run starts a fresh "
              "server on a fresh port. Latency is the generator's: the send time travels in the payload and is "
              "compared with the receive time on one monotonic clock. CPU figures are per cent of one core over "
              "the measured window: server from `/proc/<pid>/stat`, generator from `getrusage`, *other* is "
              "everything else the machine ran meanwhile (a high *other* means the figures are noisy; a generator "
              "near 100 % means the run measured the generator).\n")
    md.append("Ratio: pushd ÷ peer for throughput, peer ÷ pushd for memory — above 1 pushd does better.\n")

    md.append("## Results\n")
    md.append("| Scenario | Server | Result | p50 ms | p99 ms | p99.9 ms | missing / errors | CPU server / gen / other % | server CPU µs / msg (user space) | pushd vs this |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row, title, metric, unit, higher in ROWS:
        labels = servers_of(summary, row)
        if not labels:
            continue
        for i, label in enumerate(labels):
            s = summary[(row, label)]
            value = s[metric]
            result = (fmt_num(value, 2) if metric == "kib_per_session" else fmt_num(value)) + f" {unit}"
            if s["failed_runs"]:
                result += f" ({s['failed_runs']} run(s) failed)"
            if s["open"] and s["sessions"] and s["open"] < s["sessions"]:
                result += f" (only {s['open']} of {s['sessions']} opened)"
            if s["crashed"]:
                result += " **server died**"
            r = ratio(summary, row, label, metric, higher) if label != "pushd" else None
            cpu = "/".join(fmt_num(s[k]) for k in ("server_cpu_pct", "client_cpu_pct", "other_cpu_pct"))
            lat = ("–", "–", "–") if metric == "kib_per_session" else (fmt_ms(s["p50"]), fmt_ms(s["p99"]), fmt_ms(s["p999"]))
            md.append(f"| {title if i == 0 else ''} | {SERVER_NAMES.get(label, label)} | {result} | "
                      f"{lat[0]} | {lat[1]} | {lat[2]} | "
                      f"{s['missing']} / {s['errors']} | {cpu} | {cpu_per_message(s) if metric == 'rate' else '–'} | "
                      f"{'–' if r is None else f'{r:.2f}×'} |")
    md.append("")
    md.append("Server CPU µs / msg is the server's CPU time over the window divided by the messages (round trips, "
              "deliveries, sessions, requests): it moves much less than throughput when other work shares the cores. "
              "In brackets, the part spent in the server's own code (`utime`); the rest is the kernel working for it "
              "(system calls and the loopback's TCP processing they set off), about the same for every server making "
              "the same calls, and the part that swings most with the machine's load.\n")
    md.append("Idle rows: server RSS after opening the sessions minus RSS before, divided by the sessions, "
              "held a few seconds; latency columns do not apply there. Connect: TCP connect, WebSocket upgrade and, for pushd, "
              "the Engine.IO open packet, then the connection is reset.\n")

    # Per transport.
    md.append("## pushd per transport\n")
    md.append("The generator's own counters over the measured window: bytes are everything on the wire in both "
              "directions (HTTP heads included: the generator sends only `Host` and, on POSTs, `Content-Type` and "
              "`Content-Length`, so a browser adds a few hundred bytes per request); requests are HTTP requests the "
              "generator sent; CPU is pushd's. Echo: one message up and its copy down per round trip, one "
              "outstanding per session. Broadcast: one publisher, every session gets each message. Short-polling "
              "polls again at once after an answer with data and 50 ms after an empty one.\n")
    md.append("| Transport | Echo c=100 round trips/s | CPU µs / round trip | bytes / round trip | requests / round trip | "
              "Broadcast c=1000 deliveries/s | CPU µs / delivery | bytes / delivery | requests / delivery | missing |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in TRANSPORTS:
        e = summary.get((f"transport-echo-{t}", "pushd"))
        b = summary.get((f"transport-broadcast-{t}", "pushd"))
        if not e and not b:
            continue
        e = e or {}
        b = b or {}
        md.append(f"| {TRANSPORT_NAMES[t]} | {fmt_num(e.get('rate'))} | {fmt_num(e.get('server_cpu_us_per_msg'), 2)} | "
                  f"{fmt_num(e.get('bytes_per_msg'))} | {fmt_num(e.get('requests_per_msg'), 2)} | "
                  f"{fmt_num(b.get('rate'))} | {fmt_num(b.get('server_cpu_us_per_msg'), 2)} | "
                  f"{fmt_num(b.get('bytes_per_msg'))} | {fmt_num(b.get('requests_per_msg'), 3)} | "
                  f"{(e.get('missing') or 0) + (b.get('missing') or 0)} |")
    md.append("")

    # Targets.
    md.append("## Against the reference figures\n")
    md.append("Reference figures were measured earlier on this machine with the same method; *peer now* is this "
              "run's median for the same peer. When other work shared the machine during this run (see the *other* "
              "CPU column above), absolute figures drop and the same-run ratio is the fairer comparison.\n")
    md.append("| Scenario | Peer | Reference | Peer now | pushd now | pushd vs reference | pushd vs peer now | |")
    md.append("|---|---|---:|---:|---:|---:|---:|---|")
    misses = []
    titles = {r[0]: (r[1], r[2], r[3], r[4]) for r in ROWS}
    for row, peer, ref in REFERENCE:
        title, metric, unit, higher = titles[row]
        p = summary.get((row, "pushd"), {}).get(metric)
        now = summary.get((row, peer), {}).get(metric)
        if p is None:
            verdict, rel = "not measured", None
        else:
            rel = p / ref if higher else ref / p
            verdict = "beats" if rel >= 1 else "misses"
        if verdict.startswith("misses"):
            misses.append(f"{title} vs {SERVER_NAMES[peer]}")
        digits = 2 if metric == "kib_per_session" else 0
        same = ratio(summary, row, peer, metric, higher)
        if same is not None and rel is not None and (rel >= 1) != (same >= 1):
            verdict += " the reference, " + ("beats" if same >= 1 else "misses") + " the peer now"
        md.append(f"| {title} | {SERVER_NAMES[peer]} | {fmt_num(ref, digits)} {unit} | {fmt_num(now, digits)} | "
                  f"{fmt_num(p, digits)} | {'–' if rel is None else f'{rel:.2f}×'} | "
                  f"{'–' if same is None else f'{same:.2f}×'} | {verdict} |")
    md.append("")
    if misses:
        md.append("pushd misses: " + "; ".join(misses) + ".\n")

    # Problems.
    problems = []
    for (row, label), s in sorted(summary.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
        if s["errors"] or s["missing"] or s["crashed"] or s["failed_runs"]:
            kinds = "; ".join(f"{k}: {n}" for k, n in sorted(s["error_kinds"].items()))
            problems.append(f"- {row}, {SERVER_NAMES.get(label, label)}: missing {s['missing']}, errors {s['errors']}"
                            + (f" ({kinds})" if kinds else "")
                            + (", server died" if s["crashed"] else "")
                            + (f", failed runs: {', '.join(s['failures'])}" if s["failures"] else ""))
    md.append("## Errors and missing copies\n")
    md.extend(problems or ["None in this run."])
    md.append("")
    md.append("## Chart\n")
    md.append("![pushd against each peer](results.svg)\n")
    md.append("<details><summary>Raw generator lines</summary>\n")
    md.append("```")
    md.extend(json.dumps(line, separators=(",", ":")) for line in lines)
    md.append("```\n</details>\n")
    for block in kept:
        md.append(block)
        md.append("")
    open(md_path, "w").write("\n".join(md))
    open(svg_path, "w").write(chart(summary))


def chart(summary):
    """Horizontal bars on a log2 axis, one group per scenario, one bar per peer."""
    import math
    groups = []
    for row, title, metric, unit, higher in ROWS:
        bars = []
        for label in servers_of(summary, row):
            if label == "pushd":
                continue
            r = ratio(summary, row, label, metric, higher)
            if r:
                bars.append((label, r))
        if bars:
            groups.append((title, bars))
    lo, hi = -4, 4  # 1/16 .. 16
    left, width, bar_h, gap = 330, 520, 14, 14
    top = 60
    height = top + sum(len(b) * bar_h + gap for _, b in groups) + 60
    total_w = left + width + 90

    def x(r):
        v = min(max(math.log2(r), lo), hi)
        return left + (v - lo) / (hi - lo) * width

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
           f'viewBox="0 0 {total_w} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{total_w}" height="{height}" fill="white"/>',
           f'<text x="{total_w / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
           'pushd against each peer (above 1× pushd does better)</text>',
           f'<text x="{total_w / 2}" y="40" text-anchor="middle" fill="#555">throughput: pushd ÷ peer; '
           'memory per idle session: peer ÷ pushd; log scale</text>']
    for k in range(lo, hi + 1):
        gx = x(2 ** k)
        label = f"{2 ** k:g}×" if k >= 0 else f"1/{2 ** -k:g}×"
        out.append(f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 40}" '
                   f'stroke="{"#222" if k == 0 else "#ddd"}" stroke-width="{1.5 if k == 0 else 1}"/>')
        out.append(f'<text x="{gx:.1f}" y="{height - 24}" text-anchor="middle" fill="#444">{label}</text>')
    y = top
    for title, bars in groups:
        group_h = len(bars) * bar_h
        out.append(f'<text x="{left - 10}" y="{y + group_h / 2 + 4:.1f}" text-anchor="end">{escape(title)}</text>')
        for label, r in bars:
            x0, x1 = x(1), x(r)
            out.append(f'<rect x="{min(x0, x1):.1f}" y="{y + 1}" width="{max(abs(x1 - x0), 1):.1f}" height="{bar_h - 2}" '
                       f'fill="{COLORS.get(label, "#868e96")}"><title>{escape(SERVER_NAMES.get(label, label))}: {r:.2f}×</title></rect>')
            tx = x1 + 4 if r >= 1 else x1 - 4
            out.append(f'<text x="{tx:.1f}" y="{y + bar_h - 3}" font-size="10" text-anchor="{"start" if r >= 1 else "end"}" '
                       f'fill="#333">{r:.2f}×</text>')
            y += bar_h
        y += gap
    # Legend.
    lx = 20
    for label in ["uws", "node-ws", "py-websockets", "py-socketio", "nginx"]:
        if any(label == l for _, bars in groups for l, _ in bars):
            out.append(f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{COLORS[label]}"/>')
            out.append(f'<text x="{lx + 14}" y="{height - 7}">{escape(SERVER_NAMES[label])}</text>')
            lx += 30 + 7 * len(SERVER_NAMES[label])
    out.append("</svg>\n")
    return "\n".join(out)


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    main()
