"""A backend for pushd's hooks, for the end-to-end tests: an aiohttp app in its own process on
127.0.0.1 (started with `HookBackend()`, stopped by its PID). Every request's signature is
checked; what each hook answers is chosen by the request itself:

- /connect: by `auth.mode`: allow (data, rooms, user), refuse (message and data), slow (sleeps
  `auth.delay` s, then allows), status500, malformed, huge (2 MiB), array, wrongtype, garbage
  (bytes that are not HTTP), close (closes without answering); anything else allows.
- /event: by event name: echo (ack = args), act (ack, an emit with binary to the sender, a
  join), seq (records args[0] per socket, in arrival order), slow (sleeps args[0] s), status500,
  malformed, leave (leaves rooms, then disconnect), binary (acks the received arguments back).
- /lifecycle: records every batch; `POST /_control {"lifecycle_down": s}` answers 503 for s seconds.
- GET /_state: what it saw (lifecycle events in arrival order, seq orders, peak concurrency,
  bad signatures, request counts).
"""
import asyncio
import hashlib
import hmac
import json
import os
import re
import select
import signal
import subprocess
import sys
import time

SECRET = "e2e-hook-secret-0123456789"


def signature_ok(secret, request_headers, body):
    timestamp = request_headers.get("X-Pushd-Timestamp", "")
    given = request_headers.get("X-Pushd-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def make_app(secret):
    from aiohttp import web

    state = {"lifecycle": [], "batches": 0, "seq": {}, "in_flight": 0, "peak": 0, "bad_signatures": 0,
             "counts": {}, "down_until": 0.0, "event_bodies": []}

    async def checked(request, kind):
        body = await request.read()
        state["counts"][kind] = state["counts"].get(kind, 0) + 1
        if not signature_ok(secret, request.headers, body) or request.headers.get("X-Pushd-Hook") != kind:
            state["bad_signatures"] += 1
            raise web.HTTPUnauthorized()
        return json.loads(body)

    async def connect(request):
        document = await checked(request, "connect")
        auth = document.get("auth") or {}
        mode = auth.get("mode", "allow")
        if mode == "refuse":
            return web.json_response({"allow": False, "message": "banned", "data": {"code": 403}})
        if mode == "slow":
            await asyncio.sleep(float(auth.get("delay", 1)))
        if mode == "status500":
            return web.Response(status=500, text="oops")
        if mode == "malformed":
            return web.Response(text="{\"allow\": tru", content_type="application/json")
        if mode == "huge":
            return web.json_response({"allow": True, "data": {"blob": "x" * (2 << 20)}})
        if mode == "array":
            return web.json_response([{"allow": True}])
        if mode == "wrongtype":
            return web.json_response({"allow": "yes"})
        if mode == "garbage":
            request.transport.write(b"\x00\xffnot http at all\r\n\r\n")
            request.transport.close()
            return web.Response()
        if mode == "close":
            request.transport.close()
            return web.Response()
        return web.json_response({"allow": True, "data": {"role": "member", "seen": document},
                                  "rooms": ["hook-room-1", "hook-room-2"], "user": "hook-user"})

    async def event(request):
        document = await checked(request, "event")
        state["in_flight"] += 1
        state["peak"] = max(state["peak"], state["in_flight"])
        try:
            name, args, socket = document["event"], document["args"], document["socketId"]
            if name == "echo":
                return web.json_response({"ack": args})
            if name == "act":
                state["event_bodies"].append(document)
                return web.json_response({"ack": ["done", document["rooms"], document["user"]],
                                          "emit": [{"to": [socket], "event": "pushed",
                                                    "args": [{"n": 1}, {"$binary": "aGk="}]}],
                                          "join": ["joined-by-hook"]})
            if name == "seq":
                state["seq"].setdefault(socket, []).append(args[0])
                return web.json_response({"ack": [args[0]]})
            if name == "slow":
                await asyncio.sleep(float(args[0]))
                return web.json_response({"ack": ["slow done"]})
            if name == "status500":
                return web.Response(status=500)
            if name == "malformed":
                return web.Response(text="[not an object]")
            if name == "leave":
                return web.json_response({"ack": [], "leave": args, "disconnect": True})
            if name == "binary":
                return web.json_response({"ack": args})
            return web.json_response({})
        finally:
            state["in_flight"] -= 1

    async def lifecycle(request):
        document = await checked(request, "lifecycle")
        if time.monotonic() < state["down_until"]:
            return web.Response(status=503)
        state["batches"] += 1
        state["lifecycle"].extend(document["events"])
        return web.json_response({"ok": True})

    async def control(request):
        document = await request.json()
        if "lifecycle_down" in document:
            state["down_until"] = time.monotonic() + float(document["lifecycle_down"])
        if document.get("reset"):
            state["lifecycle"].clear()
            state["seq"].clear()
            state["peak"] = 0
        return web.json_response({"ok": True})

    async def get_state(request):
        return web.json_response({**state, "down": time.monotonic() < state["down_until"]})

    app = web.Application(client_max_size=8 << 20)
    app.add_routes([web.post("/connect", connect), web.post("/event", event), web.post("/lifecycle", lifecycle),
                    web.post("/_control", control), web.get("/_state", get_state)])
    return app


class HookBackend:
    """The backend in a subprocess on an ephemeral (or given) port; `stop()` ends it by PID."""

    def __init__(self, port=0, secret=SECRET):
        self.secret = secret
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), str(port), secret],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        line = b""
        deadline = time.monotonic() + 15
        while b"\n" not in line and time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        match = re.search(rb"listening (\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError("hook backend did not start")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def flags(self, connect=True, event=True, lifecycle=False, events="echo,act,seq,slow,status500,malformed,leave,binary"):
        args = ["--hook-secret", self.secret]
        if connect:
            args += ["--connect-hook", self.url + "/connect"]
        if event:
            args += ["--event-hook", self.url + "/event", "--hook-events", events]
        if lifecycle:
            args += ["--lifecycle-hook", self.url + "/lifecycle"]
        return args

    def state(self):
        import urllib.request
        with urllib.request.urlopen(self.url + "/_state", timeout=10) as response:
            return json.loads(response.read())

    def control(self, **settings):
        import urllib.request
        request = urllib.request.Request(self.url + "/_control", data=json.dumps(settings).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def main():
    from aiohttp import web
    port, secret = int(sys.argv[1]), sys.argv[2]

    async def serve():
        runner = web.AppRunner(make_app(secret), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]
        print(f"listening {bound}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
