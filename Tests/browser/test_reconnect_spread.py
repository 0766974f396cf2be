"""The server process is killed while many client.js connections are open and started again on
the same port: every client reconnects on its own randomized backoff (no synchronized storm), and
what each emitted while offline is delivered exactly once."""
import math
import signal

from browser_support import Page, free_port

CLIENTS = 20
DELAY_MS = 1000          # reconnectionDelay: the first attempt waits DELAY_MS * (1 ± FACTOR)
FACTOR = 0.5             # randomizationFactor (client.js's default)
WINDOW_MS = 50           # no more than half the clients may attempt within one such window


def test_clients_reconnect_spread_out_after_the_server_is_killed(driver, start_server):
    port = free_port()
    first = start_server(port)
    page = Page(driver, first.url).open()
    try:
        page.run("""
            const [count, opts] = args;
            window.fleet = [];
            await Promise.all(Array.from({ length: count }, async (_, i) => {
                const socket = await T.connect(opts);
                const record = { socket, firstId: socket.id, closedAt: null, attempts: [], reconnects: 0,
                                 connects: 0, disconnects: [], echo: 0, ack: 0 };
                // Emitted from the disconnect handler, so certainly while offline: buffered.
                socket.on("disconnect", (reason) => {
                    record.closedAt = performance.now();
                    record.disconnects.push(reason);
                    socket.emit("echo", "offline " + i);
                    socket.emit("echo", "offline ack " + i, () => { record.ack++; });
                });
                socket.on("echo", (text) => { if (text === "offline " + i) record.echo++; });
                socket.on("connect", () => { record.connects++; });
                socket.io.on("reconnect_attempt", () => { record.attempts.push(performance.now()); });
                socket.io.on("reconnect", () => { record.reconnects++; });
                fleet[i] = record;
            }));
        """, CLIENTS, {"transports": ["websocket"], "upgrade": False, "reconnectionDelay": DELAY_MS,
                       "reconnectionDelayMax": 4 * DELAY_MS, "randomizationFactor": FACTOR})

        first.stop(signal.SIGKILL)
        start_server(port)

        result = page.run("""
            await T.waitFor(() => fleet.every((r) => r.socket.connected && r.reconnects === 1 && r.echo === 1 && r.ack === 1),
                            12000, "every client to reconnect and get its offline emits through");
            await probe.sleep(300);  // time for a duplicate to show up
            return fleet.map((r) => ({
                closedAt: r.closedAt, attempts: r.attempts, reconnects: r.reconnects, connects: r.connects,
                disconnects: r.disconnects, echo: r.echo, ack: r.ack, newId: r.socket.id !== r.firstId,
                buffered: r.socket.sendBuffer.length }));
        """)
    finally:
        driver.get("about:blank")

    for n, client in enumerate(result):
        assert len(client["disconnects"]) == 1, (n, client["disconnects"])
        assert client["disconnects"][0] in ("transport close", "transport error"), (n, client["disconnects"])
        assert client["reconnects"] == 1 and client["connects"] == 1 and client["newId"], (n, client)
        assert client["echo"] == 1 and client["ack"] == 1 and client["buffered"] == 0, (n, client)

    # The kill closes every connection at once, so the closes are within a few milliseconds of
    # each other and any spread of the first attempts comes from the backoff's randomization.
    closed = [c["closedAt"] for c in result]
    assert max(closed) - min(closed) < 200, f"closes spread over {max(closed) - min(closed):.0f} ms"
    delays = [c["attempts"][0] - c["closedAt"] for c in result]
    low, high = DELAY_MS * (1 - FACTOR), DELAY_MS * (1 + FACTOR)
    assert all(low - 5 <= d <= high + 300 for d in delays), \
        f"first attempts outside {low:.0f}..{high:.0f} ms after the close: {sorted(round(d) for d in delays)}"

    # Deviations of r * DELAY_MS * U(0, 1) either way have a standard deviation of
    # r * DELAY_MS / sqrt(3) (289 ms here); without randomization it is a few milliseconds.
    times = sorted(c["attempts"][0] for c in result)
    mean = sum(times) / len(times)
    spread = math.sqrt(sum((t - mean) ** 2 for t in times) / (len(times) - 1))
    crowd = max(sum(1 for t in times if start <= t < start + WINDOW_MS) for start in times)
    print(f"closes within {max(closed) - min(closed):.1f} ms; delays {sorted(round(d) for d in delays)}")
    summary = f"first attempts at +{[round(t - times[0]) for t in times]} ms, standard deviation {spread:.0f} ms"
    assert spread > 0.25 * FACTOR * DELAY_MS, "reconnect attempts are synchronized: " + summary
    assert crowd <= CLIENTS // 2, f"{crowd} of {CLIENTS} clients attempted within {WINDOW_MS} ms: " + summary
