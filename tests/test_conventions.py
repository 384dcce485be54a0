"""Meta-tests that keep the project's conventions honest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import simulator
from simulator import tasks
from simulator.assessment.grading import selftest
from simulator.assessment.scenario import load_scenario, shipped_paths
from simulator.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = shipped_paths()


def test_public_api_matches_all():
    assert sorted(simulator.__all__) == sorted(
        ["Scenario", "ScenarioError", "answer_key", "generate_datasets", "grade", "load_scenario"])
    for name in simulator.__all__:
        assert callable(getattr(simulator, name))


@pytest.mark.parametrize("kind", tasks.kinds())
def test_each_kind_has_module_test_and_scenario(kind):
    module = tasks.get(kind)
    for name in ("Params", "make", "parse", "check", "form", "as_raw", "perturb", "malformed", "describe"):
        assert hasattr(module, name), f"simulator/tasks/{kind}.py lacks {name}"
    assert (ROOT / "tests" / "tasks" / f"test_{kind}.py").is_file(), f"tests/tasks/test_{kind}.py missing"
    used = {t.kind for path in SHIPPED for t in load_scenario(path).tasks}
    assert kind in used, f"no shipped scenario uses task kind {kind}"


def test_every_task_module_is_registered():
    files = {p.stem for p in (ROOT / "simulator" / "tasks").glob("*.py")} - {"__init__", "base"}
    assert files == set(tasks.kinds())


def test_shipped_scenarios_exist_and_ids_are_unique():
    ids = [load_scenario(p).id for p in SHIPPED]
    assert len(SHIPPED) >= 5 and len(ids) == len(set(ids))
    assert [p.stem for p in SHIPPED] == ids  # file name = id, so `simulator generate ID` finds it


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_selftests(path):
    report = selftest(load_scenario(path), seeds=3)
    assert report.ok, "\n".join(report.failures)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_points_and_duration(path):
    sc = load_scenario(path)
    for task in sc.tasks:
        assert task.skills
    assert sc.total_points == 100, "shipped scenarios are written out of 100 (百分制)"
    if sc.duration_minutes is not None:  # a mock 操作技能考核 lasts at least 100 minutes
        assert sc.duration_minutes >= 100


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"simulator {name}" in readme, f"README does not show `simulator {name}`"


def test_schema_file_matches_models():
    from simulator.assessment.schema import scenario_json_schema

    shipped = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text("utf-8"))
    assert shipped == scenario_json_schema()


def test_locale_catalogs_have_the_same_keys():
    zh = json.loads((ROOT / "simulator" / "locales" / "zh.json").read_text("utf-8"))
    en = json.loads((ROOT / "simulator" / "locales" / "en.json").read_text("utf-8"))
    assert set(zh) == set(en)


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```bash") + 3]
    test_cmd = block[1].split("#")[0].strip()
    assert "simulator serve" in block[0] and "pytest" in test_cmd
    assert test_cmd in (ROOT / ".ci" / "run").read_text("utf-8")
