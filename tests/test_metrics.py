"""Metric formulas against the test vectors of reference/metrics.md, plus grouping and variants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import simulator.engine.frames as frames_module
import simulator.engine.metrics as metrics_module
from simulator.core.i18n import has, t
from simulator.engine.frames import add_period, frame_for
from simulator.engine.metrics import (
    METRICS,
    VARIANTS,
    breakeven_roi,
    compute,
    compute_from_sums,
    display,
    json_records,
    mean_of_ratios,
    table,
    variant_value,
)

AD = pd.DataFrame({"cost": [3000.0, 2000.0], "impressions": [120000, 80000], "clicks": [2500, 1500],
                   "conversions": [70, 50], "orders": [100, 60], "gmv": [9000.0, 6000.0],
                   "refunds": [900.0, 600.0], "signed_gmv": [7000.0, 5000.0], "signed_orders": [80, 50]})
LIVE = pd.DataFrame({"views": [7000, 5000], "viewers": [5000, 3000], "gmv": [20000.0, 16000.0],
                     "buyers": [250, 150], "orders": [270, 170], "duration_min": [70, 50],
                     "watch_seconds": [450000, 270000], "product_exposure_users": [4000, 2000],
                     "product_click_users": [600, 300], "new_followers": [150, 90],
                     "interacting_users": [700, 500], "refunds": [2000.0, 1600.0]})
SOCIAL = pd.DataFrame({"plays": [30000, 20000], "completions": [5000, 4000], "likes": [1500, 1000],
                       "comments": [200, 100], "shares": [120, 80], "favorites": [250, 150],
                       "new_followers": [100, 50], "unfollows": [30, 10], "posts": [3, 2]})

# metric → (frame, expected value): the vectors of metrics.md (split over two rows so sums matter)
VECTORS: dict[str, tuple[pd.DataFrame, float]] = {
    # ad delivery: cost 5000, impressions 200000, clicks 4000, conversions 120, gmv 15000, refunds 1500
    "cost": (AD, 5000), "impressions": (AD, 200000), "clicks": (AD, 4000), "conversions": (AD, 120),
    "ctr": (AD, 0.02), "cpm": (AD, 25), "cpc": (AD, 1.25), "cvr": (AD, 0.03), "cpa": (AD, 41.6667),
    "roi": (AD, 3.0), "net_roi": (AD, 2.7), "signed_roi": (AD, 2.4), "signed_gmv": (AD, 12000),
    "signed_orders": (AD, 130), "refunds": (AD, 1500),
    # livestream: views 12000, viewers 8000, gmv 36000, buyers 400, 2-hour live, avg watch 90 s …
    "views": (LIVE, 12000), "viewers": (LIVE, 8000), "gmv": (LIVE, 36000), "buyers": (LIVE, 400),
    "orders": (LIVE, 440), "gpm": (LIVE, 3000), "uv_value": (LIVE, 4.5), "avg_order_value": (LIVE, 90),
    "avg_online": (LIVE, 100), "avg_watch_seconds": (LIVE, 90), "product_ctr": (LIVE, 0.15),
    "click_to_buy_rate": (LIVE, 0.4444), "watch_to_buy_rate": (LIVE, 0.05), "follow_rate": (LIVE, 0.03),
    "interaction_rate": (LIVE, 0.15), "refund_rate": (LIVE, 0.1), "watch_seconds": (LIVE, 720000),
    "interacting_users": (LIVE, 1200), "product_exposure_users": (LIVE, 6000),
    "product_click_users": (LIVE, 900),
    # short video: plays 50000, completions 9000, likes 2500, comments 300, shares 200, favourites 400
    "plays": (SOCIAL, 50000), "completions": (SOCIAL, 9000), "likes": (SOCIAL, 2500),
    "comments": (SOCIAL, 300), "shares": (SOCIAL, 200), "favorites": (SOCIAL, 400),
    "new_followers": (SOCIAL, 150), "unfollows": (SOCIAL, 40), "posts": (SOCIAL, 5),
    "completion_rate": (SOCIAL, 0.18), "like_rate": (SOCIAL, 0.05), "comment_rate": (SOCIAL, 0.006),
    "share_rate": (SOCIAL, 0.004), "engagement_rate": (SOCIAL, 0.06), "play_follow_rate": (SOCIAL, 0.003),
    "net_follower_gain": (SOCIAL, 110),
}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector(name):
    frame, expected = VECTORS[name]
    assert compute(name, frame) == pytest.approx(expected, abs=5e-5, rel=1e-9)


def test_every_metric_has_a_vector():
    assert set(METRICS) == set(VECTORS)


def test_every_metric_is_well_formed():
    for name, metric in METRICS.items():
        assert metric.name == name and metric.zh and metric.en and metric.datasets
        assert metric.unit in {"ratio", "money", "count", "seconds", "multiple"}
        assert metric.is_sum == (metric.denominator is None)
        if metric.unit == "ratio":
            assert metric.precision == 4


def test_variants_from_metrics_md():
    assert variant_value("gpm", "gpm_uv", LIVE) == pytest.approx(4500)
    assert variant_value("engagement_rate", "engagement_with_favorites", SOCIAL) == pytest.approx(0.068)
    assert variant_value("cvr", "cvr_impressions", AD) == pytest.approx(120 / 200000)
    assert variant_value("watch_to_buy_rate", "conversion_orders", LIVE) == pytest.approx(440 / 8000)
    assert variant_value("net_roi", "net_roi_gross", AD) == pytest.approx(3.0)


def test_every_variant_differs_from_its_metric_and_has_messages():
    for name, variants in VARIANTS.items():
        frame = VECTORS[name][0]
        for vname, variant in variants.items():
            assert variant.of == name and variant.name == vname
            assert has(variant.message.key)
            assert t(variant.message.key, "zh") != t(variant.message.key, "en")
            if all(c in frame.columns for c in variant.formula.columns):
                assert variant_value(name, vname, frame) != pytest.approx(compute(name, frame), rel=1e-3)
    assert has("metrics.variant.mean_of_ratios")


def test_unknown_names_raise():
    with pytest.raises(KeyError):
        compute("nope", AD)
    with pytest.raises(KeyError):
        variant_value("ctr", "nope", AD)
    with pytest.raises(KeyError, match="views"):
        compute("gpm", AD)


def test_nan_skipped_and_zero_denominator():
    df = pd.DataFrame({"impressions": [1000, np.nan, 1000], "clicks": [10, 5, np.nan]})
    assert compute("ctr", df) == pytest.approx(15 / 2000)
    assert math.isnan(compute("ctr", pd.DataFrame({"impressions": [0], "clicks": [0]})))
    assert math.isnan(compute_from_sums("cpc", {"cost": 10.0, "clicks": 0.0}))
    assert compute_from_sums("net_follower_gain", {"new_followers": 10, "unfollows": 4}) == 6


def test_live_products_aliases():
    products = pd.DataFrame({"exposure_users": [100, 300], "click_users": [20, 40], "buyers": [5, 5]})
    assert compute("product_ctr", products) == pytest.approx(60 / 400)
    assert compute("click_to_buy_rate", products, dataset="live_products") == pytest.approx(10 / 60)


MONTHS = pd.DataFrame({
    "date": pd.to_datetime(["2024-09-03", "2024-09-20", "2024-10-07", "2024-11-01", "2024-11-30"]),
    "impressions": [20000, 30000, 25000, 40000, 40000],
    "clicks": [1000, 1500, 3000, 1000, 4000],
    "cost": [2500.0, 3750.0, 3750.0, 5000.0, 5000.0],
})


def test_aggregation_rule_monthly_example():
    assert compute("ctr", MONTHS) == pytest.approx(0.067742, abs=1e-6)
    assert compute("cpm", MONTHS) == pytest.approx(129.0323, abs=1e-4)
    assert compute("cpc", MONTHS) == pytest.approx(1.9048, abs=1e-4)
    assert mean_of_ratios(MONTHS, "ctr", None, "month") == pytest.approx(0.0775)
    assert mean_of_ratios(MONTHS, "cpm", None, "month") == pytest.approx(133.3333, abs=1e-4)
    assert mean_of_ratios(MONTHS, "cpc", None, "month") == pytest.approx(1.9167, abs=1e-4)


def test_mean_of_ratios_by_group():
    df = pd.concat([MONTHS.assign(campaign_id="C01"),
                    MONTHS.assign(campaign_id="C02", clicks=MONTHS["clicks"] * 2)])
    out = mean_of_ratios(df, "ctr", ["campaign_id"], "month")
    assert list(out.index) == ["C01", "C02"]
    assert out.tolist() == pytest.approx([0.0775, 0.155])


def test_add_period_labels():
    df = pd.DataFrame({"date": pd.to_datetime(["2024-11-03", "2024-11-04", "2024-11-10", "2024-12-01"])})
    assert add_period(df, "date", "week")["week"].tolist() == \
        ["2024-10-28", "2024-11-04", "2024-11-04", "2024-11-25"]
    assert add_period(df, "date", "month")["month"].tolist() == ["2024-11"] * 3 + ["2024-12"]
    assert add_period(df, "date", "day")["day"].tolist()[0] == "2024-11-03"
    assert "week" not in df.columns


def test_table_against_hand_computed_groups():
    df = pd.DataFrame({
        "campaign_id": pd.Categorical(["C02", "C01", "C02", "C01", "C03"]),
        "date": pd.to_datetime(["2024-11-01", "2024-11-01", "2024-11-02", "2024-11-02", "2024-11-02"]),
        "cost": [100.0, 50.0, 300.0, 150.0, 0.0], "impressions": [10000, 2000, 10000, 8000, 0],
        "clicks": [100, 40, 300, 160, 0], "conversions": [5, 2, 10, 8, 0], "gmv": [400.0, 0, 600, 450, 0],
    })
    out = table(df, ["campaign_id"], ["cost", "clicks", "ctr", "cpc", "roi"])
    assert list(out.columns) == ["campaign_id", "cost", "clicks", "ctr", "cpc", "roi"]
    assert out["campaign_id"].tolist() == ["C01", "C02", "C03"]
    assert out["cost"].tolist() == [200.0, 400.0, 0.0]
    assert out["clicks"].tolist() == [200, 400, 0]
    assert out["ctr"].tolist()[:2] == pytest.approx([200 / 10000, 400 / 20000])
    assert out["cpc"].tolist()[:2] == pytest.approx([1.0, 1.0])
    assert out["roi"].tolist()[:2] == pytest.approx([450 / 200, 1000 / 400])
    assert out[["ctr", "cpc", "roi"]].iloc[2].isna().all()

    by_day = table(df, ["date", "campaign_id"], ["cvr"])
    assert len(by_day) == 5 and by_day["date"].is_monotonic_increasing
    assert by_day["cvr"].tolist()[:2] == pytest.approx([2 / 40, 5 / 100])

    total = table(df, [], ["ctr", "cost"])
    assert total.shape == (1, 2) and total["ctr"].iloc[0] == pytest.approx(600 / 30000)


def test_table_by_week_from_add_period():
    out = table(add_period(MONTHS, "date", "month"), ["month"], ["ctr", "impressions"])
    assert out["month"].tolist() == ["2024-09", "2024-10", "2024-11"]
    assert out["ctr"].tolist() == pytest.approx([0.05, 0.12, 0.0625])


def test_json_records_are_plain():
    out = table(MONTHS, ["date"], ["ctr"]).head(1)
    rows = json_records(out)
    assert rows == [{"date": "2024-09-03", "ctr": 0.05}]
    assert type(rows[0]["ctr"]) is float
    assert json_records(pd.DataFrame({"x": [np.nan]})) == [{"x": None}]


def test_frame_for_ad_delivery_adds_signed_columns():
    delivery = pd.DataFrame({
        "date": pd.to_datetime(["2024-11-01"] * 3 + ["2024-11-02"] * 2),
        "campaign_id": ["C01", "C01", "C02", "C01", "C01"],
        "cost": [10.0] * 5, "gmv": [300.0, 100.0, 50.0, 0.0, 0.0],
    })
    orders = pd.DataFrame({
        "order_id": range(6),
        "date": pd.to_datetime(["2024-11-01"] * 4 + ["2024-11-02"] * 2),
        "campaign_id": ["C01", "C01", "C01", "C02", "C01", "C01"],
        "amount": [200.0, 100.0, 100.0, 50.0, 30.0, 20.0],
        "status": pd.Categorical(["signed", "signed", "returned", "in_transit", "signed", "rejected"]),
    })
    out = frame_for({"ad_delivery": delivery, "ad_orders": orders}, "ad_delivery")
    assert out["signed_gmv"].tolist() == pytest.approx([225.0, 75.0, 0.0, 30.0, 0.0])
    assert out["signed_orders"].sum() == pytest.approx(3)
    assert compute("signed_roi", out) == pytest.approx(330 / 50)
    per_campaign = table(out, ["campaign_id"], ["signed_gmv"])
    assert per_campaign["signed_gmv"].tolist() == pytest.approx([330.0, 0.0])
    assert "signed_gmv" not in delivery.columns


def test_frame_for_live_adds_dates():
    sessions = pd.DataFrame({"session_id": ["S1", "S2"],
                             "start_time": pd.to_datetime(["2024-11-01 20:00", "2024-11-02 19:30"])})
    products = pd.DataFrame({"session_id": ["S2", "S1"], "gmv": [1.0, 2.0]})
    data = {"live_sessions": sessions, "live_products": products}
    assert frame_for(data, "live_sessions")["date"].dt.strftime("%Y-%m-%d").tolist() == \
        ["2024-11-01", "2024-11-02"]
    assert frame_for(data, "live_products")["date"].dt.day.tolist() == [2, 1]


def test_breakeven_roi():
    assert breakeven_roi(100, 40, shipping=8, fee_rate=0.05) == pytest.approx(2.1277, abs=1e-4)
    assert breakeven_roi(100, 50, return_rate=0.10) == pytest.approx(2.2222, abs=1e-4)
    # loss per yuan of spend when breakeven_roi = 2 and roi = 1.5
    assert 1 - 1.5 / breakeven_roi(100, 50) == pytest.approx(0.25)
    assert breakeven_roi(100, 100) == math.inf
    with pytest.raises(ValueError):
        breakeven_roi(0, 1)


def test_display():
    assert display("ctr", 0.034567) == "3.46%"
    assert display("cpm", 25) == "25.00"
    assert display("clicks", 4000) == "4,000"
    assert display("roi", float("nan")) == "—"


def _reference_table(df: pd.DataFrame, by: list[str], names: list[str]) -> pd.DataFrame:
    """The report as pandas computes it directly: one groupby over the frame's columns."""
    needed = list(dict.fromkeys(c for n in names for c in METRICS[n].columns))
    grouped = df.groupby(by, observed=True, sort=True, dropna=False)[needed].sum(min_count=0)
    sums = {c: grouped[c].to_numpy(dtype=float) for c in needed}
    values = {n: np.asarray(metrics_module.formula_from_sums(METRICS[n], sums), dtype=float) for n in names}
    return pd.DataFrame(values, index=grouped.index).reset_index()


def test_table_and_mean_of_ratios_equal_pandas_groupby_bit_for_bit():
    rng = np.random.default_rng(5)
    n = 600
    df = pd.DataFrame({
        "campaign_id": pd.Categorical(rng.choice(["C02", "C01", "C03"], n), categories=["C03", "C01", "C02"]),
        "date": pd.Timestamp("2024-11-01") + pd.to_timedelta(rng.integers(0, 20, n), unit="D"),
        "cost": np.round(rng.gamma(2.0, 50.0, n), 2), "impressions": rng.integers(0, 9000, n),
        "clicks": rng.integers(0, 300, n), "gmv": np.round(rng.gamma(2.0, 90.0, n), 2),
        "refunds": np.round(rng.gamma(1.0, 5.0, n), 2)})
    df.loc[rng.choice(n, 20, replace=False), "campaign_id"] = None
    df.loc[rng.choice(n, 20, replace=False), "cost"] = np.nan
    names = ["cost", "ctr", "cpm", "cpc", "roi", "net_roi"]
    for by in (["campaign_id"], ["date"], ["campaign_id", "date"]):
        got, want = table(df, by, names), _reference_table(df, by, names)
        assert got[by].astype(str).equals(want[by].astype(str))
        for name in names:
            assert np.array_equal(got[name].to_numpy(), want[name].to_numpy(), equal_nan=True), (by, name)
    daily = add_period(df, "date", "day")
    per_day = _reference_table(daily, ["campaign_id", "day"], ["ctr"])
    want = per_day.groupby(["campaign_id"], observed=True, sort=True)["ctr"].mean()
    got = mean_of_ratios(df, "ctr", ["campaign_id"], "day")
    assert got.index.astype(str).tolist() == want.index.astype(str).tolist()
    assert got.tolist() == want.tolist()
    assert mean_of_ratios(df, "ctr", None, "day") == _reference_table(daily, ["day"], ["ctr"])["ctr"].mean()


def test_period_labels_of_naive_dates_match_the_timezone_path():
    stamps = pd.Series([pd.Timestamp("1969-12-29 23:59"), pd.Timestamp("2024-02-29 08:00"), pd.NaT,
                        pd.Timestamp("2024-11-10"), pd.Timestamp("2024-11-11")])
    aware = stamps.dt.tz_localize("UTC")
    for period in ("day", "week", "month"):
        naive = frames_module.period_labels(stamps, period)
        assert naive.tolist() == frames_module.period_labels(aware, period).tolist()
        assert naive.dtype == object and naive[2] is None
    assert frames_module.period_labels(stamps, "week").tolist()[0] == "1969-12-29"


def test_prepared_frame_is_made_once_per_data_mapping():
    delivery = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-04"]), "campaign_id": ["C01"] * 2,
                             "cost": [1.0, 2.0], "gmv": [10.0, 0.0]})
    orders = pd.DataFrame({"date": pd.to_datetime(["2024-11-01"]), "campaign_id": ["C01"], "amount": [5.0],
                           "status": ["signed"]})
    data = {"ad_delivery": delivery, "ad_orders": orders}
    frames_module._prepared.clear()
    prepared = frames_module.prepared_frame(data, "ad_delivery", ["week", "day"])
    made = frames_module._prepared.misses
    again = frames_module.prepared_frame(dict(data), "ad_delivery", ["day", "week"])
    assert frames_module._prepared.misses == made  # made once: a mapping of the same frames hits
    pd.testing.assert_frame_equal(again, prepared)
    again["cost"] = 0.0  # each caller's copy is its own
    assert frames_module.prepared_frame(data, "ad_delivery", ["day", "week"])["cost"].tolist() == [1.0, 2.0]
    assert prepared["week"].tolist() == ["2024-10-28", "2024-11-04"] and prepared["signed_gmv"].sum() == 5.0
    expected = add_period(add_period(frame_for(data, "ad_delivery"), "date", "day"), "date", "week")
    pd.testing.assert_frame_equal(prepared, expected)
    alone = frames_module.prepared_frame(data, "ad_delivery", ["day"], only=["ad_delivery"])
    assert "signed_gmv" not in alone.columns  # a task that does not read ad_orders skips the join
    data["ad_orders"] = orders.assign(amount=7.0)  # a replaced frame is noticed
    assert frames_module.prepared_frame(data, "ad_delivery", ["day", "week"])["signed_gmv"].sum() == 7.0
    orders.loc[0, "amount"] = 9.0  # so is a frame changed in place
    assert frames_module.prepared_frame({**data, "ad_orders": orders}, "ad_delivery", ["day"])["signed_gmv"].sum() \
        == 9.0
    assert frames_module.prepared_frame(dict(data), "ad_delivery", ["day"]) is not prepared
    with pytest.raises(ValueError, match="no date column"):
        frames_module.prepared_frame({"products": pd.DataFrame({"price": [1.0]})}, "products", ["day"])


def test_signed_columns_ignore_orders_outside_the_report_and_unsigned_ones():
    delivery = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-01", None]),
                             "campaign_id": pd.Categorical(["C01", "C01", "C02"]), "gmv": [30.0, 10.0, 5.0]})
    orders = pd.DataFrame({
        "date": pd.to_datetime(["2024-11-01", "2024-11-01", "2024-11-02", "2024-11-01", None]),
        "campaign_id": pd.Categorical(["C01", "C01", "C01", "C09", "C02"]),
        "amount": [40.0, 4.0, 1000.0, 1000.0, 1000.0],
        "status": pd.Categorical(["signed", None, "signed", "signed", "signed"])})
    out = frame_for({"ad_delivery": delivery, "ad_orders": orders}, "ad_delivery")
    assert out["signed_gmv"].tolist() == [30.0, 10.0, 0.0]
    assert out["signed_orders"].tolist() == [0.75, 0.25, 0.0]


def test_json_records_can_drop_infinities():
    df = pd.DataFrame({"k": pd.Categorical(["a", None]), "n": [1, 2], "x": [np.inf, 0.5],
                       "d": pd.to_datetime(["2024-11-01", None])})
    rows = json_records(df)
    assert rows[0] == {"k": "a", "n": 1, "x": np.inf, "d": "2024-11-01"}
    assert rows[1]["k"] is None and rows[1]["n"] == 2 and rows[1]["x"] == 0.5 and pd.isna(rows[1]["d"])
    assert type(rows[1]["n"]) is int and json_records(df, inf_as_none=True)[0]["x"] is None
    assert json_records(pd.DataFrame(index=[0, 1])) == [{}, {}]
