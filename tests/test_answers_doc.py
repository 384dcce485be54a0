"""docs/answers.md: every task kind's answer format is shown, every fragment is read by its task's parser,
and the complete example grades with no unreadable answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from simulator import grade, load_scenario, tasks
from simulator.assessment.grading import _context

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "docs" / "answers.md").read_text("utf-8")
SECTIONS = dict(re.findall(r"^### `(\w+)`.*?```yaml\n(.*?)```", TEXT, flags=re.S | re.M))


def test_every_kind_has_a_section():
    assert set(SECTIONS) == set(tasks.kinds())


@pytest.mark.parametrize("kind", sorted(SECTIONS))
def test_fragment_is_read_by_its_tasks_parser(kind, tmp_path):
    block = SECTIONS[kind]
    scenario_id, task_id = block.splitlines()[0].lstrip("# ").split()
    sc = load_scenario(scenario_id)
    task = next(t for t in sc.tasks if t.id == task_id)
    assert task.kind == kind
    answers = yaml.safe_load(block)
    assert list(answers) == [task_id]
    module = tasks.get(kind)
    ctx = _context(sc, "zh", tmp_path)
    module.parse(answers[task_id], module.Params(**task.params), ctx)  # raises AnswerFormatError if not


def test_complete_example_grades_with_every_answer_readable():
    example = TEXT.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    answers = yaml.safe_load(example)
    sc = load_scenario("exam-l2-management")
    assert set(answers) == {t.id for t in sc.tasks}
    result = grade(sc, "demo", answers)
    statuses = {t["id"]: t["status"] for t in result["tasks"]}
    assert "invalid" not in statuses.values(), result
    assert result["max_score"] == 100
    assert result["score"] == 100, statuses  # the example is demo's key, so it must stay in step with the data
