"""How big a scenario's datasets will be, known before anything is generated.

Row counts follow from the family parameters: days × campaigns × ad groups × creatives for
``ad_delivery``, users × snapshots for ``audience_5a``, sessions × minutes for ``live_minutes`` and so on,
times ``scale``. Counts that depend on random draws (posts, orders, sessions) are estimated from their
means with head-room. ``validate`` (and every load) refuses a scenario over :data:`MAX_ROWS`, and
``generate --scale`` refuses a scale that would go over it, so no request can ask the server for
gigabytes.

>>> from simulator import load_scenario
>>> rows = estimate_rows(load_scenario("l4-traffic-ads"))
>>> rows["ad_delivery"]
1350
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

MAX_ROWS = 3_000_000
"""Rows of all of a scenario's generated datasets together, at the scale asked for (about 1 GiB)."""
MAX_SCALE = 1000.0
"""The largest ``--scale`` accepted at all (the row ceiling usually bites first)."""


def _n(count: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, int(round(count * scale)))


def _rows(estimate: float) -> int:
    """An estimate as a whole number of rows, huge parameters (``daily_budget: [1, 1e300]``) included."""
    return math.ceil(estimate) if math.isfinite(estimate) and estimate < 1e15 else 10**15


def _accounts(p: Any, scale: float) -> dict[str, int]:
    daily = _n(p.accounts, scale) * p.days
    return {"accounts_daily": daily, "posts": _rows(daily * p.posts_per_day_mean * 2)}


def _live(p: Any, scale: float) -> dict[str, int]:
    sessions = _n(p.accounts, scale) * p.days * math.ceil(p.sessions_per_day)
    return {"live_sessions": sessions, "live_traffic": sessions * 6,
            "live_products": sessions * p.products_per_session[1],
            "live_minutes": sessions * p.duration_range[1]}


def _ads(p: Any, scale: float) -> dict[str, int]:
    campaign_days = _n(p.campaigns, scale) * p.days
    per_day = math.sqrt(p.daily_budget[0] * p.daily_budget[1]) * p.roi_range[1] / 50  # orders of ≥ ¥50
    return {"ad_delivery": campaign_days * p.adgroups_per_campaign * p.creatives_per_adgroup,
            "ad_orders": _rows(campaign_days * max(per_day, 10)), "products": _n(p.catalog_size, scale)}


def _audience(p: Any, scale: float) -> dict[str, int]:
    return {"audience_5a": _n(p.users, scale, 10) * p.snapshots}


def _experiment(p: Any, scale: float) -> dict[str, int]:
    return {"experiment": _n(p.users, scale, 10)}


ESTIMATORS: dict[str, Callable[[Any, float], dict[str, int]]] = {
    "accounts": _accounts, "live": _live, "ads": _ads, "audience": _audience, "experiment": _experiment}
"""Family name → rows of each of its datasets for (validated params, scale)."""


def estimate_rows(scenario: Any, scale: float = 1.0) -> dict[str, int]:
    """Dataset name → estimated rows for every family the scenario generates (sourced files excluded)."""
    rows: dict[str, int] = {}
    for family in scenario.needed_families():
        estimator = ESTIMATORS.get(family)
        if estimator is not None:
            rows.update(estimator(scenario.family_params(family), scale))
    return rows


def scale_problem(scale: Any) -> str | None:
    """Why ``scale`` cannot be used (not a number, NaN, infinite, ≤ 0, over :data:`MAX_SCALE`), or None.

    >>> scale_problem(float("nan")), scale_problem(2.0)
    ('--scale must be a positive number (got nan)', None)
    """
    try:
        value = float(scale)
    except (TypeError, ValueError):
        return f"--scale must be a positive number (got {str(scale)[:20]!r})"
    if not math.isfinite(value) or value <= 0:
        return f"--scale must be a positive number (got {value})"
    if value > MAX_SCALE:
        return f"--scale is at most {MAX_SCALE:g} (got {value:g})"
    return None


def size_problem(scenario: Any, scale: float = 1.0) -> str | None:
    """Why generating the scenario at ``scale`` would be too big, or None when it fits the ceiling."""
    rows = estimate_rows(scenario, scale)
    total = sum(rows.values())
    if total <= MAX_ROWS:
        return None
    largest = sorted(rows.items(), key=lambda kv: -kv[1])[:3]
    detail = ", ".join(f"{name} {count:,}" for name, count in largest)
    at = "" if scale == 1 else f" at scale {scale:g}"
    return (f"the datasets would have about {total:,} rows{at} ({detail}); the limit is {MAX_ROWS:,} "
            f"rows: use fewer days, entities or users")
