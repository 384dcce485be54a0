"""Grading exam attempts from their stored raw answers, manual marks by several raters, regrading.

Re-exported by :mod:`simulator.exams`. A grader is ``grader(scenario_yaml, trainee_id, answers,
base_dir) -> grade JSON`` (the contract's ``simulator grade --json`` document); the default one runs the
engine on the exam's frozen scenario. Uploaded files are written into ``base_dir`` and the answer is the
file's name there. Old grades stay in the store (``current = False``), so a regrade can show what changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from simulator.exams import (
    ExamError,
    UnknownExam,
    _clean_id,
    _find_attempt,
    _tasks_of,
    normalise_code,
    status_at,
    tasks_json,
)
from simulator.gradebook import GradebookRow, ManualSummary, TaskGrade, TaskInfo, build_row, summarize_manual
from simulator.i18n import msg, register
from simulator.scenario_source import default_grader, describe_tasks, resolve_scenario
from simulator.store import Answer, Attempt, Exam, Grade, ManualGrade, Store, Trainee, get_store, utcnow

Grader = Callable[[str, str, dict[str, Any], Path], dict[str, Any]]
"""``grader(scenario_yaml, trainee_id, answers, base_dir) -> grade JSON``."""

register(
    {
        "exam.not_finished": {
            "zh": "该考生尚未交卷,答题时间也未结束。",
            "en": "This trainee has not handed in and their time is not up.",
        },
        "exam.bad_score": {
            "zh": "分数须在 0 到 {max} 之间,评分人不能为空。",
            "en": "The score must be between 0 and {max}, with a rater name.",
        },
    }
)


@dataclass(frozen=True)
class GradeChange:
    """A task whose automatic grade differs after a regrade (``None`` where there was no grade)."""

    trainee_id: str
    task_id: str
    old_score: float | None
    new_score: float | None
    old_status: str | None
    new_status: str | None


def _exam_attempt(s: Session, code: str, trainee_id: str, lock: bool = False) -> tuple[Exam, Attempt]:
    exam = s.get(Exam, normalise_code(code))
    if exam is None:
        raise UnknownExam(msg("exam.unknown_code"))
    attempt = _find_attempt(s, exam.code, _clean_id(trainee_id), lock=lock)
    if attempt is None:
        raise ExamError(msg("exam.not_joined"))
    return exam, attempt


def _answers_for_grading(rows: Sequence[Answer], folder: Path) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for row in rows:
        if row.file_bytes is not None:
            name = f"{row.task_id}__{row.filename or 'upload'}"
            (folder / name).write_bytes(row.file_bytes)
            answers[row.task_id] = name
        elif row.value_json is not None:
            answers[row.task_id] = json.loads(row.value_json)
    return answers


def _feedback_text(feedback: Any) -> str:
    if isinstance(feedback, list | tuple):
        return "\n".join(str(f) for f in feedback)
    return "" if feedback is None else str(feedback)


def _current_grades(s: Session, attempt_ids: list[int]) -> dict[int, dict[str, TaskGrade]]:
    out: dict[int, dict[str, TaskGrade]] = {}
    query = select(Grade).where(Grade.attempt_id.in_(attempt_ids), Grade.current.is_(True))
    for g in s.scalars(query):
        assert g.attempt_id is not None
        out.setdefault(g.attempt_id, {})[g.task_id] = TaskGrade(
            g.task_id, g.score, g.max_score, g.status, g.feedback
        )
    return out


def _manual(s: Session, attempt_ids: list[int]) -> dict[int, dict[str, ManualSummary]]:
    scores: dict[tuple[int, str], dict[str, float]] = {}
    comments: dict[tuple[int, str], dict[str, str]] = {}
    for m in s.scalars(select(ManualGrade).where(ManualGrade.attempt_id.in_(attempt_ids))):
        scores.setdefault((m.attempt_id, m.task_id), {})[m.rater] = m.score
        comments.setdefault((m.attempt_id, m.task_id), {})[m.rater] = m.comment
    out: dict[int, dict[str, ManualSummary]] = {}
    for (attempt_id, task_id), by_rater in scores.items():
        summary = summarize_manual(task_id, by_rater, comments[(attempt_id, task_id)])
        out.setdefault(attempt_id, {})[task_id] = summary
    return out


def _row(s: Session, exam: Exam, attempt: Attempt, now: datetime) -> GradebookRow:
    trainee = s.get(Trainee, attempt.trainee_id)
    auto = _current_grades(s, [attempt.id]).get(attempt.id, {})
    manual = _manual(s, [attempt.id]).get(attempt.id, {})
    return build_row(
        attempt.trainee_id, trainee.name if trainee else "", status_at(attempt, now), attempt.started_at,
        attempt.submitted_at, _tasks_of(exam), auto, manual,
    )  # fmt: skip


def grade_attempt(
    code: str,
    trainee_id: str,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    grader: Grader | None = None,
) -> GradebookRow:
    """Grades a finished attempt's stored raw answers and stores the grades with the scenario version."""
    store, now = store or get_store(), utcnow(now)
    with store.read() as s:
        exam, attempt = _exam_attempt(s, code, trainee_id)
        if status_at(attempt, now) == "in_progress":
            raise ExamError(msg("exam.not_finished"))
        rows = s.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    with tempfile.TemporaryDirectory(prefix="simulator-grade-") as tmp:
        answers = _answers_for_grading(rows, Path(tmp))
        grader = grader or functools.partial(default_grader, path=exam.source_path)
        result = grader(exam.scenario_yaml, attempt.trainee_id, answers, Path(tmp))
    with store.write() as s:
        exam, attempt = _exam_attempt(s, code, trainee_id, lock=True)
        s.execute(
            update(Grade).where(Grade.attempt_id == attempt.id, Grade.current.is_(True)).values(current=False)
        )
        for task in result.get("tasks", []):
            s.add(Grade(
                attempt_id=attempt.id, trainee_id=attempt.trainee_id, scenario_id=exam.scenario_id,
                scenario_version=exam.scenario_version, scenario_sha=exam.scenario_sha,
                task_id=str(task["id"]), score=float(task["score"]), max_score=float(task["max_score"]),
                status=str(task["status"]),
                feedback=_feedback_text(task.get("feedback")), graded_at=now, current=True,
            ))  # fmt: skip
        s.flush()
        return _row(s, exam, attempt, now)


def _finished_ungraded(store: Store, code: str, now: datetime, everyone: bool) -> list[str]:
    with store.read() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.exam_code == normalise_code(code))).all()
        graded = _current_grades(s, [a.id for a in attempts])
        return [
            a.trainee_id
            for a in attempts
            if status_at(a, now) != "in_progress" and (everyone or a.id not in graded)
        ]


def grade_pending(
    code: str, now: datetime | None = None, *, store: Store | None = None, grader: Grader | None = None
) -> list[GradebookRow]:
    """Grades every finished attempt that has no grade yet."""
    store, now = store or get_store(), utcnow(now)
    return [
        grade_attempt(code, tid, now, store=store, grader=grader)
        for tid in _finished_ungraded(store, code, now, everyone=False)
    ]


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
) -> ManualSummary:
    """Stores (or replaces) one rater's score; the final is the median of an odd number ≥ 3 of raters."""
    store, now = store or get_store(), utcnow(now)
    rater = str(rater).strip()[:100]
    with store.write() as s:
        exam, attempt = _exam_attempt(s, code, trainee_id, lock=True)
        points = {t.id: t.points for t in _tasks_of(exam)}
        if task_id not in points:
            raise ExamError(msg("exam.unknown_task", task=str(task_id)[:64]))
        if not rater or not 0 <= float(score) <= points[task_id]:
            raise ExamError(msg("exam.bad_score", max=points[task_id]))
        if status_at(attempt, now) == "in_progress":
            raise ExamError(msg("exam.not_finished"))
        row = s.scalar(select(ManualGrade).where(
            ManualGrade.attempt_id == attempt.id, ManualGrade.task_id == task_id, ManualGrade.rater == rater
        ))  # fmt: skip
        if row is None:
            row = ManualGrade(attempt_id=attempt.id, task_id=task_id, rater=rater)
            s.add(row)
        row.score, row.comment, row.graded_at = float(score), str(comment), now
        s.flush()
        return _manual(s, [attempt.id])[attempt.id][task_id]


def manual_summary(code: str, trainee_id: str, task_id: str, *, store: Store | None = None) -> ManualSummary:
    """The raters' scores for one task so far (empty when nobody rated it)."""
    store = store or get_store()
    with store.read() as s:
        _, attempt = _exam_attempt(s, code, trainee_id)
        return _manual(s, [attempt.id]).get(attempt.id, {}).get(task_id) or summarize_manual(task_id, {})


def _snapshot_grades(store: Store, code: str) -> dict[tuple[str, str], TaskGrade]:
    with store.read() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.exam_code == normalise_code(code))).all()
        grades = _current_grades(s, [a.id for a in attempts])
        return {(a.trainee_id, tid): g for a in attempts for tid, g in grades.get(a.id, {}).items()}


def regrade(
    code: str,
    scenario: str | None = None,
    *,
    version: int | None = None,
    tasks: list[TaskInfo] | None = None,
    now: datetime | None = None,
    store: Store | None = None,
    grader: Grader | None = None,
) -> list[GradeChange]:
    """Re-grades every finished attempt's stored answers, optionally against a fixed scenario first.

    ``scenario``/``version`` name the fixed scenario (as in :func:`simulator.exams.create_exam`); it
    replaces the exam's frozen copy. Returns the task grades that changed, by trainee and task.
    """
    store, now = store or get_store(), utcnow(now)
    if scenario is not None:
        _replace_scenario(store, code, scenario, version, tasks)
    before = _snapshot_grades(store, code)
    for trainee_id in _finished_ungraded(store, code, now, everyone=True):
        grade_attempt(code, trainee_id, now, store=store, grader=grader)
    after = _snapshot_grades(store, code)
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if (old and (old.score, old.status)) != (new and (new.score, new.status)):
            changes.append(GradeChange(
                key[0], key[1], old.score if old else None, new.score if new else None,
                old.status if old else None, new.status if new else None,
            ))  # fmt: skip
    return changes


def _replace_scenario(store: Store, code: str, ref: str, version: int | None, tasks: list[TaskInfo] | None):
    source = resolve_scenario(ref, version=version, store=store)
    task_list = list(tasks) if tasks is not None else describe_tasks(source)
    with store.write() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        exam.scenario_id, exam.scenario_version = source.scenario_id, source.version
        exam.scenario_yaml = source.yaml_text
        exam.source_path = str(source.path) if source.path else None
        exam.scenario_sha = hashlib.sha256(source.yaml_text.encode("utf-8")).hexdigest()
        exam.tasks = tasks_json(task_list)
