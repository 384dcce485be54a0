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

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from simulator.core.forms import AnswerForm, Number
from simulator.core.i18n import msg, t
from simulator.core.misconceptions import date_grain, mean_of_ratios_key
from simulator.engine import checking, grouping, metrics
from simulator.engine.labels import column_label
from simulator.engine.selection import (
    DATE_COLUMNS,
    ENTITY_ALIASES,
    PERIODS,
    DateRange,
    Filter,
    apply_filter,
    check_columns,
    check_metrics,
    date_column,
    describe_filter,
    filter_clause,
    formula_text,
    frame,
    has_column,
    known_metric,
    needed_datasets,
    row_array,
    row_mean,
    with_periods,
)
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams

KIND = "metric"
MAX_ANSWER_CHARS = 1_000
"""Characters an answer may have (a typed answer; longer input is refused unread)."""


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
