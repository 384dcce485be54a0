"""Tests of the ``data_quality`` task kind: counting rules, miscounts named, cleaned-table grading."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from data.generators.common import Defects, inject_defects
from simulator.engine.labels import rename_to_labels
from simulator.tasks import data_quality as dq
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
NUMERIC = ["cost", "impressions", "clicks", "conversions", "gmv"]


def clean_ads(rng, rows=60):
    imp = rng.integers(1_000, 50_000, rows)
    clicks = rng.binomial(imp, 0.03)
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-11-01", periods=rows, freq="D"),
            "creative_id": [f"CR{i:03d}" for i in range(rows)],
            "cost": np.round(imp * 0.05, 2),
            "impressions": imp,
            "clicks": clicks,
            "conversions": rng.binomial(clicks, 0.1),
            "gmv": np.round(imp * rng.uniform(0.05, 0.3, rows), 2),
        }
    )


def defective(rng, duplicates=6, missing=8, out_of_range=5, parts=0):
    """A frame with planted defects and the planted counts (parts: clicks pushed above impressions)."""
    df = clean_ads(rng)
    if parts:
        rows = rng.choice(len(df), parts, replace=False)
        df.loc[rows, "clicks"] = df.loc[rows, "impressions"] + rng.integers(1, 100, parts)
    out, record = inject_defects(
        df,
        rng,
        Defects(duplicates=duplicates, missing=missing, out_of_range=out_of_range),
        NUMERIC,
        ["date", "creative_id"],
    )
    return out, record


def counts_params(**kw):
    return dq.Params(dataset="ad_delivery", **kw)


def grade(params, df, raw):
    answer = dq.make(params, {"ad_delivery": df}, CTX).key
    return dq.check(answer, dq.parse(raw, params, CTX), params, CTX)


def keys(check):
    return {m.key for m in check.feedback} | {
        m.args["reason"].key for m in check.feedback if m.key == "check.field_wrong"
    }


# ----------------------------------------------------------------------------- the rules


def by_hand(df):
    """The rules computed directly on the small ad frame: counts and the cleaned row count."""
    dedup = df.drop_duplicates()
    x = dedup[NUMERIC]
    parts = (dedup.clicks > dedup.impressions) & (dedup.clicks >= 0) & (dedup.impressions >= 0)
    bad_rows = x.isna().any(axis=1) | (x < 0).any(axis=1) | parts
    return {
        "duplicates": len(df) - len(dedup),
        "missing": int(x.isna().sum().sum()),
        "out_of_range": int((x < 0).sum().sum() + parts.sum()),
    }, int((~bad_rows).sum())


def test_counts_equal_planted_defects_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        d, m, o, parts = (int(x) for x in rng.integers(0, 8, 4))
        df, record = defective(rng, d, m, o, parts)
        found = dq.audit(df, "ad_delivery")
        assert (
            (found.duplicates, found.missing) == (d, m) == (len(record["duplicates"]), len(record["missing"]))
        )
        counts, clean_rows = by_hand(df)
        assert found.counts() == counts and len(found.clean) == clean_rows
        assert found.out_of_range >= o


def test_audit_by_hand():
    df = pd.DataFrame(
        {
            "impressions": [100, 100, 50, 80, 90, -3],
            "clicks": [5, 5, 60, None, 91, 2],
            "converted": [0, 0, 1, 2, 1, 0],
            "name": ["a", "a", "b", " ", "c", "d"],
        }
    )
    found = dq.audit(df, None)
    # duplicates: row 1; missing: row 3's clicks and blank name; out of range: clicks > impressions in
    # rows 2 and 4, negative impressions in row 5 (its relation is left alone); converted is a guessed count
    assert found.counts() == {"duplicates": 1, "missing": 2, "out_of_range": 3}
    assert found.clean.index.tolist() == [0]


def test_duplicates_as_pandas_sees_them_missing_cells_equal():
    df = pd.DataFrame({
        "account_id": pd.Categorical(["A1", "A1", None, None, "A2", "A1"]),
        "date": pd.to_datetime(["2024-11-01", "2024-11-01", None, None, "2024-11-01", "2024-11-02"]),
        "plays": [10.0, 10.0, np.nan, np.nan, 10.0, 10.0], "note": ["x", "x", None, None, "x", "x"]})
    found = dq.audit(df, "accounts_daily")
    assert found.duplicates == int(df.duplicated().sum()) == 2
    assert found.traps["duplicates"]["data_quality.duplicates_all_copies"] == int(df.duplicated(keep=False).sum())
    assert found.clean.index.tolist() == [0, 4, 5]
    mixed = pd.DataFrame({"x": ["a", 1, pd.Timestamp("2024-11-01"), "a", 1], "y": [1, 2, 3, 1, 2]})
    assert dq.audit(mixed).duplicates == int(mixed.duplicated().sum()) == 2  # values that cannot be sorted


def test_flag_rule_on_experiment():
    df = pd.DataFrame(
        {
            "user_id": [1, 2, 3, 4],
            "variant": ["control"] * 4,
            "converted": [0, 1, 2, -1],
            "revenue": [0.0, 10.0, 5.0, -2.0],
        }
    )
    assert dq.audit(df, "experiment").counts() == {"duplicates": 0, "missing": 0, "out_of_range": 3}


@pytest.mark.parametrize(
    "family, dataset",
    [
        ("ads", "ad_delivery"),
        ("live", "live_sessions"),
        ("experiment", "experiment"),
        ("accounts", "accounts_daily"),
    ],
)
def test_generators_defects_counted_exactly(family, dataset):
    from data.generators import FAMILIES

    mod = FAMILIES[family]
    for seed in range(3):
        defects = Defects(duplicates=4, missing=6, out_of_range=3)
        params = mod.Params(defects=defects)
        frames = mod.generate(np.random.default_rng(seed), params, 0.2)
        planted = frames.truth["defects"]
        found = dq.audit(frames.frames[dataset], dataset)
        assert found.counts() == {k: len(planted[k]) for k in dq.PROBLEMS}, (family, seed)
        clean = mod.generate(np.random.default_rng(seed), mod.Params(), 0.2).frames[dataset]
        assert dq.audit(clean, dataset).counts() == {"duplicates": 0, "missing": 0, "out_of_range": 0}


# ----------------------------------------------------------------------------- counts mode


def test_counts_key_full_perturbed_less_malformed_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        df, _ = defective(rng, *(int(x) for x in rng.integers(0, 6, 3)))
        ask = sorted(
            rng.choice(dq.PROBLEMS, int(rng.integers(1, 4)), replace=False).tolist(), key=dq.PROBLEMS.index
        )
        params = counts_params(ask=ask)
        answer = dq.make(params, {"ad_delivery": df}, CTX).key
        assert (
            dq.check(answer, dq.parse(dq.as_raw(answer, params, CTX), params, CTX), params, CTX).fraction == 1
        )
        worse = dq.check(answer, dq.parse(dq.perturb(answer, params, CTX, rng), params, CTX), params, CTX)
        assert worse.fraction < 1
        with pytest.raises(AnswerFormatError):
            dq.parse(dq.malformed(params), params, CTX)


def test_partial_credit_and_single_number():
    rng = np.random.default_rng(3)
    df, _ = defective(rng, 4, 5, 2)
    res = grade(counts_params(), df, {"duplicates": 4, "missing": "5", "out_of_range": 7})
    assert res.fraction == pytest.approx(2 / 3) and res.details["wrong_fields"] == ["out_of_range"]
    res = grade(counts_params(), df, {"重复行数": 4, "缺失值个数": 5})
    assert res.fraction == pytest.approx(2 / 3) and "check.field_missing" in keys(res)
    assert grade(counts_params(ask=["missing"]), df, "5").fraction == 1
    with pytest.raises(AnswerFormatError):
        dq.parse("5", counts_params(), CTX)


def named_over_seeds(make_case, key, minimum):
    named = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        params, df, raw, differs = make_case(rng)
        if not differs:
            continue
        named += 1
        res = grade(params, df, raw)
        assert res.fraction < 1 and key in keys(res), (seed, [m.key for m in res.feedback])
    assert named >= minimum * 50


def test_all_copies_of_duplicates_named():
    def case(rng):
        df, _ = defective(rng, duplicates=int(rng.integers(1, 8)))
        trap = int(df.duplicated(keep=False).sum())
        return counts_params(ask=["duplicates"]), df, trap, True

    named_over_seeds(case, "data_quality.duplicates_all_copies", 1)


def test_blanks_in_duplicates_counted_again_named():
    def case(rng):
        df, _ = defective(rng, duplicates=20, missing=15)
        trap = int(df[NUMERIC].isna().sum().sum())
        return counts_params(ask=["missing"]), df, trap, trap != 15

    named_over_seeds(case, "data_quality.counted_in_duplicates", 0.5)


def test_rows_instead_of_cells_named():
    def case(rng):
        df, _ = defective(rng, duplicates=0, missing=30)
        trap = int(df.isna().any(axis=1).sum())
        return counts_params(ask=["missing"]), df, trap, trap != 30

    named_over_seeds(case, "data_quality.counted_rows", 0.5)


def test_only_negatives_named():
    def case(rng):
        df, _ = defective(
            rng, duplicates=0, missing=0, out_of_range=int(rng.integers(1, 6)), parts=int(rng.integers(1, 6))
        )
        negatives = int((df[NUMERIC] < 0).sum().sum())
        return counts_params(ask=["out_of_range"]), df, negatives, negatives != by_hand(df)[0]["out_of_range"]

    named_over_seeds(case, "data_quality.only_negatives", 0.8)


# ----------------------------------------------------------------------------- cleaned mode

CLEANED = dq.Params(dataset="ad_delivery", mode="cleaned")


def test_cleaned_key_full_perturbed_less_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        df, _ = defective(rng, *(int(x) for x in rng.integers(0, 6, 3)), parts=int(rng.integers(0, 3)))
        answer = dq.make(CLEANED, {"ad_delivery": df}, CTX).key
        assert answer["rows"] == by_hand(df)[1]
        assert (
            dq.check(answer, dq.parse(dq.as_raw(answer, CLEANED, CTX), CLEANED, CTX), CLEANED, CTX).fraction
            == 1
        )
        worse = dq.check(answer, dq.parse(dq.perturb(answer, CLEANED, CTX, rng), CLEANED, CTX), CLEANED, CTX)
        assert worse.fraction < 1
        with pytest.raises(AnswerFormatError):
            dq.parse(dq.malformed(CLEANED), CLEANED, CTX)


def test_real_cleaned_upload_gbk_chinese_headers(tmp_path):
    df, _ = defective(np.random.default_rng(5), parts=2)
    clean = dq.audit(df, "ad_delivery").clean
    (tmp_path / "clean.csv").write_bytes(
        rename_to_labels(clean, "zh", "ad_delivery").to_csv(index=False).encode("gbk")
    )
    ctx = TaskContext(base_dir=tmp_path)
    answer = dq.make(CLEANED, {"ad_delivery": df}, ctx).key
    res = dq.check(answer, dq.parse("clean.csv", CLEANED, ctx), CLEANED, ctx)
    assert res.fraction == 1, [m.render("en") for m in res.feedback]


@pytest.mark.parametrize(
    "how, key",
    [
        (lambda df: df, "data_quality.still_duplicates"),
        (lambda df: df.drop_duplicates(), "data_quality.still_missing"),
        (lambda df: df.drop_duplicates().dropna(), "data_quality.still_out_of_range"),
        (lambda df: dq.audit(df, "ad_delivery").clean.iloc[:-3], "data_quality.dropped_too_many"),
    ],
)
def test_cleaned_feedback_names_what_is_left(how, key):
    for seed in range(20):
        df, _ = defective(np.random.default_rng(seed), 3, 4, 3)
        res = grade(CLEANED, df, how(df))
        assert res.fraction < 1 and key in keys(res)


def test_params_and_describe():
    with pytest.raises(ValidationError):
        dq.Params(dataset="ad_delivery", ask=["missing", "missing"])
    with pytest.raises(ValidationError):
        dq.Params(dataset="ad_delivery", ask=["typos"])
    with pytest.raises(ValidationError):
        dq.Params(dataset="ad_delivery", mode="fix")
    zh = dq.describe(counts_params(ask=["duplicates", "missing"]), "zh")
    assert "重复行数、缺失值个数" in zh and "删除重复行之后" in zh
    en = dq.describe(CLEANED, "en")
    assert "remove the duplicate rows" in en and "clicks > impressions" in en


@pytest.mark.parametrize(("family", "dataset"), [("accounts", "accounts_daily"), ("ads", "ad_delivery"),
                                                 ("live", "live_sessions")])
def test_defect_counts_vary_per_trainee_and_above_whole_values_count_exactly(family, dataset):
    from data.generators import FAMILIES

    mod = FAMILIES[family]
    defects = Defects(duplicates=4, missing=5, out_of_range=6, spread=0.6, above_whole=0.5)
    seen, kinds = set(), set()
    for seed in range(12):
        out = mod.generate(np.random.default_rng(seed), mod.Params(defects=defects), 0.3)
        planted = out.truth["defects"]
        counts = {k: len(planted[k]) for k in dq.PROBLEMS}
        assert dq.audit(out.frames[dataset], dataset).counts() == counts, (family, seed)
        assert all(round(n * 0.4) <= counts[k] <= round(n * 1.6) for k, n in
                   (("duplicates", 4), ("missing", 5), ("out_of_range", 6)))
        seen.add(tuple(counts.values()))
        kinds |= {cell["kind"] for cell in planted["out_of_range"]}
    assert len(seen) >= 6  # trainees do not share one set of counts
    assert "negative" in kinds and any(k.startswith("above ") for k in kinds)
