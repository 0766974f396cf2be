"""WebSocket upgrades that land on a node other than their session's owner are relayed to the
owner, so clients behind a plain round-robin proxy upgrade, and packets cross the upgrade in
order, each once."""
import asyncio
import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests
import socketio
import websocket

from engine_client import decode_payload, encode_payload, engine_url
from nginx_proxy import NginxProxy
from pushd_server import BINARY, PushdServer
from redis_server import refusing_port
from waiting import wait_until

PATH = "/socket.io/"


def metric(node, name):
    text = requests.get(node.url + "/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def start_cluster(redis, count=3, flags=()):
    nodes = [PushdServer("--redis", redis.url, *flags) for _ in range(count)]
    # Every node sees the others and has published its address.
    ok = wait_until(lambda: all(n.read_log().count(" alive") >= 1 and "reachable at" in n.log.decode() for n in nodes), 10)
    if not ok:
        for node in nodes:
            node.stop()
        raise AssertionError("cluster did not form")
    return nodes


@pytest.fixture
def cluster(redis):
    nodes = start_cluster(redis)
    yield nodes
    for node in nodes:
        node.stop()


@pytest.fixture
def proxy(cluster):
    instance = NginxProxy([node.port for node in cluster])
    yield instance
    instance.close()


def test_python_socketio_behind_round_robin_nginx_upgrades_every_time(cluster, proxy):
    async def one(index):
        client = socketio.AsyncClient(reconnection=False)
        ticks = []
        client.on("tick", lambda data, *recovery_offset: ticks.append(data["seq"]))
        await client.connect(proxy.url, transports=["polling", "websocket"], wait_timeout=10)
        deadline = time.monotonic() + 10
        while client.transport() != "websocket" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        transport = client.transport()
        answer = await client.call("echo", {"n": index}, timeout=10)
        # Server pushes arrive, in order, each once.
        await client.call("ticker", {"rate": 100}, timeout=10)
        # Ten ticks, however slow the build: a sanitized cluster on two cores may tick late.
        deadline = time.monotonic() + 10
        while len(ticks) < 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await client.call("ticker", {"rate": 0}, timeout=10)
        await asyncio.sleep(0.1)
        await client.disconnect()
        return transport, answer, ticks

    async def run():
        return [await one(index) for index in range(10)]
    results = asyncio.run(run())
    assert [transport for transport, _, _ in results] == ["websocket"] * 10
    assert [answer for _, answer, _ in results] == [{"n": index} for index in range(10)]
    for _, _, ticks in results:
        assert len(ticks) >= 10 and ticks == list(range(1, len(ticks) + 1)), ticks
    # Most upgrades landed on a node other than the owner and were relayed.
    assert sum(metric(node, "pushd_cluster_relays_total") for node in cluster) >= 3


class SplitSession:
    """A Socket.IO session opened by long-polling on `owner`, upgraded to a WebSocket on `relay`."""

    def __init__(self, owner, relay, ticker_rate=0, auth="", receive_buffer=None):
        self.owner = owner
        self.http = requests.Session()
        response = self.http.get(engine_url(owner.url, PATH, transport="polling"), timeout=5)
        self.sid = json.loads(decode_payload(response.content)[0][1:])["sid"]
        self.polled = []
        self.post("40" + auth)
        self.poll_until(lambda: any(p.startswith("40") for p in self.polled))
        if ticker_rate:
            self.post('42["ticker",{"rate":%d}]' % ticker_rate)
        self.ws = self.websocket(relay, receive_buffer) if relay else None

    def websocket(self, node, receive_buffer=None):
        options = ((socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer),) if receive_buffer else ()
        return websocket.create_connection(engine_url(node.url, PATH, "ws", transport="websocket", sid=self.sid),
                                           timeout=5, suppress_origin=True, sockopt=options)

    def url(self):
        return engine_url(self.owner.url, PATH, transport="polling", sid=self.sid)

    def post(self, *packets):
        response = self.http.post(self.url(), data=encode_payload(packets), timeout=5)
        assert response.status_code == 200, response.text

    def poll_until(self, done):
        while not done():
            response = self.http.get(self.url(), timeout=5)
            assert response.status_code == 200, response.text
            self.polled.extend(decode_payload(response.content))

    def upgrade(self, while_probing=lambda: None):
        """Upgrades as the reference client does: polls keep going until the probe is answered,
        the poll in flight then ends (the owner answers it), and "5" completes the upgrade."""
        polling = threading.Event()
        polling.set()

        def poll():
            while polling.is_set():
                response = self.http.get(self.url(), timeout=60)
                assert response.status_code == 200, response.text
                self.polled.extend(decode_payload(response.content))
        poller = threading.Thread(target=poll)
        poller.start()
        self.ws.send("2probe")
        while_probing()
        assert self.ws.recv() == "3probe"
        polling.clear()
        poller.join(60)
        assert not poller.is_alive()
        self.ws.send("5")

    def recv(self):
        while True:
            packet = self.ws.recv()
            if packet == "2":
                self.ws.send("3")
                continue
            return packet


def events(packets, name):
    found = []
    for packet in packets:
        if isinstance(packet, str) and packet.startswith("42"):
            event = json.loads(packet[2:])
            if event[0] == name:
                found.append(event[1])
    return found


def test_packets_cross_a_relayed_upgrade_in_order_each_once(cluster):
    owner, relay = cluster[0], cluster[1]
    session = SplitSession(owner, relay, ticker_rate=100)
    # Client to server: echoes sent by polling, some while the probe is pending, then by WebSocket.
    for n in range(5):
        session.post('42["echo",%d]' % n)
    session.poll_until(lambda: len(events(session.polled, "tick")) >= 5)
    session.upgrade(while_probing=lambda: [session.post('42["echo",%d]' % n) for n in range(5, 10)])
    for n in range(10, 20):
        session.ws.send('42["echo",%d]' % n)
    over_ws = []
    deadline = time.monotonic() + 10
    while (len(events(session.polled + over_ws, "echo")) < 20 or len(events(over_ws, "tick")) < 5) \
            and time.monotonic() < deadline:
        over_ws.append(session.recv())
    session.ws.send('42["ticker",{"rate":0}]')
    time.sleep(0.3)
    session.ws.settimeout(0.5)
    try:
        while True:
            over_ws.append(session.recv())
    except websocket.WebSocketTimeoutException:
        pass
    everything = session.polled + over_ws
    assert events(everything, "echo") == list(range(20))
    ticks = [tick["seq"] for tick in events(everything, "tick")]
    assert ticks == list(range(1, len(ticks) + 1))
    # Both sides of the move carried ticks: the relay was used, not just the owner.
    assert events(session.polled, "tick") and events(over_ws, "tick")
    assert metric(relay, "pushd_cluster_relays_total") == 1
    assert metric(relay, "pushd_cluster_relays_open") == 1
    session.ws.close()
    assert wait_until(lambda: metric(relay, "pushd_cluster_relays_open") == 0, 5)


def test_owner_death_closes_the_relayed_websocket(redis):
    nodes = start_cluster(redis)
    try:
        relay = nodes[2]
        killed = SplitSession(nodes[0], relay)
        killed.upgrade()
        frozen = SplitSession(nodes[1], relay)
        frozen.upgrade()
        for session in (killed, frozen):
            session.ws.send('42["echo","alive"]')
            assert events([session.recv()], "echo") == ["alive"]

        def closes_within(session, seconds):
            session.ws.settimeout(seconds)
            started = time.monotonic()
            try:
                while True:
                    if session.ws.recv() in ("", None):
                        break
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                pass
            except websocket.WebSocketTimeoutException:
                return None
            return time.monotonic() - started

        # A killed owner's socket closes: the relay closes the client's at once.
        nodes[0].stop(signal.SIGKILL)
        elapsed = closes_within(killed, 3)
        assert elapsed is not None and elapsed < 2, elapsed
        # A frozen owner sends no FIN: once it is known dead (3 s without a heartbeat), the
        # relay closes the client's socket, well before the 45 s ping timeout.
        os.kill(nodes[1].pid, signal.SIGSTOP)
        elapsed = closes_within(frozen, 10)
        assert elapsed is not None and elapsed < 8, elapsed
        assert wait_until(lambda: metric(relay, "pushd_cluster_relays_open") == 0, 5)
    finally:
        nodes[1].stop(signal.SIGKILL)
        for node in nodes:
            node.stop()


def test_a_relay_holds_bounded_bytes_when_the_owner_reads_slowly(redis):
    # The owner reads one message a second: a flood from the client backs up through the relay
    # to the client's socket instead of piling up in the relay.
    nodes = start_cluster(redis, count=2, flags=("--max-messages-per-second", "1"))
    try:
        owner, relay = nodes
        session = SplitSession(owner, relay)
        session.upgrade()
        before = relay.rss_kib()
        frame = websocket.ABNF.create_frame('42["unheard","' + "x" * 65_000 + '"]', websocket.ABNF.OPCODE_TEXT).format()
        raw = session.ws.sock
        raw.settimeout(2)
        sent = 0
        try:
            while sent < 256 << 20:
                sent += raw.send(frame)
        except socket.timeout:
            pass
        grown = relay.rss_kib() - before
        # Socket buffers on loopback hold a few MiB; the relay keeps at most its high-water mark.
        assert sent < 64 << 20, sent
        assert grown < 8 << 10, grown
        raw.close()
    finally:
        for node in nodes:
            node.stop()


def test_a_relay_holds_bounded_bytes_when_the_client_reads_slowly(redis):
    # Another client sends big events to a room of the relayed client, which reads nothing.
    # The relay stops reading from the owner once the client's queue is full, so the owner's
    # queue for the session grows instead, until the owner closes it as a slow consumer: the
    # relay's memory stays flat. One thread: the owner counts a WebSocket's unsent bytes
    # against its session only when both are on one loop.
    nodes = start_cluster(redis, count=2, flags=("--app", "test", "--max-session-queue", "1MiB", "--threads", "1"))
    try:
        owner, relay = nodes
        # A small receive buffer, so that little of what follows can hide in the client's kernel.
        session = SplitSession(owner, relay, auth='{"rooms":["slow"]}', receive_buffer=8192)
        session.upgrade()
        before = relay.rss_kib()
        sender = websocket.create_connection(engine_url(owner.url, PATH, "ws", transport="websocket"), timeout=5,
                                             suppress_origin=True)
        assert sender.recv().startswith("0")
        sender.send("40")
        assert sender.recv().startswith("40")
        try:
            # Up to 36 MB, paced: more than the socket buffers between owner and relay hold.
            for n in range(600):
                sender.send('42["to-room","slow","big","' + "x" * 60_000 + '"]')
                if n % 20 == 0:
                    if "slow consumer" in owner.read_log():
                        break
                    time.sleep(0.05)
            assert wait_until(lambda: "slow consumer" in owner.read_log(), 20)
            grown = relay.rss_kib() - before
            assert grown < 8 << 10, grown
        finally:
            sender.close()
    finally:
        for node in nodes:
            node.stop()


def test_an_unreachable_owner_answers_502_and_the_client_stays_on_polling(redis):
    # The owner advertises a port nothing listens on.
    with refusing_port() as port:
        unreachable_owner_answers_502(redis, f"127.0.0.1:{port}")


def unreachable_owner_answers_502(redis, wrong):
    owner = PushdServer("--redis", redis.url, "--cluster-advertise", wrong)
    relay = PushdServer("--redis", redis.url)
    try:
        assert wait_until(lambda: " alive" in owner.read_log() and " alive" in relay.read_log(), 10)
        assert wait_until(lambda: f"reachable at {wrong}" in owner.read_log(), 5)
        session = SplitSession(owner, relay=None)
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            session.websocket(relay)
        assert refused.value.status_code == 502
        assert metric(relay, "pushd_cluster_relay_failures_total") == 1
        assert "cannot relay a request" in relay.read_log()
        # The session lives on over polling.
        session.post('42["echo","still here"]')
        session.poll_until(lambda: events(session.polled, "echo") == ["still here"])
    finally:
        owner.stop()
        relay.stop()


def test_cluster_advertise_must_be_host_and_port():
    for value in ("3000", "host:", "host:70000", "a b:1"):
        result = subprocess.run([BINARY, "--cluster-advertise", value], capture_output=True, timeout=10)
        assert result.returncode == 2, value
        assert b"--cluster-advertise needs HOST:PORT" in result.stderr, result.stderr


def test_an_upgrade_is_relayed_once_never_round_again(redis):
    # The owner advertises the relaying node's own address (as a balancer's address would
    # lead back to any node): the relayed upgrade reaches the relay again, which refuses it
    # instead of relaying it round and round.
    relay = PushdServer("--redis", redis.url)
    owner = PushdServer("--redis", redis.url, "--cluster-advertise", f"127.0.0.1:{relay.port}")
    try:
        assert wait_until(lambda: " alive" in owner.read_log() and " alive" in relay.read_log(), 10)
        assert wait_until(lambda: f"reachable at 127.0.0.1:{relay.port}" in owner.read_log(), 5)
        session = SplitSession(owner, relay=None)
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            session.websocket(relay)
        assert refused.value.status_code == 400
        assert metric(relay, "pushd_cluster_relays_total") == 1
    finally:
        owner.stop()
        relay.stop()
