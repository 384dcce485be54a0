"""nginx in front of several app replicas: sticky by a cookie, WebSocket upgrades passed through.

:func:`site_config` is the ``http {}`` part of the configuration docs/deploy.md shows; :func:`running_nginx`
runs Debian's ``/usr/sbin/nginx`` in the foreground with that configuration in a temporary prefix (for the
replica test), and stops it by its process id.

Stickiness: the first response sets the cookie ``simulator_route`` to the request's random id, and the
upstream is chosen by a consistent hash of that cookie, so every request and the WebSocket of one browser
go to the same replica. When that replica is down, ``proxy_next_upstream`` tries the next one, and the
browser's reconnect lands there (the attempt resumes from the shared database).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

NGINX = Path(os.environ.get("SIMULATOR_NGINX", "/usr/sbin/nginx"))
ROUTE_COOKIE = "simulator_route"


def site_config(upstreams: Sequence[str], listen: str = "80") -> str:
    """The ``http {}`` directives for the simulator: upstreams as ``host:port``, ``listen`` as nginx takes it."""
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=10s;" for u in upstreams)
    return f"""\
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
}}
map $cookie_{ROUTE_COOKIE} $simulator_route {{
    ''      $request_id;
    default $cookie_{ROUTE_COOKIE};
}}
upstream simulator {{
    hash $simulator_route consistent;
{servers}
}}
server {{
    listen {listen};
    client_max_body_size 12m;
    location / {{
        proxy_pass http://simulator;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        proxy_next_upstream error timeout http_502 http_503;
        add_header Set-Cookie "{ROUTE_COOKIE}=$simulator_route; Path=/; HttpOnly; SameSite=Lax" always;
        add_header X-Simulator-Upstream $upstream_addr always;
    }}
}}
"""


def _main_config(prefix: Path, site: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers may then read the temporary prefix
    return f"""\
daemon off;
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


@contextmanager
def running_nginx(upstreams: Sequence[str], port: int, timeout: float = 30.0) -> Iterator[str]:
    """nginx on ``127.0.0.1:port`` in front of ``upstreams``; yields its base URL, stops it afterwards."""
    if not NGINX.is_file():
        raise FileNotFoundError(f"{NGINX} is missing: apt-get install -y nginx")
    prefix = Path(tempfile.mkdtemp(prefix="simulator-nginx-"))
    conf = prefix / "nginx.conf"
    conf.write_text(_main_config(prefix, site_config(upstreams, f"127.0.0.1:{port}")), "utf-8")
    with open(prefix / "stdout.log", "wb") as out:
        proc = subprocess.Popen([str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited ({proc.returncode}): {(prefix / 'error.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"nginx did not answer at {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # its own process group (master and worker)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
