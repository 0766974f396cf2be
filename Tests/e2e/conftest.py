import pytest

from pushd_server import PushdServer
from redis_server import RedisServer


@pytest.fixture(scope="module")
def server():
    """One pushd per test module, default app."""
    instance = PushdServer()
    yield instance
    instance.stop()


@pytest.fixture
def start_server():
    """Starts pushd with extra flags; every one started is stopped after the test."""
    started = []

    def start(*flags, **kwargs):
        instance = PushdServer(*flags, **kwargs)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


@pytest.fixture
def redis():
    """A redis-server of the test's own on 127.0.0.1, stopped after it."""
    server = RedisServer()
    yield server
    server.close()
