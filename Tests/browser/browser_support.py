"""Helpers the browser tests share (kept out of conftest so they import under any rootdir)."""
import os
import socket

from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUTPUT = os.path.join(ROOT, "test-output")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
