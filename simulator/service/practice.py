"""Practice progress in the store: trainees (restorable by id), the best score per task, and the last
answer typed and the last check's result, so a reload (F5) finds every task as it was.

Uses the store's ``Trainee`` and ``PracticeProgress`` tables (:mod:`simulator.service.store`); the
database is ``SIMULATOR_DATABASE_URL`` or the SQLite file under ``SIMULATOR_DATA_DIR``. Every function
takes an optional ``store`` (default :func:`~simulator.service.store.get_store`), so the practice pages
never run a query themselves.

>>> store = Store("sqlite://")
>>> remember_trainee("T9", "韩梅梅", store)
>>> record_check("T9", "sc", TaskResult("t1", 4.0, 10.0, "partial"), store, raw="0.25").best_score
4.0
>>> saved = load_progress("T9", "sc", store)["t1"]
>>> saved.attempts, saved.last_answer, known_name("T9", store)
(1, '0.25', '韩梅梅')
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.assessment.grading import TaskResult
from simulator.core.i18n import Msg
from simulator.service.store import PracticeProgress, Store, Trainee, get_store, utcnow

log = logging.getLogger("simulator.service.practice")


@dataclass(frozen=True)
class TaskProgress:
    """A trainee's record on one practice task."""

    task_id: str
    best_score: float
    max_score: float
    attempts: int
    last_status: str
    last_answer: Any = None
    """The last checked answer as typed (text, mapping or option list); None for an upload."""
    last_filename: str | None = None
    """The file of the last checked upload."""
    last_result: TaskResult | None = None
    """The last check's result (status, points, feedback, wrong-cell positions)."""


def _msg_json(value: Any) -> Any:
    """``value`` with every :class:`Msg` as ``{"$msg": key, "args": …}`` (JSON-ready)."""
    if isinstance(value, Msg):
        return {"$msg": value.key, "args": {k: _msg_json(v) for k, v in value.args.items()}}
    if isinstance(value, list | tuple):
        return [_msg_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _msg_json(v) for k, v in value.items()}
    return value


def _msg_back(value: Any) -> Any:
    """The inverse of :func:`_msg_json`."""
    if isinstance(value, dict) and "$msg" in value:
        return Msg(value["$msg"], {k: _msg_back(v) for k, v in value.get("args", {}).items()})
    if isinstance(value, list):
        return [_msg_back(v) for v in value]
    if isinstance(value, dict):
        return {k: _msg_back(v) for k, v in value.items()}
    return value


def result_to_json(result: TaskResult) -> str:
    """A check's result as JSON text (messages as catalog keys, so it renders in either language).

    >>> r = TaskResult("t1", 5.0, 10.0, "partial", [Msg("ui.answer.empty")], {"wrong_fields": ["ctr"]})
    >>> result_from_json(result_to_json(r)) == r
    True
    """
    return json.dumps({"id": result.id, "score": result.score, "max_score": result.max_score,
                       "status": result.status, "feedback": _msg_json(result.feedback),
                       "details": _msg_json(result.details)}, ensure_ascii=False, default=str)


def result_from_json(text: str | None) -> TaskResult | None:
    """The result saved by :func:`result_to_json`; None when there is none or it cannot be read."""
    if not text:
        return None
    try:
        data = json.loads(text)
        return TaskResult(str(data["id"]), float(data["score"]), float(data["max_score"]), str(data["status"]),
                          list(_msg_back(data.get("feedback") or [])), dict(_msg_back(data.get("details") or {})))
    except (ValueError, KeyError, TypeError):
        log.warning("a saved practice result could not be read")
        return None


def answer_to_json(raw: Any, filename: str | None = None) -> str | None:
    """The typed answer as JSON text; an upload keeps its file name only (bytes are not stored).

    >>> answer_to_json(b"csv bytes", "t.csv"), answer_to_json({"ctr": "5%"}), answer_to_json(None)
    ('{"file": "t.csv"}', '{"value": {"ctr": "5%"}}', None)
    """
    if isinstance(raw, bytes | bytearray):
        return json.dumps({"file": filename or ""}, ensure_ascii=False)
    if raw is None:
        return None
    try:
        return json.dumps({"value": raw}, ensure_ascii=False)
    except (TypeError, ValueError):
        return None


def _answer_back(text: str | None) -> tuple[Any, str | None]:
    """``(typed answer, upload file name)`` from :func:`answer_to_json`'s text."""
    if not text:
        return None, None
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    return (None, str(data["file"])) if "file" in data else (data.get("value"), None)


def known_name(trainee_id: str, store: Store | None = None) -> str | None:
    """The name saved for ``trainee_id``, or None when the id is new."""
    with (store or get_store()).read() as s:
        row = s.get(Trainee, trainee_id)
        return row.name if row is not None else None


def remember_trainee(trainee_id: str, name: str, store: Store | None = None) -> None:
    """Creates the trainee, or updates the name when a non-empty one is given."""
    with (store or get_store()).write() as s:
        row = s.get(Trainee, trainee_id)
        if row is None:
            s.add(Trainee(id=trainee_id, name=name))
        elif name and row.name != name:
            row.name = name


def _progress_row(s: Session, trainee_id: str, scenario_id: str, task_id: str,
                  max_score: float) -> PracticeProgress:
    """The trainee's row for one task, created (with the trainee, if new) when missing."""
    if s.get(Trainee, trainee_id) is None:
        s.add(Trainee(id=trainee_id, name=""))
        s.flush()
    row = s.scalars(select(PracticeProgress).where(
        PracticeProgress.trainee_id == trainee_id, PracticeProgress.scenario_id == scenario_id,
        PracticeProgress.task_id == task_id)).first()
    if row is None:
        row = PracticeProgress(trainee_id=trainee_id, scenario_id=scenario_id, task_id=task_id,
                               best_score=0.0, max_score=max_score, attempts=0, last_status="")
        s.add(row)
    return row


def record_check(trainee_id: str, scenario_id: str, result: TaskResult, store: Store | None = None, *,
                 raw: Any = None, filename: str | None = None) -> TaskProgress:
    """Counts one check of a task and keeps the best score; ``invalid`` answers cost no attempt.

    ``raw`` (the answer as submitted) and the result are kept as the task's last answer and result.
    """
    with (store or get_store()).write() as s:
        row = _progress_row(s, trainee_id, scenario_id, result.id, result.max_score)
        if result.status != "invalid":
            row.attempts = (row.attempts or 0) + 1
            row.best_score = max(row.best_score or 0.0, result.score)
        row.max_score = result.max_score
        row.last_status = result.status
        row.last_answer_json = answer_to_json(raw, filename)
        row.last_result_json = result_to_json(result)
        row.updated_at = utcnow()
        return _view(row)


def save_draft(trainee_id: str, scenario_id: str, task_id: str, max_score: float, raw: Any,
               store: Store | None = None) -> None:
    """Keeps an answer typed but not yet checked as the task's last answer (no attempt is counted).

    Uploads are not drafts: only a checked upload's file name is kept (by :func:`record_check`).
    """
    if isinstance(raw, bytes | bytearray):
        return
    with (store or get_store()).write() as s:
        row = _progress_row(s, trainee_id, scenario_id, task_id, max_score)
        row.last_answer_json = answer_to_json(raw)
        row.updated_at = utcnow()


def load_progress(trainee_id: str, scenario_id: str, store: Store | None = None) -> dict[str, TaskProgress]:
    """Task id → progress of ``trainee_id`` on ``scenario_id``."""
    with (store or get_store()).read() as s:
        rows = s.scalars(select(PracticeProgress).where(
            PracticeProgress.trainee_id == trainee_id, PracticeProgress.scenario_id == scenario_id)).all()
        return {row.task_id: _view(row) for row in rows}


def _view(row: PracticeProgress) -> TaskProgress:
    """The plain record of one progress row (read inside its session)."""
    answer, filename = _answer_back(row.last_answer_json)
    return TaskProgress(row.task_id, float(row.best_score or 0.0), float(row.max_score or 0.0),
                        int(row.attempts or 0), row.last_status or "", answer, filename,
                        result_from_json(row.last_result_json))
