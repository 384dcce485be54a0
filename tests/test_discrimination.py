"""Over shipped scenarios: a misconception the key names never scores full marks, and feedback names a
mistake only when the answer matches it (one diagnosis per field)."""

from __future__ import annotations

import pytest

from simulator import answer_key, load_scenario
from simulator import tasks as registry
from simulator.assessment.grading import _context, grade_task
from simulator.assessment.scenario import shipped_paths
from simulator.core.misconceptions import canonical
from simulator.engine.numbers import format_number, matching_alternatives, separations, to_float

SCENARIOS = [p.stem for p in shipped_paths()]
IDS = [f"discrimination-{i}" for i in range(4)]


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_metric_misconceptions_typed_as_asked_are_wrong_and_named(scenario_id):
    sc = load_scenario(scenario_id)
    ctx = _context(sc)
    checked = 0
    for trainee in IDS:
        key = answer_key(sc, trainee)
        for task, entry in zip(sc.tasks, key["tasks"], strict=True):
            if task.kind != "metric":
                continue
            module = registry.get(task.kind)
            probe = module.probes(entry["answer"], module.Params(**task.params))[0]
            for s in separations([probe], tolerance=ctx.tolerance, strict=ctx.strict_precision):
                typed = format_number(s.value, probe.spec.unit, probe.spec.precision or 0)
                result = grade_task(task, entry, typed, ctx)
                if not s.tested:
                    continue
                checked += 1
                assert result.status == "wrong", (trainee, task.id, s.misconception, typed)
                # the mistake typed, or another one the typed answer matches just as well (two methods that
                # agree at the asked precision for this trainee): naming either is naming a mistake it matches
                same = set(matching_alternatives(to_float(typed), probe.key, entry["answer"]["misconceptions"],
                                                 unit=probe.spec.unit, tolerance=ctx.tolerance,
                                                 precision=probe.spec.precision, strict=ctx.strict_precision))
                assert len(result.feedback) == 1 and result.feedback[0].key in same | {s.misconception}, (
                    trainee, task.id, s.misconception, [m.key for m in result.feedback])
    assert checked or not any(t.kind == "metric" for t in sc.tasks)


@pytest.mark.parametrize("scenario_id", ["exam-l4-traffic", "l4-account-report"])
def test_a_value_three_percent_off_names_no_mistake_it_does_not_match(scenario_id):
    sc = load_scenario(scenario_id)
    ctx = _context(sc)
    for trainee in IDS:
        key = answer_key(sc, trainee)
        for task, entry in zip(sc.tasks, key["tasks"], strict=True):
            if task.kind != "metric":
                continue
            params = registry.get(task.kind).Params(**task.params)
            value = entry["answer"]["value"] * 1.03
            result = grade_task(task, entry, repr(value), ctx)
            alts = entry["answer"]["misconceptions"]
            for m in result.feedback:
                if m.key.startswith(("misc.", "metric.", "metrics.variant.")):
                    values = [v for k, vs in alts.items() if canonical(k) == m.key for v in vs if v is not None]
                    digits = params.digits()
                    assert any(abs(value - v) <= 10.0 ** -digits * (1 + 1e-9) for v in values), (
                        trainee, task.id, m.key)
