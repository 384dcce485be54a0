"""Tests for simulator/tasks/matrix_review.py: shares, concentration and the grow/cut choice against a
plain pandas computation, the named mistakes, and full marks / less / invalid over 100 seeds."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import matrix_review as mr
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
PLATFORMS = ["抖音", "快手", "视频号", "小红书", "微博"]


def accounts(seed: int, n: int = 5, days: int = 14) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n):
        plays = rng.integers(100, 5000, days) * rng.uniform(0.2, 5)
        rate = rng.uniform(0.01, 0.1)
        rows.append(pd.DataFrame({
            "date": pd.date_range("2024-10-01", periods=days), "account_id": f"A{a + 1:02d}",
            "account_name": f"账号{a + 1}", "platform": PLATFORMS[a % 3], "plays": plays.astype(int),
            "likes": (plays * rate * rng.uniform(0.3, 1.7, days)).astype(int),
            "comments": (plays * rate / 10).astype(int), "shares": (plays * rate / 20).astype(int),
            "new_followers": rng.integers(0, 50, days)}))
    return {"accounts_daily": pd.concat(rows, ignore_index=True)}


def independent(df: pd.DataFrame) -> dict:
    g = df.groupby("account_id")[["plays", "likes", "comments", "shares"]].sum()
    share = g["plays"] / g["plays"].sum()
    eff = (g["likes"] + g["comments"] + g["shares"]) / g["plays"]
    grow = eff.idxmax()
    small = eff[(share < 1 / len(g)) & (eff.index != grow)]
    cut = (small if len(small) else eff.drop(index=grow)).idxmin()
    plat = df.groupby("platform")["plays"].sum() / g["plays"].sum()
    ranking = " > ".join(share.sort_values(ascending=False, kind="stable").index)
    return {"total": g["plays"].sum(), "ranking": ranking, "top_account": share.idxmax(), "top_share": share.max(),
            "top_n_share": share.sort_values(ascending=False).iloc[:3].sum(), "hhi": (share**2).sum(),
            "top_platform": plat.idxmax(), "top_platform_share": plat.max(), "grow": grow, "cut": cut}


def grade(p, key, raw):
    return mr.check(key, mr.parse(raw, p, CTX), p, CTX)


def named(result) -> set[str]:
    return {m.key for m in result.feedback} | {
        v.key for m in result.feedback for v in m.args.values() if hasattr(v, "key")}


def test_doctests():
    assert doctest.testmod(mr).failed == 0


@pytest.mark.parametrize("seed", range(8))
def test_key_equals_an_independent_computation(seed):
    data = accounts(seed, n=3 + seed % 4)
    key = mr.make(mr.Params(), data, CTX).key
    want = independent(data["accounts_daily"])
    for field, value in want.items():
        if isinstance(value, str):
            assert key[field] == value, field
        else:
            assert key[field] == pytest.approx(float(value)), field


def test_full_marks_less_and_invalid_over_100_seeds():
    for seed in range(100):
        data = accounts(seed, n=2 + seed % 6)
        ask = None if seed % 2 else ["top_share", "grow", "cut"]
        p = mr.Params(ask=ask, top_n=2 + seed % 2)
        key = mr.make(p, data, CTX).key
        assert grade(p, key, mr.as_raw(key, p)).final_status() == "correct", seed
        assert grade(p, key, mr.perturb(key, p, CTX, np.random.default_rng(seed))).fraction < 1, seed
        with pytest.raises(AnswerFormatError):
            mr.parse(mr.malformed(p), p, CTX)


def test_named_mistakes_and_names_accepted():
    for seed in range(40):
        data = accounts(seed, n=6)
        p = mr.Params()
        key = mr.make(p, data, CTX).key
        shares = key["shares"]
        biggest, smallest = max(shares, key=shares.get), min(shares, key=shares.get)
        if biggest != key["grow"] and smallest != key["cut"]:
            break
    else:
        pytest.fail("no seed where share-based choices differ")
    answer = {f: key[f] for f in mr.FIELDS}
    by_name = {**answer, "grow": key["accounts"][key["grow"]]}
    assert grade(p, key, by_name).fraction == 1
    wrong = {**answer, "grow": biggest, "cut": smallest, "hhi": key["hhi"] * 10000}
    result = grade(p, key, wrong)
    assert {"matrix_review.grow_by_share", "matrix_review.cut_by_share",
            "matrix_review.hhi_points"} <= named(result)
    assert result.fraction == pytest.approx(7 / 10)
    names = key["accounts"]
    typed = "、".join(names[a] if i % 2 else a for i, a in enumerate(key["ranking"].split(" > ")))
    assert grade(p, key, {**answer, "ranking": typed}).fraction == 1  # IDs or names, 、 or > between
    by_eff = sorted(key["efficiency_values"], key=lambda a: -key["efficiency_values"][a])
    if " > ".join(by_eff) != key["ranking"]:
        assert "matrix_review.rank_by_efficiency" in named(grade(p, key, {**answer, "ranking": ">".join(by_eff)}))
    unknown = grade(p, key, {**answer, "cut": "A99"})
    assert "matrix_review.unknown_account" in named(unknown) and unknown.fraction < 1


def test_mean_of_daily_efficiency_is_named_when_it_changes_the_choice():
    hits = 0
    for seed in range(60):
        key = mr.make(mr.Params(), accounts(seed, n=6), CTX).key
        daily = key["variants"]["matrix_review.mean_of_daily"]
        if daily["grow"] != key["grow"]:
            result = grade(mr.Params(), key, {**{f: key[f] for f in mr.FIELDS}, "grow": daily["grow"]})
            assert "matrix_review.mean_of_daily" in named(result)
            hits += 1
    assert hits >= 1


def test_describe_both_languages_and_bad_params():
    p = mr.Params(metric="new_followers", efficiency="like_rate", top_n=2)
    zh, en = mr.describe(p, "zh"), mr.describe(p, "en")
    assert "新增粉丝数" in zh and "点赞率" in zh and "2 个账号" in zh
    assert "New followers" in en and "Like rate" in en
    with pytest.raises(ValidationError):
        mr.Params(metric="engagement_rate")  # a rate is not a contribution
    with pytest.raises(ValidationError):
        mr.Params(efficiency="plays")
    with pytest.raises(ValidationError):
        mr.Params(dataset="posts")  # no platform column in posts
    assert mr.Params(dataset="posts", ask=["top_share", "grow"]).fields() == ["top_share", "grow"]
    with pytest.raises(AnswerFormatError):
        mr.parse("A01", p, CTX)


def test_fragile_when_grow_cut_top_or_the_average_share_is_decided_within_the_margin():
    def data(plays, likes, platform=("抖音", "快手", "抖音", "视频号")):
        return {"accounts_daily": pd.DataFrame({"account_id": ["A1", "A2", "A3", "A4"], "platform": list(platform),
                                                "plays": plays, "likes": likes, "comments": 0, "shares": 0})}
    p = mr.Params()
    assert mr.fragile(p, data([500, 300, 150, 50], [10, 15, 3, 2])) is None  # clear on every decision
    assert "most efficient" in mr.fragile(p, data([500, 300, 150, 50], [25, 15.1, 3, 2]))
    assert "largest" in mr.fragile(p, data([400, 395, 150, 55], [10, 20, 3, 2]))
    assert "average share" in mr.fragile(p, data([500, 248, 150, 102], [10, 20, 3, 2]))
    assert "least efficient" in mr.fragile(p, data([500, 300, 150, 50], [10, 15, 3, 1.01]))
