"""Tests of the ``choice`` task kind: options and keys from data, scoring, mistakes named."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import choice
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
CAMPAIGNS = [f"C{i + 1:02d}" for i in range(7)]


def ads(rng, days=10, campaigns=7):
    """ad_delivery-like rows with campaign names, plus ad_orders and products for 保本ROI."""
    ids = CAMPAIGNS[:campaigns]
    dates = pd.date_range("2024-11-01", periods=days, freq="D")
    n = days * campaigns
    day_size = np.repeat(rng.uniform(0.2, 3, days), campaigns)
    imp = (rng.integers(2_000, 60_000, n) * day_size).astype(np.int64)
    clicks = rng.binomial(
        imp, np.minimum(rng.uniform(0.005, 0.05, n) * np.repeat(rng.uniform(0.3, 2, days), campaigns), 1)
    )
    cost = np.round(imp * rng.uniform(0.01, 0.12, n), 2)
    delivery = pd.DataFrame(
        {
            "date": np.repeat(dates, campaigns),
            "campaign_id": np.tile(ids, days),
            "campaign_name": np.tile([f"计划{c}" for c in ids], days),
            "cost": cost,
            "impressions": imp,
            "clicks": clicks,
            "conversions": rng.binomial(clicks, rng.uniform(0.01, 0.15, n)),
            "gmv": np.round(cost * rng.uniform(0.5, 5, n), 2),
            "refunds": 0.0,
        }
    )
    products = pd.DataFrame(
        {
            "product_id": ["P1", "P2", "P3"],
            "price": [100.0, 60.0, 30.0],
            "unit_cost": np.round(rng.uniform(0.2, 0.7, 3) * [100, 60, 30], 2),
        }
    )
    k = 200
    pick = rng.integers(0, 3, k)
    qty = rng.integers(1, 3, k)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(k),
            "date": dates[rng.integers(0, days, k)],
            "campaign_id": np.array(ids)[rng.integers(0, campaigns, k)],
            "product_id": products.product_id.to_numpy()[pick],
            "amount": products.price.to_numpy()[pick] * qty,
            "quantity": qty,
            "status": rng.choice(["signed", "returned", "in_transit"], k),
        }
    )
    return {"ad_delivery": delivery, "ad_orders": orders, "products": products}


def ratio(df, num, den):
    g = df.groupby("campaign_id")
    return g[num].sum() / g[den].sum()


def params(**kw):
    base = {"dataset": "ad_delivery", "entity": "campaign"}
    return choice.Params(**{**base, **kw})


def random_params(rng):
    q = str(rng.choice(["top_by_metric", "above_threshold", "compare", "same_leader"]))
    metric = str(rng.choice(["ctr", "cpc", "cvr", "roi", "cost"]))
    kw = {"question": q, "metric": metric, "max_options": int(rng.integers(3, 7))}
    if q == "top_by_metric":
        kw["order"] = str(rng.choice(["max", "min"]))
    if q == "above_threshold":
        kw["metric"] = "roi"
        kw["threshold"] = "breakeven_roi" if rng.random() < 0.5 else float(rng.uniform(1, 3))
    if q == "same_leader":
        kw["metric2"] = "ctr" if metric != "ctr" else "cvr"
    if rng.random() < 0.3:
        kw["filter"] = {"date": {"from": "2024-11-02", "to": "2024-11-08"}}
    return params(**kw)


def keys(check):
    return {m.key for m in check.feedback}


def test_key_full_perturbed_less_malformed_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        p, data = random_params(rng), ads(rng)
        answer = choice.make(p, data, CTX).key
        assert choice.check(answer, choice.parse(choice.as_raw(answer, p, CTX), p, CTX), p, CTX).fraction == 1
        worse = choice.check(answer, choice.parse(choice.perturb(answer, p, CTX, rng), p, CTX), p, CTX)
        assert worse.fraction < 1, (seed, answer)
        with pytest.raises(AnswerFormatError):
            choice.parse(choice.malformed(p), p, CTX)


def test_top_by_metric_by_hand():
    for seed in range(30):
        data = ads(np.random.default_rng(seed))
        ctr = ratio(data["ad_delivery"], "clicks", "impressions")
        p = params(question="top_by_metric", metric="ctr", max_options=4)
        answer = choice.make(p, data).key
        options = answer["options"]
        ranked = ctr.sort_values(ascending=False)
        clear = ranked[1:][(ranked.iloc[0] - ranked[1:]) / ranked.iloc[0] >= choice.MARGIN]
        assert len(options) == min(4, 1 + len(clear)) and list(options) == list("ABCD")[:len(options)]
        assert list(options.values()) == sorted(options.values())
        assert options[answer["value"]] == ranked.index[0] and clear.index[0] in options.values()
        # no option within the margin of the leader: a trainee who rounds can never be unlucky
        shown = ranked.reindex(list(options.values()))
        assert ((ranked.iloc[0] - shown.drop(ranked.index[0])) / ranked.iloc[0] >= choice.MARGIN).all()
        low = choice.make(params(question="top_by_metric", metric="ctr", order="min", max_options=10), data).key
        near = ((ctr - ctr.min()) / ctr < choice.MARGIN) & (ctr.index != ctr.idxmin())
        assert low["options"][low["value"]] == ctr.idxmin() and len(low["options"]) == 7 - near.sum()


def test_entity_names_and_filter():
    data = ads(np.random.default_rng(1))
    p = params(
        question="top_by_metric",
        metric="cost",
        entity="campaign_name",
        filter={"campaign_id": ["C02", "C05"]},
    )
    answer = choice.make(p, data).key
    sub = data["ad_delivery"][data["ad_delivery"].campaign_id.isin(["C02", "C05"])]
    assert sorted(answer["options"].values()) == ["计划C02", "计划C05"]
    assert answer["options"][answer["value"]] == sub.groupby("campaign_name").cost.sum().idxmax()


def test_above_threshold_number_and_scoring_rule():
    data = ads(np.random.default_rng(2))
    roi = ratio(data["ad_delivery"], "gmv", "cost")
    cut = float(roi.median())
    p = params(question="above_threshold", metric="roi", threshold=cut, max_options=8)
    answer = choice.make(p, data).key
    opts = answer["options"]
    assert list(opts.values())[-1] == choice.NONE_OPTION and len(opts) == 8
    assert sorted(opts[lab] for lab in answer["value"]) == sorted(roi[roi >= cut].index)
    right = answer["value"]
    wrong = [lab for lab in opts if lab not in right]
    n = len(right)
    assert choice.check(answer, right[:1] + wrong[:1], p).fraction == pytest.approx(0)
    assert choice.check(answer, right[:2], p).fraction == pytest.approx(2 / n)
    assert choice.check(answer, right + wrong[:1], p).fraction == pytest.approx((n - 1) / n)
    assert choice.check(answer, wrong, p).fraction == 0
    nobody = choice.make(params(question="above_threshold", metric="roi", threshold=1e9), data).key
    assert nobody["value"] == [list(nobody["options"])[-1]]
    assert choice.check(nobody, choice.parse(choice.as_raw(nobody, p), p), p).fraction == 1


def test_breakeven_vector_and_per_campaign():
    data = ads(np.random.default_rng(3), campaigns=2)
    data["products"] = pd.DataFrame({"product_id": ["P1"], "price": [100.0], "unit_cost": [40.0]})
    data["ad_orders"] = data["ad_orders"].assign(product_id="P1", amount=100.0, quantity=1)
    p = params(question="above_threshold", metric="roi", threshold="breakeven_roi", shipping=8, fee_rate=0.05)
    be = choice.breakeven_by_entity(data, p)
    assert be.round(4).tolist() == [2.1277, 2.1277]  # metrics.md: margin 0.47 → 2.1277
    data = ads(np.random.default_rng(4))
    orders = data["ad_orders"].merge(data["products"], on="product_id")
    g = orders.assign(goods=orders.unit_cost * orders.quantity).groupby("campaign_id")
    by_hand = g.amount.sum() / (g.amount.sum() - g.goods.sum())
    p = params(question="above_threshold", metric="roi", threshold="breakeven_roi", max_options=10)
    assert choice.breakeven_by_entity(data, p).sort_index().to_numpy() == pytest.approx(by_hand.to_numpy())
    answer = choice.make(p, data).key
    roi = ratio(data["ad_delivery"], "gmv", "cost")
    expect = sorted(c for c in roi.index if roi[c] >= by_hand[c]) or [choice.NONE_OPTION]
    assert sorted(answer["options"][lab] for lab in answer["value"]) == expect


def test_compare_and_same_leader_by_hand():
    for seed in range(20):
        data = ads(np.random.default_rng(seed))
        cpc = ratio(data["ad_delivery"], "cost", "clicks")
        answer = choice.make(params(question="compare", metric="cpc", x="C03", y="C06"), data).key
        assert answer["value"] == bool(cpc["C03"] > cpc["C06"]) and answer["options"] == {
            "X": "C03",
            "Y": "C06",
        }
        default = choice.make(params(question="compare", metric="cpc"), data).key
        assert default["options"] == {"X": "C01", "Y": "C02"}
        ctr, cvr = (
            ratio(data["ad_delivery"], "clicks", "impressions"),
            ratio(data["ad_delivery"], "conversions", "clicks"),
        )
        same = choice.make(params(question="same_leader", metric="ctr", metric2="cvr"), data).key
        assert same["value"] == (ctr.idxmax() == cvr.idxmax())
    with pytest.raises(ValueError, match="C99"):
        choice.make(params(question="compare", metric="cpc", x="C99"), ads(np.random.default_rng(0)))


@pytest.mark.parametrize("raw, expected", [("b", "B"), ("B.", "B"), ("Ｂ", "B"), ({"value": "C"}, "C")])
def test_parse_single(raw, expected):
    assert choice.parse(raw, params(question="top_by_metric", metric="ctr")) == expected


def test_parse_multiple_bool_and_errors():
    multi = params(question="above_threshold", metric="roi", threshold=2.0)
    assert choice.parse("A、c", multi) == ["A", "C"] and choice.parse(["B", "A"], multi) == ["A", "B"]
    judge = params(question="compare", metric="ctr")
    assert choice.parse("对", judge) is True and choice.parse("错", judge) is False
    for bad, p in [
        ("A,B", params(question="top_by_metric", metric="ctr")),
        ("", multi),
        ("K", multi),  # beyond every letter (F is legal: options grow to show every qualifying entity)
        ("maybe", judge),
    ]:
        with pytest.raises(AnswerFormatError):
            choice.parse(bad, p)


def test_option_not_shown_is_wrong_and_named():
    data = ads(np.random.default_rng(5), campaigns=3)
    p = params(question="top_by_metric", metric="ctr")
    answer = choice.make(p, data).key
    res = choice.check(answer, choice.parse("E", p), p)
    assert res.fraction == 0 and "choice.no_such_option" in keys(res)


def named_over_seeds(p, trap_values, key, minimum):
    """Over 100 seeds: answering the option the mistake leads to gets ``key`` named."""
    named = 0
    for seed in range(100):
        data = ads(np.random.default_rng(seed))
        answer = choice.make(p, data).key
        label_of = {e: lab for lab, e in answer["options"].items()}
        shown = trap_values(data).reindex(list(label_of)).dropna()
        picked = label_of[shown.idxmin() if p.order == "min" else shown.idxmax()]
        if picked == answer["value"]:
            continue
        named += 1
        res = choice.check(answer, picked, p)
        assert res.fraction == 0 and key in keys(res), seed
    assert named >= minimum * 50


def test_mean_of_daily_ratios_named():
    def daily_mean(data):
        d = data["ad_delivery"]
        return (d.clicks / d.impressions).groupby(d.campaign_id).mean()

    named_over_seeds(
        params(question="top_by_metric", metric="ctr", max_options=7),
        daily_mean,
        "misc.mean_of_ratios.day",
        0.3,
    )


def test_numerator_only_named():
    named_over_seeds(
        params(question="top_by_metric", metric="roi", max_options=7),
        lambda data: data["ad_delivery"].groupby("campaign_id").gmv.sum(),
        "choice.numerator_only",
        0.5,
    )


def test_reversed_order_named():
    named_over_seeds(
        params(question="top_by_metric", metric="cpc", order="min"),
        lambda data: -ratio(data["ad_delivery"], "cost", "clicks"),
        "choice.reversed_order",
        1.0,
    )


def test_cvr_over_impressions_named():
    named_over_seeds(
        params(question="top_by_metric", metric="cvr", max_options=7),
        lambda data: ratio(data["ad_delivery"], "conversions", "impressions"),
        "metrics.variant.cvr_impressions",
        0.3,
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"question": "top_by_metric", "metric": "nope"},
        {"question": "pick_one", "metric": "ctr"},
        {"question": "same_leader", "metric": "roi"},
        {"question": "above_threshold", "metric": "roi"},
        {"question": "above_threshold", "metric": "ctr", "threshold": "breakeven_roi"},
        {"question": "top_by_metric", "metric": "ctr", "max_options": 1},
        {"question": "top_by_metric", "metric": "ctr", "colour": "red"},
        {"question": "top_by_metric", "metric": "ctr", "entity": "account_id"},
        {"question": "top_by_metric", "metric": "gpm"},
    ],
)
def test_bad_params(bad):
    with pytest.raises(ValidationError):
        params(**bad)


def test_datasets_and_describe():
    p = params(question="above_threshold", metric="signed_roi", threshold="breakeven_roi", shipping=8)
    assert p.datasets() == ["ad_delivery", "ad_orders", "products"]
    zh, en = choice.describe(p, "zh"), choice.describe(p, "en")
    assert "签收ROI" in zh and "保本ROI" in zh and "运费 8 元" in zh and "多选" in zh
    assert "break-even ROI" in en and "never below 0" in en
    top = choice.describe(params(question="top_by_metric", metric="ctr", order="min"), "zh")
    assert "最低" in top and "单选" in top and "Σ点击数 ÷ Σ展示数" in top
    assert "对 或 错" in choice.describe(
        params(question="same_leader", metric="roi", metric2="signed_roi"), "zh"
    )


def test_threshold_typed_as_percent():
    data = ads(np.random.default_rng(6))
    p = params(question="above_threshold", metric="ctr", threshold="2.5%", max_options=8)
    assert p.threshold == pytest.approx(0.025) and "2.5%" in choice.describe(p, "zh")
    ctr = ratio(data["ad_delivery"], "clicks", "impressions")
    answer = choice.make(p, data).key
    expect = sorted(ctr[ctr >= 0.025].index) or [choice.NONE_OPTION]
    assert sorted(answer["options"][lab] for lab in answer["value"]) == expect
    with pytest.raises(ValidationError):
        params(question="above_threshold", metric="ctr", threshold="lots")
