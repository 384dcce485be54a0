"""Tests for data/generators/audience.py: the 巨量云图 O-5A snapshots (``audience_5a``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from data.generators import audience as aud
from data.generators.base import Generated
from simulator.core.seeding import family_rng

CONTRACT = ["user_id", "snapshot_date", "stage", "gender", "age_band", "city_tier"]
DEEPER = np.triu(np.ones((7, 7), dtype=bool), k=1)  # to a later stage (none row excluded below)
DEEPER[0] = False


def _make(trainee: str = "t-1", scale: float = 0.05, **params) -> Generated:
    rng = family_rng("test-audience", 7, trainee, scale, "audience")
    return aud.generate(rng, aud.Params(**params), scale)


def _states(df: pd.DataFrame, truth: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per user seen in the data: state codes at T0 and T1 (0 = absent) and segment combo index."""
    dates = pd.to_datetime(truth["snapshot_dates"])
    ids, user = np.unique(df["user_id"].to_numpy(), return_inverse=True)
    states = np.zeros((2, len(ids)), dtype=np.int64)
    snap = np.searchsorted(dates.values, df["snapshot_date"].to_numpy())
    states[snap, user] = df["stage"].cat.codes.to_numpy() + 1
    combo = np.zeros(len(ids), dtype=np.int64)
    combo[user] = ((df["gender"].cat.codes.to_numpy() * 5 + df["age_band"].cat.codes.to_numpy()) * 5
                   + df["city_tier"].cat.codes.to_numpy())
    return states[0], states[1], combo


def _flows(t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """7×7 counts of users by (T0 state, T1 state) among users seen at least once."""
    flows = np.zeros((7, 7), dtype=np.int64)
    np.add.at(flows, (t0, t1), 1)
    return flows


def test_columns_match_contract_and_are_documented():
    df = _make().frames["audience_5a"]
    assert list(df.columns) == CONTRACT == list(aud.COLUMNS["audience_5a"])
    labels = [c.zh for c in aud.COLUMNS["audience_5a"].values()]
    assert len(set(labels)) == len(labels)
    assert df["user_id"].dtype == np.int64
    assert df["snapshot_date"].dtype == "datetime64[ns]"
    assert (df["snapshot_date"] == df["snapshot_date"].dt.normalize()).all()
    assert list(df["stage"].cat.categories) == ["O", "A1", "A2", "A3", "A4", "A5"]
    assert aud.DATASETS == ("audience_5a",) and aud.FAMILY == "audience"


def test_relations_hold_for_50_trainees():
    for k in range(50):
        out = _make(f"t-{k}", scale=0.05)
        df, truth = out.frames["audience_5a"], out.truth
        assert not df.isna().any().any()
        assert not df.duplicated(["user_id", "snapshot_date"]).any()  # one row per user per date
        assert df.groupby("user_id")[["gender", "age_band", "city_tier"]].nunique().max().max() == 1
        dates = df["snapshot_date"].dt.strftime("%Y-%m-%d")
        assert sorted(dates.unique()) == truth["snapshot_dates"] == ["2024-10-01", "2024-11-01"]
        for day, counts in truth["stage_counts"].items():
            seen = df.loc[dates == day, "stage"].value_counts()
            assert {s: int(seen[s]) for s in aud.STAGES} == counts
        assert df["user_id"].nunique() <= truth["population"] == 1000
        json.dumps(truth)


def test_same_seed_same_frame_other_trainee_other_numbers():
    a, b = _make("t-1").frames["audience_5a"], _make("t-1").frames["audience_5a"]
    pd.testing.assert_frame_equal(a, b)
    assert a.to_csv(index=False).encode("utf-8-sig") == b.to_csv(index=False).encode("utf-8-sig")
    c = _make("t-2").frames["audience_5a"]
    assert not a["user_id"].equals(c["user_id"])
    assert a["stage"].value_counts().to_dict() != c["stage"].value_counts().to_dict()


def test_stage_shares_are_plausible_and_deeper_stages_rarer():
    out = _make(scale=1.0)
    df = out.frames["audience_5a"]
    in_asset = df.groupby("snapshot_date").size() / out.truth["population"]
    assert in_asset.between(0.6, 0.9).all()
    for _, day in df.groupby("snapshot_date"):
        shares = day["stage"].value_counts(normalize=True)[list(aud.STAGES)].to_numpy()
        assert np.all(np.diff(shares) < 0), shares  # O > A1 > … > A5
        assert 0.3 < shares[0] < 0.55 and 0.005 < shares[-1] < 0.05


def test_truth_matrix_is_stochastic_with_sticky_a5():
    truth = _make().truth
    m = np.array([[truth["base_matrix"][s][t] for t in aud.STATES] for s in aud.STATES])
    assert np.allclose(m.sum(axis=1), 1) and (m >= 0).all()
    diag = np.diag(m)
    assert diag[-1] == diag[1:].max() and diag[-1] >= 0.85  # A5 sticky
    assert m[2, 3] > 0 and m[4, 3] > 0 and m[4, 0] > 0 and m[0, 1] > 0  # progress, decay, churn, entry
    assert m[0, 4:].sum() == 0  # new users enter at O, A1 or A2 only
    assert truth["segment_multipliers"]["city_tier"]["一线"] == 1.2


def test_empirical_flows_match_truth_matrices_at_large_scale():
    params = aud.Params()
    out = _make(scale=10.0)
    t0, t1, combo = _states(out.frames["audience_5a"], out.truth)
    observed = _flows(t0, t1)
    observed[0, 0] = out.truth["population"] - observed[1:].sum() - observed[0, 1:].sum()
    mult = aud.level_multipliers(params)
    mats = np.array([aud.transition_matrix(params, mult["gender"][g] * mult["age_band"][a]
                                           * mult["city_tier"][c])
                     for g in aud.SEGMENT_LEVELS["gender"] for a in aud.SEGMENT_LEVELS["age_band"]
                     for c in aud.SEGMENT_LEVELS["city_tier"]])
    counts = np.zeros((50, 7))
    np.add.at(counts, (combo[t0 > 0], t0[t0 > 0]), 1)
    counts[:, 0] = 0
    counts[0, 0] = observed[0].sum()  # the none row does not depend on the segment
    expected = np.einsum("ki,kij->ij", counts, mats)
    var = np.einsum("ki,kij->ij", counts, mats * (1 - mats))
    z = np.abs(observed - expected) / np.sqrt(np.maximum(var, 1e-9))
    assert z.max() < 4.5, np.round(z, 1)
    assert observed[1:].sum() > 140_000


def test_base_segment_rates_recover_the_recorded_base_matrix():
    out = _make(scale=10.0)
    t0, t1, combo = _states(out.frames["audience_5a"], out.truth)
    base = (1 * 5 + 1) * 5 + 2  # 女, 24-30, 二线: every multiplier 1
    assert aud.segment_multiplier(aud.Params(), "女", "24-30", "二线") == 1.0
    flows = _flows(t0[combo == base], t1[combo == base])[1:]
    n = flows.sum(axis=1, keepdims=True)
    truth = np.array([[out.truth["base_matrix"][s][t] for t in aud.STATES] for s in aud.STAGES])
    se = np.sqrt(truth * (1 - truth) / n)
    assert (n >= 80).all()
    assert np.all(np.abs(flows / n - truth) <= 4.5 * se + 1e-12), np.round(flows / n - truth, 3)


def test_segment_effect_visible_in_progression():
    out = _make(scale=3.0)
    t0, t1, combo = _states(out.frames["audience_5a"], out.truth)
    city = combo % 5
    progressed = DEEPER[t0, t1]
    at_risk = (t0 >= 1) & (t0 <= 5)
    rate = {c: progressed[at_risk & (city == c)].mean() for c in (0, 4)}  # 一线 vs 四线及以下
    assert rate[0] > rate[4]
    assert rate[0] / rate[4] == pytest.approx(1.2 / 0.8, rel=0.12)
    gender = combo // 25
    assert progressed[at_risk & (gender == 1)].mean() > progressed[at_risk & (gender == 0)].mean()


def test_no_segment_effects_gives_equal_progression():
    flat = {dim: {lv: 1.0 for lv in levels} for dim, levels in aud.SEGMENT_LEVELS.items()}
    out = _make(scale=3.0, segment_effects=flat)
    t0, t1, combo = _states(out.frames["audience_5a"], out.truth)
    at_risk = (t0 >= 1) & (t0 <= 5)
    rates = [DEEPER[t0, t1][at_risk & (combo % 5 == c)].mean() for c in (0, 4)]
    assert rates[0] / rates[1] == pytest.approx(1.0, abs=0.12)


def test_snapshot_options_and_strengths():
    out = _make(snapshots=4, interval_days=14)
    assert out.truth["snapshot_dates"] == ["2024-10-01", "2024-10-15", "2024-10-29", "2024-11-12"]
    assert out.frames["audience_5a"]["snapshot_date"].nunique() == 4
    month_end = aud.snapshot_dates(aud.Params(snapshots=3, start_date="2024-01-31"))
    assert month_end[1] == pd.Timestamp("2024-02-29")
    churny = aud.transition_matrix(aud.Params(churn=2.0))
    base = aud.transition_matrix(aud.Params())
    assert churny[3, 0] == pytest.approx(2 * base[3, 0])
    capped = aud.transition_matrix(aud.Params(progression=5, decay=5, churn=5))
    assert np.allclose(1 - np.diag(capped)[1:-1], aud.MAX_MOVE)  # O … A4 rows capped
    assert capped[6, 0] == pytest.approx(5 * 0.03)  # A5 row below the cap stays as scaled


def test_duplicate_defects_are_injected_and_recorded():
    clean = _make().frames["audience_5a"]
    out = _make(defects={"duplicates": 7})
    df = out.frames["audience_5a"]
    assert len(df) == len(clean) + 7
    assert df.duplicated().sum() == 7
    assert len(out.truth["defects"]["duplicates"]) == 7
    assert _make().truth["defects"] == {"duplicates": [], "missing": [], "out_of_range": []}


@pytest.mark.parametrize("bad", [
    {"users": -5}, {"snapshots": 1}, {"entry_rate": 1.5}, {"progression": -1}, {"colour": "red"},
    {"initial_mix": {"A6": 0.2}}, {"initial_mix": {"O": 1.5}}, {"segment_mix": {"gender": {"其他": 1}}},
    {"segment_effects": {"city_tier": {"一线": -1}}}, {"platform_population": {"region": {"华东": 1}}},
    {"defects": {"missing": 3}},
])
def test_params_reject_nonsense(bad):
    with pytest.raises(ValidationError):
        aud.Params(**bad)


def test_platform_population_is_echoed_for_penetration():
    pop = {"gender": {"男": 300_000_000, "女": 320_000_000}}
    assert _make(platform_population=pop).truth["platform_population"] == pop
