"""A throwaway PostgreSQL 15 server on loopback for the store's tests, and the SQLite/PostgreSQL switch.

``pg_server`` (session) runs ``initdb`` + ``pg_ctl`` from ``/usr/lib/postgresql/15/bin`` (or
``SIMULATOR_PG_BIN``) into a temporary folder, on a free port of 127.0.0.1, as user ``postgres`` when the
tests run as root (PostgreSQL refuses to run as root). ``pg_url`` gives each test its own database.
Set ``SIMULATOR_SKIP_PG=1`` to skip these tests; otherwise missing binaries make them fail, not skip.

Import the fixtures into a test module: ``from helpers_pg import db_url, pg_server, pg_url``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest


def _pg_bin() -> Path:
    """``SIMULATOR_PG_BIN``, else the newest ``/usr/lib/postgresql/<major>/bin`` Debian installed."""
    if os.environ.get("SIMULATOR_PG_BIN"):
        return Path(os.environ["SIMULATOR_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()


@dataclass(frozen=True)
class PgServer:
    """A running server: where to reach it as the superuser ``postgres`` (trust auth on loopback)."""

    host: str
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(base: Path) -> list[str]:
    """The command prefix that runs as ``postgres`` when we are root (and hands it the folder)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    shutil.chown(base, user="postgres", group=None)
    return [runuser, "-u", "postgres", "--"]


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="session")
def pg_server():
    """Starts PostgreSQL for the test session and stops it afterwards."""
    if os.environ.get("SIMULATOR_SKIP_PG") == "1":
        pytest.skip("SIMULATOR_SKIP_PG=1")
    if not (PG_BIN / "initdb").is_file() or not (PG_BIN / "pg_ctl").is_file():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="simulator-pg-"))
    prefix = _as_postgres(base)
    data, log = base / "data", base / "server.log"
    _run([*prefix, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
          "-E", "UTF8", "--locale=C", "--no-sync"], base)  # fmt: skip
    port = _free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
          "-o", options, "start"], base)  # fmt: skip
    try:
        yield PgServer("127.0.0.1", port)
    finally:
        subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       cwd=base, capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server (SQLAlchemy URL, psycopg 3 driver)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(host=pg_server.host, port=pg_server.port, user="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test once on an SQLite file and once on PostgreSQL (``postgres`` marker)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'simulator.db'}"
    return str(request.getfixturevalue("pg_url"))
