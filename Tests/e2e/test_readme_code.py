"""Every code block of README.md is compiled or run by a test. This file checks the Swift
blocks (type-checked against the built modules), the JSON examples, the start commands' flags,
the hook signature checkers, the layout tree and the default app's event table, and that no
block is left without a checker (the backend snippets: test_readme_backend.py; the nginx site:
test_nginx.py; the browser snippet: Tests/browser/test_readme_snippet.py)."""
import hashlib
import hmac
import json
import os
import re
import subprocess
import time

import pytest

from pushd_server import BINARY, ROOT

README = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()


def blocks():
    """(language, body, section heading) of every fenced block."""
    found = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```", README, re.S | re.M):
        before = README[:match.start()]
        headings = re.findall(r"^## (.+)$", before, re.M)
        found.append((match.group(1), match.group(2), headings[-1] if headings else ""))
    return found


def checker(language, body, section):
    """The test that compiles or runs this block, or None."""
    if language == "swift":
        return "test_swift_blocks_type_check"
    if language == "json":
        return "test_json_examples_parse"
    if language == "sh":
        return "test_start_commands_name_real_flags"
    if language == "nginx" and section == "Behind a proxy":
        return "test_nginx.py"
    if language == "html" and section == "The browser client":
        return "Tests/browser/test_readme_snippet.py"
    if language == "" and section == "Layout":
        return "test_layout_names_real_paths"
    if language in ("python", "js") and ("X-Pushd-Signature" in body or "x-pushd-signature" in body):
        return "test_hook_signature_checkers"
    if language in ("python", "js") and section == "Use pushd from any backend":
        return "test_readme_backend.py"
    return None


def test_every_block_has_a_checker():
    unchecked = [(language, body.splitlines()[0]) for language, body, section in blocks()
                 if checker(language, body, section) is None]
    assert not unchecked, f"README blocks no test compiles or runs: {unchecked}"


def test_swift_blocks_type_check(tmp_path):
    build = os.path.dirname(BINARY)
    module_map = os.path.join(build, "CPushSys.build", "module.modulemap")
    assert os.path.exists(os.path.join(build, "Modules", "Transports.swiftmodule")), "build pushd first"
    swift_blocks = [body for language, body, _ in blocks() if language == "swift"]
    assert len(swift_blocks) >= 2
    for index, body in enumerate(swift_blocks):
        source = tmp_path / f"block{index}.swift"
        source.write_text(body)
        result = subprocess.run(["swiftc", "-typecheck", "-I", os.path.join(build, "Modules"),
                                 "-Xcc", f"-fmodule-map-file={module_map}", str(source)],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"README Swift block {index} does not compile:\n{result.stderr}"


def test_json_examples_parse():
    for language, body, _ in blocks():
        if language == "json":
            # "{...}" and "..." stand for values the example leaves out.
            json.loads(body.replace("{...}", "{}").replace("...", "0"))


def test_start_commands_name_real_flags():
    help_text = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=10).stdout
    commands = [line for language, body, _ in blocks() if language == "sh"
                for line in re.sub(r"\\\n", " ", body).splitlines() if re.search(r"\bpushd\b", line)]
    assert commands
    for line in commands:
        for flag in re.findall(r"(?<=\s)--([a-z][a-z-]*)", line.split("pushd", 1)[1].split("#")[0]):
            assert f"  --{flag} " in help_text or f"  --{flag}[" in help_text, f"--{flag} in {line!r}"
    assert os.path.exists(os.path.join(ROOT, "scripts", "test"))


def signed(secret, body, age=0):
    timestamp = str(int(time.time()) - age)
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Pushd-Timestamp": timestamp, "X-Pushd-Signature": signature}


CASES = [("good", 0, True), ("tampered", 0, False), ("old", 3600, False)]


def test_hook_signature_checkers():
    secret, body = "hook-secret-0123456789", b'{"event":"order","args":[7]}'
    (python,) = [b for language, b, _ in blocks() if language == "python" and "X-Pushd-Signature" in b]
    (node,) = [b for language, b, _ in blocks() if language == "js" and "x-pushd-signature" in b]
    for name, age, expected in CASES:
        headers = signed(secret, body, age)
        if name == "tampered":
            headers["X-Pushd-Signature"] = headers["X-Pushd-Signature"][::-1]
        program = python + f"\nprint(pushd_request_ok({secret!r}, {headers!r}, {body!r}))\n"
        result = subprocess.run(["python3", "-c", program], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(expected), (name, "python")
        lowered = json.dumps({key.lower(): value for key, value in headers.items()})
        program = node + f"\nconsole.log(pushdRequestOk({json.dumps(secret)}, {lowered}, Buffer.from({json.dumps(body.decode())})));\n"
        result = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(expected).lower(), (name, "node")


def layout_paths(tree):
    """The paths the layout tree names: top-level names, and indented names under the last
    top-level folder ("Adapter/, Cluster/" names two)."""
    paths, parent = [], ""
    for line in tree.splitlines():
        indented = line.startswith("  ") and not line.startswith("   ")
        if not indented and line.startswith(" "):
            continue   # a description's continuation
        names = re.split(r",\s*", re.split(r"\s{2,}", line.strip())[0])
        for name in names:
            paths.append(parent + name if indented else name)
            if not indented and name.endswith("/"):
                parent = name
    return paths


def test_layout_names_real_paths():
    (tree,) = [body for language, body, section in blocks() if language == "" and section == "Layout"]
    paths = layout_paths(tree)
    assert "Sources/PushCore/Socket/" in paths and "Sources/Transports/PushServer.swift" in paths
    missing = [path for path in paths if not os.path.exists(os.path.join(ROOT, path))]
    assert not missing, f"the layout names paths that do not exist: {missing}"


def test_the_default_app_events_are_listed():
    source = open(os.path.join(ROOT, "Sources", "pushd", "Apps", "DemoApp.swift")).read()
    handled = set(re.findall(r'(?:socket\.on|\.onEvent)\("([^"]+)"\)', source))
    section = README.split("## The default app", 1)[1].split("\n## ", 1)[0]
    listed = {name for row in re.findall(r"^\| `([^|]+)` \|", section, re.M) for name in re.findall(r"[a-z-]+", row)}
    assert handled == listed, f"handled but not listed: {handled - listed}; listed but not handled: {listed - handled}"
