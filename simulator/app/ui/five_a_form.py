"""The 5A relationship-asset map answer: stage counts, a T0 × T1 flow grid, 新增/流失, segments.

Only the fields the task asks for are shown. Grids are edited as text so ``12.5%`` works; blank cells
are left out of the answer. Segment levels come from the trainee's own data, never from the key.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from simulator.app.ui.answer_forms import Collected, FormContext, text_value
from simulator.core.i18n import t
from simulator.core.value_labels import value_label
from simulator.tasks import five_a_map

SEGMENT_COLUMNS = five_a_map.SEGMENT_METRICS


GRID_WIDTH_PX = 640
"""Room for a grid's value columns in a task card at 1280 px (the row labels take the rest)."""
GRID_MIN_COLUMN_PX = 80


def _stage(state: str, lang: str) -> str:
    return t(f"five_a_map.stage.{state}", lang)


def _field_label(name: str, lang: str) -> str:
    return t(f"five_a_map.field.{name}", lang)


def _counts(fc: FormContext, name: str) -> dict[str, str]:
    st.markdown(f"**{_field_label(name, fc.lang)}**")
    out = {}
    for column, stage in zip(st.columns(len(five_a_map.STAGES)), five_a_map.STAGES, strict=True):
        with column:
            value = text_value(fc, _stage(stage, fc.lang), name, stage)
        if value is not None:
            out[stage] = value
    return out


def _saved(fc: FormContext, name: str) -> dict:
    """The part ``name`` of the saved answer the form starts from (``fc.initial``), else ``{}``."""
    value = fc.initial.get(name) if isinstance(fc.initial, dict) else None
    return value if isinstance(value, dict) else {}


def _grid(fc: FormContext, name: str, rows: dict[str, str], cols: dict[str, str],
          help_key: str, filled: dict[str, dict] | None = None) -> dict[str, dict]:
    """An editable text grid (``rows``/``cols``: code → label); returns {row: {col: text}} of filled cells.

    ``filled`` ({row: {col: text}}) pre-fills cells, e.g. with a saved answer.
    """
    st.markdown(f"**{_field_label(name, fc.lang)}**")
    blank = pd.DataFrame("", index=list(rows.values()), columns=list(cols))
    for code, cells in (filled or {}).items():
        for col, value in (cells if isinstance(cells, dict) else {}).items():
            if code in rows and col in cols and value is not None:
                blank.at[rows[code], col] = str(value)
    width = max(GRID_MIN_COLUMN_PX, GRID_WIDTH_PX // max(len(cols), 1))  # every column fits the card
    config = {code: st.column_config.TextColumn(label, width=width) for code, label in cols.items()}
    edited = st.data_editor(blank, key=fc.k(name), disabled=fc.disabled, column_config=config,
                            on_change=fc.on_change, width="stretch")
    st.caption(t(help_key, fc.lang))
    out: dict[str, dict] = {}
    for code, label in rows.items():
        cells = {c: str(edited.at[label, c]).strip() for c in cols}
        cells = {c: v for c, v in cells.items() if v not in ("", "nan", "None", "<NA>")}
        if cells:
            out[code] = cells
    return out


def _flows(fc: FormContext, name: str) -> dict[str, str]:
    states = {s: _stage(s, fc.lang) for s in five_a_map.STATES}
    rows = {s: f"T0 · {label}" for s, label in states.items() if not (name == "flow_rates" and s == "none")}
    cols = dict(states)  # the caption says columns are T1; a short header fits the card
    filled: dict[str, dict] = {}
    for pair, value in _saved(fc, name).items():
        a, _, b = str(pair).partition(">")
        filled.setdefault(a, {})[b] = value
    grid = _grid(fc, name, rows, cols, "ui.five_a.grid_help", filled)
    return {f"{a}>{b}": v for a, cells in grid.items() for b, v in cells.items() if not (a == b == "none")}


def _segments(fc: FormContext) -> dict[str, dict]:
    segment = fc.params.segment
    data = fc.frames.get(fc.params.dataset)
    levels = sorted(map(str, data[segment].dropna().unique())) if data is not None and segment in data else []
    cols = {c: t(f"ui.five_a.{c}", fc.lang) for c in SEGMENT_COLUMNS}
    rows = {lv: str(value_label(segment, lv, fc.lang)) for lv in levels}  # 女 / female; codes stay canonical
    return _grid(fc, "by_segment", rows, cols, "ui.five_a.segment_help",
                 _saved(fc, "by_segment"))


def _penetration(fc: FormContext) -> dict[str, str]:
    st.markdown(f"**{_field_label('penetration', fc.lang)}**")
    levels = list((fc.params.platform_population or {}).keys())
    out = {}
    for column, level in zip(st.columns(max(1, len(levels))), levels, strict=False):
        with column:
            value = text_value(fc, level, "penetration", level)
        if value is not None:
            out[level] = value
    return out


def collect(fc: FormContext) -> Collected:
    """Inputs for each asked field; the answer maps field → value or {entry: value}."""
    answer: dict[str, Any] = {}
    for name in fc.params.fields():
        if name in ("counts_t0", "counts_t1"):
            value: Any = _counts(fc, name)
        elif name in ("flows", "flow_rates"):
            value = _flows(fc, name)
        elif name == "by_segment":
            value = _segments(fc)
        elif name == "penetration":
            value = _penetration(fc)
        else:
            value = text_value(fc, _field_label(name, fc.lang), name)
        if value:
            answer[name] = value
    return Collected(answer or None)
