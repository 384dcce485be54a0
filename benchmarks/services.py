"""What the load benchmark and the replica test start and stop: app processes, PostgreSQL, HAProxy.

Everything runs on loopback in a temporary folder and is stopped by its own process id. PostgreSQL
comes from Debian's ``/usr/lib/postgresql/<major>/bin`` (run as ``postgres`` when we are root), HAProxy
from ``/usr/sbin/haproxy``; the app is ``streamlit run app.py`` with the flags ``simulator serve`` uses.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAPROXY = Path(os.environ.get("SIMULATOR_HAPROXY", "/usr/sbin/haproxy"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 90.0) -> None:
    """Waits until ``url`` answers 200 (raises when ``proc`` exits or the time is up)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stops a process we started (and its own process group, which it leads)."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@dataclass
class App:
    """One app process (``streamlit run app.py``)."""

    proc: subprocess.Popen
    url: str
    port: int


def start_app(env: dict[str, str], log: Path, post_script_gc: bool = False, root: Path = ROOT) -> App:
    """``streamlit run app.py`` headless on a free loopback port, with ``simulator serve``'s flags.

    ``root`` is the checkout whose ``app.py`` runs (another one only for before/after comparisons; its
    own ``simulator`` package is imported first, as the script's folder leads ``sys.path``).
    """
    from simulator.cli.main import SERVE_FLAGS

    port = free_port()
    pairs = dict(zip(SERVE_FLAGS[::2], SERVE_FLAGS[1::2], strict=True))
    pairs["--runner.postScriptGC"] = "true" if post_script_gc else "false"
    flags = [item for pair in pairs.items() for item in pair]
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           *flags]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=root, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/_stcore/health", proc)
    return App(proc, url, port)


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return Path(os.environ.get("SIMULATOR_PG_BIN") or (found[-1].parent if found else "/usr/lib/postgresql/15/bin"))


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port; yields an SQLAlchemy URL of an empty database."""
    pg_bin, base = _pg_bin(), Path(tempfile.mkdtemp(prefix="simulator-load-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(base, user="postgres")
        prefix = [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()
    run = {"cwd": base, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([*prefix, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C", "--no-sync"], **run)  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run([*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(base / "pg.log"), "-w",
                    "-t", "60", "-o", options, "start"], **run)  # fmt: skip
    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", autocommit=True) as conn:
            conn.execute('CREATE DATABASE "simulator"')
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/simulator"
    finally:
        subprocess.run([*prefix, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       cwd=base, capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


HAPROXY_CFG = """\
global
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    option redispatch
    retries 2
frontend simulator
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    cookie SIMSRV insert indirect nocache httponly
    option httpchk GET /_stcore/health
    default-server inter 1s fall 2 rise 2
{servers}
"""


@contextmanager
def haproxy(apps: list[App], folder: Path) -> Iterator[str]:
    """HAProxy in front of ``apps``: sticky by an inserted cookie, WebSocket upgrades passed through."""
    if not HAPROXY.is_file():
        raise FileNotFoundError(f"{HAPROXY} is missing: apt-get install -y haproxy")
    port = free_port()
    servers = "\n".join(f"    server app{i} 127.0.0.1:{a.port} check cookie app{i}" for i, a in enumerate(apps))
    cfg = folder / "haproxy.cfg"
    cfg.write_text(HAPROXY_CFG.format(port=port, servers=servers), "utf-8")
    with open(folder / "haproxy.log", "ab") as out:
        proc = subprocess.Popen([str(HAPROXY), "-db", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/_stcore/health", proc)
        yield url
    finally:
        stop(proc)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (``/proc/<pid>/stat``); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """Resident memory of a process now (``VmRSS``), in MiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
