"""Saved exam answers back into the answer inputs, after a reload or a server restart.

:func:`widget_values` is the inverse of :func:`simulator.app.ui.answer_forms.answer_inputs`: from a raw
answer as stored it gives the widget keys and values that draw it again. Only widgets whose state is
missing are filled (:func:`restore`), so nothing a trainee is typing is overwritten. Grids (5A flows,
segments) cannot be preset through the session state; they start from ``FormContext.initial``.
Uploaded files cannot be put back into an uploader: the page names the stored file instead.

>>> from types import SimpleNamespace
>>> fc = SimpleNamespace(task=SimpleNamespace(kind="metric"), params=None, k=lambda *p: ".".join(p))
>>> widget_values(fc, "3.45%")
{'value': '3.45%'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
import yaml

from simulator import tasks as registry
from simulator.app.ui.answer_forms import NO, YES, FormContext
from simulator.app.ui.choice_form import JUDGE

UPLOAD_KINDS = ("report_table", "kpi_tree", "budget_table", "risk_review",
                "summary_report")
"""Kinds whose answer is always a file (``data_quality`` is one in ``mode: cleaned``)."""
GRIDS = ("flows", "flow_rates", "by_segment")
"""5A fields drawn as editable grids: restored through ``FormContext.initial``."""


def is_upload(fc: FormContext) -> bool:
    """Whether the task is answered by uploading a table."""
    cleaned = fc.task.kind == "data_quality" and getattr(fc.params, "mode", None) == "cleaned"
    return fc.task.kind in UPLOAD_KINDS or cleaned


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


def _choice(fc: FormContext, raw: Any) -> dict[str, Any]:
    question = getattr(fc.params, "question", None)
    if question in JUDGE:
        flag = _yes_no(raw)
        return {} if flag is None else {fc.k("judge"): flag}
    if question == "above_threshold":
        return {fc.k("many"): _listed(raw)}
    return {fc.k("one"): str(raw)} if isinstance(raw, str) else {}


def _fields(fc: FormContext, raw: Mapping[str, Any]) -> dict[str, Any]:
    module = registry.get(fc.task.kind)
    make_specs = getattr(module, "specs", None)
    specs = make_specs(fc.params) if callable(make_specs) else {}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        spec = specs.get(name)
        if spec is not None and spec.kind == "bool":
            flag = _yes_no(value)
            if flag is not None:
                out[fc.k("field", name)] = flag
        elif spec is not None and spec.kind == "choice" and spec.options:
            out[fc.k("field", name)] = _listed(value)
        else:
            out[fc.k("field", name)] = _text(value)
    return out


def _five_a(fc: FormContext, raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name in ("counts_t0", "counts_t1", "penetration") and isinstance(value, Mapping):
            out.update({fc.k(name, part): _text(v) for part, v in value.items()})
        elif name not in GRIDS and not isinstance(value, Mapping):
            out[fc.k(name)] = _text(value)
    return out


def widget_values(fc: FormContext, raw: Any) -> dict[str, Any]:
    """Widget key → value that shows ``raw`` (a stored, JSON-decoded answer) in the task's inputs."""
    kind = fc.task.kind
    if raw is None or is_upload(fc):
        return {}
    if kind in ("metric", "sample_size"):
        return {fc.k("value"): _text(raw)}
    if kind == "free_text":
        return {fc.k("text"): _text(raw)}
    if kind == "choice":
        return _choice(fc, raw)
    if not isinstance(raw, Mapping):
        return {}
    if kind == "five_a_map":
        return _five_a(fc, raw)
    module = registry.get(kind)
    if kind == "data_quality" or callable(getattr(module, "specs", None)):
        return _fields(fc, raw)
    return {fc.k("mapping"): yaml.safe_dump(dict(raw), allow_unicode=True, sort_keys=False)}


def restore(fc: FormContext, raw: Any) -> int:
    """Puts ``raw`` into the task's widgets whose state is missing; returns how many were filled."""
    filled = 0
    for key, value in widget_values(fc, raw).items():
        if key not in st.session_state:
            st.session_state[key] = value
            filled += 1
    return filled
