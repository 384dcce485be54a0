"""Grading exam attempts automatically from their stored raw answers, at hand-in or in the background.

A grader is ``grader(scenario_yaml, trainee_id, answers, base_dir) -> grade JSON`` (the contract's
``simulator grade --json`` document); the default one runs the engine on the exam's frozen scenario and
also keeps each task's feedback as message keys and values (``feedback_msgs``, see
:func:`simulator.service.exam_records.msg_to_json`), so it can be shown in the reader's language.
Uploaded files are written into ``base_dir`` and the answer is the file's name there.

Grading happens when an attempt is handed in, and for an attempt whose time ran out, when the sweeper
(:func:`start_sweeper`, run by the app) or anyone asking :func:`grade_due_soon` next finds it: both in a
background thread, idempotent (an attempt that already has grades is left alone). Reading results
(:func:`simulator.service.exam_admin.results`) never grades. Manual marks are in
:mod:`simulator.service.exam_marks`, regrading in :mod:`simulator.service.exam_regrade`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from simulator.core.i18n import msg
from simulator.service.exam_common import ExamError, _clean_id, normalise_code, status_at
from simulator.service.exam_records import current_grades, exam_attempt, gradebook_row, msg_to_json
from simulator.service.gradebook import GradebookRow
from simulator.service.scenario_source import load_source
from simulator.service.store import Answer, Attempt, Exam, Grade, Store, get_store, utcnow

log = logging.getLogger(__name__)

Grader = Callable[[str, str, dict[str, Any], Path], dict[str, Any]]
"""``grader(scenario_yaml, trainee_id, answers, base_dir) -> grade JSON``."""

SWEEP_SECONDS_ENV = "SIMULATOR_GRADING_SWEEP_SECONDS"
"""How often the app's sweeper looks for attempts whose time ran out (default 15; 0 turns it off)."""
BACKGROUND_ENV = "SIMULATOR_BACKGROUND_GRADING"
"""``0`` turns off grading at hand-in (then results show such attempts as not graded yet)."""


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


def _answers_for_grading(rows: Sequence[Answer], folder: Path) -> dict[str, Any]:
    """The stored answers as the grader takes them; uploaded files are written into ``folder``."""
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
    """A grade document's feedback (text or a list of lines) as one text."""
    if isinstance(feedback, list | tuple):
        return "\n".join(str(f) for f in feedback)
    return "" if feedback is None else str(feedback)


def grade_json(exam: Exam, attempt: Attempt, rows: Sequence[Answer], grader: Grader | None) -> dict[str, Any]:
    """``attempt``'s grade document from ``grader`` (default: the engine on the exam's scenario)."""
    with tempfile.TemporaryDirectory(prefix="simulator-grade-") as tmp:
        answers = _answers_for_grading(rows, Path(tmp))
        return _grader_for(exam, grader)(exam.scenario_yaml, attempt.trainee_id, answers, Path(tmp))


def store_grades(s: Session, exam: Exam, attempt: Attempt, result: dict[str, Any], now: datetime) -> list[Grade]:
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
        exam, attempt = exam_attempt(s, code, trainee_id)
        if status_at(attempt, now) == "in_progress":
            raise ExamError(msg("exam.not_finished"))
        if only_if_ungraded and current_grades(s, [attempt.id]):
            return gradebook_row(s, exam, attempt, now)
        rows = s.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    result = grade_json(exam, attempt, rows, grader)
    with store.write() as s:
        exam, attempt = exam_attempt(s, code, trainee_id, lock=True)
        if not (only_if_ungraded and current_grades(s, [attempt.id])):
            store_grades(s, exam, attempt, result, now)
        return gradebook_row(s, exam, attempt, now)


def _finished_ungraded(store: Store, code: str | None, now: datetime, everyone: bool) -> list[tuple[str, str]]:
    """``(exam code, trainee id)`` of finished attempts (without grades unless ``everyone``)."""
    with store.read() as s:
        query = select(Attempt).where(Attempt.submitted_at.is_not(None) | (Attempt.deadline <= now))
        if code is not None:
            query = query.where(Attempt.exam_code == normalise_code(code))
        attempts = s.scalars(query).all()
        graded = set() if everyone else set(current_grades(s, [a.id for a in attempts]))
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
