"""Tests for simulator/tasks/ab_test.py: metrics.md vectors, a cross-check against spotify-confidence,
full marks for the key, and the named misconceptions over 100 generated experiments."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.proportion import test_proportions_2indep as sm_test_2indep

from simulator.core.results import AnswerFormatError, TaskContext
from simulator.engine.numbers import separates
from simulator.tasks import ab_test as ab

CTX = TaskContext()


def experiment(seed: int, split: float = 0.5) -> pd.DataFrame:
    """A random experiment: 2k–20k users, base rate 2–15%, lift −10…+40%, lognormal revenue."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2000, 20000))
    treat = rng.random(n) < split
    base = rng.uniform(0.02, 0.15)
    rate = np.where(treat, base * (1 + rng.uniform(-0.1, 0.4)), base)
    converted = (rng.random(n) < rate).astype(np.int64)
    revenue = np.round(converted * rng.lognormal(np.log(100) + 0.2 * treat, 0.8), 2)
    return pd.DataFrame(
        {
            "user_id": np.arange(n, dtype=np.int64),
            "variant": np.where(treat, "treatment", "control"),
            "assigned_date": pd.Timestamp("2024-06-10"),
            "converted": converted,
            "revenue": revenue,
        }
    )


def key_of(df: pd.DataFrame, **params) -> tuple[ab.Params, dict]:
    p = ab.Params(**params)
    return p, ab.make(p, {"experiment": df}, CTX).key


@functools.cache
def seeded(seed: int, metric: str, alternative: str = "two-sided") -> tuple[pd.DataFrame, ab.Params, dict]:
    split = 0.3 if seed % 2 else 0.5
    df = experiment(seed, split)
    p, key = key_of(df, metric=metric, alternative=alternative, planned_split=split)
    return df, p, key


def grade(p: ab.Params, key: dict, raw) -> ab.Check:
    return ab.check(key, ab.parse(raw, p, CTX), p, CTX)


def named(check) -> set[str]:
    """Catalog keys of every message and of every field's reason."""
    out = set()
    for m in check.feedback:
        out.add(m.key)
        reason = m.args.get("reason")
        if reason is not None:
            out.add(reason.key)
    return out


def distinct(value: float, key: float, precision: int = 4) -> bool:
    """True when ``value``, as typed or rounded to the asked decimals, would not pass as the key."""
    return separates(value, key, unit="ratio", tolerance=CTX.tolerance, precision=precision)


def vector_frame() -> pd.DataFrame:
    """metrics.md: control 200 of 5000, treatment 250 of 5000."""
    conv = np.r_[np.ones(200), np.zeros(4800), np.ones(250), np.zeros(4750)].astype(np.int64)
    return pd.DataFrame(
        {"variant": ["control"] * 5000 + ["treatment"] * 5000, "converted": conv, "revenue": conv * 10.0}
    )


# ----------------------------------------------------------------------------- metrics.md vectors


def test_metrics_md_vector_through_the_task():
    _, key = key_of(vector_frame())
    assert (key["n_control"], key["n_treatment"]) == (5000, 5000)
    assert key["rate_control"] == 0.04 and key["rate_treatment"] == 0.05
    assert key["abs_lift"] == pytest.approx(0.01, abs=1e-12) and key["rel_lift"] == pytest.approx(
        0.25, abs=1e-12
    )
    assert key["statistic"] == pytest.approx(2.411915, abs=1e-6)
    assert key["p_value"] == pytest.approx(0.015869, abs=1e-6)
    assert (key["ci_low"], key["ci_high"]) == pytest.approx((0.001876, 0.018124), abs=1e-6)
    assert key["significant"] is True and key["srm_p_value"] == 1.0 and key["srm_detected"] is False
    _, newcombe = key_of(vector_frame(), ci_method="newcomb")
    assert (newcombe["ci_low"], newcombe["ci_high"]) == pytest.approx((0.001870, 0.018171), abs=1e-6)
    _, one = key_of(vector_frame(), alternative="larger")
    assert one["p_value"] == pytest.approx(0.015869 / 2, abs=1e-6)


def test_srm_vector_and_flag():
    df = pd.DataFrame({"variant": ["control"] * 50000 + ["treatment"] * 49000, "converted": [0, 1] * 49500})
    _, key = key_of(df)
    assert key["srm_p_value"] == pytest.approx(0.00148, abs=5e-6) and key["srm_detected"] is False
    df = pd.DataFrame({"variant": ["control"] * 50000 + ["treatment"] * 48500, "converted": [0, 1] * 49250})
    assert key_of(df)[1]["srm_detected"] is True


# ----------------------------------------------------------------------------- second, independent library


def _spotify(df: pd.DataFrame, metric: str):
    import spotify_confidence as sc

    groups = df.groupby("variant")[metric]
    summary = pd.DataFrame(
        {
            "variant": ["control", "treatment"],
            "s": [groups.get_group(v).sum() for v in ("control", "treatment")],
            "ss": [(groups.get_group(v) ** 2).sum() for v in ("control", "treatment")],
            "n": [groups.get_group(v).size for v in ("control", "treatment")],
        }
    )
    test_class = sc.ZTest if metric == "converted" else sc.StudentsTTest
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test = test_class(
            summary,
            numerator_column="s",
            numerator_sum_squares_column="ss",
            denominator_column="n",
            categorical_group_columns="variant",
            interval_size=0.95,
        )
        absolute = test.difference(level_1="control", level_2="treatment").iloc[0]
        relative = test.difference(level_1="control", level_2="treatment", absolute=False).iloc[0]
    return absolute, relative


@pytest.mark.parametrize("metric", ["converted", "revenue"])
def test_keys_agree_with_spotify_confidence(metric):
    for seed in range(8):
        df, p, key = seeded(seed, metric)
        absolute, relative = _spotify(df, metric)
        assert key["abs_lift"] == pytest.approx(absolute["difference"], rel=1e-9, abs=1e-12)
        assert key["rel_lift"] == pytest.approx(relative["difference"], rel=1e-9)
        assert key["ci_low"] == pytest.approx(absolute["ci_lower"], rel=1e-6)
        assert key["ci_high"] == pytest.approx(absolute["ci_upper"], rel=1e-6)
        if metric == "revenue":  # spotify's t-test is Welch's: the same p-value
            assert key["p_value"] == pytest.approx(absolute["p-value"], rel=1e-6)
        else:  # spotify's z-test uses the unpooled SE: equal to the key's named "unpooled" variant
            unpooled = ab.alternatives(key, p)["p_value"]["ab_test.unpooled"]
            assert unpooled == pytest.approx(absolute["p-value"], rel=1e-6)


def test_keys_agree_with_scipy_and_statsmodels_routes_for_100_seeds():
    for seed in range(100):
        df, p, key = seeded(seed, "converted")
        x = df.groupby("variant")["converted"].agg(["sum", "size"])
        table = [
            [x.at["treatment", "sum"], x.at["treatment", "size"] - x.at["treatment", "sum"]],
            [x.at["control", "sum"], x.at["control", "size"] - x.at["control", "sum"]],
        ]
        chi = sps.chi2_contingency(table, correction=False)
        assert key["p_value"] == pytest.approx(chi.pvalue, rel=1e-7, abs=1e-15)
        assert key["statistic"] ** 2 == pytest.approx(chi.statistic, rel=1e-9)
        ci = confint_proportions_2indep(
            x.at["treatment", "sum"],
            x.at["treatment", "size"],
            x.at["control", "sum"],
            x.at["control", "size"],
            method="wald",
        )
        assert (key["ci_low"], key["ci_high"]) == pytest.approx(ci, rel=1e-12)
        planned = [1 - p.planned_split, p.planned_split]
        expected = np.array(planned) * len(df)
        assert key["srm_p_value"] == pytest.approx(
            sps.chisquare([x.at["control", "size"], x.at["treatment", "size"]], expected).pvalue, rel=1e-9
        )
        rev = df.groupby("variant")["revenue"]
        welch = sps.ttest_ind(rev.get_group("treatment"), rev.get_group("control"), equal_var=False)
        _, pr, rkey = seeded(seed, "revenue")
        assert rkey["statistic"] == pytest.approx(welch.statistic, rel=1e-9)
        assert (rkey["ci_low"], rkey["ci_high"]) == pytest.approx(welch.confidence_interval(0.95), rel=1e-9)


# ----------------------------------------------------------------------------- grading over 100 seeds


@pytest.mark.parametrize("metric", ["converted", "revenue"])
def test_key_full_marks_and_perturbed_less_for_100_seeds(metric):
    for seed in range(100):
        _, p, key = seeded(seed, metric)
        assert grade(p, key, ab.as_raw(key, p, CTX)).fraction == 1.0, seed
        assert grade(p, key, ab.perturb(key, p, CTX, np.random.default_rng(seed))).fraction < 1.0, seed


def test_misconceptions_named_over_100_seeds():
    counts: dict[str, int] = {}

    def expect(reason: str, p, key, raw: dict) -> None:
        checked = grade(p, key, raw)
        assert reason in named(checked), (reason, [m.key for m in checked.feedback])
        counts[reason] = counts.get(reason, 0) + 1

    for seed in range(100):
        df, p, key = seeded(seed, "converted")
        x_t, n_t = int(df.converted[df.variant == "treatment"].sum()), int((df.variant == "treatment").sum())
        x_c, n_c = int(df.converted[df.variant == "control"].sum()), int((df.variant == "control").sum())
        base = {f: key[f] for f in ab.FIELDS}
        swapped = key_of(
            df.assign(variant=df.variant.map({"control": "treatment", "treatment": "control"})),
            planned_split=p.planned_split,
        )[1]
        if abs(key["abs_lift"]) > 1e-3:
            expect(
                "ab_test.arms_swapped", p, key, {**base, **{f: swapped[f] for f in ("abs_lift", "statistic")}}
            )
        unpooled = sm_test_2indep(x_t, n_t, x_c, n_c, method="wald")
        if distinct(unpooled.statistic, key["statistic"], 3):
            expect("ab_test.unpooled", p, key, {**base, "statistic": unpooled.statistic})
        one = sm_test_2indep(
            x_t, n_t, x_c, n_c, method="score", correction=False, alternative="larger"
        ).pvalue
        if distinct(one, key["p_value"]):
            expect("ab_test.one_sided_given", p, key, {**base, "p_value": one})
        yates = sps.chi2_contingency([[x_t, n_t - x_t], [x_c, n_c - x_c]], correction=True).pvalue
        if distinct(yates, key["p_value"]):
            expect("ab_test.yates", p, key, {**base, "p_value": yates})
        newcombe = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="newcomb")
        if distinct(newcombe[0], key["ci_low"]):
            expect("ab_test.ci_method.newcomb", p, key, {**base, "ci_low": newcombe[0]})
        if abs(key["rel_lift"]) > 0.02:  # otherwise both bases give the same lift within tolerance
            expect(
                "ab_test.rel_over_treatment",
                p,
                key,
                {**base, "rel_lift": key["abs_lift"] / key["rate_treatment"]},
            )
        expect("ab_test.decision", p, key, {**base, "significant": not key["significant"]})
        if p.planned_split != 0.5:
            expect("ab_test.srm_even", p, key, {**base, "srm_p_value": sps.chisquare([n_c, n_t]).pvalue})
        _, pl, larger = seeded(seed, "converted", "larger")
        two = sm_test_2indep(x_t, n_t, x_c, n_c, method="score", correction=False).pvalue
        if distinct(two, larger["p_value"]):  # else both are the same at 4 decimals: not tested
            expect(
                "ab_test.two_sided_given", pl, larger, {**{f: larger[f] for f in ab.FIELDS}, "p_value": two}
            )
        _, pr, rkey = seeded(seed, "revenue")
        rev = df.groupby("variant")["revenue"]
        student = sps.ttest_ind(rev.get_group("treatment"), rev.get_group("control"), equal_var=True)
        if distinct(student.pvalue, rkey["p_value"]):
            expect(
                "ab_test.student_t", pr, rkey, {**{f: rkey[f] for f in ab.FIELDS}, "p_value": student.pvalue}
            )
    assert counts["ab_test.arms_swapped"] >= 90 and counts["ab_test.rel_over_treatment"] >= 80, counts
    # p-values are asked to 4 decimals: where both sidednesses give 0.0000 the mistake is not tested
    assert counts["ab_test.unpooled"] >= 40 and counts["ab_test.one_sided_given"] >= 75, counts
    assert counts["ab_test.two_sided_given"] >= 75 and counts["ab_test.srm_even"] == 50, counts
    assert (
        min(counts.get(k, 0) for k in ("ab_test.yates", "ab_test.ci_method.newcomb", "ab_test.student_t"))
        >= 20
    )


def test_unpooled_within_the_asked_precision_is_not_tested_and_never_named():
    p, key = key_of(vector_frame())
    raw = {f: key[f] for f in ab.FIELDS}
    raw.update(statistic=2.4126, p_value=0.0158)  # unpooled values: the same as the key at 3 / 4 decimals
    checked = grade(p, key, raw)
    assert checked.fraction == 1.0 and "ab_test.unpooled" not in named(checked)
    alts = ab.alternatives(key, p)
    assert not separates(alts["statistic"]["ab_test.unpooled"], key["statistic"], unit="multiple",
                         tolerance=CTX.tolerance, precision=3)


def test_partial_credit_and_labels():
    p, key = key_of(vector_frame(), ask=["p_value", "significant", "rel_lift"])
    checked = grade(p, key, {"P值": "1.59%", "是否显著": "显著", "相对提升": "30%"})
    assert checked.fraction == pytest.approx(2 / 3)
    assert checked.details["wrong_fields"] == ["rel_lift"]


# ----------------------------------------------------------------------------- parsing and params


@pytest.mark.parametrize(
    "raw", ["0.05", [1, 2], {"p_value": "很小"}, {"significant": "也许"}, {"nothing": 1}]
)
def test_unreadable_answers_are_format_errors(raw):
    with pytest.raises(AnswerFormatError):
        ab.parse(raw, ab.Params(), CTX)


def test_malformed_and_params():
    for ask in (None, ["significant"], ["srm_p_value"]):
        p = ab.Params(ask=ask)
        with pytest.raises(AnswerFormatError):
            ab.parse(ab.malformed(p), p, CTX)
    with pytest.raises(ValidationError):
        ab.Params(alpha=0.7)
    with pytest.raises(ValidationError):
        ab.Params(ci_method="bootstrap")


def test_describe_states_method_sides_and_direction():
    zh = ab.describe(ab.Params(alternative="larger", planned_split=0.3), "zh")
    assert "合并比例(pooled)" in zh and "单侧检验" in zh and "实验组 − 对照组" in zh and "30%" in zh
    en = ab.describe(ab.Params(metric="revenue"), "en")
    assert "Welch" in en and "two-sided" in en and "revenue per user" in en.lower() or "Revenue per" in en
