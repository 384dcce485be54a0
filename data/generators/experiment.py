"""A/B test log (``experiment``): one row per assigned user, with conversion and revenue.

Users arrive over ``days`` days (weekday × promotion pattern) and are assigned at random with the
planned treatment share. Conversion is Bernoulli with the control's base rate, times (1 + lift) in
treatment; a converter's revenue is lognormal (skewed), non-converters have 0. The relative lift is
fixed by the scenario or drawn per trainee from a range, so some trainees' experiments are
significant and some are not. An optional sample-ratio mismatch (SRM) drops a share of the treatment
users, as a logging bug would.

>>> import numpy as np
>>> out = generate(np.random.default_rng(1), Params(users=1000))
>>> list(out.frames["experiment"].columns)
['user_id', 'variant', 'assigned_date', 'converted', 'revenue']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from data.generators.base import Column, Generated, StrictModel, scaled
from data.generators.common import Defects, Promotion, date_range, day_factors, inject_defects
from data.generators.sampling import categorical, scattered_ids

FAMILY = "experiment"
DATASETS = ("experiment",)
VARIANTS = ("control", "treatment")


class Params(StrictModel):
    """Scenario parameters of the ``experiment`` family (defaults: a two-week checkout-page test)."""

    users: int = Field(20000, ge=10, le=20_000_000, description="users assigned at scale 1")
    planned_split: float = Field(0.5, gt=0, lt=1, description="planned share of users in treatment")
    base_rate: float = Field(0.04, gt=0, lt=1, description="control conversion rate")
    true_lift: float | None = Field(None, ge=-0.9, le=5,
                                    description="relative lift of treatment; None = drawn from the range")
    true_lift_range: tuple[float, float] = Field((0.0, 0.25),
                                                 description="range the lift is drawn from when not fixed")
    revenue_mean: float = Field(120.0, gt=0, le=100_000, description="mean revenue per converter (yuan)")
    revenue_sigma: float = Field(0.8, gt=0, le=3, description="lognormal sigma of revenue per converter")
    revenue_lift: float = Field(0.0, ge=-0.9, le=5,
                                description="relative lift of revenue per converter in treatment")
    srm: float = Field(0.0, ge=0, le=0.9, description="share of treatment users dropped (forced SRM)")
    srm_probability: float = Field(0.0, ge=0, le=1,
                                   description="chance this trainee's experiment gets an SRM of srm_size")
    srm_size: float = Field(0.10, gt=0, le=0.9,
                            description="share of treatment users dropped by a random SRM")
    start_date: dt.date = Field(dt.date(2024, 6, 10), description="first assignment date")
    days: int = Field(14, ge=1, le=366, description="days over which users are assigned")
    promotions: list[Promotion] = Field(default_factory=lambda: [Promotion(day="618")],
                                        description="promotion days with more traffic")
    defects: Defects = Field(default_factory=Defects, description="data-quality defects to inject")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        lo, hi = self.true_lift_range
        if not -0.9 <= lo <= hi <= 5:
            raise ValueError("true_lift_range must be (low, high) with -0.9 ≤ low ≤ high ≤ 5")
        for lift in (self.true_lift, hi):
            if lift is not None and self.base_rate * (1 + lift) >= 1:
                raise ValueError("base_rate × (1 + lift) must stay below 1")
        return self


COLUMNS = {"experiment": {
    "user_id": Column("用户ID", "id", "Id of the user assigned to the experiment."),
    "variant": Column("实验组别", "text", "Arm the user was assigned to: control or treatment."),
    "assigned_date": Column("进组日期", "date", "Date the user entered the experiment."),
    "converted": Column("是否转化", "flag", "1 if the user converted (placed an order), else 0."),
    "revenue": Column("成交金额", "money", "Revenue from the user in yuan; 0 when not converted."),
}}


def draw_lift(rng: np.random.Generator, params: Params) -> float:
    """The relative lift: ``true_lift`` when set, else uniform on ``true_lift_range`` (always one draw).

    >>> draw_lift(np.random.default_rng(0), Params(true_lift=0.1))
    0.1
    """
    lo, hi = params.true_lift_range
    drawn = float(rng.uniform(lo, hi))
    return float(params.true_lift) if params.true_lift is not None else drawn


def draw_srm_share(rng: np.random.Generator, params: Params) -> float:
    """Share of treatment users to drop: ``srm`` if set, else ``srm_size`` with ``srm_probability``."""
    hit = bool(rng.random() < params.srm_probability)
    if params.srm > 0:
        return float(params.srm)
    return float(params.srm_size) if hit else 0.0


def _assigned_days(rng: np.random.Generator, params: Params, n: int) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The date range and the users assigned on each date, weighted by weekday × promotion factors."""
    dates = date_range(params.start_date, params.days)
    weights = day_factors(dates, params.promotions)
    return dates, rng.multinomial(n, weights / weights.sum())


def _revenue(rng: np.random.Generator, params: Params, converted: np.ndarray,
             treatment: np.ndarray) -> np.ndarray:
    """Lognormal revenue for converters with arm means revenue_mean and revenue_mean × (1 + revenue_lift)."""
    means = np.array([params.revenue_mean, params.revenue_mean * (1 + params.revenue_lift)])
    buyers = np.flatnonzero(converted)
    mu = np.log(means[treatment[buyers].astype(np.intp)]) - params.revenue_sigma ** 2 / 2
    revenue = np.zeros(len(converted))
    revenue[buyers] = np.maximum(np.round(rng.lognormal(mu, params.revenue_sigma), 2), 0.01)
    return revenue


def _user_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct int64 user ids in random order (10–11 digits; see sampling.scattered_ids)."""
    return scattered_ids(rng, n, 1_000_000_000)


def generate(rng: np.random.Generator, params: Params, scale: float = 1.0) -> Generated:
    """Assigns users, draws conversions and revenue, applies an SRM if any; returns ``experiment``."""
    n = scaled(params.users, scale, minimum=10)
    lift = draw_lift(rng, params)
    srm_share = draw_srm_share(rng, params)
    dates, per_day = _assigned_days(rng, params, n)
    treatment = rng.random(n) < params.planned_split
    rate = treatment * (params.base_rate * lift)
    rate += params.base_rate
    converted = rng.random(n) < rate
    revenue = _revenue(rng, params, converted, treatment)
    columns = {"user_id": _user_ids(rng, n), "variant": treatment,
               "assigned_date": np.repeat(dates.values, per_day), "converted": converted, "revenue": revenue}
    if srm_share > 0:
        keep = ~(treatment & (rng.random(n) < srm_share))
        columns = {name: values[keep] for name, values in columns.items()}
    columns["variant"] = categorical(columns["variant"].view(np.int8), list(VARIANTS))
    columns["converted"] = columns["converted"].astype(np.int64)
    df = pd.DataFrame(columns, copy=False)
    truth = _truth(params, lift, srm_share, df)
    record: dict[str, Any] = {"duplicates": [], "missing": [], "out_of_range": []}
    defects = params.defects
    if defects.duplicates or defects.missing or defects.out_of_range:
        df, record = inject_defects(df, rng, defects, ["converted", "revenue"], ["user_id", "assigned_date"])
    truth["defects"] = record
    return Generated(frames={"experiment": df}, truth=truth)


def _truth(params: Params, lift: float, srm_share: float, df: pd.DataFrame) -> dict[str, Any]:
    """True rates, lift, planned and actual split, SRM and revenue parameters (before defects)."""
    n_treatment = int(np.count_nonzero(df["variant"].cat.codes.to_numpy()))
    return {
        "rate_control": float(params.base_rate),
        "rate_treatment": float(params.base_rate * (1 + lift)),
        "true_lift": lift,
        "true_abs_lift": float(params.base_rate * lift),
        "lift_drawn": params.true_lift is None,
        "planned_split": float(params.planned_split),
        "n_control": len(df) - n_treatment,
        "n_treatment": n_treatment,
        "actual_split": n_treatment / len(df) if len(df) else 0.0,
        "srm_injected": srm_share > 0,
        "srm_share_dropped": srm_share,
        "revenue_per_converter_control": float(params.revenue_mean),
        "revenue_per_converter_treatment": float(params.revenue_mean * (1 + params.revenue_lift)),
        "revenue_per_user_control": float(params.base_rate * params.revenue_mean),
        "revenue_per_user_treatment": float(params.base_rate * (1 + lift) * params.revenue_mean
                                            * (1 + params.revenue_lift)),
        "revenue_sigma": float(params.revenue_sigma),
        "revenue_lift": float(params.revenue_lift),
        "dates": [d.strftime("%Y-%m-%d") for d in date_range(params.start_date, params.days)],
    }
