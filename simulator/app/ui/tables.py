"""Uploaded answer tables: reading them with a clear message, a preview, and wrong cells highlighted.

The highlighted table is the trainee's own upload with the wrong cells coloured: it never shows the
right values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial

import pandas as pd
import streamlit as st

from simulator.core.i18n import Msg, msg, t
from simulator.engine.labels import rename_to_labels
from simulator.engine.table_check import norm_key
from simulator.engine.uploads import TableReadError, read_table

log = logging.getLogger("simulator.app.ui")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PREVIEW_ROWS = 5
WRONG_STYLE = "background-color: #ffd6d6; color: #a8071a; font-weight: 600"


def read_upload(data: bytes, filename: str,
                dataset: str | None = None) -> tuple[pd.DataFrame | None, Msg | None]:
    """The uploaded table (canonical headers), or a message saying why it cannot be read."""
    try:
        return read_table(data, filename=filename, dataset=dataset, max_bytes=MAX_UPLOAD_BYTES), None
    except TableReadError as exc:
        return None, exc.message
    except Exception:  # noqa: BLE001 - any other failure is still the file's problem for the trainee
        log.exception("upload %s could not be read", filename)
        return None, msg("ui.upload.unreadable", name=filename)


def preview(table: pd.DataFrame, lang: str) -> None:
    """Size, unknown headers and the first rows of an upload, headers in the reader's language."""
    st.caption(t("ui.upload.read_ok", lang, rows=len(table), cols=len(table.columns)))
    unknown = table.attrs.get("unknown_headers") or []
    if unknown:
        names = "、".join(map(str, unknown))
        st.warning(t("ui.upload.unknown_headers", lang, headers=names), icon=":material/info:")
    st.dataframe(rename_to_labels(table.head(PREVIEW_ROWS), lang), hide_index=True)


def guess_key_columns(table: pd.DataFrame, wrong_cells: Sequence[Sequence[str]],
                      other_values: Sequence[str] = ()) -> list[str]:
    """The grouping columns of a table: as many leading non-value columns as a row key has parts.

    >>> guess_key_columns(pd.DataFrame(columns=["date", "ctr"]), [["2024-01-01", "ctr"]])
    ['date']
    """
    if not wrong_cells:
        return []
    values = {str(col) for _, col in wrong_cells} | set(other_values)
    parts = len(str(wrong_cells[0][0]).split(" / "))
    return [c for c in table.columns if c not in values][:parts]


def row_keys(table: pd.DataFrame, key_columns: Sequence[str]) -> list[str]:
    """Each row's key as the grader writes it: normalised key values joined by " / "."""
    if not key_columns or any(c not in table.columns for c in key_columns):
        return [""] * len(table)
    return [" / ".join(norm_key(v) for v in row) for row in table[list(key_columns)].itertuples(index=False)]


def wrong_mask(table: pd.DataFrame, wrong_cells: Sequence[Sequence[str]],
               key_columns: Sequence[str] | None = None, other_values: Sequence[str] = ()) -> pd.DataFrame:
    """A boolean frame shaped like ``table``: True where the grader marked a cell wrong."""
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    keys = row_keys(table, key_columns or guess_key_columns(table, wrong_cells, other_values))
    wrong = {(str(rk), str(col)) for rk, col in wrong_cells}
    for i, rk in enumerate(keys):
        for col in table.columns:
            if (rk, str(col)) in wrong:
                mask.iat[i, table.columns.get_loc(col)] = True
    return mask


def cell_text(value: object, decimals: int | None = None) -> str:
    """A number as a person writes it: the task's decimals when known, else without trailing zeros.

    >>> cell_text(299987.63), cell_text(0.034512, 4), cell_text(12.0), cell_text("C01"), cell_text(None)
    ('299987.63', '0.0345', '12', 'C01', '')
    """
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if decimals is not None:
        return f"{float(value):.{decimals}f}"
    return f"{float(value):.10g}" if float(value) != int(value) else str(int(value))


def show_wrong_cells(table: pd.DataFrame, details: dict, lang: str,
                     key_columns: Sequence[str] | None = None,
                     decimals: Mapping[str, int] | None = None) -> None:
    """The trainee's table with the wrong cells coloured (no right values anywhere).

    ``key_columns`` are the task's group columns (guessed from the row keys when not given);
    ``decimals`` (canonical column → decimals the task asks for) sets how numbers are shown.
    """
    wrong_cells = details.get("wrong_cells") or []
    if not wrong_cells:
        return
    mask = wrong_mask(table, wrong_cells, key_columns or details.get("key_columns"),
                      details.get("missing_columns") or ())
    if not mask.to_numpy().any():
        return
    shown = rename_to_labels(table, lang)
    mask.columns = shown.columns
    css = mask.map(lambda wrong: WRONG_STYLE if wrong else "")
    formats = {label: partial(cell_text, decimals=(decimals or {}).get(str(col)))
               for col, label in zip(table.columns, shown.columns, strict=True)}
    styled = shown.style.apply(lambda _: css, axis=None).format(formats)
    st.caption(t("ui.result.wrong_cells", lang, n=int(mask.to_numpy().sum())))
    st.dataframe(styled, hide_index=True)
