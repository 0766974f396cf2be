"""A client emitting as fast as it can is held to --max-messages-per-second, and the others
on the same loop keep their round-trip time."""
import json
import statistics
import threading
import time

import pytest
import websocket

from pushd_server import PushdServer


def open_engine(port):
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/engine.io/?EIO=4&transport=websocket", timeout=10)
    assert ws.recv().startswith("0{")
    return ws


def round_trips(ws, count, pause=0.005):
    """Median round trip of `count` echoes, one every `pause` seconds."""
    times = []
    for n in range(count):
        time.sleep(pause)
        started = time.perf_counter()
        ws.send(f"4rtt{n}")
        while True:
            message = ws.recv()
            if message == "2":
                ws.send("3")
                continue
            assert message == f"4rtt{n}", message
            break
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_a_flooding_client_is_held_to_the_rate_and_others_keep_their_latency():
    rate = 1000
    server = PushdServer("--app", "engine-echo", "--threads", "1", "--max-messages-per-second", str(rate),
                         "--ping-interval", "20s", "--ping-timeout", "20s")
    try:
        bystander = open_engine(server.port)
        idle = round_trips(bystander, 200)

        flooder = open_engine(server.port)
        echoed = [0]
        stop = threading.Event()

        def flood():
            frame = "4" + "x" * 100
            while not stop.is_set():
                try:
                    flooder.send(frame)
                except websocket.WebSocketTimeoutException:
                    continue  # the server stopped reading: that is the point
                except OSError:
                    return

        def drain():
            flooder.settimeout(0.5)
            while not stop.is_set():
                try:
                    if flooder.recv().startswith("4x"):
                        echoed[0] += 1
                except (websocket.WebSocketTimeoutException, OSError):
                    continue

        threads = [threading.Thread(target=flood, daemon=True), threading.Thread(target=drain, daemon=True)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        before = echoed[0]
        during = round_trips(bystander, 200)
        elapsed = time.monotonic() - started
        handled = echoed[0] - before
        stop.set()
        print(f"idle p50 {idle * 1e3:.2f} ms, during flood p50 {during * 1e3:.2f} ms; "
              f"flooder echoed {handled} in {elapsed:.2f} s (limit {rate}/s)")
        # Held to the rate (plus its burst allowance).
        assert handled <= rate * elapsed + 2 * rate, handled
        assert handled >= rate * elapsed * 0.5, handled
        # The bystander's round trip stays within twice its idle figure (plus scheduling noise).
        assert during <= max(2 * idle, idle + 0.002), (idle, during)
        assert server.alive()
    finally:
        server.stop()


def messages_received(port):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("pushd_messages_received_total"))


@pytest.mark.parametrize("transport", ["polling", "sse"])
def test_a_post_is_read_at_the_rate_like_a_websocket(transport):
    """Every packet of a POST used to be handled at once and only the `ok` waited; now the body
    is read at the rate's pace (the burst at once, then `rate` a second), so a POST costs what
    the same messages over WebSocket cost. A second POST meanwhile is refused."""
    import socket
    rate = 1000
    server = PushdServer("--app", "engine-echo", "--max-messages-per-second", str(rate),
                         "--ping-interval", "20s", "--ping-timeout", "20s", "--max-session-queue", "64MiB")
    stream = None
    try:
        if transport == "sse":
            from engine_client import SSEStream
            stream = SSEStream(f"{server.url}/engine.io/?EIO=4&transport=sse")
            sid = json.loads(stream.next_event()[1][1:])["sid"]
        else:
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
                conn.sendall(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answer = b""
                while chunk := conn.recv(4096):
                    answer += chunk
            sid = json.loads(answer[answer.index(b"0{") + 1:])["sid"]
        target = f"/engine.io/?EIO=4&transport={transport}&sid={sid}"
        body = b"\x1e".join([b"4a"] * 5_000)
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=15)
        started = time.monotonic()
        conn.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(0.5)
        early = messages_received(server.port)
        # The burst (2 x rate) at once, then the rate: about 2,500 by now, never all 5,000.
        assert 1_500 <= early <= 3_500, early
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as other:
            other.sendall(f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n4b".encode())
            assert other.recv(4096).startswith(b"HTTP/1.1 400"), "one POST at a time"
        answer = conn.recv(4096)
        took = time.monotonic() - started
        conn.close()
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok"), answer
        assert messages_received(server.port) == 5_000
        assert 2.5 <= took <= 6, took  # (5,000 - 2,000) / 1,000 a second
    finally:
        if stream:
            stream.close()
        server.stop()
