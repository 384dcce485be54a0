"""Answer keys, grading to 百分制 (pass at 60), and self-tests of scenarios.

The key is computed from the trainee's own data; grading parses each answer first (a format problem is
``invalid`` and costs nothing), then checks it and assembles feedback in the reader's language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator import tasks as registry
from simulator.assessment.brief import brief_problems, grouping_problems
from simulator.assessment.datasets import generate_datasets
from simulator.assessment.scenario import Problem, Scenario, ScenarioError, TaskSpec, load_scenario
from simulator.core.cache import BoundedCache, plain_copy
from simulator.core.forms import Number
from simulator.core.i18n import Msg, msg, render_all
from simulator.core.results import AnswerFormatError, Check, TaskContext
from simulator.core.seeding import derive_seed
from simulator.engine import numbers
from simulator.tasks.base import Made, TaskKind

DEFAULT_ANSWER_CHARS = 1_000_000
"""Characters one answer may have when its kind sets no ``MAX_ANSWER_CHARS`` (tables, mappings)."""
"""The limit for multi-field and table kinds: all texts of the answer together (a table given as
``{"columns", "rows"}`` counts its cells; uploaded files are bounded by :mod:`simulator.engine.uploads`)."""


@dataclass
class TaskResult:
    """One task's grade."""

    id: str
    score: float
    """Points earned (of ``max_score``)."""
    max_score: float
    status: str
    """correct, partial, wrong, invalid or ungraded."""
    feedback: list[Msg] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    """For the app: wrong cells of a table and similar (never key values)."""

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"id": self.id, "score": self.score, "max_score": self.max_score, "status": self.status,
                "feedback": render_all(self.feedback, lang)}


@dataclass
class GradeResult:
    """A whole answers file's grade."""

    scenario: str
    trainee: str
    tasks: list[TaskResult]
    total_points: float
    pass_mark: float

    @property
    def score(self) -> float:
        """Out of 100 (百分制)."""
        earned = sum(t.score for t in self.tasks)
        return round(100 * earned / self.total_points, 2) if self.total_points else 0.0

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark - 1e-9

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"scenario": self.scenario, "trainee": self.trainee, "score": self.score, "max_score": 100,
                "passed": self.passed, "tasks": [t.as_dict(lang) for t in self.tasks]}


def _context(scenario: Scenario, lang: str = "zh", base_dir: Path | None = None,
             exam: bool = False) -> TaskContext:
    """The context tasks are checked in; a stated precision is strict in exams whatever the scenario says."""
    strict = exam or scenario.precision_rule == "strict" or scenario.duration_minutes is not None
    return TaskContext(lang=lang, tolerance=scenario.tolerance, base_dir=base_dir, scenario=scenario,
                       strict_precision=strict)


log = logging.getLogger("simulator.assessment.grading")
INPUT_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError, RecursionError,
                OSError)
"""What reading or checking an answer of an unexpected shape can raise (a list where a number belongs, a
mapping without its fields): such an answer is a format problem for the trainee, logged for developers."""

_keys: BoundedCache[dict[str, Any]] = BoundedCache("grading.keys", size=256, copy=plain_copy)
"""(scenario id, digest, trainee) → ``{"key": key document, "questions": task id → public question}``;
every caller gets its own copy, so changing what it got changes nothing cached."""


def _documents(sc: Scenario, trainee_id: str) -> dict[str, Any]:
    """The key document and every task's public question, made together (cached per trainee)."""
    return _keys.get((sc.id, sc.digest, str(trainee_id)), lambda: _build(sc, str(trainee_id)))


def _build(sc: Scenario, trainee_id: str) -> dict[str, Any]:
    """What :func:`_documents` caches, made afresh."""
    data = generate_datasets(sc, str(trainee_id))
    ctx = _context(sc)
    entries, questions = [], {}
    for i, task in enumerate(sc.tasks):
        module = registry.get(task.kind)
        params = module.Params(**task.params)
        made = _make(module, params, data, ctx, sc, i, str(trainee_id))
        entries.append({"id": task.id, "kind": task.kind, "points": task.points, "skills": task.skills,
                        "datasets": params.datasets(), "params": params.model_dump(mode="json"),
                        "answer": made.key})
        questions[task.id] = made.question
    key = {"scenario": sc.id, "trainee": str(trainee_id), "total_points": sc.total_points, "tasks": entries}
    return {"key": key, "questions": questions}


def answer_key(scenario: Scenario | str | Path, trainee_id: str) -> dict[str, Any]:
    """The key document (as ``simulator key --json`` prints): every task's params and answer."""
    return dict(_documents(load_scenario(scenario), trainee_id)["key"])


def public_questions(scenario: Scenario | str | Path, trainee_id: str) -> dict[str, dict[str, Any]]:
    """Task id → its public question for this trainee (what its answer form is drawn from; no key values).

    A copy: changing it changes nothing cached.
    """
    return dict(_documents(load_scenario(scenario), trainee_id)["questions"])


def _make(module: TaskKind, params: Any, data: Mapping[str, pd.DataFrame], ctx: TaskContext,
          sc: Scenario, index: int, trainee_id: str) -> Made:
    """One task's question and key; a failure becomes a :class:`ScenarioError` naming the task and the trainee.

    Data can be degenerate for some trainee (a filter that keeps no rows, an A/B arm without a single
    conversion): the scenario needs fixing, and the author is told where instead of seeing a traceback.
    """
    try:
        return module.make(params, data, ctx)
    except Exception as exc:  # noqa: BLE001 — any failure here is the scenario's, reported in words
        where = str(sc.path) if sc.path else sc.id
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problem = Problem(where, 1, f"tasks[{index}] ({sc.tasks[index].id})",
                          f"the key cannot be computed for trainee {trainee_id!r}: {reason}")
        raise ScenarioError([problem]) from exc


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, dict) and not raw)


def answer_size(raw: Any, limit: int) -> int:
    """Characters of an answer's texts (8 per other value), counting no further than ``limit + 1``.

    >>> answer_size({"a": "12", "b": ["x", 3]}, 100)  # a, b, 12, x: 5 characters; 3: 8
    13
    """
    total, stack = 0, [raw]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            total += 8
    return total


def grade_task(task: TaskSpec, entry: dict[str, Any], raw: Any, ctx: TaskContext) -> TaskResult:
    """Parses and checks one answer against its key entry."""
    module = registry.get(task.kind)
    params = module.Params(**task.params)
    if is_blank(raw):
        return TaskResult(task.id, 0.0, task.points, "wrong", [msg("grade.no_answer")])
    limit = registry.max_answer_chars(task.kind) or DEFAULT_ANSWER_CHARS
    if isinstance(raw, str | dict | list | tuple) and answer_size(raw, limit) > limit:
        return TaskResult(task.id, 0.0, task.points, "invalid", [msg("grade.too_long", limit=f"{limit:,}")])
    try:
        parsed = module.parse(raw, params, ctx)
        result: Check = module.check(entry["answer"], parsed, params, ctx)
    except AnswerFormatError as exc:
        return TaskResult(task.id, 0.0, task.points, "invalid", [exc.message])
    except INPUT_ERRORS:
        log.warning("task %s (%s): an answer of type %s could not be read", task.id, task.kind,
                    type(raw).__name__, exc_info=True)
        return TaskResult(task.id, 0.0, task.points, "invalid", [msg("grade.unreadable")])
    fraction = min(1.0, max(0.0, float(result.fraction)))
    return TaskResult(task.id, round(task.points * fraction, 2), task.points, result.final_status(),
                      list(result.feedback), dict(result.details))


def grade_detailed(scenario: Scenario | str | Path, trainee_id: str, answers: dict[str, Any],
                   base_dir: Path | None = None, lang: str = "zh", exam: bool = False) -> GradeResult:
    """Grades ``answers`` (task id → raw answer) for a trainee; unknown task ids are ignored.

    ``exam``: grading an exam attempt, where a stated precision is always strict.
    """
    sc = load_scenario(scenario)
    key = answer_key(sc, trainee_id)
    ctx = _context(sc, lang, base_dir, exam)
    results = [grade_task(task, entry, answers.get(task.id), ctx)
               for task, entry in zip(sc.tasks, key["tasks"], strict=True)]
    return GradeResult(sc.id, str(trainee_id), results, sc.total_points, sc.pass_mark)


def grade(scenario: Scenario | str | Path, trainee_id: str, answers: dict[str, Any],
          base_dir: Path | None = None, lang: str = "zh", exam: bool = False) -> dict[str, Any]:
    """The grade document (as ``simulator grade --json`` prints)."""
    return grade_detailed(scenario, trainee_id, answers, base_dir, lang, exam).as_dict(lang)


# --------------------------------------------------------------------------- selftest

@dataclass
class TaskMargin:
    """How far one task's misconceptions lie from its key, over the trainee ids of a selftest."""

    task: str
    kind: str
    smallest: float | None = None
    """The smallest margin (distance ÷ accepting width) of a misconception that is told apart."""
    where: str = ""
    """Trainee, field and misconception of the smallest margin."""
    tested: int = 0
    """(trainee, number, misconception) values told apart from the key: those are named when matched."""
    untested: dict[str, int] = field(default_factory=dict)
    """Misconception → how many of its values coincide with the key (not tested for that trainee)."""

    def add(self, trainee: str, found: list[numbers.Separation]) -> None:
        for s in found:
            if not s.tested:
                self.untested[s.misconception] = self.untested.get(s.misconception, 0) + 1
                continue
            self.tested += 1
            if self.smallest is None or s.margin < self.smallest:
                self.smallest, self.where = s.margin, f"{trainee} {s.where} {s.misconception}"

    def line(self) -> str:
        """``t3 (metric): 400 tested, smallest margin 8.62× (selftest-2 value misc.filter_ignored); not tested
        (same as the key at the asked precision): misc.mean_of_ratios.day ×3``."""
        if not self.tested and not self.untested:
            return f"{self.task} ({self.kind}): names no misconception"
        text = f"{self.task} ({self.kind}): {self.tested} tested"
        if self.smallest is not None:
            text += f", smallest margin {self.smallest:.3g}× ({self.where})"
        if self.untested:
            items = ", ".join(f"{k} ×{n}" for k, n in sorted(self.untested.items()))
            text += f"; not tested (same as the key at the asked precision): {items}"
        return text


@dataclass
class SelftestReport:
    """What ``simulator selftest`` found for one scenario."""

    scenario: str
    seeds: int
    failures: list[str] = field(default_factory=list)
    margins: dict[str, TaskMargin] = field(default_factory=dict)
    """Per task id: how well its misconceptions are told apart from the key."""

    @property
    def ok(self) -> bool:
        return not self.failures


def selftest(scenario: Scenario | str | Path, seeds: int = 5) -> SelftestReport:
    """For ``seeds`` trainee ids: the key scores full marks, a perturbed key less, malformed is invalid;
    every misconception a task names is told apart from the key or reported as not tested; and the data
    agree with the brief, with enough groups in every report grouping (:mod:`simulator.assessment.brief`)."""
    sc = load_scenario(scenario)
    report = SelftestReport(sc.id, seeds, margins={t.id: TaskMargin(t.id, t.kind) for t in sc.tasks})
    ctx = _context(sc)
    for i in range(seeds):
        trainee = f"selftest-{i + 1}"
        try:
            key = answer_key(sc, trainee)
        except ScenarioError as exc:
            report.failures += [str(p) for p in exc.problems]
            continue
        report.failures += brief_problems(sc, generate_datasets(sc, trainee), trainee)
        report.failures += grouping_problems(key, trainee)
        rng = np.random.default_rng(derive_seed("selftest", sc.id, trainee))
        for task, entry in zip(sc.tasks, key["tasks"], strict=True):
            report.failures += _selftest_task(task, entry, ctx, rng, trainee)
            found = _separations(task, entry, ctx)
            report.margins[task.id].add(trainee, found)
            report.failures += _named_not_full(task, entry, ctx, trainee, found)
    return report


def _named_not_full(task: TaskSpec, entry: dict[str, Any], ctx: TaskContext, trainee: str,
                    found: list[numbers.Separation]) -> list[str]:
    """One-number tasks: each tested misconception, typed as asked, is graded end to end: never full marks.

    A kind is one-number when its form is a single number that is the whole answer.
    """
    module = registry.get(task.kind)
    params = module.Params(**task.params)
    question = public_questions(ctx.scenario, trainee).get(task.id, {}) if ctx.scenario is not None else {}
    if not isinstance(module.form(params, question).whole, Number):
        return []
    spec = registry.probes(task.kind, entry["answer"], params)[0].spec
    out = []
    for s in found:
        if not s.tested:
            continue
        typed = numbers.format_number(s.value, spec.unit, spec.precision or 0)
        result = grade_task(task, entry, typed, ctx)
        if result.status == "correct":
            out.append(f"{trainee} {task.id}: {s.misconception} typed as {typed} scored full marks")
    return out


def _separations(task: TaskSpec, entry: dict[str, Any], ctx: TaskContext) -> list[numbers.Separation]:
    """The task's misconception values and their margins from the key (kinds with ``probes``)."""
    module = registry.get(task.kind)
    found = registry.probes(task.kind, entry["answer"], module.Params(**task.params))
    if not found:
        return []
    return numbers.separations(found, tolerance=ctx.tolerance, strict=ctx.strict_precision)


def _selftest_task(task: TaskSpec, entry: dict[str, Any], ctx: TaskContext, rng: np.random.Generator,
                   trainee: str) -> list[str]:
    module = registry.get(task.kind)
    params = module.Params(**task.params)
    answer = entry["answer"]
    where = f"{trainee} {task.id} ({task.kind})"
    problems = []
    full = grade_task(task, entry, module.as_raw(answer, params, ctx), ctx)
    if full.status == "ungraded":
        return []
    if full.status != "correct":
        problems.append(f"{where}: the key itself scored {full.status}: {render_all(full.feedback, 'en')}")
    worse = grade_task(task, entry, module.perturb(answer, params, ctx, rng), ctx)
    if worse.score >= full.score:
        problems.append(f"{where}: a perturbed key scored {worse.score}, not less than {full.score}")
    bad = grade_task(task, entry, module.malformed(params), ctx)
    if bad.status != "invalid":
        problems.append(f"{where}: a malformed answer graded {bad.status}, not invalid")
    return problems
