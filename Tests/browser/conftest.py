"""Browser tests: headless Chromium against pushd, which serves a temporary copy of Public/ with
the test pages under /test/ (so test pages are never shipped)."""
import os
import shutil
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
from browser_support import CHROMEDRIVER, OUTPUT, Page, free_port  # noqa: E402,F401


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


@pytest.fixture
def page(driver, server):
    instance = Page(driver, server.url).open()
    yield instance
    # Leaving the page closes its connections before the next test.
    driver.get("about:blank")
