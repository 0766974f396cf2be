"""Browser tests: headless Chromium against pushd, which serves a temporary copy of Public/ with
the test pages under /test/ (so test pages are never shipped)."""
import os
import shutil
import socket
import sys

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))

from pushd_server import PushdServer  # noqa: E402

OUTPUT = os.path.join(ROOT, "test-output")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def public_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("site") / "public"
    shutil.copytree(os.path.join(ROOT, "Public"), root)
    shutil.copytree(os.path.join(HERE, "pages"), root / "test")
    return str(root)


@pytest.fixture(scope="session")
def server(public_dir):
    instance = PushdServer(public=public_dir)
    yield instance
    instance.stop()


@pytest.fixture
def start_server(public_dir):
    """Starts pushd on a given port; every one started is stopped after the test."""
    started = []

    def start(port, *flags):
        instance = PushdServer("--port", str(port), *flags, public=public_dir)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


@pytest.fixture(scope="session")
def driver():
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_script_timeout(30)
    browser.set_page_load_timeout(15)
    yield browser
    browser.quit()


class Page:
    """The client test page in the shared browser, with a helper to run async JavaScript."""

    def __init__(self, driver, base):
        self.driver = driver
        self.base = base

    def open(self, path="/test/client.html", ready="window.harnessReady === true"):
        self.driver.get(self.base + path)
        WebDriverWait(self.driver, 10).until(lambda d: d.execute_script(f"return {ready};"))
        return self

    def run(self, body, *args):
        """Runs `body` as an async function of `args`; returns its value or raises its error."""
        script = (
            "const done = arguments[arguments.length - 1];"
            "const args = Array.prototype.slice.call(arguments, 0, -1);"
            f"(async (...args) => {{ {body} \n}})(...args).then("
            "  (value) => done({ ok: value === undefined ? null : value }),"
            "  (error) => done({ error: String(error && error.stack || error) }));"
        )
        result = self.driver.execute_async_script(script, *args)
        if "error" in result:
            raise AssertionError("in the browser: " + result["error"])
        return result["ok"]

    def value(self, expression):
        return self.driver.execute_script(f"return {expression};")


@pytest.fixture
def page(driver, server):
    instance = Page(driver, server.url).open()
    yield instance
    # Leaving the page closes its connections before the next test.
    driver.get("about:blank")
