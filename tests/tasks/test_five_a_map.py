"""Tests for simulator/tasks/five_a_map.py: the 5A map key, parsing, partial credit and named mistakes."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator.tasks import five_a_map as fam
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
LEVELS = {
    "gender": ["男", "女"],
    "age_band": ["18-23", "24-30", "31-40"],
    "city_tier": ["一线", "二线", "三线"],
}
DATES = pd.to_datetime(["2024-10-01", "2024-11-01"])


def audience(seed: int, n: int = 500) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A random long audience_5a frame and the users' true states (0 none, 1 O … 6 A5) at T0 and T1."""
    rng = np.random.default_rng(seed)
    s0 = rng.choice(7, size=n, p=[0.2, 0.3, 0.2, 0.12, 0.1, 0.05, 0.03])
    trans = rng.dirichlet(np.full(7, 0.6), size=7) * 0.6 + np.eye(7) * 0.4
    s1 = (rng.random(n)[:, None] > np.cumsum(trans[s0], axis=1)).sum(axis=1).clip(0, 6)
    seg = {k: rng.choice(v, size=n) for k, v in LEVELS.items()}
    frames = []
    for day, states in zip(DATES, (s0, s1), strict=True):
        keep = states > 0
        frames.append(
            pd.DataFrame(
                {
                    "user_id": np.arange(n)[keep] + 10_000,
                    "snapshot_date": day,
                    "stage": np.array(fam.STAGES)[states[keep] - 1],
                    **{k: v[keep] for k, v in seg.items()},
                }
            )
        )
    df = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=seed)
    return df.reset_index(drop=True), s0, s1


@functools.cache
def seeded(seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, fam.Params, dict]:
    """The seed's frame, true states, default params and key (computed once per test session)."""
    df, s0, s1 = audience(seed)
    p, key = key_of(df)
    return df, s0, s1, p, key


def key_of(df: pd.DataFrame, **params) -> tuple[fam.Params, dict]:
    p = fam.Params(**params)
    return p, fam.make(p, {"audience_5a": df}, CTX).key


def grade(p: fam.Params, key: dict, raw) -> fam.Check:
    return fam.check(key, fam.parse(raw, p, CTX), p, CTX)


def reasons(check) -> set[str]:
    return {m.key for m in check.feedback}


# ----------------------------------------------------------------------------- the key


def test_small_hand_computed_map():
    df = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3, 4, 5, 5, 6],
            "snapshot_date": pd.to_datetime(
                [
                    "2024-10-01",
                    "2024-11-01",
                    "2024-10-01",
                    "2024-11-01",
                    "2024-10-01",
                    "2024-11-01",
                    "2024-10-01",
                    "2024-11-01",
                    "2024-10-01",
                ]
            ),
            "stage": ["A1", "A2", "O", "A1", "A3", "A1", "A2", "O", "O"],
        }
    )
    _, key = key_of(df)
    assert key["counts_t0"] == {"O": 2, "A1": 1, "A2": 1, "A3": 1, "A4": 0, "A5": 0}
    assert key["counts_t1"] == {"O": 1, "A1": 2, "A2": 1, "A3": 0, "A4": 0, "A5": 0}
    nonzero = {f: v for f, v in key["flows"].items() if v}
    assert nonzero == {"A1>A2": 1, "O>A1": 1, "A3>none": 1, "none>A1": 1, "A2>O": 1, "O>none": 1}
    assert key["new"] == 2  # O→A1 and none→A1
    assert key["lost"] == 2  # A3→none and A2→O
    assert key["flow_rates"]["O>A1"] == 0.5 and key["flow_rates"]["A1>A2"] == 1.0
    assert "none>A1" not in key["flow_rates"] and "A4>A4" not in key["flow_rates"]  # no T0 base
    assert (key["t0"], key["t1"]) == ("2024-10-01", "2024-11-01")


def test_duplicate_rows_count_once_in_the_deepest_stage():
    df = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 1],
            "stage": ["A1", "A3", "A3", "A2"],
            "snapshot_date": pd.to_datetime(["2024-10-01", "2024-10-01", "2024-11-01", "2024-11-01"]),
        }
    )
    _, key = key_of(df)
    assert key["counts_t0"]["A3"] == 1 and sum(key["counts_t0"].values()) == 1
    assert key["flows"]["A3>A3"] == 1


def test_key_matches_an_independent_crosstab_for_100_seeds():
    for seed in range(100):
        _, s0, s1, _, key = seeded(seed)
        seen = (s0 > 0) | (s1 > 0)
        table = pd.crosstab(s0[seen], s1[seen]).reindex(index=range(7), columns=range(7), fill_value=0)
        for f, v in key["flows"].items():
            a, b = (fam.STATES.index(x) for x in f.split(">"))
            assert v == table.at[a, b], (seed, f)
        for i, stage in enumerate(fam.STAGES, start=1):
            assert key["counts_t0"][stage] == (s0 == i).sum() and key["counts_t1"][stage] == (s1 == i).sum()
            if key["counts_t0"][stage]:
                total = sum(key["flow_rates"][f"{stage}>{b}"] for b in fam.STATES)
                assert total == pytest.approx(1.0)
        asset0, asset1 = s0 >= 2, s1 >= 2
        assert key["new"] == (asset1 & ~asset0).sum() and key["lost"] == (asset0 & ~asset1).sum()
        assert asset1.sum() == asset0.sum() + key["new"] - key["lost"]  # metrics.md identity


def test_generated_audience_gives_a_consistent_key():
    from data.generators import audience as gen

    out = gen.generate(np.random.default_rng(11), gen.Params(users=2000))
    p, key = key_of(out.frames["audience_5a"], segment="city_tier")
    assert sum(key["counts_t0"][a] for a in fam.ASSET) == sum(
        v["asset_t0"] for v in key["by_segment"].values()
    )
    assert grade(p, key, fam.as_raw(key, p, CTX)).fraction == 1.0


def test_segments_and_penetration():
    df, s0, s1 = audience(3)
    p, key = key_of(df, segment="gender", platform_population={"男": 1000, "女": 2000})
    users = df.drop_duplicates("user_id").set_index("user_id")["gender"].reindex(np.arange(500) + 10_000)
    for level, pop in (("男", 1000), ("女", 2000)):
        mine = (users == level).to_numpy()
        assert key["by_segment"][level]["asset_t1"] == (mine & (s1 >= 2)).sum()
        assert key["by_segment"][level]["new"] == (mine & (s1 >= 2) & (s0 < 2)).sum()
        assert key["penetration"][level] == pytest.approx((mine & (s1 >= 2)).sum() / pop)
    assert p.fields()[-2:] == ["by_segment", "penetration"]


# ----------------------------------------------------------------------------- grading


def test_key_scores_full_marks_and_perturbed_scores_less_for_100_seeds():
    for seed in range(100):
        df, _, _, p, key = seeded(seed)
        if seed % 3 == 0:
            p, key = key_of(df, segment="age_band")
        assert grade(p, key, fam.as_raw(key, p, CTX)).fraction == 1.0, seed
        wrong = grade(p, key, fam.perturb(key, p, CTX, np.random.default_rng(seed)))
        assert wrong.fraction < 1.0, seed


def _with(key: dict, p: fam.Params, field: str, value) -> dict:
    raw = fam.as_raw(key, p, CTX)
    raw[fam.t(f"five_a_map.field.{field}", "zh")] = value
    return raw


def test_each_misconception_is_named_over_100_seeds():
    named: dict[str, int] = {}
    for seed in range(100):
        _, s0, s1, p, key = seeded(seed)
        seen = (s0 > 0) | (s1 > 0)
        s0, s1 = s0[seen], s1[seen]
        asset0, asset1 = s0 >= 2, s1 >= 2
        flows = {
            f"{fam.STATES[a]}>{fam.STATES[b]}": int(((s0 == a) & (s1 == b)).sum())
            for a in range(7)
            for b in range(7)
            if a or b
        }
        wrong = {
            "five_a_map.t1_base": (
                "flow_rates",
                {
                    f: v / (s1 == fam.STATES.index(f.split(">")[1])).sum()
                    for f, v in flows.items()
                    if not f.startswith("none") and not f.endswith("none")
                },
            ),
            "five_a_map.reversed": (
                "flows",
                {f"{b}>{a}": v for f, v in flows.items() for a, b in [f.split(">")]},
            ),
            "five_a_map.new_absent_only": ("new", int((asset1 & (s0 == 0)).sum())),
            "five_a_map.new_with_o": ("new", int(((s1 >= 1) & (s0 <= 1) & ~((s0 == 1) & (s1 == 1))).sum())),
            "five_a_map.new_net": ("new", int(asset1.sum() - asset0.sum())),
            "five_a_map.lost_absent_only": ("lost", int((asset0 & (s1 == 0)).sum())),
            "five_a_map.lost_with_o": (
                "lost",
                int(((s0 >= 1) & (s1 == 0)).sum() + (asset0 & (s1 == 1)).sum()),
            ),
        }
        for reason, (field, value) in wrong.items():
            checked = grade(p, key, _with(key, p, field, value))
            if checked.fraction < 1:
                # one diagnosis per field: where two mistakes give the same number, either is named
                same = {r for r, (f, v) in wrong.items() if f == field and v == value}
                found = same & reasons(checked)
                assert len(found) == 1, (seed, reason, [m.key for m in checked.feedback])
                named[reason] = named.get(reason, 0) + 1
    assert all(
        named.get(r, 0) >= 80
        for r in (
            "five_a_map.t1_base",
            "five_a_map.reversed",
            "five_a_map.new_absent_only",
            "five_a_map.new_with_o",
            "five_a_map.lost_absent_only",
            "five_a_map.lost_with_o",
        )
    ), named
    assert named.get("five_a_map.new_net", 0) >= 50, named


def test_partial_credit_names_wrong_entries_without_values():
    df, _, _ = audience(5)
    p, key = key_of(df, ask=["counts_t1", "new"])
    counts = dict(key["counts_t1"])
    counts["A2"] += 7
    checked = grade(p, key, {"counts_t1": counts, "new": key["new"]})
    assert checked.fraction == pytest.approx((1 - 1 / 6 + 1) / 2)
    assert checked.details["wrong_entries"] == {"counts_t1": ["A2"]}
    text = " ".join(m.render("zh") for m in checked.feedback)
    assert "A2" in text and str(key["counts_t1"]["A2"]) not in text


def test_missing_field_scores_zero_for_that_field():
    df, _, _ = audience(6)
    p, key = key_of(df, ask=["new", "lost"])
    checked = grade(p, key, {"new": key["new"]})
    assert checked.fraction == 0.5 and "check.field_missing" in reasons(checked)


# ----------------------------------------------------------------------------- parsing


def test_parse_accepts_labels_arrows_chinese_stages_matrices_and_flattened_keys():
    p = fam.Params(ask=["flows", "counts_t0", "new"])
    parsed = fam.parse(
        {
            "流转人数": {"了解→吸引": "1,200", "资产外 -> A1": 3, "O": {"A1": 5}},
            "counts_t0.A1": "１２",
            "新增人数": 9,
        },
        p,
        CTX,
    )
    assert parsed["flows"] == {"A1>A2": 1200.0, "none>A1": 3.0, "O>A1": 5.0}
    assert parsed["counts_t0"] == {"A1": 12.0} and parsed["new"] == 9.0


@pytest.mark.parametrize(
    "raw",
    ["120", ["A1", 3], {"flows": {"A1>>Z9": 3}}, {"new": "很多"}, {"counts_t0": {"A7": 4}}, {"unknown": 1}],
)
def test_unreadable_answers_are_format_errors(raw):
    with pytest.raises(AnswerFormatError):
        fam.parse(raw, fam.Params(), CTX)


def test_malformed_is_rejected_for_every_first_field():
    for ask in (["counts_t0"], ["flows"], ["flow_rates"], ["new"], ["lost"]):
        with pytest.raises(AnswerFormatError):
            fam.parse(fam.malformed(fam.Params(ask=ask)), fam.Params(ask=ask), CTX)
    p = fam.Params(segment="gender", ask=["by_segment"])
    with pytest.raises(AnswerFormatError):
        fam.parse(fam.malformed(p), p, CTX)


def test_params_are_validated():
    with pytest.raises(ValidationError):
        fam.Params(ask=["by_segment"])
    with pytest.raises(ValidationError):
        fam.Params(platform_population={"男": 10})
    with pytest.raises(ValidationError):
        fam.Params(extra=1)
    df, _, _ = audience(1)
    with pytest.raises(ValueError):
        key_of(df, t1="2024-12-01")


def test_describe_names_dates_and_definitions_in_both_languages():
    p = fam.Params(
        t0="2024-10-01", t1="2024-11-01", segment="gender", platform_population={"男": 10, "女": 20}
    )
    zh, en = fam.describe(p, "zh"), fam.describe(p, "en")
    assert "2024-10-01" in zh and "T0时阶段i的人数" in zh and "渗透率" in zh and "性别" in zh
    assert "2024-11-01" in en and "users in i at T0" in en and "penetration" in en
