"""The instructor's side of an exam: create, list, monitor, release, results (grading: exam_grading, exam_marks,
exam_regrade).

Re-exported by :mod:`simulator.service.exams`, so pages and the CLI can import everything from there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from simulator.core.i18n import Msg, msg
from simulator.service.exam_common import (
    ExamError,
    UnknownExam,
    _clean_id,
    _tasks_of,
    normalise_code,
    status_at,
    tasks_json,
)
from simulator.service.exam_grading import Grader, grade_attempt, grade_pending
from simulator.service.exam_records import current_grades, exam_attempt, gradebook_row, gradebook_rows
from simulator.service.exams import FEEDBACK_POLICIES, ExamInfo, exam_info, new_code, time_left
from simulator.service.gradebook import STATUSES, GradebookRow, TaskInfo, build_row
from simulator.service.scenario_source import describe_tasks, resolve_scenario
from simulator.service.store import Answer, Attempt, Exam, Store, Trainee, get_store, utcnow


def _normalise_roster(roster: Any) -> dict[str, str] | None:
    """``{id: name}`` from ids, ``(id, name)`` pairs or a mapping; ``None`` stays ``None`` (no roster)."""
    if roster is None:
        return None
    if isinstance(roster, dict):
        pairs: list[tuple[Any, Any]] = list(roster.items())
    else:
        pairs = [(r, "") if isinstance(r, str) else (r[0], r[1] if len(r) > 1 else "") for r in roster]
    return {_clean_id(k): str(v or "") for k, v in pairs}


def create_exam(
    scenario_id_or_yaml: str,
    minutes: int | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    roster: Any = None,
    feedback_policy: str = "release",
    *,
    title: str | None = None,
    version: int | None = None,
    tasks: list[TaskInfo] | None = None,
    created_by: str = "",
    now: datetime | None = None,
    store: Store | None = None,
) -> ExamInfo:
    """Creates an exam from a shipped id, a file path, a stored scenario version or YAML text.

    ``minutes`` defaults to the scenario's ``duration_minutes``, else 100. The scenario file is frozen
    into the exam (data files it brings stay beside the original file); ``tasks`` (id, kind, points,
    skills) default to the ones :func:`simulator.service.scenario_source.describe_tasks` reads.
    ``roster``: ids, ``(id, name)`` pairs or ``{id: name}``; ``None`` lets anyone with the code in.
    """
    store, now = store or get_store(), utcnow(now)
    source = resolve_scenario(scenario_id_or_yaml, version=version, store=store)
    minutes = int(minutes or source.duration_minutes or 100)
    if feedback_policy not in FEEDBACK_POLICIES or not 1 <= minutes <= 24 * 60:
        raise ExamError(msg("exam.bad_settings", what=f"minutes={minutes}, feedback={feedback_policy}"))
    opens = utcnow(opens_at) if opens_at else now
    if closes_at is not None and utcnow(closes_at) <= opens:
        raise ExamError(msg("exam.bad_settings", what="closes_at <= opens_at"))
    task_list = list(tasks) if tasks is not None else describe_tasks(source)
    fields = dict(
        scenario_id=source.scenario_id, scenario_version=source.version,
        scenario_sha=hashlib.sha256(source.yaml_text.encode("utf-8")).hexdigest(),
        scenario_yaml=source.yaml_text, source_path=str(source.path) if source.path else None,
        tasks=tasks_json(task_list), title=title or source.title, duration_minutes=minutes,
        opens_at=opens, closes_at=utcnow(closes_at) if closes_at else None,
        feedback_policy=feedback_policy, released=False, roster=_normalise_roster(roster),
        created_at=now, created_by=created_by,
    )  # fmt: skip
    for _ in range(5):  # a clash of random codes is astronomically rare; retry anyway
        try:
            with store.write() as s:
                exam = Exam(code=new_code(), **fields)
                s.add(exam)
            return exam_info(exam)
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free exam code")


def get_exam(code: str, store: Store | None = None) -> ExamInfo:
    """The exam with ``code``; :class:`UnknownExam` if there is none (no throttling: instructors only)."""
    store = store or get_store()
    with store.read() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        return exam_info(exam)


def list_exams(store: Store | None = None) -> list[ExamInfo]:
    """Every exam, newest first."""
    store = store or get_store()
    with store.read() as s:
        return [exam_info(e) for e in s.scalars(select(Exam).order_by(Exam.created_at.desc()))]


def exam_scenario_yaml(code: str, store: Store | None = None) -> str:
    """The frozen scenario file of an exam — server side only: never put it in a trainee's session."""
    store = store or get_store()
    with store.read() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        return exam.scenario_yaml


def release_results(code: str, released: bool = True, *, store: Store | None = None) -> ExamInfo:
    """Shows (or hides again) results to trainees under the ``release`` feedback policy."""
    store = store or get_store()
    with store.write() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        exam.released = bool(released)
        return exam_info(exam)


@dataclass(frozen=True)
class RosterRow:
    """One line of the monitoring table."""

    trainee_id: str
    name: str
    status: str
    """``not_started``, ``in_progress``, ``submitted`` or ``timed_out``."""
    label: Msg
    """未开始 / 进行中 / 已交卷 …, rendered in the instructor's language."""
    started_at: datetime | None
    deadline: datetime | None
    submitted_at: datetime | None
    seconds_left: float | None
    answered: int
    """Tasks with a saved answer."""


def roster_status(code: str, now: datetime | None = None, *, store: Store | None = None) -> list[RosterRow]:
    """Everyone on the roster plus everyone who joined, with status and time left at ``now``."""
    store, now = store or get_store(), utcnow(now)
    with store.read() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        attempts = {a.trainee_id: a for a in s.scalars(select(Attempt).where(Attempt.exam_code == exam.code))}
        names = {t.id: t.name for t in s.scalars(select(Trainee).where(Trainee.id.in_(list(attempts))))}
        answered: dict[int, int] = {}
        ids = [a.id for a in attempts.values()]
        for (attempt_id,) in s.execute(select(Answer.attempt_id).where(Answer.attempt_id.in_(ids))):
            answered[attempt_id] = answered.get(attempt_id, 0) + 1
    rows = []
    for trainee_id in sorted(set(exam.roster or {}) | set(attempts)):
        a = attempts.get(trainee_id)
        name = names.get(trainee_id) or (exam.roster or {}).get(trainee_id, "")
        status = status_at(a, now) if a else "not_started"
        assert status in STATUSES
        rows.append(RosterRow(
            trainee_id, name, status, msg(f"exam.status.{status}"), a.started_at if a else None,
            a.deadline if a else None, a.submitted_at if a else None,
            time_left(a, now).total_seconds() if a else None, answered.get(a.id, 0) if a else 0,
        ))  # fmt: skip
    return rows


def results(
    code: str,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    grader: Grader | None = None,
    grade_missing: bool = False,
) -> list[GradebookRow]:
    """The gradebook (instructor only): one row per roster entry or joined trainee, by trainee id.

    Reads stored grades only (attempts are graded when handed in, or by the sweeper once their time is
    up); a finished attempt without grades yet has no total. ``grade_missing`` grades those here first.
    """
    store, now = store or get_store(), utcnow(now)
    if grade_missing:
        grade_pending(code, now, store=store, grader=grader)
    with store.read() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        rows = gradebook_rows(s, exam, s.scalars(select(Attempt).where(Attempt.exam_code == exam.code)).all(), now)
        for tid, name in (exam.roster or {}).items():
            if tid not in rows:
                rows[tid] = build_row(tid, name, "not_started", None, None, _tasks_of(exam), {}, {})
    return [rows[tid] for tid in sorted(rows)]


def trainee_result(
    code: str,
    trainee_id: str,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    grader: Grader | None = None,
) -> GradebookRow | None:
    """The trainee's own scores and feedback, or ``None`` while they may not see them yet.

    ``instant`` policy: after hand-in (graded on first request); ``release``: once released.
    """
    store, now = store or get_store(), utcnow(now)
    with store.read() as s:
        exam, attempt = exam_attempt(s, code, trainee_id)
        if status_at(attempt, now) == "in_progress":
            return None
        if exam.feedback_policy != "instant" and not exam.released:
            return None
        has_grades = bool(current_grades(s, [attempt.id]))
        if has_grades:
            return gradebook_row(s, exam, attempt, now)
    return grade_attempt(code, trainee_id, now, store=store, grader=grader, only_if_ungraded=True)
