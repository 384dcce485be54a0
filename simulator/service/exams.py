"""Mock exams, the trainee's side: join, save, time left, hand in; the clock is always the server's.

Every function takes ``now`` (default: the current UTC time) so tests can inject a clock, and ``store``
(default: :func:`simulator.service.store.get_store`). The deadline is fixed when a trainee starts:
``min(started_at + duration, closes_at)``; after it, or after hand-in, saves are refused on the server.

Trainee-facing results (:class:`AttemptView`, :class:`SavedAck`, :class:`SavedAnswer`) carry no scenario
file and no key. The instructor's side (create, monitor, results, release: :mod:`simulator.service.exam_admin`;
automatic grading: :mod:`simulator.service.exam_grading`; manual marks: :mod:`simulator.service.exam_marks`;
regrading: :mod:`simulator.service.exam_regrade`) is imported from those modules; what they share (codes,
:class:`ExamError`, an attempt's status) is in :mod:`simulator.service.exam_common`.

>>> # exam = create_exam("tour-all-datasets", minutes=100)      # instructor
>>> # view = join(exam.code, "T001", "李雷")                     # trainee: starts or resumes
>>> # ack = save_answer(exam.code, "T001", "t1", "3.45%")        # ack.saved_at → 已保存
>>> # submit(exam.code, "T001")
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from simulator.core.i18n import msg
from simulator.service.auth import Throttle, Throttled
from simulator.service.exam_common import (
    ExamError,
    UnknownExam,
    _clean_id,
    _find_attempt,
    _tasks_of,
    normalise_code,
    status_at,
    tasks_json,
)
from simulator.service.gradebook import TaskInfo
from simulator.service.store import Answer, AnswerHistory, Attempt, Exam, Store, Trainee, get_store, utcnow

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Exam-code letters: no I, L, O, 0 or 1, which are easily confused when read aloud or from a board."""
CODE_LENGTH = 8
JOIN_LIMIT, JOIN_WINDOW = 5, timedelta(minutes=10)
MAX_UPLOAD_BYTES = int(float(os.environ.get("SIMULATOR_MAX_UPLOAD_MB", "5")) * 1024 * 1024)
MAX_TEXT_CHARS = 20_000
FEEDBACK_POLICIES = ("release", "instant")


class TooManyAttempts(ExamError):
    """Too many failed codes from one trainee or client; ``retry_after`` in seconds."""

    def __init__(self, retry_after: float):
        super().__init__(msg("exam.throttled", minutes=max(1, int(retry_after // 60) + 1)))
        self.retry_after = retry_after


class ExamNotOpen(ExamError):
    """Before the opening time."""


class ExamClosed(ExamError):
    """After closing time, after the attempt's deadline or after hand-in."""


class NotOnRoster(ExamError):
    """The exam has a roster and this trainee is not on it."""


@dataclass(frozen=True)
class ExamInfo:
    """An exam as the instructor sees it (the scenario file itself stays in the store)."""

    code: str
    scenario_id: str
    scenario_version: int | None
    title: str
    duration_minutes: int
    opens_at: datetime
    closes_at: datetime | None
    feedback_policy: str
    released: bool
    roster: dict[str, str] | None
    tasks: tuple[TaskInfo, ...]


@dataclass(frozen=True)
class AttemptView:
    """A trainee's attempt at ``now``: what the exam page shows (no scenario, no key)."""

    code: str
    trainee_id: str
    name: str
    title: str
    started_at: datetime
    deadline: datetime
    submitted_at: datetime | None
    status: str
    """``in_progress``, ``submitted`` or ``timed_out``."""
    seconds_left: float
    tasks: tuple[TaskInfo, ...]


@dataclass(frozen=True)
class SavedAck:
    """Proof that an answer is stored: shown as 已保存 with its time."""

    task_id: str
    saved_at: datetime
    seconds_left: float


@dataclass(frozen=True)
class SavedAnswer:
    """A stored answer as submitted: ``value`` (decoded JSON) or an uploaded file."""

    task_id: str
    value: Any
    filename: str | None
    file_bytes: bytes | None
    saved_at: datetime


def new_code(length: int = CODE_LENGTH) -> str:
    """A random exam code from :data:`CODE_ALPHABET` (``secrets``), at least 6 characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(max(6, length)))


def exam_info(exam: Exam) -> ExamInfo:
    """The instructor-facing summary of an :class:`~simulator.service.store.Exam` row."""
    return ExamInfo(
        exam.code, exam.scenario_id, exam.scenario_version, exam.title, exam.duration_minutes,
        exam.opens_at, exam.closes_at, exam.feedback_policy, exam.released, exam.roster, _tasks_of(exam),
    )  # fmt: skip


def time_left(attempt: Attempt | AttemptView, now: datetime | None = None) -> timedelta:
    """Time until the deadline (zero once handed in or past it)."""
    if attempt.submitted_at is not None:
        return timedelta(0)
    return max(attempt.deadline - utcnow(now), timedelta(0))


def _view(exam: Exam, attempt: Attempt, name: str, now: datetime) -> AttemptView:
    return AttemptView(
        exam.code, attempt.trainee_id, name, exam.title, attempt.started_at, attempt.deadline,
        attempt.submitted_at, status_at(attempt, now), time_left(attempt, now).total_seconds(),
        _tasks_of(exam),
    )  # fmt: skip


def _start(s: Session, exam: Exam, trainee_id: str, name: str, now: datetime) -> tuple[Attempt, str]:
    trainee = s.get(Trainee, trainee_id)
    name = name.strip()[:200] or (exam.roster or {}).get(trainee_id, "")
    if trainee is None:
        trainee = Trainee(id=trainee_id, name=name, created_at=now)
        s.add(trainee)
    elif name and name != trainee.name:
        trainee.name = name
    attempt = _find_attempt(s, exam.code, trainee_id)
    if attempt is not None:
        return attempt, trainee.name
    if now < exam.opens_at:
        raise ExamNotOpen(msg("exam.not_open", opens=exam.opens_at.strftime("%Y-%m-%d %H:%M")))
    if exam.closes_at is not None and now >= exam.closes_at:
        raise ExamClosed(msg("exam.closed"))
    deadline = now + timedelta(minutes=exam.duration_minutes)
    deadline = min(deadline, exam.closes_at) if exam.closes_at else deadline
    attempt = Attempt(exam_code=exam.code, trainee_id=trainee_id, started_at=now, deadline=deadline)
    attempt.status = "in_progress"
    s.add(attempt)
    s.flush()
    return attempt, trainee.name


def join(
    code: str,
    trainee_id: str,
    name: str = "",
    now: datetime | None = None,
    *,
    store: Store | None = None,
    client_key: str | None = None,
) -> AttemptView:
    """Starts the trainee's attempt, or resumes it with the true time left (also after a restart).

    Refuses an unknown code (counted; after :data:`JOIN_LIMIT` failures in :data:`JOIN_WINDOW` from the
    same ``client_key`` — default the trainee id — :class:`TooManyAttempts`), a trainee not on the
    roster, a start before the opening or after closing time.
    """
    store, now = store or get_store(), utcnow(now)
    code, trainee_id = normalise_code(code), _clean_id(trainee_id)
    throttle = Throttle(store, "exam-code", JOIN_LIMIT, JOIN_WINDOW)
    key = client_key or trainee_id
    try:
        throttle.check(key, now)
    except Throttled as exc:
        raise TooManyAttempts(exc.retry_after) from None
    refusal: ExamError | None = None
    for attempt_no in range(3):
        try:
            with store.write() as s:
                exam = s.get(Exam, code)
                if exam is None:
                    refusal = UnknownExam(msg("exam.unknown_code"))
                elif exam.roster is not None and trainee_id not in exam.roster:
                    refusal = NotOnRoster(msg("exam.not_on_roster"))
                else:
                    attempt, trainee_name = _start(s, exam, trainee_id, name, now)
                    return _view(exam, attempt, trainee_name, now)
            break
        except IntegrityError:  # the same trainee joined twice at the same moment: read theirs
            if attempt_no == 2:
                raise
    throttle.fail(key, now)
    assert refusal is not None
    raise refusal


def attempt_view(
    code: str, trainee_id: str, now: datetime | None = None, *, store: Store | None = None
) -> AttemptView:
    """The trainee's attempt at ``now`` without joining; :class:`ExamError` if they never joined."""
    store, now = store or get_store(), utcnow(now)
    with store.read() as s:
        exam = s.get(Exam, normalise_code(code))
        attempt = _find_attempt(s, normalise_code(code), _clean_id(trainee_id)) if exam else None
        if exam is None or attempt is None:
            raise ExamError(msg("exam.not_joined"))
        trainee = s.get(Trainee, attempt.trainee_id)
        return _view(exam, attempt, trainee.name if trainee else "", now)


def _encode(raw: Any, filename: str | None) -> tuple[str | None, bytes | None, str | None]:
    if isinstance(raw, bytes | bytearray | memoryview):
        data = bytes(raw)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ExamError(msg("exam.too_large", mb=round(MAX_UPLOAD_BYTES / 1024 / 1024, 1)))
        safe = Path(str(filename or "upload").replace("\\", "/")).name[:200] or "upload"
        return None, data, safe
    try:
        text = json.dumps(raw, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        raise ExamError(msg("exam.bad_answer")) from None
    if len(text) > MAX_TEXT_CHARS:
        raise ExamError(msg("exam.bad_answer"))
    return text, None, None


def save_answer(
    code: str,
    trainee_id: str,
    task_id: str,
    raw: Any,
    now: datetime | None = None,
    *,
    filename: str | None = None,
    store: Store | None = None,
) -> SavedAck:
    """Stores ``raw`` as submitted (JSON-able value, or ``bytes`` plus ``filename`` for an upload).

    Returns only after the transaction is committed. Raises :class:`ExamClosed` at or after the
    deadline and after hand-in; every save is also appended to the answer history.
    """
    store, now = store or get_store(), utcnow(now)
    code, trainee_id = normalise_code(code), _clean_id(trainee_id)
    value_json, file_bytes, safe_name = _encode(raw, filename)
    with store.write() as s:
        exam = s.get(Exam, code)
        attempt = _find_attempt(s, code, trainee_id, lock=True) if exam else None
        if exam is None or attempt is None:
            raise ExamError(msg("exam.not_joined"))
        if task_id not in {t["id"] for t in exam.tasks}:
            raise ExamError(msg("exam.unknown_task", task=str(task_id)[:64]))
        if status_at(attempt, now) != "in_progress":
            raise ExamClosed(msg("exam.locked"))
        values = dict(value_json=value_json, file_bytes=file_bytes, filename=safe_name, saved_at=now)
        s.add(AnswerHistory(attempt_id=attempt.id, task_id=task_id, **values))
        current = s.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.task_id == task_id))
        if current is None:
            s.add(Answer(attempt_id=attempt.id, task_id=task_id, **values))
        else:
            for key, value in values.items():
                setattr(current, key, value)
        left = time_left(attempt, now).total_seconds()
    return SavedAck(task_id, now, left)


def saved_answers(code: str, trainee_id: str, *, store: Store | None = None) -> dict[str, SavedAnswer]:
    """The trainee's current answers by task id (what the exam page restores after a reload)."""
    store = store or get_store()
    code, trainee_id = normalise_code(code), _clean_id(trainee_id)
    with store.read() as s:
        attempt = _find_attempt(s, code, trainee_id)
        if attempt is None:
            return {}
        rows = s.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
        return {
            a.task_id: SavedAnswer(
                a.task_id,
                None if a.value_json is None else json.loads(a.value_json),
                a.filename,
                a.file_bytes,
                a.saved_at,
            )  # fmt: skip
            for a in rows
        }


def submit(
    code: str, trainee_id: str, now: datetime | None = None, *, store: Store | None = None
) -> AttemptView:
    """Hands in (idempotent). After the deadline the hand-in time recorded is the deadline itself.

    The attempt is then graded in the background (:func:`simulator.service.exam_grading.grade_soon`).
    """
    store, now = store or get_store(), utcnow(now)
    code, trainee_id = normalise_code(code), _clean_id(trainee_id)
    with store.write() as s:
        exam = s.get(Exam, code)
        attempt = _find_attempt(s, code, trainee_id, lock=True) if exam else None
        if exam is None or attempt is None:
            raise ExamError(msg("exam.not_joined"))
        if attempt.submitted_at is None:
            attempt.submitted_at = min(now, attempt.deadline)
            attempt.status = "submitted"
        trainee = s.get(Trainee, trainee_id)
        view = _view(exam, attempt, trainee.name if trainee else "", now)
    from simulator.service.exam_grading import grade_soon

    grade_soon(code, trainee_id, store=store, now=now)  # graded in the background, once
    return view


__all__ = [
    "AttemptView", "ExamClosed", "ExamError", "ExamInfo", "ExamNotOpen", "NotOnRoster", "SavedAck",
    "SavedAnswer", "TooManyAttempts", "UnknownExam", "attempt_view", "exam_info", "join", "new_code",
    "normalise_code", "save_answer", "saved_answers", "status_at", "submit", "tasks_json", "time_left",
]  # fmt: skip
