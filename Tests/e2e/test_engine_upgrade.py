"""Upgrades from pushd's HTTP transports (polling, sse, short-polling) to WebSocket:
2probe / 3probe / 5, no message lost or reordered across the switch, the old transport
released with a noop and refused afterwards."""
import threading
import time

import pytest
import requests

from engine_client import (
    Closed, PollingClient, SSEClient, WebSocketClient, assert_engine_error, decode_payload,
    open_client,
)
from pushd_server import PushdServer

PATH = "/engine.io/"
FROM = ["polling", "sse", "short-polling"]


@pytest.fixture(scope="module")
def echo():
    server = PushdServer("--app", "engine-echo")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def calm():
    """engine-echo without heartbeats in the way (requests can be held for long)."""
    server = PushdServer("--app", "engine-echo", "--ping-interval", "20s", "--ping-timeout", "20s")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def brisk():
    """engine-echo with 2 s heartbeats and an upgrade timeout longer than any test here."""
    server = PushdServer("--app", "engine-echo", "--ping-interval", "2s", "--ping-timeout", "2s",
                         "--upgrade-timeout", "60s")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def impatient():
    """engine-echo with 2 s heartbeats and a 1 s upgrade timeout."""
    server = PushdServer("--app", "engine-echo", "--ping-interval", "2s", "--ping-timeout", "2s",
                         "--upgrade-timeout", "1s")
    yield server
    server.stop()


class HTTPCollector:
    """Receives on an HTTP transport in the background, like a client would before and during
    an upgrade: records every packet, answers pings, and stops once the transport is paused
    (long-polling: a noop; short-polling: when told; sse: at the end of the stream)."""

    def __init__(self, client):
        self.client = client
        self.packets = []
        self.errors = []
        self.saw_noop = threading.Event()
        self.stop = threading.Event()
        target = self._sse if client.transport == "sse" else self._poll
        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def _poll(self):
        client = self.client
        try:
            while True:
                if client.transport == "short-polling" and self.stop.is_set():
                    return
                response = client.get(timeout=5)
                if response.status_code != 200:
                    self.errors.append(f"GET answered {response.status_code}: {response.text!r}")
                    return
                packets = decode_payload(response.content)
                for packet in packets:
                    if packet == "2":
                        client.send("3")
                    elif packet == "6":
                        self.saw_noop.set()
                    else:
                        self.packets.append(packet)
                if client.transport == "polling" and "6" in packets:
                    return
                if client.transport == "short-polling":
                    time.sleep(0.01)
        except Exception as error:  # recorded, asserted by the test
            self.errors.append(repr(error))

    def _sse(self):
        client = self.client
        try:
            while True:
                try:
                    packet = client.recv(10)
                except Closed:
                    return
                if packet == "2":
                    client.send("3")
                elif packet == "6":
                    self.saw_noop.set()
                else:
                    self.packets.append(packet)
        except Exception as error:
            self.errors.append(repr(error))

    def pause(self, timeout=3):
        """Waits until the HTTP transport is paused for the upgrade (no GET in flight)."""
        if self.client.transport == "short-polling":
            self.stop.set()
            self.thread.join(timeout)
            assert not self.thread.is_alive(), "short-polling loop did not stop"
        elif self.client.transport == "polling":
            self.thread.join(timeout)
            assert not self.thread.is_alive(), "the held GET was not released with a noop during the probe"
        else:
            assert self.saw_noop.wait(timeout), "no noop on the event stream during the probe"
        assert not self.errors, self.errors

    def finish(self, timeout=3):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.client.transport} receiver still running"
        assert not self.errors, self.errors


def probe(server, client):
    ws = WebSocketClient(server.url, PATH, sid=client.sid)
    ws.send("2probe")
    assert ws.recv(2) == "3probe"
    return ws


def upgrade(server, client):
    """The whole upgrade, with the HTTP transport idle; returns the WebSocket."""
    ws = probe(server, client)
    ws.send("5")
    return ws


@pytest.mark.parametrize("transport", FROM)
def test_upgrade(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        assert client.handshake["upgrades"] == ["websocket"]
        client.send("4over http")
        assert client.recv_messages(1) == ["over http"]
        collector = HTTPCollector(client)
        ws = probe(echo, client)
        try:
            collector.pause()
            ws.send("5")
            ws.send("4over websocket", b"\x01\x02")
            assert ws.recv_messages(2) == ["over websocket", b"\x01\x02"]
            collector.finish()
            assert collector.packets == []
        finally:
            ws.close()


@pytest.mark.parametrize("transport", FROM)
def test_messages_across_upgrade_in_order(echo, transport):
    """Numbered messages sent before, during (between 3probe and 5) and after the upgrade come
    back exactly once and in order, split between the two transports."""
    with open_client(transport, echo.url, PATH) as client:
        collector = HTTPCollector(client)
        sent = []

        def post(*numbers):
            for number in numbers:
                text = f"m{number}"
                sent.append(text)
                client.send("4" + text)

        post(*range(0, 4))
        deadline = time.monotonic() + 3
        while not collector.packets and time.monotonic() < deadline:
            time.sleep(0.01)
        assert collector.packets, f"no echo over {transport} before the upgrade: {collector.errors!r}"
        post(*range(4, 8))  # their echoes may still be queued when the probe comes
        ws = probe(echo, client)
        try:
            collector.pause()
            # during the upgrade: still posted over HTTP (its transport until "5")
            for number in range(8, 16):
                post(number)
            ws.send("5")
            for number in range(16, 24):
                text = f"m{number}"
                sent.append(text)
                ws.send("4" + text)
            if transport == "sse":
                collector.finish()  # the stream ends once the upgrade is done
            over_http = [p[1:] if isinstance(p, str) and p.startswith("4") else p for p in collector.packets]
            expected_on_ws = len(sent) - len(over_http)
            assert 0 < len(over_http) and 0 < expected_on_ws, (over_http, sent)
            over_ws = ws.recv_messages(expected_on_ws, timeout=5)
            assert over_http + over_ws == sent, f"over http: {over_http!r}\nover websocket: {over_ws!r}"
            # nothing more arrives
            ws.send("4end")
            assert ws.recv_messages(1) == ["end"]
        finally:
            ws.close()


@pytest.mark.parametrize("transport", FROM)
def test_binary_messages_across_upgrade(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        collector = HTTPCollector(client)
        sent = [bytes([n]) * (n + 1) for n in range(12)]
        client.send(*sent[:4])
        ws = probe(echo, client)
        try:
            collector.pause()
            client.send(*sent[4:8])
            ws.send("5")
            ws.send(*sent[8:])
            if transport == "sse":
                collector.finish()
            over_http = list(collector.packets)
            over_ws = ws.recv_messages(len(sent) - len(over_http), timeout=5)
            assert over_http + over_ws == sent, (over_http, over_ws)
        finally:
            ws.close()


def test_held_get_gets_noop_on_probe(calm):
    with PollingClient(calm.url, PATH) as client:
        result = {}
        thread = threading.Thread(target=lambda: result.update(response=client.get(timeout=5)))
        thread.start()
        time.sleep(0.2)
        assert thread.is_alive(), "the GET was not held"
        ws = WebSocketClient(calm.url, PATH, sid=client.sid)
        try:
            ws.send("2probe")
            assert ws.recv(2) == "3probe"
            thread.join(2)
            assert not thread.is_alive(), "the held GET was not answered when the probe arrived"
            response = result["response"]
            assert (response.status_code, response.content) == (200, b"6"), (response.status_code, response.content)
            ws.send("5", "4done")
            assert ws.recv_messages(1) == ["done"]
        finally:
            ws.close()


def test_sse_stream_gets_noop_on_probe_and_ends_on_upgrade(calm):
    with SSEClient(calm.url, PATH) as client:
        ws = WebSocketClient(calm.url, PATH, sid=client.sid)
        try:
            ws.send("2probe")
            assert ws.recv(2) == "3probe"
            assert client.recv(2) == "6"
            assert not client.stream.ended.is_set(), "the stream ended before the upgrade packet"
            ws.send("5")
            assert client.stream.ended.wait(2), "the event stream stayed open after the upgrade"
            with pytest.raises(Closed):
                client.recv(1)
            ws.send("4done")
            assert ws.recv_messages(1) == ["done"]
        finally:
            ws.close()


def test_short_poll_during_probe_still_delivers(calm):
    """Until "5" the old transport keeps delivering: a poll during the probe gets what is
    queued, and the WebSocket does not get it again."""
    with PollingClient(calm.url, PATH, transport="short-polling") as client:
        client.send("4queued")
        ws = probe(calm, client)
        try:
            response = client.get(timeout=2)
            assert (response.status_code, response.content) == (200, b"4queued"), (response.status_code, response.content)
            response = client.get(timeout=2)
            assert (response.status_code, response.content) == (200, b"6"), (response.status_code, response.content)
            ws.send("5", "4next")
            assert ws.recv_messages(1) == ["next"]
        finally:
            ws.close()


@pytest.mark.parametrize("transport", FROM)
def test_http_refused_after_upgrade(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        ws = upgrade(echo, client)
        try:
            ws.send("4first")
            assert ws.recv_messages(1) == ["first"]
            post = requests.post(client.url(), data=b"4late", timeout=3)
            assert_engine_error(post, 3)
            if transport != "sse":
                get = requests.get(client.url(), timeout=3)
                assert_engine_error(get, 3)
            # the session carries on over the WebSocket, across heartbeats
            for _ in range(2):
                ws.next_ping(1)
                ws.send("3")
            ws.send("4still here")
            assert ws.recv_messages(1) == ["still here"]
        finally:
            ws.close()


@pytest.mark.parametrize("transport", FROM)
def test_second_websocket_after_upgrade_closed(echo, transport):
    with open_client(transport, echo.url, PATH) as client:
        ws = upgrade(echo, client)
        try:
            ws.send("4one")
            assert ws.recv_messages(1) == ["one"]
            try:
                second = WebSocketClient(echo.url, PATH, sid=client.sid)
            except Exception:
                second = None  # refused at the handshake: closed too
            if second is not None:
                try:
                    second.send("2probe")
                except Exception:
                    pass
                packets = second.wait_closed(2)
                assert "3probe" not in packets, packets
                second.close()
            ws.send("4two")
            assert ws.recv_messages(1) == ["two"]
        finally:
            ws.close()


def test_second_websocket_during_probe_closed(calm):
    with PollingClient(calm.url, PATH) as client:
        ws = probe(calm, client)
        try:
            try:
                second = WebSocketClient(calm.url, PATH, sid=client.sid)
            except Exception:
                second = None
            if second is not None:
                try:
                    second.send("2probe")
                except Exception:
                    pass
                packets = second.wait_closed(2)
                assert "3probe" not in packets, packets
                second.close()
            ws.send("5", "4ok")
            assert ws.recv_messages(1) == ["ok"]
        finally:
            ws.close()


def test_websocket_session_cannot_be_probed(echo):
    """A session already on WebSocket has nothing to upgrade to."""
    with WebSocketClient(echo.url, PATH) as first:
        assert first.handshake["upgrades"] == []
        try:
            second = WebSocketClient(echo.url, PATH, sid=first.sid)
        except Exception:
            second = None
        if second is not None:
            try:
                second.send("2probe")
            except Exception:
                pass
            packets = second.wait_closed(2)
            assert "3probe" not in packets, packets
            second.close()
        first.send("4fine")
        assert first.recv_messages(1) == ["fine"]


def test_failed_probe_keeps_polling(calm):
    """A probe WebSocket that goes away before "5" leaves the session on polling."""
    with PollingClient(calm.url, PATH) as client:
        ws = probe(calm, client)
        ws.close()
        time.sleep(0.2)
        client.send("4after failed probe")
        assert client.recv_messages(1, timeout=3) == ["after failed probe"]


def echo_for(client, count, pause):
    """Sends m0..m{count-1} one at a time, each after its echo came back (pings answered)."""
    received = []
    for number in range(count):
        client.send(f"4m{number}")
        received += client.recv_messages(1, timeout=3)
        time.sleep(pause)
    assert received == [f"m{number}" for number in range(count)]


@pytest.mark.parametrize("transport", ["polling", "short-polling"])
def test_hung_probe_does_not_stop_delivery(brisk, transport):
    """A client that answers 3probe but never sends 5 still gets every echo (and ping) over its
    HTTP transport while the probe hangs, well past pingInterval + pingTimeout."""
    with PollingClient(brisk.url, PATH, transport=transport) as client:
        ws = probe(brisk, client)
        try:
            started = time.monotonic()
            echo_for(client, 8, pause=0.6)
            assert time.monotonic() - started > 4.5, "not past pingInterval + pingTimeout"
            # the probe is still pending: it answers another 2probe
            ws.send("2probe")
            assert ws.recv(2) == "3probe"
            client.send("4still polling")
            assert client.recv_messages(1) == ["still polling"]
        finally:
            ws.close()


def test_hung_probe_gives_the_event_stream_back_before_the_heartbeat_fails(brisk):
    """An event stream holds still after its noop marker; when 5 does not come, the probe is
    closed in time for the next ping (long before the upgrade timeout) and the stream delivers
    again, so the session survives."""
    with SSEClient(brisk.url, PATH) as client:
        ws = probe(brisk, client)
        started = time.monotonic()
        try:
            client.send("4during the probe")
            ws.wait_closed(5)
            assert time.monotonic() - started < 4, "the probe outlived the heartbeat"
        finally:
            ws.close()
        assert client.recv_messages(1) == ["during the probe"]
        echo_for(client, 8, pause=0.5)
        assert time.monotonic() - started > 4.5, "not past pingInterval + pingTimeout"


def test_poll_held_during_upgrade_gets_noop_within_a_cycle(calm):
    """While an upgrade runs, a held GET is answered with a noop after about 100 ms (the
    forced polling cycle that brings a client to pause), neither at once nor held for long."""
    with PollingClient(calm.url, PATH) as client:
        ws = probe(calm, client)
        try:
            started = time.monotonic()
            response = client.get(timeout=3)
            elapsed = time.monotonic() - started
            assert (response.status_code, response.content) == (200, b"6"), (response.status_code, response.content)
            assert 0.08 <= elapsed < 1.5, elapsed
            ws.send("5", "4done")
            assert ws.recv_messages(1) == ["done"]
        finally:
            ws.close()


@pytest.mark.parametrize("transport", FROM)
def test_upgrade_timeout_closes_probe_and_session_carries_on(impatient, transport):
    """A probe without 5 is closed by the server after --upgrade-timeout; the session stays on
    its transport (an event stream, paused by its noop marker, resumes) across heartbeats."""
    with open_client(transport, impatient.url, PATH) as client:
        ws = probe(impatient, client)
        started = time.monotonic()
        try:
            client.send("4during the probe")
            ws.wait_closed(3)
            elapsed = time.monotonic() - started
            assert 0.8 <= elapsed <= 2.5, elapsed
        finally:
            ws.close()
        assert client.recv_messages(1) == ["during the probe"]
        echo_for(client, 8, pause=0.5)
        assert time.monotonic() - started > 4.5, "not past pingInterval + pingTimeout"
        # a new probe may start, and complete
        ws = upgrade(impatient, client)
        try:
            ws.send("4upgraded")
            assert ws.recv_messages(1) == ["upgraded"]
        finally:
            ws.close()
