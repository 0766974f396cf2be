"""A client emitting as fast as it can is held to --max-messages-per-second, and the others
on the same loop keep their round-trip time."""
import statistics
import threading
import time

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
