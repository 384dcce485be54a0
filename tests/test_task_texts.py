"""Task texts match their data: every dataset and column a prompt names exists in the generated frames."""

from __future__ import annotations

import re
from functools import cache

import pytest

from simulator import generate_datasets, load_scenario
from simulator.assessment.scenario import shipped_paths
from simulator.assessment.tasksheet import task_text
from simulator.engine.labels import column_label, dataset_columns
from simulator.engine.selection import DERIVED, JOINED, PERIODS

SCENARIOS = [p.stem for p in shipped_paths()]
NAMED_DATASET = re.compile(r"(?:数据表|数据集|取自|\btable|\bdataset|take it from)\s*([a-z][a-z_0-9]*)")
SUMMED = re.compile(r"Σ\(?([^÷×)();;,,。]+)")


@cache
def frames(scenario_id: str) -> dict:
    return generate_datasets(load_scenario(scenario_id), "text-check", scale=0.2)


def _summed_columns(text: str) -> list[str]:
    """``Σ(likes+comments)`` → ["likes", "comments"]; ``Σsigned_gmv`` → ["signed_gmv"]."""
    return [c.strip() for m in SUMMED.finditer(text) for c in re.split(r"[+−-]", m.group(1)) if c.strip()]


def _resolve(name: str, lang: str, data: dict) -> set[str]:
    """The datasets that have a column shown as ``name`` (its canonical name in en, its label in zh)."""
    def shown(column: str, dataset: str) -> str:  # a zh label without its unit: 总观看时长(秒) → 总观看时长
        return column if lang == "en" else re.split(r"[((]", column_label(column, "zh", dataset))[0]

    found = {d for d, frame in data.items() for c in frame.columns if shown(c, d) == name}
    joined = {d for d, columns in JOINED.items() for c in columns if shown(c, d) == name}
    return found | ({f"{d}+ad_orders" for d in joined})  # a joined column: its source must be named too


@pytest.mark.parametrize("scenario_id", SCENARIOS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_summed_column_a_prompt_names_exists_in_a_dataset_it_names(scenario_id, lang):
    sc, data = load_scenario(scenario_id), frames(scenario_id)
    problems = []
    for task in sc.tasks:
        text = task_text(task, lang)
        named = set(NAMED_DATASET.findall(text)) & set(dataset_columns())
        assert named <= set(data), (task.id, named - set(data))
        named |= {f"{a}+{b}" for a in named for b in named}
        for column in _summed_columns(text):
            if not _resolve(column, lang, data) & named:
                problems.append(f"{task.id}: Σ{column} is in none of {sorted(named)}")
    assert not problems, problems


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_every_column_a_task_filters_groups_or_ranks_by_exists(scenario_id):
    sc, data = load_scenario(scenario_id), frames(scenario_id)
    for task in sc.tasks:
        params = sc.task_params(task)
        dataset = getattr(params, "dataset", None)
        if dataset not in data:
            continue
        allowed = set(data[dataset].columns) | DERIVED.get(dataset, set()) | set(PERIODS)
        by = getattr(params, "by", None) or []
        named = [*getattr(params, "filter", {}), *([by] if isinstance(by, str) else by),
                 *[getattr(params, a, None) for a in ("entity", "per")]]
        missing = [c for c in named if c and c not in allowed]
        assert not missing, (task.id, missing)


def test_the_two_texts_the_issue_named_are_fixed():
    sc = load_scenario("l4-traffic-ads")
    t7 = next(t for t in sc.tasks if t.id == "t7")
    assert "ad_orders" in task_text(t7, "zh") and "ad_orders" in task_text(t7, "en")
    sc = load_scenario("l3-data-analysis")
    t3 = next(t for t in sc.tasks if t.id == "t3")
    assert "双侧" in task_text(t3, "zh") and "onetail" not in task_text(t3, "zh") + task_text(t3, "en")
