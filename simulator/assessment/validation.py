"""``simulator validate``: every problem of a scenario file in one pass.

Loading (:func:`simulator.assessment.scenario.parse_scenario`) reports the schema and the cross-checks. Validation
goes one step further and computes each task's key for one sample trainee, so a filter that keeps no
rows or a brought file with text in a number column is reported now rather than at ``key`` time. When
the file has schema errors, the parts that are valid on their own (families, tasks) are still checked
this way, so fixing one mistake never just uncovers the next.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from simulator.assessment.scenario import (
    Problem,
    Scenario,
    ScenarioError,
    _line_for,
    _line_map,
    parse_scenario,
    source_problem,
    valid_parts,
)
from simulator.core import safeyaml

SAMPLE_TRAINEE = "validate-sample"
"""The trainee id whose data the keys are computed on."""


def problems_in(text: str, name: str, path: Path | None = None) -> list[Problem]:
    """Every problem of a scenario's text: schema, cross-checks, then keys that cannot be computed."""
    try:
        sc = parse_scenario(text, name, path)
    except ScenarioError as exc:
        problems = list(exc.problems)
    else:
        return _key_problems(sc, list(range(len(sc.tasks))), text, name)
    if any(p.field in ("(yaml)", "(file)", "(top level)", "datasets") for p in problems):
        return problems  # unreadable, or too big to generate: nothing more can be checked
    stand_in, kept = _stand_in(text, name, path)
    if stand_in is not None:
        problems += [p for p in _key_problems(stand_in, kept, text, name) if p not in problems]
    return problems


def _stand_in(text: str, name: str, path: Path | None) -> tuple[Scenario | None, list[int]]:
    """A scenario of the file's valid families, sources and tasks (placeholders for broken top-level
    fields), and the original index of each task kept; None when too little of it is valid."""
    data = safeyaml.load(text, finite=True)
    if not isinstance(data, dict):
        return None, []
    families, tasks = valid_parts(data)
    sources = cast(dict[str, Any], data.get("sources") if isinstance(data.get("sources"), dict) else {})
    good_sources = {k: v for k, v in sources.items() if isinstance(v, dict) and isinstance(v.get("file"), str)
                    and not source_problem(v["file"], path.parent if path else None)}
    if not tasks:
        return None, []
    seed = data.get("seed")
    doc: dict[str, Any] = {
        "id": "validate-stand-in", "title": {"zh": "-", "en": "-"}, "level": "L4", "direction": "数据分析",
        "context": {"zh": "-", "en": "-"}, "seed": seed if isinstance(seed, int) and 0 <= seed < 2**63 else 0,
        "datasets": families, "sources": good_sources, "tasks": [t.model_dump() for _, t in tasks]}
    try:
        stand_in = parse_scenario(safeyaml.yaml.safe_dump(doc, allow_unicode=True), name, path)
    except (ScenarioError, ValidationError):
        return None, []
    stand_in.digest = "stand-in-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return stand_in, [i for i, _ in tasks]


def _key_problems(sc: Scenario, index: list[int], text: str, name: str) -> list[Problem]:
    """Generates the sample trainee's data and computes every task's key; each failure is a problem."""
    from simulator import tasks as registry
    from simulator.assessment.datasets import generate_datasets
    from simulator.tasks.base import TaskContext

    lines = _line_map(text)
    try:
        data = generate_datasets(sc, SAMPLE_TRAINEE)
    except ScenarioError as exc:  # a brought file that does not read: its problems name file and row
        return list(exc.problems)
    except Exception as exc:  # noqa: BLE001 - parameters the generators cannot honour, reported in words
        reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return [Problem(name, _line_for(lines, ("datasets",)), "datasets",
                        f"the datasets cannot be generated (sample trainee {SAMPLE_TRAINEE!r}): {reason}")]
    ctx = TaskContext(tolerance=sc.tolerance, scenario=sc)
    problems = []
    for j, task in enumerate(sc.tasks):
        module = registry.get(task.kind)
        try:
            module.make(module.Params(**task.params), data, ctx)
        except Exception as exc:  # noqa: BLE001 - any failure is the scenario's, reported in words
            reason = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            loc = ("tasks", index[j], "params")
            problems.append(Problem(name, _line_for(lines, loc), f"tasks[{index[j]}].params",
                                    f"the key cannot be computed (sample trainee {SAMPLE_TRAINEE!r}): {reason}"))
    return problems
