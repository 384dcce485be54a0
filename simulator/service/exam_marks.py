"""Manual marks by several raters: marking, correcting, withdrawing, the audit trail and summaries.

A task's final manual score is the median of an odd number (at least 3) of raters' marks
(:func:`simulator.service.gradebook.summarize_manual`); a further rater who would make a settled number
even is warned first (:class:`UnfinaliseWarning`). Each rater signs with their account name
(:mod:`simulator.service.raters`); the administrator signs with :data:`ADMIN_RATER`. Every mark,
correction and withdrawal goes into the audit trail (:func:`mark_log`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from simulator.core.i18n import msg
from simulator.service.exam_common import ExamError, _tasks_of, normalise_code, status_at
from simulator.service.exam_records import current_grades, exam_attempt, manual_marks
from simulator.service.gradebook import ManualSummary, TaskGrade, summarize_manual
from simulator.service.store import Attempt, ManualGrade, ManualGradeLog, Store, get_store, utcnow

ADMIN_RATER = "admin"
"""The name marks by the administrator (the instructor password) are signed with."""


class UnfinaliseWarning(ExamError):
    """A further mark would turn a settled (odd) number of raters into an even one."""


@dataclass(frozen=True)
class MarkLogEntry:
    """One line of a task's audit trail of manual marks."""

    rater: str
    action: str
    """``mark``, ``correct`` or ``withdraw``."""
    old_score: float | None
    new_score: float | None
    comment: str
    at: datetime


def _log(s: Session, attempt: Attempt, task_id: str, rater: str, action: str, old: float | None,
         new: float | None, comment: str, now: datetime) -> None:  # fmt: skip
    s.add(ManualGradeLog(attempt_id=attempt.id, task_id=task_id, rater=rater, action=action, old_score=old,
                         new_score=new, comment=comment, at=now))  # fmt: skip


def manual_grade(
    code: str,
    trainee_id: str,
    task_id: str,
    rater: str,
    score: float,
    comment: str = "",
    now: datetime | None = None,
    *,
    store: Store | None = None,
    confirm_unfinalise: bool = False,
) -> ManualSummary:
    """Stores (or corrects) one rater's score; the final is the median of an odd number ≥ 3 of raters.

    ``rater`` is the signed-in rater's account name (the UI passes the session's, never a typed one).
    A new rater's mark that would make a settled number of raters even raises :class:`UnfinaliseWarning`
    unless ``confirm_unfinalise``. Every mark and correction goes into the audit trail.
    """
    store, now = store or get_store(), utcnow(now)
    rater = str(rater).strip()[:100]
    with store.write() as s:
        exam, attempt = exam_attempt(s, code, trainee_id, lock=True)
        points = {t.id: t.points for t in _tasks_of(exam)}
        if task_id not in points:
            raise ExamError(msg("exam.unknown_task", task=str(task_id)[:64]))
        if not rater or not 0 <= float(score) <= points[task_id]:
            raise ExamError(msg("exam.bad_score", max=points[task_id]))
        if status_at(attempt, now) == "in_progress":
            raise ExamError(msg("exam.not_finished"))
        marks = s.scalars(select(ManualGrade).where(
            ManualGrade.attempt_id == attempt.id, ManualGrade.task_id == task_id
        )).all()  # fmt: skip
        row = next((m for m in marks if m.rater == rater), None)
        if row is None and len(marks) >= 3 and len(marks) % 2 == 1 and not confirm_unfinalise:
            raise UnfinaliseWarning(msg("exam.mark_unfinalises", n=len(marks)))
        old = None if row is None else row.score
        if row is None:
            row = ManualGrade(attempt_id=attempt.id, task_id=task_id, rater=rater)
            s.add(row)
        row.score, row.comment, row.graded_at = float(score), str(comment), now
        _log(s, attempt, task_id, rater, "mark" if old is None else "correct", old, float(score), str(comment), now)
        s.flush()
        return manual_marks(s, [attempt.id])[attempt.id][task_id]


def withdraw_mark(
    code: str,
    trainee_id: str,
    task_id: str,
    rater: str,
    reason: str = "",
    now: datetime | None = None,
    *,
    store: Store | None = None,
) -> ManualSummary:
    """Removes ``rater``'s own mark (kept in the audit trail); :class:`ExamError` if they have none."""
    store, now = store or get_store(), utcnow(now)
    rater = str(rater).strip()[:100]
    with store.write() as s:
        _, attempt = exam_attempt(s, code, trainee_id, lock=True)
        row = s.scalar(select(ManualGrade).where(
            ManualGrade.attempt_id == attempt.id, ManualGrade.task_id == task_id, ManualGrade.rater == rater
        ))  # fmt: skip
        if row is None:
            raise ExamError(msg("exam.no_own_mark"))
        _log(s, attempt, task_id, rater, "withdraw", row.score, None, str(reason), now)
        s.execute(delete(ManualGrade).where(ManualGrade.id == row.id))
        s.flush()
        return manual_marks(s, [attempt.id]).get(attempt.id, {}).get(task_id) or summarize_manual(task_id, {})


def mark_log(code: str, trainee_id: str, task_id: str, *, store: Store | None = None) -> list[MarkLogEntry]:
    """The audit trail of one task's manual marks, oldest first."""
    store = store or get_store()
    with store.read() as s:
        _, attempt = exam_attempt(s, code, trainee_id)
        query = select(ManualGradeLog).where(
            ManualGradeLog.attempt_id == attempt.id, ManualGradeLog.task_id == task_id
        ).order_by(ManualGradeLog.id)  # fmt: skip
        return [MarkLogEntry(r.rater, r.action, r.old_score, r.new_score, r.comment, r.at) for r in s.scalars(query)]


def manual_summary(code: str, trainee_id: str, task_id: str, *, store: Store | None = None) -> ManualSummary:
    """The raters' scores for one task so far (empty when nobody rated it)."""
    store = store or get_store()
    with store.read() as s:
        _, attempt = exam_attempt(s, code, trainee_id)
        return manual_marks(s, [attempt.id]).get(attempt.id, {}).get(task_id) or summarize_manual(task_id, {})


def manual_summaries(code: str, task_id: str, *, store: Store | None = None) -> dict[str, ManualSummary]:
    """Every attempt's raters' scores for one task, by trainee id (one query; read fresh each call)."""
    store = store or get_store()
    with store.read() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.exam_code == normalise_code(code))).all()
        by_attempt = manual_marks(s, [a.id for a in attempts])
        return {a.trainee_id: by_attempt.get(a.id, {}).get(task_id) or summarize_manual(task_id, {}) for a in attempts}


def auto_grades(code: str, task_id: str, *, store: Store | None = None) -> dict[str, TaskGrade]:
    """The automatic check of one task per trainee (e.g. a written answer marked too short)."""
    store = store or get_store()
    with store.read() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.exam_code == normalise_code(code))).all()
        grades = current_grades(s, [a.id for a in attempts])
        return {a.trainee_id: grades[a.id][task_id] for a in attempts if task_id in grades.get(a.id, {})}
