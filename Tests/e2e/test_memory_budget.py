"""What the node holds for clients is bounded as a whole: past --max-client-memory the largest
holders are closed (logged, counted as drop reason memory_budget), and a binary packet's
missing attachments wait at most --attachment-timeout. Dynamic namespaces are freed when
empty and capped by --max-namespaces."""
import re
import time

import requests
import websocket

from pushd_server import PushdServer

EVICTED = re.compile(r"session (\S+): closed to keep memory held for clients under")


def open_socketio(port):
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket", timeout=10)
    assert ws.recv().startswith("0{")
    ws.send("40")
    answer = ws.recv()
    assert answer.startswith("40{"), answer
    return ws


def announce(ws, held, announced):
    """Announces a binary event with `announced` attachments and sends `held` of 500 kB."""
    placeholders = ",".join(f'{{"_placeholder":true,"num":{n}}}' for n in range(announced))
    ws.send(f'45{announced}-["upload",{placeholders}]')
    for _ in range(held):
        ws.send_binary(bytes(500_000))


def is_closed(ws):
    """True once the server ended the connection (answering pings meanwhile)."""
    ws.settimeout(0.2)
    try:
        while True:
            message = ws.recv()
            if message == "2":
                ws.send("3")
            elif message == "":
                return True
    except websocket.WebSocketTimeoutException:
        return False
    except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
        return True


def dropped_for_budget(server):
    text = requests.get(server.url + "/metrics", timeout=5).text
    match = re.search(r'pushd_dropped_total\{reason="memory_budget"\} (\d+)', text)
    return int(match.group(1)) if match else 0


def test_past_the_budget_the_largest_holders_are_closed_first():
    server = PushdServer("--max-client-memory", "4MiB", "--ping-interval", "20s", "--ping-timeout", "20s")
    clients = []
    try:
        healthy = open_socketio(server.port)
        # Holders of 0.5, 1, 1.5, 2 and 2.5 MB of unfinished attachments: 7.5 MB, 3.3 MB over.
        for held in range(1, 6):
            ws = open_socketio(server.port)
            announce(ws, held, announced=held + 1)
            clients.append(ws)
        deadline = time.monotonic() + 5
        while len(EVICTED.findall(server.read_log())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a few more rounds: nobody else goes
        log = server.read_log()
        assert len(EVICTED.findall(log)) == 2, log[-3000:]
        assert dropped_for_budget(server) == 2
        # The two largest went; the rest, now under the budget, and the healthy client stay.
        assert [is_closed(ws) for ws in clients] == [False, False, False, True, True]
        healthy.send('42["ping"]')
        assert not is_closed(healthy)
    finally:
        for ws in clients:
            ws.close()
        server.stop()


def test_attachments_that_never_come_close_the_session_after_the_timeout():
    server = PushdServer("--attachment-timeout", "500ms", "--ping-interval", "20s", "--ping-timeout", "20s",
                         "--log-level", "debug")
    try:
        waiting = open_socketio(server.port)
        announce(waiting, 1, announced=2)
        finishing = open_socketio(server.port)
        announce(finishing, 2, announced=2)
        time.sleep(0.2)
        assert not is_closed(waiting)
        time.sleep(0.8)
        assert is_closed(waiting), "a partial packet does not wait for ever"
        assert not is_closed(finishing)
        assert "attachments did not arrive within 500 ms" in server.read_log()
    finally:
        server.stop()


def test_dynamic_namespaces_are_freed_when_empty_and_capped():
    """2,000 distinct dynamic names joined and left leave room under --max-namespaces 100:
    every CONNECT succeeds because each name is freed when its socket leaves. With cleanup off
    the 100th name is refused with a clear connect error."""
    for cleanup, expect_refusal in (("true", False), ("false", True)):
        server = PushdServer("--app", "test", "--max-namespaces", "100", f"--cleanup-empty-namespaces={cleanup}",
                             "--max-messages-per-second", "0", "--ping-interval", "20s", "--ping-timeout", "20s")
        try:
            ws = websocket.create_connection(f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
            assert ws.recv().startswith("0{")
            refused = None
            for n in range(2_000):
                ws.send(f"40/dyn-{n},")
                while True:
                    answer = ws.recv()
                    if answer.startswith(f"40/dyn-{n},") or answer.startswith(f"44/dyn-{n},"):
                        break
                if answer.startswith("44"):
                    refused = (n, answer)
                    break
                ws.send(f"41/dyn-{n},")
            ws.close()
            if expect_refusal:
                # The app's own namespaces ("/" and a few fixed ones) count too.
                assert refused is not None and 90 <= refused[0] < 100, refused
                assert "Too many namespaces" in refused[1]
            else:
                assert refused is None, refused
        finally:
            server.stop()


def test_an_unfinished_websocket_message_counts_toward_the_budget():
    server = PushdServer("--max-client-memory", "1MiB", "--ping-interval", "20s", "--ping-timeout", "20s")
    try:
        healthy = open_socketio(server.port)
        # The first fragments of messages never finished: 900 kB and 300 kB, 1.2 MB in all.
        large, small = open_socketio(server.port), open_socketio(server.port)
        for ws, held in ((large, 900_000), (small, 300_000)):
            ws.send_frame(websocket.ABNF.create_frame(b"4" + bytes(100), websocket.ABNF.OPCODE_BINARY, fin=0))
            ws.send_frame(websocket.ABNF.create_frame(bytes(held - 101), websocket.ABNF.OPCODE_CONT, fin=0))
        deadline = time.monotonic() + 5
        while not EVICTED.findall(server.read_log()) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a few more rounds: nobody else goes
        assert len(EVICTED.findall(server.read_log())) == 1, server.read_log()[-3000:]
        assert [is_closed(large), is_closed(small), is_closed(healthy)] == [True, False, False]
    finally:
        for ws in (healthy, large, small):
            ws.close()
        server.stop()
