"""Tests of the ``report_table`` task kind: uploads in Excel's encodings, partial credit, mistakes named."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import report_table as rt
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
NAMED_SEEDS = range(100)  # misconception tests over 100 trainee-like seeds (issue 3)


def ads(rng, days=21, campaigns=4):
    """A small ad_delivery-like frame, one row per campaign and day, with day-to-day swings."""
    dates = pd.date_range("2024-11-01", periods=days, freq="D")
    n = days * campaigns
    day_size, day_ctr = rng.uniform(0.2, 3, days), rng.uniform(0.3, 2, days)
    imp = (rng.integers(2_000, 60_000, n) * np.repeat(day_size, campaigns)).astype(np.int64)
    clicks = rng.binomial(imp, np.minimum(rng.uniform(0.005, 0.05, n) * np.repeat(day_ctr, campaigns), 1))
    conv = rng.binomial(clicks, rng.uniform(0.01, 0.15, n))
    cost = np.round(imp * rng.uniform(0.01, 0.12, n), 2)
    return pd.DataFrame(
        {
            "date": np.repeat(dates, campaigns),
            "campaign_id": np.tile([f"C{i + 1:02d}" for i in range(campaigns)], days),
            "cost": cost,
            "impressions": imp,
            "clicks": clicks,
            "conversions": conv,
            "gmv": np.round(cost * rng.uniform(0.5, 5, n), 2),
        }
    )


def keys(check):
    out = {m.key for m in check.feedback}
    return out | {m.args["reason"].key for m in check.feedback if m.key == "check.table_column_alternative"}


def grade(params, data, table):
    answer = rt.make(params, data, CTX).key
    return rt.check(answer, rt.parse(table, params, CTX), params, CTX)


BYS = [["campaign_id"], ["week"], ["date"], ["month"], ["campaign_id", "week"]]
METRICS = ["cost", "clicks", "ctr", "cpm", "cpc", "cvr", "roi"]


def random_params(rng):
    by = BYS[int(rng.integers(len(BYS)))]
    chosen = rng.choice(METRICS, int(rng.integers(1, 5)), replace=False).tolist()
    filt = {"date": {"from": "2024-11-03", "to": "2024-11-17"}} if rng.random() < 0.5 else {}
    return rt.Params(dataset="ad_delivery", by=by, metrics=chosen, filter=filt)


def test_key_full_marks_perturbed_less_malformed_invalid_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        params, data = random_params(rng), {"ad_delivery": ads(rng)}
        answer = rt.make(params, data, CTX).key
        full = rt.check(answer, rt.parse(rt.as_raw(answer, params, CTX), params, CTX), params, CTX)
        assert full.fraction == 1, (seed, params, [m.render("en") for m in full.feedback])
        worse = rt.check(answer, rt.parse(rt.perturb(answer, params, CTX, rng), params, CTX), params, CTX)
        assert worse.fraction < 1
        with pytest.raises(AnswerFormatError):
            rt.parse(rt.malformed(params), params, CTX)


def test_key_by_hand_week_and_campaign():
    df = ads(np.random.default_rng(4))
    params = rt.Params(
        dataset="ad_delivery",
        by=["campaign"],
        metrics=["cost", "ctr"],
        filter={"campaign_id": ["C01", "C03"]},
    )
    answer = rt.make(params, {"ad_delivery": df}).key
    assert answer["columns"] == ["campaign_id", "cost", "ctr"]
    sub = df[df.campaign_id.isin(["C01", "C03"])].groupby("campaign_id")
    assert [r["campaign_id"] for r in answer["rows"]] == ["C01", "C03"]
    assert [r["ctr"] for r in answer["rows"]] == pytest.approx(
        (sub.clicks.sum() / sub.impressions.sum()).tolist()
    )
    weekly = rt.make(rt.Params(dataset="ad_delivery", by="week", metrics=["cost"]), {"ad_delivery": df}).key
    mondays = (df.date - pd.to_timedelta(df.date.dt.dayofweek, unit="D")).dt.strftime("%Y-%m-%d")
    assert [r["week"] for r in weekly["rows"]] == sorted(mondays.unique())
    assert [r["cost"] for r in weekly["rows"]] == pytest.approx(df.groupby(mondays).cost.sum().tolist())


# ----------------------------------------------------------------------------- uploads


def _sheet(df):
    params = rt.Params(dataset="ad_delivery", by=["campaign_id"], metrics=["cost", "clicks", "ctr", "cpc"])
    answer = rt.make(params, {"ad_delivery": df}).key
    return params, answer, rt.as_raw(answer, params, CTX)


def test_gbk_csv_with_title_row_chinese_headers(tmp_path):
    params, answer, sheet = _sheet(ads(np.random.default_rng(8)))
    text = "2024年11月 计划报表\n\n" + sheet.to_csv(index=False)
    (tmp_path / "report.csv").write_bytes(text.encode("gbk"))
    ctx = TaskContext(base_dir=tmp_path)
    assert "计划ID" in sheet.columns and "点击率" in sheet.columns
    assert rt.check(answer, rt.parse("report.csv", params, ctx), params, ctx).fraction == 1


def test_utf8_bom_csv_and_xlsx_and_bytes(tmp_path):
    params, answer, sheet = _sheet(ads(np.random.default_rng(9)))
    sheet.to_csv(tmp_path / "r.csv", index=False, encoding="utf-8-sig")
    sheet.to_excel(tmp_path / "r.xlsx", index=False)
    for raw in (
        tmp_path / "r.csv",
        (tmp_path / "r.xlsx").read_bytes(),
        sheet.to_csv(index=False, sep="\t").encode("utf-16"),
    ):
        assert rt.check(answer, rt.parse(raw, params, CTX), params, CTX).fraction == 1
    beside = TaskContext(base_dir=tmp_path)  # a name in an answers file, relative to its folder
    assert rt.check(answer, rt.parse("r.xlsx", params, beside), params, beside).fraction == 1
    assert (
        rt.check(
            answer, rt.parse({"columns": answer["columns"], "rows": answer["rows"]}, params, CTX), params, CTX
        ).fraction
        == 1
    )


def test_unreadable_uploads_are_format_errors(tmp_path):
    params, answer, sheet = _sheet(ads(np.random.default_rng(10)))
    for bad in (
        b"",
        "missing.csv",
        42,
        sheet.drop(columns="计划ID"),
        sheet.assign(点击率=["abc"] * len(sheet)),
    ):
        with pytest.raises(AnswerFormatError):
            rt.parse(bad, params, TaskContext(base_dir=tmp_path))


def test_placeholder_cells_are_blank_not_errors():
    params, answer, sheet = _sheet(ads(np.random.default_rng(11)))
    sheet.loc[0, "点击率"] = "#DIV/0!"
    res = rt.check(answer, rt.parse(sheet, params, CTX), params, CTX)
    assert res.fraction == pytest.approx(1 - 1 / (4 * len(sheet)))


# ----------------------------------------------------------------------------- partial credit & feedback


def test_wrong_missing_extra_named_without_values():
    df = ads(np.random.default_rng(12))
    params, answer, _ = _sheet(df)
    table = pd.DataFrame(answer["rows"])
    table.loc[table.campaign_id == "C02", "cost"] *= 1.2
    table = pd.concat(
        [table[table.campaign_id != "C04"], table[table.campaign_id == "C01"].assign(campaign_id="C09")]
    )
    res = grade(params, {"ad_delivery": df}, table)
    assert res.details["wrong_cells"] == [["C02", "cost"]]
    assert res.details["missing_rows"] == ["C04"] and res.details["extra_rows"] == ["C09"]
    assert res.fraction == pytest.approx(11 / 20)
    text = " ".join(m.render(lang) for m in res.feedback for lang in ("zh", "en"))
    assert "C02" in text and "C04" in text and "C09" in text and "消耗" in text
    for r in answer["rows"]:
        assert f"{r['cost']:.2f}" not in text and f"{r['cost']:,.2f}" not in text


def assert_column_named(table_for, key, metric_names, minimum=0.9):
    """Over 50 seeds, a table made with a mistake gets ``key`` named for its column."""
    named = 0
    for seed in NAMED_SEEDS:
        rng = np.random.default_rng(seed)
        df = ads(rng)
        by = BYS[seed % 2]
        params = rt.Params(dataset="ad_delivery", by=by, metrics=metric_names)
        answer = rt.make(params, {"ad_delivery": df}).key
        right = pd.DataFrame(answer["rows"])
        trap = table_for(df, by, right)
        differs = (
            abs(trap[metric_names[-1]] - right[metric_names[-1]]) > 0.01 * right[metric_names[-1]]
        ).mean()
        if differs < 0.6:
            continue
        named += 1
        res = rt.check(answer, rt.parse(trap, params), params)
        expected = key(answer) if callable(key) else key
        assert expected in keys(res), (seed, [m.key for m in res.feedback])
    assert named >= minimum * len(NAMED_SEEDS)


def _by(df, by):
    return (
        df.assign(week=(df.date - pd.to_timedelta(df.date.dt.dayofweek, unit="D")).dt.strftime("%Y-%m-%d"))
        if "week" in by
        else df
    )


def test_mean_of_daily_ratios_named_per_column():
    def table_for(df, by, right):
        d = _by(df, by)
        daily = d.groupby(by + ["date"]).agg(c=("clicks", "sum"), i=("impressions", "sum"))
        trap = (daily.c / daily.i).groupby(level=list(range(len(by)))).mean().rename("ctr").reset_index()
        return right[by + ["cost"]].merge(trap, on=by)

    assert_column_named(table_for, "misc.mean_of_ratios.day", ["cost", "ctr"])


def test_mean_of_row_ratios_named_per_column():
    def table_for(df, by, right):
        d = _by(df, by).assign(cpc=lambda x: x.cost / x.clicks)
        trap = d.groupby(by).cpc.mean().reset_index()
        return right[by + ["cost"]].merge(trap, on=by)

    def expected(answer):  # by campaign each row is one day: then the two means are one mistake
        row = "misc.mean_of_ratios.row"
        return row if row in answer["misconceptions"] else "misc.mean_of_ratios.day"

    assert_column_named(table_for, expected, ["cost", "cpc"])


def test_row_and_daily_means_are_one_mistake_when_rows_are_days():
    df = ads(np.random.default_rng(3))
    answer = rt.make(rt.Params(dataset="ad_delivery", by=["campaign_id"], metrics=["ctr"]), {"ad_delivery": df}).key
    assert "misc.mean_of_ratios.day" in answer["misconceptions"]
    assert "misc.mean_of_ratios.row" not in answer["misconceptions"]
    two_rows_a_day = pd.concat([df.assign(clicks=df.clicks // 2), df.assign(clicks=df.clicks - df.clicks // 2,
                                                                             impressions=df.impressions * 3)])
    answer = rt.make(rt.Params(dataset="ad_delivery", by=["campaign_id"], metrics=["ctr"]),
                     {"ad_delivery": two_rows_a_day}).key
    assert {"misc.mean_of_ratios.day", "misc.mean_of_ratios.row"} <= set(answer["misconceptions"])


def test_cvr_over_impressions_named_in_table():
    def table_for(df, by, right):
        g = _by(df, by).groupby(by)
        return (g.conversions.sum() / g.impressions.sum()).rename("cvr").reset_index()

    assert_column_named(table_for, "metrics.variant.cvr_impressions", ["cvr"])


def test_percent_slip_named_per_column():
    def table_for(df, by, right):
        return right.assign(ctr=right.ctr * 100)

    assert_column_named(table_for, "check.table_column_slip", ["ctr"])


def test_filter_ignored_named_in_table():
    named = 0
    for seed in NAMED_SEEDS:
        df = ads(np.random.default_rng(seed))
        params = rt.Params(
            dataset="ad_delivery",
            by=["campaign_id"],
            metrics=["cost", "ctr"],
            filter={"date": {"from": "2024-11-04", "to": "2024-11-10"}},
        )
        g = df.groupby("campaign_id")
        trap = pd.DataFrame({"cost": g.cost.sum(), "ctr": g.clicks.sum() / g.impressions.sum()}).reset_index()
        res = grade(params, {"ad_delivery": df}, trap)
        named += "misc.filter_ignored" in keys(res)
        assert res.fraction < 1
    assert named >= 47


# ----------------------------------------------------------------------------- params, describe


@pytest.mark.parametrize(
    "bad",
    [
        {"dataset": "ad_delivery", "by": [], "metrics": ["ctr"]},
        {"dataset": "ad_delivery", "by": ["week"], "metrics": []},
        {"dataset": "ad_delivery", "by": ["week"], "metrics": ["ctr", "ctr"]},
        {"dataset": "ad_delivery", "by": ["week"], "metrics": ["nope"]},
        {"dataset": "ad_delivery", "by": ["week"], "metrics": ["ctr"], "precision": {"cpc": 2}},
        {"dataset": "ad_delivery", "by": ["week"], "metrics": ["ctr"], "sort": "asc"},
        {"dataset": "ad_delivery", "by": ["account_id"], "metrics": ["ctr"]},
        {"dataset": "ad_delivery", "by": ["week"], "metrics": ["gpm"]},
    ],
)
def test_bad_params(bad):
    with pytest.raises(ValidationError):
        rt.Params(**bad)


def test_precision_override_and_describe():
    params = rt.Params(dataset="ad_delivery", by="month", metrics=["ctr", "cost"], precision={"ctr": 3})
    assert params.by == ["month"] and params.specs()["ctr"].precision == 3
    zh, en = rt.describe(params, "zh"), rt.describe(params, "en")
    assert "月份" in zh and "点击率" in zh and "保留3位小数" in zh and "YYYY-MM" in zh
    assert "grouped by month" in en and "Click-through rate" in en and "CSV or XLSX" in en


def test_live_products_headers_map_to_the_metric_names_asked():
    """商品曝光人数 in live_products is the column exposure_users, asked as metric product_exposure_users."""
    data = {"live_products": pd.DataFrame({
        "session_id": ["S1", "S1", "S2"], "product_id": ["P1", "P2", "P1"], "product_name": ["a", "b", "a"],
        "category": ["美妆", "食品", "美妆"], "price": [99.0, 19.9, 99.0],
        "exposure_users": [1000, 500, 800], "click_users": [100, 80, 60], "buyers": [10, 8, 9],
        "orders": [11, 8, 9], "gmv": [1089.0, 159.2, 891.0]})}
    params = rt.Params(dataset="live_products", by=["category"],
                       metrics=["product_exposure_users", "product_click_users", "product_ctr"])
    ctx = TaskContext()
    answer = rt.make(params, data, ctx).key
    beauty = next(r for r in answer["rows"] if r["category"] == "美妆")
    assert beauty["product_exposure_users"] == 1800 and beauty["product_ctr"] == pytest.approx(160 / 1800)
    upload = pd.DataFrame({"商品类目": ["食品", "美妆"], "商品曝光人数": [500, 1800], "商品点击人数": [80, 160],
                           "商品曝光-点击率": ["16.00%", "8.89%"]})
    result = rt.check(answer, rt.parse(upload, params, ctx), params, ctx)
    assert result.fraction == pytest.approx(1.0)


def test_typed_text_is_never_read_as_a_server_path(tmp_path):
    params = rt.Params(dataset="ad_delivery", by=["campaign_id"], metrics=["cost"])
    secret = tmp_path / "secret.csv"
    secret.write_text("campaign_id,cost\nC01,1\n", encoding="utf-8")
    inside = tmp_path / "answers"
    inside.mkdir()
    (inside / "mine.csv").write_text("计划ID,消耗\nC01,1\n", encoding="utf-8")
    for raw, base in [(str(secret), None), ("../secret.csv", inside), (str(secret), inside)]:
        with pytest.raises(AnswerFormatError):
            rt.parse(raw, params, TaskContext(base_dir=base))
    assert list(rt.parse("mine.csv", params, TaskContext(base_dir=inside))["campaign_id"]) == ["C01"]
