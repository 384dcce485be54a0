"""Tests for data/generators/accounts.py: contract columns, relations, determinism, realism, recovery."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from data.generators.accounts import COLUMNS, DATASETS, FAMILY, PLATFORM_PROFILE, Params, generate
from data.generators.common import Defects, Promotion
from simulator.core.seeding import family_rng

CONTRACT = {
    "accounts_daily": ["date", "account_id", "account_name", "platform", "followers", "new_followers",
                       "unfollows", "posts", "plays", "likes", "comments", "shares"],
    "posts": ["post_id", "account_id", "publish_date", "plays", "completions", "likes", "comments", "shares",
              "favorites", "new_followers"],
}
SUMMED = ["posts", "new_followers", "plays", "likes", "comments", "shares", "completions", "favorites"]
UNITS = {"count", "money", "ratio", "seconds", "minutes", "date", "datetime", "text", "id", "flag"}


def _gen(trainee: str = "t-1", scale: float = 1.0, **params):
    rng = family_rng("test-accounts", 11, trainee, scale, FAMILY)
    return generate(rng, Params(**params), scale)


# --- columns -------------------------------------------------------------------------------------------

def test_every_contract_column_present_and_documented_in_order():
    out = _gen()
    assert tuple(out.frames) == DATASETS == tuple(COLUMNS)
    for name, frame in out.frames.items():
        assert list(frame.columns) == list(COLUMNS[name])
        assert list(frame.columns[: len(CONTRACT[name])]) == CONTRACT[name]
        labels = [c.zh for c in COLUMNS[name].values()]
        assert len(set(labels)) == len(labels)
        assert {c.unit for c in COLUMNS[name].values()} <= UNITS


def test_dtypes_follow_the_data_conventions():
    daily, posts = _gen().frames.values()
    assert daily["date"].dtype == "datetime64[ns]" and posts["publish_date"].dtype == "datetime64[ns]"
    assert (daily["date"] == daily["date"].dt.normalize()).all()
    for frame in (daily, posts):
        for col, doc in COLUMNS["posts" if frame is posts else "accounts_daily"].items():
            if doc.unit in ("count", "seconds"):
                assert frame[col].dtype == np.int64, col
    assert posts["post_id"].dtype == np.int64 and posts["post_id"].is_unique


# --- relations -----------------------------------------------------------------------------------------

def _check_relations(out) -> None:
    daily, posts = out.frames["accounts_daily"], out.frames["posts"]
    counts = [c for c, doc in COLUMNS["accounts_daily"].items() if doc.unit == "count"]
    assert (daily[counts] >= 0).all().all() and (posts.select_dtypes("int64") >= 0).all().all()
    for col in ["completions", "likes", "comments", "shares", "favorites", "new_followers"]:
        assert (posts[col] <= posts["plays"]).all(), col
    # one row per account and date, dates consecutive
    assert not daily.duplicated(["account_id", "date"]).any()
    assert len(daily) == daily["account_id"].nunique() * daily["date"].nunique()
    # followers chained from the opening followers in the truth
    start = {a["account_id"]: a["followers_start"] for a in out.truth["accounts"]}
    for acc, g in daily.groupby("account_id", observed=True):
        g = g.sort_values("date")
        prev = np.concatenate([[start[acc]], g["followers"].to_numpy()[:-1]])
        assert (g["followers"].to_numpy() == prev + g["new_followers"] - g["unfollows"]).all()
        assert (g["unfollows"].to_numpy() <= prev).all()
    # the daily report is the sum of that day's posts
    sums = posts.assign(posts=1).groupby(["account_id", "publish_date"], observed=True)[SUMMED].sum()
    merged = daily.set_index(["account_id", "date"])[SUMMED]
    expected = sums.reindex(merged.index, fill_value=0)
    assert (merged.to_numpy() == expected.to_numpy()).all()
    assert set(posts["account_id"]) <= set(daily["account_id"])


def test_relations_hold_for_50_trainees():
    for i in range(50):
        _check_relations(_gen(f"trainee-{i:02d}", scale=0.5))


def test_relations_hold_with_odd_params():
    _check_relations(_gen(days=1, accounts=3, posts_per_day_mean=0.01, platforms=["B站", "知乎"]))
    out = _gen(days=3, accounts=1, posts_per_day_mean=0.001)
    assert len(out.frames["posts"]) == 0 and list(out.frames["posts"].columns) == list(COLUMNS["posts"])
    _check_relations(out)


# --- determinism ---------------------------------------------------------------------------------------

def test_same_seed_gives_identical_frames_and_bytes():
    a, b = _gen("t-7"), _gen("t-7")
    for name in DATASETS:
        pd.testing.assert_frame_equal(a.frames[name], b.frames[name])
        assert a.frames[name].to_csv(index=False).encode() == b.frames[name].to_csv(index=False).encode()
    assert json.dumps(a.truth, sort_keys=True) == json.dumps(b.truth, sort_keys=True)


def test_other_trainee_gets_other_numbers():
    a, b = _gen("t-7"), _gen("t-8")
    assert a.frames["posts"]["plays"].tolist() != b.frames["posts"]["plays"].tolist()
    followers = [x.frames["accounts_daily"]["followers"].tolist() for x in (a, b)]
    assert followers[0] != followers[1]


def test_truth_is_plain_json():
    truth = _gen(defects=Defects(duplicates=1, missing=1, out_of_range=1)).truth
    assert json.loads(json.dumps(truth, ensure_ascii=False)) == truth


# --- realism -------------------------------------------------------------------------------------------

def test_defaults_look_like_real_accounts():
    out = _gen(scale=5)  # 20 accounts
    daily, posts = out.frames["accounts_daily"], out.frames["posts"]
    assert daily["account_id"].nunique() == 20 and daily["date"].nunique() == 61
    assert daily["account_name"].nunique() == 20 and set(daily["platform"]) == set(Params().platforms)
    assert any(n.endswith("旗舰店") for n in daily["account_name"].cat.categories)
    assert 1000 <= daily["followers"].min() and daily["followers"].max() <= 2_000_000
    assert 100 <= posts["plays"].median() <= 50_000
    assert 1.2 <= len(posts) / len(daily) <= 1.9  # ~1.5 posts a day, a little more around 双11
    pooled = posts[["completions", "likes", "comments", "shares"]].sum() / posts["plays"].sum()
    assert 0.10 <= pooled["completions"] <= 0.5 and 0.01 <= pooled["likes"] <= 0.07
    assert 0.0005 <= pooled["comments"] <= 0.007 and 0.0003 <= pooled["shares"] <= 0.005
    assert (posts["duration_seconds"].between(5, 600)).all() and posts["title"].notna().all()


def test_plays_are_heavy_tailed_with_viral_posts():
    posts = _gen(scale=10).frames["posts"]
    ratio = posts["plays"] / posts.groupby("account_id", observed=True)["plays"].transform("median")
    assert ratio.quantile(0.99) > 10 and ratio.max() > 50  # a few viral posts
    assert posts["plays"].mean() > 1.5 * posts["plays"].median()  # right skew


def test_xiaohongshu_accounts_save_more():
    out = _gen(scale=25, platforms=["抖音", "小红书"])
    rates = pd.DataFrame([{"platform": a["platform"], "fav": a["rates"]["favorite"]}
                          for a in out.truth["accounts"]]).groupby("platform")["fav"].mean()
    assert PLATFORM_PROFILE["小红书"][1] > 1 and rates["小红书"] > 1.5 * rates["抖音"]


def _log_residuals(out) -> pd.DataFrame:
    """log plays per post minus the account's log median: leaves day effects + noise."""
    posts = out.frames["posts"]
    median = {a["account_id"]: a["median_plays"] for a in out.truth["accounts"]}
    base = np.log(posts["account_id"].map(median).astype(float))
    return posts.assign(res=np.log(posts["plays"].clip(lower=1)) - base)


def test_weekday_pattern_recovered():
    out = _gen(scale=25, promotions=[])  # 100 accounts, ~9000 posts
    df = _log_residuals(out)
    df = df[df["plays"] < df["plays"].quantile(0.97)]  # the viral tail would only add noise
    by_day = df.groupby(df["publish_date"].dt.dayofweek)["res"].agg(["mean", "std", "count"])
    est = by_day["mean"] - by_day["mean"].mean()
    true = np.log(out.truth["weekday_factors"])
    se = by_day["std"] / np.sqrt(by_day["count"])
    assert (np.abs(est.to_numpy() - (true - true.mean())) < 4.5 * se.to_numpy() + 0.02).all()
    assert est[5] - est[1] > 0.08  # Saturday clearly above Tuesday (true log ratio 0.17)


def test_promotion_spike_visible_and_recovered():
    out = _gen(scale=10)
    daily = out.frames["accounts_daily"]
    assert out.truth["promotion_lifts"]["2024-11-11"] == 3.0
    totals = daily.groupby("date")[["plays", "posts"]].sum()
    normal = totals.drop(pd.to_datetime(list(out.truth["promotion_lifts"])))
    assert totals.loc["2024-11-11", "plays"] > 2 * normal["plays"].median()
    assert totals.loc["2024-11-11", "posts"] > normal["posts"].mean()
    df = _log_residuals(out)
    df["res"] -= np.log(df["publish_date"].dt.strftime("%Y-%m-%d").map(out.truth["day_factors"]))
    peak = df[df["publish_date"] == "2024-11-11"]["res"]
    rest = df[~df["publish_date"].dt.strftime("%Y-%m-%d").isin(out.truth["promotion_lifts"])]["res"]
    assert abs(peak.median() - rest.median()) < 4 * 1.25 * rest.std() / np.sqrt(len(peak))


def test_scale_multiplies_rows():
    small, big = _gen(scale=1), _gen(scale=3)
    assert len(big.frames["accounts_daily"]) == 3 * len(small.frames["accounts_daily"])
    assert 2 < len(big.frames["posts"]) / len(small.frames["posts"]) < 4.5


# --- parameter recovery --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def large():
    return _gen("recovery", accounts=40, days=730, posts_per_day_mean=3.0)  # ~87k posts


def _rate_se(posts: pd.DataFrame, rate: float, noise_var: float) -> float:
    """SE of Σcount/Σplays when each post's rate is rate × mean-1 noise of variance ``noise_var``.

    The spread term uses the effective sample size of the plays weights, (Σw)² / Σw²; the second term
    bounds the rounding noise (variance ≤ the expected count, as for a binomial).
    """
    w = posts["plays"].to_numpy(dtype=float)
    spread = rate * np.sqrt(noise_var) * np.sqrt((w**2).sum()) / w.sum()
    return float(np.sqrt(spread**2 + rate / w.sum()))


@pytest.mark.parametrize(("rate", "col", "shared"), [
    ("like", "likes", True), ("follow", "new_followers", True), ("completion", "completions", False),
])
def test_per_account_rates_recovered(large, rate, col, shared):
    posts = large.frames["posts"]
    noise = large.truth["rate_noise"]
    # own noise: uniform, mean 1, variance rate_sigma²; shared appeal: lognormal, mean 1
    own = 1 + noise["rate_sigma"] ** 2
    noise_var = own * np.exp(noise["quality_sigma"] ** 2) - 1 if shared else own - 1
    groups = dict(list(posts.groupby("account_id", observed=True)))
    for acc in large.truth["accounts"]:
        g = groups[acc["account_id"]]
        true = acc["rates"][rate]
        est = g[col].sum() / g["plays"].sum()
        se = _rate_se(g, true, noise_var)
        assert se < 0.15 * true  # the check is sharp enough to mean something
        # 6 SE: a few heavy (viral) posts carry much of Σplays, so the ratio's tails are fatter than normal
        assert abs(est - true) < 6 * se, (acc["account_id"], est, true, se)


def test_unfollow_and_posting_rates_recovered(large):
    daily = large.frames["accounts_daily"].sort_values(["account_id", "date"])
    promo = pd.to_datetime(list(large.truth["promotion_lifts"]))
    for acc in large.truth["accounts"]:
        g = daily[daily["account_id"] == acc["account_id"]]
        prev = np.concatenate([[acc["followers_start"]], g["followers"].to_numpy()[:-1]])
        true = acc["rates"]["unfollow"]
        est = g["unfollows"].sum() / prev.sum()
        day_noise = np.sqrt(np.expm1(large.truth["unfollow_sigma"] ** 2) / len(g))
        se = true * day_noise + np.sqrt(true / prev.sum())
        assert abs(est - true) < 5 * se
        normal = g[~g["date"].isin(promo)]["posts"]
        lam = acc["posts_per_day"]
        assert abs(normal.mean() - lam) < 5 * np.sqrt(lam / len(normal))


# --- params and defects --------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    {"accounts": -1}, {"days": 0}, {"posts_per_day_mean": 0}, {"like_rate": (0.1, 1.2)},
    {"follow_rate": (-0.1, 0.2)}, {"share_rate": (0.2, 0.1)}, {"followers_range": (-5, 100)},
    {"platforms": []}, {"platforms": ["抖音", "抖音"]}, {"viral_share": 1.5}, {"unknown_key": 1},
    {"promotions": [{"day": "黑五"}]}, {"defects": {"duplicates": -1}},
])
def test_params_reject_nonsense(bad):
    with pytest.raises(ValidationError):
        Params(**bad)


def test_params_accept_scenario_style_values():
    p = Params(start_date="2024-06-01", days=30, like_rate=[0.02, 0.03],
               promotions=[{"day": "618", "lift": 4}, {"day": dt.date(2024, 6, 6)}])
    assert p.like_rate == (0.02, 0.03) and isinstance(p.promotions[0], Promotion)
    assert "2024-06-18" in _gen(**p.model_dump()).truth["promotion_lifts"]


def test_defects_are_injected_into_accounts_daily_and_recorded():
    clean = _gen()
    out = _gen(defects=Defects(duplicates=3, missing=4, out_of_range=2))
    daily, record = out.frames["accounts_daily"], out.truth["defects"]
    assert len(daily) == len(clean.frames["accounts_daily"]) + 3
    assert daily.duplicated().sum() == 3 and len(record["duplicates"]) == 3
    assert daily.isna().sum().sum() == 4 and len(record["missing"]) == 4
    assert (daily.select_dtypes("number") < 0).sum().sum() == 2 and len(record["out_of_range"]) == 2
    pd.testing.assert_frame_equal(out.frames["posts"], clean.frames["posts"])
    assert clean.truth["defects"] == {"duplicates": [], "missing": [], "out_of_range": []}
