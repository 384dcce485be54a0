"""巨量云图 O-5A relationship assets: one row per user per snapshot date (``audience_5a``).

Users move between the states ``none`` (outside the asset), O, A1 … A5 by a monthly Markov chain:
progression (A1→A2 …), decay (A3→A2/A1), churn (→ none) and entries from ``none`` into O/A1/A2,
with A5 sticky. A user's gender, age band and city tier multiply the progression probabilities.
The truth records the base matrix (the segment whose multipliers are all 1), the multipliers, the
initial mix and the population, so a five_a_map key can be checked against what drove the data.

>>> import numpy as np
>>> out = generate(np.random.default_rng(1), Params(users=500))
>>> list(out.frames["audience_5a"].columns)
['user_id', 'snapshot_date', 'stage', 'gender', 'age_band', 'city_tier']
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from data.generators.base import Column, Generated, StrictModel, scaled
from data.generators.common import Defects, inject_defects
from data.generators.sampling import Sampler, categorical, increasing_ids

FAMILY = "audience"
DATASETS = ("audience_5a",)

STATES = ("none", "O", "A1", "A2", "A3", "A4", "A5")
"""Chain states; index 0 is outside the asset."""
STAGES = STATES[1:]
SEGMENT_LEVELS: dict[str, tuple[str, ...]] = {
    "gender": ("男", "女"),
    "age_band": ("18-23", "24-30", "31-40", "41-50", "50+"),
    "city_tier": ("一线", "新一线", "二线", "三线", "四线及以下"),
}
MAX_MOVE = 0.97
"""Largest probability of leaving a state in one interval (rows are capped to keep some stay)."""

# Base monthly probabilities at strength 1 (from, to) → p. Stay = 1 − the row's moves.
_PROGRESSION = {("O", "A1"): 0.12, ("O", "A2"): 0.04, ("O", "A3"): 0.01, ("A1", "A2"): 0.12,
                ("A1", "A3"): 0.03, ("A1", "A4"): 0.01, ("A2", "A3"): 0.10, ("A2", "A4"): 0.03,
                ("A3", "A4"): 0.10, ("A4", "A5"): 0.08}
_DECAY = {("A1", "O"): 0.10, ("A2", "O"): 0.04, ("A2", "A1"): 0.15, ("A3", "A1"): 0.08,
          ("A3", "A2"): 0.15, ("A4", "A2"): 0.05, ("A4", "A3"): 0.10, ("A5", "A4"): 0.06,
          ("A5", "A3"): 0.03}
_CHURN = {"O": 0.12, "A1": 0.12, "A2": 0.08, "A3": 0.05, "A4": 0.03, "A5": 0.03}
_ENTRY_SPLIT = {"O": 0.6, "A1": 0.3, "A2": 0.1}

DEFAULT_SEGMENT_MIX: dict[str, dict[str, float]] = {
    "gender": {"男": 0.45, "女": 0.55},
    "age_band": {"18-23": 0.18, "24-30": 0.30, "31-40": 0.28, "41-50": 0.15, "50+": 0.09},
    "city_tier": {"一线": 0.12, "新一线": 0.20, "二线": 0.22, "三线": 0.22, "四线及以下": 0.24},
}

_Share = Annotated[float, Field(ge=0, le=1)]
_Multiplier = Annotated[float, Field(gt=0, le=10)]


class Params(StrictModel):
    """Scenario parameters of the ``audience`` family (defaults: a mid-size beauty brand's asset)."""

    users: int = Field(20000, ge=10, le=10_000_000,
                       description="population tracked (in or out of the asset) at scale 1")
    start_date: dt.date = Field(dt.date(2024, 10, 1), description="first snapshot date")
    snapshots: int = Field(2, ge=2, le=24, description="number of snapshot dates")
    interval_days: int | None = Field(None, ge=1, le=366,
                                      description="days between snapshots; None = one calendar month")
    initial_mix: dict[str, _Share] = Field(
        default_factory=lambda: {"none": 0.25, "O": 0.33, "A1": 0.20, "A2": 0.11, "A3": 0.06,
                                 "A4": 0.035, "A5": 0.015},
        description="share of the population in each state at the first snapshot (none = outside)")
    progression: float = Field(1.0, ge=0, le=5, description="multiplier on progression probabilities")
    decay: float = Field(1.0, ge=0, le=5, description="multiplier on decay probabilities (A3→A2 …)")
    churn: float = Field(1.0, ge=0, le=5, description="multiplier on churn probabilities (→ none)")
    entry_rate: float = Field(0.30, ge=0, le=MAX_MOVE,
                              description="probability an outside user enters the asset per interval")
    segment_mix: dict[str, dict[str, _Share]] = Field(
        default_factory=lambda: {dim: dict(levels) for dim, levels in DEFAULT_SEGMENT_MIX.items()},
        description="share of users per level of gender, age_band, city_tier (missing = default)")
    segment_effects: dict[str, dict[str, _Multiplier]] = Field(
        default_factory=lambda: {
            "gender": {"男": 0.85, "女": 1.0},
            "age_band": {"18-23": 0.9, "24-30": 1.0, "31-40": 1.1, "41-50": 0.85, "50+": 0.7},
            "city_tier": {"一线": 1.2, "新一线": 1.1, "二线": 1.0, "三线": 0.9, "四线及以下": 0.8}},
        description="multipliers on progression per segment level (missing level = 1)")
    platform_population: dict[str, dict[str, Annotated[int, Field(ge=0)]]] | None = Field(
        None, description="platform users per segment level, for 渗透率 (echoed into the truth)")
    defects: Defects = Field(default_factory=Defects, description="duplicate rows to inject")

    @field_validator("initial_mix")
    @classmethod
    def _known_states(cls, mix: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(mix) - set(STATES))
        if unknown:
            raise ValueError(f"unknown states {unknown}; use {list(STATES)}")
        if sum(mix.values()) <= 0:
            raise ValueError("initial_mix must have a positive share somewhere")
        return mix

    @field_validator("segment_mix", "segment_effects", "platform_population")
    @classmethod
    def _known_levels(cls, table: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]] | None:
        for dim, levels in (table or {}).items():
            if dim not in SEGMENT_LEVELS:
                raise ValueError(f"unknown segment {dim!r}; use {list(SEGMENT_LEVELS)}")
            unknown = sorted(set(levels) - set(SEGMENT_LEVELS[dim]))
            if unknown:
                raise ValueError(f"unknown {dim} levels {unknown}; use {list(SEGMENT_LEVELS[dim])}")
        return table

    @model_validator(mode="after")
    def _mix_not_empty(self) -> Params:
        for dim, levels in self.segment_mix.items():
            if sum(levels.values()) <= 0:
                raise ValueError(f"segment_mix.{dim} must have a positive share somewhere")
        if self.defects.missing or self.defects.out_of_range:
            raise ValueError("audience_5a has no numeric cells: only defects.duplicates applies")
        return self


COLUMNS = {"audience_5a": {
    "user_id": Column("用户ID", "id", "Platform user id (one user, one id across snapshots)."),
    "snapshot_date": Column("快照日期", "date", "Date of the 5A snapshot the row belongs to."),
    "stage": Column("5A阶段", "text", "Relationship stage that day: O opportunity, A1 aware … A5 advocate."),
    "gender": Column("性别", "text", "User's gender (男/女)."),
    "age_band": Column("年龄段", "text", "User's age band (18-23, 24-30, 31-40, 41-50, 50+)."),
    "city_tier": Column("城市等级", "text", "Tier of the user's city (一线 … 四线及以下)."),
}}


def _index_matrix(table: dict[tuple[str, str], float]) -> np.ndarray:
    """A 7×7 matrix with ``table``'s (from, to) probabilities and zeros elsewhere."""
    out = np.zeros((len(STATES), len(STATES)))
    for (src, dst), p in table.items():
        out[STATES.index(src), STATES.index(dst)] = p
    return out


def base_components(params: Params) -> tuple[np.ndarray, np.ndarray]:
    """(moves other than progression, progression moves) as 7×7 matrices with strengths applied.

    Diagonals are zero; :func:`transition_matrix` fills in the stay probabilities.
    """
    churn = {(s, "none"): p for s, p in _CHURN.items()}
    entry = {("none", s): share * params.entry_rate for s, share in _ENTRY_SPLIT.items()}
    other = (_index_matrix(_DECAY) * params.decay + _index_matrix(churn) * params.churn
             + _index_matrix(entry))
    return other, _index_matrix(_PROGRESSION) * params.progression


def transition_matrix(params: Params, multiplier: float = 1.0) -> np.ndarray:
    """Row-stochastic 7×7 matrix over ``STATES`` for a segment whose progression multiplier is given.

    Rows whose moves exceed ``MAX_MOVE`` are scaled down to it.

    >>> m = transition_matrix(Params())
    >>> round(float(m[STATES.index("A1"), STATES.index("A2")]), 2), bool(np.allclose(m.sum(1), 1))
    (0.12, True)
    """
    return transition_matrices(params, np.array([multiplier]))[0]


def transition_matrices(params: Params, multipliers: np.ndarray) -> np.ndarray:
    """:func:`transition_matrix` for many progression multipliers at once, shape (m, 7, 7)."""
    other, progression = base_components(params)
    moves = other + progression * multipliers[:, None, None]
    total = moves.sum(axis=2, keepdims=True)
    moves *= np.minimum(1.0, MAX_MOVE / np.where(total > 0, total, 1.0))
    diagonal = np.arange(len(STATES))
    moves[:, diagonal, diagonal] = 1.0 - moves.sum(axis=2)
    return moves


def level_multipliers(params: Params) -> dict[str, dict[str, float]]:
    """Every segment level's progression multiplier, missing levels filled with 1."""
    effects = params.segment_effects
    return {dim: {lv: float(effects.get(dim, {}).get(lv, 1.0)) for lv in levels}
            for dim, levels in SEGMENT_LEVELS.items()}


def segment_multiplier(params: Params, gender: str, age_band: str, city_tier: str) -> float:
    """The product of a segment's three level multipliers.

    >>> segment_multiplier(Params(), "女", "24-30", "二线")
    1.0
    """
    table = level_multipliers(params)
    return table["gender"][gender] * table["age_band"][age_band] * table["city_tier"][city_tier]


def level_mix(params: Params, dim: str) -> np.ndarray:
    """Normalised shares of ``dim``'s levels (a dimension left out of segment_mix uses the default)."""
    given = params.segment_mix.get(dim) or DEFAULT_SEGMENT_MIX[dim]
    shares = np.array([given.get(level, 0.0) for level in SEGMENT_LEVELS[dim]], dtype=float)
    return shares / shares.sum()


def initial_shares(params: Params) -> np.ndarray:
    """Normalised initial distribution over ``STATES``."""
    shares = np.array([params.initial_mix.get(s, 0.0) for s in STATES], dtype=float)
    return shares / shares.sum()


def snapshot_dates(params: Params) -> pd.DatetimeIndex:
    """The snapshot dates: ``start_date`` then every ``interval_days`` (or every calendar month).

    >>> [d.strftime("%Y-%m-%d") for d in snapshot_dates(Params(snapshots=3))]
    ['2024-10-01', '2024-11-01', '2024-12-01']
    """
    start = pd.Timestamp(params.start_date)
    if params.interval_days is None:
        return pd.DatetimeIndex([start + pd.DateOffset(months=k) for k in range(params.snapshots)])
    return pd.date_range(start, periods=params.snapshots, freq=f"{params.interval_days}D")


def _combo_multipliers(params: Params) -> np.ndarray:
    """Progression multiplier of each segment combination, in (gender, age_band, city_tier) order."""
    mult = level_multipliers(params)
    return np.array([mult["gender"][g] * mult["age_band"][a] * mult["city_tier"][c]
                     for g in SEGMENT_LEVELS["gender"] for a in SEGMENT_LEVELS["age_band"]
                     for c in SEGMENT_LEVELS["city_tier"]])


def _combo_levels(combo: np.ndarray) -> dict[str, np.ndarray]:
    """Each segment dimension's level codes from combination codes (gender-major, city fastest).

    >>> {k: v.tolist() for k, v in _combo_levels(np.array([0, 7, 49], dtype=np.int8)).items()}
    {'gender': [0, 0, 1], 'age_band': [0, 1, 4], 'city_tier': [0, 2, 4]}
    """
    n_age, n_city = len(SEGMENT_LEVELS["age_band"]), len(SEGMENT_LEVELS["city_tier"])
    gender, rest = combo // (n_age * n_city), combo // n_city
    age = rest - gender * n_age
    return {"gender": gender, "age_band": age, "city_tier": combo - rest * n_city}


def _draw_segments(rng: np.random.Generator, params: Params, n: int) -> np.ndarray:
    """Segment combination code per user (int8): one draw from the product of the three level mixes."""
    mixes = [level_mix(params, dim) for dim in SEGMENT_LEVELS]
    joint = np.einsum("i,j,k->ijk", *mixes).ravel()
    return Sampler(joint).codes(rng.random(n))


def _simulate(rng: np.random.Generator, params: Params, combo: np.ndarray) -> np.ndarray:
    """State codes per snapshot and user, shape (snapshots, users); 0 = outside the asset.

    Each step draws every user's next state from the row of its (segment combination, state) in one
    :class:`Sampler` over the 50 × 7 transition rows.
    """
    n, k = combo.size, len(STATES)
    rows = Sampler(transition_matrices(params, _combo_multipliers(params)).reshape(-1, k))
    states = np.empty((params.snapshots, n), dtype=np.int8)
    u = rng.random(n)
    states[0] = Sampler(initial_shares(params)).codes(u)
    base = combo.astype(np.int16) * k
    for step in range(1, params.snapshots):
        states[step] = rows.codes(rng.random(n, out=u), base + states[step - 1])
    return states


def user_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct, increasing, realistic-looking int64 user ids (random gaps, no per-row Python)."""
    return increasing_ids(rng, n, 1_000_000_000, 200_000)


def _frame(ids: np.ndarray, dates: pd.DatetimeIndex, states: np.ndarray,
           combo: np.ndarray) -> pd.DataFrame:
    """Long frame: rows of users inside the asset, ordered by snapshot date then user id."""
    inside = states > 0
    per_snapshot = np.count_nonzero(inside, axis=1)
    total = int(per_snapshot.sum())
    user_id = np.empty(total, dtype=np.int64)
    stage = np.empty(total, dtype=np.int8)
    combos = np.empty(total, dtype=combo.dtype)
    end = np.cumsum(per_snapshot)
    for s, (lo, hi) in enumerate(zip(end - per_snapshot, end, strict=True)):
        np.compress(inside[s], ids, out=user_id[lo:hi])
        np.compress(inside[s], states[s], out=stage[lo:hi])
        np.compress(inside[s], combo, out=combos[lo:hi])
    stage -= 1
    frame = {"user_id": user_id, "snapshot_date": np.repeat(dates.values, per_snapshot),
             "stage": categorical(stage, list(STAGES))}
    for dim, codes in _combo_levels(combos).items():
        frame[dim] = categorical(codes, list(SEGMENT_LEVELS[dim]))
    return pd.DataFrame(frame, copy=False)


def _matrix_dict(matrix: np.ndarray) -> dict[str, dict[str, float]]:
    return {src: {dst: float(matrix[i, j]) for j, dst in enumerate(STATES)} for i, src in enumerate(STATES)}


def _stage_counts(states: np.ndarray) -> dict[str, int]:
    """Users per stage in one snapshot's state codes (outside users not counted)."""
    return {stage: int(np.count_nonzero(states == code)) for code, stage in enumerate(STAGES, start=1)}


def _truth(params: Params, n: int, dates: pd.DatetimeIndex, states: np.ndarray) -> dict[str, Any]:
    """The ground truth: base matrix, multipliers, initial mix, population and realised stage counts."""
    return {
        "states": list(STATES),
        "base_matrix": _matrix_dict(transition_matrix(params)),
        "segment_multipliers": level_multipliers(params),
        "multiplier_rule": "progression probabilities × gender × age_band × city_tier multipliers; "
                           f"moves per row capped at {MAX_MOVE}; stay = 1 − moves",
        "initial_mix": dict(zip(STATES, initial_shares(params).tolist(), strict=True)),
        "segment_mix": {dim: dict(zip(levels, level_mix(params, dim).tolist(), strict=True))
                        for dim, levels in SEGMENT_LEVELS.items()},
        "population": n,
        "snapshot_dates": [d.strftime("%Y-%m-%d") for d in dates],
        "stage_counts": {d.strftime("%Y-%m-%d"): _stage_counts(row)
                         for d, row in zip(dates, states, strict=True)},
        "platform_population": params.platform_population,
    }


def generate(rng: np.random.Generator, params: Params, scale: float = 1.0) -> Generated:
    """Draws the population, its segments and its path through the chain; returns ``audience_5a``."""
    n = scaled(params.users, scale, minimum=10)
    ids = user_ids(rng, n)
    combo = _draw_segments(rng, params, n)
    states = _simulate(rng, params, combo)
    dates = snapshot_dates(params)
    df = _frame(ids, dates, states, combo)
    truth = _truth(params, n, dates, states)
    record: dict[str, Any] = {"duplicates": [], "missing": [], "out_of_range": []}
    if params.defects.duplicates:
        df, record = inject_defects(df, rng, params.defects, [], ["user_id", "snapshot_date"])
    truth["defects"] = record
    return Generated(frames={"audience_5a": df}, truth=truth)
