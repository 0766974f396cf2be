"""The demo page (Public/index.html): loads cleanly, all four panels connect and measure, the
chat, burst and block controls work, and it is captured at laptop and phone sizes."""
import os
import re
import time
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_support import OUTPUT

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
    assert "websocket blocked, fell back" in panel_text(driver, "websocket", ".note")
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    WebDriverWait(driver, 10).until(lambda d: panel(d, "websocket").get_attribute("data-state") == "connected"
                                    and panel_text(d, "websocket", ".transport-name") == "websocket")


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
