"""Starts pushd on 127.0.0.1 with an ephemeral port and stops it by its own PID."""
import os
import re
import select
import signal
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("PUSHD_BIN", os.path.join(ROOT, ".build", "release", "pushd"))
LISTENING = re.compile(rb"listening on http://127\.0\.0\.1:(\d+)")
# Deaths that mean a bug, not a test's own kill: traps (failed assertions), aborts, bad memory.
CRASH_SIGNALS = {signal.SIGILL, signal.SIGTRAP, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS}


def stop_process(proc, sig=signal.SIGTERM, timeout=10):
    """Sends `sig` to a process this test started (by its PID), then SIGKILL if it lingers."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


class PushdServer:
    def __init__(self, *flags, public=None, env=None):
        args = [BINARY, "--host", "127.0.0.1", "--port", "0", "--threads", "2",
                "--public", public or os.path.join(ROOT, "Public"), *flags]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env={**os.environ, **(env or {})})
        self.pid = self.proc.pid
        self.log = b""
        self.crash_reported = False
        self.port = self._wait_for_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def _wait_for_port(self):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                self.log += chunk
                match = LISTENING.search(self.log)
                if match:
                    return int(match.group(1))
        self.stop()
        raise RuntimeError("pushd did not start: " + self.log.decode(errors="replace"))

    def read_log(self, wait=0.0):
        """Everything logged so far (stderr is drained without blocking)."""
        deadline = time.monotonic() + wait
        while True:
            ready, _, _ = select.select([self.proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(self.proc.stderr.fileno(), 65536)
            if not chunk:
                break
            self.log += chunk
        return self.log.decode(errors="replace")

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops pushd; fails (once) if it had crashed: a trap such as a debug build's failed
        assertion, or a ThreadSanitizer report."""
        stop_process(self.proc, sig, timeout)
        self.read_log()
        crashed = -self.proc.returncode in CRASH_SIGNALS or b"ThreadSanitizer" in self.log
        if crashed and not self.crash_reported:
            self.crash_reported = True
            log = self.log.decode(errors="replace")
            first = log.find("WARNING: ThreadSanitizer")
            raise AssertionError(f"pushd crashed (exit {self.proc.returncode}): "
                                 + (log[first:first + 12000] if first >= 0 else log[-4000:]))
        return self.proc.returncode
