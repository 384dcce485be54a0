"""Gradebook rows, exports (CSV UTF-8 BOM, XLSX) and item analysis; pure functions over dataclasses.

:mod:`simulator.service.exams` reads the store and builds :class:`GradebookRow` objects with :func:`build_row`;
everything here works on those rows, so it can be tested with hand-made data.

Exports are safe against formula injection: a text cell starting with ``= + - @`` (also after spaces or a
line break, or full-width ``＝＋－＠``) or a tab or carriage return gets a leading ``'`` so Excel and WPS
show it as text instead of running it (:mod:`simulator.core.formula_guard`).

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise(-3.5)
-3.5
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.core.formula_guard import FORMULA_PREFIXES, neutralise  # noqa: F401 - re-exported
from simulator.core.i18n import Msg, t

PASS_MARK = 60.0
"""Scores are out of 100 (百分制); 60 passes."""
STATUSES = ("not_started", "in_progress", "submitted", "timed_out")


@dataclass(frozen=True)
class TaskInfo:
    """What an exam needs to know about a task (no answer, no params)."""

    id: str
    """Task id, e.g. ``t1``."""
    kind: str
    """Task kind, e.g. ``metric`` or ``free_text``."""
    points: float
    """Points the task is worth."""
    skills: tuple[str, ...] = ()
    """Skill codes of the national standard, e.g. ``("L3/6.1.4",)``."""


@dataclass(frozen=True)
class ManualSummary:
    """The raters' scores for one task of one attempt, and the final score once there are enough."""

    task_id: str
    scores: dict[str, float]
    """Score per rater."""
    comments: dict[str, str] = field(default_factory=dict)
    """Comment per rater."""
    final: float | None = None
    """Median of the scores, set only for an odd number of raters, at least 3."""
    spread: float | None = None
    """Highest minus lowest score (``None`` without scores)."""

    @property
    def complete(self) -> bool:
        """True once the final score is settled."""
        return self.final is not None


@dataclass(frozen=True)
class TaskGrade:
    """One task's score as the trainee and the gradebook see it (feedback never reveals the key)."""

    task_id: str
    score: float
    max_score: float
    status: str
    """``correct``, ``partial``, ``wrong``, ``invalid`` or ``ungraded`` (waiting for raters)."""
    feedback: str = ""
    manual: ManualSummary | None = None
    """Raters' scores when the task was marked by hand."""
    feedback_msgs: tuple[Msg, ...] = ()
    """The feedback as catalog messages (empty for grades stored before keys were kept)."""

    def feedback_in(self, lang: str | None) -> str:
        """The feedback in ``lang`` when its message keys are known, else the text as graded."""
        if self.feedback_msgs:
            return "\n".join(m.render(lang) for m in self.feedback_msgs)
        return self.feedback

    @property
    def pending(self) -> bool:
        """True while the task waits for raters (no settled score yet)."""
        return self.status == "ungraded"


@dataclass(frozen=True)
class GradebookRow:
    """One trainee's line in an exam's gradebook."""

    trainee_id: str
    name: str
    status: str
    """One of :data:`STATUSES`."""
    started_at: datetime | None
    submitted_at: datetime | None
    tasks: dict[str, TaskGrade]
    """Grades by task id (empty until graded)."""
    total: float | None
    """Sum of task scores; ``None`` until graded."""
    max_total: float
    """100 (scores are out of 100)."""
    passed: bool | None
    """``total >= 60``; ``None`` until graded."""
    pending_manual: bool = False
    """True while a hand-marked task still lacks its final score."""


def summarize_manual(
    task_id: str, scores: dict[str, float], comments: dict[str, str] | None = None
) -> ManualSummary:
    """Median and spread of raters' scores; final only for an odd number of raters, at least 3.

    >>> summarize_manual("t9", {"a": 6, "b": 8, "c": 7}).final
    7
    >>> summarize_manual("t9", {"a": 6, "b": 8}).final is None
    True
    """
    values = list(scores.values())
    final = statistics.median(values) if len(values) >= 3 and len(values) % 2 == 1 else None
    spread = max(values) - min(values) if values else None
    return ManualSummary(task_id, dict(scores), dict(comments or {}), final, spread)


def _status_for(score: float, max_score: float) -> str:
    if max_score > 0 and score >= max_score - 1e-9:
        return "correct"
    return "partial" if score > 0 else "wrong"


def effective_grade(task: TaskInfo, auto: TaskGrade | None, manual: ManualSummary | None) -> TaskGrade:
    """The grade that counts: the raters' final score when settled, else the automatic grade."""
    if manual is not None and manual.complete:
        final = float(manual.final or 0.0)
        feedback, msgs = (auto.feedback, auto.feedback_msgs) if auto else ("", ())
        return TaskGrade(task.id, final, task.points, _status_for(final, task.points), feedback, manual, msgs)
    if auto is None:
        return TaskGrade(task.id, 0.0, task.points, "ungraded", "", manual)
    return TaskGrade(
        auto.task_id, auto.score, auto.max_score, auto.status, auto.feedback, manual, auto.feedback_msgs
    )


def _scaled(grade: TaskGrade, factor: float) -> TaskGrade:
    if factor == 1.0:
        return grade
    return TaskGrade(
        grade.task_id, round(grade.score * factor, 2), round(grade.max_score * factor, 2), grade.status,
        grade.feedback, grade.manual, grade.feedback_msgs,
    )  # fmt: skip


def build_row(
    trainee_id: str,
    name: str,
    status: str,
    started_at: datetime | None,
    submitted_at: datetime | None,
    tasks: Sequence[TaskInfo],
    auto: dict[str, TaskGrade],
    manual: dict[str, ManualSummary],
    pass_mark: float = PASS_MARK,
) -> GradebookRow:
    """A gradebook row: automatic grades merged with settled manual scores, scaled to 100 (百分制).

    Task scores are multiplied by ``100 / total points`` (1 for the usual 100-point exam), so the task
    columns add up to the total. Without any grade the row has no total.
    """
    if not auto and not any(m.complete for m in manual.values()):
        return GradebookRow(trainee_id, name, status, started_at, submitted_at, {}, None, 100.0, None)
    points = sum(task.points for task in tasks)
    factor = 100.0 / points if points else 1.0
    grades = {
        task.id: _scaled(effective_grade(task, auto.get(task.id), manual.get(task.id)), factor)
        for task in tasks
    }
    total = round(sum(g.score for g in grades.values()), 2)
    pending = any(g.status == "ungraded" for g in grades.values())
    return GradebookRow(
        trainee_id, name, status, started_at, submitted_at, grades, total, 100.0, total >= pass_mark - 1e-9,
        pending,
    )  # fmt: skip


# --- export ---------------------------------------------------------------------------------------------


def _text_cell(value: Any) -> Any:
    """Line breaks as ``\n`` (XLSX turns a bare ``\r`` into ``\n`` anyway; both formats then agree)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


FINISHED = ("submitted", "timed_out")


def pending_tasks(row: GradebookRow) -> list[str]:
    """Task ids of the row still waiting for raters (their score and the total are provisional)."""
    return [task_id for task_id, grade in row.tasks.items() if grade.pending]


def provisional(row: GradebookRow) -> bool:
    """True while the row's total may still change: marks pending, or handed in but not graded yet."""
    return bool(pending_tasks(row)) or (row.total is None and row.status in FINISHED)


def _pending_cell(row: GradebookRow, lang: str | None) -> str | None:
    pending = pending_tasks(row)
    if row.total is None and row.status in FINISHED:
        return "grading" if lang is None else t("gradebook.grading", lang)
    if not pending:
        return None
    ids = ",".join(pending)
    return ids if lang is None else t("gradebook.pending_tasks", lang, tasks=ids)


def _passed_cell(row: GradebookRow, lang: str | None) -> Any:
    """``是``/``否`` (``yes``/``no``; JSON: true/false), decided only when every mark is in."""
    if row.passed is None:
        return None
    if provisional(row):
        return None if lang is None else t("gradebook.pending", lang)
    if lang is None:
        return row.passed
    return t("gradebook.yes" if row.passed else "gradebook.no", lang)


def table(
    rows: Iterable[GradebookRow], tasks: Sequence[TaskInfo], lang: str | None = None, tz: Any = None
) -> tuple[list[str], list[list[Any]]]:
    """``(headers, records)`` of the gradebook; ``lang=None`` keeps canonical English column names.

    Columns: trainee_id, name, status, one per task id, total, max_score, passed, submitted_at (UTC),
    pending. A task still waiting for raters shows 待评分 (``None`` without ``lang``) instead of a score,
    ``passed`` stays open (待评分 / ``None``) until every mark is in, and ``pending`` names the tasks
    that keep the total provisional (评分中 while the automatic grade is still being made).
    Times are UTC (the header says so); ``tz`` (a ``tzinfo``, for the screen) shows them in that zone
    instead, with its name in the header.
    """
    fixed = ["trainee_id", "name", "status"]
    tail = ["total", "max_score", "passed", "submitted_at", "pending"]
    label = (lambda c: c) if lang is None else (lambda c: t(f"gradebook.col.{c}", lang))
    headers = [label(c) for c in fixed] + [task.id for task in tasks] + [label(c) for c in tail]
    if tz is not None and lang is not None:
        zone = str(getattr(tz, "key", None) or tz.tzname(None) or "UTC")
        headers[-2] = f"{t('gradebook.col.handed_in', lang)} ({zone})"
    waiting = None if lang is None else t("gradebook.pending", lang)
    records = []
    for row in rows:
        status = row.status if lang is None else t(f"exam.status.{row.status}", lang)
        scores = [
            (waiting if row.tasks[task.id].pending else row.tasks[task.id].score) if task.id in row.tasks else None
            for task in tasks
        ]
        moment = row.submitted_at.astimezone(tz) if row.submitted_at and tz is not None else row.submitted_at
        when = moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None
        cells = [row.trainee_id, row.name, status, *scores, row.total, row.max_total, _passed_cell(row, lang), when,
                 _pending_cell(row, lang)]  # fmt: skip
        records.append([_text_cell(neutralise(cell)) for cell in cells])
    return headers, records


def to_csv_bytes(rows: Iterable[GradebookRow], tasks: Sequence[TaskInfo], lang: str | None = None) -> bytes:
    """The gradebook as CSV, UTF-8 with BOM (Excel opens it), formula-safe; empty cells for no value."""
    headers, records = table(rows, tasks, lang)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    writer.writerows([["" if cell is None else cell for cell in record] for record in records])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx_bytes(rows: Iterable[GradebookRow], tasks: Sequence[TaskInfo], lang: str | None = None) -> bytes:
    """The gradebook as an XLSX workbook (one sheet), text cells stored as text, never formulas."""
    from openpyxl import Workbook

    headers, records = table(rows, tasks, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = "gradebook"
    for r, record in enumerate([[neutralise(h) for h in headers], *records], start=1):
        for c, value in enumerate(record, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_gradebook(
    path: str | Path, rows: Sequence[GradebookRow], tasks: Sequence[TaskInfo], lang: str | None = None
) -> None:
    """Writes ``.csv`` or ``.xlsx`` by the file's suffix; other suffixes raise ``ValueError``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"unsupported gradebook format: {suffix or path.name}")
    data = to_csv_bytes(rows, tasks, lang) if suffix == ".csv" else to_xlsx_bytes(rows, tasks, lang)
    path.write_bytes(data)


# --- analysis -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemStats:
    """Per-task item analysis over the graded trainees."""

    task_id: str
    n: int
    """Trainees counted."""
    mean: float | None
    """Mean score in points."""
    share_correct: float | None
    """Share with full marks on the task."""
    discrimination: float | None
    """Upper-lower index: mean score share of the top 27 % by total minus that of the bottom 27 %."""


def graded(rows: Iterable[GradebookRow]) -> list[GradebookRow]:
    """Rows that have a total (graded attempts)."""
    return [row for row in rows if row.total is not None]


def _fraction(row: GradebookRow, task: TaskInfo) -> float:
    grade = row.tasks[task.id]
    return grade.score / grade.max_score if grade.max_score else 0.0


def item_analysis(rows: Iterable[GradebookRow], tasks: Sequence[TaskInfo]) -> list[ItemStats]:
    """Mean, share correct and discrimination index per task (groups of ``max(1, round(0.27 n))``)."""
    done = sorted(graded(rows), key=lambda r: (-(r.total or 0.0), r.trainee_id))
    n = len(done)
    size = max(1, round(0.27 * n))
    out = []
    for task in tasks:
        if n == 0:
            out.append(ItemStats(task.id, 0, None, None, None))
            continue
        mean = statistics.fmean(r.tasks[task.id].score for r in done)
        share = sum(r.tasks[task.id].status == "correct" for r in done) / n
        disc = None
        if n >= 2:
            upper = statistics.fmean(_fraction(r, task) for r in done[:size])
            lower = statistics.fmean(_fraction(r, task) for r in done[-size:])
            disc = round(upper - lower, 6)
        out.append(ItemStats(task.id, n, round(mean, 6), round(share, 6), disc))
    return out


def skill_mastery(rows: Iterable[GradebookRow], tasks: Sequence[TaskInfo]) -> dict[str, float]:
    """Share of available points earned per skill code, over the settled grades of graded trainees.

    A task with several skills counts towards each of them. A task still waiting for raters counts
    neither as earned nor as available (see :func:`skill_pending`), so ungraded is not shown as 0 %.
    """
    done = graded(rows)
    earned: dict[str, float] = {}
    possible: dict[str, float] = {}
    for task in tasks:
        settled = [r.tasks[task.id] for r in done if not r.tasks[task.id].pending]
        for skill in task.skills:
            earned[skill] = earned.get(skill, 0.0) + sum(g.score for g in settled)
            possible[skill] = possible.get(skill, 0.0) + sum(g.max_score for g in settled)
    return {s: round(earned[s] / possible[s], 6) for s in sorted(possible) if possible[s] > 0}


def skill_pending(rows: Iterable[GradebookRow], tasks: Sequence[TaskInfo]) -> dict[str, float]:
    """Share of each skill's available points (graded trainees) still waiting for raters."""
    done = graded(rows)
    waiting: dict[str, float] = {}
    possible: dict[str, float] = {}
    for task in tasks:
        grades = [r.tasks[task.id] for r in done]
        for skill in task.skills:
            waiting[skill] = waiting.get(skill, 0.0) + sum(g.max_score for g in grades if g.pending)
            possible[skill] = possible.get(skill, 0.0) + sum(g.max_score for g in grades)
    return {s: round(waiting[s] / possible[s], 6) for s in sorted(possible) if possible[s] > 0}


def score_distribution(
    rows: Iterable[GradebookRow], width: float = 10, top: float = 100
) -> list[tuple[float, float, int]]:
    """``[(low, high, count), …]`` of totals in bins ``[low, high)``; the last bin includes ``top``.

    >>> score_distribution([], width=50)
    [(0.0, 50.0, 0), (50.0, 100.0, 0)]
    """
    edges = []
    low = 0.0
    while low < top - 1e-9:
        edges.append((low, min(low + width, top)))
        low += width
    counts = [0] * len(edges)
    for row in graded(rows):
        index = min(int((row.total or 0.0) // width), len(edges) - 1)
        counts[max(index, 0)] += 1
    return [(lo, hi, c) for (lo, hi), c in zip(edges, counts, strict=True)]
