"""A page whose origin pushd does not allow gets connect_error "origin not allowed", and the
server logs the refusal with its fix."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from browser_support import Page, free_port


def start_proxy(target_port):
    """A reverse proxy that, like a common misconfiguration, sends pushd a Host without the
    proxy's port: the page is same-origin to the browser, cross-origin to pushd."""
    session = requests.Session()

    class Handler(BaseHTTPRequestHandler):
        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "connection")}
            headers["Host"] = "localhost"
            upstream = session.request(self.command, f"http://127.0.0.1:{target_port}{self.path}", headers=headers,
                                       data=body, timeout=30)
            self.send_response(upstream.status_code)
            for name, value in upstream.headers.items():
                if name.lower() not in ("connection", "transfer-encoding", "content-length", "content-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(upstream.content)))
            self.end_headers()
            self.wfile.write(upstream.content)

        do_GET = do_POST = forward

        def log_message(self, *args):
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy


def test_connect_error_says_origin_not_allowed(driver, start_server):
    server = start_server(free_port())
    proxy = start_proxy(server.port)
    try:
        page = Page(driver, f"http://localhost:{proxy.server_address[1]}").open()
        message = page.run("""
            const socket = io({ forceNew: true, transports: ["polling"], reconnection: false });
            T.sockets.push(socket);
            const [error] = await T.until(socket, "connect_error", 5000);
            return error.message;
        """)
        driver.get("about:blank")
    finally:
        proxy.shutdown()
    assert message == "origin not allowed"
    log = server.read_log(wait=0.2)
    assert log.count(f"origin http://localhost:{proxy.server_address[1]} refused; allow it with --cors-origin") == 1, log
