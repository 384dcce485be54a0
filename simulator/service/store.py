"""The store: SQLAlchemy 2 models, the engine and sessions (SQLite by default, PostgreSQL for replicas).

``SIMULATOR_DATABASE_URL`` picks the database (``postgresql+psycopg://user:pw@host/db`` for several app
replicas); without it the store is the SQLite file ``<data dir>/simulator.db``, where the data dir is
``SIMULATOR_DATA_DIR`` or ``./.simulator-data``. The schema is versioned with Alembic and brought up to
date whenever a :class:`Store` starts (``simulator/service/migrations``).

SQLite runs in WAL mode with a busy timeout and ``synchronous=FULL``, so an acknowledged write survives a
killed process; writes open ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing.

>>> store = Store("sqlite://")          # in-memory, for a quick look
>>> with store.write() as s:
...     s.add(Trainee(id="T001", name="李雷"))
>>> with store.read() as s:
...     s.get(Trainee, "T001").name
'李雷'
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long an SQLite writer waits for the write lock before giving up."""


def utcnow(now: datetime | None = None) -> datetime:
    """``now`` as an aware UTC datetime (naive values are taken as UTC); ``None`` → the current time.

    >>> utcnow(datetime(2025, 1, 1, 8, 0)).isoformat()
    '2025-01-01T08:00:00+00:00'
    """
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as UTC and always read back aware (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = utcnow(value)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else utcnow(value)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Trainee(Base):
    """A trainee, known by the id they type (学号/准考证号) and a display name."""

    __tablename__ = "trainees"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScenarioVersion(Base):
    """An instructor-authored scenario file, one row per saved version."""

    __tablename__ = "scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped[str] = mapped_column(String(100), default="")


class Exam(Base):
    """A mock exam: its code, a frozen copy of the scenario, the time rules and the feedback policy."""

    __tablename__ = "exams"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    scenario_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scenario_sha: Mapped[str] = mapped_column(String(64))
    scenario_yaml: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    """The file the scenario was read from: data files it brings resolve against its folder."""
    tasks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(300), default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=100)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    feedback_policy: Mapped[str] = mapped_column(String(16), default="release")
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    roster: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class Attempt(Base):
    """One trainee's sitting of one exam; the deadline is fixed when they start."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("exam_code", "trainee_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_code: Mapped[str] = mapped_column(ForeignKey("exams.code"), index=True)
    trainee_id: Mapped[str] = mapped_column(ForeignKey("trainees.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")


class Answer(Base):
    """The current answer to one task of one attempt: the raw value as submitted, or an uploaded file."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "task_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    task_id: Mapped[str] = mapped_column(String(64))
    value_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnswerHistory(Base):
    """Every save ever made (append-only), for audit and disputes."""

    __tablename__ = "answer_history"
    __table_args__ = (Index("ix_answer_history_attempt_task", "attempt_id", "task_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    task_id: Mapped[str] = mapped_column(String(64))
    value_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_bytes: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Grade(Base):
    """An automatic grade of one task, for an exam attempt or a practice check; old rows stay, not current."""

    __tablename__ = "grades"
    __table_args__ = (
        Index("ix_grades_attempt_current", "attempt_id", "current"),
        Index("ix_grades_practice", "trainee_id", "scenario_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), nullable=True)
    trainee_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scenario_id: Mapped[str] = mapped_column(String(100))
    scenario_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scenario_sha: Mapped[str] = mapped_column(String(64), default="")
    task_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    feedback: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    feedback_msgs: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    """The feedback as message keys and values (``[{"key": …, "args": {…}}]``), rendered in the viewer's
    language; ``feedback`` keeps the text as graded (older rows have only that)."""


class ManualGrade(Base):
    """One rater's score for one task of one attempt (free-text tasks marked against a rubric)."""

    __tablename__ = "manual_grades"
    __table_args__ = (UniqueConstraint("attempt_id", "task_id", "rater"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    task_id: Mapped[str] = mapped_column(String(64))
    rater: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ManualGradeLog(Base):
    """Append-only audit trail of manual marks: every mark, correction and withdrawal, by whom."""

    __tablename__ = "manual_grade_log"
    __table_args__ = (Index("ix_manual_grade_log_attempt_task", "attempt_id", "task_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    task_id: Mapped[str] = mapped_column(String(64))
    rater: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    """``mark`` (first mark), ``correct`` (changed own mark) or ``withdraw``."""
    old_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rater(Base):
    """A rater account made by the administrator: marks are signed with its name."""

    __tablename__ = "raters"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Regrade(Base):
    """One regrade of an exam (or the undo of one): what the exam and its grades were before and after.

    ``before``/``after``: ``{"exam": {scenario fields, tasks}, "grade_ids": [current grade ids]}``; old
    grade rows are never deleted, so an undo only switches which rows are current.
    """

    __tablename__ = "regrades"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_code: Mapped[str] = mapped_column(ForeignKey("exams.code"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(16), default="regrade")
    """``regrade`` or ``undo``."""
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Tasks added/removed/changed and how many task grades changed."""
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PracticeProgress(Base):
    """A trainee's best score and number of checks per practice task, and the last answer and result."""

    __tablename__ = "practice_progress"
    __table_args__ = (UniqueConstraint("trainee_id", "scenario_id", "task_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trainee_id: Mapped[str] = mapped_column(ForeignKey("trainees.id"))
    scenario_id: Mapped[str] = mapped_column(String(100))
    task_id: Mapped[str] = mapped_column(String(64))
    best_score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[str] = mapped_column(String(16), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_answer_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The last checked answer as typed (JSON; an upload keeps only its file name), for a reload."""
    last_result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The last check's status, points, feedback messages and wrong-cell positions (JSON; never the key)."""


class Setting(Base):
    """Small key/value settings, e.g. the instructor password hash from the first-run set-up."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class InstructorSession(Base):
    """A logged-in instructor session; only the token's SHA-256 is kept."""

    __tablename__ = "instructor_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rater: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The rater account of a rater's session; ``None`` for the administrator (instructor password)."""


class FailedAttempt(Base):
    """One failed login or exam-code try, counted by the throttle (shared by every replica)."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- engine -------------------------------------------------------------------------------------------


def data_dir() -> Path:
    """``SIMULATOR_DATA_DIR`` or ``./.simulator-data`` (not created here)."""
    return Path(os.environ.get("SIMULATOR_DATA_DIR") or ".simulator-data")


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (as hosting panels print them) → the psycopg 3 driver.

    >>> normalise_url("postgres://sim:pw@db:5432/sim")
    'postgresql+psycopg://sim:pw@db:5432/sim'
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url() -> str:
    """``SIMULATOR_DATABASE_URL``, else the SQLite file ``<data dir>/simulator.db``."""
    url = os.environ.get("SIMULATOR_DATABASE_URL")
    if url:
        return normalise_url(url.strip())
    return f"sqlite:///{(data_dir() / 'simulator.db').resolve()}"


def _sqlite_events(engine: Engine) -> None:
    """WAL, busy timeout and FULL sync on every connection; BEGIN (IMMEDIATE for writers) by hand."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`); SQLite gets WAL, busy timeout, own BEGIN.

    The SQLite file's folder is created if missing. ``sqlite://`` (memory) uses one shared connection.
    """
    url = normalise_url(url or database_url())
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(pool_size=10, max_overflow=20, pool_timeout=60)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _sqlite_events(engine)
    return engine


_writer_locks: dict[str, threading.RLock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(url: str) -> threading.RLock:
    """One lock per SQLite file in this process: its writers queue here, in order, instead of polling.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps up to 100 ms
    between tries, so under a class's burst of saves the waits (not the writes) made saves slow.
    Writers of other processes on the same file still meet at SQLite's lock and busy timeout.
    """
    with _writer_locks_guard:
        return _writer_locks.setdefault(url, threading.RLock())


class Store:
    """An engine plus sessions; migrates the schema to the newest version when created.

    Use ``with store.read() as s:`` to look and ``with store.write() as s:`` to change (commits at the
    end, rolls back on error). Objects stay usable after the session closes (no expiry on commit).
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        if migrate:
            from simulator.service.migrations import upgrade

            upgrade(self.engine)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_bind = self.engine.execution_options(sqlite_immediate=True)
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)
        self._write_lock: AbstractContextManager[Any] = (
            _writer_lock(self.url) if self.dialect == "sqlite" else nullcontext())

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (rolled back at the end)."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for changes: one transaction, committed when the block ends without error."""
        with self._write_lock, self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Closes every pooled connection (the store can be used again; it reconnects)."""
        self.engine.dispose()

    def backup_sqlite(self, dest: str | Path) -> Path:
        """A consistent copy of an SQLite store while it is in use (``VACUUM INTO``); not for PostgreSQL.

        Use ``pg_dump`` for PostgreSQL (see ``docs/deploy.md``).
        """
        if self.dialect != "sqlite":
            raise ValueError("backup_sqlite works on SQLite stores only; use pg_dump for PostgreSQL")
        dest = Path(dest)
        if dest.exists():
            raise FileExistsError(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        raw = self.engine.raw_connection()  # driver-level autocommit: VACUUM runs outside a transaction
        try:
            raw.cursor().execute("VACUUM INTO ?", (str(dest),))
        finally:
            raw.close()
        return dest


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """The process-wide :class:`Store` for ``url`` (default :func:`database_url`), created once."""
    key = url or database_url()
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = Store(key)
        return store


def reset_stores() -> None:
    """Disposes and forgets every store made by :func:`get_store` (tests, or after changing env vars)."""
    with _STORES_LOCK:
        for store in _STORES.values():
            store.dispose()
        _STORES.clear()
