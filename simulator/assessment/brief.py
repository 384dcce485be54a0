"""The brief and the data cannot disagree (checked by ``simulator selftest`` for every trainee it tries).

- Every platform, bid type, placement, objective, product category and traffic source a scenario's
  context names appears in that trainee's data (when the scenario generates the dataset holding it).
- When the context names platforms, the accounts' data use no platform it does not name.
- Every grouping a ``report_table`` task (or a sheet of a ``summary_report`` workbook) asks for has at
  least :data:`MIN_GROUPS` rows, and each of its grouping columns other than a period (day, week, month)
  at least :data:`MIN_GROUPS` values.

>>> names_in("店铺投放 oCPM、CPC 计划,在抖音信息流与抖音搜索展示", "ad_delivery", "bid_type")
['oCPM', 'CPC']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from data.generators import accounts as accounts_family
from data.generators import ads as ads_family
from data.generators import live as live_family
from data.generators.common import CATEGORIES
from simulator import tasks as registry
from simulator.assessment.scenario import Scenario
from simulator.engine.selection import PERIODS

MIN_GROUPS = 3

# (dataset, column) → the names a brief may use for that column's values
VOCABULARY: dict[tuple[str, str], tuple[str, ...]] = {
    ("accounts_daily", "platform"): tuple(accounts_family.PLATFORM_PROFILE),
    ("ad_delivery", "bid_type"): ads_family.BID_TYPES,
    ("ad_delivery", "placement"): tuple(ads_family.PLACEMENTS),
    ("ad_delivery", "objective"): tuple(ads_family.OBJECTIVES),
    ("products", "category"): tuple(CATEGORIES),
    ("live_products", "category"): tuple(CATEGORIES),
    ("live_traffic", "source"): live_family.SOURCES,
}
EXCLUSIVE = {("accounts_daily", "platform")}
"""Columns whose values must all be named once the brief names any of them."""


def _pattern(name: str) -> re.Pattern[str]:
    """``name`` as a whole word for Latin names (CPM is not found inside oCPM), plainly otherwise."""
    if name.isascii():
        return re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])")
    return re.compile(re.escape(name))


def names_in(text: str, dataset: str, column: str) -> list[str]:
    """The names of ``dataset.column`` values that ``text`` mentions, in vocabulary order.

    A name found only inside a longer name of the same column (抖音 in 抖音搜索) still counts: a brief
    saying 抖音信息流 names the placement, and the platform check only runs on accounts data.
    """
    return [n for n in VOCABULARY[(dataset, column)] if _pattern(n).search(text)]


def _context_text(scenario: Scenario) -> str:
    return scenario.context.get("zh")


def brief_problems(scenario: Scenario, frames: Mapping[str, pd.DataFrame], trainee: str) -> list[str]:
    """What this trainee's data contradict in the brief: a named value missing, an unnamed platform."""
    text = _context_text(scenario)
    problems = []
    for (dataset, column) in VOCABULARY:
        if dataset not in frames or dataset in scenario.sources or column not in frames[dataset].columns:
            continue
        named = names_in(text, dataset, column)
        present = set(frames[dataset][column].dropna().astype(str))
        problems += [f"{trainee}: the brief names {name} but {dataset}.{column} has no such row"
                     for name in named if name not in present]
        if named and (dataset, column) in EXCLUSIVE:
            problems += [f"{trainee}: {dataset}.{column} holds {value}, which the brief does not name"
                         for value in sorted(present - set(named))]
    return problems


def _reports(entry: Mapping[str, Any]) -> list[tuple[str, list[str], list[Mapping[str, Any]]]]:
    """(label, grouping columns, rows) of each report table a key entry holds, as its kind declares them
    (a ``report_table``, or each sheet of a ``summary_report`` workbook)."""
    tables = registry.report_tables(entry["kind"], entry["params"], entry["answer"])
    return [(f"{entry['id']}{table.label}", table.by, table.rows) for table in tables]


def grouping_problems(key: Mapping[str, Any], trainee: str) -> list[str]:
    """Report tables (and summary-report sheets) whose grouping has fewer than MIN_GROUPS rows or values."""
    problems = []
    for entry in key["tasks"]:
        for label, by, rows in _reports(entry):
            if len(rows) < MIN_GROUPS:
                problems.append(f"{trainee} {label}: the report has {len(rows)} group(s), fewer than "
                                f"{MIN_GROUPS}")
            for column in by:
                values = {str(r.get(column)) for r in rows}
                if column not in PERIODS and len(values) < MIN_GROUPS:
                    problems.append(f"{trainee} {label}: {column} takes {len(values)} value(s) in the report, "
                                    f"fewer than {MIN_GROUPS}")
    return problems
