"""Every task of every shipped scenario is drawn from its declared form on the exam page (the practice
page: tests/app/test_practice.py), and a saved exam answer comes back into the same widgets after a
reload, field type by field type."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_helpers import MIN, SCENARIOS, T0, Clock, assert_drawn, declared, new_app, queryable
from streamlit.testing.v1 import AppTest

from simulator import load_scenario
from simulator.app.ui import exam_clock, grid_input
from simulator.assessment.scenario import Scenario, shipped_paths
from simulator.core import forms
from simulator.core.i18n import Msg
from simulator.service import exam_admin, exams


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with exam_clock.use_clock(fake):
        yield fake


def _join(code: str, trainee: str) -> AppTest:
    at = new_app()
    at.run()
    at.switch_page("simulator/app/pages/exam.py").run()
    at.text_input(key="exam.join_code").input(code)
    at.text_input(key="exam.join_id").input(trainee)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


def _resume(code: str, trainee: str) -> AppTest:
    at = new_app()
    at.query_params.update({"exam": code, "trainee": trainee})
    at.run()
    at.switch_page("simulator/app/pages/exam.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("path", shipped_paths(), ids=lambda p: p.stem)
def test_every_task_of_every_shipped_scenario_is_drawn_on_the_exam_page(path, clock):
    code = exam_admin.create_exam(str(path), now=T0).code
    at = _join(code, "X-101")
    assert not at.error, [e.value for e in at.error]
    assert_drawn(at, load_scenario(path), "X-101", f"exam.ans.{code}.X-101")


def _typed(field: forms.Field) -> object:
    """A value to enter into a field's widget (as the widget holds it)."""
    if isinstance(field, forms.YesNo):
        return "no"
    if isinstance(field, forms.Choice):
        values = [o.value for o in field.options]
        return values[:2] if field.multiple else values[-1]
    if isinstance(field, forms.Text) and field.multiline:
        return "先删除重复行,再补齐缺失值。"
    return "12"


def _widgets(sc: Scenario, code: str) -> list[tuple[str, str, str, forms.Field]]:
    """(task id, AppTest element type, widget key, field) of every readable widget of the exam."""
    out = []
    for task in sc.tasks:
        form, fc = declared(sc, "R-001", task, f"exam.ans.{code}.R-001.{task.id}")
        out += [(task.id, *widget) for widget in queryable(form, fc)]
    return out


@pytest.mark.parametrize("scenario", ["app-mixed", "app-5a", "app-ads"])
def test_a_saved_answer_comes_back_into_the_same_widgets_after_a_reload(scenario, clock):
    sc = load_scenario(SCENARIOS / f"{scenario}.yaml")
    code = exam_admin.create_exam(str(SCENARIOS / f"{scenario}.yaml"), now=T0).code
    at = _join(code, "R-001")
    widgets = _widgets(sc, code)
    for _, element, key, field in widgets:
        widget = getattr(at, element)(key=key)
        value = _typed(field)
        (widget.input(value) if element.startswith("text") else widget.set_value(value)).run()
        assert not at.exception, at.exception
    assert len(widgets) >= 3 and len({type(f) for *_, f in widgets}) >= 2
    assert set(exams.saved_answers(code, "R-001")) == {task_id for task_id, *_ in widgets}
    clock.now = T0 + 5 * MIN
    again = _resume(code, "R-001")  # a new session: every widget is filled from the store
    for _, element, key, field in widgets:
        assert getattr(again, element)(key=key).value == _typed(field), key


def test_a_grid_answer_round_trips_through_its_cells():
    flows = forms.Grid("flows", ("flows",), Msg("x"), rows=(("A1", "A1"), ("none", "none")),
                       columns=(("A2", "A2"), ("none", "none")), skip=(("none", "none"),))
    saved = {"flows": {"A1>A2": "3", "none>A2": "4"}}
    cells = grid_input.saved_cells(flows, saved)
    assert cells == {"A1": {"A2": "3"}, "none": {"A2": "4"}}
    import pandas as pd

    edited = pd.DataFrame([["3", ""], ["4", "9"]], index=["A1", "none"], columns=["A2", "none"])
    assert grid_input.filled_cells(flows, edited, {"A1": "A1", "none": "none"}) == saved["flows"]  # none>none skipped
    segments = forms.Grid("by_segment", ("by_segment",), Msg("x"), rows=(("F", "F"),), columns=(("lost", "lost"),),
                          joined=False)
    nested = {"by_segment": {"F": {"lost": "2"}}}
    assert grid_input.saved_cells(segments, nested) == nested["by_segment"]
    edited = pd.DataFrame([["2"]], index=["女"], columns=["lost"])
    assert grid_input.filled_cells(segments, edited, {"F": "女"}) == nested["by_segment"]
