"""Tests for data/generators/live.py: contract columns, relations, determinism, realism, recovery."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from data.generators.common import CATEGORIES, Defects, Promotion
from data.generators.live import COLUMNS, DATASETS, FAMILY, SOURCES, Params, beta_concentration, generate
from simulator.core.seeding import family_rng

CONTRACT = {
    "live_sessions": ["session_id", "account_id", "start_time", "duration_min", "views", "viewers",
                      "peak_online", "watch_seconds", "new_followers", "interacting_users",
                      "product_exposure_users", "product_click_users", "buyers", "orders", "gmv", "refunds"],
    "live_traffic": ["session_id", "source", "views"],
    "live_products": ["session_id", "product_id", "product_name", "category", "price", "exposure_users",
                      "click_users", "buyers", "orders", "gmv"],
    "live_minutes": ["session_id", "minute", "online", "entries"],
}
UNITS = {"count", "money", "ratio", "seconds", "minutes", "date", "datetime", "text", "id", "flag"}
# truth rate → (numerator, denominator) columns of live_sessions
RATIOS = {"viewer_ratio": ("viewers", "views"), "exposure_rate": ("product_exposure_users", "viewers"),
          "product_ctr": ("product_click_users", "product_exposure_users"),
          "click_to_buy": ("buyers", "product_click_users"),
          "interaction_rate": ("interacting_users", "viewers"), "follow_rate": ("new_followers", "viewers")}


def _gen(trainee: str = "t-1", scale: float = 1.0, **params):
    rng = family_rng("test-live", 5, trainee, scale, FAMILY)
    return generate(rng, Params(**params), scale)


def _subset(frame: pd.DataFrame, cols: list[str], where: str = "") -> list[str]:
    return [f"{where}{c}" for c in cols if not (frame[c] >= 0).all()]


# --- columns -------------------------------------------------------------------------------------------

def test_every_contract_column_present_and_documented_in_order():
    out = _gen()
    assert tuple(out.frames) == DATASETS == tuple(COLUMNS)
    for name, frame in out.frames.items():
        assert list(frame.columns) == list(COLUMNS[name])
        assert [c for c in frame.columns if c in CONTRACT[name]] == CONTRACT[name]
        labels = [c.zh for c in COLUMNS[name].values()]
        assert len(set(labels)) == len(labels)
        assert {c.unit for c in COLUMNS[name].values()} <= UNITS


def test_dtypes_follow_the_data_conventions():
    out = _gen()
    sessions = out.frames["live_sessions"]
    assert sessions["start_time"].dtype == "datetime64[ns]" and sessions["session_id"].is_unique
    for name, frame in out.frames.items():
        for col, doc in COLUMNS[name].items():
            if doc.unit in ("count", "seconds", "minutes"):
                assert frame[col].dtype == np.int64, (name, col)
            if doc.unit == "money":
                assert frame[col].dtype == np.float64, (name, col)
                assert np.allclose(frame[col], frame[col].round(2), rtol=0, atol=1e-9), (name, col)


# --- relations -----------------------------------------------------------------------------------------

def _check_relations(out) -> None:
    s, traffic, products, minutes = (out.frames[d] for d in DATASETS)
    counts = [c for c, doc in COLUMNS["live_sessions"].items() if doc.unit in ("count", "seconds", "money")]
    assert not _subset(s, counts)
    chains = [("views", "viewers"), ("viewers", "product_exposure_users"),
              ("product_exposure_users", "product_click_users"), ("product_click_users", "buyers"),
              ("orders", "buyers"), ("gmv", "refunds"), ("viewers", "interacting_users"),
              ("viewers", "new_followers"), ("viewers", "peak_online")]
    for big, small in chains:
        assert (s[big] >= s[small]).all(), (big, small)
    per = s.set_index("session_id")
    # traffic sources sum exactly to views
    views = traffic.groupby("session_id", observed=True)["views"].sum()
    assert (views.reindex(per.index).to_numpy() == per["views"].to_numpy()).all()
    assert set(traffic["source"].cat.categories) <= set(SOURCES) and (traffic["views"] >= 0).all()
    # products: funnel per product, gmv = orders × price, sums equal the session's orders and gmv
    for big, small in [("exposure_users", "click_users"), ("click_users", "buyers"), ("orders", "buyers")]:
        assert (products[big] >= products[small]).all(), (big, small)
    assert (products["buyers"] >= 0).all()
    assert np.allclose(products["gmv"], (products["orders"] * products["price"]).round(2), rtol=0, atol=1e-6)
    sums = products.groupby("session_id", observed=True)[["orders", "gmv", "buyers", "exposure_users"]].agg(
        ["sum", "max"]).reindex(per.index)
    assert (sums[("orders", "sum")].to_numpy() == per["orders"].to_numpy()).all()
    assert (sums[("gmv", "sum")].round(2).to_numpy() == per["gmv"].to_numpy()).all()
    assert (sums[("buyers", "max")] <= per["buyers"]).all()
    assert (sums[("buyers", "sum")] >= per["buyers"]).all()
    assert (sums[("exposure_users", "max")] <= per["product_exposure_users"]).all()
    assert not products.duplicated(["session_id", "product_id"]).any()
    # minute curve: peak, watch seconds, entries
    curve = minutes.groupby("session_id", observed=True).agg(
        n=("minute", "size"), last=("minute", "max"), peak=("online", "max"), online=("online", "sum"),
        entries=("entries", "sum")).reindex(per.index)
    assert (curve["n"].to_numpy() == per["duration_min"].to_numpy()).all()
    assert (curve["last"].to_numpy() == per["duration_min"].to_numpy() - 1).all()
    assert (curve["peak"].to_numpy() == per["peak_online"].to_numpy()).all()
    assert (60 * curve["online"].to_numpy() == per["watch_seconds"].to_numpy()).all()
    assert (curve["entries"].to_numpy() == per["views"].to_numpy()).all()
    assert (minutes[["online", "entries"]] >= 0).all().all()


def test_relations_hold_for_50_trainees():
    for i in range(50):
        _check_relations(_gen(f"trainee-{i:02d}", scale=0.7))


def test_relations_hold_with_odd_parameters():
    _check_relations(_gen(accounts=2, days=3, sessions_per_day=2.6, products_per_session=(1, 3),
                          catalog_size=3, source_mix={"关注": 1.0, "搜索": 0.0}, cross_buy_rate=1.0,
                          rate_cv=0.0, categories=["数码"], duration_range=(10, 12)))


def test_an_accounts_sessions_never_overlap():
    s = _gen(sessions_per_day=2.5).frames["live_sessions"].sort_values(["account_id", "start_time"])
    end = s["start_time"] + pd.to_timedelta(s["duration_min"], unit="min")
    same = s["account_id"].to_numpy()[1:] == s["account_id"].to_numpy()[:-1]
    assert (s["start_time"].to_numpy()[1:][same] >= end.to_numpy()[:-1][same]).all()
    assert s["start_time"].dt.normalize().value_counts().max() > s["account_id"].nunique()


def test_no_sessions_gives_empty_frames_with_all_columns():
    out = _gen(accounts=1, days=1, sessions_per_day=1e-9)
    for name, frame in out.frames.items():
        assert frame.empty and list(frame.columns) == list(COLUMNS[name])


# --- determinism ---------------------------------------------------------------------------------------

def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_csv(buf, index=False, encoding="utf-8-sig")
    return buf.getvalue()


def test_same_seed_same_frames_and_bytes_other_trainee_other_numbers():
    a, b, c = _gen("t-7"), _gen("t-7"), _gen("t-8")
    for name in DATASETS:
        pd.testing.assert_frame_equal(a.frames[name], b.frames[name])
        assert _csv(a.frames[name]) == _csv(b.frames[name])
    assert a.truth == b.truth
    assert not a.frames["live_sessions"]["views"].equals(c.frames["live_sessions"]["views"])
    assert a.frames["live_products"]["gmv"].sum() != c.frames["live_products"]["gmv"].sum()


def test_truth_is_plain_json():
    truth = _gen(defects=Defects(duplicates=1, missing=1, out_of_range=1)).truth
    assert json.loads(json.dumps(truth)) == truth
    assert sum(truth["source_mix"].values()) == pytest.approx(1.0)


# --- realism -------------------------------------------------------------------------------------------

def test_magnitudes_and_rates_are_realistic():
    s = _gen(scale=5).frames["live_sessions"]
    assert 5000 <= s["views"].median() <= 50000 and s["views"].quantile(0.05) >= 1000
    assert s["views"].max() / s["views"].median() > 4  # heavy tail
    assert s["duration_min"].between(60, 240).all()
    ratio = s["viewers"] / s["views"]
    assert ratio.between(0.45, 0.95).all() and ratio.between(0.55, 0.85).mean() > 0.9
    assert 0.6 <= ratio.median() <= 0.8
    gpm = s["gmv"] / s["views"] * 1000
    assert 200 <= gpm.median() <= 3000 and gpm.between(50, 10000).mean() > 0.95
    ctr = s["product_click_users"] / s["product_exposure_users"]
    c2b = s["buyers"] / s["product_click_users"]
    assert ctr.between(0.03, 0.3).mean() > 0.95 and c2b.between(0.03, 0.3).mean() > 0.95
    avg_online = s["watch_seconds"] / 60 / s["duration_min"]
    assert (s["peak_online"] > avg_online).all() and (s["peak_online"] < 5 * avg_online).all()
    evening = s["start_time"].dt.hour.between(19, 22)
    assert evening.mean() > 0.7


def test_products_come_from_the_catalogue_with_realistic_prices():
    out = _gen(scale=3)
    products = out.frames["live_products"]
    per_session = products.groupby("session_id", observed=True).size()
    assert per_session.between(5, 20).all() and per_session.nunique() > 5
    for cat, g in products.groupby("category", observed=True):
        (lo, hi), _, _ = CATEGORIES[cat]
        assert g["price"].between(lo, hi + 10).all(), cat
    assert products.groupby("product_id", observed=True)["price"].nunique().max() == 1
    # each account sells mostly its own category
    s = out.frames["live_sessions"][["session_id", "account_id"]]
    own = {a["account_id"]: a["category"] for a in out.truth["accounts"]}
    merged = products.merge(s, on="session_id")
    assert (merged["category"].astype(str) == merged["account_id"].map(own)).mean() > 0.6


def test_minute_curve_rises_peaks_and_decays():
    minutes = _gen(scale=3).frames["live_minutes"]
    g = minutes.groupby("session_id", observed=True)
    peak_row = minutes.loc[g["online"].idxmax()].set_index("session_id")
    stats = pd.DataFrame({"first": g["online"].first(), "last": g["online"].last(), "n": g.size()})
    stats = stats.join(peak_row[["minute", "online"]].rename(columns={"minute": "at", "online": "peak"}))
    assert (stats["first"] < 0.5 * stats["peak"]).mean() > 0.95
    assert (stats["last"] < 0.8 * stats["peak"]).mean() > 0.9
    assert (stats["at"] / stats["n"]).between(0.03, 0.97).mean() > 0.9
    # not a smooth line: bumps and noise make the curve go down and up again
    rising = minutes["online"].diff().gt(0).groupby(minutes["session_id"], observed=True).mean()
    assert rising.between(0.2, 0.8).mean() > 0.9


def _log_views_by_day(out) -> pd.DataFrame:
    s = out.frames["live_sessions"]
    frame = pd.DataFrame({"acc": s["account_id"], "day": s["start_time"].dt.normalize(),
                          "log_views": np.log(s["views"])})
    frame["resid"] = frame["log_views"] - frame.groupby("acc", observed=True)["log_views"].transform("mean")
    frame["log_factor"] = np.log(frame["day"].dt.strftime("%Y-%m-%d").map(out.truth["day_factors"]))
    return frame


def test_promotion_lifts_views_by_the_true_lift():
    out = _gen(scale=10)
    lifts = out.truth["promotion_lifts"]
    assert lifts == {"2024-11-09": pytest.approx(1.5), "2024-11-10": pytest.approx(2.0), "2024-11-11": 2.5}
    frame = _log_views_by_day(out)
    promo = frame["day"] == pd.Timestamp("2024-11-11")
    plain = ~frame["day"].dt.strftime("%Y-%m-%d").isin(list(lifts))
    diff = frame.loc[promo, "resid"].mean() - frame.loc[plain, "resid"].mean()
    truth = frame.loc[promo, "log_factor"].mean() - frame.loc[plain, "log_factor"].mean()
    sd = frame.loc[plain, "resid"].std() * np.sqrt(1 / promo.sum() + 1 / plain.sum())
    assert diff > 0.5 and abs(diff - truth) < 4 * sd


# --- parameter recovery --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big():
    return _gen("recovery", accounts=4, days=728, sessions_per_day=1.0, promotions=[])


def _ratio_sd(num_den: pd.DataFrame, mean: float, cv: float) -> float:
    """Sampling sd of Σnum/Σden when each session's rate is Beta around ``mean`` and counts binomial."""
    den = num_den["den"].to_numpy(dtype=float)
    var_rate = mean * (1 - mean) / (beta_concentration(np.array([mean]), cv)[0] + 1)
    return float(np.sqrt((den**2).sum() * var_rate + den.sum() * mean * (1 - mean)) / den.sum())


def test_session_rates_recover_each_accounts_profile(big):
    s = big.frames["live_sessions"]
    params = Params()
    for profile in big.truth["accounts"]:
        mine = s[s["account_id"] == profile["account_id"]]
        assert len(mine) == 728
        for rate, (num, den) in RATIOS.items():
            truth = profile["rates"][rate]
            got = mine[num].sum() / mine[den].sum()
            sd = _ratio_sd(pd.DataFrame({"den": mine[den]}), truth, params.rate_cv)
            assert abs(got - truth) < 4.5 * sd, (profile["account_id"], rate, got, truth, sd)
        watch = profile["rates"]["avg_watch_seconds"]
        got = mine["watch_seconds"].sum() / mine["viewers"].sum()
        sd = watch * 0.21 * np.sqrt((mine["viewers"].astype(float) ** 2).sum()) / mine["viewers"].sum()
        assert abs(got - watch) < 4.5 * sd


def test_traffic_shares_recover_each_accounts_source_mix(big):
    s, traffic = big.frames["live_sessions"], big.frames["live_traffic"]
    t = traffic.merge(s[["session_id", "account_id"]], on="session_id")
    kappa = Params().session_mix_concentration
    for profile in big.truth["accounts"]:
        views = s.loc[s["account_id"] == profile["account_id"], "views"].to_numpy(dtype=float)
        mine = t[t["account_id"] == profile["account_id"]]
        shares = mine.groupby("source", observed=True)["views"].sum() / views.sum()
        for source, truth in profile["source_mix"].items():
            var = truth * (1 - truth) * ((views**2).sum() / (kappa + 1) + views.sum())
            sd = np.sqrt(var) / views.sum()
            assert abs(shares[source] - truth) < 4.5 * sd, (source, shares[source], truth)


def test_account_mixes_centre_on_the_true_source_mix():
    out = _gen("mix", accounts=150, days=7, sessions_per_day=1.0)
    s, traffic = out.frames["live_sessions"], out.frames["live_traffic"]
    shares = traffic.groupby("source", observed=True)["views"].sum() / s["views"].sum()
    by_acc = s.groupby("account_id", observed=True)["views"].sum().to_numpy(dtype=float)
    kappa = Params().account_mix_concentration
    assert set(out.truth["source_mix"]) == set(SOURCES)
    for source, truth in out.truth["source_mix"].items():
        sd = np.sqrt(truth * (1 - truth) / (kappa + 1) * (by_acc**2).sum()) / by_acc.sum()
        assert abs(shares[source] - truth) < 4.5 * sd, (source, shares[source], truth)


def test_weekday_pattern_is_visible_and_matches_the_truth(big):
    frame = _log_views_by_day(big)
    dow = frame["day"].dt.dayofweek
    weekend, early = dow >= 4, dow <= 2
    diff = frame.loc[weekend, "resid"].mean() - frame.loc[early, "resid"].mean()
    truth = frame.loc[weekend, "log_factor"].mean() - frame.loc[early, "log_factor"].mean()
    sd = frame["resid"].std() * np.sqrt(1 / weekend.sum() + 1 / early.sum())
    assert diff > 0 and abs(diff - truth) < 4 * sd


def test_scale_multiplies_rows_roughly_linearly():
    small, large = _gen(scale=1.0), _gen(scale=4.0)
    for name in DATASETS:
        ratio = len(large.frames[name]) / len(small.frames[name])
        assert 2.5 < ratio < 8, (name, ratio)  # 3 accounts at scale 1: their session lengths vary a lot
    assert len(large.truth["accounts"]) == 12


# --- defects and parameters ----------------------------------------------------------------------------

def test_defects_are_planted_in_live_sessions_and_recorded():
    clean = _gen().frames["live_sessions"]
    out = _gen(defects=Defects(duplicates=3, missing=4, out_of_range=2))
    s, record = out.frames["live_sessions"], out.truth["defects"]
    assert len(s) == len(clean) + 3 and s.duplicated().sum() == 3
    first = s[~s.duplicated()]
    assert first.isna().sum().sum() == 4 and len(record["missing"]) == 4
    numeric = first.select_dtypes("number")
    assert (numeric < 0).sum().sum() == 2 and len(record["out_of_range"]) == 2
    assert {r["session_id"] for r in record["duplicates"]} == set(s.loc[s.duplicated(), "session_id"])
    assert len(out.frames["live_minutes"]) == _gen().frames["live_minutes"].shape[0]


@pytest.mark.parametrize("bad", [
    {"accounts": 0}, {"days": -1}, {"sessions_per_day": -0.5}, {"views_median": -10},
    {"product_ctr": (0.1, 1.2)}, {"click_to_buy": (-0.1, 0.2)}, {"viewer_ratio": (0.8, 0.6)},
    {"duration_range": (0, 120)}, {"duration_range": (60, 2000)}, {"products_per_session": (5, 200)},
    {"products_per_session": (0, 5)}, {"cross_buy_rate": 1.5}, {"avg_watch_seconds": (-5, 60)},
    {"source_mix": {"电视": 1.0}}, {"source_mix": {"关注": -1.0}}, {"categories": ["汽车"]},
    {"promotions": [{"day": "黑五"}]}, {"unknown_key": 1}, {"defects": {"duplicates": -1}},
])
def test_params_reject_nonsense(bad):
    with pytest.raises(ValidationError):
        Params(**bad)


def test_params_defaults_are_sensible():
    p = Params()
    assert p.start_date <= dt.date(2024, 11, 11) < p.start_date + dt.timedelta(days=p.days)
    assert all(f.description for f in Params.model_fields.values())
    assert Params(promotions=[Promotion(day=dt.date(2024, 10, 25))]).promotions[0].lift == 2.5
