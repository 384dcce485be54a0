"""How the trainee's page shows numbers and pending answers: the task's decimals, 待评阅 with no score."""

from __future__ import annotations

from app_helpers import SCENARIOS

from simulator import load_scenario
from simulator import tasks as registry
from simulator.app.ui import results
from simulator.app.ui.answer_forms import declared_form
from simulator.app.ui.tables import cell_text
from simulator.app.ui.task_card import table_decimals
from simulator.assessment.grading import TaskResult


def test_wrong_cells_table_uses_the_decimals_the_task_asks_for():
    task = next(t for t in load_scenario(SCENARIOS / "app-ads.yaml").tasks if t.kind == "report_table")
    params = registry.get(task.kind).Params(**task.params)
    decimals = table_decimals(declared_form(task).upload)
    assert decimals and set(decimals) == set(params.metrics)
    assert cell_text(299987.63) == "299987.63"  # not 299987.630000
    assert cell_text(0.0345123, decimals["ctr"]) == f"{0.0345123:.{decimals['ctr']}f}"
    assert cell_text(1520.0) == "1520"


def test_a_pending_written_answer_shows_no_score():
    pending = TaskResult("f1", 0.0, 20.0, "ungraded")
    assert results.headline(pending, "zh") == "待评阅 · 本题 20 分,教师评分后计入"
    assert "0 / 20" not in results.headline(pending, "en")
    assert results.headline(TaskResult("t1", 5.0, 10.0, "partial"), "zh") == "部分正确 · 得分 5 / 10"
