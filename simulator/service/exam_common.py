"""What the trainee's side, grading and the instructor's side of mock exams share: codes, the refused-action
error, an exam's task list and an attempt's status. It sits below :mod:`simulator.service.exams`,
:mod:`simulator.service.exam_records`, :mod:`simulator.service.exam_grading`, :mod:`simulator.service.exam_marks`,
:mod:`simulator.service.exam_regrade` and :mod:`simulator.service.exam_admin`, so none of them imports
another in a loop (``exams.submit`` starts :func:`simulator.service.exam_grading.grade_soon`).

>>> normalise_code(" ab3k-7pq9 ")
'AB3K7PQ9'
>>> tasks_json([TaskInfo("t1", "metric", 10.0, ("3.1.2",))])
[{'id': 't1', 'kind': 'metric', 'points': 10.0, 'skills': ['3.1.2']}]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.i18n import Msg, msg
from simulator.service.gradebook import TaskInfo
from simulator.service.store import Attempt, Exam, utcnow


class ExamError(Exception):
    """A refused exam action; ``message`` is a catalog :class:`Msg` to show the trainee or instructor."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message


class UnknownExam(ExamError):
    """No exam has this code."""


class Deadlined(Protocol):
    """An attempt, stored or as the trainee sees it (:class:`simulator.service.exams.AttemptView`)."""

    @property
    def submitted_at(self) -> datetime | None: ...

    @property
    def deadline(self) -> datetime: ...


def normalise_code(code: str) -> str:
    """Upper case without spaces or dashes: ``' ab3k-7pq9 '`` → ``'AB3K7PQ9'``."""
    return "".join(ch for ch in str(code).upper() if ch not in " -\t\n")


def _clean_id(trainee_id: str) -> str:
    """A trainee id without surrounding spaces; :class:`ExamError` when empty or over 64 characters."""
    cleaned = str(trainee_id).strip()
    if not cleaned or len(cleaned) > 64:
        raise ExamError(msg("exam.bad_id"))
    return cleaned


def _tasks_of(exam: Exam) -> tuple[TaskInfo, ...]:
    """The exam's frozen task list (id, kind, points, skills) as stored in ``exams.tasks``."""
    return tuple(
        TaskInfo(t["id"], t["kind"], float(t["points"]), tuple(t.get("skills", ()))) for t in exam.tasks
    )


def tasks_json(tasks: list[TaskInfo]) -> list[dict[str, Any]]:
    """Task infos as stored in ``exams.tasks``."""
    return [{"id": t.id, "kind": t.kind, "points": t.points, "skills": list(t.skills)} for t in tasks]


def status_at(attempt: Deadlined, now: datetime | None = None) -> str:
    """``submitted``, ``timed_out`` (deadline passed without hand-in) or ``in_progress``."""
    if attempt.submitted_at is not None:
        return "submitted"
    return "timed_out" if utcnow(now) >= attempt.deadline else "in_progress"


def _find_attempt(s: Session, code: str, trainee_id: str, lock: bool = False) -> Attempt | None:
    """One trainee's attempt at an exam, or ``None``; ``lock`` takes a row lock for an update."""
    query = select(Attempt).where(Attempt.exam_code == code, Attempt.trainee_id == trainee_id)
    return s.scalar(query.with_for_update() if lock else query)


__all__ = [
    "Deadlined", "ExamError", "UnknownExam", "normalise_code", "status_at", "tasks_json",
]  # fmt: skip
