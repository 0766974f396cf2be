"""The demo page (Public/index.html): loads cleanly, all four panels connect and measure, the
chat, burst and block controls work, and it is captured at laptop and phone sizes."""
import json
import os
import re
import shutil
import time
import urllib.parse
import uuid

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import CHROMEDRIVER, OUTPUT, ROOT

TRANSPORTS = ["websocket", "sse", "polling", "short-polling"]
NUMBER_MS = re.compile(r"^\d+(\.\d+)? ms$")


def viewport(driver, width, height, mobile=False):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1, "mobile": mobile})


def panel(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'.panel[data-transport="{name}"]')


def panel_text(driver, name, selector):
    return panel(driver, name).find_element(By.CSS_SELECTOR, selector).text


def wait_connected(driver, names=TRANSPORTS, timeout=10):
    WebDriverWait(driver, timeout).until(lambda d: all(
        panel(d, name).get_attribute("data-state") == "connected" for name in names))


@pytest.fixture
def demo(driver, server):
    driver.get_log("browser")  # start with an empty log
    viewport(driver, 1280, 900)
    driver.get(server.url + "/")
    yield driver
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get("about:blank")


def test_demo_page_connects_measures_and_logs_no_errors(demo):
    driver = demo
    wait_connected(driver)
    # RTT numbers in every panel (pings go every 500 ms), then the stats-based numbers.
    WebDriverWait(driver, 10).until(lambda d: all(
        NUMBER_MS.match(panel_text(d, name, ".rtt-p50")) and NUMBER_MS.match(panel_text(d, name, ".rtt-p99"))
        for name in TRANSPORTS))
    WebDriverWait(driver, 10).until(lambda d: all(
        panel_text(d, name, ".rate") != "–" and panel_text(d, name, ".bytes") != "–" for name in TRANSPORTS))
    for name in TRANSPORTS:
        assert panel_text(driver, name, ".transport-name") == name
        assert panel_text(driver, name, ".reconnects") == "0"
    # HTTP requests per message: none over WebSocket, some over each HTTP transport.
    requests = {name: float(panel_text(driver, name, ".requests")) for name in TRANSPORTS}
    assert requests["websocket"] == 0
    assert all(requests[name] > 0 for name in ("sse", "polling", "short-polling")), requests
    time.sleep(1.5)  # let the chart fill a little for the picture
    os.makedirs(OUTPUT, exist_ok=True)
    driver.save_screenshot(os.path.join(OUTPUT, "demo.png"))
    viewport(driver, 390, 844, mobile=True)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390, "horizontal scroll on a phone"
    time.sleep(0.3)
    driver.save_screenshot(os.path.join(OUTPUT, "demo-phone.png"))
    problems = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == [], problems


def test_chat_line_reaches_all_four_panels_once(demo):
    driver = demo
    wait_connected(driver)
    text = f"hello from the sse panel {uuid.uuid4().hex[:8]}"
    Select(driver.find_element(By.ID, "chat-via")).select_by_value("sse")
    field = driver.find_element(By.ID, "chat-text")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)
    WebDriverWait(driver, 5).until(lambda d: any(
        item.find_element(By.CSS_SELECTOR, ".text").text == text and
        len(item.find_elements(By.CSS_SELECTOR, ".chip.on")) == 4
        for item in d.find_elements(By.CSS_SELECTOR, "#chat-log li")))
    items = [item for item in driver.find_elements(By.CSS_SELECTOR, "#chat-log li")
             if item.find_element(By.CSS_SELECTOR, ".text").text == text]
    assert len(items) == 1
    assert items[0].find_element(By.CSS_SELECTOR, ".badge").text == "sent over sse"
    assert items[0].find_element(By.CSS_SELECTOR, ".who").text == "you · Server-Sent Events"
    assert field.get_attribute("value") == ""


@pytest.mark.parametrize("name", ["websocket", "short-polling"])
def test_burst_reports_time_and_rate(demo, name):
    driver = demo
    wait_connected(driver, [name])
    root = panel(driver, name)
    size = root.find_element(By.CSS_SELECTOR, ".burst-size")
    size.clear()
    size.send_keys("300")
    root.find_element(By.CSS_SELECTOR, ".burst").click()
    result = root.find_element(By.CSS_SELECTOR, ".burst-result")
    WebDriverWait(driver, 15).until(lambda d: result.get_attribute("data-done") == "true")
    assert re.match(r"^300 acked in \d+(\.\d+)? ms · [\d,]+/s$", result.text), result.text


def test_block_control_shows_the_fallback(demo):
    driver = demo
    wait_connected(driver)
    button = panel(driver, "websocket").find_element(By.CSS_SELECTOR, ".block")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    WebDriverWait(driver, 10).until(lambda d: panel(d, "websocket").get_attribute("data-state") == "connected"
                                    and panel_text(d, "websocket", ".transport-name") == "sse")
    # The panel now measures SSE, and its title says so; the note line is not cut off.
    assert panel_text(driver, "websocket", ".panel-title") == "WebSocket blocked → Server-Sent Events"
    note = panel(driver, "websocket").find_element(By.CSS_SELECTOR, ".carrier")
    assert driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", note)
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    WebDriverWait(driver, 10).until(lambda d: panel(d, "websocket").get_attribute("data-state") == "connected"
                                    and panel_text(d, "websocket", ".transport-name") == "websocket")
    assert panel_text(driver, "websocket", ".panel-title") == "WebSocket"


def test_controls_are_reachable_by_keyboard(demo):
    driver = demo
    wait_connected(driver)
    reached = set()
    body = driver.find_element(By.TAG_NAME, "body")
    body.click()
    for _ in range(40):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        reached.add(driver.execute_script(
            "const e = document.activeElement; const p = e.closest('.panel');"
            "return (p ? p.dataset.transport + ' ' : '') + e.tagName + '.' + e.className;"))
    for name in TRANSPORTS:
        for control in ("INPUT.burst-size", "BUTTON.burst", "BUTTON.block"):
            assert f"{name} {control}" in reached, (name, control, sorted(reached))
    assert "SELECT." in reached and "INPUT." in reached


def test_server_push_reaches_all_four_panels(demo):
    driver = demo
    wait_connected(driver)
    rate = driver.find_element(By.ID, "push-rate")
    rate.clear()
    rate.send_keys("40")
    driver.find_element(By.CSS_SELECTOR, "#push-form button[type=submit]").click()
    WebDriverWait(driver, 5).until(lambda d: "40/s" in d.find_element(By.ID, "push-status").text)
    # Every panel counts pushes arriving over its own transport.
    WebDriverWait(driver, 10).until(lambda d: all(
        int(panel(d, name).find_element(By.CSS_SELECTOR, ".note").get_attribute("data-ticks") or 0) > 0
        for name in TRANSPORTS))
    driver.find_element(By.ID, "push-stop").click()
    WebDriverWait(driver, 5).until(lambda d: d.find_element(By.ID, "push-status").text == "stopped")
    # Stopped: within a couple of seconds no panel gets pushes any more.
    time.sleep(2.2)
    assert all(int(panel(driver, name).find_element(By.CSS_SELECTOR, ".note").get_attribute("data-ticks") or 0) == 0
               for name in TRANSPORTS)
    assert not [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


# --- what each message costs, idle cost, simulated delay ------------------------------------------

def figures(driver):
    return driver.execute_script("return Object.fromEntries(demo.panels.map((p) => [p.spec.name, p.figures()]))")


@pytest.fixture
def network_demo(server):
    """The demo page in its own browser that records network events (Chrome's performance log),
    for the browser's own count of the bytes each response took."""
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_script_timeout(30)
    browser.get(server.url + "/")
    yield browser
    browser.quit()


def browser_response_bytes(events, transport, sid):
    """Bytes (heads and bodies) of the completed responses of one session, as Chrome received
    them, and how many: the session's own requests plus its handshake (no sid yet)."""
    urls = {}
    total = count = 0
    for event in events:
        message = json.loads(event["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFinished" and params["requestId"] in urls:
            query = urllib.parse.parse_qs(urllib.parse.urlparse(urls[params["requestId"]]).query)
            if query.get("transport") == [transport] and query.get("sid", [sid]) == [sid]:
                total += params["encodedDataLength"]
                count += 1
    return total, count


def test_wire_bytes_include_http_heads_and_match_what_the_browser_received(network_demo):
    driver = network_demo
    wait_connected(driver)
    for name in TRANSPORTS:  # traffic to count: a burst on every panel
        root = panel(driver, name)
        root.find_element(By.CSS_SELECTOR, ".burst-size").clear()
        root.find_element(By.CSS_SELECTOR, ".burst-size").send_keys("100")
        root.find_element(By.CSS_SELECTOR, ".burst").click()
        WebDriverWait(driver, 15).until(lambda d: root.find_element(By.CSS_SELECTOR, ".burst-result").get_attribute("data-done") == "true")
    time.sleep(2.5)  # the meter's per-message window covers the bursts
    numbers = figures(driver)
    print({name: {k: round(v, 1) for k, v in f.items() if v is not None} for name, f in numbers.items()})
    assert numbers["websocket"]["requests"] == 0
    for name in ("sse", "polling", "short-polling"):
        f = numbers[name]
        assert f["wire"] > f["payload"] > 0, (name, f)
    assert numbers["websocket"]["wire"] == pytest.approx(numbers["websocket"]["payload"], rel=0.01)
    # Quiet: no more bursts or pings, so both sides can be compared on the same responses
    # (plain polling still asks once a second; the meter's samples are at most a second old).
    driver.find_element(By.ID, "quiet").click()
    time.sleep(3.5)
    events = driver.get_log("performance")
    for name in ("sse", "polling", "short-polling"):
        data = driver.execute_script(
            "const p = demo.panels.find((p) => p.spec.name === arguments[0]);"
            "return { sid: p.socket.io.engine.id, bytes: +p.root.dataset.serverResponseBytes,"
            "  responses: +p.root.dataset.serverResponses, rt: +p.root.dataset.rtResponses };", name)
        seen, count = browser_response_bytes(events, name, data["sid"])
        print(name, data, "browser:", seen, count)
        assert count > 5 and data["responses"] > 5
        assert seen == pytest.approx(data["bytes"], rel=0.05), (name, seen, data)
        # Resource Timing saw the same responses (all but the handshake, which has no sid).
        assert data["rt"] == pytest.approx(count - (0 if name == "sse" else 1), abs=3), (name, data, count)


def test_quiet_mode_measures_idle_cost(demo):
    driver = demo
    wait_connected(driver)
    driver.find_element(By.ID, "quiet").click()
    assert driver.find_element(By.ID, "quiet").get_attribute("aria-pressed") == "true"
    time.sleep(9.5)
    idle = {name: (f["idleRequests"], f["idleBytes"]) for name, f in figures(driver).items()}
    print(idle)
    # WebSocket: no requests; plain polling at its default interval (1 s) asks about once a
    # second, as the README says, and every request costs its heads.
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    stated = int(re.search(r"default 1 s: about (\d+) requests a minute", readme).group(1))
    assert idle["websocket"][0] == 0
    requests, bytes_ = idle["short-polling"]
    assert stated * 0.75 <= requests <= stated * 1.3, (requests, stated)
    assert 400 <= bytes_ / requests <= 1200, idle
    # No pings while quiet: the round-trip curve stops growing.
    before = driver.execute_script("return demo.panels[0].samples.length")
    time.sleep(1.2)
    assert driver.execute_script("return demo.panels[0].samples.length") == before
    driver.find_element(By.ID, "quiet").click()
    WebDriverWait(driver, 5).until(lambda d: d.execute_script("return demo.panels[0].samples.length") > before)


def test_simulated_delay_slows_polling_more_than_websocket(demo):
    driver = demo
    wait_connected(driver)
    driver.find_element(By.CSS_SELECTOR, 'input[name="delay"][value="200"]').click()
    # The samples restart at the change; about ten pings each.
    WebDriverWait(driver, 20).until(lambda d: all(
        n >= 8 for n in d.execute_script("return demo.panels.map((p) => p.samples.length)")))
    slow = {name: f["p50"] for name, f in figures(driver).items()}
    driver.find_element(By.CSS_SELECTOR, 'input[name="delay"][value="0"]').click()
    WebDriverWait(driver, 20).until(lambda d: all(
        n >= 8 for n in d.execute_script("return demo.panels.map((p) => p.samples.length)")))
    fast = {name: f["p50"] for name, f in figures(driver).items()}
    print("p50 with 200 ms:", slow, "with 0 ms:", fast)
    # Every response and frame waits 200 ms: the answer takes one delayed response over every
    # transport; plain polling waits for a GET as well (the one after the POST's answer, or an
    # idle one already on its way), so it is never faster than WebSocket.
    for name in TRANSPORTS:
        assert 190 <= slow[name] < 1000, (name, slow)
        assert fast[name] < 150, (name, fast)
    assert slow["websocket"] < 320 and slow["sse"] < 320, slow
    assert slow["short-polling"] >= 0.95 * slow["websocket"], slow


def test_phone_layout_has_no_horizontal_scroll_and_the_chat_is_near(demo):
    driver = demo
    viewport(driver, 390, 844, mobile=True)
    driver.get(driver.current_url)
    wait_connected(driver)
    time.sleep(1.5)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    chat_top = driver.execute_script("return document.getElementById('chat-title').getBoundingClientRect().top + scrollY")
    assert chat_top < 1300, f"the chat starts {chat_top:.0f} px down"
    # Every summary chart fits the screen.
    widths = driver.execute_script("return [...document.querySelectorAll('.metric-svg svg')].map((s) => s.getBoundingClientRect().right)")
    assert len(widths) == 5 and max(widths) <= 390, widths
    health = driver.find_element(By.ID, "health").text
    assert "5 of them this page's (4 panels and its meter)" in health, health
    problems = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == [], problems
