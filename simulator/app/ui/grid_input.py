"""An editable text grid (:class:`simulator.core.forms.Grid`): rows × columns of numbers typed as text.

Cells are text so ``12.5%`` works; blank cells are left out of the answer. A grid's state cannot be
preset through ``st.session_state``, so after a reload it starts from the saved answer
(``FormContext.initial``). ``joined`` grids give ``{"row>col": text}`` (5A flows), the others
``{row: {col: text}}`` (segments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from simulator.core import forms
from simulator.core.i18n import Msg
from simulator.core.value_labels import value_label

if TYPE_CHECKING:
    from simulator.app.ui.form_context import FormContext

GRID_WIDTH_PX = 640
"""Room for a grid's value columns in a task card at 1280 px (the row labels take the rest)."""
GRID_MIN_COLUMN_PX = 80
BLANK = ("", "nan", "None", "<NA>")


def _shown(text: Msg | str, lang: str) -> str:
    return text.render(lang) if isinstance(text, Msg) else str(text)


def _row_label(field: forms.Grid, code: str, label: Msg | str, lang: str) -> str:
    """A row's label; rows that are values of a data column show the value's label (女 / female)."""
    if field.row_values is None:
        return _shown(label, lang)
    return str(value_label(field.row_values, code, lang))


def saved_cells(field: forms.Grid, initial: Any) -> dict[str, dict[str, Any]]:
    """The grid's cells in a saved answer, as {row: {col: value}} whichever way the grid stores them.

    >>> from simulator.core.i18n import Msg
from simulator.core.value_labels import value_label
    >>> flows = forms.Grid("flows", ("flows",), Msg("x"), rows=(("A1", "A1"),), columns=(("A2", "A2"),))
    >>> saved_cells(flows, {"flows": {"A1>A2": "3"}, "new": "1"})
    {'A1': {'A2': '3'}}
    >>> saved_cells(flows, None)
    {}
    """
    value = initial.get(field.name) if isinstance(initial, Mapping) else None
    if not isinstance(value, Mapping):
        return {}
    if not field.joined:
        return {str(r): dict(c) for r, c in value.items() if isinstance(c, Mapping)}
    cells: dict[str, dict[str, Any]] = {}
    for pair, cell in value.items():
        row, _, col = str(pair).partition(">")
        cells.setdefault(row, {})[col] = cell
    return cells


def filled_cells(field: forms.Grid, edited: pd.DataFrame, row_labels: dict[str, str]) -> Any:
    """The answer of the filled cells of an edited grid (index: row labels; columns: column codes)."""
    cols = [code for code, _ in field.columns]
    out: dict[str, dict[str, str]] = {}
    for code, label in row_labels.items():
        cells = {c: str(edited.at[label, c]).strip() for c in cols if (code, c) not in field.skip}
        cells = {c: v for c, v in cells.items() if v not in BLANK}
        if cells:
            out[code] = cells
    if not field.joined:
        return out
    return {f"{row}>{col}": v for row, cells in out.items() for col, v in cells.items()}


def grid(fc: FormContext, field: forms.Grid) -> Any:
    """Draws the grid (a heading, the editor, its help line) and returns the filled cells' answer."""
    st.markdown(f"**{_shown(field.label, fc.lang)}**")
    rows = {code: _row_label(field, code, label, fc.lang) for code, label in field.rows}
    cols = {code: _shown(label, fc.lang) for code, label in field.columns}
    blank = pd.DataFrame("", index=list(rows.values()), columns=list(cols))
    for code, cells in saved_cells(field, fc.initial).items():
        for col, value in cells.items():
            if code in rows and col in cols and value is not None:
                blank.at[rows[code], col] = str(value)
    width = max(GRID_MIN_COLUMN_PX, GRID_WIDTH_PX // max(len(cols), 1))  # every column fits the card
    config = {code: st.column_config.TextColumn(label, width=width) for code, label in cols.items()}
    edited = st.data_editor(blank, key=fc.k(*field.key), disabled=fc.disabled, column_config=config,
                            on_change=fc.on_change, width="stretch")
    if field.help is not None:
        st.caption(field.help.render(fc.lang))
    return filled_cells(field, edited, rows)
