"""What every dataset family module provides, and the small shared pieces they use.

A family module (``accounts``, ``live``, ``ads``, ``audience``, ``experiment``) defines:

- ``FAMILY``: its name as written under ``datasets:`` in a scenario file;
- ``DATASETS``: the dataset names it produces (contract names, plus extras such as ``live_minutes``);
- ``Params``: a pydantic model (``extra="forbid"``) of its scenario parameters, all with realistic defaults;
- ``COLUMNS``: ``{dataset: {column: Column(zh, unit, meaning)}}`` for every column it writes;
- ``generate(rng, params, scale) -> Generated``: vectorised with numpy, randomness only from ``rng``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Base for parameter models: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


@dataclass(frozen=True)
class Column:
    """One dataset column's documentation."""

    zh: str
    """Chinese header written with ``--lang zh`` and shown in the app."""
    unit: str
    """One of: count, money (yuan), ratio (fraction), seconds, minutes, date, datetime, text, id, flag."""
    meaning: str
    """One sentence in English on what the column holds."""


@dataclass
class Generated:
    """A family's output: its data frames and the ground truth they were drawn from (instructors only)."""

    frames: dict[str, pd.DataFrame]
    """Dataset name → frame with canonical English column names, in the documented column order."""
    truth: dict[str, Any] = field(default_factory=dict)
    """JSON-serialisable parameters the data were built from (true effects, curves, matrices, defects)."""


def scaled(n: int, scale: float, minimum: int = 1) -> int:
    """Entity count ``n`` multiplied by ``scale``, rounded, at least ``minimum``.

    >>> scaled(40, 0.5), scaled(3, 0.01)
    (20, 1)
    """
    return max(minimum, int(round(n * scale)))
