"""The shared misconception catalog: one message per mistake, the same words in every task kind.

A key records what each common mistake gives on the trainee's data, keyed by a catalog key
(``misc.…``, worded in ``locales/core/misconceptions.json``); the checkers name a mistake only when
the answer matches its value within tolerance and that value is told apart from the key
(:func:`simulator.engine.numbers.separates`). The mean-of-ratios
mistake carries the period word of the data it averaged over: each day, week, month or row.

Keys of the kinds' own older names (``metric.mean_of_ratios``, ``report_table.filter_ignored`` …),
found in keys stored before the catalog existed, render with the catalog's words (:func:`message`).

>>> message("metric.mean_of_row_ratios").render("zh")[:12]
'看起来是先算每一行的比率'
>>> date_grain(pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])))
'month'
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from simulator.core.i18n import Msg, msg

Grain = Literal["day", "week", "month", "row"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "row")

ALIASES = {
    "metric.mean_of_ratios": "misc.mean_of_ratios.day",
    "metric.mean_of_row_ratios": "misc.mean_of_ratios.row",
    "report_table.mean_of_ratios": "misc.mean_of_ratios.day",
    "report_table.mean_of_row_ratios": "misc.mean_of_ratios.row",
    "choice.mean_of_ratios": "misc.mean_of_ratios.day",
    "metric.filter_ignored": "misc.filter_ignored",
    "report_table.filter_ignored": "misc.filter_ignored",
    "sample_size.total": "misc.total_not_per_arm",
}
"""Older per-kind keys → the catalog key with the same meaning."""


def canonical(key: str) -> str:
    """The catalog key a misconception key stands for (itself when it has no alias)."""
    return ALIASES.get(key, key)


def message(key: str) -> Msg:
    """The message naming misconception ``key`` (older per-kind keys in the catalog's words)."""
    return msg(canonical(key))


def mean_of_ratios_key(grain: Grain) -> str:
    """``misc.mean_of_ratios.month`` for monthly data, ``….row`` for the mean of the rows' ratios."""
    return f"misc.mean_of_ratios.{grain}"


def date_grain(dates: pd.Series) -> Grain:
    """The period the data's rows are dated by: ``month`` (one date per month, 28 days apart or more),
    ``week`` (whole weeks apart), else ``day``."""
    days = pd.Series(pd.to_datetime(dates, errors="coerce")).dropna().dt.normalize().drop_duplicates()
    days = days.sort_values()
    if len(days) < 2:
        return "day"
    gaps = days.diff().dropna().dt.days
    if days.dt.to_period("M").nunique() == len(days) and (gaps >= 28).all():
        return "month"
    if (gaps % 7 == 0).all():
        return "week"
    return "day"
