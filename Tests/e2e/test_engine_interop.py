"""A third-party Engine.IO v4 client (python-engineio's asyncio client) against pushd's
engine-echo app, over polling, WebSocket, and polling upgraded to WebSocket."""
import asyncio

import engineio
import pytest

from pushd_server import PushdServer

PATH = "/engine.io/"


@pytest.fixture(scope="module")
def echo():
    server = PushdServer("--app", "engine-echo")
    yield server
    server.stop()


async def echo_session(url, transports, expected_transport):
    client = engineio.AsyncClient(request_timeout=5)
    received = asyncio.Queue()
    disconnected = asyncio.Event()

    @client.on("message")
    async def on_message(data):
        await received.put(data)

    @client.on("disconnect")
    async def on_disconnect(*args):
        disconnected.set()

    async def receive(count):
        return [await asyncio.wait_for(received.get(), 5) for _ in range(count)]

    await asyncio.wait_for(client.connect(url, transports=transports, engineio_path=PATH), 10)
    try:
        assert client.sid
        assert client.transport() == expected_transport
        texts = ["hello", "héllo € 😀", "multi\nline"]
        blobs = [b"\x00\x01\x02\xff", bytes(range(256))]
        for text in texts:
            await client.send(text)
        for blob in blobs:
            await client.send(blob)
        got = await receive(len(texts) + len(blobs))
        assert got[:len(texts)] == texts
        assert [bytes(b) for b in got[len(texts):]] == blobs
        assert all(isinstance(b, (bytes, bytearray)) for b in got[len(texts):]), got
        # a few heartbeats (300 ms apart) pass; the client answers them and stays connected
        await asyncio.sleep(1.0)
        assert not disconnected.is_set(), "disconnected during heartbeats"
        assert client.state == "connected"
        assert client.transport() == expected_transport
        await client.send("after heartbeats")
        await client.send(b"\x10\x20")
        assert await receive(2) == ["after heartbeats", b"\x10\x20"]
    finally:
        await asyncio.wait_for(client.disconnect(), 5)


@pytest.mark.parametrize("transports, expected", [
    (["polling"], "polling"),
    (["websocket"], "websocket"),
    (["polling", "websocket"], "websocket"),
], ids=["polling", "websocket", "polling-upgrade"])
def test_python_engineio_client_echo(echo, transports, expected):
    asyncio.run(echo_session(echo.url, transports, expected))


def test_python_engineio_many_clients(echo):
    async def main():
        await asyncio.gather(*[
            echo_session(echo.url, transports, expected)
            for transports, expected in [(["polling"], "polling"), (["websocket"], "websocket"),
                                         (["polling", "websocket"], "websocket")] * 3
        ])
    asyncio.run(main())


@pytest.mark.parametrize("transports", [["polling"], ["websocket"]], ids=["polling", "websocket"])
def test_python_engineio_client_echoes_messages_larger_than_a_response_head_takes(echo, transports):
    # Polling answers of up to 16 KiB go out in the head's array; larger ones after it.
    async def main():
        client = engineio.AsyncClient(request_timeout=5)
        received = asyncio.Queue()

        @client.on("message")
        async def on_message(data):
            await received.put(data)

        await asyncio.wait_for(client.connect(echo.url, transports=transports, engineio_path=PATH), 10)
        try:
            messages = ["x" * 16_000, "é" * 9_000, "y" * 100_000, bytes(range(256)) * 300]
            for message in messages:
                await client.send(message)
            for message in messages:
                got = await asyncio.wait_for(received.get(), 10)
                assert (bytes(got) if isinstance(message, bytes) else got) == message
        finally:
            await asyncio.wait_for(client.disconnect(), 5)
    asyncio.run(main())
