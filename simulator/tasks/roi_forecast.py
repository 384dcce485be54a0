"""``roi_forecast``: 运营推广投入产出比预测 (L2/1.1.3) and delivery by sign-off data (L3/5.2.4).

Daily spend and GMV (paid, or signed GMV from ``ad_orders`` when ``signed``) of the filtered campaigns
are summed per date; days with no spend or no GMV are left out. One response curve is fitted by least
squares — linear a + b·S, log a + b·ln S, or power k·S^e (on ln S, ln GMV) — and read at the daily
``budget``: ``forecast_gmv``, ``roi`` = forecast / budget, ``marginal_roi`` = dGMV/dS there, and
``increase_budget`` = marginal ROI ≥ 保本ROI (given, or from the products' margins through
``metrics.breakeven_roi``, weighted by the filtered orders' amounts).

The key carries the daily series (for the app's chart) and ``variants``: what the usual mistakes give
(another curve family, average ROI as the marginal one, paid instead of signed GMV …), for feedback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from simulator.core.forms import AnswerForm, spec_fields
from simulator.core.i18n import msg, t
from simulator.engine import checking, frames, metrics, stats
from simulator.engine.answer_fields import read_fields
from simulator.engine.checking import FieldSpec
from simulator.tasks.base import Check, Made, TaskContext, TaskParams

KIND = "roi_forecast"
FIELDS = ("forecast_gmv", "roi", "marginal_roi", "increase_budget")
NUMBERS = ("forecast_gmv", "roi", "marginal_roi")


class Params(TaskParams):
    """Params of a ``roi_forecast`` task."""

    dataset: Literal["ad_delivery"] = "ad_delivery"
    campaign_id: str | list[str] | None = Field(None, description="campaign(s) to keep")
    objective: str | None = Field(None, description="keep campaigns with this objective")
    model: Literal["linear", "log", "power"] = Field("log", description="response-curve family")
    budget: float | None = Field(None, gt=0, description="daily spend to forecast at, yuan")
    budget_factor: float | None = Field(
        None, gt=0, description="instead of budget: this multiple of the fitted days' mean daily spend"
    )
    signed: bool = Field(False, description="forecast signed GMV (from ad_orders) instead of paid GMV")
    breakeven_roi: float | None = Field(None, gt=0, description="保本ROI; None = from products' margins")
    shipping: float = Field(0.0, ge=0, description="shipping per unit, for margins")
    fee_rate: float = Field(0.0, ge=0, lt=1, description="platform fee rate, for margins")
    return_rate: float = Field(0.0, ge=0, lt=1, description="return rate, for margins")
    ask: list[Literal["forecast_gmv", "roi", "marginal_roi", "increase_budget"]] | None = None

    @model_validator(mode="after")
    def _one_filter(self) -> Params:
        if self.campaign_id is not None and self.objective is not None:
            raise ValueError("filter by campaign_id or by objective, not both")
        if (self.budget is None) == (self.budget_factor is None):
            raise ValueError("give exactly one of budget and budget_factor")
        return self

    def datasets(self) -> list[str]:
        """ad_delivery, plus ad_orders for signed GMV or margins, plus products for margins."""
        out = ["ad_delivery"]
        if self.signed or self.breakeven_roi is None:
            out.append("ad_orders")
        return out + (["products"] if self.breakeven_roi is None else [])

    def fields(self) -> list[str]:
        """The graded fields."""
        return list(dict.fromkeys(self.ask)) if self.ask else list(FIELDS)

    def campaigns(self) -> list[str] | None:
        """The campaign filter as a list (None: no campaign filter)."""
        if self.campaign_id is None:
            return None
        return [self.campaign_id] if isinstance(self.campaign_id, str) else list(self.campaign_id)


# ----------------------------------------------------------------------------- key


def _rows(params: Params, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """ad_delivery rows in the filter (with ``signed_gmv`` from ad_orders when ``signed``)."""
    df = frames.frame_for(data, "ad_delivery") if params.signed else data["ad_delivery"]
    if params.campaigns() is not None:
        df = df[df["campaign_id"].astype(str).isin(params.campaigns())]
    if params.objective is not None:
        df = df[df["objective"].astype(str) == params.objective]
    return df


def _positive(cost: pd.Series, gmv: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"cost": cost.astype(float), "gmv": gmv.astype(float)})
    return out[(out["cost"] > 0) & (out["gmv"] > 0)]


def daily_series(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per date: summed ``cost`` and GMV (``column``), days with no spend or no GMV left out."""
    day = rows.groupby("date", sort=True)[["cost", column]].sum()
    return _positive(day["cost"], day[column])


def _values(fit: stats.CurveFit, budget: float) -> dict[str, float]:
    gmv = fit.predict(budget)
    return {"forecast_gmv": gmv, "roi": gmv / budget, "marginal_roi": fit.marginal(budget)}


def breakeven(params: Params, data: Mapping[str, pd.DataFrame], rows: pd.DataFrame) -> float:
    """保本ROI: given, or 1 / the filtered orders' amount-weighted gross margin rate."""
    if params.breakeven_roi is not None:
        return params.breakeven_roi
    orders = data["ad_orders"]
    orders = orders[orders["campaign_id"].astype(str).isin(rows["campaign_id"].astype(str).unique())]
    amount = orders.groupby(orders["product_id"].astype(str))["amount"].sum()
    products = (
        data["products"].assign(product_id=lambda d: d["product_id"].astype(str)).set_index("product_id")
    )
    margin = {
        pid: 1
        / metrics.breakeven_roi(
            float(products.at[pid, "price"]),
            float(products.at[pid, "unit_cost"]),
            params.shipping,
            params.fee_rate,
            params.return_rate,
        )
        for pid in amount.index
    }
    weighted = sum(amount[pid] * margin[pid] for pid in amount.index)
    return float(amount.sum() / weighted) if weighted > 0 else float("inf")


def budget_of(params: Params, daily: pd.DataFrame) -> float:
    """The daily budget: given, or ``budget_factor`` × the fitted days' mean daily spend rounded to yuan."""
    if params.budget is not None:
        return params.budget
    assert params.budget_factor is not None
    return float(round(params.budget_factor * float(daily["cost"].mean())))


def _variants(
    params: Params, rows: pd.DataFrame, daily: pd.DataFrame, fit: stats.CurveFit, budget: float
) -> dict[str, dict[str, Any]]:
    """Misconception key → the forecast values it gives."""
    out = {
        f"roi_forecast.variant.{m}": _values(stats.fit_curve(daily["cost"], daily["gmv"], m), budget)
        for m in stats.CURVES
        if m != params.model
    }
    out["roi_forecast.variant.average_roi"] = {"marginal_roi": fit.predict(budget) / budget}
    if params.model == "log":
        out["roi_forecast.variant.log_slope"] = {"marginal_roi": fit.b}
    if params.model == "power":
        out["roi_forecast.variant.power_exponent"] = {"marginal_roi": fit.b}
        try:
            out["roi_forecast.variant.power_nonlinear"] = _values(
                stats.fit_power_nonlinear(daily["cost"], daily["gmv"]), budget
            )
        except (RuntimeError, ValueError):
            pass
    if params.signed:
        paid = daily_series(rows, "gmv")
        out["roi_forecast.variant.paid_gmv"] = _values(
            stats.fit_curve(paid["cost"], paid["gmv"], params.model), budget
        )
    raw = _positive(rows["cost"], rows["signed_gmv" if params.signed else "gmv"])
    if len(raw) > len(daily) >= 2:
        out["roi_forecast.variant.not_daily"] = _values(
            stats.fit_curve(raw["cost"], raw["gmv"], params.model), budget
        )
    return out


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> dict[str, Any]:
    """Forecast GMV, ROI and marginal ROI at the budget, and whether to increase it.

    Extras: ``breakeven_roi``, the fitted ``coef_a``/``coef_b``, the ``daily`` series and ``variants``.
    """
    rows = _rows(params, data)
    daily = daily_series(rows, "signed_gmv" if params.signed else "gmv")
    if len(daily) < 3:
        raise ValueError("roi_forecast needs at least 3 days with spend and GMV in the filter")
    fit = stats.fit_curve(daily["cost"], daily["gmv"], params.model)
    budget = budget_of(params, daily)
    values = _values(fit, budget)
    be = breakeven(params, data, rows)
    return {
        **values,
        "increase_budget": bool(values["marginal_roi"] >= be),
        "breakeven_roi": be,
        "model": params.model,
        "coef_a": fit.a,
        "coef_b": fit.b,
        "daily": {
            "date": [d.strftime("%Y-%m-%d") for d in pd.to_datetime(daily.index)],
            "cost": daily["cost"].tolist(),
            "gmv": daily["gmv"].tolist(),
        },
        "budget": budget,
        "variants": _variants(params, rows, daily, fit, budget),
    }


# ----------------------------------------------------------------------------- parsing and checking


def specs(params: Params, answer: dict[str, Any] | None = None) -> dict[str, FieldSpec]:
    """How each graded field is checked, with the variants' values as named alternatives."""
    variants = (answer or {}).get("variants", {})
    units = {"forecast_gmv": ("money", 2), "roi": ("multiple", 2), "marginal_roi": ("multiple", 4)}
    out = {}
    for field in params.fields():
        if field == "increase_budget":
            out[field] = FieldSpec(kind="bool", label_key=f"roi_forecast.field.{field}")
            continue
        alts = {k: v[field] for k, v in variants.items() if field in v}
        out[field] = FieldSpec(
            unit=units[field][0],
            precision=units[field][1],
            label_key=f"roi_forecast.field.{field}",
            alternatives=alts or None,
        )
    return out


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """A mapping field → value (canonical names or zh/en labels); 是/否 for ``increase_budget``."""
    return read_fields(raw, specs(params), msg("roi_forecast.not_mapping"))


def check(answer: dict[str, Any], parsed: dict[str, Any], params: Params, ctx: TaskContext) -> Check:
    """Per-field partial credit; names the curve family, marginal-vs-average and GMV-basis mistakes."""
    result = checking.check_fields(parsed, answer, specs(params, answer), tolerance=ctx.tolerance,
                                   strict=ctx.strict_precision)
    _one_curve_family(result, parsed, answer, params, ctx)
    given, own = parsed.get("increase_budget"), parsed.get("marginal_roi")
    follows_own = own is not None and given == bool(own >= answer["breakeven_roi"])
    if given is not None and given != answer["increase_budget"] and not follows_own:
        # a decision that follows the trainee's own marginal ROI is right; only that ROI is wrong
        by_average = answer["roi"] >= answer["breakeven_roi"]
        result.feedback.append(
            msg("roi_forecast.decision_average" if given == by_average else "roi_forecast.decision")
        )
    return result


def _one_curve_family(result: Check, parsed: Mapping[str, Any], answer: dict[str, Any], params: Params,
                      ctx: TaskContext) -> None:
    """A field whose answer matches two curve families is told the family most fields match.

    Two families can give nearly the same number for one field (a marginal ROI at this budget), so the
    closest match alone may call a linear-model answer "power" for that field only.
    """
    curves = {f"roi_forecast.variant.{m}" for m in stats.CURVES}
    matched: dict[str, list[str]] = {}
    for field, spec in specs(params, answer).items():
        value = parsed.get(field)
        if spec.kind == "bool" or not isinstance(value, int | float) or not spec.alternatives:
            continue
        matched[field] = [k for k in checking.matching_alternatives(
            float(value), answer[field], spec.alternatives, unit=spec.unit, tolerance=ctx.tolerance,
            precision=spec.precision, strict=ctx.strict_precision) if k in curves]
    counts: dict[str, int] = {}
    for keys in matched.values():
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return  # no family stands out: each field keeps its closest match
    best = max(counts, key=counts.__getitem__)
    for i, m in enumerate(result.feedback):
        if m.key != "check.field_wrong" or m.args["reason"].key not in curves - {best}:
            continue
        field = m.args["field"].key.rsplit(".", 1)[1]
        if best in matched.get(field, []):
            result.feedback[i] = msg("check.field_wrong", field=m.args["field"], reason=msg(best))


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """Each graded number with the variants' values (selftest checks they separate)."""
    return [checking.Probe(f, float(answer[f]), spec)
            for f, spec in specs(params, answer).items() if spec.kind == "number"]


# ----------------------------------------------------------------------------- selftest helpers


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """The key as typed: ``"¥94,628.29"``, ROI to 2 decimals, 是/否, Chinese labels for some fields."""
    typed = {
        "forecast_gmv": f"¥{answer['forecast_gmv']:,.2f}",
        "roi": round(answer["roi"], 2),
        "marginal_roi": round(answer["marginal_roi"], 4),
        "increase_budget": "是" if answer["increase_budget"] else "否",
    }
    return {
        (t(f"roi_forecast.field.{f}", "zh") if f in ("forecast_gmv", "increase_budget") else f): typed[f]
        for f in params.fields()
    }


def perturb(
    answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator
) -> dict[str, Any]:
    """Another curve family's forecast (or a shifted one), decided consistently."""
    families = [k for k in answer["variants"] if k.rsplit(".", 1)[1] in stats.CURVES]
    name = families[int(rng.integers(len(families)))]
    wrong = {**answer, **answer["variants"][name]}
    if all(abs(wrong[f] - answer[f]) <= 0.01 * abs(answer[f]) for f in NUMBERS):
        wrong = {**answer, **{f: answer[f] * 1.3 + 1 for f in NUMBERS}}
    wrong["increase_budget"] = bool(wrong["marginal_roi"] >= answer["breakeven_roi"])
    if params.fields() == ["increase_budget"]:
        wrong["increase_budget"] = not answer["increase_budget"]
    return as_raw(wrong, params, ctx)


def malformed(params: Params) -> Any:
    """Words where numbers belong."""
    field = next((f for f in params.fields() if f != "increase_budget"), None)
    return {field: "挺多的"} if field else {"increase_budget": "看情况"}


def _budget_text(params: Params, lang: str) -> str:
    if params.budget is not None:
        return f"¥{params.budget:,.0f}"
    return t("roi_forecast.budget_factor", lang, factor=params.budget_factor)


def describe(params: Params, lang: str = "zh") -> str:
    """The task sheet's instruction: filter, GMV basis, model, budget, break-even and rounding."""
    if params.campaigns():
        flt = t("roi_forecast.filter_campaign", lang, ids=", ".join(params.campaigns() or []))
    elif params.objective:
        flt = t("roi_forecast.filter_objective", lang, objective=params.objective)
    else:
        flt = "," if lang == "zh" else ""
    if params.breakeven_roi is not None:
        be = t("roi_forecast.breakeven_given", lang, value=params.breakeven_roi)
    else:
        extra = ""
        if params.shipping or params.fee_rate or params.return_rate:
            extra = t(
                "roi_forecast.breakeven_extra",
                lang,
                shipping=params.shipping,
                fee=f"{params.fee_rate:.0%}",
                ret=f"{params.return_rate:.0%}",
            )
        be = t("roi_forecast.breakeven_margin", lang, extra=extra)
    sep = "、" if lang == "zh" else ", "
    return t(
        "roi_forecast.describe",
        lang,
        filter=flt,
        budget=_budget_text(params, lang),
        gmv=t("roi_forecast.gmv." + ("signed" if params.signed else "paid"), lang),
        model=t(f"roi_forecast.model.{params.model}", lang),
        breakeven=be,
        fields=sep.join(t(f"roi_forecast.field.{f}", lang) for f in params.fields()),
    )


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One input per asked field: the forecast numbers, and 是/否 for raising the budget."""
    return AnswerForm(spec_fields(specs(params)))
