"""Answer inputs of any task, drawn from the form its kind declares (:mod:`simulator.core.forms`).

A kind's ``form(params, question)`` lists its fields; this module draws each field with one small
function per field *type* and returns the raw answer as :func:`simulator.core.forms.assemble` builds
it. Nothing here knows a task kind by name. Numbers are typed into text boxes (never
``st.number_input``) so ``3.45%``, ``1,234.5`` and ``1.2万`` work. The public question (choice
options, segment levels …) is built from this one task for this trainee and kept in a
:class:`~simulator.core.cache.BoundedCache`; the key it is built with never leaves :func:`question_for`.
The exam page reuses :func:`answer_inputs` with its own key prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from simulator import tasks as registry
from simulator.app.ui import grid_input
from simulator.app.ui.form_context import FormContext
from simulator.assessment.datasets import generate_datasets
from simulator.assessment.scenario import TaskSpec
from simulator.core import forms
from simulator.core.cache import BoundedCache
from simulator.core.i18n import Msg, t
from simulator.engine.numbers import rounding_msg
from simulator.tasks.base import TaskContext

UPLOAD_TYPES = ["csv", "xlsx", "txt", "xls"]
"""Accepted upload suffixes (``.xls`` is accepted only to explain that it must be saved as .xlsx)."""
YES, NO = "yes", "no"
UNIT_HINTS = ("ratio", "count", "money", "multiple", "seconds")
"""Units with their own example in the input's placeholder."""
TEXT_AREA_HEIGHT = 180


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


# ----------------------------------------------------------------------------- the question and the form

QUESTIONS: BoundedCache[dict[str, Any]] = BoundedCache("ui.questions", size=4096)
"""Public questions per (scenario id, digest, trainee, task): a class of 40 with 20 tasks fits many times."""


def question_for(scenario: Any, trainee_id: str, task_id: str) -> dict[str, Any]:
    """The public question of one task for one trainee (options, levels …), built from this task only."""
    def build() -> dict[str, Any]:
        task = next(tk for tk in scenario.tasks if tk.id == task_id)
        if not registry.has_question(task.kind):
            return {}  # nothing public beyond the params: no data generated, no key made
        module = registry.get(task.kind)
        ctx = TaskContext(tolerance=scenario.tolerance, scenario=scenario)
        params = module.Params(**task.params)
        return registry.question(task.kind, params, generate_datasets(scenario, str(trainee_id)), ctx)

    return QUESTIONS.get((scenario.id, scenario.digest, str(trainee_id), task_id), build)


def declared_form(task: TaskSpec, question: Mapping[str, Any] | None = None) -> forms.AnswerForm:
    """The form ``task``'s kind declares for its params (and a question; none: the trainee-free form)."""
    module = registry.get(task.kind)
    form: forms.AnswerForm = module.form(module.Params(**task.params), dict(question or {}))
    return form


def task_form(fc: FormContext) -> forms.AnswerForm:
    """The form ``fc.task``'s kind declares for its params and this trainee's question."""
    question = fc.question
    if question is None and fc.scenario is not None and fc.trainee_id is not None:
        question = question_for(fc.scenario, fc.trainee_id, fc.task.id)
    form: forms.AnswerForm = registry.get(fc.task.kind).form(fc.params, dict(question or {}))
    return form


# ----------------------------------------------------------------------------- one function per field type

def shown(text: Msg | str, lang: str) -> str:
    """A label or option as the trainee sees it: a catalog message rendered, a data value as is."""
    return text.render(lang) if isinstance(text, Msg) else str(text)


def hint_for(unit: str | None) -> str:
    """The placeholder key for a unit: ``"ratio"`` → ``ui.answer.hint.ratio`` ("例如 3.45% 或 0.0345").

    >>> hint_for("ratio"), hint_for(None)
    ('ui.answer.hint.ratio', 'ui.answer.number_hint')
    """
    return f"ui.answer.hint.{unit}" if unit in UNIT_HINTS else "ui.answer.number_hint"


def with_precision(label: str, unit: str | None, precision: int | None, lang: str) -> str:
    """The input's label with the precision the task asks for beside it: ``点击率(… 保留4位小数 …)``."""
    if precision is None or unit is None or unit == "count":
        return label
    return t("ui.answer.with_precision", lang, label=label, rounding=rounding_msg(unit, precision).render(lang))


def text_value(fc: FormContext, label: str, *parts: object,
               hint: str | None = "ui.answer.number_hint") -> str | None:
    """A tolerant text box (``hint``: its placeholder's catalog key); returns the stripped text or None."""
    value = st.text_input(label, key=fc.k(*parts), placeholder=t(hint, fc.lang) if hint else None,
                          disabled=fc.disabled, on_change=fc.on_change)
    return value.strip() or None if isinstance(value, str) else None


def number_input(fc: FormContext, field: forms.Number) -> str | None:
    """A number typed as text, its unit's example as placeholder and the asked precision in the label."""
    label = with_precision(shown(field.label, fc.lang), field.unit, field.precision, fc.lang)
    return text_value(fc, label, *field.key, hint=hint_for(field.unit))


def text_input(fc: FormContext, field: forms.Text) -> str | None:
    """Free text: a text area, or one line for a text field of a multi-field answer."""
    label = shown(field.label, fc.lang)
    if not field.multiline:
        return text_value(fc, label, *field.key, hint=field.hint)
    value = st.text_area(label, key=fc.k(*field.key), height=TEXT_AREA_HEIGHT, disabled=fc.disabled,
                         on_change=fc.on_change, max_chars=field.max_chars)
    return value.strip() or None if isinstance(value, str) else None


def yes_no_input(fc: FormContext, field: forms.YesNo) -> bool | None:
    """是/否 (or 对/错) as a horizontal radio without a preselection."""
    choice = st.radio(shown(field.label, fc.lang), [YES, NO], index=None, horizontal=True, key=fc.k(*field.key),
                      format_func=lambda v: t(f"{field.words}.{v}", fc.lang), disabled=fc.disabled,
                      on_change=fc.on_change)
    return None if choice is None else choice == YES


def option_text(field: forms.Choice, value: str, lang: str) -> str:
    """What an option shows: ``A. 抖音`` (lettered by its place), or the option alone."""
    values = [o.value for o in field.options]
    text = shown(field.options[values.index(value)].shown, lang)
    return f"{chr(ord('A') + values.index(value))}. {text}" if field.lettered else text


def choice_input(fc: FormContext, field: forms.Choice) -> Any:
    """One option (radio) or several (multiselect); returns the chosen option value(s)."""
    values = [o.value for o in field.options]
    label = shown(field.label, fc.lang)

    def fmt(value: str) -> str:
        return option_text(field, value, fc.lang)

    if field.multiple:
        chosen = st.multiselect(label, values, key=fc.k(*field.key), format_func=fmt, disabled=fc.disabled,
                                on_change=fc.on_change, placeholder=t("ui.answer.choose_many", fc.lang))
        return list(chosen) or None
    return st.radio(label, values, index=None, key=fc.k(*field.key), format_func=fmt, disabled=fc.disabled,
                    on_change=fc.on_change)


def group_input(fc: FormContext, field: forms.Group) -> dict[str, str]:
    """A heading and a row of text boxes, one per part; returns {part: text} of the filled ones."""
    st.markdown(f"**{shown(field.label, fc.lang)}**")
    out = {}
    for column, (part, label) in zip(st.columns(max(1, len(field.parts))), field.parts, strict=False):
        with column:
            value = text_value(fc, shown(label, fc.lang), *field.key, part, hint=hint_for(field.unit))
        if value is not None:
            out[part] = value
    return out


def table_upload(fc: FormContext, field: forms.Upload) -> Collected:
    """A CSV/XLSX upload, read at once so a bad file is explained right beside the uploader."""
    from simulator.app.ui import tables

    file = st.file_uploader(t("ui.answer.upload", fc.lang, mb=tables.MAX_UPLOAD_BYTES // 2**20),
                            type=UPLOAD_TYPES, key=fc.k(*field.key), help=t("ui.answer.upload_help", fc.lang),
                            disabled=fc.disabled, on_change=fc.on_change)
    st.caption(t("ui.upload.caption", fc.lang))
    if file is None:
        return Collected()
    data = file.getvalue()
    table, problem = tables.read_upload(data, file.name, field.dataset)
    if problem is not None:
        st.error(problem.render(fc.lang), icon=":material/warning:")
        return Collected(problem=problem, filename=file.name)
    tables.preview(table, fc.lang)
    return Collected(data, filename=file.name, table=table)


def _grid(fc: FormContext, field: forms.Grid) -> Any:
    return grid_input.grid(fc, field)


DRAW: dict[type, Callable[[FormContext, Any], Any]] = {
    forms.Number: number_input, forms.Text: text_input, forms.YesNo: yes_no_input,
    forms.Choice: choice_input, forms.Group: group_input, forms.Grid: _grid,
}
"""Field type → the function drawing it (uploads are drawn by :func:`table_upload`)."""
INLINE = (forms.Number, forms.Text, forms.YesNo, forms.Choice)
"""Field types laid out two to a row when a form has several of them and nothing wider."""


def _draw_fields(fc: FormContext, fields: tuple[forms.Field, ...]) -> dict[str | None, Any]:
    """Every field's entered value by field name (two columns for a form of small fields only)."""
    values: dict[str | None, Any] = {}
    paired = len(fields) > 1 and all(isinstance(f, INLINE) and not getattr(f, "multiline", False)
                                     for f in fields)
    columns = st.columns(2) if paired else None
    for i, field in enumerate(fields):
        if columns is not None:
            with columns[i % 2]:
                values[field.name] = DRAW[type(field)](fc, field)
        else:
            values[field.name] = DRAW[type(field)](fc, field)
    return values


def answer_inputs(fc: FormContext) -> Collected:
    """Draws the inputs of ``fc.task`` from its kind's form and returns what was entered."""
    form = task_form(fc)
    if form.note is not None:
        st.caption(form.note.render(fc.lang))
    if form.upload is not None:
        return table_upload(fc, form.upload)
    return Collected(forms.assemble(form, _draw_fields(fc, form.fields)))
