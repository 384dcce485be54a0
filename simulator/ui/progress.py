"""Practice progress in the store: trainees (restorable by id) and the best score per task.

Uses the store's ``Trainee`` and ``PracticeProgress`` tables (:mod:`simulator.store`); the database is
``SIMULATOR_DATABASE_URL`` or the SQLite file under ``SIMULATOR_DATA_DIR`` (``./.simulator-data``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from simulator.grading import TaskResult
from simulator.store import PracticeProgress, Store, Trainee, get_store, utcnow


@dataclass(frozen=True)
class TaskProgress:
    """A trainee's record on one practice task."""

    task_id: str
    best_score: float
    max_score: float
    attempts: int
    last_status: str


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


def record_check(trainee_id: str, scenario_id: str, result: TaskResult,
                 store: Store | None = None) -> TaskProgress:
    """Counts one check of a task and keeps the best score; ``invalid`` answers cost no attempt."""
    with (store or get_store()).write() as s:
        if s.get(Trainee, trainee_id) is None:
            s.add(Trainee(id=trainee_id, name=""))
            s.flush()
        row = s.scalars(select(PracticeProgress).where(
            PracticeProgress.trainee_id == trainee_id, PracticeProgress.scenario_id == scenario_id,
            PracticeProgress.task_id == result.id)).first()
        if row is None:
            row = PracticeProgress(trainee_id=trainee_id, scenario_id=scenario_id, task_id=result.id,
                                   best_score=0.0, max_score=result.max_score, attempts=0, last_status="")
            s.add(row)
        if result.status != "invalid":
            row.attempts = (row.attempts or 0) + 1
            row.best_score = max(row.best_score or 0.0, result.score)
        row.max_score = result.max_score
        row.last_status = result.status
        row.updated_at = utcnow()
        return _view(row)


def load_progress(trainee_id: str, scenario_id: str, store: Store | None = None) -> dict[str, TaskProgress]:
    """Task id → progress of ``trainee_id`` on ``scenario_id``."""
    with (store or get_store()).read() as s:
        rows = s.scalars(select(PracticeProgress).where(
            PracticeProgress.trainee_id == trainee_id, PracticeProgress.scenario_id == scenario_id)).all()
        return {row.task_id: _view(row) for row in rows}


def _view(row: PracticeProgress) -> TaskProgress:
    return TaskProgress(row.task_id, float(row.best_score or 0.0), float(row.max_score or 0.0),
                        int(row.attempts or 0), row.last_status or "")
