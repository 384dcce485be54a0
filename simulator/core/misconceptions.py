"""The shared misconception catalog: one message per mistake, the same words in every task kind.

A key records what each common mistake gives on the trainee's data, keyed by a catalog key here
(``misc.…``); the checkers name a mistake only when the answer matches its value within tolerance and
that value is told apart from the key (:func:`simulator.engine.numbers.separates`). The mean-of-ratios
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

from simulator.core.i18n import Msg, msg, register

Grain = Literal["day", "week", "month", "row"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "row")

_PERIOD_WORDS = {"day": ("每天", "daily"), "week": ("每周", "weekly"), "month": ("每月", "monthly"),
                 "row": ("每一行", "row")}

CATALOG: dict[str, dict[str, str]] = {
    **{f"misc.mean_of_ratios.{grain}": {
        "zh": f"看起来是先算{zh}的比率再取平均;比率应为分子合计 ÷ 分母合计(比率的平均不等于合计之比)。",
        "en": f"This looks like the mean of the {en} ratios; a ratio is the summed numerator ÷ the summed "
              "denominator (the mean of ratios is not the ratio of the totals)."}
       for grain, (zh, en) in _PERIOD_WORDS.items()},
    "misc.filter_ignored": {
        "zh": "看起来没有按题目的筛选条件取数(或漏了其中一个条件);请只统计符合条件的数据。",
        "en": "The filter seems to have been ignored (or one of its conditions); count only the "
              "matching rows."},
    "misc.total_not_per_arm": {
        "zh": "给出的是两组合计;本题要求的是每组的数量。",
        "en": "That is the total of both arms; the task asks per arm."},
}
register(CATALOG)

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
