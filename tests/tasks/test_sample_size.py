"""Tests for simulator/tasks/sample_size.py: metrics.md vectors, MDE mode, and naming the formula used."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats as sps

from simulator.engine import stats
from simulator.tasks import sample_size as ss
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()


def key_of(data: dict | None = None, **params) -> tuple[ss.Params, dict]:
    p = ss.Params(**params)
    return p, ss.make(p, data or {}, CTX).key


def grade(p: ss.Params, key: dict, raw) -> ss.Check:
    return ss.check(key, ss.parse(raw, p, CTX), p, CTX)


def methods_named(check) -> set[str]:
    """The formulas a check's messages say the trainee used."""
    return {
        m.args["method"].key.rsplit(".", 1)[1] for m in check.feedback if m.key == "sample_size.used_method"
    }


# ----------------------------------------------------------------------------- metrics.md vectors


@pytest.mark.parametrize(
    "method, expected", [("pbar", 6745), ("evan_miller", 6239), ("unpooled", 6743), ("cohens_h", 6726)]
)
def test_proportion_vectors(method, expected):
    p, key = key_of(baseline=0.04, mde=0.01, method=method)
    assert key["n_per_arm"] == expected
    assert grade(p, key, f"{expected:,}").fraction == 1.0
    rel_p, rel_key = key_of(baseline=0.04, mde=0.25, mde_type="relative", method=method)
    assert rel_key["n_per_arm"] == expected


def test_means_vector():
    p, key = key_of(metric="mean", sigma=30, mde=5)
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    assert key["n_per_arm"] == 566 and key["n_exact"] == pytest.approx(2 * z**2 * 30**2 / 5**2, rel=1e-9)


def test_each_formula_is_recognised_and_named():
    vectors = {"pbar": 6745, "evan_miller": 6239, "unpooled": 6743, "cohens_h": 6726}
    for asked in vectors:
        p, key = key_of(baseline=0.04, mde=0.01, method=asked)
        for used, n in vectors.items():
            checked = grade(p, key, n)
            if used == asked:
                assert checked.fraction == 1.0
            else:
                assert checked.fraction == 0.0 and methods_named(checked) == {used}, (asked, used)


def test_sides_total_half_and_rounding_are_named():
    p, key = key_of(baseline=0.04, mde=0.01)
    one_sided = math.ceil(stats.sample_size_proportions(0.04, 0.01, sides=1))
    assert {m.key for m in grade(p, key, one_sided).feedback} == {"sample_size.sides"}
    assert {m.key for m in grade(p, key, 2 * 6745).feedback} == {"sample_size.total"}
    assert {m.key for m in grade(p, key, 3373).feedback} == {"sample_size.half"}
    rounded_down = grade(p, key, 6744)
    assert rounded_down.fraction == 0.5 and rounded_down.feedback[0].key == "sample_size.round_up"
    assert {m.key for m in grade(p, key, 9000).feedback} == {"sample_size.too_high"}


def test_relative_absolute_mix_up_is_named():
    p, key = key_of(baseline=0.05, mde=0.2, mde_type="relative")
    as_absolute = math.ceil(stats.sample_size_proportions(0.05, 0.2))
    assert "sample_size.mde_type" in {m.key for m in grade(p, key, as_absolute).feedback}


def test_baseline_from_experiment_data_is_rounded_first():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "variant": np.where(rng.random(5000) < 0.5, "control", "treatment"),
            "converted": (rng.random(5000) < 0.043).astype(int),
        }
    )
    p, key = key_of({"experiment": df}, dataset="experiment", mde=0.2, mde_type="relative")
    rate = df.converted[df.variant == "control"].mean()
    assert key["baseline"] == round(rate, 4) != rate
    assert key["n_per_arm"] == math.ceil(stats.sample_size_proportions(round(rate, 4), 0.2 * round(rate, 4)))
    assert "experiment" in ss.describe(p, "zh") and "4" in ss.describe(p, "en")


# ----------------------------------------------------------------------------- MDE mode


def test_mde_mode_inverts_the_vectors():
    p, key = key_of(baseline=0.04, n_per_arm=6745)
    assert key["mde"] == pytest.approx(0.01, rel=1e-4)
    assert grade(p, key, "1.00%").fraction == 1.0
    p, key = key_of(metric="mean", sigma=30, n_per_arm=566)
    assert key["mde"] == pytest.approx(5.0, rel=1e-3)
    p, key = key_of(baseline=0.04, n_per_arm=6726, method="cohens_h", mde_type="relative")
    assert key["mde_relative"] == pytest.approx(0.25, rel=1e-3)
    one_sided = stats.mde_proportions(0.04, 6726, sides=1, method="cohens_h") / 0.04
    assert {m.key for m in grade(p, key, one_sided).feedback} == {"sample_size.sides"}
    absolute = grade(p, key, key["mde"])
    assert "sample_size.mde_type" in {m.key for m in absolute.feedback}


# ----------------------------------------------------------------------------- 100 seeded variants


def _random_params(rng: np.random.Generator) -> dict:
    if rng.random() < 0.2:
        out = {"metric": "mean", "sigma": float(rng.uniform(5, 80))}
        delta = out["sigma"] * float(rng.uniform(0.05, 0.4))
        return {
            **out,
            **({"mde": delta} if rng.random() < 0.7 else {"n_per_arm": int(rng.integers(200, 5000))}),
        }
    out = {
        "baseline": round(float(rng.uniform(0.01, 0.3)), 4),
        "method": str(rng.choice(stats.SS_METHODS)),
        "alpha": float(rng.choice([0.01, 0.05, 0.1])),
        "power": float(rng.choice([0.8, 0.9])),
        "sides": int(rng.choice([1, 2])),
    }
    if rng.random() < 0.7:
        kind = str(rng.choice(["absolute", "relative"]))
        rel = float(rng.uniform(0.05, 0.5))
        return {**out, "mde_type": kind, "mde": rel if kind == "relative" else rel * out["baseline"]}
    return {
        **out,
        "mde_type": str(rng.choice(["absolute", "relative"])),
        "n_per_arm": int(rng.integers(500, 50000)),
    }


def test_key_full_marks_perturbed_less_and_formula_named_for_100_seeds():
    named = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        p, key = key_of(**_random_params(rng))
        assert grade(p, key, ss.as_raw(key, p, CTX)).fraction == 1.0, (seed, p)
        wrong = grade(p, key, ss.perturb(key, p, CTX, rng))
        assert wrong.fraction < 1.0, (seed, p)
        named += bool(wrong.details.get("named"))
        if p.metric == "proportion" and not p.asks_mde:  # every other formula's number is named
            exact = {
                m: stats.sample_size_proportions(
                    key["baseline"], ss._delta(p, key["baseline"]), p.alpha, p.power, p.sides, m
                )
                for m in stats.SS_METHODS
            }
            for other, value in exact.items():
                n = math.ceil(value)
                ambiguous = [m for m, v in exact.items() if m != other and n in (math.ceil(v), round(v))]
                ambiguous += ["rounded down"] if n == math.floor(key["n_exact"]) else []
                if other != p.method and not ambiguous:
                    assert methods_named(grade(p, key, n)) == {other}, (seed, other)
    assert named >= 95


# ----------------------------------------------------------------------------- parsing and params


@pytest.mark.parametrize("raw", ["六千多人", "", {"n_per_arm": "很多"}, {"other": 5}, [6745]])
def test_unreadable_answers_are_format_errors(raw):
    with pytest.raises(AnswerFormatError):
        ss.parse(raw, ss.Params(baseline=0.04, mde=0.01), CTX)


def test_parse_accepts_numbers_strings_and_mappings():
    p = ss.Params(baseline=0.04, mde=0.01)
    assert ss.parse("6,745", p, CTX) == 6745 and ss.parse({"每组样本量": "６７４５"}, p, CTX) == 6745
    with pytest.raises(AnswerFormatError):
        ss.parse(ss.malformed(p), p, CTX)


def test_params_are_validated():
    for bad in (
        {"baseline": 0.04},
        {"baseline": 0.04, "mde": 0.01, "n_per_arm": 100},
        {"mde": 0.01},
        {"metric": "mean", "mde": 5},
        {"metric": "mean", "sigma": 3, "mde": 1, "mde_type": "relative"},
        {"baseline": 1.2, "mde": 0.1},
        {"baseline": 0.04, "mde": 0.01, "sides": 3},
    ):
        with pytest.raises(ValidationError):
            ss.Params(**bad)


def test_describe_names_the_formula_and_rounding():
    zh = ss.describe(ss.Params(baseline=0.04, mde=0.01, method="evan_miller"), "zh")
    assert "Evan Miller" in zh and "向上取整" in zh and "0.04" in zh
    en = ss.describe(ss.Params(metric="mean", sigma=30, n_per_arm=566), "en")
    assert "566" in en and "σ = 30" in en


@pytest.mark.parametrize("baseline", [0.021, 0.034, 0.04, 0.057, 0.083, 0.12])
def test_twice_the_size_per_arm_is_always_named_the_total(baseline):
    # 2 × ceil(n) and ceil(2n) differ for about half the baselines: both are the total of both arms
    p, key = key_of(baseline=baseline, mde=0.01)
    assert {m.key for m in grade(p, key, 2 * key["n_per_arm"]).feedback} == {"sample_size.total"}
