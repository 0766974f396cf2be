"""A throwaway nginx on 127.0.0.1 in front of several pushd nodes, with no stickiness (an
`upstream` without `ip_hash`: round-robin, or a node picked at random per request), WebSocket
upgrades passed through; its config, pid file, logs and temp files live in a temp folder and
it is stopped by its own PID."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from redis_server import free_port

CONFIG = """
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream pushd {{
{balance}
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        # Answered by nginx itself: tells it from another server that took the port first.
        location = /.nginx-ready {{ return 204; }}
        location / {{
            proxy_pass http://pushd;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout {read_timeout};
        }}
    }}
}}
"""


class NginxProxy:
    def __init__(self, ports, read_timeout="1h", random=False):
        """`read_timeout`: nginx's proxy_read_timeout, past which it cuts a quiet response.
        `random`: each request goes to a node picked at random, not to the next in turn."""
        binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
        if not binary:
            raise RuntimeError("nginx is not installed (scripts/test installs nginx-light)")
        self.folder = tempfile.mkdtemp(prefix="pushd-nginx-")
        self.servers = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
        self.read_timeout = read_timeout
        self.balance = "        random;" if random else ""
        # The port is a free one when picked, not held: a server of a test running beside this
        # one may take it before nginx binds it. Then nginx gives up, and another port is tried.
        for _ in range(3):
            if self._start(binary):
                return
        raise RuntimeError("nginx did not start: " + self.proc.stderr.read().decode(errors="replace"))

    def _start(self, binary):
        """Starts nginx on a fresh port; false when it could not listen there."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(self.folder, "nginx.conf")
        with open(config, "w") as out:
            out.write(CONFIG.format(folder=self.folder, balance=self.balance, servers=self.servers,
                                    port=self.port, read_timeout=self.read_timeout))
        # -e: the error log from the start, before the config is read (no /var/log needed).
        self.proc = subprocess.Popen([binary, "-p", self.folder, "-c", config, "-e", os.path.join(self.folder, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if self._answers():
                return True
            time.sleep(0.05)
        self.close()
        raise RuntimeError("nginx did not start listening")

    def _answers(self):
        """Whether nginx, not whatever else may listen there, answers on the port."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"GET /.nginx-ready HTTP/1.0\r\nHost: localhost\r\n\r\n")
                return probe.recv(64).startswith(b"HTTP/1.1 204")
        except OSError:
            return False

    def close(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # fast shutdown: workers too
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)
