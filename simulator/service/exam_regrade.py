"""Regrading an exam: plan (task diff, grade and total changes), apply, undo, history.

Old grades stay in the store (``current = False``). A regrade is planned first (:func:`plan_regrade`:
which tasks the new version adds, removes or changes and whose scores move), refused for another
scenario id, needs the removed/changed task ids confirmed, is recorded with its before and after
(:class:`simulator.service.store.Regrade`) and can be undone in one step (:func:`undo_regrade`). Raw
answers are only ever read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import select, update

from simulator.core.i18n import msg
from simulator.service.exam_common import ExamError, UnknownExam, _tasks_of, normalise_code, status_at, tasks_json
from simulator.service.exam_grading import Grader, grade_json, store_grades
from simulator.service.exam_records import current_grades, gradebook_rows, manual_marks
from simulator.service.gradebook import GradebookRow, ManualSummary, TaskGrade, TaskInfo, build_row
from simulator.service.scenario_source import describe_tasks, resolve_scenario
from simulator.service.store import Answer, Attempt, Exam, Grade, Regrade, Store, get_store, utcnow

_EXAM_FIELDS = ("scenario_id", "scenario_version", "scenario_sha", "scenario_yaml", "source_path", "tasks")


@dataclass(frozen=True)
class GradeChange:
    """A task whose automatic grade differs after a regrade (``None`` where there was no grade)."""

    trainee_id: str
    task_id: str
    old_score: float | None
    new_score: float | None
    old_status: str | None
    new_status: str | None


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


def _new_fields(exam: Exam, scenario: str, version: int | None, tasks: list[TaskInfo] | None,
                store: Store) -> dict[str, Any]:
    """The exam's scenario fields for ``scenario`` (:class:`ExamError` if it is another scenario id)."""
    source = resolve_scenario(scenario, version=version, store=store)
    if source.scenario_id != exam.scenario_id:
        raise ExamError(msg("exam.regrade_other_scenario", exam=exam.scenario_id, other=source.scenario_id[:100]))
    task_list = list(tasks) if tasks is not None else describe_tasks(source)
    return dict(
        scenario_id=source.scenario_id, scenario_version=source.version,
        scenario_sha=hashlib.sha256(source.yaml_text.encode("utf-8")).hexdigest(),
        scenario_yaml=source.yaml_text, source_path=str(source.path) if source.path else None,
        tasks=tasks_json(task_list),
    )  # fmt: skip


def _grade_changes(trainee_id: str, old: dict[str, TaskGrade], new: dict[str, dict[str, Any]]) -> list[GradeChange]:
    """The tasks whose score or status differs between the stored grades and a new grade document's."""
    changes = []
    for task_id in sorted(set(old) | set(new)):
        o, n = old.get(task_id), new.get(task_id)
        if (o and (o.score, o.status)) != (n and (float(n["score"]), str(n["status"]))):
            changes.append(GradeChange(
                trainee_id, task_id, o.score if o else None, float(n["score"]) if n else None,
                o.status if o else None, str(n["status"]) if n else None,
            ))  # fmt: skip
    return changes


def _total_change(a: Attempt, before: GradebookRow, new_tasks: list[TaskInfo], new: dict[str, dict[str, Any]],
                  manual: dict[str, ManualSummary]) -> TotalChange | None:
    """The trainee's total and pass/fail before and after, when either moves (manual marks kept)."""
    new_auto = {tid: TaskGrade(tid, float(n["score"]), float(n["max_score"]), str(n["status"]))
                for tid, n in new.items()}  # fmt: skip
    after = build_row(a.trainee_id, before.name, before.status, a.started_at, a.submitted_at, new_tasks,
                      new_auto, manual)  # fmt: skip
    if (before.total, before.passed) == (after.total, after.passed):
        return None
    return TotalChange(a.trainee_id, before.name, before.total, after.total, before.passed, after.passed)


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
        before_rows = gradebook_rows(s, exam, attempts, now)
        before_auto = current_grades(s, [a.id for a in attempts])
        manual = manual_marks(s, [a.id for a in attempts])
        s.expunge(exam)
    new_fields = None if scenario is None else _new_fields(exam, scenario, version, tasks, store)
    target = Exam(**{**_exam_fields(exam), **(new_fields or {})})
    new_tasks = list(_tasks_of(target))
    added, removed, changed = task_diff(list(_tasks_of(exam)), exam.scenario_yaml, new_tasks, target.scenario_yaml)
    results = {a.trainee_id: grade_json(target, a, answers[a.id], grader) for a in attempts}
    changes: list[GradeChange] = []
    totals: list[TotalChange] = []
    for a in sorted(attempts, key=lambda x: x.trainee_id):
        new = {str(t["id"]): t for t in results[a.trainee_id].get("tasks", [])}
        changes += _grade_changes(a.trainee_id, before_auto.get(a.id, {}), new)
        total = _total_change(a, before_rows[a.trainee_id], new_tasks, new, manual.get(a.id, {}))
        if total is not None:
            totals.append(total)
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
            after_ids += [g.id for g in store_grades(s, exam, a, plan.results[a.trainee_id], now)]
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
