"""grading.py: the 百分制 total, blank answers, degenerate data reported in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.grading import answer_key, grade, grade_detailed, selftest
from simulator.scenario import ScenarioError, parse_scenario

FIXTURES = Path(__file__).parent / "fixtures" / "scenarios"


def test_blank_and_unknown_answers(tmp_path):
    result = grade_detailed(FIXTURES / "valid_minimal.yaml", "t-1", {"t1": "  ", "zz": "5"})
    t1, t2 = result.tasks
    assert (t1.status, t1.score) == ("wrong", 0.0) and t1.feedback[0].key == "grade.no_answer"
    assert t2.status == "wrong" and result.score == 0 and result.passed is False


def test_score_is_out_of_100_whatever_the_points_add_up_to():
    text = (FIXTURES / "valid_minimal.yaml").read_text("utf-8").replace("points: 60", "points: 30")
    sc = parse_scenario(text, "half.yaml")  # 30 + 40 = 70 points in all
    key = answer_key(sc, "t-2")
    ctr = key["tasks"][0]["answer"]["value"]
    doc = grade(sc, "t-2", {"t1": f"{ctr:.6f}"})
    assert doc["tasks"][0]["score"] == 30 and doc["score"] == pytest.approx(100 * 30 / 70, abs=0.01)
    assert doc["passed"] is False


def test_degenerate_data_is_a_scenario_problem_named_in_words():
    text = (FIXTURES / "valid_minimal.yaml").read_text("utf-8").replace(
        "params: {dataset: ad_delivery, metric: roi}",
        "params: {dataset: ad_delivery, metric: roi, filter: {campaign_id: C99}}")
    sc = parse_scenario(text, "empty-filter.yaml")
    with pytest.raises(ScenarioError) as info:
        answer_key(sc, "t-1")
    line = str(info.value.problems[0])
    assert "tasks[1] (t2)" in line and "t-1" in line and "Traceback" not in line
    report = selftest(sc, seeds=2)
    assert not report.ok and "cannot be computed" in report.failures[0]
