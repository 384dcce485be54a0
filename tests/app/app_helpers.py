"""Helpers of the AppTest tests: a fresh app session, and a session already identified."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from simulator import tasks as registry
from simulator.app.ui.answer_forms import FormContext, task_form
from simulator.assessment.scenario import Scenario, TaskSpec
from simulator.core import forms

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).resolve().parent / "fixtures" / "scenarios"


def new_app() -> AppTest:
    """The app as a fresh browser session would see it (not yet run)."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def start(scenario: str, trainee: str, name: str = "", lang: str | None = None) -> AppTest:
    """A session that picked ``scenario`` and identified as ``trainee``."""
    at = new_app().run()
    if lang:
        at.segmented_control(key="ui.lang").set_value(lang).run()
    at.selectbox(key="practice.scenario").set_value(scenario)
    at.text_input(key="practice.who_id").input(trainee)
    at.text_input(key="practice.who_name").input(name)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
"""Where the injected exam clock starts."""
MIN = timedelta(minutes=1)


class Clock:
    """The injected server clock: starts at :data:`T0`, moved by hand (``clock.now += 5 * MIN``)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def declared(scenario: Scenario, trainee: str, task: TaskSpec, prefix: str) -> tuple[forms.AnswerForm, FormContext]:
    fc = FormContext(task, registry.get(task.kind).Params(**task.params), {}, "zh", prefix,
                     scenario=scenario, trainee_id=trainee)
    return task_form(fc), fc


def queryable(form: forms.AnswerForm, fc: FormContext) -> list[tuple[str, str, forms.Field]]:
    """(AppTest element type, widget key, field) of each widget AppTest can read (not grids, uploads)."""
    out: list[tuple[str, str, forms.Field]] = []
    for field in form.fields:
        if isinstance(field, forms.Number) or (isinstance(field, forms.Text) and not field.multiline):
            out.append(("text_input", fc.k(*field.key), field))
        elif isinstance(field, forms.Text):
            out.append(("text_area", fc.k(*field.key), field))
        elif isinstance(field, forms.YesNo):
            out.append(("radio", fc.k(*field.key), field))
        elif isinstance(field, forms.Choice):
            out.append(("multiselect" if field.multiple else "radio", fc.k(*field.key), field))
        elif isinstance(field, forms.Group):
            out += [("text_input", fc.k(*field.key, part), field) for part, _ in field.parts]
    return out


def assert_drawn(at: AppTest, scenario: Scenario, trainee: str, prefix: str) -> int:
    """Every task's declared widgets are on the page; returns how many were looked up."""
    found = 0
    for task in scenario.tasks:
        form, fc = declared(scenario, trainee, task, f"{prefix}.{task.id}")
        assert form.fields, task.id
        for field in form.fields:  # every part, row and option is there to answer
            assert getattr(field, "parts", True) and getattr(field, "rows", True), (task.id, field.name)
            assert getattr(field, "options", True), (task.id, field.name)
        for element, key, _ in queryable(form, fc):
            assert getattr(at, element)(key=key) is not None, (task.id, key)
            found += 1
    return found
