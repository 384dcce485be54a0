"""Shared pieces of the planning task kinds (kpi_tree, budget_table, risk_review): tables with a 合计 row.

A planning table is a grouped table the trainee uploads: one row per group (channel, week, account …)
and, where the task asks for it, a total row whose group cell is 合计 (Total). Those kinds read the
upload with :func:`simulator.engine.submissions.read_upload`, then these helpers bring the total row's
label and yes/no cells to one spelling before :func:`simulator.engine.table_check.check_table` grades the cells.

>>> with_total_label(pd.DataFrame({"placement": ["抖音信息流", "总计"]}), ["placement"])["placement"].tolist()
['抖音信息流', '合计']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulator.core.i18n import Msg, msg
from simulator.engine import table_check
from simulator.engine.fieldspec import FieldSpec
from simulator.engine.labels import rename_to_labels
from simulator.engine.numbers import format_number

TOTAL = "合计"
"""The group label of a total row in keys (trainees may write 合计, 总计, 汇总, Total or Sum)."""

_TOTAL_WORDS = {"合计", "总计", "汇总", "总和", "全部", "total", "totals", "sum", "all", "grand total"}
_YES = {"是", "y", "yes", "true", "1", "1.0", "√", "✓", "flag", "flagged", "预警", "高风险"}
_NO = {"否", "n", "no", "false", "0", "0.0", "×", "", "正常", "低风险"}


def _norm(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


def is_total(value: Any) -> bool:
    """True for a cell that names a total row (合计, 总计, Total …)."""
    if value is None or isinstance(value, (pd.Timestamp, int, float)):
        return False
    return _norm(value) in _TOTAL_WORDS


def with_total_label(table: pd.DataFrame, key_columns: list[str]) -> pd.DataFrame:
    """A copy of ``table`` whose total rows read :data:`TOTAL` in every key column."""
    out = table.copy()
    for col in key_columns:
        found = table_check.find_column(out, col)  # the same header matching check_table uses
        if found is None:
            continue
        values = out[found].astype(object)
        out[found] = [TOTAL if is_total(v) else v for v in values]
    return out


def metric_names(table: pd.DataFrame, dataset: str | None, names: Iterable[str]) -> pd.DataFrame:
    """Renames a dataset's own column to the metric asked for (live_products' exposure_users is the
    metric product_exposure_users), as :func:`simulator.tasks.report_table.metric_columns` does."""
    from simulator.engine import metrics

    aliases = metrics.COLUMN_ALIASES.get(dataset or "", {})
    wanted = set(names)
    renames = {col: name for name, col in aliases.items()
               if name in wanted and name not in table.columns and col in table.columns}
    return table.rename(columns=renames) if renames else table


def yes_no_column(table: pd.DataFrame, column: str, spec: FieldSpec) -> pd.DataFrame:
    """``column`` (found by name or label) as 1.0/0.0 from 是/否, yes/no, 1/0 or ✓/×.

    Raises :class:`AnswerFormatError` naming the row for any other word.
    """
    from simulator.core.results import AnswerFormatError

    found = table_check.find_column(table, column, spec)
    if found is None:
        return table
    out = table.copy()
    values = []
    for i, v in enumerate(out[found].tolist(), start=2):
        word = "" if v is None or (isinstance(v, float) and np.isnan(v)) else _norm(v)
        if word in _YES:
            values.append(1.0)
        elif word in _NO:
            values.append(0.0 if word else np.nan)
        else:
            raise AnswerFormatError(msg("plan.not_yes_no", row=i, column=spec.label(column)))
    out[found] = values
    return out


def has_total_row(table: pd.DataFrame, key_columns: list[str]) -> bool:
    """True when some row's first key column reads :data:`TOTAL` (after :func:`with_total_label`)."""
    found = table_check.find_column(table, key_columns[0])
    return found is not None and bool((table[found].astype(object) == TOTAL).any())


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN/inf → None, dates → YYYY-MM-DD)."""
    from simulator.engine import metrics

    return metrics.json_records(frame, inf_as_none=True)


def typed_sheet(rows: list[dict[str, Any]], columns: list[str], specs: Mapping[str, FieldSpec], dataset: str | None,
                yes_no: Iterable[str] = (), labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The key as a trainee's sheet: rows reversed, numbers typed with % and commas, Chinese headers.

    ``labels`` renames columns the dataset does not know (target columns …) to their Chinese labels.
    """
    frame = pd.DataFrame(rows, columns=columns).iloc[::-1].reset_index(drop=True).astype(object)
    for name, spec in specs.items():
        if name in yes_no:
            frame[name] = ["是" if v else "否" for v in frame[name]]
            continue
        frame[name] = ["" if v is None or pd.isna(v) else
                       format_number(float(v), spec.unit, spec.precision or 0) for v in frame[name]]
    frame = rename_to_labels(frame, "zh", dataset)
    return frame.rename(columns=dict(labels or {}))


def shifted(rows: list[dict[str, Any]], columns: list[str], rng: np.random.Generator,
            specs: Mapping[str, FieldSpec]) -> pd.DataFrame:
    """The key with one number cell of a non-total row moved 10–40% (for selftest's "scores less").

    Only cells whose 10% move shows at their column's precision are picked (a 0.0002 rate at 4 decimals
    moves by less than one unit), unless no cell qualifies.
    """
    frame = pd.DataFrame(rows)
    candidates = [(r, c) for r in range(len(frame)) for c in columns
                  if frame.at[r, c] is not None and not pd.isna(frame.at[r, c]) and float(frame.at[r, c]) != 0]

    def shows(r: int, c: str) -> bool:
        precision = specs[c].precision if c in specs else None
        return precision is None or abs(float(frame.at[r, c])) * 0.1 > 10.0 ** -precision

    candidates = [rc for rc in candidates if shows(*rc)] or candidates
    row, col = candidates[int(rng.integers(len(candidates)))]
    frame[col] = frame[col].astype(float)
    frame.at[row, col] = float(frame.at[row, col]) * (1 + rng.choice([-1.0, 1.0]) * rng.uniform(0.1, 0.4))
    return frame


def rows_listing(rows: list[str]) -> str:
    """Row names for a message (at most six, then …)."""
    return table_check.listing(rows)


def note(key: str, **params: Any) -> Msg:
    """A catalog message (shorthand used by the planning kinds)."""
    return msg(key, **params)
