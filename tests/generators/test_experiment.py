"""Tests for data/generators/experiment.py: the A/B test log (``experiment``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy.stats import chisquare
from statsmodels.stats.proportion import proportions_ztest

from data.generators import experiment as exp
from data.generators.base import Generated
from simulator.core.seeding import family_rng

CONTRACT = ["user_id", "variant", "assigned_date", "converted", "revenue"]


def _make(trainee: str = "t-1", scale: float = 0.1, **params) -> Generated:
    rng = family_rng("test-experiment", 11, trainee, scale, "experiment")
    return exp.generate(rng, exp.Params(**params), scale)


def _arms(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(conversions, users) per arm, control first."""
    treated = (df["variant"] == "treatment").to_numpy()
    conv = df["converted"].to_numpy()
    return (np.array([conv[~treated].sum(), conv[treated].sum()]),
            np.array([(~treated).sum(), treated.sum()]))


def _srm_p(df: pd.DataFrame, planned: float) -> float:
    _, n = _arms(df)
    return float(chisquare(n, f_exp=n.sum() * np.array([1 - planned, planned])).pvalue)


def test_columns_match_contract_and_are_documented():
    df = _make().frames["experiment"]
    assert list(df.columns) == CONTRACT == list(exp.COLUMNS["experiment"])
    labels = [c.zh for c in exp.COLUMNS["experiment"].values()]
    assert len(set(labels)) == len(labels)
    assert df["user_id"].dtype == np.int64 and df["converted"].dtype == np.int64
    assert df["revenue"].dtype == np.float64
    assert df["assigned_date"].dtype == "datetime64[ns]"
    assert (df["assigned_date"] == df["assigned_date"].dt.normalize()).all()
    assert exp.DATASETS == ("experiment",) and exp.FAMILY == "experiment"


def test_relations_hold_for_50_trainees():
    for k in range(50):
        out = _make(f"t-{k}", scale=0.05)
        df, truth = out.frames["experiment"], out.truth
        assert len(df) == 1000 and df["user_id"].is_unique
        assert not df.isna().any().any()
        assert set(df["variant"].astype(str)) == {"control", "treatment"}
        assert set(df["converted"].unique()) <= {0, 1}
        conv = df["converted"] == 1
        assert (df.loc[~conv, "revenue"] == 0).all() and (df.loc[conv, "revenue"] > 0).all()
        assert np.allclose(df["revenue"], df["revenue"].round(2))
        dates = df["assigned_date"].dt.strftime("%Y-%m-%d")
        assert dates.isin(truth["dates"]).all() and dates.is_monotonic_increasing
        _, n = _arms(df)
        assert [truth["n_control"], truth["n_treatment"]] == n.tolist()
        assert 0 <= truth["true_lift"] <= 0.25 and truth["lift_drawn"] and not truth["srm_injected"]
        json.dumps(truth)


def test_same_seed_same_frame_other_trainee_other_numbers():
    a, b = _make("t-1").frames["experiment"], _make("t-1").frames["experiment"]
    pd.testing.assert_frame_equal(a, b)
    assert a.to_csv(index=False).encode("utf-8-sig") == b.to_csv(index=False).encode("utf-8-sig")
    c = _make("t-2")
    assert not a["user_id"].equals(c.frames["experiment"]["user_id"])
    assert _make("t-1").truth["true_lift"] != c.truth["true_lift"]


def test_realistic_rates_revenue_and_traffic_pattern():
    out = _make(scale=5.0, true_lift=0.1)
    df = out.frames["experiment"]
    conv, n = _arms(df)
    assert np.all((conv / n > 0.03) & (conv / n < 0.06))
    revenue = df.loc[df["converted"] == 1, "revenue"]
    assert revenue.mean() > 1.2 * revenue.median()  # right-skewed
    assert 60 < revenue.median() < 150 and revenue.max() < 5000
    per_day = df.groupby("assigned_date").size()
    assert per_day.idxmax() == pd.Timestamp("2024-06-18")  # 618 spike
    assert per_day["2024-06-18"] > 2 * per_day.median()
    plain = per_day.drop(pd.date_range("2024-06-16", "2024-06-18"))
    weekend = plain[plain.index.dayofweek >= 5].mean()
    assert weekend > 1.05 * plain[plain.index.dayofweek < 4].mean()


def test_rates_and_split_recovered_at_large_scale_without_srm():
    out = _make(scale=10.0, true_lift=0.15)
    df, truth = out.frames["experiment"], out.truth
    conv, n = _arms(df)
    for got, want, users in zip(conv / n, [truth["rate_control"], truth["rate_treatment"]], n, strict=True):
        assert abs(got - want) < 4 * np.sqrt(want * (1 - want) / users)
    assert truth["rate_treatment"] == pytest.approx(0.04 * 1.15)
    share = n[1] / n.sum()
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n.sum()) and share == truth["actual_split"]
    assert _srm_p(df, 0.5) > 0.001
    rev = df.loc[df["converted"] == 1, "revenue"]
    assert abs(rev.mean() - 120) < 4 * rev.std() / np.sqrt(len(rev))


def test_uneven_planned_split_and_revenue_lift():
    out = _make(scale=10.0, planned_split=0.2, true_lift=0.0, revenue_lift=0.3)
    df = out.frames["experiment"]
    _, n = _arms(df)
    assert abs(n[1] / n.sum() - 0.2) < 4 * np.sqrt(0.16 / n.sum())
    assert _srm_p(df, 0.2) > 0.001
    paid = df[df["converted"] == 1].groupby("variant", observed=True)["revenue"].mean()
    assert paid["treatment"] / paid["control"] == pytest.approx(1.3, rel=0.12)


def test_srm_detected_when_injected():
    out = _make(scale=2.0, srm=0.05, true_lift=0.1)
    assert out.truth["srm_injected"] and out.truth["srm_share_dropped"] == 0.05
    assert _srm_p(out.frames["experiment"], 0.5) < 0.001
    assert out.truth["actual_split"] < 0.49


def test_srm_probability_gives_a_mix_matching_the_truth():
    flags = []
    for k in range(40):
        out = _make(f"t-{k}", scale=1.0, srm_probability=0.5)
        flagged = _srm_p(out.frames["experiment"], 0.5) < 0.001
        assert flagged == out.truth["srm_injected"]
        flags.append(flagged)
    assert 8 <= sum(flags) <= 32


def test_default_size_gives_significant_and_non_significant_experiments():
    p_values, lifts = [], []
    for k in range(50):
        out = _make(f"t-{k}", scale=1.0)
        conv, n = _arms(out.frames["experiment"])
        p_values.append(proportions_ztest(conv[::-1], n[::-1])[1])
        lifts.append(out.truth["true_lift"])
    significant = sum(p < 0.05 for p in p_values)
    assert 10 <= significant <= 40, significant
    assert min(lifts) < 0.05 and max(lifts) > 0.2


def test_fixed_lift_overrides_the_range():
    lifts = {_make(f"t-{k}", true_lift=0.07).truth["true_lift"] for k in range(5)}
    assert lifts == {0.07}
    assert _make(true_lift=None, true_lift_range=(0.3, 0.3)).truth["true_lift"] == pytest.approx(0.3)


def test_defects_are_injected_and_recorded():
    clean = _make().frames["experiment"]
    out = _make(defects={"duplicates": 4, "missing": 3, "out_of_range": 2})
    df, record = out.frames["experiment"], out.truth["defects"]
    assert len(df) == len(clean) + 4 and df.duplicated().sum() == 4
    assert df[["converted", "revenue"]].isna().sum().sum() == 3
    assert (df[["converted", "revenue"]] < 0).sum().sum() == 2
    assert [len(record[k]) for k in ("duplicates", "missing", "out_of_range")] == [4, 3, 2]


@pytest.mark.parametrize("bad", [
    {"users": -1}, {"planned_split": 1.2}, {"base_rate": 1.5}, {"base_rate": 0}, {"srm": -0.1},
    {"srm_probability": 2}, {"true_lift_range": (0.3, 0.1)}, {"base_rate": 0.6, "true_lift": 1.0},
    {"days": 0}, {"variants": 3},
])
def test_params_reject_nonsense(bad):
    with pytest.raises(ValidationError):
        exp.Params(**bad)
