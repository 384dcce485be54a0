"""Schema versions (Alembic), applied programmatically when a :class:`simulator.service.store.Store` starts.

No ``alembic.ini`` is needed: :func:`upgrade` points Alembic at this folder and hands it the connection.
Several processes starting at once are safe: on PostgreSQL an advisory lock, on SQLite ``BEGIN
IMMEDIATE``, lets one of them migrate while the others wait and then find nothing to do.

To add a version (developers): change the models in ``simulator/service/store.py``, then write
``versions/NNNN_<what>.py`` by hand or with ``alembic revision --autogenerate`` run against a scratch
database (``script_location`` = this folder); ``tests/test_store.py`` checks models and migrations agree.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

FOLDER = Path(__file__).resolve().parent
PG_LOCK_ID = 7_242_031_5
"""Advisory-lock number that serialises migrations across replicas on PostgreSQL."""


def alembic_config() -> Config:
    """An Alembic config whose scripts are this package's (no ini file)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER))
    return cfg


def head_revision() -> str:
    """The newest schema version shipped with the code, e.g. ``'0001'``."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema version the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def shipped_heads() -> set[str]:
    """Revision ids no shipped script revises, read from the scripts' text (no Alembic import).

    ``tests/test_store.py`` checks this agrees with Alembic's own head.
    """
    revisions, revised = set(), set()
    for path in (FOLDER / "versions").glob("*.py"):
        source = path.read_text("utf-8")
        found = re.search(r'^revision: str = "([^"]+)"', source, re.M)
        if found:
            revisions.add(found.group(1))
            revised.update(re.findall(r'"([^"]+)"', (re.search(r"^down_revision:.*$", source, re.M) or [""])[0]))
    return revisions - revised


def is_current(engine: Engine) -> bool:
    """True when the database is already at the shipped head (a plain query: starting stays quick)."""
    try:
        with engine.connect() as conn:
            found = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except DBAPIError:
        return False
    return bool(found) and found == shipped_heads()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Brings the database's schema to ``revision`` in one transaction, one process at a time."""
    if revision == "head" and is_current(engine):
        return
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_ID})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
