"""Answer inputs for every task kind, returning the raw answer as a trainee would submit it.

Numbers are typed into text boxes (never ``st.number_input``) so ``3.45%``, ``1,234.5`` and ``1.2万``
work; tables are uploaded; multi-field kinds get one input per graded field (only the fields the task
asks for). Nothing here reads the answer key: option labels and field names come from the task's params
and the trainee's own data. The exam page can reuse :func:`answer_inputs` with its own key prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from simulator import tasks as registry
from simulator.assessment.scenario import TaskSpec
from simulator.core import safeyaml
from simulator.core.i18n import Msg, msg, t
from simulator.engine.fieldspec import FieldSpec
from simulator.engine.numbers import rounding_msg

UPLOAD_TYPES = ["csv", "xlsx", "txt", "xls"]
"""Accepted upload suffixes (``.xls`` is accepted only to explain that it must be saved as .xlsx)."""
YES, NO = "yes", "no"
UNIT_HINTS = ("ratio", "count", "money", "multiple", "seconds")
"""Units with their own example in the input's placeholder."""


@dataclass
class Collected:
    """What a trainee entered for one task."""

    raw: Any = None
    """The answer as submitted (text, mapping, option list or file bytes); None when nothing entered."""
    problem: Msg | None = None
    """A problem with the input itself (an unreadable upload), already shown beside the widget."""
    filename: str | None = None
    """Name of the uploaded file, for table answers."""
    table: pd.DataFrame | None = None
    """The uploaded table as read (canonical headers), for highlighting wrong cells."""


@dataclass(frozen=True)
class FormContext:
    """Where and how to draw one task's inputs."""

    task: TaskSpec
    params: Any
    frames: Mapping[str, pd.DataFrame]
    lang: str
    prefix: str
    """Widget-key prefix, unique per page, scenario and task."""
    disabled: bool = False
    on_change: Callable[[], None] | None = None
    """Called when any input changes (the exam page saves there)."""
    scenario: Any = None
    """The :class:`~simulator.assessment.scenario.Scenario`, for inputs that show data-based options (choice)."""
    trainee_id: str | None = None
    """Whose data the options come from."""
    initial: Any = None
    """A saved answer to start from (the exam page after a reload), for inputs whose state cannot be
    preset through ``st.session_state`` (grids); other inputs are restored by the page."""

    def k(self, *parts: object) -> str:
        return ".".join([self.prefix, *(str(p) for p in parts)])


# ----------------------------------------------------------------------------- single inputs

def text_value(fc: FormContext, label: str, *parts: object,
               hint: str = "ui.answer.number_hint") -> str | None:
    """A tolerant text box; returns the stripped text or None when blank."""
    value = st.text_input(label, key=fc.k(*parts), placeholder=t(hint, fc.lang), disabled=fc.disabled,
                          on_change=fc.on_change)
    return value.strip() or None if isinstance(value, str) else None


def yes_no(fc: FormContext, label: str, *parts: object, words: str = "ui.answer") -> bool | None:
    """是/否 (or 对/错 with ``words="ui.choice"``) as a horizontal radio without a preselection."""
    choice = st.radio(label, [YES, NO], index=None, horizontal=True, key=fc.k(*parts),
                      format_func=lambda v: t(f"{words}.{v}", fc.lang), disabled=fc.disabled,
                      on_change=fc.on_change)
    return None if choice is None else choice == YES


def choose(fc: FormContext, label: str, options: list[str], multiple: bool, *parts: object) -> Any:
    """One option (radio) or several (multiselect), labelled A. B. C. …; returns option texts."""
    def letter(option: str) -> str:
        return f"{chr(ord('A') + options.index(option))}. {option}"

    if multiple:
        chosen = st.multiselect(label, options, key=fc.k(*parts), format_func=letter, disabled=fc.disabled,
                                on_change=fc.on_change, placeholder=t("ui.answer.choose_many", fc.lang))
        return list(chosen) or None
    return st.radio(label, options, index=None, key=fc.k(*parts), format_func=letter, disabled=fc.disabled,
                    on_change=fc.on_change)


# ----------------------------------------------------------------------------- per kind

def hint_for(unit: str | None) -> str:
    """The placeholder key for a unit: ``"ratio"`` → ``ui.answer.hint.ratio`` ("例如 3.45% 或 0.0345")."""
    return f"ui.answer.hint.{unit}" if unit in UNIT_HINTS else "ui.answer.number_hint"


def _unit(fc: FormContext) -> str | None:
    """The unit of a one-number answer: the metric's, or a sample size's (users, or a rate for an MDE)."""
    metric = getattr(fc.params, "metric", None)
    if fc.task.kind == "metric" and metric:
        from simulator.engine.metrics import METRICS

        return METRICS[metric].unit if metric in METRICS else None
    if fc.task.kind == "sample_size":
        return "ratio" if getattr(fc.params, "asks_mde", False) else "count"
    return None


def with_precision(label: str, unit: str | None, precision: int | None, lang: str) -> str:
    """The input's label with the precision the task asks for beside it: ``点击率(… 保留4位小数 …)``."""
    if precision is None or unit is None or unit == "count":
        return label
    return t("ui.answer.with_precision", lang, label=label, rounding=rounding_msg(unit, precision).render(lang))


def _precision(fc: FormContext) -> int | None:
    """Decimals a one-number answer is asked to (a metric's, or an MDE's)."""
    if fc.task.kind == "metric" and hasattr(fc.params, "digits"):
        return fc.params.digits()
    asked = getattr(registry.get(fc.task.kind), "answer_precision", None)
    return asked(fc.params) if callable(asked) else None


def _number(fc: FormContext) -> Collected:
    unit = _unit(fc)
    label = with_precision(t("ui.answer.value", fc.lang), unit, _precision(fc), fc.lang)
    return Collected(text_value(fc, label, "value", hint=hint_for(unit)))


def _free_text(fc: FormContext) -> Collected:
    minimum = getattr(fc.params, "min_chars", None)
    label = t("ui.answer.text_min", fc.lang, min=minimum) if minimum else t("ui.answer.text", fc.lang)
    value = st.text_area(label, key=fc.k("text"), height=180, disabled=fc.disabled,
                         on_change=fc.on_change, max_chars=20_000)
    return Collected(value.strip() or None)


def table_upload(fc: FormContext) -> Collected:
    """A CSV/XLSX upload, read at once so a bad file is explained right beside the uploader."""
    from simulator.app.ui import tables

    file = st.file_uploader(t("ui.answer.upload", fc.lang, mb=tables.MAX_UPLOAD_BYTES // 2**20),
                            type=UPLOAD_TYPES, key=fc.k("file"), help=t("ui.answer.upload_help", fc.lang),
                            disabled=fc.disabled, on_change=fc.on_change)
    st.caption(t("ui.upload.caption", fc.lang))
    if file is None:
        return Collected()
    data = file.getvalue()
    table, problem = tables.read_upload(data, file.name, getattr(fc.params, "dataset", None))
    if problem is not None:
        st.error(problem.render(fc.lang), icon=":material/warning:")
        return Collected(problem=problem, filename=file.name)
    tables.preview(table, fc.lang)
    return Collected(data, filename=file.name, table=table)


def field_inputs(fc: FormContext, specs: Mapping[str, FieldSpec]) -> Collected:
    """One input per graded field: text for numbers and text, 是/否 for booleans, options for choices."""
    answer: dict[str, Any] = {}
    columns = st.columns(2)
    for i, (name, spec) in enumerate(specs.items()):
        label = spec.label(name).render(fc.lang)
        if spec.kind == "number":
            label = with_precision(label, spec.unit, spec.precision, fc.lang)
        with columns[i % 2]:
            if spec.kind == "bool":
                value: Any = yes_no(fc, label, "field", name)
            elif spec.kind == "choice" and spec.options:
                value = choose(fc, label, list(spec.options), True, "field", name)
            else:
                hint = hint_for(spec.unit) if spec.kind == "number" else "ui.answer.text_hint"
                value = text_value(fc, label, "field", name, hint=hint)
        if value is not None:
            answer[name] = value
    return Collected(answer or None)


def _specs(module: ModuleType, params: Any) -> Mapping[str, FieldSpec] | None:
    """The kind's field specs without the key (``specs(params)``), when the kind has them."""
    make_specs = getattr(module, "specs", None)
    return make_specs(params) if callable(make_specs) else None


def _mapping_text(fc: FormContext) -> Collected:
    """Fallback for a kind without a form: ``field: value`` lines (YAML)."""
    text = st.text_area(t("ui.answer.mapping", fc.lang), key=fc.k("mapping"), height=160,
                        placeholder="field: value", disabled=fc.disabled, on_change=fc.on_change)
    if not text.strip():
        return Collected()
    try:
        value = safeyaml.load(text)
    except yaml.YAMLError:
        value = None
    if not isinstance(value, dict):
        problem = msg("ui.answer.mapping_bad")
        st.error(problem.render(fc.lang), icon=":material/warning:")
        return Collected(problem=problem)
    return Collected(value)


def _choice(fc: FormContext) -> Collected:
    from simulator.app.ui import choice_form

    return choice_form.collect(fc)


def _data_quality(fc: FormContext) -> Collected:
    """The cleaned table as an upload, or one count per asked problem (duplicates, missing …)."""
    if getattr(fc.params, "mode", None) == "cleaned":
        return table_upload(fc)
    specs = {p: FieldSpec(unit="count", precision=0, label_key=f"data_quality.field.{p}")
             for p in fc.params.ask}
    return field_inputs(fc, specs)


def _five_a_map(fc: FormContext) -> Collected:
    from simulator.app.ui import five_a_form

    return five_a_form.collect(fc)


def _generic(fc: FormContext) -> Collected:
    specs = _specs(registry.get(fc.task.kind), fc.params)
    return field_inputs(fc, specs) if specs else _mapping_text(fc)


FORMS: dict[str, Callable[[FormContext], Collected]] = {
    "metric": _number, "sample_size": _number, "report_table": table_upload, "data_quality": _data_quality,
    "choice": _choice, "free_text": _free_text, "five_a_map": _five_a_map,
    "kpi_tree": table_upload, "budget_table": table_upload, "risk_review": table_upload,
    "summary_report": table_upload,
}
"""Kind → input builder; kinds not listed (ab_test, roi_forecast …) get one input per field."""


def answer_inputs(fc: FormContext) -> Collected:
    """Draws the inputs of ``fc.task`` and returns what was entered."""
    return FORMS.get(fc.task.kind, _generic)(fc)
