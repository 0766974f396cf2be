"""python-socketio on uvicorn with pushd's default-app convention for the benchmark: the
"ping" event is acknowledged with no arguments (`43<id>[]`).
Usage: python3 python_socketio_server.py PORT [HOST]"""
import sys

import socketio
import uvicorn

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", logger=False, engineio_logger=False)


@sio.on("ping")
async def ping(sid, *args):
    return None  # an acknowledgement with no arguments


@sio.on("echo")
async def echo(sid, *args):
    return args


app = socketio.ASGIApp(sio)

if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9003
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    uvicorn.run(app, host=host, port=port, log_level="warning", workers=1, backlog=4096, ws="websockets-sansio")
