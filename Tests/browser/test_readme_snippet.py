"""The README's browser snippet, as written, in a page served by pushd: it runs as a classic
script (no top-level await), connects, gets its chat line back, an answer to its ping, and
upgrades or stays on WebSocket, with no error in the console."""
import os
import re
import time

from browser_support import ROOT


def snippet():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = text.split("## The browser client", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```html\n(.*?)```", section, re.S)
    return block


def test_the_readme_snippet_runs_in_chromium(driver, server, public_dir):
    page = os.path.join(public_dir, "test", "readme-snippet.html")
    with open(page, "w", encoding="utf-8") as out:
        out.write("<!doctype html>\n<meta charset=utf-8>\n<title>README snippet</title>\n<link rel=icon href=\"data:,\">\n"
                  # Objects logged as JSON, so the test can read them.
                  "<script>const plain = console.log; console.log = (...a) => plain(JSON.stringify(a));</script>\n"
                  + snippet())
    driver.get_log("browser")   # drop what earlier tests logged
    driver.get(server.url + "/test/readme-snippet.html")
    logged = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        logged += driver.get_log("browser")
        text = "\n".join(entry["message"] for entry in logged)
        if "connected over" in text and "pong" in text and "lobby" in text:
            break
        time.sleep(0.2)
    driver.get("about:blank")
    text = "\n".join(entry["message"] for entry in logged)
    errors = [entry["message"] for entry in logged if entry["level"] == "SEVERE"]
    assert not errors, errors
    assert '[\\"connected over\\",\\"websocket\\"]' in text, text
    assert '[\\"pong\\"]' in text, text
    assert '\\"room\\":\\"lobby\\",' in text and '\\"text\\":\\"hi\\"' in text, text
