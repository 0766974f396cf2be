"""Examples/backend-python as a new user runs it: pushd with a JWT secret and an API key, the
example backend beside it, and its page in headless Chromium: log in, connect with the signed
token, and receive what the backend pushes through pushd's API."""
import os
import signal
import subprocess
import sys
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser_support import ROOT, free_port

SECRET = "example-secret-0123456789abcdef-0123456789abcdef-0123456789abcdef"
KEY = "example-api-key-0123456789"


def wait_for(url, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_python_backend_example(driver, start_server):
    backend_port, api_port = free_port(), free_port()
    backend_origin = f"http://127.0.0.1:{backend_port}"
    pushd = start_server(free_port(), "--jwt-secret", SECRET, "--api-key", KEY, "--api-listen",
                         f"127.0.0.1:{api_port}", "--cors-origin", backend_origin)
    env = {**os.environ, "PUSHD_JWT_SECRET": SECRET, "PUSHD_API_KEY": KEY, "PUSHD_URL": pushd.url,
           "PUSHD_API": f"http://127.0.0.1:{api_port}/api/", "PORT": str(backend_port)}
    backend = subprocess.Popen([sys.executable, os.path.join(ROOT, "Examples", "backend-python", "app.py")], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(backend_origin + "/")
        driver.get_log("browser")  # the driver is shared: drop what earlier tests' pages logged
        driver.get(backend_origin + "/")
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "user"))
        driver.find_element(By.ID, "user").send_keys("ada")
        driver.find_element(By.CSS_SELECTOR, "#login button").click()
        WebDriverWait(driver, 10).until(lambda d: "connected as ada" in d.find_element(By.ID, "log").text)
        driver.find_element(By.ID, "notify").click()
        WebDriverWait(driver, 10).until(lambda d: d.execute_script("return window.received.length") == 1)
        assert driver.execute_script("return window.received") == ["hello ada"]
        request = urllib.request.Request(backend_origin + "/online", data=b"{}", method="POST")
        assert urllib.request.urlopen(request, timeout=5).read() == b'{"users": ["ada"]}'
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.get("about:blank")
        os.kill(backend.pid, signal.SIGTERM)
        backend.wait(timeout=5)
