"""Polling until a condition holds, for tests that watch a server from outside."""
import time


def wait_until(predicate, timeout, step=0.05):
    """Calls `predicate` every `step` seconds until it is truthy or `timeout` seconds pass;
    returns its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
