"""``period_change``: how much a metric moved from one period to another (环比/同比 变化率).

Each period's metric is computed from that period's own sums (:mod:`simulator.engine.metrics`), then
the change is (current − previous) ÷ previous, as a fraction. The key also records what the usual
mistakes give, so feedback can name them:

- the change divided by the current period's value instead of the previous one (``period_change.base``);
- the ratio current ÷ previous, without subtracting one (``period_change.ratio``);
- for a ratio metric, the difference in percentage points, current − previous (``period_change.points``).

>>> df = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-02", "2024-11-08", "2024-11-09"]),
...                    "impressions": [1000, 1000, 1500, 500], "clicks": [30, 50, 90, 30]})
>>> p = Params(dataset="ad_delivery", metric="ctr", previous={"from": "2024-11-01", "to": "2024-11-07"},
...            current={"from": "2024-11-08", "to": "2024-11-14"})
>>> made = make(p, {"ad_delivery": df})
>>> made.key["previous"], made.key["current"], round(made.key["value"], 6)
(0.04, 0.06, 0.5)
>>> made.key["misconceptions"]["period_change.points"]
[0.019999999999999997]
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
from simulator.engine import checking, metrics
from simulator.engine.selection import (
    DateRange,
    apply_filter,
    check_metrics,
    date_column,
    formula_text,
    frame,
    known_metric,
    needed_datasets,
)
from simulator.tasks.base import Check, Made, TaskContext, TaskParams

KIND = "period_change"
MAX_ANSWER_CHARS = 1_000
"""Characters an answer may have (a typed number)."""
UNIT = "ratio"
"""The change is a fraction of the previous value (typed as 12.5% or 0.125)."""


class Params(TaskParams):
    """A metric in two date ranges: ``dataset``, ``metric``, ``previous``, ``current``, ``precision``."""

    dataset: str = Field(description="dataset to compute from, e.g. accounts_daily")
    metric: str = Field(description="canonical metric name (reference/metrics.md), e.g. plays or ctr")
    previous: DateRange = Field(description="the base period {from, to} (inclusive)")
    current: DateRange = Field(description="the period compared with it {from, to} (inclusive)")
    precision: int = Field(4, ge=1, le=8, description="decimals of the change as a fraction (4: 12.34%)")

    @field_validator("metric")
    @classmethod
    def _known(cls, name: str) -> str:
        return known_metric(name)

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        check_metrics(self.dataset, [self.metric])
        if self.current.start <= self.previous.end and self.previous.start <= self.current.end:
            raise ValueError("current: the two periods overlap; compare two separate date ranges")
        return self

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, [self.metric], [])


def _in(df: pd.DataFrame, period: DateRange) -> pd.DataFrame:
    return apply_filter(df, {date_column(df): period})


def _value(df: pd.DataFrame, params: Params, period: DateRange, which: str) -> float:
    """The metric over one period's rows, from their sums; ValueError when the period has no value."""
    rows = _in(df, period)
    if rows.empty:
        raise ValueError(f"period_change task: no rows of {params.dataset} in the {which} period")
    value = float(metrics.compute(params.metric, rows, params.dataset))
    if not np.isfinite(value):
        raise ValueError(f"period_change task: {params.metric} is undefined in the {which} period")
    return value


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """``{"value", "previous", "current", "misconceptions"}``; nothing public beyond the params."""
    df = frame(data, params)
    previous = _value(df, params, params.previous, "previous")
    current = _value(df, params, params.current, "current")
    if previous == 0:
        raise ValueError("period_change task: the previous period's value is 0, so there is no change rate")
    traps: dict[str, list[float | None]] = {"period_change.ratio": [current / previous]}
    if current != 0:
        traps["period_change.base"] = [(current - previous) / current]
    if not metrics.METRICS[params.metric].is_sum:
        traps["period_change.points"] = [current - previous]
    key = {"value": (current - previous) / previous, "previous": previous, "current": current,
           "misconceptions": traps}
    return Made({}, key)


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> float:
    """A typed number: ``"12.5%"``, ``"-0.034"``, ``"１２.５％"``."""
    if isinstance(raw, Mapping):
        raw = raw.get("value")
    return checking.to_float(raw)


def check(answer: dict[str, Any], parsed: float, params: Params, ctx: TaskContext | None = None) -> Check:
    """Full marks at the asked precision; otherwise the mistake named when the answer matches one."""
    fraction, feedback = checking.diagnose(parsed, float(answer["value"]), unit=UNIT,
                                           tolerance=ctx.tolerance if ctx else 0.005,
                                           precision=params.precision,
                                           alternatives=answer.get("misconceptions"),
                                           strict=ctx.strict_precision if ctx else True)
    return Check(fraction, feedback)


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """The graded change with the mistakes it recognises (selftest checks they stay apart from it)."""
    spec = checking.FieldSpec(unit=UNIT, precision=params.precision, alternatives=answer.get("misconceptions"))
    return [checking.Probe("value", float(answer["value"]), spec)]


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One number: the change as a percent or a fraction, to the asked decimals."""
    return AnswerForm((Number(None, ("value",), msg("period_change.field"), unit=UNIT,
                              precision=params.precision),))


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> str:
    """The key as a trainee types it: ``"12.34%"``."""
    return checking.format_number(float(answer["value"]), UNIT, params.precision)


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> float:
    """The change moved by 2–10 percentage points, up or down."""
    return float(answer["value"]) + math.copysign(rng.uniform(0.02, 0.10), rng.choice([-1.0, 1.0]))


def malformed(params: Params) -> str:
    return "涨了一点"


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: the metric and its formula, both periods, the rule and the rounding."""
    m = metrics.METRICS[params.metric]
    what = t("period_change.what", lang, label=m.label(lang), formula=formula_text(m, lang, params.dataset))
    return t("period_change.describe", lang, dataset=params.dataset, what=what,
             previous=f"{params.previous.start}~{params.previous.end}",
             current=f"{params.current.start}~{params.current.end}",
             rounding=checking.rounding_msg(UNIT, params.precision).render(lang))
