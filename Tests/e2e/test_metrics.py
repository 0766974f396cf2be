"""/metrics in Prometheus text format, parsed with prometheus_client's parser: every family is
there, and the counts move as traffic flows on each transport."""
import json
import socket
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from engine_client import PollingClient, WebSocketClient, encode_payload, engine_url, open_client

PATH = "/engine.io/"
TRANSPORTS = ["websocket", "sse", "polling", "short-polling"]
FAMILIES = [
    "pushd_connections", "pushd_sessions", "pushd_sockets", "pushd_messages_received", "pushd_messages_sent",
    "pushd_bytes_received", "pushd_bytes_sent", "pushd_dropped", "pushd_http_requests", "pushd_upgrades",
    "pushd_event_loop_lag_seconds", "process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds",
]


def scrape(url):
    """{(sample name, sorted label items): value} and the families by name."""
    response = requests.get(url + "/metrics", timeout=5)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4"), response.headers
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    samples = {}
    for family in families.values():
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples, families


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def wait_for(url, predicate, timeout=5.0):
    """Scrapes until `predicate(samples)` holds; returns the last samples."""
    deadline = time.monotonic() + timeout
    while True:
        samples, _ = scrape(url)
        if predicate(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.05)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def echo(start_server):
    return start_server("--app", "engine-echo", "--ping-interval", "20s", "--ping-timeout", "20s")


def test_every_family_parses_with_its_type(echo):
    samples, families = scrape(echo.url)
    for name in FAMILIES:
        assert name in families, f"{name} missing from {sorted(families)}"
    assert families["pushd_messages_received"].type == "counter"
    assert families["pushd_connections"].type == "gauge"
    assert families["pushd_event_loop_lag_seconds"].type == "histogram"
    for transport in TRANSPORTS:
        assert ("pushd_connections", (("transport", transport),)) in samples
    for reason in ["volatile", "slow_consumer", "rate_limit", "memory_budget"]:
        assert ("pushd_dropped_total", (("reason", reason),)) in samples
    assert value(samples, "process_resident_memory_bytes") > 1_000_000
    assert value(samples, "process_open_fds") >= 3
    assert value(samples, "process_cpu_seconds_total") > 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_messages_bytes_and_connections_move_per_transport(echo, transport):
    before, _ = scrape(echo.url)
    client = open_client(transport, echo.url, PATH)
    try:
        for n in range(5):
            client.send(f"4message {n}")
        assert client.recv_messages(5) == [f"message {n}" for n in range(5)]
        after = wait_for(echo.url, lambda s: value(s, "pushd_messages_received_total", transport=transport)
                         - value(before, "pushd_messages_received_total", transport=transport) >= 5)
        received = value(after, "pushd_messages_received_total", transport=transport) \
            - value(before, "pushd_messages_received_total", transport=transport)
        assert received == 5
        for other in TRANSPORTS:
            if other != transport:
                assert value(after, "pushd_messages_received_total", transport=other) == \
                    value(before, "pushd_messages_received_total", transport=other), other
        # The open packet and five echoes at least.
        assert value(after, "pushd_messages_sent_total", transport=transport) \
            - value(before, "pushd_messages_sent_total", transport=transport) >= 6
        assert value(after, "pushd_bytes_received_total") - value(before, "pushd_bytes_received_total") \
            >= 5 * len("4message 0")
        assert value(after, "pushd_bytes_sent_total") - value(before, "pushd_bytes_sent_total") >= 5 * len("4message 0")
        assert value(after, "pushd_connections", transport=transport) == 1
        assert value(after, "pushd_sessions") == 1
        code = "101" if transport == "websocket" else "200"
        assert value(after, "pushd_http_requests_total", code=code) > value(before, "pushd_http_requests_total", code=code)
    finally:
        client.close()
    if transport == "websocket":
        gone = wait_for(echo.url, lambda s: value(s, "pushd_connections", transport=transport) == 0)
        assert value(gone, "pushd_connections", transport=transport) == 0
        assert value(gone, "pushd_sessions") == 0


@pytest.mark.parametrize("transport", ["polling", "sse", "short-polling"])
def test_upgrade_moves_the_session_to_websocket(echo, transport):
    client = open_client(transport, echo.url, PATH)
    try:
        ws = WebSocketClient(echo.url, PATH, sid=client.sid)
        ws.send("2probe")
        assert ws.recv(2) == "3probe"
        ws.send("5")
        ws.send("4after")
        assert ws.recv_messages(1) == ["after"]
        samples = wait_for(echo.url, lambda s: value(s, "pushd_upgrades_total", **{"from": transport}) == 1)
        assert value(samples, "pushd_upgrades_total", **{"from": transport}) == 1
        assert value(samples, "pushd_connections", transport="websocket") == 1
        assert value(samples, "pushd_connections", transport=transport) == 0
        ws.close()
    finally:
        client.close()


def test_sockets_by_namespace(start_server):
    server = start_server()
    ws = WebSocketClient(server.url, "/socket.io/")
    try:
        ws.send("40")
        assert ws.recv(3).startswith("40{")
        samples = wait_for(server.url, lambda s: value(s, "pushd_sockets", namespace="/") == 1)
        assert value(samples, "pushd_sockets", namespace="/") == 1
        ws.send("41")
        samples = wait_for(server.url, lambda s: value(s, "pushd_sockets", namespace="/") == 0)
        assert value(samples, "pushd_sockets", namespace="/") == 0
    finally:
        ws.close()


def test_slow_consumer_and_rate_limit_are_counted(start_server):
    server = start_server("--app", "engine-echo", "--max-session-queue", "1KiB", "--max-messages-per-second", "2",
                          "--ping-interval", "20s", "--ping-timeout", "20s")
    client = PollingClient(server.url, PATH)
    try:
        # 60 echoes that nobody reads, each holding 130 bytes of queue: the 8th passes the 1 KiB
        # cap. At 2/s (burst 4) the POST is read at the rate from the 5th packet on, so the
        # limit holds it back before the queue overflows (about 2 s in).
        response = client.post(*["4x"] * 60, timeout=10)
        assert response.status_code in (200, 400), response.text
        samples = wait_for(server.url, lambda s: value(s, "pushd_dropped_total", reason="slow_consumer") >= 1)
        assert value(samples, "pushd_dropped_total", reason="slow_consumer") == 1
        assert value(samples, "pushd_rate_limited_total", transport="polling") >= 1
        assert value(samples, "pushd_sessions") == 0
    finally:
        client.close()


def test_event_loop_lag_histogram_per_loop(echo):
    time.sleep(0.5)
    samples, families = scrape(echo.url)
    for loop in ["0", "1"]:   # the test server runs two loops
        count = value(samples, "pushd_event_loop_lag_seconds_count", loop=loop)
        assert count >= 2, (loop, count)
        assert value(samples, "pushd_event_loop_lag_seconds_bucket", loop=loop, le="+Inf") == count
        buckets = [s for s in families["pushd_event_loop_lag_seconds"].samples
                   if s.name.endswith("_bucket") and s.labels["loop"] == loop]
        values = [s.value for s in buckets]
        assert values == sorted(values), "buckets are cumulative"
        # An idle loop runs its timers within a few milliseconds.
        assert value(samples, "pushd_event_loop_lag_seconds_sum", loop=loop) / count < 0.05


def test_refused_origin_is_counted_as_403_and_logged_once_per_minute(start_server):
    server = start_server("--app", "engine-echo", "--cors-origin", "https://good.example")
    for _ in range(3):
        response = requests.get(engine_url(server.url, PATH, transport="polling"),
                                headers={"Origin": "http://localhost:3100"}, timeout=5)
        assert response.status_code == 403
        assert response.headers.get("X-Pushd-Refused") == "origin not allowed"
    requests.get(engine_url(server.url, PATH, transport="polling"), headers={"Origin": "http://other.example"}, timeout=5)
    log = server.read_log(wait=0.3)
    assert log.count("info origin http://localhost:3100 refused; allow it with --cors-origin") == 1, log
    assert log.count("origin http://other.example refused; allow it with --cors-origin") == 1, log
    samples, _ = scrape(server.url)
    assert value(samples, "pushd_http_requests_total", code="403") == 4


def test_metrics_off(start_server):
    server = start_server("--metrics=false")
    assert requests.get(server.url + "/metrics", timeout=5).status_code == 404
    assert requests.get(server.url + "/stats.html", timeout=5).status_code == 404


def test_metrics_listen_moves_metrics_and_the_stats_page_off_the_public_port(start_server):
    port = free_port()
    server = start_server("--metrics-listen", f"127.0.0.1:{port}", "--stats-page")
    assert requests.get(server.url + "/metrics", timeout=5).status_code == 404
    assert requests.get(server.url + "/stats.html", timeout=5).status_code == 404
    samples, _ = scrape(f"http://127.0.0.1:{port}")
    assert value(samples, "pushd_sessions") == 0
    page = requests.get(f"http://127.0.0.1:{port}/stats.html", timeout=5)
    assert page.status_code == 200 and "<canvas" in page.text
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 404, "only metrics there"


def test_stats_page_only_when_asked(start_server):
    plain = start_server()
    assert requests.get(plain.url + "/stats.html", timeout=5).status_code == 404
    with_page = start_server("--stats-page")
    page = requests.get(with_page.url + "/stats.html", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


def test_api_calls_are_counted_by_method_and_code(start_server):
    key = "k" * 24
    server = start_server("--app", "test", "--api-key", key)
    headers = {"Authorization": f"Bearer {key}"}
    assert requests.post(server.url + "/api/rooms", data="{}", headers=headers, timeout=5).status_code == 200
    assert requests.post(server.url + "/api/rooms", data="{}", timeout=5).status_code == 401
    assert requests.post(server.url + "/api/nothing", data="{}", headers=headers, timeout=5).status_code == 404
    samples, _ = scrape(server.url)
    assert value(samples, "pushd_api_calls_total", method="rooms", code="200") == 1
    assert value(samples, "pushd_api_calls_total", method="other", code="401") == 1
    assert value(samples, "pushd_api_calls_total", method="other", code="404") == 1


def test_room_rule_refusals_are_counted(start_server, tmp_path):
    config = tmp_path / "pushd.json"
    config.write_text(json.dumps({"jwt-secret": "s" * 32, "auth": "optional", "namespaces": {"/": {"rooms": [
        {"pattern": "chat:*", "join": "token", "publish": "member"}]}}}))
    server = start_server("--app", "test", "--config", str(config))
    ws = WebSocketClient(server.url, "/socket.io/")
    try:
        ws.send("40")
        assert ws.recv(3).startswith("40{")
        ws.send('421["pushd:join","chat:7"]')
        assert ws.recv_messages(1) == ['31[{"error":"not allowed"}]']
    finally:
        ws.close()
    samples, _ = scrape(server.url)
    assert value(samples, "pushd_room_rule_refusals_total") == 1


def test_cluster_counters(start_server):
    from redis_server import RedisServer
    redis = RedisServer()
    try:
        nodes = [start_server("--redis", redis.url) for _ in range(2)]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all("alive" in node.read_log() for node in nodes):
            time.sleep(0.1)
        path = "/socket.io/?EIO=4&transport=polling"
        handshake = requests.get(nodes[0].url + path, timeout=5)
        sid = json.loads(handshake.text[1:])["sid"]
        # The session lives on node 0; a POST to node 1 is forwarded there.
        assert requests.post(nodes[1].url + f"{path}&sid={sid}", data="40", timeout=10).text == "ok"
        origin, _ = scrape(nodes[1].url)
        owner, _ = scrape(nodes[0].url)
        assert value(origin, "pushd_cluster_forwarded_requests_total", direction="out") == 1
        assert value(owner, "pushd_cluster_forwarded_requests_total", direction="in") == 1
        assert value(origin, "pushd_cluster_publishes_total") >= 1
        assert value(owner, "pushd_cluster_nodes") == 2
        assert value(owner, "pushd_cluster_redis_up") == 1
        assert value(owner, "pushd_cluster_dropped_while_down_total") == 0
    finally:
        redis.close()
