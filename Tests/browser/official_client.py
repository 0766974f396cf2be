"""The official Socket.IO browser client (socket.io-client 4.8.1's socket.io.min.js), taken at
test time from the nicegui wheel on PyPI, which ships it; never committed."""
import os
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "nicegui==3.18.0"
MEMBER = "nicegui/static/socket.io.min.js"


def fetch_official_client(destination):
    """Writes socket.io.min.js to `destination` (a file path) and returns it."""
    with tempfile.TemporaryDirectory(prefix="pushd-sio-") as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", folder],
                       check=True, timeout=300)
        wheel = next(name for name in os.listdir(folder) if name.endswith(".whl"))
        with zipfile.ZipFile(os.path.join(folder, wheel)) as archive:
            script = archive.read(MEMBER)
    assert b"Socket.IO v4.8.1" in script[:200], "not the expected Socket.IO client build"
    with open(destination, "wb") as out:
        out.write(script)
    return destination
