"""A submitted table, however it arrives: an upload's bytes, a file named in an answers file, a DataFrame or
``{"columns", "rows"}``; shared by every kind that grades a table (report_table, data_quality, kpi_tree,
budget_table, risk_review, summary_report).

>>> read_upload({"columns": ["日期", "消耗"], "rows": [["2024-11-01", 12.5]]}, None, None).columns.tolist()
['date', 'cost']
>>> try:
...     read_upload("../../etc/passwd", None, TaskContext(base_dir=Path("/tmp")))
... except AnswerFormatError as err:
...     print(err.message.key)
check.not_a_table
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.core.i18n import msg
from simulator.core.results import AnswerFormatError, TaskContext
from simulator.engine import checking  # noqa: F401 - registers the catalog entry check.not_a_table used here
from simulator.engine.uploads import TableReadError, read_table


def answer_file(name: str, ctx: TaskContext | None) -> Path:
    """A table named in an answers file: only a file inside the answers file's folder (``ctx.base_dir``).

    Typed text is never read as a server path: without a base folder, or for a name that leads outside
    it (``../``, absolute paths), the answer is not a table.
    """
    if ctx is None or ctx.base_dir is None:
        raise AnswerFormatError(msg("check.not_a_table"))
    base = Path(ctx.base_dir).resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise AnswerFormatError(msg("check.not_a_table"))
    return path


def read_upload(raw: Any, dataset: str | None, ctx: TaskContext | None) -> pd.DataFrame:
    """A submitted table — path (relative to ``ctx.base_dir``), bytes, DataFrame or ``{"columns", "rows"}``
    — read with canonical headers; :class:`AnswerFormatError` when it cannot be read."""
    if isinstance(raw, Mapping) and "rows" in raw:
        raw = pd.DataFrame(list(raw["rows"]), columns=raw.get("columns"))
    if isinstance(raw, str) and "\n" not in raw:
        raw = answer_file(raw, ctx)
    if not isinstance(raw, (pd.DataFrame, Path, bytes)):
        raise AnswerFormatError(msg("check.not_a_table"))
    try:
        return read_table(raw, dataset=dataset)
    except TableReadError as err:
        raise AnswerFormatError(err.message) from err


def malformed_table(params: Any = None) -> bytes:
    """Bytes no table reader accepts: the unreadable submission of every table kind (selftest)."""
    return b"\x00\x01\x02\x03 not a table \xff\xfe"
