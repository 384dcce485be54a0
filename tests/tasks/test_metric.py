"""Tests of the ``metric`` task kind: keys, tolerance, misconceptions named, metrics.md vectors."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import metric
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
SEEDS = range(100)
NAMED_SEEDS = range(100)  # misconception tests over 100 trainee-like seeds (issue 3)


def ads(rng, days=14, campaigns=4):
    """A small ad_delivery-like frame: one row per campaign and day, varied rates."""
    dates = pd.date_range("2024-11-01", periods=days, freq="D")
    n = days * campaigns
    day_size, day_ctr = rng.uniform(0.2, 3, days), rng.uniform(0.3, 2, days)
    imp = (rng.integers(2_000, 60_000, n) * np.repeat(day_size, campaigns)).astype(np.int64)
    clicks = rng.binomial(imp, np.minimum(rng.uniform(0.005, 0.05, n) * np.repeat(day_ctr, campaigns), 1))
    conv = rng.binomial(clicks, rng.uniform(0.01, 0.15, n))
    cost = np.round(imp * rng.uniform(0.01, 0.12, n), 2)
    gmv = np.round(cost * rng.uniform(0.5, 5, n), 2)
    return pd.DataFrame(
        {
            "date": np.repeat(dates, campaigns),
            "campaign_id": np.tile([f"C{i + 1:02d}" for i in range(campaigns)], days),
            "cost": cost,
            "impressions": imp,
            "clicks": clicks,
            "conversions": conv,
            "orders": conv,
            "gmv": gmv,
            "refunds": np.round(gmv * rng.uniform(0, 0.2, n), 2),
        }
    )


def live(rng, sessions=20):
    views = rng.integers(2_000, 50_000, sessions)
    viewers = (views * rng.uniform(0.4, 0.9, sessions)).astype(int)
    buyers = rng.binomial(viewers, rng.uniform(0.005, 0.05, sessions))
    return pd.DataFrame(
        {
            "session_id": [f"S{i:03d}" for i in range(sessions)],
            "start_time": pd.date_range("2024-11-01 20:00", periods=sessions, freq="D"),
            "duration_min": rng.integers(60, 240, sessions),
            "views": views,
            "viewers": viewers,
            "buyers": buyers,
            "gmv": np.round(buyers * rng.uniform(30, 200, sessions), 2),
        }
    )


def run(params, data, raw):
    answer = metric.make(params, data, CTX).key
    return metric.check(answer, metric.parse(raw, params, CTX), params, CTX)


def keys(check):
    return {m.key for m in check.feedback}


def far(a, b, rel=0.01):
    return abs(a - b) > rel * abs(b)


# ----------------------------------------------------------------------------- key and perturbation

RATIO_METRICS = ["ctr", "cpm", "cpc", "cvr", "cpa", "roi", "net_roi"]


def random_params(rng):
    name = str(rng.choice(RATIO_METRICS + ["cost", "clicks", "gmv"]))
    filt = {}
    if rng.random() < 0.6:
        filt["campaign_id"] = sorted(rng.choice(["C01", "C02", "C03", "C04"], 2, replace=False).tolist())
    if rng.random() < 0.5:
        filt["date"] = {"from": "2024-11-03", "to": "2024-11-09"}
    per = (
        str(rng.choice(["day", "week", "campaign"]))
        if name in ("cost", "clicks", "gmv") and rng.random() < 0.5
        else None
    )
    return metric.Params(dataset="ad_delivery", metric=name, filter=filt, per=per)


def test_key_full_marks_and_perturbed_less_over_seeds():
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        params, data = random_params(rng), {"ad_delivery": ads(rng)}
        answer = metric.make(params, data, CTX).key
        full = metric.check(
            answer, metric.parse(metric.as_raw(answer, params, CTX), params, CTX), params, CTX
        )
        assert full.fraction == 1 and full.final_status() == "correct", (seed, params, full.feedback)
        worse = metric.check(
            answer, metric.parse(metric.perturb(answer, params, CTX, rng), params, CTX), params, CTX
        )
        assert worse.fraction < 1
        with pytest.raises(AnswerFormatError):
            metric.parse(metric.malformed(params), params, CTX)


def test_key_is_json_ready_and_params_round_trip():
    import json

    rng = np.random.default_rng(5)
    params = metric.Params(
        dataset="ad_delivery",
        metric="ctr",
        filter={"date": {"from": "2024-11-03", "to": "2024-11-05"}, "campaign_id": "C01"},
    )
    answer = metric.make(params, {"ad_delivery": ads(rng)}, CTX).key
    json.dumps(answer)
    dumped = params.model_dump(mode="json")
    assert dumped["filter"]["date"] == {"from": "2024-11-03", "to": "2024-11-05"}
    assert metric.Params(**dumped) == params


def test_filter_semantics_by_hand():
    df = ads(np.random.default_rng(7))
    params = metric.Params(
        dataset="ad_delivery",
        metric="ctr",
        filter={"campaign_id": ["C01", "C03"], "date": {"from": "2024-11-02", "to": "2024-11-04"}},
    )
    sub = df[df.campaign_id.isin(["C01", "C03"]) & (df.date >= "2024-11-02") & (df.date <= "2024-11-04")]
    assert len(sub) == 6
    assert metric.make(params, {"ad_delivery": df}).key["value"] == pytest.approx(
        sub.clicks.sum() / sub.impressions.sum()
    )
    one_day = metric.Params(dataset="ad_delivery", metric="cost", filter={"date": "2024-11-05"})
    assert metric.make(one_day, {"ad_delivery": df}).key["value"] == pytest.approx(
        df[df.date == "2024-11-05"].cost.sum()
    )
    weekly = metric.Params(dataset="ad_delivery", metric="cost", per="week")
    by_week = df.groupby(df.date.dt.to_period("W-SUN")).cost.sum().mean()
    assert metric.make(weekly, {"ad_delivery": df}).key["value"] == pytest.approx(by_week)
    per_campaign = metric.Params(dataset="ad_delivery", metric="cost", per="campaign")
    assert per_campaign.per == "campaign_id"
    assert metric.make(per_campaign, {"ad_delivery": df}).key["value"] == pytest.approx(df.cost.sum() / 4)
    month = metric.Params(dataset="ad_delivery", metric="clicks", filter={"month": "2024-11"})
    assert metric.make(month, {"ad_delivery": df}).key["value"] == df.clicks.sum()


def test_empty_filter_is_an_error():
    params = metric.Params(dataset="ad_delivery", metric="ctr", filter={"campaign_id": "C99"})
    with pytest.raises(ValueError, match="no rows"):
        metric.make(params, {"ad_delivery": ads(np.random.default_rng(1))})


# ----------------------------------------------------------------------------- misconceptions


def assert_named(make_case, key, minimum=0.9):
    """Over 100 seeds, the trap answer is named by ``key`` whenever it differs from the key."""
    distinct = 0
    for seed in NAMED_SEEDS:
        rng = np.random.default_rng(seed)
        params, data, trap, right = make_case(rng)
        if not far(trap, right):
            continue
        distinct += 1
        res = run(params, data, trap)
        assert res.fraction == 0 and key in keys(res), (seed, [m.key for m in res.feedback])
    assert distinct >= minimum * len(NAMED_SEEDS)


def test_mean_of_daily_ratios_named():
    def case(rng):
        df = ads(rng)
        daily = df.groupby("date").apply(lambda g: g.clicks.sum() / g.impressions.sum(), include_groups=False)
        return (
            metric.Params(dataset="ad_delivery", metric="ctr"),
            {"ad_delivery": df},
            daily.mean(),
            df.clicks.sum() / df.impressions.sum(),
        )

    assert_named(case, "misc.mean_of_ratios.day")


def test_mean_of_row_ratios_named():
    def case(rng):
        df = ads(rng)
        return (
            metric.Params(dataset="ad_delivery", metric="cpc"),
            {"ad_delivery": df},
            (df.cost / df.clicks).replace(np.inf, np.nan).mean(),
            df.cost.sum() / df.clicks.sum(),
        )

    assert_named(case, "misc.mean_of_ratios.row")


def test_cvr_over_impressions_named():
    def case(rng):
        df = ads(rng)
        return (
            metric.Params(dataset="ad_delivery", metric="cvr"),
            {"ad_delivery": df},
            df.conversions.sum() / df.impressions.sum(),
            df.conversions.sum() / df.clicks.sum(),
        )

    assert_named(case, "metrics.variant.cvr_impressions")


def test_gpm_over_viewers_named():
    def case(rng):
        df = live(rng)
        return (
            metric.Params(dataset="live_sessions", metric="gpm"),
            {"live_sessions": df},
            df.gmv.sum() / df.viewers.sum() * 1000,
            df.gmv.sum() / df.views.sum() * 1000,
        )

    assert_named(case, "metrics.variant.gpm_uv")


def test_chosen_variant_and_standard_definition_named():
    rng = np.random.default_rng(3)
    df = live(rng)
    params = metric.Params(dataset="live_sessions", metric="gpm", variant="gpm_uv")
    data = {"live_sessions": df}
    assert metric.make(params, data).key["value"] == pytest.approx(df.gmv.sum() / df.viewers.sum() * 1000)
    res = run(params, data, df.gmv.sum() / df.views.sum() * 1000)
    assert keys(res) == {"metric.standard_definition"}


def test_percent_slip_named():
    def case(rng):
        df = ads(rng)
        right = df.clicks.sum() / df.impressions.sum()
        return (
            metric.Params(dataset="ad_delivery", metric="ctr"),
            {"ad_delivery": df},
            right * 100,
            right * 1e-6,
        )

    # the trap is always far from right*1e-6 (a dummy), so every seed counts
    distinct = 0
    for seed in NAMED_SEEDS:
        params, data, trap, _ = case(np.random.default_rng(seed))
        res = run(params, data, f"{trap:.2f}")
        assert res.fraction == 0 and "check.percent_slip" in keys(res)
        distinct += 1
    assert distinct == len(NAMED_SEEDS)


def test_filter_ignored_named():
    by_hand = {
        "ctr": lambda d: d.clicks.sum() / d.impressions.sum(),
        "cost": lambda d: d.cost.sum(),
        "roi": lambda d: d.gmv.sum() / d.cost.sum(),
    }

    def case(rng):
        df = ads(rng)
        name = str(rng.choice(list(by_hand)))
        params = metric.Params(
            dataset="ad_delivery",
            metric=name,
            filter={"campaign_id": "C02", "date": {"from": "2024-11-05", "to": "2024-11-12"}},
        )
        sub = df[(df.campaign_id == "C02") & (df.date >= "2024-11-05") & (df.date <= "2024-11-12")]
        return params, {"ad_delivery": df}, by_hand[name](df), by_hand[name](sub)

    assert_named(case, "misc.filter_ignored")


def test_one_filter_condition_ignored_named():
    rng = np.random.default_rng(11)
    df = ads(rng)
    params = metric.Params(
        dataset="ad_delivery",
        metric="cost",
        filter={"campaign_id": "C02", "date": {"from": "2024-11-05", "to": "2024-11-12"}},
    )
    only_dates = df[(df.date >= "2024-11-05") & (df.date <= "2024-11-12")].cost.sum()
    assert "misc.filter_ignored" in keys(run(params, {"ad_delivery": df}, only_dates))


def test_sum_where_mean_asked_named():
    def case(rng):
        df = ads(rng)
        return (
            metric.Params(dataset="ad_delivery", metric="cost", per="day"),
            {"ad_delivery": df},
            df.cost.sum(),
            df.groupby("date").cost.sum().mean(),
        )

    assert_named(case, "metric.sum_not_mean")


def test_mean_where_sum_asked_named():
    def case(rng):
        df = ads(rng)
        return (
            metric.Params(dataset="ad_delivery", metric="gmv"),
            {"ad_delivery": df},
            df.groupby("date").gmv.sum().mean(),
            df.gmv.sum(),
        )

    assert_named(case, "metric.mean_not_sum")


def test_wrong_period_named():
    df = ads(np.random.default_rng(2), days=28)
    params = metric.Params(dataset="ad_delivery", metric="cost", per="day")
    weekly = df.groupby(df.date.dt.to_period("W-SUN")).cost.sum().mean()
    assert "metric.wrong_period" in keys(run(params, {"ad_delivery": df}, weekly))


def test_feedback_never_contains_the_key():
    for seed in range(30):
        rng = np.random.default_rng(seed)
        params, data = random_params(rng), {"ad_delivery": ads(rng)}
        answer = metric.make(params, data, CTX).key
        res = metric.check(answer, answer["value"] * 1.5, params, CTX)
        text = " ".join(m.render(lang) for m in res.feedback for lang in ("zh", "en"))
        assert metric.as_raw(answer, params, CTX) not in text


# ----------------------------------------------------------------------------- metrics.md vectors

VECTOR = pd.DataFrame(
    {
        "date": pd.to_datetime(["2024-11-01"]),
        "campaign_id": ["C01"],
        "cost": [5000.0],
        "impressions": [200000],
        "clicks": [4000],
        "conversions": [120],
        "orders": [120],
        "gmv": [15000.0],
        "refunds": [1500.0],
    }
)


@pytest.mark.parametrize(
    "name, value, typed",
    [
        ("ctr", 0.02, "2%"),
        ("cpm", 25, "25"),
        ("cpc", 1.25, "1.25"),
        ("cvr", 0.03, "3.00%"),
        ("cpa", 41.6667, "41.67"),
        ("roi", 3.0, "3"),
        ("net_roi", 2.7, "2.70"),
    ],
)
def test_ad_vector(name, value, typed):
    params = metric.Params(dataset="ad_delivery", metric=name)
    answer = metric.make(params, {"ad_delivery": VECTOR}).key
    assert answer["value"] == pytest.approx(value, abs=1e-4)
    assert metric.check(answer, metric.parse(typed, params), params).fraction == 1


def test_live_vector():
    df = pd.DataFrame(
        {
            "session_id": ["S1"],
            "start_time": pd.to_datetime(["2024-11-01 20:00"]),
            "duration_min": [120],
            "views": [12000],
            "viewers": [8000],
            "gmv": [36000.0],
            "buyers": [400],
            "watch_seconds": [720000],
        }
    )

    def get(name, **kw):
        return metric.make(metric.Params(dataset="live_sessions", metric=name, **kw), {"live_sessions": df}).key[
            "value"
        ]

    assert get("gpm") == pytest.approx(3000) and get("gpm", variant="gpm_uv") == pytest.approx(4500)
    assert get("uv_value") == pytest.approx(4.5) and get("avg_order_value") == pytest.approx(90)
    assert get("avg_online") == pytest.approx(100) and get("watch_to_buy_rate") == pytest.approx(0.05)


def test_aggregation_vector_pooled_ctr_and_trap():
    df = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-15", "2024-02-15", "2024-03-15"]),
            "impressions": [50000, 25000, 80000],
            "clicks": [2500, 3000, 5000],
            "cost": [6250.0, 3750.0, 10000.0],
        }
    )
    data = {"ad_delivery": df}
    for name, pooled, trap in [("ctr", 0.067742, 0.0775), ("cpm", 129.0323, 133.33), ("cpc", 1.9048, 1.9167)]:
        params = metric.Params(dataset="ad_delivery", metric=name)
        answer = metric.make(params, data).key
        assert answer["value"] == pytest.approx(pooled, abs=1e-4)
        assert (
            metric.check(answer, metric.parse(str(trap), params), params).feedback[0].key
            == "misc.mean_of_ratios.month"  # monthly rows: "先算每月的比率"
        )
    params = metric.Params(dataset="ad_delivery", metric="ctr")
    answer = metric.make(params, data).key
    for typed in ("0.0677", "6.77%", "6.77 %", "0.067742"):
        assert metric.check(answer, metric.parse(typed, params), params).fraction == 1


# ----------------------------------------------------------------------------- params and describe


@pytest.mark.parametrize(
    "bad",
    [
        {"dataset": "ad_delivery", "metric": "ctr", "per": "day"},
        {"dataset": "ad_delivery", "metric": "nope"},
        {"dataset": "ad_delivery", "metric": "ctr", "colour": "red"},
        {"dataset": "ad_delivery", "metric": "gpm", "variant": "cvr_impressions"},
        {
            "dataset": "ad_delivery",
            "metric": "ctr",
            "filter": {"date": {"from": "2024-11-05", "to": "2024-11-01"}},
        },
        {"dataset": "ad_delivery", "metric": "ctr", "filter": {"date": {"start": "2024-11-05"}}},
        {"dataset": "ad_delivery", "metric": "ctr", "precision": -1},
        {"dataset": "ad_delivery", "metric": "ctr", "filter": {"campaing_id": "C01"}},
        {"dataset": "live_sessions", "metric": "ctr"},
        {"dataset": "ad_delivery", "metric": "cost", "per": "account"},
    ],
)
def test_bad_params_rejected(bad):
    with pytest.raises(ValidationError):
        metric.Params(**bad)


def test_datasets_include_joins():
    assert metric.Params(dataset="ad_delivery", metric="signed_roi").datasets() == [
        "ad_delivery",
        "ad_orders",
    ]
    assert metric.Params(dataset="ad_delivery", metric="ctr").datasets() == ["ad_delivery"]


def test_describe_bilingual():
    params = metric.Params(dataset="ad_delivery", metric="cvr", filter={"campaign_id": ["C01", "C02"]})
    zh, en = metric.describe(params, "zh"), metric.describe(params, "en")
    assert "转化率" in zh and "Σ转化数 ÷ Σ点击数" in zh and "保留4位小数" in zh and "C01、C02" in zh
    assert "Σconversions ÷ Σclicks" in en and "one of C01, C02" in en and "2 decimals" in en
    daily = metric.describe(metric.Params(dataset="ad_delivery", metric="cost", per="day"), "zh")
    assert "日均消耗" in daily and "元" in daily
