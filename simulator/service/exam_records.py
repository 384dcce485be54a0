"""Reading an exam's stored grades and manual marks back: attempts, gradebook rows, feedback messages.

Shared by automatic grading (:mod:`simulator.service.exam_grading`), manual marks
(:mod:`simulator.service.exam_marks`), regrading (:mod:`simulator.service.exam_regrade`) and the
instructor's results (:mod:`simulator.service.exam_admin`). A task's feedback is stored as message keys
and values (``feedback_msgs``, written by :func:`msg_to_json`), so it can be shown in the reader's
language. Nothing here writes to the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.i18n import Msg, msg
from simulator.service.exam_common import (
    ExamError,
    UnknownExam,
    _clean_id,
    _find_attempt,
    _tasks_of,
    normalise_code,
    status_at,
)
from simulator.service.gradebook import GradebookRow, ManualSummary, TaskGrade, build_row, summarize_manual
from simulator.service.store import Attempt, Exam, Grade, ManualGrade, Trainee

# --- feedback as message keys ---------------------------------------------------------------------------


def msg_to_json(m: Msg) -> dict[str, Any]:
    """``{"key": …, "args": {…}}``; nested messages nest, other values become JSON scalars or text."""

    def value(v: Any) -> Any:
        if isinstance(v, Msg):
            return {"$msg": msg_to_json(v)}
        if v is None or isinstance(v, bool | int | str):
            return v
        if isinstance(v, float):
            return v
        try:
            return float(v)  # numpy numbers
        except (TypeError, ValueError):
            return str(v)

    return {"key": m.key, "args": {k: value(v) for k, v in m.args.items()}}


def msg_from_json(data: dict[str, Any]) -> Msg:
    """The :class:`Msg` that :func:`msg_to_json` wrote."""

    def value(v: Any) -> Any:
        return msg_from_json(v["$msg"]) if isinstance(v, dict) and "$msg" in v else v

    return Msg(str(data["key"]), {k: value(v) for k, v in (data.get("args") or {}).items()})


# --- reading grades and marks -----------------------------------------------------------------------------------


def exam_attempt(s: Session, code: str, trainee_id: str, lock: bool = False) -> tuple[Exam, Attempt]:
    """The exam of ``code`` and ``trainee_id``'s attempt at it (:class:`ExamError` if either is missing)."""
    exam = s.get(Exam, normalise_code(code))
    if exam is None:
        raise UnknownExam(msg("exam.unknown_code"))
    attempt = _find_attempt(s, exam.code, _clean_id(trainee_id), lock=lock)
    if attempt is None:
        raise ExamError(msg("exam.not_joined"))
    return exam, attempt


def _task_grade(g: Grade) -> TaskGrade:
    msgs: tuple[Msg, ...] = ()
    if g.feedback_msgs:
        try:
            msgs = tuple(msg_from_json(m) for m in g.feedback_msgs)
        except (KeyError, TypeError, AttributeError):
            msgs = ()
    return TaskGrade(g.task_id, g.score, g.max_score, g.status, g.feedback, None, msgs)


def current_grades(s: Session, attempt_ids: list[int]) -> dict[int, dict[str, TaskGrade]]:
    """The current automatic grade of each task, by attempt id (attempts without grades are absent)."""
    out: dict[int, dict[str, TaskGrade]] = {}
    if not attempt_ids:
        return out
    query = select(Grade).where(Grade.attempt_id.in_(attempt_ids), Grade.current.is_(True))
    for g in s.scalars(query):
        assert g.attempt_id is not None
        out.setdefault(g.attempt_id, {})[g.task_id] = _task_grade(g)
    return out


def manual_marks(s: Session, attempt_ids: list[int]) -> dict[int, dict[str, ManualSummary]]:
    """Every rater's mark summed up per task, by attempt id (tasks nobody marked are absent)."""
    scores: dict[tuple[int, str], dict[str, float]] = {}
    comments: dict[tuple[int, str], dict[str, str]] = {}
    if not attempt_ids:
        return {}
    query = select(ManualGrade).where(ManualGrade.attempt_id.in_(attempt_ids)).order_by(ManualGrade.id)
    for m in s.scalars(query):
        scores.setdefault((m.attempt_id, m.task_id), {})[m.rater] = m.score
        comments.setdefault((m.attempt_id, m.task_id), {})[m.rater] = m.comment
    out: dict[int, dict[str, ManualSummary]] = {}
    for (attempt_id, task_id), by_rater in scores.items():
        summary = summarize_manual(task_id, by_rater, comments[(attempt_id, task_id)])
        out.setdefault(attempt_id, {})[task_id] = summary
    return out


def gradebook_rows(s: Session, exam: Exam, attempts: Sequence[Attempt], now: datetime) -> dict[str, GradebookRow]:
    """Gradebook rows of ``attempts`` with three queries in all (names, grades, manual marks)."""
    ids = [a.id for a in attempts]
    tids = [a.trainee_id for a in attempts]
    names = {t.id: t.name for t in s.scalars(select(Trainee).where(Trainee.id.in_(tids)))} if tids else {}
    auto, manual = current_grades(s, ids), manual_marks(s, ids)
    tasks = _tasks_of(exam)
    return {
        a.trainee_id: build_row(
            a.trainee_id,
            names.get(a.trainee_id, ""),
            status_at(a, now),
            a.started_at,
            a.submitted_at,
            tasks,
            auto.get(a.id, {}),
            manual.get(a.id, {}),
        )  # fmt: skip
        for a in attempts
    }


def gradebook_row(s: Session, exam: Exam, attempt: Attempt, now: datetime) -> GradebookRow:
    """One attempt's gradebook row (see :func:`gradebook_rows`)."""
    return gradebook_rows(s, exam, [attempt], now)[attempt.trainee_id]
