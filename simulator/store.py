"""The store: SQLAlchemy 2 models, the engine and sessions (SQLite by default, PostgreSQL for replicas).

``SIMULATOR_DATABASE_URL`` picks the database (``postgresql+psycopg://user:pw@host/db`` for several app
replicas); without it the store is the SQLite file ``<data dir>/simulator.db``, where the data dir is
``SIMULATOR_DATA_DIR`` or ``./.simulator-data``. The schema is versioned with Alembic and brought up to
date whenever a :class:`Store` starts (``simulator/migrations``).

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
from contextlib import contextmanager
from dataclasses import dataclass
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
    select,
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


class PracticeProgress(Base):
    """A trainee's best score and number of checks per practice task."""

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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


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


def database_url() -> str:
    """``SIMULATOR_DATABASE_URL``, else the SQLite file ``<data dir>/simulator.db``."""
    url = os.environ.get("SIMULATOR_DATABASE_URL")
    if url:
        return url
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
    url = url or database_url()
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


class Store:
    """An engine plus sessions; migrates the schema to the newest version when created.

    Use ``with store.read() as s:`` to look and ``with store.write() as s:`` to change (commits at the
    end, rolls back on error). Objects stay usable after the session closes (no expiry on commit).
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        if migrate:
            from simulator.migrations import upgrade

            upgrade(self.engine)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        writer_bind = self.engine.execution_options(sqlite_immediate=True)
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)

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
        with self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Closes every pooled connection (the store can be used again; it reconnects)."""
        self.engine.dispose()


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


# --- trainees and practice progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """A trainee's practice record for one task."""

    scenario_id: str
    task_id: str
    best_score: float
    max_score: float
    attempts: int
    """Checks that were read (a format error does not count)."""
    last_status: str
    updated_at: datetime


def save_trainee(trainee_id: str, name: str = "", *, store: Store | None = None) -> str:
    """Creates the trainee or updates a non-empty ``name``; returns the stored name."""
    store = store or get_store()
    with store.write() as s:
        row = s.get(Trainee, trainee_id)
        if row is None:
            row = Trainee(id=trainee_id, name=name.strip()[:200])
            s.add(row)
        elif name.strip():
            row.name = name.strip()[:200]
        return row.name


def trainee_name(trainee_id: str, *, store: Store | None = None) -> str | None:
    """The stored name of ``trainee_id`` (``None`` if unknown), to restore a trainee by id."""
    store = store or get_store()
    with store.read() as s:
        row = s.get(Trainee, trainee_id)
        return row.name if row else None


def record_practice(
    trainee_id: str,
    scenario_id: str,
    task_results: list[dict[str, Any]],
    *,
    scenario_version: int | None = None,
    now: datetime | None = None,
    store: Store | None = None,
) -> list[ProgressRow]:
    """Stores a practice check (the ``tasks`` of a grade result) and updates best score and count.

    An ``invalid`` result (format error) is stored but costs no attempt and sets no best score.
    """
    store, now = store or get_store(), utcnow(now)
    save_trainee(trainee_id, store=store)
    with store.write() as s:
        for task in task_results:
            task_id, status = str(task["id"]), str(task["status"])
            score, max_score = float(task["score"]), float(task["max_score"])
            s.add(Grade(
                trainee_id=trainee_id, scenario_id=scenario_id, scenario_version=scenario_version,
                task_id=task_id, score=score, max_score=max_score, status=status,
                feedback=str(task.get("feedback") or ""), graded_at=now, current=True,
            ))  # fmt: skip
            if status == "invalid":
                continue
            row = s.scalar(select(PracticeProgress).where(
                PracticeProgress.trainee_id == trainee_id, PracticeProgress.scenario_id == scenario_id,
                PracticeProgress.task_id == task_id,
            ).with_for_update())  # fmt: skip
            if row is None:
                row = PracticeProgress(trainee_id=trainee_id, scenario_id=scenario_id, task_id=task_id)
                row.best_score, row.attempts = score, 0
                s.add(row)
            row.best_score, row.max_score = max(row.best_score, score), max_score
            row.attempts, row.last_status, row.updated_at = row.attempts + 1, status, now
    return practice_progress(trainee_id, scenario_id, store=store)


def practice_progress(
    trainee_id: str, scenario_id: str | None = None, *, store: Store | None = None
) -> list[ProgressRow]:
    """The trainee's practice records (one scenario or all), by scenario and task id."""
    store = store or get_store()
    with store.read() as s:
        query = select(PracticeProgress).where(PracticeProgress.trainee_id == trainee_id)
        if scenario_id is not None:
            query = query.where(PracticeProgress.scenario_id == scenario_id)
        rows = s.scalars(query.order_by(PracticeProgress.scenario_id, PracticeProgress.task_id))
        return [
            ProgressRow(
                r.scenario_id, r.task_id, r.best_score, r.max_score, r.attempts, r.last_status, r.updated_at
            )
            for r in rows
        ]
