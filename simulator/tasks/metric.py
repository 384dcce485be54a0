"""``metric``: one metric over a filtered slice of a dataset (e.g. 点击率 of campaign C01 in a week).

The key is the ratio of the slice's sums (``simulator.engine.metrics``). With ``per`` it is the mean over
groups (days, weeks, months or entities) of each group's total, e.g. 日均消耗. The key also records
what the common mistakes give (``misconceptions``: catalog key → value(s)), so feedback can name them:
the mean of daily (or row) ratios, a known wrong formula variant (CVR over impressions, GPM over
viewers, …), the filter ignored, a total where a mean was asked or the reverse; a 100× percent slip is
recognised by :mod:`simulator.engine.checking`.

>>> df = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-02", "2024-11-03"]),
...                    "campaign_id": ["C01", "C01", "C02"], "impressions": [50000, 25000, 80000],
...                    "clicks": [2500, 3000, 5000], "cost": [6250.0, 3750.0, 10000.0]})
>>> round(make(Params(dataset="ad_delivery", metric="ctr"), {"ad_delivery": df}).key["value"], 6)
0.067742
>>> make(Params(dataset="ad_delivery", metric="cost", per="day"), {"ad_delivery": df}).key["value"]
6666.666666666667
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.core.forms import AnswerForm, Number
from simulator.core.i18n import msg, register, t
from simulator.core.misconceptions import date_grain, mean_of_ratios_key
from simulator.core.value_labels import value_label
from simulator.engine import checking, grouping, metrics
from simulator.engine.labels import column_label, dataset_columns
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams

KIND = "metric"
PERIODS = ("day", "week", "month")
DATE_COLUMNS = ("date", "publish_date", "start_time", "snapshot_date", "assigned_date")
ENTITY_ALIASES = {"campaign": "campaign_id", "adgroup": "adgroup_id", "creative": "creative_id",
                  "account": "account_id", "session": "session_id", "product": "product_id",
                  "post": "post_id"}
"""Short names instructors may write for ``per``/``by``: ``campaign`` → ``campaign_id``."""

register({
    "metric.sum_not_mean": {
        "zh": "给出的是合计值;本题要求的是平均值(合计 ÷ 分组个数)。",
        "en": "That is the total; the task asks for the mean per group (total ÷ number of groups)."},
    "metric.mean_not_sum": {
        "zh": "给出的是平均值;本题要求的是合计值。", "en": "That is a mean; the task asks for the total."},
    "metric.wrong_period": {
        "zh": "平均的周期不对(例如按周平均而不是按天);请按题目要求的周期平均。",
        "en": "Averaged over the wrong period (e.g. per week instead of per day); use the period asked."},
    "metric.standard_definition": {
        "zh": "用的是常规口径;本题指定了另一种口径,请按题目给出的分子、分母计算。",
        "en": "That is the usual definition; this task specifies another one: use its numerator and "
              "denominator."},
    "metric.describe": {
        "zh": "根据数据表 {dataset}{filter},计算{what}。结果{rounding}。",
        "en": "From table {dataset}{filter}, compute {what}. Give the result {rounding}."},
    "metric.describe_filter": {"zh": " 中{conditions}的数据", "en": " for the rows where {conditions}"},
    "metric.what": {"zh": "{label}({formula})", "en": "{label} ({formula})"},
    "metric.per_period": {
        "zh": "{prefix}{label}:先按{period}汇总{label},再对有数据的各{period}取平均{note}",
        "en": "the {prefix} average {label}: the total per {period}, averaged over the {period}s that "
              "have data{note}"},
    "metric.week_note": {"zh": "(每周从周一到周日)", "en": " (weeks run Monday to Sunday)"},
    "metric.per_column": {
        "zh": "平均每个{entity}的{label}(各{entity}合计之和 ÷ {entity}个数)",
        "en": "the mean {label} per {entity} (each {entity}'s total, averaged over the {entity}s)"},
    "metric.period.day": {"zh": "天", "en": "day"},
    "metric.period.week": {"zh": "周", "en": "week"},
    "metric.period.month": {"zh": "月", "en": "month"},
    "metric.prefix.day": {"zh": "日均", "en": "daily"},
    "metric.prefix.week": {"zh": "周均", "en": "weekly"},
    "metric.prefix.month": {"zh": "月均", "en": "monthly"},
    "metric.cond.eq": {"zh": "{column}为{value}", "en": "{column} is {value}"},
    "metric.cond.in": {"zh": "{column}为{values}之一", "en": "{column} is one of {values}"},
    "metric.cond.range": {"zh": "{column}在{start}至{end}之间(含首尾)",
                          "en": "{column} is from {start} to {end} (inclusive)"},
    "metric.cond.sep": {"zh": "且", "en": " and "},
    "metric.sum_of": {"zh": "Σ{cols}", "en": "Σ{cols}"},
    "metric.from_orders.signed_gmv": {
        "zh": ";ad_delivery 没有{column}列,{column}取自 ad_orders:状态为已签收的订单金额,按日期和计划汇总",
        "en": "; ad_delivery has no {column} column: take it from ad_orders, the amounts of orders with "
              "status signed, summed per date and campaign"},
    "metric.from_orders.signed_orders": {
        "zh": ";ad_delivery 没有{column}列,{column}取自 ad_orders:状态为已签收的订单数,按日期和计划汇总",
        "en": "; ad_delivery has no {column} column: take it from ad_orders, the number of orders with "
              "status signed, per date and campaign"},
})


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
    if isinstance(cond, DateRange):
        day = series.dt.normalize() if is_date else pd.to_datetime(series.astype(str), errors="coerce")
        return np.asarray((day >= pd.Timestamp(cond.start)) & (day <= pd.Timestamp(cond.end)), dtype=bool)
    values = list(cond) if isinstance(cond, list) else [cond]
    if is_date:
        return np.asarray(series.dt.normalize().isin(_dates(values)), dtype=bool)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = pd.to_numeric(pd.Series([str(v) for v in values]), errors="coerce").dropna()
        return np.asarray(series.isin(numbers.tolist()), dtype=bool)
    return grouping.text_in(series, {str(v).strip() for v in values}, strip=True)


def with_periods(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``df`` plus a day/week/month column for each of ``names`` that is a period it lacks."""
    for name in names:
        if name in PERIODS and name not in df.columns:
            df = metrics.add_period(df, date_column(df), name)  # type: ignore[arg-type]
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
    """``dataset`` plus those :func:`metrics.frame_for` joins for these metrics and columns."""
    out = [dataset]
    uses = {c for m in metric_names if m in metrics.METRICS for c in metrics.METRICS[m].columns}
    if dataset == "ad_delivery" and uses & {"signed_gmv", "signed_orders"}:
        out.append("ad_orders")
    if dataset == "live_products" and set(columns) & {"date", *PERIODS}:
        out.append("live_sessions")
    return out


def frame(data: Mapping[str, pd.DataFrame], params: TaskParams, periods: list[str] | None = None) -> pd.DataFrame:
    """:func:`metrics.frame_for` given only the datasets the task reads (skips joins it does not need),
    plus the ``periods`` columns; shared by the tasks of one key (:func:`metrics.prepared_frame`): read-only."""
    return metrics.prepared_frame(data, params.dataset, periods or [], only=params.datasets())  # type: ignore


DERIVED = {"ad_delivery": {"signed_gmv", "signed_orders"}, "live_sessions": {"date"},
           "live_products": {"date"}}
"""Columns :func:`metrics.frame_for` adds to a dataset."""
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


# --------------------------------------------------------------------------- params and key

class Params(TaskParams):
    """A metric over a filtered slice: ``dataset``, ``metric``, optional ``filter``, ``per``, …"""

    dataset: str = Field(description="dataset to compute from, e.g. ad_delivery")
    metric: str = Field(description="canonical metric name (reference/metrics.md), e.g. ctr")
    filter: Filter = Field(default_factory=dict,
                           description="column → value, list of values, or {from, to} dates (inclusive)")
    per: str | None = Field(None, description="day/week/month or a column (campaign…): mean of group totals")
    precision: int | None = Field(None, ge=0, le=8, description="decimals asked (default: the metric's)")
    variant: str | None = Field(None, description="a named formula variant to use instead (e.g. gpm_uv)")

    @field_validator("metric")
    @classmethod
    def _known(cls, name: str) -> str:
        return known_metric(name)

    @field_validator("per")
    @classmethod
    def _alias(cls, per: str | None) -> str | None:
        return ENTITY_ALIASES.get(per, per) if per else None

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        m = metrics.METRICS[self.metric]
        if self.per and not m.is_sum:
            raise ValueError(f"per: {self.metric} is a ratio; a ratio over a period is the ratio of its "
                             "sums, so 'per' is only for totals (cost, clicks, gmv …)")
        check_columns(self.dataset, list(self.filter), "filter")
        check_columns(self.dataset, [self.per] if self.per else [], "per")
        check_metrics(self.dataset, [self.metric])
        if self.variant and self.variant not in metrics.VARIANTS.get(self.metric, {}):
            known = ", ".join(metrics.VARIANTS.get(self.metric, {})) or "none"
            raise ValueError(f"variant: unknown variant {self.variant!r} of {self.metric} (known: {known})")
        return self

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, [self.metric], list(self.filter) + [self.per or ""])

    def digits(self) -> int:
        """Decimals asked for."""
        return metrics.METRICS[self.metric].precision if self.precision is None else self.precision


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None


def row_array(df: pd.DataFrame, name: str, dataset: str | None = None) -> np.ndarray:
    """Each row's value of metric ``name`` as an array (NaN where a ratio's denominator is 0)."""
    m = metrics.get(name)
    cols = {c: metrics.column_values(df, c, dataset) for c in m.columns}
    return np.asarray(metrics.formula_from_sums(m, cols), dtype=float)


def row_values(df: pd.DataFrame, name: str, dataset: str | None = None) -> pd.Series:
    """Each row's value of metric ``name`` (NaN where a ratio's denominator is 0)."""
    return pd.Series(row_array(df, name, dataset), index=df.index)


def _group_mean(df: pd.DataFrame, p: Params, per: str) -> float:
    """The mean over ``per`` groups of each group's total (for summable metrics only)."""
    df = with_periods(df, [per])
    groups = grouping.group_rows(df, [per], dropna=True)
    totals = groups.sums({"total": row_array(df, p.metric, p.dataset)})["total"]
    return grouping.nanmean(totals[np.argsort(groups.first, kind="stable")])  # in order of appearance


def value_of(df: pd.DataFrame, p: Params, per: str | None = None, variant: str | None = None) -> float:
    """The asked number over ``df`` (already filtered): total/ratio, a group mean, or a variant."""
    if per:
        return _group_mean(df, p, per)
    if variant:
        return metrics.variant_value(p.metric, variant, df, p.dataset)
    return metrics.compute(p.metric, df, p.dataset)


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


def _periods_needed(p: Params, df: pd.DataFrame) -> list[str]:
    """Period columns the key and its traps group or filter by (added once, before filtering)."""
    wanted = [c for c in p.filter if c in PERIODS]
    if p.per in PERIODS:
        wanted += list(PERIODS)
    elif any(c in df.columns for c in DATE_COLUMNS):
        wanted.append("day")
    return list(dict.fromkeys(wanted))


def _ratio_traps(sub: pd.DataFrame, p: Params) -> dict[str, list[float | None]]:
    traps: dict[str, list[float | None]] = {}
    for v in metrics.variants_for(p.metric):
        if v.name != p.variant and all(has_column(sub, c, p.dataset) for c in v.formula.columns):
            value = metrics.variant_value(p.metric, v.name, sub, p.dataset)
            traps.setdefault(v.message.key, []).append(value)
    if p.variant:
        traps["metric.standard_definition"] = [metrics.compute(p.metric, sub, p.dataset)]
        return traps
    per_period: list[float] = []
    if any(c in sub.columns for c in DATE_COLUMNS):
        dates = date_column(sub)
        per_period = [metrics.mean_of_ratios(sub, p.metric, None, "day", dates, p.dataset)]
        traps[mean_of_ratios_key(date_grain(sub[dates]))] = per_period  # type: ignore[assignment]
    rows = row_mean(sub, p.metric, p.dataset)
    if not any(np.isclose(rows, v, rtol=1e-12, atol=0) for v in per_period):  # one row per period: one trap
        traps[mean_of_ratios_key("row")] = [rows]
    return traps


def _sum_traps(sub: pd.DataFrame, p: Params) -> dict[str, list[float | None]]:
    if p.per:
        traps: dict[str, list[float | None]] = {"metric.sum_not_mean": [value_of(sub, p)]}
        if p.per in PERIODS:
            traps["metric.wrong_period"] = [_group_mean(sub, p, q) for q in PERIODS if q != p.per]
        return traps
    means: list[float | None] = [row_mean(sub, p.metric, p.dataset)]
    if any(c in sub.columns for c in DATE_COLUMNS):
        means.append(_group_mean(sub, p, "day"))
    return {"metric.mean_not_sum": means}


def misconceptions(df: pd.DataFrame, sub: pd.DataFrame, p: Params) -> dict[str, list[float | None]]:
    """Catalog key → what each known mistake gives on this trainee's data."""
    traps = _sum_traps(sub, p) if metrics.METRICS[p.metric].is_sum else _ratio_traps(sub, p)
    if p.filter:
        ignored: list[float | None] = [value_of(df, p, p.per, p.variant)]
        if len(p.filter) > 1:
            for column in p.filter:
                rest = {c: v for c, v in p.filter.items() if c != column}
                ignored.append(value_of(apply_filter(df, rest), p, p.per, p.variant))
        traps["misc.filter_ignored"] = ignored
    return {k: [_finite(v) for v in vals] for k, vals in traps.items()}


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"value": …, "misconceptions": {catalog key: [values]}}`` (full precision, canonical units)."""
    df = frame(data, params)
    df = frame(data, params, _periods_needed(params, df))
    sub = apply_filter(df, params.filter)
    if sub.empty:
        raise ValueError(f"metric task: the filter leaves no rows of {params.dataset}")
    value = _finite(value_of(sub, params, params.per, params.variant))
    if value is None:
        raise ValueError(f"metric task: {params.metric} is undefined on this slice (zero denominator)")
    return {"value": value, "misconceptions": misconceptions(df, sub, params)}


# --------------------------------------------------------------------------- answers

def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> float:
    """A typed number (``"3.45%"``, ``"1,234.5"``, ``"１２３"``) or ``{"value": …}`` → float."""
    if isinstance(raw, Mapping):
        raw = raw.get("value")
    return checking.to_float(raw)


def check(answer: dict[str, Any], parsed: float, params: Params, ctx: TaskContext | None = None) -> Check:
    """Full marks within tolerance or at the stated precision; else the mistake named, never the key."""
    unit = metrics.METRICS[params.metric].unit
    tol = ctx.tolerance if ctx else 0.005
    fraction, feedback = checking.diagnose(parsed, float(answer["value"]), unit=unit, tolerance=tol,
                                           precision=params.digits(),
                                           alternatives=answer.get("misconceptions"),
                                           strict=ctx.strict_precision if ctx else True)
    return Check(fraction, feedback)


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """The graded number with the misconceptions it recognises (selftest checks they separate)."""
    spec = checking.FieldSpec(unit=metrics.METRICS[params.metric].unit, precision=params.digits(),
                              alternatives=answer.get("misconceptions"))
    return [checking.Probe("value", float(answer["value"]), spec)]


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> str:
    """The key as a trainee types it: ``"6.77%"``, ``"1,234.57"``."""
    return checking.format_number(float(answer["value"]), metrics.METRICS[params.metric].unit,
                                  params.digits())


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> float:
    """The key moved 5–30% up or down, and by three units of the asked precision at least (1 when 0)."""
    value = float(answer["value"])
    if value == 0:
        return 1.0
    shift = value * rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.3)
    least = 3 * 10.0 ** -params.digits()
    return value + (shift if abs(shift) >= least else math.copysign(least, shift))


def malformed(params: Params) -> str:
    return "约百分之三"


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


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: what to compute (numerator and denominator in words), the filter, rounding."""
    m = metrics.METRICS[params.metric]
    shown = metrics.VARIANTS[params.metric][params.variant].formula if params.variant else m
    label = m.name.upper() if params.variant and lang == "en" else m.label(lang)
    what = t("metric.what", lang, label=label, formula=formula_text(shown, lang, params.dataset))
    if params.per in PERIODS:
        note = t("metric.week_note", lang) if params.per == "week" else ""
        what = t("metric.per_period", lang, label=label, note=note,
                 period=t(f"metric.period.{params.per}", lang), prefix=t(f"metric.prefix.{params.per}", lang))
    elif params.per:
        entity = column_label(params.per, lang, params.dataset)
        what = t("metric.per_column", lang, label=label, entity=entity)
    where = filter_clause(params.filter, lang, params.dataset)
    return t("metric.describe", lang, dataset=params.dataset, filter=where, what=what,
             rounding=checking.rounding_msg(m.unit, params.digits()).render(lang))


__all__ = ["KIND", "Params", "make", "parse", "check", "as_raw", "perturb", "malformed", "describe", "form",
           "apply_filter", "describe_filter", "DateRange", "Filter", "AnswerFormatError"]


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One number in the metric's unit, to the decimals the task asks for."""
    unit = metrics.METRICS[params.metric].unit if params.metric in metrics.METRICS else None
    return AnswerForm((Number(None, ("value",), msg("ui.answer.value"), unit=unit, precision=params.digits()),))
