"""Checking a table against the key's rows: rows matched on key columns in any order, one credit per cell.

Feedback names the wrong cells' rows and the likely mistake of a column (a misconception, too coarse a
rounding, a percent slip, too high or too low), never a key value.

>>> norm_key("2024年3月")
'2024-03'
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulator.core import misconceptions
from simulator.core.i18n import Msg, msg
from simulator.core.results import AnswerFormatError, Check
from simulator.core.value_labels import canonical_value
from simulator.engine.cells import NA_TOKENS
from simulator.engine.fields import is_blank, norm_text
from simulator.engine.fieldspec import FieldSpec, column_msg
from simulator.engine.numbers import (
    alternative_values,
    coarser_precision,
    is_percent_slip,
    key_matcher,
    matching_alternatives,
    precision_msg,
    to_float,
)

_MAX_LISTED = 6

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def norm_key(value: Any) -> str:
    """A grouping value as comparable text: dates 'YYYY-MM-DD', months 'YYYY-MM', numbers without '.0'.

    >>> [norm_key(v) for v in (" Ｃ01 ", "2024/1/5", pd.Timestamp("2024-01-05"), 3.0, "2024年3月")]
    ['C01', '2024-01-05', '2024-01-05', '3', '2024-03']
    """
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        stamp = pd.Timestamp(value)
        return str(stamp.strftime("%Y-%m-%d"))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if m := _DATE_RE.match(text):
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    if m := _MONTH_RE.match(text):
        return f"{m[1]}-{int(m[2]):02d}"
    if re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]
    return str(canonical_value(text))  # 已签收 / signed, product purchase / 商品购买: either language


def _row_key(record: Mapping[str, Any], key_columns: list[str]) -> str:
    """A row's key columns as one comparable text ("C01 / 2024-11-04")."""
    return " / ".join(norm_key(record[c]) for c in key_columns)


def find_column(frame: pd.DataFrame, name: str, spec: FieldSpec | None = None) -> str | None:
    """The frame's column for canonical ``name`` (exact, then case/width-insensitive, then by label)."""
    if name in frame.columns:
        return name
    wanted = {norm_text(name)}
    if spec is not None:
        wanted |= {norm_text(spec.label(name).render(lang)) for lang in ("zh", "en")}
    for col in frame.columns:
        if norm_text(col) in wanted:
            return str(col)
    return None


def listing(rows: list[str]) -> str:
    """The first few row keys, joined, with an ellipsis when there are more.

    >>> listing(["C01", "C02"]), listing([str(i) for i in range(9)])
    ('C01, C02', '0, 1, 2, 3, 4, 5 …')
    """
    shown = ", ".join(rows[:_MAX_LISTED])
    return shown + (" …" if len(rows) > _MAX_LISTED else "")


@dataclass
class _ColumnResult:
    """Outcome of one value column: wrong row keys, and how the wrong values relate to the key."""

    wrong: list[str]
    high: int = 0
    slips: int = 0
    coarse: int = 0
    alt_hits: dict[str, int] = field(default_factory=dict)


def _number_cell(value: Any, row: str, name: str) -> float:
    """One table cell as a float (NaN when blank or a placeholder such as ``-``/``#DIV/0!``)."""
    if is_blank(value) or (isinstance(value, str) and value.strip().casefold() in NA_TOKENS):
        return math.nan
    try:
        return to_float(value)
    except AnswerFormatError as err:
        raise AnswerFormatError(msg("check.table_cell_format", row=row, column=column_msg(name),
                                    detail=err.message)) from err


def prepare_table(given: Any, key_columns: list[str], value_columns: Mapping[str, FieldSpec]) -> pd.DataFrame:
    """The table reduced to canonical key columns and numeric value columns, or a format error.

    Raises :class:`AnswerFormatError` when ``given`` is not a table, lacks a key column, or has a cell
    that is not a number (placeholders like ``-`` count as blank). Value columns it lacks are left out
    (:func:`check_table` names them as missing). Call it from a kind's ``parse``.
    """
    if not isinstance(given, pd.DataFrame):
        raise AnswerFormatError(msg("check.not_a_table"))
    out: dict[str, Any] = {}
    for c in key_columns:
        found = find_column(given, c)
        if found is None:
            raise AnswerFormatError(msg("check.table_missing_key_column", column=column_msg(c)))
        out[c] = given[found]
    keys = pd.DataFrame(out, index=given.index)
    for name, spec in value_columns.items():
        found = find_column(given, name, spec)
        if found is not None:
            out[name] = _number_column(given[found], name, keys)
    return pd.DataFrame(out, index=given.index)


def _number_column(values: pd.Series, name: str, keys: pd.DataFrame) -> np.ndarray:
    """A value column as floats (see :func:`_number_cell`); ``keys`` name the row of a bad cell."""
    if values.dtype.kind in "fiu":  # already numbers: blanks are NaN, nothing to parse
        numbers: np.ndarray = values.to_numpy(dtype=float)
        if not np.isinf(numbers).any():
            return numbers
    row_names = [" / ".join(norm_key(v) for v in r) for r in keys.itertuples(index=False)]
    return np.array([_number_cell(v, rk, name) for v, rk in zip(values, row_names, strict=True)], dtype=float)


def _given_rows(given: pd.DataFrame, key_columns: list[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Given rows by normalised row key (first occurrence) and the keys of repeated rows."""
    rows: dict[str, dict[str, Any]] = {}
    repeated: list[str] = []
    for record in given.to_dict("records"):
        if all(is_blank(record[c]) for c in key_columns):
            continue
        rk = _row_key(record, key_columns)
        if rk in rows:
            repeated.append(rk)
        else:
            rows[rk] = record
    return rows, repeated


def _cell(record: Mapping[str, Any], name: str) -> float | None:
    """A parsed cell of a given row, None when blank."""
    value = record.get(name)
    return None if value is None or math.isnan(value) else float(value)


def _cell_ok(value: float | None, key: Any, spec: FieldSpec, tolerance: float, strict: bool = True) -> bool:
    """A cell matches: both blank (an undefined ratio, e.g. zero clicks), or the numbers match."""
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return value is None
    return value is not None and key_matcher(float(key), spec.unit, tolerance, spec.precision, strict)(value)


def _check_column(name: str, spec: FieldSpec, keyed: dict[str, dict[str, Any]], given: dict[str, dict[str, Any]],
                  alt_rows: dict[str, dict[str, dict[str, Any]]],
                  tolerance: float, strict: bool = True) -> _ColumnResult:
    """Compares one value column over the key rows present in the given table."""
    res = _ColumnResult(wrong=[])
    for rk, key_rec in keyed.items():
        if rk not in given:
            continue
        value, key = _cell(given[rk], name), key_rec.get(name)
        if _cell_ok(value, key, spec, tolerance, strict):
            continue
        res.wrong.append(rk)
        if value is None or key is None:
            continue
        key = float(key)
        res.high += value > key
        res.slips += is_percent_slip(value, key, unit=spec.unit, tolerance=tolerance)
        alts = {misconceptions.canonical(k): rows.get(rk, {}).get(name) for k, rows in alt_rows.items()}
        named = matching_alternatives(value, key, alts, unit=spec.unit, tolerance=tolerance,
                                      precision=spec.precision, strict=strict)
        best = min((abs(value - v) for k in named[:1] for v in alternative_values(alts[k])), default=0.0)
        for k in named:  # the closest mistake; mistakes giving the same number in this cell all count
            if any(abs(value - v) <= best + 1e-12 * max(1.0, abs(v)) for v in alternative_values(alts[k])):
                res.alt_hits[k] = res.alt_hits.get(k, 0) + 1
        if not named and spec.precision is not None and coarser_precision(value, key, spec.precision) is not None:
            res.coarse += 1
    return res


def _column_feedback(label: Msg, res: _ColumnResult, spec: FieldSpec) -> list[Msg]:
    """Messages for one column's wrong cells: where, and the likely mistake (never the values)."""
    n = len(res.wrong)
    out = [msg("check.table_wrong_column", column=label, n=n, rows=listing(res.wrong))]
    named = max(res.alt_hits, key=res.alt_hits.__getitem__, default=None)
    if named is not None and res.alt_hits[named] * 2 >= n:
        out.append(msg("check.table_column_alternative", column=label, reason=misconceptions.message(named)))
    elif res.coarse * 2 >= n and spec.precision is not None:
        out.append(msg("check.table_column_alternative", column=label,
                       reason=precision_msg(spec.unit, spec.precision)))
    elif res.slips * 2 >= n:
        out.append(msg("check.table_column_slip", column=label))
    elif res.high * 2 > n:
        out.append(msg("check.table_column_high", column=label))
    elif res.high * 2 < n:
        out.append(msg("check.table_column_low", column=label))
    return out


def _row_feedback(missing: list[str], extra: list[str]) -> list[Msg]:
    """Messages naming the extra (or repeated) rows and the missing ones."""
    out = []
    if extra:
        out.append(msg("check.table_extra_rows", n=len(extra), rows=listing(extra)))
    if missing:
        out.append(msg("check.table_missing_rows", n=len(missing), rows=listing(missing)))
    return out


def check_table(given: pd.DataFrame, key_rows: list[dict[str, Any]], *, key_columns: list[str],
                value_columns: dict[str, FieldSpec], tolerance: float,
                alternatives: Mapping[str, list[dict[str, Any]]] | None = None, strict: bool = True) -> Check:
    """Grades a table: rows matched on ``key_columns`` in any order, one credit per correct cell.

    The score is correct cells / (key cells + cells of extra rows), so extra or repeated rows cost too.
    ``alternatives`` maps a misconception's catalog key to the table that misconception gives (same key
    columns, e.g. the mean of daily ratios): a column whose wrong cells mostly match it is named.
    ``details``: ``wrong_cells`` [[row key, column], …], ``missing_rows``, ``extra_rows``,
    ``missing_columns``, ``cells_right``, ``cells_total`` — never key values.
    """
    table = prepare_table(given, key_columns, value_columns)
    keyed = {_row_key(r, key_columns): r for r in key_rows}
    rows, repeated = _given_rows(table, key_columns)
    alt_rows = {k: {_row_key(r, key_columns): r for r in t} for k, t in (alternatives or {}).items()}
    missing = [rk for rk in keyed if rk not in rows]
    extra = [rk for rk in rows if rk not in keyed] + repeated
    feedback, wrong_cells, missing_cols = _row_feedback(missing, extra), [], []
    for name, spec in value_columns.items():
        if name not in table.columns:
            missing_cols.append(name)
            feedback.append(msg("check.table_missing_column", column=spec.label(name)))
            wrong_cells += [[rk, name] for rk in keyed if rk in rows]
            continue
        res = _check_column(name, spec, keyed, rows, alt_rows, tolerance, strict)
        wrong_cells += [[rk, name] for rk in res.wrong]
        feedback += _column_feedback(spec.label(name), res, spec) if res.wrong else []
    cells = len(value_columns) * len(keyed)
    right = cells - len(value_columns) * len(missing) - len(wrong_cells)
    total = cells + len(value_columns) * len(extra)
    feedback.insert(0, msg("check.table_summary", right=right, total=cells))
    details = {"wrong_cells": wrong_cells, "missing_rows": missing, "extra_rows": extra,
               "missing_columns": missing_cols, "cells_right": right, "cells_total": cells}
    return Check(right / total if total else 0.0, feedback, details=details)
