"""5A stage transitions between two snapshots of an audience frame: states, counts, flows, 流转率, 新增, 流失.

The frame has one row per user and snapshot date (``user_id``, ``stage``, ``snapshot_date``, optional
segment columns). Stages are O (机会人群) and the asset A1…A5; a user with no row on a date is in state
``none``, and a user with several rows on a date counts once, in the deepest stage. State codes are
0 = none, 1 = O, 2 = A1 … 6 = A5, so a user is in the asset when the code is at least 2. Definitions
(``reference/metrics.md`` §5A): ``flows["A1>A2"]`` = users in A1 at T0 and A2 at T1; 流转率(i→j) =
flow(i→j) / users in i at T0; 新增 = in the asset at T1 but not at T0; 流失 = the other way round.

>>> import pandas as pd
>>> days = pd.to_datetime(["2024-10-01", "2024-11-01", "2024-10-01", "2024-11-01"])
>>> df = pd.DataFrame({"user_id": [1, 1, 2, 3], "stage": ["A1", "A2", "O", "A3"], "snapshot_date": days})
>>> states = user_states(df, *snapshot_dates(df))
>>> states[["s0", "s1"]].to_numpy().tolist()
[[2, 3], [1, 0], [0, 4]]
>>> moves = transitions(states)
>>> moves.flows["A1>A2"], moves.flows["none>A3"], moves.flows["O>none"], moves.flow_rates["A1>A2"]
(1, 1, 1, 1.0)
>>> asset_summary(states)
{'asset_t0': 1, 'asset_t1': 2, 'new': 1, 'lost': 0}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

STAGES = ("O", "A1", "A2", "A3", "A4", "A5")
"""The stages a row can have: O (机会人群) and the 5A asset."""
ASSET = STAGES[1:]
"""The 5A asset, A1…A5."""
STATES = ("none", *STAGES)
"""A user's state on a snapshot date: ``none`` (no row that day) or a stage; index = state code."""
FLOWS = tuple(f"{a}>{b}" for a in STATES for b in STATES if not (a == b == "none"))
"""Every T0 → T1 flow name, ``"none>O"`` … ``"A5>A5"`` (``"none>none"`` is not a flow)."""


@dataclass(frozen=True)
class Transitions:
    """Stage counts at T0 and T1, user counts per flow and 流转率 on the T0 base."""

    counts_t0: dict[str, int]
    counts_t1: dict[str, int]
    flows: dict[str, int]
    flow_rates: dict[str, float]
    """Flows out of a stage with users at T0 only (none of ``none>…``)."""


def snapshot_dates(
    df: pd.DataFrame, t0: dt.date | None = None, t1: dt.date | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """T0 and T1 (default: the earliest and latest snapshot dates); ValueError if the frame lacks them."""
    days = np.unique(df["snapshot_date"].dropna().to_numpy(dtype="datetime64[ns]"))
    if len(days) < 2:
        raise ValueError("audience_5a needs at least two snapshot dates")
    first = pd.Timestamp(t0) if t0 else pd.Timestamp(days[0])
    last = pd.Timestamp(t1) if t1 else pd.Timestamp(days[-1])
    for day in (first, last):
        if not (days == day.to_datetime64()).any():
            raise ValueError(f"no audience_5a snapshot on {day.date()}")
    return first, last


def _snapshot(df: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """user_id → deepest state code on ``day`` (1 = O … 6 = A5)."""
    rows = df[df["snapshot_date"] == day]
    codes = rows["stage"].astype(str).map({s: i + 1 for i, s in enumerate(STAGES)})
    return codes.groupby(rows["user_id"].to_numpy()).max()


def user_states(df: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp, segment: str | None = None) -> pd.DataFrame:
    """One row per user seen at T0 or T1: ``s0``, ``s1`` state codes (0 = none) and the ``segment`` level.

    A user's segment level is the one on their latest row of the two dates.
    """
    s0, s1 = _snapshot(df, t0), _snapshot(df, t1)
    users = s0.index.union(s1.index)
    out = pd.DataFrame(
        {
            "s0": s0.reindex(users).fillna(0).astype(np.int64).to_numpy(),
            "s1": s1.reindex(users).fillna(0).astype(np.int64).to_numpy(),
        },
        index=users,
    )
    if segment:
        seg = df[df["snapshot_date"].isin([t0, t1])].sort_values("snapshot_date", ascending=False)
        seg = seg.drop_duplicates("user_id").set_index("user_id")[segment].astype(str)
        out["segment"] = seg.reindex(users).to_numpy()
    return out


def transitions(states: pd.DataFrame) -> Transitions:
    """Counts per stage at T0 and T1, per flow, and each flow's share of its T0 stage (see module doc)."""
    matrix = np.zeros((len(STATES), len(STATES)), dtype=np.int64)
    np.add.at(matrix, (states["s0"].to_numpy(), states["s1"].to_numpy()), 1)
    counts_t0 = {s: int(matrix[i + 1].sum()) for i, s in enumerate(STAGES)}
    counts_t1 = {s: int(matrix[:, i + 1].sum()) for i, s in enumerate(STAGES)}
    flows = {f: int(matrix[STATES.index(a), STATES.index(b)]) for f in FLOWS for a, b in [f.split(">")]}
    rates = {
        f: flows[f] / counts_t0[a]
        for f in FLOWS
        for a in [f.split(">")[0]]
        if a != "none" and counts_t0[a] > 0
    }
    return Transitions(counts_t0, counts_t1, flows, rates)


def asset_summary(states: pd.DataFrame) -> dict[str, int]:
    """Asset sizes at T0 and T1, 新增 and 流失 of a set of users (the rows of :func:`user_states`)."""
    a0, a1 = states["s0"] >= 2, states["s1"] >= 2
    return {
        "asset_t0": int(a0.sum()),
        "asset_t1": int(a1.sum()),
        "new": int((a1 & ~a0).sum()),
        "lost": int((a0 & ~a1).sum()),
    }
