"""A backend for pushd in plain Python (standard library and PyJWT): it signs connection tokens
for its users and pushes events to them through pushd's server API. pushd runs no code of it.

    pushd --jwt-secret "$PUSHD_JWT_SECRET" --api-key "$PUSHD_API_KEY" \
          --api-listen 127.0.0.1:3001 --cors-origin http://localhost:8000
    python3 Examples/backend-python/app.py          # then open http://localhost:8000

Environment: PUSHD_JWT_SECRET, PUSHD_API_KEY (the same values pushd has), PUSHD_URL (where
browsers reach pushd, default http://localhost:3000), PUSHD_API (default
http://127.0.0.1:3001/api/), PORT (default 8000).
"""
import json
import os
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt

SECRET = os.environ["PUSHD_JWT_SECRET"]
API_KEY = os.environ["PUSHD_API_KEY"]
PUSHD_URL = os.environ.get("PUSHD_URL", "http://localhost:3000")
PUSHD_API = os.environ.get("PUSHD_API", "http://127.0.0.1:3001/api/")
PAGE = (Path(__file__).parent / "index.html").read_text()


def pushd(method, **body):
    """Calls pushd's server API; returns its JSON answer."""
    request = urllib.request.Request(PUSHD_API + method, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


def connection_token(user):
    """A token for `user`: 10 minutes, its own room and the right to join any room `chat:*`."""
    now = int(time.time())
    return jwt.encode({"sub": user, "iat": now, "exp": now + 600, "data": {"name": user}, "allow": ["chat:*"]},
                      SECRET, algorithm="HS256")


class Backend(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            self.reply(200, PAGE.replace("{{PUSHD_URL}}", PUSHD_URL), "text/html; charset=utf-8")
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        user = str(body.get("user", "")).strip()[:40]
        if self.path == "/login" and user:
            # A real backend checks a password or session here.
            self.reply(200, {"token": connection_token(user)})
        elif self.path == "/notify" and user:
            # Push to every connection of that user (pushd put each in the room user:<sub>).
            self.reply(200, pushd("emit", event="notice", to=[f"user:{user}"], args=[body.get("text", "")]))
        elif self.path == "/online":
            self.reply(200, {"users": sorted({s["data"].get("user") for s in pushd("sockets")["sockets"]} - {None})})
        else:
            self.reply(400, {"error": "unknown request"})

    def reply(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Backend)
    print(f"backend on http://127.0.0.1:{port}, pushd at {PUSHD_URL}", flush=True)
    server.serve_forever()
