"""Tests for simulator/tasks/roi_forecast.py: metrics.md ROI vectors, signed GMV, break-even from margins,
and the named mistakes (curve family, marginal vs average, paid vs signed, not daily) over 100 seeds."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import optimize

from simulator.core.results import AnswerFormatError, TaskContext
from simulator.engine.numbers import number_matches
from simulator.tasks import roi_forecast as rf

CTX = TaskContext()
MODELS = ("linear", "log", "power")


def ads(seed: int, campaigns: int = 3, days: int = 28) -> dict[str, pd.DataFrame]:
    """ad_delivery (2 creatives per campaign-day), ad_orders (one order per row) and products."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-10-20", periods=days)
    rows, orders = [], []
    for c in range(campaigns):
        cid, k, e = f"C{c + 1:02d}", rng.uniform(3, 12), rng.uniform(0.5, 0.85)
        cost = rng.uniform(300, 3000) * rng.uniform(0.3, 3.0, size=days)
        gmv = k * cost**e * rng.lognormal(0, 0.12, size=days)
        sign_rate = rng.uniform(0.5, 0.95)
        for share in (0.4, 0.6):
            part = pd.DataFrame(
                {
                    "date": dates,
                    "campaign_id": cid,
                    "creative_id": f"{cid}-M{int(share * 10)}",
                    "objective": "商品购买" if c % 2 == 0 else "直播间成交",
                    "cost": np.round(cost * share, 2),
                    "gmv": np.round(gmv * share, 2),
                }
            )
            rows.append(part)
            status = np.where(rng.random(days) < sign_rate, "signed", "returned")
            orders.append(
                pd.DataFrame(
                    {
                        "date": dates,
                        "campaign_id": cid,
                        "product_id": f"P{c + 1:04d}",
                        "amount": part["gmv"],
                        "status": status,
                    }
                )
            )
    delivery = pd.concat(rows, ignore_index=True)
    order_df = pd.concat(orders, ignore_index=True)
    order_df.insert(0, "order_id", np.arange(len(order_df), dtype=np.int64))
    products = pd.DataFrame(
        {
            "product_id": [f"P{c + 1:04d}" for c in range(campaigns)],
            "price": np.round(rng.uniform(50, 300, campaigns), 2),
        }
    )
    products["unit_cost"] = np.round(products["price"] * rng.uniform(0.3, 0.6, campaigns), 2)
    return {"ad_delivery": delivery, "ad_orders": order_df, "products": products}


def key_of(data: dict, **params) -> tuple[rf.Params, dict]:
    p = rf.Params(**params)
    return p, rf.make(p, data, CTX).key


def grade(p: rf.Params, key: dict, raw) -> rf.Check:
    return rf.check(key, rf.parse(raw, p, CTX), p, CTX)


def named(check) -> set[str]:
    out = set()
    for m in check.feedback:
        out.add(m.key)
        if m.args.get("reason") is not None:
            out.add(m.args["reason"].key)
    return out


def polyfit_forecast(cost: np.ndarray, gmv: np.ndarray, model: str, budget: float) -> dict[str, float]:
    """A second route (numpy polyfit) to a family's forecast, ROI and marginal ROI."""
    if model == "linear":
        b, a = np.polyfit(cost, gmv, 1)
        g, m = a + b * budget, b
    elif model == "log":
        b, a = np.polyfit(np.log(cost), gmv, 1)
        g, m = a + b * np.log(budget), b / budget
    else:
        e, lnk = np.polyfit(np.log(cost), np.log(gmv), 1)
        g = np.exp(lnk) * budget**e
        m = e * g / budget
    return {"forecast_gmv": float(g), "roi": float(g / budget), "marginal_roi": float(m)}


@functools.cache
def seeded(seed: int) -> tuple[dict, rf.Params, dict]:
    data = ads(seed)
    model = MODELS[seed % 3]
    params = {
        "campaign_id": "C01",
        "model": model,
        "budget": float(np.random.default_rng(seed).uniform(800, 4000)),
        "signed": seed % 2 == 1,
    }
    p, key = key_of(data, **params)
    return data, p, key


# ----------------------------------------------------------------------------- metrics.md vectors


def vector_data() -> dict[str, pd.DataFrame]:
    dates = pd.date_range("2024-11-01", periods=5)
    delivery = pd.DataFrame(
        {
            "date": dates,
            "campaign_id": "C01",
            "objective": "商品购买",
            "cost": [10000.0, 20000.0, 30000.0, 40000.0, 50000.0],
            "gmv": [36000.0, 58000.0, 72000.0, 81000.0, 89000.0],
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": range(5),
            "date": dates,
            "campaign_id": "C01",
            "product_id": "P0001",
            "amount": delivery["gmv"],
            "status": "signed",
        }
    )
    products = pd.DataFrame({"product_id": ["P0001"], "price": [100.0], "unit_cost": [40.0]})
    return {"ad_delivery": delivery, "ad_orders": orders, "products": products}


@pytest.mark.parametrize(
    "model, gmv, roi, marginal",
    [
        ("log", 94628.29, 1.5771, 0.5480),
        ("power", 102559.52, 1.7093, 0.9624),
        ("linear", 105900.0, 1.765, 1.29),
    ],
)
def test_metrics_md_vectors(model, gmv, roi, marginal):
    p, key = key_of(vector_data(), model=model, budget=60000, shipping=8, fee_rate=0.05)
    assert key["forecast_gmv"] == pytest.approx(gmv, abs=0.005)
    assert key["roi"] == pytest.approx(roi, abs=5e-5) and key["marginal_roi"] == pytest.approx(
        marginal, abs=5e-5
    )
    assert key["breakeven_roi"] == pytest.approx(2.1277, abs=5e-5)  # metrics.md break-even vector
    assert key["increase_budget"] is False
    assert grade(p, key, rf.as_raw(key, p, CTX)).fraction == 1.0
    signed = key_of(vector_data(), model=model, budget=60000, signed=True, breakeven_roi=0.5)[1]
    assert signed["forecast_gmv"] == pytest.approx(key["forecast_gmv"], rel=1e-12)  # every order signed
    assert signed["increase_budget"] is True


def test_log_coefficients_of_the_vector():
    _, key = key_of(vector_data(), model="log", budget=60000, breakeven_roi=2)
    assert key["coef_a"] == pytest.approx(-267091.5719, abs=5e-5) and key["coef_b"] == pytest.approx(
        32877.3480, abs=5e-5
    )
    assert key["daily"]["cost"] == [10000.0, 20000.0, 30000.0, 40000.0, 50000.0]


# ----------------------------------------------------------------------------- key against a second route


def test_key_matches_polyfit_route_and_signed_gmv_for_100_seeds():
    for seed in range(100):
        data, p, key = seeded(seed)
        rows = data["ad_delivery"][data["ad_delivery"].campaign_id == "C01"]
        if p.signed:
            orders = data["ad_orders"]
            signed = orders[(orders.campaign_id == "C01") & (orders.status == "signed")]
            gmv = signed.groupby("date")["amount"].sum().reindex(rows.date.unique(), fill_value=0)
        else:
            gmv = rows.groupby("date")["gmv"].sum()
        daily = pd.DataFrame({"cost": rows.groupby("date")["cost"].sum(), "gmv": gmv})
        daily = daily[(daily.cost > 0) & (daily.gmv > 0)]
        expected = polyfit_forecast(daily.cost.to_numpy(), daily.gmv.to_numpy(), p.model, p.budget)
        for field, value in expected.items():
            assert key[field] == pytest.approx(value, rel=1e-6), (seed, field)
        product = data["products"].iloc[0]
        assert key["breakeven_roi"] == pytest.approx(
            product.price / (product.price - product.unit_cost), rel=1e-9
        )
        assert key["increase_budget"] == (key["marginal_roi"] >= key["breakeven_roi"])


def test_budget_as_a_multiple_of_mean_daily_spend():
    data = ads(8)
    p, key = key_of(data, campaign_id="C02", model="log", budget_factor=1.5, breakeven_roi=1.0)
    rows = data["ad_delivery"][data["ad_delivery"].campaign_id == "C02"]
    budget = round(1.5 * rows.groupby("date")["cost"].sum().mean())
    assert key["budget"] == budget
    daily = rows.groupby("date")[["cost", "gmv"]].sum()
    expected = polyfit_forecast(daily.cost.to_numpy(), daily.gmv.to_numpy(), "log", budget)
    assert key["forecast_gmv"] == pytest.approx(expected["forecast_gmv"], rel=1e-9)
    assert "1.5 倍" in rf.describe(p, "zh") and "× the fitted days' mean daily spend" in rf.describe(p, "en")
    with pytest.raises(ValidationError):
        rf.Params(budget=100, budget_factor=1.5)
    with pytest.raises(ValidationError):
        rf.Params()


def test_objective_filter_and_weighted_breakeven():
    data = ads(5)
    p, key = key_of(data, objective="商品购买", model="power", budget=3000, fee_rate=0.05)
    kept = data["ad_delivery"][data["ad_delivery"].objective == "商品购买"]
    daily = kept.groupby("date")[["cost", "gmv"]].sum()
    assert key["forecast_gmv"] == pytest.approx(
        polyfit_forecast(daily.cost.to_numpy(), daily.gmv.to_numpy(), "power", 3000)["forecast_gmv"], rel=1e-9
    )
    orders = data["ad_orders"][data["ad_orders"].campaign_id.isin(kept.campaign_id.unique())]
    prod = data["products"].set_index("product_id")
    margin = 1 - prod.unit_cost / prod.price - 0.05
    amount = orders.groupby("product_id")["amount"].sum()
    assert key["breakeven_roi"] == pytest.approx(
        amount.sum() / (amount * margin[amount.index]).sum(), rel=1e-9
    )
    assert p.datasets() == ["ad_delivery", "ad_orders", "products"]


# ----------------------------------------------------------------------------- grading over 100 seeds


def test_key_full_marks_and_perturbed_less_for_100_seeds():
    for seed in range(100):
        _, p, key = seeded(seed)
        assert grade(p, key, rf.as_raw(key, p, CTX)).fraction == 1.0, seed
        assert grade(p, key, rf.perturb(key, p, CTX, np.random.default_rng(seed))).fraction < 1.0, seed


def _distinct(value: float, key: float, precision: int) -> bool:
    return not number_matches(value, key, tolerance=CTX.tolerance, precision=precision)


def test_named_mistakes_over_100_seeds():
    counts: dict[str, int] = {}

    def expect(reason: str, p, key, raw: dict) -> None:
        checked = grade(p, key, raw)
        assert reason in named(checked), (reason, [m.key for m in checked.feedback])
        counts[reason] = counts.get(reason, 0) + 1

    for seed in range(100):
        data, p, key = seeded(seed)
        base = {f: key[f] for f in rf.FIELDS}
        cost, gmv = (np.asarray(key["daily"][c]) for c in ("cost", "gmv"))
        for other in MODELS:
            wrong = polyfit_forecast(cost, gmv, other, p.budget)
            if other != p.model and _distinct(wrong["forecast_gmv"], key["forecast_gmv"], 2):
                expect(
                    f"roi_forecast.variant.{other}", p, key, {**base, "forecast_gmv": wrong["forecast_gmv"]}
                )
        if _distinct(key["roi"], key["marginal_roi"], 4):
            expect("roi_forecast.variant.average_roi", p, key, {**base, "marginal_roi": key["roi"]})
        if p.model in ("log", "power"):
            reason = "roi_forecast.variant." + ("log_slope" if p.model == "log" else "power_exponent")
            expect(reason, p, key, {**base, "marginal_roi": key["coef_b"]})
        if p.model == "power":
            (k, e), _ = optimize.curve_fit(
                lambda s, k, e: k * s**e, cost, gmv, p0=[key["coef_a"], key["coef_b"]], maxfev=20000
            )
            if _distinct(k * p.budget**e, key["forecast_gmv"], 2):
                expect(
                    "roi_forecast.variant.power_nonlinear", p, key, {**base, "forecast_gmv": k * p.budget**e}
                )
        rows = data["ad_delivery"][data["ad_delivery"].campaign_id == "C01"]
        if p.signed:
            paid = rows.groupby("date")[["cost", "gmv"]].sum()
            wrong = polyfit_forecast(paid.cost.to_numpy(), paid.gmv.to_numpy(), p.model, p.budget)
            expect("roi_forecast.variant.paid_gmv", p, key, {**base, "forecast_gmv": wrong["forecast_gmv"]})
        else:
            wrong = polyfit_forecast(rows.cost.to_numpy(), rows.gmv.to_numpy(), p.model, p.budget)
            if _distinct(wrong["forecast_gmv"], key["forecast_gmv"], 2):
                expect(
                    "roi_forecast.variant.not_daily", p, key, {**base, "forecast_gmv": wrong["forecast_gmv"]}
                )
        by_average = key["roi"] >= key["breakeven_roi"]
        if by_average != key["increase_budget"]:
            expect("roi_forecast.decision_average", p, key, {**base, "increase_budget": by_average})
        else:
            expect("roi_forecast.decision", p, key, {**base, "increase_budget": not key["increase_budget"]})
    assert all(counts.get(f"roi_forecast.variant.{m}", 0) >= 60 for m in MODELS), counts
    assert counts["roi_forecast.variant.average_roi"] >= 90 and counts["roi_forecast.variant.paid_gmv"] == 50
    assert counts["roi_forecast.variant.not_daily"] >= 30 and counts["roi_forecast.variant.log_slope"] >= 30
    assert (
        counts["roi_forecast.variant.power_exponent"] >= 30
        and counts["roi_forecast.variant.power_nonlinear"] >= 20
    )
    assert counts.get("roi_forecast.decision_average", 0) >= 5, counts


# ----------------------------------------------------------------------------- parsing and params


@pytest.mark.parametrize(
    "raw", ["94628", {"forecast_gmv": "挺多的"}, {"increase_budget": "看情况"}, {"x": 1}]
)
def test_unreadable_answers_are_format_errors(raw):
    with pytest.raises(AnswerFormatError):
        rf.parse(raw, rf.Params(budget=1000, breakeven_roi=2), CTX)


def test_malformed_labels_and_partial_credit():
    p, key = key_of(
        vector_data(), model="log", budget=60000, breakeven_roi=2.0, ask=["forecast_gmv", "increase_budget"]
    )
    with pytest.raises(AnswerFormatError):
        rf.parse(rf.malformed(p), p, CTX)
    checked = grade(p, key, {"预测成交金额": f"{key['forecast_gmv'] / 1e4:.6f}万", "是否建议增加预算": "是"})
    assert checked.fraction == 0.5 and checked.details["wrong_fields"] == ["increase_budget"]


def test_params_are_validated():
    with pytest.raises(ValidationError):
        rf.Params(budget=0)
    with pytest.raises(ValidationError):
        rf.Params(budget=100, campaign_id="C01", objective="商品购买")
    with pytest.raises(ValidationError):
        rf.Params(budget=100, model="hill")
    assert rf.Params(budget=100, breakeven_roi=2).datasets() == ["ad_delivery"]
    assert rf.Params(budget=100, breakeven_roi=2, signed=True).datasets() == ["ad_delivery", "ad_orders"]
    with pytest.raises(ValueError):
        key_of(vector_data(), campaign_id="C99", budget=100, breakeven_roi=2)


def test_describe_mentions_model_budget_and_basis():
    zh = rf.describe(rf.Params(campaign_id="C02", model="power", budget=2000, signed=True), "zh")
    assert (
        "C02" in zh and "幂函数" in zh and "2,000" in zh and "签收GMV" in zh and "保本ROI = 1 ÷ 毛利率" in zh
    )
    en = rf.describe(rf.Params(objective="商品购买", model="log", budget=500, breakeven_roi=2.5), "en")
    assert "log model" in en and "2.5" in en and "商品购买" in en


def test_a_linear_model_answer_gets_one_diagnosis_per_field_and_no_decision_note():
    from simulator import answer_key, load_scenario
    from simulator.assessment.grading import grade_task

    sc = load_scenario("l2-roi-forecast")
    task = next(t for t in sc.tasks if t.kind == "roi_forecast" and t.params.get("model") != "linear")
    index = sc.tasks.index(task)
    p = rf.Params(**task.params)
    told_linear = 0
    for i in range(30):
        entry = answer_key(sc, f"trainee-{i}")["tasks"][index]
        key = entry["answer"]
        linear = {**key, **key["variants"]["roi_forecast.variant.linear"]}
        linear["increase_budget"] = bool(linear["marginal_roi"] >= key["breakeven_roi"])
        result = grade_task(task, entry, rf.as_raw(linear, p, CTX), CTX)
        wrong = [m for m in result.feedback if m.key == "check.field_wrong"]
        assert len({m.args["field"].key for m in wrong}) == len(wrong), [m.render("en") for m in wrong]
        reasons = {m.args["reason"].key for m in wrong}
        assert "roi_forecast.variant.power" not in reasons or "roi_forecast.variant.linear" not in reasons
        assert not {"roi_forecast.decision", "roi_forecast.decision_average"} & {m.key for m in result.feedback}
        told_linear += "roi_forecast.variant.linear" in reasons
    assert told_linear >= 25
