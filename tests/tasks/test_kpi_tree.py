"""Tests for simulator/tasks/kpi_tree.py: the GMV tree against a plain pandas computation, the identity,
the target split, the named mistakes, and full marks / less / invalid over 100 seeds."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import kpi_tree as kt
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()


def sessions(seed: int, accounts: int = 4, n: int = 40) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    viewers = rng.integers(500, 20000, n)
    buyers = np.maximum(1, (viewers * rng.uniform(0.005, 0.05, n)).astype(int))
    orders = np.ceil(buyers * rng.uniform(1.05, 1.4, n)).astype(int)
    gmv = np.round(buyers * rng.uniform(40, 300, n), 2)
    df = pd.DataFrame({"session_id": [f"S{i:03d}" for i in range(n)],
                       "account_id": [f"A{1 + i % accounts:02d}" for i in range(n)],
                       "start_time": pd.date_range("2024-11-04 20:00", periods=n, freq="19h"),
                       "views": viewers + rng.integers(0, 3000, n), "viewers": viewers, "buyers": buyers,
                       "orders": orders, "gmv": gmv})
    return {"live_sessions": df}


def independent(df: pd.DataFrame, growth: float, lift: float) -> pd.DataFrame:
    """The tree by account computed directly with pandas (no project code)."""
    g = df.groupby("account_id")[["viewers", "buyers", "gmv"]].sum()
    g.loc["合计"] = g.sum()
    g["cvr"] = g["buyers"] / g["viewers"]
    g["aov"] = g["gmv"] / g["buyers"]
    total = g.loc["合计", "gmv"] * (1 + growth)
    groups = g.drop(index="合计")
    g["target"] = total * groups["gmv"] / groups["gmv"].sum()
    g["traffic"] = g["target"] / (g["cvr"] * (1 + lift) * g["aov"])
    g.loc["合计", "target"] = total
    g.loc["合计", "traffic"] = g["traffic"].drop(index="合计").sum()
    return g


def key_of(data, **params):
    p = kt.Params(**params)
    return p, kt.make(p, data, CTX).key


def grade(p, key, raw):
    return kt.check(key, kt.parse(raw, p, CTX), p, CTX)


def named(result) -> set[str]:
    return {m.key for m in result.feedback} | {
        v.key for m in result.feedback for v in m.args.values() if hasattr(v, "key")}


def test_doctests():
    assert doctest.testmod(kt).failed == 0


@pytest.mark.parametrize("seed", range(5))
def test_key_equals_an_independent_computation(seed):
    data = sessions(seed)
    p, key = key_of(data, by="account_id", growth=0.25, lift={"watch_to_buy_rate": 0.1})
    want = independent(data["live_sessions"], 0.25, 0.1)
    got = {r["account_id"]: r for r in key["rows"]}
    assert list(got) == [*sorted(want.index.drop("合计")), "合计"]
    for acc, row in want.iterrows():
        r = got[acc]
        assert r["viewers"] == row["viewers"] and r["gmv"] == pytest.approx(row["gmv"])
        assert r["watch_to_buy_rate"] == pytest.approx(row["cvr"])
        assert r["avg_order_value"] == pytest.approx(row["aov"])
        assert r["target_gmv"] == pytest.approx(row["target"])
        assert r["target_traffic"] == pytest.approx(row["traffic"])
        assert r["viewers"] * r["watch_to_buy_rate"] * r["avg_order_value"] == pytest.approx(r["gmv"])
    assert key["target_total"] == pytest.approx(want.loc["合计", "gmv"] * 1.25)


def test_live_products_tree_has_four_nodes_and_a_fixed_target():
    rng = np.random.default_rng(3)
    n = 30
    exp = rng.integers(1000, 9000, n)
    clicks = (exp * rng.uniform(0.05, 0.3, n)).astype(int)
    buyers = np.maximum(1, (clicks * rng.uniform(0.05, 0.3, n)).astype(int))
    df = pd.DataFrame({"session_id": "S1", "product_id": [f"P{i}" for i in range(n)],
                       "category": rng.choice(["美妆", "食品", "服饰"], n), "exposure_users": exp,
                       "click_users": clicks, "buyers": buyers, "orders": buyers,
                       "gmv": np.round(buyers * rng.uniform(30, 200, n), 2)})
    p, key = key_of({"live_products": df}, dataset="live_products", by="category", target_gmv=90000)
    by = df.groupby("category")[["exposure_users", "click_users", "buyers", "gmv"]].sum()
    for r in key["rows"][:-1]:
        s = by.loc[r["category"]]
        assert r["product_ctr"] == pytest.approx(s["click_users"] / s["exposure_users"])
        assert r["click_to_buy_rate"] == pytest.approx(s["buyers"] / s["click_users"])
        assert r["target_gmv"] == pytest.approx(90000 * s["gmv"] / by["gmv"].sum())
        assert r["target_traffic"] == pytest.approx(r["target_gmv"] / r["gmv"] * s["exposure_users"])
    assert key["rows"][-1]["category"] == "合计" and key["rows"][-1]["target_gmv"] == 90000
    assert grade(p, key, kt.as_raw(key, p)).fraction == 1


def test_full_marks_less_and_invalid_over_100_seeds():
    for seed in range(100):
        data = sessions(seed, accounts=2 + seed % 4, n=16)
        p, key = key_of(data, by="account_id", growth=0.1 + seed % 3 / 10,
                        lift={"avg_order_value": 0.05} if seed % 2 else {})
        assert grade(p, key, kt.as_raw(key, p)).final_status() == "correct", seed
        rng = np.random.default_rng(seed)
        assert grade(p, key, kt.perturb(key, p, CTX, rng)).fraction < 1, seed
        with pytest.raises(AnswerFormatError):
            kt.parse(kt.malformed(p), p, CTX)


def _answer(key) -> pd.DataFrame:
    return pd.DataFrame(key["rows"], columns=key["columns"])


def test_named_mistakes():
    data = sessions(7)
    p, key = key_of(data, by="account_id", growth=0.2, lift={"watch_to_buy_rate": 0.2})
    table = _answer(key)
    groups = table["account_id"] != "合计"
    even = table.copy()
    even.loc[groups, "target_gmv"] = key["target_total"] / groups.sum()
    assert "kpi_tree.even_split" in named(grade(p, key, even))
    mean = table.copy()
    mean.loc[~groups, "watch_to_buy_rate"] = table.loc[groups, "watch_to_buy_rate"].mean()
    assert "kpi_tree.mean_of_ratios" in named(grade(p, key, mean))
    ignored = table.copy()
    ignored.loc[groups, "target_traffic"] = (table["target_gmv"] / (table["watch_to_buy_rate"]
                                             * table["avg_order_value"]))[groups]
    assert "kpi_tree.lift_ignored" in named(grade(p, key, ignored))
    per_order = table.copy()
    s = data["live_sessions"].groupby("account_id")[["gmv", "orders"]].sum()
    per_order.loc[groups, "avg_order_value"] = (s["gmv"] / s["orders"]).to_numpy()
    result = grade(p, key, per_order)
    assert "metrics.variant.aov_orders" in named(result)
    assert "kpi_tree.identity" in named(result)  # the per-order AOV no longer multiplies to GMV


def test_total_row_english_headers_and_missing_total():
    data = sessions(2)
    p, key = key_of(data, by="account_id", growth=0.1)
    table = _answer(key).rename(columns={"target_gmv": "Target GMV", "target_traffic": "Target traffic"})
    table.loc[table["account_id"] == "合计", "account_id"] = "Total"
    assert grade(p, key, table).fraction == 1
    result = grade(p, key, table[table["account_id"] != "Total"])
    assert result.fraction < 1 and "plan.total_row_missing" in named(result)


def test_describe_both_languages_and_bad_params():
    p = kt.Params(by="week", growth=0.3, lift={"watch_to_buy_rate": 0.1})
    zh, en = kt.describe(p, "zh"), kt.describe(p, "en")
    assert "累计观看人数 × 观看-成交率 × 客单价" in zh and "30%" in zh and "合计" in zh
    assert "Watch-to-buy rate" in en and "Monday" in en
    with pytest.raises(ValidationError):
        kt.Params(by="account_id")  # neither growth nor target
    with pytest.raises(ValidationError):
        kt.Params(by="account_id", growth=0.1, lift={"viewers": 0.1})  # traffic is not a rate
    with pytest.raises(ValidationError):
        kt.Params(by="nonsense", growth=0.1)
