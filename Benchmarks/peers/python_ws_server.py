"""The benchmark convention on python `websockets`: a message whose first byte is "B" goes to
every open client (the sender too); anything else is echoed to its sender.
Usage: python3 python_ws_server.py PORT [HOST]"""
import asyncio
import sys

import websockets

try:
    from websockets.asyncio.server import broadcast, serve
except ImportError:  # websockets < 13
    from websockets import broadcast, serve

clients = set()


async def handler(websocket, *_):
    clients.add(websocket)
    try:
        async for message in websocket:
            first = message[:1]
            if first == "B" or first == b"B":
                broadcast(clients, message)
            else:
                await websocket.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        clients.discard(websocket)


async def main(port, host):
    async with serve(handler, host, port, compression=None, max_size=1_000_000, backlog=4096):
        print(f"python websockets {websockets.__version__} listening on {host}:{port}", flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 9002, sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"))
