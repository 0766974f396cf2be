"""The live stats page (--stats-page): loads with no console errors, and its charts follow the
server's traffic, updating every second."""
import os
import sys
import threading
import time

from selenium.webdriver.support.ui import WebDriverWait

from browser_support import OUTPUT, free_port

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from engine_client import open_client  # noqa: E402


def legend(driver, chart, series):
    """The number the chart's legend shows for a series (its latest value)."""
    text = driver.execute_script(
        "const item = document.querySelector(`#legend-${arguments[0]} [data-series='${arguments[1]}']`);"
        "return item ? item.textContent : null;", chart, series)
    return text.rsplit(" ", 1)[-1] if text else None


def test_stats_page_charts_live_traffic(driver, start_server):
    server = start_server(free_port(), "--app", "engine-echo", "--stats-page", "--ping-interval", "20s", "--ping-timeout", "20s")
    driver.get_log("browser")  # start with an empty log
    clients = [open_client(transport, server.url, "/engine.io/") for transport in ("websocket", "websocket", "sse", "polling")]
    stop = threading.Event()

    def chatter():
        # Steady traffic over the WebSockets, so the rate charts have something to draw.
        while not stop.is_set():
            for client in clients[:2]:
                client.send("4tick")
                client.recv_messages(1)
            time.sleep(0.01)

    talker = threading.Thread(target=chatter, daemon=True)
    talker.start()
    try:
        driver.get(server.url + "/stats.html")
        WebDriverWait(driver, 10).until(lambda d: int(d.execute_script("return document.body.dataset.updates || 0")) >= 2)
        first = int(driver.execute_script("return document.body.dataset.updates"))
        WebDriverWait(driver, 10).until(lambda d: legend(d, "transports", "websocket") == "2")
        assert legend(driver, "transports", "sse") == "1"
        assert legend(driver, "transports", "polling") == "1"
        assert driver.find_element("id", "sessions").text == "4"
        WebDriverWait(driver, 10).until(lambda d: float(legend(d, "messages", "received").rstrip("k") or 0) > 0)
        assert legend(driver, "lag", "loop 0") is not None, "one lag series per loop"
        time.sleep(3)  # let the charts fill a little for the picture
        updates = int(driver.execute_script("return document.body.dataset.updates"))
        assert updates >= first + 2, (first, updates)   # about one a second
        os.makedirs(OUTPUT, exist_ok=True)
        driver.save_screenshot(os.path.join(OUTPUT, "stats-page.png"))
        problems = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        assert problems == [], problems
    finally:
        stop.set()
        talker.join(3)
        for client in clients:
            client.close()
        driver.get("about:blank")
