"""Tests for simulator/tasks/summary_report.py: every sheet's key against a plain pandas computation,
sheets found by name or position, per-sheet feedback, and full marks / less / invalid over 100 seeds."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import summary_report as sr
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
SHEETS = [{"name": "汇总", "name_en": "Summary", "by": "campaign_id", "metrics": ["cost", "gmv", "roi", "ctr"]},
          {"name": "周报", "by": "week", "metrics": ["clicks", "cvr", "cpa"]}]


def delivery(seed: int, days: int = 21) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = days * 3
    imps = rng.integers(5000, 50000, n)
    clicks = (imps * rng.uniform(0.01, 0.05, n)).astype(int)
    conv = (clicks * rng.uniform(0.02, 0.1, n)).astype(int) + 1
    cost = np.round(imps * rng.uniform(0.01, 0.04, n), 2)
    return {"ad_delivery": pd.DataFrame({
        "date": np.repeat(pd.date_range("2024-11-04", periods=days), 3),
        "campaign_id": np.tile(["C01", "C02", "C03"], days), "impressions": imps, "clicks": clicks,
        "conversions": conv, "cost": cost, "gmv": np.round(cost * rng.uniform(1, 4, n), 2)})}


def params(**extra) -> sr.Params:
    return sr.Params(dataset="ad_delivery", sheets=SHEETS, **extra)


def grade(p, key, raw):
    return sr.check(key, sr.parse(raw, p, CTX), p, CTX)


def keys_of(m) -> set[str]:
    out = {m.key}
    for v in m.args.values():
        if hasattr(v, "key"):
            out |= keys_of(v)
    return out


def named(result) -> set[str]:
    return set().union(*(keys_of(m) for m in result.feedback))


def workbook(frames: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def test_each_sheet_equals_an_independent_computation():
    data = delivery(0)
    key = sr.make(params(), data, CTX).key
    df = data["ad_delivery"]
    by_c = df.groupby("campaign_id")[["cost", "gmv", "clicks", "impressions"]].sum()
    first = {r["campaign_id"]: r for r in key["sheets"][0]["rows"]}
    for c, s in by_c.iterrows():
        assert first[c]["roi"] == pytest.approx(s["gmv"] / s["cost"])
        assert first[c]["ctr"] == pytest.approx(s["clicks"] / s["impressions"])
    week = df.assign(week=df["date"] - pd.to_timedelta(df["date"].dt.weekday, "D"))
    by_w = week.groupby("week")[["clicks", "conversions", "cost"]].sum()
    second = {r["week"]: r for r in key["sheets"][1]["rows"]}
    for w, s in by_w.iterrows():
        r = second[w.strftime("%Y-%m-%d")]
        assert r["clicks"] == s["clicks"] and r["cvr"] == pytest.approx(s["conversions"] / s["clicks"])
        assert r["cpa"] == pytest.approx(s["cost"] / s["conversions"])


def test_full_marks_less_and_invalid_over_100_seeds():
    p = params()
    for seed in range(100):
        key = sr.make(p, delivery(seed, days=7 + seed % 4), CTX).key
        assert grade(p, key, sr.as_raw(key, p)).final_status() == "correct", seed
        assert grade(p, key, sr.perturb(key, p, CTX, np.random.default_rng(seed))).fraction < 1, seed
        with pytest.raises(AnswerFormatError):
            sr.parse(sr.malformed(p), p, CTX)


def test_sheets_by_english_name_by_position_or_as_a_mapping():
    p = params()
    key = sr.make(p, delivery(3), CTX).key
    tables = [pd.DataFrame(s["rows"], columns=s["columns"]) for s in key["sheets"]]
    typed = sr.as_raw(key, p)
    assert grade(p, key, workbook(typed)).fraction == 1  # the typed key as one XLSX workbook
    assert grade(p, key, workbook({"周报": tables[1], "summary": tables[0]})).fraction == 1
    assert grade(p, key, workbook({"Sheet1": tables[0], "Sheet2": tables[1]})).fraction == 1
    assert grade(p, key, {"汇总": tables[0], "周报": tables[1]}).fraction == 1


def test_missing_sheet_and_mean_of_daily_ratios_named_per_sheet():
    p = params()
    data = delivery(5)
    key = sr.make(p, data, CTX).key
    tables = [pd.DataFrame(s["rows"], columns=s["columns"]) for s in key["sheets"]]
    only_first = grade(p, key, workbook({"汇总": tables[0]}))
    assert "summary_report.sheet_missing" in named(only_first)
    assert only_first.fraction == pytest.approx(len(tables[0]) * 4 / (len(tables[0]) * 4 + len(tables[1]) * 3))
    df = data["ad_delivery"]
    daily = df.assign(ctr=df["clicks"] / df["impressions"]).groupby(["campaign_id", "date"])["ctr"].sum()
    mean = tables[0].copy()
    mean["ctr"] = daily.groupby("campaign_id").mean().to_numpy()
    result = grade(p, key, workbook({"汇总": mean, "周报": tables[1]}))
    assert {"summary_report.sheet", "misc.mean_of_ratios.day"} <= named(result)
    assert result.details["wrong_cells"][0][0].startswith("汇总: ")


def test_bad_cells_are_format_errors_naming_the_sheet_and_bad_params():
    p = params()
    key = sr.make(p, delivery(1), CTX).key
    table = pd.DataFrame(key["sheets"][1]["rows"], columns=key["sheets"][1]["columns"]).astype({"cpa": object})
    table.loc[0, "cpa"] = "很多"
    with pytest.raises(AnswerFormatError) as err:
        sr.parse({"周报": table}, p, CTX)
    assert err.value.message.key == "summary_report.sheet"
    with pytest.raises(AnswerFormatError):
        sr.parse({"另一个": table}, p, CTX)
    with pytest.raises(ValidationError):
        sr.Params(dataset="ad_delivery", sheets=[SHEETS[0], {**SHEETS[1], "name": "汇总"}])
    with pytest.raises(ValidationError):
        sr.Params(dataset="ad_delivery", sheets=[SHEETS[0], {**SHEETS[1], "metrics": ["nonsense"]}])
    zh, en = sr.describe(p, "zh"), sr.describe(p, "en")
    assert "“汇总”" in zh and "“周报”" in zh and "Summary / 汇总" in en


def test_a_workbook_named_in_an_answers_file_is_read_from_its_folder_only(tmp_path):
    p = params()
    key = sr.make(p, delivery(2), CTX).key
    (tmp_path / "summary.xlsx").write_bytes(workbook(sr.as_raw(key, p)))
    ctx = TaskContext(base_dir=tmp_path)
    assert sr.check(key, sr.parse("summary.xlsx", p, ctx), p, ctx).fraction == 1
    with pytest.raises(AnswerFormatError):
        sr.parse("../summary.xlsx", p, ctx)
