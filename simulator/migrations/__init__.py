"""Schema versions (Alembic), applied programmatically when a :class:`simulator.store.Store` starts.

No ``alembic.ini`` is needed: :func:`upgrade` points Alembic at this folder and hands it the connection.
Several processes starting at once are safe: on PostgreSQL an advisory lock, on SQLite ``BEGIN
IMMEDIATE``, lets one of them migrate while the others wait and then find nothing to do.

To add a version (developers): change the models in ``simulator/store.py``, then write
``versions/NNNN_<what>.py`` by hand or with ``alembic revision --autogenerate`` run against a scratch
database (``script_location`` = this folder); ``tests/test_store.py`` checks models and migrations agree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

FOLDER = Path(__file__).resolve().parent
PG_LOCK_ID = 7_242_031_5
"""Advisory-lock number that serialises migrations across replicas on PostgreSQL."""


def alembic_config() -> Config:
    """An Alembic config whose scripts are this package's (no ini file)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER))
    return cfg


def head_revision() -> str:
    """The newest schema version shipped with the code, e.g. ``'0001'``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema version the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Brings the database's schema to ``revision`` in one transaction, one process at a time."""
    cfg = alembic_config()
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_LOCK_ID})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
