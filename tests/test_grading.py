"""grading.py: the 百分制 total, blank answers, degenerate data reported in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.assessment.grading import answer_key, grade, grade_detailed, selftest
from simulator.assessment.scenario import ScenarioError, parse_scenario

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


MINIMAL_5PCT = (FIXTURES / "valid_minimal.yaml").read_text("utf-8").replace("seed: 1", "seed: 1\ntolerance: 0.05")


def _roi_answer(sc, trainee: str) -> tuple[float, str]:
    """The t2 key (ROI, 2 decimals) and an answer within the 5% tolerance that misses the asked precision."""
    roi = answer_key(sc, trainee)["tasks"][1]["answer"]["value"]
    assert roi > 0.5  # so 4% is more than one unit of the 2nd decimal
    return roi, f"{roi * 1.04:.4f}"


def test_the_precision_rule_is_strict_unless_a_practice_scenario_relaxes_it():
    strict = parse_scenario(MINIMAL_5PCT, "strict.yaml")
    roi, near = _roi_answer(strict, "t-3")
    assert grade(strict, "t-3", {"t2": near})["tasks"][1]["status"] == "wrong"
    assert grade(strict, "t-3", {"t2": f"{roi:.2f}"})["tasks"][1]["status"] == "correct"
    text = MINIMAL_5PCT.replace("seed: 1", "seed: 1\nprecision_rule: relaxed")
    relaxed = parse_scenario(text, "relaxed.yaml")
    roi, near = _roi_answer(relaxed, "t-3")
    assert grade(relaxed, "t-3", {"t2": near})["tasks"][1]["status"] == "correct"
    assert grade(relaxed, "t-3", {"t2": near}, exam=True)["tasks"][1]["status"] == "wrong"  # exams: strict
    timed = parse_scenario(text.replace("seed: 1", "seed: 1\nduration_minutes: 60"), "timed.yaml")
    assert grade(timed, "t-3", {"t2": near})["tasks"][1]["status"] == "wrong"


def test_selftest_reports_the_smallest_margin_and_untested_misconceptions_per_task():
    report = selftest(FIXTURES / "valid_minimal.yaml", seeds=4)
    assert report.ok, report.failures
    t1 = report.margins["t1"]
    assert t1.tested >= 4 and t1.smallest is not None and t1.smallest > 1
    assert "smallest margin" in t1.line() and t1.where.startswith("selftest-")
    assert set(t1.untested) <= {"misc.mean_of_ratios.day", "misc.mean_of_ratios.row"}
