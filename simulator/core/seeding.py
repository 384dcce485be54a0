"""One place that turns (scenario, trainee, scale, dataset family) into random streams.

Seeds come from SHA-256 over the parts joined by a unit separator, never from Python's ``hash()``
(which is salted per process). The same parts give the same stream on every machine and run.

>>> derive_seed("l4-ads", 7, "t-1", 1.0, "ads") == derive_seed("l4-ads", 7, "t-1", 1.0, "ads")
True
"""

from __future__ import annotations

import hashlib

import numpy as np
from faker import Faker

_SEP = "\x1f"


def derive_seed(*parts: object) -> int:
    """Takes any printable parts; returns a 64-bit seed stable across processes.

    Floats are written with ``repr`` so 1.0 and 1 differ only if the caller passes them differently;
    callers normalise ``scale`` with :func:`scale_token` first.
    """
    text = _SEP.join(repr(p) if isinstance(p, float) else str(p) for p in parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def scale_token(scale: float) -> str:
    """Canonical text for a scale factor: ``scale_token(1) == scale_token(1.0) == '1'``."""
    return format(float(scale), ".12g")


def family_rng(scenario_id: str, scenario_seed: int, trainee_id: str, scale: float,
               family: str, attempt: int = 0) -> np.random.Generator:
    """The one generator a dataset family draws all its randomness from.

    ``attempt`` > 0 gives the deterministic re-draws ``simulator.assessment.datasets`` makes when a draw leaves a
    task without a robust key (attempt 0 is the first draw, and its stream is unchanged).
    """
    parts: tuple[object, ...] = (scenario_id, scenario_seed, trainee_id, scale_token(scale), family)
    seed = derive_seed(*parts, f"redraw {attempt}") if attempt else derive_seed(*parts)
    return np.random.default_rng(seed)


def faker_from(rng: np.random.Generator, locale: str = "zh_CN") -> Faker:
    """A Faker seeded from ``rng`` (so names follow the same determinism); use for small pools only."""
    fake = Faker(locale)
    fake.seed_instance(int(rng.integers(0, 2**63 - 1)))
    return fake
