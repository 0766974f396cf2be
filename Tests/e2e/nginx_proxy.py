"""A throwaway nginx on 127.0.0.1 in front of several pushd nodes, round-robin with no
stickiness (an `upstream` without `ip_hash`), WebSocket upgrades passed through; its config,
pid file, logs and temp files live in a temp folder and it is stopped by its own PID."""
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
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
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
    def __init__(self, ports, read_timeout="1h"):
        """`read_timeout`: nginx's proxy_read_timeout, past which it cuts a quiet response."""
        binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
        if not binary:
            raise RuntimeError("nginx is not installed (scripts/test installs nginx-light)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = tempfile.mkdtemp(prefix="pushd-nginx-")
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
        config = os.path.join(self.folder, "nginx.conf")
        with open(config, "w") as out:
            out.write(CONFIG.format(folder=self.folder, servers=servers, port=self.port, read_timeout=read_timeout))
        # -e: the error log from the start, before the config is read (no /var/log needed).
        self.proc = subprocess.Popen([binary, "-p", self.folder, "-c", config, "-e", os.path.join(self.folder, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx did not start: " + self.proc.stderr.read().decode(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise RuntimeError("nginx did not start listening")

    def close(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)  # fast shutdown: workers too
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)
