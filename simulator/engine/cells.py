"""Typing one column of an uploaded table: numbers, percents, ids, dates, weeks, months, text.

:func:`convert_column` is what :func:`simulator.engine.uploads.read_table` applies to every column once
the headers are canonical: numeric-looking columns become numbers (percent strings → fractions, ``¥``,
thousands separators, full-width digits; the placeholders in :data:`NA_TOKENS` → NaN), id columns stay
text (or int64 when every cell is a plain integer), date columns become ``YYYY-MM-DD`` strings, week
columns their Monday's ``YYYY-MM-DD`` and month columns ``YYYY-MM``. Cells that do not parse are kept as
text, for the checker to point at.

>>> convert_column("week", pd.Series(["2024-11-13", "不详"])).tolist()
['2024-11-11', '不详']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from simulator.core.results import AnswerFormatError
from simulator.engine.parsing import parse_date, parse_month, parse_number, parse_week

NA_TOKENS = {"", "-", "--", "—", "——", "n/a", "na", "nan", "null", "none", "#div/0!", "#n/a", "#value!",
             "#num!", "/"}
"""Cell texts read as blank in numeric columns (placeholders platform exports use)."""

DATE_COLUMNS = {"date", "day", "publish_date", "snapshot_date", "assigned_date"}
WEEK_COLUMNS = {"week"}
MONTH_COLUMNS = {"month"}


def blank_cell(value: Any) -> bool:
    """None, NaN or only whitespace.

    >>> blank_cell(" "), blank_cell(float("nan")), blank_cell(0)
    (True, True, False)
    """
    return value is None or (isinstance(value, float) and value != value) or \
        (isinstance(value, str) and not value.strip())


def percent_header(header: Any) -> bool:
    """A header such as ``点击率(%)`` says plain numbers below it are percents."""
    return "%" in unicodedata.normalize("NFKC", str(header))


def is_id_column(column: str) -> bool:
    """Id-like columns are never turned into floats: ``campaign_id``, ``user_id``, ``id``."""
    return column == "id" or column.endswith("_id")


def convert_column(column: str, values: pd.Series, percent: bool = False) -> pd.Series:
    """One column typed: dates/months as strings, ids as text (or int64 when all plain integers),
    numeric-looking columns as float64/int64, everything else as text with blanks as None.

    With ``percent`` (the header said ``%``), numbers typed without a percent sign are percents too.
    Each distinct cell is parsed once, so long columns of repeated values stay fast.

    >>> convert_column("ctr", pd.Series(["3.45%", "--", "0.02"])).tolist()
    [0.0345, nan, 0.02]
    """
    typed = _already_typed(column, values)
    if typed is not None:
        return _percent_scaled(typed, percent)
    codes, cells = _distinct_cells(values)
    parser = _period_parser(column)
    if parser is not None:
        return _expand([_or_text(parser, v) for v in cells], codes, values.index, None)
    if _integer_ids(column, cells, codes):
        return _expand([int(v) for v in cells], codes, values.index, 0).astype("int64")
    numbers = None if is_id_column(column) else _percent_numbers(cells, percent)
    if numbers is None:
        return _expand([_text_cell(v) for v in cells], codes, values.index, None)
    return _narrowed(_expand(numbers, codes, values.index, float("nan")).astype("float64"), cells, percent)


def _percent_scaled(typed: pd.Series, percent: bool) -> pd.Series:
    """An already numeric column under a ``%`` header as fractions; anything else unchanged.

    >>> _percent_scaled(pd.Series([5, 10]), True).tolist(), _percent_scaled(pd.Series(["x"]), True).tolist()
    ([0.05, 0.1], ['x'])
    """
    return typed / 100 if percent and typed.dtype.kind in "if" else typed


def _distinct_cells(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """``(codes, cells)``: each value's index into the distinct cells (-1 for NaN), blanks as None.

    >>> codes, cells = _distinct_cells(pd.Series(["a", " ", "a", None]))
    >>> codes.tolist(), cells
    ([0, 1, 0, -1], ['a', None])
    """
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes, [None if blank_cell(v) else v for v in uniques]


def _period_parser(column: str) -> Callable[[Any], str] | None:
    """The parser of a date, month or week column (by its canonical name); None for other columns.

    >>> _period_parser("order_date") is parse_date, _period_parser("month") is parse_month
    (True, True)
    """
    if column in DATE_COLUMNS or column.endswith("_date"):
        return parse_date
    if column in MONTH_COLUMNS:
        return parse_month
    return parse_week if column in WEEK_COLUMNS else None


def _integer_ids(column: str, cells: list[Any], codes: np.ndarray) -> bool:
    """An id column whose every cell is a plain integer, none blank: kept as int64.

    >>> _integer_ids("user_id", [10, "11"], np.array([0, 1])), _integer_ids("user_id", ["007"], np.array([0]))
    (True, False)
    """
    return is_id_column(column) and bool(cells) and all(v is not None and _plain_integer(v) for v in cells) \
        and bool((codes >= 0).all())


def _percent_numbers(cells: list[Any], percent: bool) -> list[float] | None:
    """Each distinct cell as a number (:func:`_numbers`); under a ``%`` header plain numbers are percents.

    >>> _percent_numbers(["3.45%", "2"], percent=True), _percent_numbers(["a"], percent=False)
    ([0.0345, 0.02], None)
    """
    numbers = _numbers(cells)
    if numbers is None or not percent:
        return numbers
    return [n if _has_percent([c]) else n / 100 for n, c in zip(numbers, cells, strict=True)]


def _narrowed(out: pd.Series, cells: list[Any], percent: bool) -> pd.Series:
    """A float column as int64 when every value is a whole number and none was typed as a percent.

    >>> _narrowed(pd.Series([1.0, 2.0]), ["1", "2"], False).dtype.name
    'int64'
    """
    integral = out.notna().all() and (out == out.round()).all() and out.abs().max() < 2**53
    return out.astype("int64") if integral and len(out) and not (percent or _has_percent(cells)) else out


def _is_period_column(column: str) -> bool:
    """A date, week or month column (by its canonical name)."""
    return column in DATE_COLUMNS | WEEK_COLUMNS | MONTH_COLUMNS or column.endswith("_date")


def _already_typed(column: str, values: pd.Series) -> pd.Series | None:
    """Columns of a frame that already carry numbers or datetimes (week/month go cell by cell)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        if column in WEEK_COLUMNS | MONTH_COLUMNS:
            return None
        fmt = "%Y-%m-%d" if _is_period_column(column) else "%Y-%m-%d %H:%M:%S"
        return values.dt.strftime(fmt).astype(object).where(values.notna(), None)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        if _is_period_column(column) or (is_id_column(column) and values.dtype.kind == "f"):
            return None
        return values
    return None


def _expand(converted: list[Any], codes: Any, index: pd.Index, blank: Any) -> pd.Series:
    """Each value's converted distinct cell (``codes`` from :func:`_distinct_cells`; -1 gives ``blank``)."""
    table = np.empty(len(converted) + 1, dtype=object)
    table[: len(converted)] = converted
    table[-1] = blank
    return pd.Series(table[codes], index=index, dtype=object)


def _or_text(parser: Any, value: Any) -> Any:
    """``parser(value)``, or the cell as text when it does not parse (the checker points at it)."""
    if value is None:
        return None
    try:
        return parser(value)
    except AnswerFormatError:
        return _text_cell(value)


def _text_cell(value: Any) -> Any:
    """A cell as text: blanks None, dates ISO, whole floats without ``.0``, strings stripped."""
    if blank_cell(value):
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else str(value)


def _plain_integer(value: Any) -> bool:
    """An int, a whole float within 2**53, or digits without a leading zero within int64."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer() and abs(value) < 2**53
    text = value.strip() if isinstance(value, str) else ""
    return re.fullmatch(r"[1-9]\d{0,18}|0", text) is not None and int(text) < 2**63


def _numbers(cells: list[Any]) -> list[float] | None:
    """Each cell as a number (placeholders and blanks → NaN); None when any cell is text."""
    out: list[float] = []
    for value in cells:
        if value is None or (isinstance(value, str) and value.strip().casefold() in NA_TOKENS):
            out.append(float("nan"))
        elif isinstance(value, bool) or hasattr(value, "isoformat"):
            return None
        else:
            try:
                out.append(parse_number(value).value)
            except AnswerFormatError:
                return None
    return out if any(v == v for v in out) else None


def _has_percent(cells: list[Any]) -> bool:
    """Whether any cell was typed with a percent sign (half- or full-width)."""
    return any(isinstance(v, str) and ("%" in v or "％" in v) for v in cells)
