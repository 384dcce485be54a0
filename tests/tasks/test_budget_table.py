"""Tests for simulator/tasks/budget_table.py: the budget against a plain pandas computation, the
保本ROI cut, the cap, the named mistakes, and full marks / less / invalid over 100 seeds."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import budget_table as bt
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
PLACEMENTS = ["抖音信息流", "抖音搜索", "今日头条", "穿山甲", "西瓜视频"]


def delivery(seed: int, lines: int = 5, days: int = 20, rois: list[float] | None = None
             ) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(lines):
        cost = np.round(rng.uniform(200, 3000, days), 2)
        roi = rng.uniform(0.8, 4.0) if rois is None else rois[i]
        rows.append(pd.DataFrame({"date": pd.date_range("2024-11-01", periods=days), "placement": PLACEMENTS[i],
                                  "campaign_id": f"C{1 + i % 2:02d}", "cost": cost,
                                  "clicks": (cost / rng.uniform(0.5, 3.0)).astype(int),
                                  "conversions": (cost / rng.uniform(20, 120)).astype(int),
                                  "gmv": np.round(cost * roi * rng.lognormal(0, 0.2, days), 2)}))
    return {"ad_delivery": pd.concat(rows, ignore_index=True)}


def independent(df: pd.DataFrame, growth: float, breakeven: float, cap_factor: float | None) -> pd.DataFrame:
    g = df.groupby("placement")[["cost", "gmv", "conversions"]].sum()
    g["roi"] = g["gmv"] / g["cost"]
    kept = g[g["roi"] >= breakeven]
    total = g["gmv"].sum() * (1 + growth)
    g["target"] = (total * kept["gmv"] / kept["gmv"].sum()).reindex(g.index).fillna(0.0)
    g["budget"] = g["target"] / g["roi"]
    if cap_factor is not None and g["budget"].sum() > cap_factor * g["cost"].sum():
        scale = cap_factor * g["cost"].sum() / g["budget"].sum()
        g["target"] *= scale
        g["budget"] *= scale
    g["profit"] = g["target"] / breakeven - g["budget"]
    g["expected"] = g["budget"] / (g["cost"] / g["conversions"])
    return g


def grade(p, key, raw):
    return bt.check(key, bt.parse(raw, p, CTX), p, CTX)


def named(result) -> set[str]:
    return {m.key for m in result.feedback} | {
        v.key for m in result.feedback for v in m.args.values() if hasattr(v, "key")}


def test_doctests():
    assert doctest.testmod(bt).failed == 0


@pytest.mark.parametrize(("seed", "cap"), [(0, None), (1, None), (2, 1.0), (3, 0.5), (4, 2.0)])
def test_key_equals_an_independent_computation(seed, cap):
    data = delivery(seed)
    p = bt.Params(growth=0.2, breakeven_roi=2.0, cap_factor=cap)
    key = bt.make(p, data, CTX).key
    want = independent(data["ad_delivery"], 0.2, 2.0, cap)
    rows = {r["placement"]: r for r in key["rows"]}
    for line, w in want.iterrows():
        r = rows[line]
        assert r["roi"] == pytest.approx(w["roi"])
        assert r["target_gmv"] == pytest.approx(w["target"]) and r["budget"] == pytest.approx(w["budget"])
        assert r["profit"] == pytest.approx(w["profit"])
        assert r["conversions"] == pytest.approx(w["expected"])
    total = rows["合计"]
    assert total["budget"] == pytest.approx(want["budget"].sum())
    assert total["roi"] == pytest.approx(want["target"].sum() / want["budget"].sum())
    assert sorted(key["kept"]) == sorted(want.index[want["roi"] >= 2.0])


def test_nothing_above_break_even_gives_an_empty_plan_that_still_grades():
    data = delivery(5)
    p = bt.Params(growth=0.1, breakeven_roi=50)
    key = bt.make(p, data, CTX).key
    assert key["kept"] == [] and key["rows"][-1]["budget"] == 0 and key["rows"][-1]["roi"] is None
    assert grade(p, key, bt.as_raw(key, p)).fraction == 1


def test_full_marks_less_and_invalid_over_100_seeds():
    for seed in range(100):
        data = delivery(seed, lines=2 + seed % 4, days=6)
        p = bt.Params(by="placement", growth=0.1 * (seed % 4), breakeven_roi=1.5 + seed % 3 / 2,
                      cap_factor=[None, 0.8, 1.5][seed % 3])
        key = bt.make(p, data, CTX).key
        assert grade(p, key, bt.as_raw(key, p)).final_status() == "correct", seed
        assert grade(p, key, bt.perturb(key, p, CTX, np.random.default_rng(seed))).fraction < 1, seed
        with pytest.raises(AnswerFormatError):
            bt.parse(bt.malformed(p), p, CTX)


def test_named_mistakes():
    data = delivery(11, rois=[1.0, 2.6, 3.5, 6.0, 1.9])
    p = bt.Params(growth=0.3, breakeven_roi=2.0)
    key = bt.make(p, data, CTX).key
    assert 0 < len(key["kept"]) < 5
    table = pd.DataFrame(key["rows"], columns=key["columns"])
    lines = table["placement"] != "合计"
    no_margin = table.copy()
    no_margin["profit"] = table["target_gmv"] - table["budget"]
    assert "budget_table.profit_no_margin" in named(grade(p, key, no_margin))
    times = table.copy()
    times.loc[lines, "budget"] = table["target_gmv"] * table["roi"]
    assert "budget_table.budget_times_roi" in named(grade(p, key, times))
    mean = table.copy()
    mean.loc[~lines, "roi"] = table.loc[lines & table["placement"].isin(key["kept"]), "roi"].mean()
    assert "budget_table.mean_roi" in named(grade(p, key, mean))
    for mistake in ("not_cut", "cost_share", "even_split", "clicks_not_conversions"):
        wrong = pd.DataFrame(key["misconceptions"][f"budget_table.{mistake}"], columns=key["columns"])
        assert f"budget_table.{mistake}" in named(grade(p, key, wrong)), mistake


def test_cap_ignored_named_and_english_headers_accepted():
    data = delivery(3)
    p = bt.Params(growth=0.5, breakeven_roi=1.0, cap_factor=0.6)
    key = bt.make(p, data, CTX).key
    assert key["rows"][-1]["budget"] == pytest.approx(key["cap"])
    wrong = pd.DataFrame(key["misconceptions"]["budget_table.cap_ignored"], columns=key["columns"])
    assert "budget_table.cap_ignored" in named(grade(p, key, wrong))
    english = pd.DataFrame(key["rows"]).rename(columns={"target_gmv": "Target GMV", "budget": "Budget",
                                                        "profit": "Expected profit",
                                                        "conversions": "Expected conversions"})
    english.loc[english["placement"] == "合计", "placement"] = "Total"
    assert grade(p, key, english).fraction == 1


def test_describe_both_languages_and_bad_params():
    p = bt.Params(by="campaign", target_gmv=500000, breakeven_roi=1.8, budget_cap=200000)
    zh, en = bt.describe(p, "zh"), bt.describe(p, "en")
    assert "保本ROI为 1.8" in zh and "¥500,000.00" in zh and "¥200,000.00" in zh
    assert "break-even ROI is 1.8" in en and "capped" in en
    with pytest.raises(ValidationError):
        bt.Params(growth=0.1)  # no break-even
    with pytest.raises(ValidationError):
        bt.Params(growth=0.1, target_gmv=1000, breakeven_roi=2)
    with pytest.raises(ValidationError):
        bt.Params(growth=0.1, breakeven_roi=2, budget_cap=10, cap_factor=1)


def test_fragile_when_a_line_sits_at_breakeven_or_fewer_than_two_lines_are_kept():
    def data(gmv):
        return {"ad_delivery": pd.DataFrame({"placement": ["a", "b", "c"], "cost": 100.0, "gmv": gmv,
                                             "clicks": 50, "conversions": 5})}
    p = bt.Params(growth=0.1, breakeven_roi=2.0)
    assert bt.fragile(p, data([300.0, 250, 150])) is None  # ROI 3.0, 2.5 kept; 1.5 cut, all clear
    assert bt.fragile(p, data([300.0, 250, 197])).startswith("c: ROI 1.9700")  # 1.5% under 保本ROI
    assert "fewer than two" in bt.fragile(p, data([300.0, 150, 120]))
