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
    other, progression = base_components(params)
    moves = other + progression * multiplier
    total = moves.sum(axis=1, keepdims=True)
    moves *= np.minimum(1.0, MAX_MOVE / np.where(total > 0, total, 1.0))
    np.fill_diagonal(moves, 1.0 - moves.sum(axis=1))
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


def _segment_cumulative(params: Params) -> np.ndarray:
    """Cumulative transition rows per segment combination: shape (2·5·5, 7, 7), last column exactly 1."""
    mult = level_multipliers(params)
    combos = [mult["gender"][g] * mult["age_band"][a] * mult["city_tier"][c]
              for g in SEGMENT_LEVELS["gender"] for a in SEGMENT_LEVELS["age_band"]
              for c in SEGMENT_LEVELS["city_tier"]]
    cum = np.cumsum([transition_matrix(params, m) for m in combos], axis=2)
    cum[..., -1] = 1.0
    return cum


def _draw_segments(rng: np.random.Generator, params: Params, n: int) -> dict[str, np.ndarray]:
    """Level codes per user for each segment dimension."""
    return {dim: rng.choice(len(levels), size=n, p=level_mix(params, dim)).astype(np.int8)
            for dim, levels in SEGMENT_LEVELS.items()}


def _simulate(rng: np.random.Generator, params: Params, segments: dict[str, np.ndarray]) -> np.ndarray:
    """State codes per snapshot and user, shape (snapshots, users); 0 = outside the asset."""
    n = len(segments["gender"])
    n_age, n_city = len(SEGMENT_LEVELS["age_band"]), len(SEGMENT_LEVELS["city_tier"])
    combo = (segments["gender"].astype(np.int64) * n_age + segments["age_band"]) * n_city \
        + segments["city_tier"]
    cum = _segment_cumulative(params)
    states = np.empty((params.snapshots, n), dtype=np.int8)
    states[0] = rng.choice(len(STATES), size=n, p=initial_shares(params))
    for step in range(1, params.snapshots):
        rows = cum[combo, states[step - 1]]
        states[step] = (rows <= rng.random(n)[:, None]).sum(axis=1)
    return states


def user_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct, increasing, realistic-looking int64 user ids (random gaps, no per-row Python)."""
    return 1_000_000_000 + np.cumsum(rng.integers(1, 200_000, size=n, dtype=np.int64))


def _frame(ids: np.ndarray, dates: pd.DatetimeIndex, states: np.ndarray,
           segments: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long frame: rows of users inside the asset, ordered by snapshot date then user id."""
    snap, user = np.nonzero(states > 0)
    frame = {"user_id": ids[user], "snapshot_date": dates.values[snap],
             "stage": pd.Categorical.from_codes(states[snap, user] - 1, categories=list(STAGES))}
    for dim, levels in SEGMENT_LEVELS.items():
        frame[dim] = pd.Categorical.from_codes(segments[dim][user], categories=list(levels))
    return pd.DataFrame(frame)


def _matrix_dict(matrix: np.ndarray) -> dict[str, dict[str, float]]:
    return {src: {dst: float(matrix[i, j]) for j, dst in enumerate(STATES)} for i, src in enumerate(STATES)}


def _stage_counts(states: np.ndarray) -> dict[str, int]:
    """Users per stage in one snapshot's state codes (outside users not counted)."""
    counts = np.bincount(states, minlength=len(STATES))[1:]
    return dict(zip(STAGES, counts.tolist(), strict=True))


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
    segments = _draw_segments(rng, params, n)
    states = _simulate(rng, params, segments)
    dates = snapshot_dates(params)
    df = _frame(ids, dates, states, segments)
    truth = _truth(params, n, dates, states)
    record: dict[str, Any] = {"duplicates": [], "missing": [], "out_of_range": []}
    if params.defects.duplicates:
        df, record = inject_defects(df, rng, params.defects, [], ["user_id", "snapshot_date"])
    truth["defects"] = record
    return Generated(frames={"audience_5a": df}, truth=truth)
