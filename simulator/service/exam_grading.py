"""Grading exam attempts from their stored raw answers, manual marks by several raters, regrading.

Re-exported by :mod:`simulator.service.exams`. A grader is ``grader(scenario_yaml, trainee_id, answers,
base_dir) -> grade JSON`` (the contract's ``simulator grade --json`` document); the default one runs the
engine on the exam's frozen scenario and also keeps each task's feedback as message keys and values
(``feedback_msgs``), so it can be shown in the reader's language. Uploaded files are written into
``base_dir`` and the answer is the file's name there.

Grading happens when an attempt is handed in, and for an attempt whose time ran out, when the sweeper
(:func:`start_sweeper`, run by the app) or anyone asking :func:`grade_due_soon` next finds it: both in a
background thread, idempotent (an attempt that already has grades is left alone). Reading results
(:func:`simulator.service.exams.results`) never grades.

Old grades stay in the store (``current = False``). A regrade is planned first (:func:`plan_regrade`:
which tasks the new version adds, removes or changes and whose scores move), refused for another
scenario id, needs the removed/changed task ids confirmed, is recorded with its before and after
(:class:`simulator.service.store.Regrade`) and can be undone in one step (:func:`undo_regrade`). Raw answers are
only ever read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from simulator.core.i18n import Msg, msg
from simulator.service.exams import (
    ExamError,
    UnknownExam,
    _clean_id,
    _find_attempt,
    _tasks_of,
    normalise_code,
    status_at,
    tasks_json,
)
from simulator.service.gradebook import (
    GradebookRow,
    ManualSummary,
    TaskGrade,
    TaskInfo,
    build_row,
    summarize_manual,
)
from simulator.service.scenario_source import describe_tasks, load_source, resolve_scenario
from simulator.service.store import (
    Answer,
    Attempt,
    Exam,
    Grade,
    ManualGrade,
    ManualGradeLog,
    Regrade,
    Store,
    Trainee,
    get_store,
    utcnow,
)

log = logging.getLogger(__name__)

Grader = Callable[[str, str, dict[str, Any], Path], dict[str, Any]]
"""``grader(scenario_yaml, trainee_id, answers, base_dir) -> grade JSON``."""

ADMIN_RATER = "admin"
"""The name marks by the administrator (the instructor password) are signed with."""
SWEEP_SECONDS_ENV = "SIMULATOR_GRADING_SWEEP_SECONDS"
"""How often the app's sweeper looks for attempts whose time ran out (default 15; 0 turns it off)."""
BACKGROUND_ENV = "SIMULATOR_BACKGROUND_GRADING"
"""``0`` turns off grading at hand-in (then results show such attempts as not graded yet)."""


@dataclass(frozen=True)
class GradeChange:
    """A task whose automatic grade differs after a regrade (``None`` where there was no grade)."""

    trainee_id: str
    task_id: str
    old_score: float | None
    new_score: float | None
    old_status: str | None
    new_status: str | None


class UnfinaliseWarning(ExamError):
    """A further mark would turn a settled (odd) number of raters into an even one."""


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


def engine_grader(
    yaml_text: str, trainee_id: str, answers: dict[str, Any], base_dir: Path, path: str | None = None
) -> dict[str, Any]:
    """The engine's grade document for the frozen scenario, each task with ``feedback_msgs`` added."""
    from simulator.assessment.grading import grade_detailed

    result = grade_detailed(load_source(yaml_text, path), trainee_id, answers, base_dir=base_dir)
    doc = result.as_dict("zh")
    for task, detail in zip(doc["tasks"], result.tasks, strict=True):
        task["feedback_msgs"] = [msg_to_json(m) for m in detail.feedback]
    return doc


def _grader_for(exam: Exam, grader: Grader | None) -> Grader:
    if grader is not None:
        return grader
    path = exam.source_path

    def run(yaml_text: str, trainee_id: str, answers: dict[str, Any], base_dir: Path) -> dict[str, Any]:
        return engine_grader(yaml_text, trainee_id, answers, base_dir, path)

    return run


# --- reading grades -----------------------------------------------------------------------------------


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


def _task_grade(g: Grade) -> TaskGrade:
    msgs: tuple[Msg, ...] = ()
    if g.feedback_msgs:
        try:
            msgs = tuple(msg_from_json(m) for m in g.feedback_msgs)
        except (KeyError, TypeError, AttributeError):
            msgs = ()
    return TaskGrade(g.task_id, g.score, g.max_score, g.status, g.feedback, None, msgs)


def _current_grades(s: Session, attempt_ids: list[int]) -> dict[int, dict[str, TaskGrade]]:
    out: dict[int, dict[str, TaskGrade]] = {}
    if not attempt_ids:
        return out
    query = select(Grade).where(Grade.attempt_id.in_(attempt_ids), Grade.current.is_(True))
    for g in s.scalars(query):
        assert g.attempt_id is not None
        out.setdefault(g.attempt_id, {})[g.task_id] = _task_grade(g)
    return out


def _manual(s: Session, attempt_ids: list[int]) -> dict[int, dict[str, ManualSummary]]:
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


def _rows(s: Session, exam: Exam, attempts: Sequence[Attempt], now: datetime) -> dict[str, GradebookRow]:
    """Gradebook rows of ``attempts`` with three queries in all (names, grades, manual marks)."""
    ids = [a.id for a in attempts]
    tids = [a.trainee_id for a in attempts]
    names = {t.id: t.name for t in s.scalars(select(Trainee).where(Trainee.id.in_(tids)))} if tids else {}
    auto, manual = _current_grades(s, ids), _manual(s, ids)
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


def _row(s: Session, exam: Exam, attempt: Attempt, now: datetime) -> GradebookRow:
    return _rows(s, exam, [attempt], now)[attempt.trainee_id]


# --- automatic grading --------------------------------------------------------------------------------


def _grade_json(exam: Exam, attempt: Attempt, rows: Sequence[Answer], grader: Grader | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="simulator-grade-") as tmp:
        answers = _answers_for_grading(rows, Path(tmp))
        return _grader_for(exam, grader)(exam.scenario_yaml, attempt.trainee_id, answers, Path(tmp))


def _store_grades(s: Session, exam: Exam, attempt: Attempt, result: dict[str, Any], now: datetime) -> list[Grade]:
    """Marks the attempt's current grades old and adds ``result``'s as current; returns the new rows."""
    s.execute(update(Grade).where(Grade.attempt_id == attempt.id, Grade.current.is_(True)).values(current=False))
    added = []
    for task in result.get("tasks", []):
        msgs = task.get("feedback_msgs")
        row = Grade(
            attempt_id=attempt.id, trainee_id=attempt.trainee_id, scenario_id=exam.scenario_id,
            scenario_version=exam.scenario_version, scenario_sha=exam.scenario_sha,
            task_id=str(task["id"]), score=float(task["score"]), max_score=float(task["max_score"]),
            status=str(task["status"]), feedback=_feedback_text(task.get("feedback")), graded_at=now,
            current=True, feedback_msgs=list(msgs) if isinstance(msgs, list) else None,
        )  # fmt: skip
        s.add(row)
        added.append(row)
    s.flush()
    return added


def grade_attempt(
    code: str,
    trainee_id: str,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    grader: Grader | None = None,
    only_if_ungraded: bool = False,
) -> GradebookRow:
    """Grades a finished attempt's stored raw answers and stores the grades with the scenario version.

    ``only_if_ungraded``: leave an attempt that has grades by the time they would be written alone
    (what background grading uses, so grading twice is harmless).
    """
    store, now = store or get_store(), utcnow(now)
    with store.read() as s:
        exam, attempt = _exam_attempt(s, code, trainee_id)
        if status_at(attempt, now) == "in_progress":
            raise ExamError(msg("exam.not_finished"))
        if only_if_ungraded and _current_grades(s, [attempt.id]):
            return _row(s, exam, attempt, now)
        rows = s.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    result = _grade_json(exam, attempt, rows, grader)
    with store.write() as s:
        exam, attempt = _exam_attempt(s, code, trainee_id, lock=True)
        if not (only_if_ungraded and _current_grades(s, [attempt.id])):
            _store_grades(s, exam, attempt, result, now)
        return _row(s, exam, attempt, now)


def _finished_ungraded(store: Store, code: str | None, now: datetime, everyone: bool) -> list[tuple[str, str]]:
    """``(exam code, trainee id)`` of finished attempts (without grades unless ``everyone``)."""
    with store.read() as s:
        query = select(Attempt).where(Attempt.submitted_at.is_not(None) | (Attempt.deadline <= now))
        if code is not None:
            query = query.where(Attempt.exam_code == normalise_code(code))
        attempts = s.scalars(query).all()
        graded = set() if everyone else set(_current_grades(s, [a.id for a in attempts]))
        return [(a.exam_code, a.trainee_id) for a in attempts if status_at(a, now) != "in_progress"
                and (everyone or a.id not in graded)]  # fmt: skip


def grade_pending(
    code: str, now: datetime | None = None, *, store: Store | None = None, grader: Grader | None = None
) -> list[GradebookRow]:
    """Grades every finished attempt that has no grade yet, here and now (idempotent)."""
    store, now = store or get_store(), utcnow(now)
    return [
        grade_attempt(c, tid, now, store=store, grader=grader, only_if_ungraded=True)
        for c, tid in _finished_ungraded(store, code, now, everyone=False)
    ]


def ungraded_count(code: str, now: datetime | None = None, *, store: Store | None = None) -> int:
    """Finished attempts of the exam still waiting for their automatic grade."""
    store = store or get_store()
    return len(_finished_ungraded(store, code, utcnow(now), everyone=False))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_QUEUED: dict[tuple[str, str, str], Future[Any]] = {}


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulator-grading")
        return _POOL


def _background_job(store: Store, code: str, trainee_id: str, now: datetime | None) -> None:
    try:
        grade_attempt(code, trainee_id, now, store=store, only_if_ungraded=True)
    except Exception:  # noqa: BLE001 - a grading failure must not kill the worker; the sweeper retries
        log.exception("background grading of %s/%s failed", code, trainee_id)


def grade_soon(code: str, trainee_id: str, *, store: Store | None = None, now: datetime | None = None) -> None:
    """Queues the attempt for grading in the background (no-op when it is queued already).

    Turned off by ``SIMULATOR_BACKGROUND_GRADING=0``.
    """
    if os.environ.get(BACKGROUND_ENV, "1").strip() == "0":
        return
    store = store or get_store()
    key = (store.url, normalise_code(code), _clean_id(trainee_id))
    with _POOL_LOCK:
        queued = _QUEUED.get(key)
        if queued is not None and not queued.done():
            return
    future = _pool().submit(_background_job, store, key[1], key[2], now)
    with _POOL_LOCK:
        _QUEUED[key] = future
        for done in [k for k, f in _QUEUED.items() if f.done()]:
            _QUEUED.pop(done, None)


def grade_due_soon(now: datetime | None = None, *, store: Store | None = None, code: str | None = None) -> int:
    """Queues every finished ungraded attempt (of ``code``, or of every exam); returns how many."""
    store = store or get_store()
    due = _finished_ungraded(store, code, utcnow(now), everyone=False)
    for exam_code, trainee_id in due:
        grade_soon(exam_code, trainee_id, store=store, now=now)
    return len(due)


def wait_for_grading(timeout: float = 60.0) -> bool:
    """Waits until the background queue is empty (tests, scripts); False when ``timeout`` ran out."""
    with _POOL_LOCK:
        pending = list(_QUEUED.values())
    for future in pending:
        try:
            future.result(timeout=timeout)
        except TimeoutError:
            return False
    return True


_SWEEPER: threading.Thread | None = None


def start_sweeper(store_factory: Callable[[], Store] = get_store) -> bool:
    """Starts (once per process) the thread that queues attempts whose time ran out; False if off."""
    global _SWEEPER
    try:
        every = float(os.environ.get(SWEEP_SECONDS_ENV, "15"))
    except ValueError:
        every = 15.0
    if every <= 0 or os.environ.get(BACKGROUND_ENV, "1").strip() == "0":
        return False
    with _POOL_LOCK:
        if _SWEEPER is not None and _SWEEPER.is_alive():
            return True
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                try:
                    grade_due_soon(store=store_factory())
                except Exception:  # noqa: BLE001 - keep sweeping after a database hiccup
                    log.exception("grading sweep failed")

        _SWEEPER = threading.Thread(target=loop, name="simulator-grading-sweeper", daemon=True)
        _SWEEPER.start()
    return True


# --- manual marks ---------------------------------------------------------------------------------------


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
        exam, attempt = _exam_attempt(s, code, trainee_id, lock=True)
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
        return _manual(s, [attempt.id])[attempt.id][task_id]


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
        _, attempt = _exam_attempt(s, code, trainee_id, lock=True)
        row = s.scalar(select(ManualGrade).where(
            ManualGrade.attempt_id == attempt.id, ManualGrade.task_id == task_id, ManualGrade.rater == rater
        ))  # fmt: skip
        if row is None:
            raise ExamError(msg("exam.no_own_mark"))
        _log(s, attempt, task_id, rater, "withdraw", row.score, None, str(reason), now)
        s.execute(delete(ManualGrade).where(ManualGrade.id == row.id))
        s.flush()
        return _manual(s, [attempt.id]).get(attempt.id, {}).get(task_id) or summarize_manual(task_id, {})


def mark_log(code: str, trainee_id: str, task_id: str, *, store: Store | None = None) -> list[MarkLogEntry]:
    """The audit trail of one task's manual marks, oldest first."""
    store = store or get_store()
    with store.read() as s:
        _, attempt = _exam_attempt(s, code, trainee_id)
        query = select(ManualGradeLog).where(
            ManualGradeLog.attempt_id == attempt.id, ManualGradeLog.task_id == task_id
        ).order_by(ManualGradeLog.id)  # fmt: skip
        return [MarkLogEntry(r.rater, r.action, r.old_score, r.new_score, r.comment, r.at) for r in s.scalars(query)]


def manual_summary(code: str, trainee_id: str, task_id: str, *, store: Store | None = None) -> ManualSummary:
    """The raters' scores for one task so far (empty when nobody rated it)."""
    store = store or get_store()
    with store.read() as s:
        _, attempt = _exam_attempt(s, code, trainee_id)
        return _manual(s, [attempt.id]).get(attempt.id, {}).get(task_id) or summarize_manual(task_id, {})


def manual_summaries(code: str, task_id: str, *, store: Store | None = None) -> dict[str, ManualSummary]:
    """Every attempt's raters' scores for one task, by trainee id (one query; read fresh each call)."""
    store = store or get_store()
    with store.read() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.exam_code == normalise_code(code))).all()
        by_attempt = _manual(s, [a.id for a in attempts])
        return {a.trainee_id: by_attempt.get(a.id, {}).get(task_id) or summarize_manual(task_id, {}) for a in attempts}


def auto_grades(code: str, task_id: str, *, store: Store | None = None) -> dict[str, TaskGrade]:
    """The automatic check of one task per trainee (e.g. a written answer marked too short)."""
    store = store or get_store()
    with store.read() as s:
        attempts = s.scalars(select(Attempt).where(Attempt.exam_code == normalise_code(code))).all()
        grades = _current_grades(s, [a.id for a in attempts])
        return {a.trainee_id: grades[a.id][task_id] for a in attempts if task_id in grades.get(a.id, {})}


# --- regrading --------------------------------------------------------------------------------------------

_EXAM_FIELDS = ("scenario_id", "scenario_version", "scenario_sha", "scenario_yaml", "source_path", "tasks")


@dataclass(frozen=True)
class TotalChange:
    """A trainee whose total (out of 100) or pass/fail moves with a regrade."""

    trainee_id: str
    name: str
    old_total: float | None
    new_total: float | None
    old_passed: bool | None
    new_passed: bool | None


@dataclass(frozen=True)
class RegradePlan:
    """What a regrade would do, computed before anything changes (see :func:`plan_regrade`)."""

    code: str
    old_scenario: tuple[str, int | None]
    new_scenario: tuple[str, int | None]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    """Tasks in both versions whose kind, points, skills or parameters differ."""
    changes: tuple[GradeChange, ...]
    totals: tuple[TotalChange, ...]
    old_sha: str
    new_fields: dict[str, Any] | None = None
    """The exam's new scenario fields; ``None`` regrades against the frozen copy."""
    results: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Each finished attempt's new grade document, by trainee id (server side only)."""

    @property
    def needs_confirmation(self) -> tuple[str, ...]:
        """Task ids the instructor must confirm by name: removed or changed ones."""
        return tuple(sorted(set(self.removed) | set(self.changed)))


@dataclass(frozen=True)
class RegradeRecord:
    """One recorded regrade (or undo) of an exam."""

    id: int
    at: datetime
    by: str
    kind: str
    summary: dict[str, Any]
    undone_at: datetime | None


def _yaml_tasks(yaml_text: str) -> dict[str, dict[str, Any]]:
    try:
        doc = yaml.safe_load(yaml_text)
    except yaml.YAMLError:
        return {}
    tasks = doc.get("tasks") if isinstance(doc, dict) else None
    return {str(t.get("id")): t for t in tasks or [] if isinstance(t, dict)}


def _task_signature(info: TaskInfo, raw: dict[str, Any] | None) -> tuple[Any, ...]:
    params = json.dumps((raw or {}).get("params"), sort_keys=True, default=str, ensure_ascii=False)
    return (info.kind, float(info.points), tuple(info.skills), params)


def task_diff(old_tasks: Sequence[TaskInfo], old_yaml: str, new_tasks: Sequence[TaskInfo],
              new_yaml: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``(added, removed, changed)`` task ids between two versions of an exam's scenario."""
    old = {t.id: t for t in old_tasks}
    new = {t.id: t for t in new_tasks}
    old_raw, new_raw = _yaml_tasks(old_yaml), _yaml_tasks(new_yaml)
    added = tuple(i for i in new if i not in old)
    removed = tuple(i for i in old if i not in new)
    changed = tuple(
        i for i in old
        if i in new and _task_signature(old[i], old_raw.get(i)) != _task_signature(new[i], new_raw.get(i))
    )  # fmt: skip
    return added, removed, changed


def _exam_fields(exam: Exam) -> dict[str, Any]:
    return {name: getattr(exam, name) for name in _EXAM_FIELDS}


def plan_regrade(
    code: str,
    scenario: str | None = None,
    *,
    version: int | None = None,
    tasks: list[TaskInfo] | None = None,
    now: datetime | None = None,
    store: Store | None = None,
    grader: Grader | None = None,
) -> RegradePlan:
    """Grades every finished attempt against ``scenario`` (default: the frozen copy) without storing.

    Refuses (:class:`ExamError`) a scenario whose id is not the exam's. Nothing is written.
    """
    store, now = store or get_store(), utcnow(now)
    with store.read() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        attempts = [a for a in s.scalars(select(Attempt).where(Attempt.exam_code == exam.code))
                    if status_at(a, now) != "in_progress"]  # fmt: skip
        answers = {a.id: s.scalars(select(Answer).where(Answer.attempt_id == a.id)).all() for a in attempts}
        before_rows = _rows(s, exam, attempts, now)
        before_auto = _current_grades(s, [a.id for a in attempts])
        manual = _manual(s, [a.id for a in attempts])
        s.expunge(exam)
    old_tasks = list(_tasks_of(exam))
    new_fields = None
    if scenario is not None:
        source = resolve_scenario(scenario, version=version, store=store)
        if source.scenario_id != exam.scenario_id:
            raise ExamError(msg("exam.regrade_other_scenario", exam=exam.scenario_id, other=source.scenario_id[:100]))
        task_list = list(tasks) if tasks is not None else describe_tasks(source)
        new_fields = dict(
            scenario_id=source.scenario_id, scenario_version=source.version,
            scenario_sha=hashlib.sha256(source.yaml_text.encode("utf-8")).hexdigest(),
            scenario_yaml=source.yaml_text, source_path=str(source.path) if source.path else None,
            tasks=tasks_json(task_list),
        )  # fmt: skip
    target = Exam(**{**_exam_fields(exam), **(new_fields or {})})
    new_tasks = list(_tasks_of(target))
    added, removed, changed = task_diff(old_tasks, exam.scenario_yaml, new_tasks, target.scenario_yaml)
    results = {a.trainee_id: _grade_json(target, a, answers[a.id], grader) for a in attempts}
    changes: list[GradeChange] = []
    totals: list[TotalChange] = []
    for a in sorted(attempts, key=lambda x: x.trainee_id):
        old = before_auto.get(a.id, {})
        new = {str(t["id"]): t for t in results[a.trainee_id].get("tasks", [])}
        for task_id in sorted(set(old) | set(new)):
            o, n = old.get(task_id), new.get(task_id)
            if (o and (o.score, o.status)) != (n and (float(n["score"]), str(n["status"]))):
                changes.append(GradeChange(
                    a.trainee_id, task_id, o.score if o else None, float(n["score"]) if n else None,
                    o.status if o else None, str(n["status"]) if n else None,
                ))  # fmt: skip
        new_auto = {tid: TaskGrade(tid, float(n["score"]), float(n["max_score"]), str(n["status"]))
                    for tid, n in new.items()}  # fmt: skip
        before = before_rows[a.trainee_id]
        after = build_row(a.trainee_id, before.name, before.status, a.started_at, a.submitted_at, new_tasks,
                          new_auto, manual.get(a.id, {}))  # fmt: skip
        if (before.total, before.passed) != (after.total, after.passed):
            totals.append(TotalChange(a.trainee_id, before.name, before.total, after.total, before.passed,
                                      after.passed))  # fmt: skip
    return RegradePlan(
        exam.code, (exam.scenario_id, exam.scenario_version), (target.scenario_id, target.scenario_version),
        added, removed, changed, tuple(changes), tuple(totals), exam.scenario_sha, new_fields, results,
    )  # fmt: skip


def apply_regrade(
    plan: RegradePlan,
    confirm: Iterable[str] = (),
    *,
    by: str = "",
    now: datetime | None = None,
    store: Store | None = None,
) -> list[GradeChange]:
    """Stores a planned regrade and records it; removed/changed tasks must all be named in ``confirm``."""
    store, now = store or get_store(), utcnow(now)
    missing = [t for t in plan.needs_confirmation if t not in {str(c).strip() for c in confirm}]
    if missing:
        raise ExamError(msg("exam.regrade_confirm", tasks=", ".join(plan.needs_confirmation)))
    with store.write() as s:
        exam = s.get(Exam, plan.code)
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        if exam.scenario_sha != plan.old_sha:
            raise ExamError(msg("exam.regrade_stale"))
        attempts = {a.trainee_id: a for a in s.scalars(select(Attempt).where(Attempt.exam_code == exam.code))}
        graded = [attempts[tid] for tid in plan.results if tid in attempts]
        before_ids = [g.id for g in s.scalars(select(Grade).where(
            Grade.attempt_id.in_([a.id for a in graded]), Grade.current.is_(True)))]  # fmt: skip
        before = {"exam": _exam_fields(exam), "grade_ids": before_ids}
        for name, value in (plan.new_fields or {}).items():
            setattr(exam, name, value)
        after_ids: list[int] = []
        for a in graded:
            after_ids += [g.id for g in _store_grades(s, exam, a, plan.results[a.trainee_id], now)]
        summary = {
            "from": list(plan.old_scenario), "to": list(plan.new_scenario), "added": list(plan.added),
            "removed": list(plan.removed), "changed": list(plan.changed), "grade_changes": len(plan.changes),
            "total_changes": len(plan.totals), "attempts": len(graded),
        }  # fmt: skip
        s.add(Regrade(exam_code=exam.code, at=now, by=str(by)[:100], kind="regrade", before=before,
                      after={"exam": _exam_fields(exam), "grade_ids": after_ids}, summary=summary))  # fmt: skip
    return list(plan.changes)


def regrade(
    code: str,
    scenario: str | None = None,
    *,
    version: int | None = None,
    tasks: list[TaskInfo] | None = None,
    confirm: Iterable[str] = (),
    by: str = "",
    now: datetime | None = None,
    store: Store | None = None,
    grader: Grader | None = None,
) -> list[GradeChange]:
    """Plans and applies a regrade in one go (see :func:`plan_regrade`, :func:`apply_regrade`).

    Returns the task grades that changed, by trainee and task.
    """
    store = store or get_store()
    plan = plan_regrade(code, scenario, version=version, tasks=tasks, now=now, store=store, grader=grader)
    return apply_regrade(plan, confirm, by=by, now=now, store=store)


def regrade_history(code: str, *, store: Store | None = None) -> list[RegradeRecord]:
    """The exam's regrades and undos, newest first."""
    store = store or get_store()
    with store.read() as s:
        query = select(Regrade).where(Regrade.exam_code == normalise_code(code)).order_by(Regrade.id.desc())
        return [RegradeRecord(r.id, r.at, r.by, r.kind, dict(r.summary), r.undone_at) for r in s.scalars(query)]


def undo_regrade(code: str, *, by: str = "", now: datetime | None = None, store: Store | None = None) -> RegradeRecord:
    """Puts back the exam's scenario and grades as they were before its latest regrade not undone yet."""
    store, now = store or get_store(), utcnow(now)
    with store.write() as s:
        exam = s.get(Exam, normalise_code(code))
        if exam is None:
            raise UnknownExam(msg("exam.unknown_code"))
        last = s.scalar(select(Regrade).where(
            Regrade.exam_code == exam.code, Regrade.kind == "regrade", Regrade.undone_at.is_(None)
        ).order_by(Regrade.id.desc()).limit(1))  # fmt: skip
        if last is None:
            raise ExamError(msg("exam.nothing_to_undo"))
        current = {"exam": _exam_fields(exam), "grade_ids": list(last.after.get("grade_ids", []))}
        after_ids, before_ids = current["grade_ids"], list(last.before.get("grade_ids", []))
        if after_ids:
            s.execute(update(Grade).where(Grade.id.in_(after_ids)).values(current=False))
        if before_ids:
            s.execute(update(Grade).where(Grade.id.in_(before_ids)).values(current=True))
        for name, value in last.before["exam"].items():
            setattr(exam, name, value)
        last.undone_at = now
        summary = {"undoes": last.id, **{k: last.summary.get(k) for k in ("from", "to")}}
        undo = Regrade(exam_code=exam.code, at=now, by=str(by)[:100], kind="undo", before=current,
                       after={"exam": _exam_fields(exam), "grade_ids": before_ids}, summary=summary)  # fmt: skip
        s.add(undo)
        s.flush()
        return RegradeRecord(undo.id, undo.at, undo.by, undo.kind, dict(undo.summary), None)
