"""Tests for simulator/tasks/risk_review.py: utilisation, ratios, the weighted risk score and flags
against a plain pandas computation, the named mistakes, and full marks / less / invalid over 100 seeds."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import risk_review as rr
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()


def delivery(seed: int, lines: int = 6, days: int = 20) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(lines):
        active = np.sort(rng.choice(days, size=int(rng.integers(days // 2, days + 1)), replace=False))
        n = len(active)
        cost = np.round(rng.uniform(200, 1800, n) * rng.uniform(0.5, 1.5), 2)
        gmv = np.round(cost * rng.uniform(1.0, 4.0) * rng.lognormal(0, 0.2, n), 2)
        parts.append(pd.DataFrame({"date": pd.Timestamp("2024-11-01") + pd.to_timedelta(active, "D"),
                                   "campaign_id": f"C{i + 1:02d}", "cost": cost, "gmv": gmv, "orders": 1,
                                   "refunds": np.round(gmv * rng.uniform(0.0, 0.3) * rng.uniform(0.2, 1.8, n), 2)}))
    return {"ad_delivery": pd.concat(parts, ignore_index=True)}


P = {"daily_budget": 1000, "refund_max": 0.15, "utilisation_max": 1.1, "utilisation_min": 0.6, "roi_min": 2.0,
     "weights": {"refund": 2, "roi": 2}, "flag_at": 2}


def independent(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby("campaign_id").agg(cost=("cost", "sum"), gmv=("gmv", "sum"), refunds=("refunds", "sum"),
                                      days=("date", "nunique"))
    g["util"] = g["cost"] / (1000 * g["days"])
    g["refund_rate"] = g["refunds"] / g["gmv"]
    g["roi"] = g["gmv"] / g["cost"]
    g["score"] = (2 * (g["refund_rate"] > 0.15) + (g["util"] > 1.1) + (g["util"] < 0.6)
                  + 2 * (g["roi"] < 2.0)).astype(float)
    g["flag"] = (g["score"] >= 2).astype(float)
    return g


def grade(p, key, raw):
    return rr.check(key, rr.parse(raw, p, CTX), p, CTX)


def named(result) -> set[str]:
    return {m.key for m in result.feedback} | {
        v.key for m in result.feedback for v in m.args.values() if hasattr(v, "key")}


def test_doctests():
    assert doctest.testmod(rr).failed == 0


@pytest.mark.parametrize("seed", range(6))
def test_key_equals_an_independent_computation(seed):
    data = delivery(seed)
    key = rr.make(rr.Params(**P), data, CTX).key
    want = independent(data["ad_delivery"])
    for r in key["rows"]:
        w = want.loc[r["campaign_id"]]
        assert r["utilisation"] == pytest.approx(w["util"]) and r["refund_rate"] == pytest.approx(w["refund_rate"])
        assert r["roi"] == pytest.approx(w["roi"])
        assert (r["risk_score"], r["flagged"]) == (w["score"], w["flag"])
    assert key["flagged_lines"] == sorted(want.index[want["flag"] == 1])


def test_full_marks_less_and_invalid_over_100_seeds():
    for seed in range(100):
        data = delivery(seed, lines=2 + seed % 4, days=8)
        params = {**P, "flag_at": 1 + seed % 3, "roi_min": None if seed % 2 else 2.0}
        p = rr.Params(**params)
        key = rr.make(p, data, CTX).key
        assert grade(p, key, rr.as_raw(key, p)).final_status() == "correct", seed
        assert grade(p, key, rr.perturb(key, p, CTX, np.random.default_rng(seed))).fraction < 1, seed
        with pytest.raises(AnswerFormatError):
            rr.parse(rr.malformed(p), p, CTX)


def test_named_mistakes_and_flag_consistency():
    data = delivery(4)
    p = rr.Params(**P)
    key = rr.make(p, data, CTX).key
    table = pd.DataFrame(key["rows"], columns=key["columns"])
    df = data["ad_delivery"]
    calendar = table.copy()
    cost = df.groupby("campaign_id")["cost"].sum()
    calendar["utilisation"] = (cost / (1000 * df["date"].nunique())).to_numpy()
    assert "risk_review.calendar_days" in named(grade(p, key, calendar))
    daily = table.copy()
    d = df.assign(rate=df["refunds"] / df["gmv"]).groupby("campaign_id")["rate"].mean()
    daily["refund_rate"] = d.to_numpy()
    assert "risk_review.mean_of_daily" in named(grade(p, key, daily))
    net = table.copy()
    s = df.groupby("campaign_id")[["cost", "gmv", "refunds"]].sum()
    net["roi"] = ((s["gmv"] - s["refunds"]) / s["cost"]).to_numpy()
    assert "metrics.variant.roi_net" in named(grade(p, key, net))
    weighted = table["risk_score"] != rr._scores(p, table["utilisation"].to_numpy(), table["refund_rate"].to_numpy(),
                                                 table["roi"].to_numpy(), weighted=False)
    assert weighted.any()
    count = table.copy()
    count["risk_score"] = rr._scores(p, table["utilisation"].to_numpy(), table["refund_rate"].to_numpy(),
                                     table["roi"].to_numpy(), weighted=False)
    assert "risk_review.unweighted" in named(grade(p, key, count))
    flipped = table.copy().astype({"flagged": object})
    flipped["flagged"] = ["否" if f else "是" for f in table["flagged"]]
    result = grade(p, key, flipped)
    assert "risk_review.flag_inconsistent" in named(result) and result.fraction < 1


def test_yes_no_words_and_bad_flag():
    data = delivery(1)
    p = rr.Params(**P)
    key = rr.make(p, data, CTX).key
    table = pd.DataFrame(key["rows"], columns=key["columns"]).astype({"flagged": object})
    table["flagged"] = ["yes" if f else "no" for f in table["flagged"]]
    assert grade(p, key, table).fraction == 1
    table["flagged"] = "也许"
    with pytest.raises(AnswerFormatError):
        rr.parse(table, p, CTX)


def test_describe_both_languages_and_bad_params():
    p = rr.Params(**P)
    zh, en = rr.describe(p, "zh"), rr.describe(p, "en")
    assert "退款金额占比 > 0.15 记 2 分" in zh and "¥1,000.00" in zh and "≥ 2" in zh
    assert "refund rate > 0.15: 2 point(s)" in en
    with pytest.raises(ValidationError):
        rr.Params(daily_budget=100, refund_max=None, utilisation_max=None, utilisation_min=None)
    with pytest.raises(ValidationError):
        rr.Params(daily_budget=100, utilisation_min=1.2, utilisation_max=1.1)
    with pytest.raises(ValidationError):
        rr.Params(daily_budget=100, weights={"refund": 0})


def test_fragile_names_a_line_within_the_margin_of_a_threshold():
    df = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-01"]), "campaign_id": ["C1", "C2"],
                       "cost": [100.0, 100.0], "gmv": [300.0, 300.0], "refunds": [0.0, 0.0]})
    p = rr.Params(daily_budget=100, utilisation_max=1.1, utilisation_min=0.5, refund_max=0.1, roi_min=2.0)
    assert rr.fragile(p, {"ad_delivery": df}) is None  # utilisation 1.0, ROI 3.0: clear of every limit
    close = df.assign(cost=[100.0, 108.5])  # C2: utilisation 1.085, 1.4% under the 1.1 limit
    reason = rr.fragile(p, {"ad_delivery": close})
    assert reason is not None and reason.startswith("C2: overrun")
    near_roi = df.assign(gmv=[300.0, 203.0])  # C2: ROI 2.03, 1.5% above the 2.0 limit
    assert rr.fragile(p, {"ad_delivery": near_roi}).startswith("C2: roi")
