"""Keeping exported text from running as a spreadsheet formula (CSV/formula injection).

Excel, WPS and LibreOffice evaluate a cell whose text starts with ``= + - @`` — also after leading
spaces or a line break, and with the full-width ``＝＋－＠`` a Chinese input method types. Such text gets
a leading ``'``, which spreadsheets show as plain text. Plain signed numbers (``-5``, ``+3.5``) are left
alone: a spreadsheet reads them as numbers, not formulas. JSON output is never passed through here.

>>> [neutralise(v) for v in ["=1+1", " @SUM(A1)", "＝HYPERLINK(1)", "\\n=cmd", "-5", "a-b", 3]]
["'=1+1", "' @SUM(A1)", "'＝HYPERLINK(1)", "'\\n=cmd", '-5', 'a-b', 3]
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas only for guard_frame: the exam CLI imports this module and must start fast
    import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
"""Starts of a cell's text that a spreadsheet may evaluate (after any leading spaces)."""

_RISKY = re.compile(r"^[\t\r\n]|^[ \u3000\t\r\n]*[=+\-@＝＋－＠]")
_NUMBER = re.compile(r"^[+\-][0-9]+(?:\.[0-9]+)?(?:[eE][+\-]?[0-9]+)?$")


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could evaluate ``text`` as a formula."""
    return bool(_RISKY.match(text)) and not _NUMBER.match(text)


def neutralise(value: Any) -> Any:
    """Risky text gets a leading ``'``; anything else is returned unchanged."""
    return "'" + value if isinstance(value, str) and needs_guard(value) else value


def guard_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`neutralise` applied to the text of every text column (others untouched)."""
    import pandas as pd

    out = df
    for col in df.columns:
        values = df[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            names = [neutralise(c) for c in values.cat.categories]
            if names != list(values.cat.categories):
                out = out.copy() if out is df else out
                out[col] = values.astype(object).map(neutralise, na_action="ignore")
            continue
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        text = values.where(values.map(lambda v: isinstance(v, str)).astype(bool))
        risky = text.str.match(_RISKY).fillna(False).astype(bool) & \
            ~text.str.match(_NUMBER).fillna(False).astype(bool)
        if risky.any():
            out = out.copy() if out is df else out
            out[col] = values.where(~risky, "'" + text)
    return out
