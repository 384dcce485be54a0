"""Skill coverage of the shipped scenarios: data-computable codes of the standard trained by auto-graded
tasks (the list is simulator/assessment/coverage.py), the three mock exams, and `simulator list` showing it."""

from __future__ import annotations

from types import SimpleNamespace

from simulator.assessment import coverage
from simulator.assessment.scenario import load_scenario, shipped_paths
from simulator.cli.main import main
from simulator.core import standard

SHIPPED = [load_scenario(p) for p in shipped_paths()]


def test_the_list_holds_only_codes_of_the_standard():
    assert coverage.DATA_COMPUTABLE <= set(standard.SKILLS)
    assert all(code.split("/")[0] in standard.LEVELS for code in coverage.DATA_COMPUTABLE)


def test_every_code_a_task_carries_exists_in_the_standard():
    for sc in SHIPPED:
        for task in sc.tasks:
            assert task.skills and set(task.skills) <= set(standard.SKILLS), (sc.id, task.id)


def test_at_least_32_data_computable_codes_trained_by_auto_graded_tasks():
    trained = coverage.trained(SHIPPED) & coverage.DATA_COMPUTABLE
    levels = coverage.by_level(trained)
    assert len(trained) >= 32, sorted(coverage.DATA_COMPUTABLE - trained)
    assert len(levels["L1"]) >= 5 and len(levels["L2"]) >= 8, levels


def test_free_text_tasks_do_not_count():
    sc = SimpleNamespace(tasks=[SimpleNamespace(kind="free_text", skills=["L2/4.1.1"]),
                                SimpleNamespace(kind="metric", skills=["L4/6.1.1", "L4/6.1.2"])])
    assert coverage.trained([sc]) == {"L4/6.1.1", "L4/6.1.2"}
    report = coverage.report([sc])
    assert report["L4"]["count"] == 2 and report["L2"]["count"] == 0
    assert report["L2"]["of"] == len(coverage.by_level(coverage.DATA_COMPUTABLE)["L2"])


def test_three_mock_exams_one_at_l2_each_out_of_100():
    exams = [sc for sc in SHIPPED if sc.duration_minutes is not None]
    assert len(exams) >= 3
    assert {sc.level for sc in exams} >= {"L4", "L3", "L2"}
    for sc in exams:
        assert sc.total_points == 100 and sc.duration_minutes >= 100 and sc.pass_mark == standard.PASS_MARK


def test_simulator_list_shows_coverage_per_level(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    report = coverage.report(SHIPPED)
    for level, row in report.items():
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(level + " "))
        assert f"{row['count']}/{row['of']}" in line
        assert all(code in line for code in row["trained"])
