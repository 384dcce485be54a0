"""Saved exam answers back into the answer inputs, after a reload or a server restart.

:func:`widget_values` is the inverse of :func:`simulator.app.ui.answer_forms.answer_inputs`: from a raw
answer as stored it gives the widget keys and values that draw it again, field by field of the task's
form (:func:`simulator.core.forms.split`). Only widgets whose state is missing are filled
(:func:`restore`), so nothing a trainee is typing is overwritten. Grids cannot be preset through the
session state; they start from ``FormContext.initial``. Uploaded files cannot be put back into an
uploader: the page names the stored file instead.

>>> from simulator.core import forms
>>> from simulator.core.i18n import Msg
>>> one = forms.AnswerForm((forms.Number(None, ("value",), Msg("ui.answer.value")),))
>>> values_of(one, "3.45%", lambda *p: ".".join(("p", *p)))
{'p.value': '3.45%'}
>>> two = forms.AnswerForm((forms.Number("n", ("field", "n"), Msg("x")),
...                          forms.YesNo("sig", ("field", "sig"), Msg("y"))))
>>> values_of(two, {"n": 1000, "sig": False}, lambda *p: ".".join(("p", *p)))
{'p.field.n': '1000', 'p.field.sig': 'no'}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from simulator.app.ui.answer_forms import NO, YES, FormContext, task_form
from simulator.core import forms

Key = Callable[..., str]
"""Widget-key parts → the widget key under the page's prefix (``FormContext.k``)."""


def is_upload(fc: FormContext) -> bool:
    """Whether the task is answered by uploading a table."""
    return task_form(fc).upload is not None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _yes_no(value: Any) -> str | None:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, str) and value in (YES, NO):
        return value
    return None


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _field_values(field: forms.Field, value: Any, k: Key) -> dict[str, Any]:
    """Widget key → value of one field's saved value (nothing for grids and uploads)."""
    if isinstance(field, forms.Number | forms.Text):
        return {} if isinstance(value, Mapping | list) else {k(*field.key): _text(value)}
    if isinstance(field, forms.YesNo):
        flag = _yes_no(value)
        return {} if flag is None else {k(*field.key): flag}
    if isinstance(field, forms.Choice):
        if field.multiple:
            return {k(*field.key): _listed(value)}
        return {k(*field.key): str(value)} if isinstance(value, str) else {}
    if isinstance(field, forms.Group) and isinstance(value, Mapping):
        return {k(*field.key, part): _text(v) for part, v in value.items()}
    return {}


def values_of(form: forms.AnswerForm, raw: Any, k: Key) -> dict[str, Any]:
    """Widget key → value that shows ``raw`` (a stored, JSON-decoded answer) in ``form``'s inputs."""
    if raw is None or form.upload is not None:
        return {}
    by_name = {f.name: f for f in form.fields}
    out: dict[str, Any] = {}
    for name, value in forms.split(form, raw).items():
        out.update(_field_values(by_name[name], value, k))
    return out


def widget_values(fc: FormContext, raw: Any) -> dict[str, Any]:
    """Widget key → value that shows ``raw`` in the inputs of ``fc``'s task."""
    return values_of(task_form(fc), raw, fc.k)


def restore(fc: FormContext, raw: Any) -> int:
    """Puts ``raw`` into the task's widgets whose state is missing; returns how many were filled."""
    filled = 0
    for key, value in widget_values(fc, raw).items():
        if key not in st.session_state:
            st.session_state[key] = value
            filled += 1
    return filled
