"""Which rows and columns a task reads: filters, periods, the prepared frame, per-row metric values and the
task-sheet words for them; shared by the kinds that compute metrics (metric, report_table, choice,
budget_table, kpi_tree, matrix_review, risk_review, summary_report) and by the brief.

>>> d = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-08"]), "campaign_id": ["C01", "C02"]})
>>> apply_filter(d, {"campaign_id": "C02"})["date"].dt.day.tolist()
[8]
>>> describe_filter({"campaign_id": ["C01", "C02"]}, "en", "ad_delivery")
'campaign_id is one of C01, C02'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.core.i18n import t
from simulator.core.results import TaskParams
from simulator.core.value_labels import value_label
from simulator.engine import frames, grouping, metrics
from simulator.engine.labels import column_label, dataset_columns

PERIODS = ("day", "week", "month")
DATE_COLUMNS = ("date", "publish_date", "start_time", "snapshot_date", "assigned_date")
ENTITY_ALIASES = {"campaign": "campaign_id", "adgroup": "adgroup_id", "creative": "creative_id",
                  "account": "account_id", "session": "session_id", "product": "product_id",
                  "post": "post_id"}
"""Short names instructors may write for ``per``/``by``: ``campaign`` → ``campaign_id``."""



# --------------------------------------------------------------------------- filters

class DateRange(BaseModel):
    """An inclusive date range: ``{"from": 2024-11-01, "to": 2024-11-07}``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    start: dt.date = Field(alias="from", description="first day (inclusive)")
    end: dt.date = Field(alias="to", description="last day (inclusive)")

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self


Scalar = dt.date | bool | int | float | str
FilterValue = DateRange | list[Scalar] | Scalar
Filter = dict[str, FilterValue]


def _dates(values: list[Any]) -> pd.DatetimeIndex:
    try:
        return pd.DatetimeIndex(pd.to_datetime([str(v) for v in values])).normalize()
    except (ValueError, TypeError) as err:
        raise ValueError(f"filter: {values!r} are not dates") from err


def _condition_mask(series: pd.Series, cond: Any) -> np.ndarray:
    """Rows of ``series`` meeting one condition (value, list of values, or DateRange)."""
    is_date = pd.api.types.is_datetime64_any_dtype(series)
    mask: np.ndarray
    if isinstance(cond, DateRange):
        day = series.dt.normalize() if is_date else pd.to_datetime(series.astype(str), errors="coerce")
        mask = ((day >= pd.Timestamp(cond.start)) & (day <= pd.Timestamp(cond.end))).to_numpy()
        return mask
    values = list(cond) if isinstance(cond, list) else [cond]
    if is_date:
        mask = series.dt.normalize().isin(_dates(values)).to_numpy()
        return mask
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = pd.to_numeric(pd.Series([str(v) for v in values]), errors="coerce").dropna()
        mask = series.isin(numbers.tolist()).to_numpy()
        return mask
    return grouping.text_in(series, {str(v).strip() for v in values}, strip=True)


def with_periods(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``df`` plus a day/week/month column for each of ``names`` that is a period it lacks."""
    for name in names:
        if name in PERIODS and name not in df.columns:
            df = frames.add_period(df, date_column(df), name)  # type: ignore[arg-type]
    return df


def date_column(df: pd.DataFrame) -> str:
    """The frame's date column (date, publish_date, start_time, …); ValueError when none."""
    for col in DATE_COLUMNS:
        if col in df.columns:
            return col
    raise ValueError("the dataset has no date column")


def apply_filter(df: pd.DataFrame, conditions: Filter) -> pd.DataFrame:
    """Rows meeting every condition (column → value | [values] | DateRange); periods may be filtered.

    >>> d = pd.DataFrame({"c": ["C01", "C02", "C03"], "x": [1, 2, 3]})
    >>> apply_filter(d, {"c": ["C01", "C03"]})["x"].tolist()
    [1, 3]
    """
    if not conditions:
        return df
    df = with_periods(df, list(conditions))
    mask = np.ones(len(df), dtype=bool)
    for column, cond in conditions.items():
        if column not in df.columns:
            raise ValueError(f"filter column {column!r} is not in the dataset")
        mask &= _condition_mask(df[column], cond)
    return df[mask]


def filter_clause(conditions: Filter, lang: str, dataset: str | None = None) -> str:
    """The filter as a clause for a task sheet ("" without a filter)."""
    if not conditions:
        return ""
    return t("metric.describe_filter", lang, conditions=describe_filter(conditions, lang, dataset))


def _value_text(value: Any, column: str = "", lang: str = "zh") -> str:
    """A filter value as the trainee's file writes it (``signed`` → 已签收 in zh)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value_label(column, value, lang))


def describe_filter(conditions: Filter, lang: str, dataset: str | None = None) -> str:
    """The filter in words: ``campaign_id为C01且日期在2024-11-01至2024-11-07之间(含首尾)``."""
    parts = []
    for column, cond in conditions.items():
        label = column_label(column, lang, dataset)
        if isinstance(cond, DateRange):
            parts.append(t("metric.cond.range", lang, column=label, start=cond.start.isoformat(),
                           end=cond.end.isoformat()))
        elif isinstance(cond, list) and len(cond) > 1:
            sep = "、" if lang == "zh" else ", "
            parts.append(t("metric.cond.in", lang, column=label,
                           values=sep.join(_value_text(v, column, lang) for v in cond)))
        else:
            one = cond[0] if isinstance(cond, list) else cond
            parts.append(t("metric.cond.eq", lang, column=label, value=_value_text(one, column, lang)))
    return t("metric.cond.sep", lang).join(parts)


def needed_datasets(dataset: str, metric_names: list[str], columns: list[str]) -> list[str]:
    """``dataset`` plus those :func:`frames.frame_for` joins for these metrics and columns."""
    out = [dataset]
    uses = {c for m in metric_names if m in metrics.METRICS for c in metrics.METRICS[m].columns}
    if dataset == "ad_delivery" and uses & {"signed_gmv", "signed_orders"}:
        out.append("ad_orders")
    if dataset == "live_products" and set(columns) & {"date", *PERIODS}:
        out.append("live_sessions")
    return out


def frame(data: Mapping[str, pd.DataFrame], params: TaskParams, periods: list[str] | None = None) -> pd.DataFrame:
    """:func:`frames.frame_for` given only the datasets the task reads (skips joins it does not need),
    plus the ``periods`` columns; shared by the tasks of one key (:func:`frames.prepared_frame`): read-only."""
    return frames.prepared_frame(data, params.dataset, periods or [], only=params.datasets())  # type: ignore


DERIVED = {"ad_delivery": {"signed_gmv", "signed_orders"}, "live_sessions": {"date"},
           "live_products": {"date"}}
"""Columns :func:`frames.frame_for` adds to a dataset."""
JOINED = {"ad_delivery": {"signed_gmv": "metric.from_orders.signed_gmv",
                          "signed_orders": "metric.from_orders.signed_orders"}}
"""Derived columns a formula names that come from another dataset: the note a task text adds."""


def check_columns(dataset: str, columns: list[str], what: str) -> None:
    """Validator helper: ``columns`` must exist in ``dataset`` (when it is a documented dataset).

    Periods (day/week/month) are always allowed; a dataset brought as a file is not checked.
    """
    documented = dataset_columns().get(dataset)
    if not documented:
        return
    allowed = set(documented) | DERIVED.get(dataset, set()) | set(PERIODS)
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(f"{what}: {', '.join(unknown)} not a column of {dataset} "
                         f"(columns: {', '.join(documented)}; or day/week/month)")


def check_metrics(dataset: str, names: list[str]) -> None:
    """Validator helper: each metric must be computable from ``dataset`` (documented datasets only)."""
    if dataset not in dataset_columns():
        return
    wrong = [n for n in names if metrics.METRICS[n].datasets and dataset not in metrics.METRICS[n].datasets]
    if wrong:
        where = "; ".join(f"{n}: {', '.join(metrics.METRICS[n].datasets)}" for n in wrong)
        raise ValueError(f"metric not available in {dataset} (available in {where})")


def known_metric(name: str) -> str:
    """Validator helper: ``name`` must be a metric of :mod:`simulator.engine.metrics`."""
    if name not in metrics.METRICS:
        raise ValueError(f"unknown metric {name!r}; known: {', '.join(metrics.METRICS)}")
    return name


# --------------------------------------------------------------------------- per-row values and formulas

def row_array(df: pd.DataFrame, name: str, dataset: str | None = None) -> np.ndarray:
    """Each row's value of metric ``name`` as an array (NaN where a ratio's denominator is 0)."""
    m = metrics.get(name)
    cols = {c: metrics.column_values(df, c, dataset) for c in m.columns}
    return np.asarray(metrics.formula_from_sums(m, cols), dtype=float)


def row_values(df: pd.DataFrame, name: str, dataset: str | None = None) -> pd.Series:
    """Each row's value of metric ``name`` (NaN where a ratio's denominator is 0)."""
    return pd.Series(row_array(df, name, dataset), index=df.index)


def row_mean(df: pd.DataFrame, name: str, dataset: str | None = None) -> float:
    """The mean over rows of each row's value (a ratio's undefined rows skipped) — a trap, not a key."""
    return grouping.nanmean(row_array(df, name, dataset))


def has_column(df: pd.DataFrame, column: str, dataset: str | None) -> bool:
    """Whether ``df`` has metric column ``column`` (under its own name or its alias in ``dataset``)."""
    try:
        metrics.resolve_column(df, column, dataset)
    except metrics.MetricError:
        return False
    return True


def formula_text(m: metrics.Metric, lang: str, dataset: str | None) -> str:
    """``Σ点击数 ÷ Σ展示数``, ``Σ消耗 ÷ Σ展示数 × 1000`` (canonical names in en)."""
    aliases = metrics.COLUMN_ALIASES.get(dataset or "", {})  # the dataset's own name for a metric column

    def side(weights: dict[str, float]) -> str:
        terms = [("−" if w < 0 else "+") + column_label(aliases.get(c, c), lang, dataset)
                 for c, w in weights.items()]
        text = "".join(terms).lstrip("+")
        return t("metric.sum_of", lang, cols=f"({text})" if len(terms) > 1 else text)
    out = side(m.numerator)
    if m.denominator:
        out += " ÷ " + side(m.denominator)
    if m.factor != 1:
        out += f" × {m.factor:g}" if m.factor > 1 else f" ÷ {1 / m.factor:g}"
    joined = [c for c in m.columns if c in JOINED.get(dataset or "", {})]
    for c in joined:  # a column the dataset lacks: say where it comes from
        out += t(JOINED[dataset or ""][c], lang, column=column_label(c, lang, dataset))
    return out
