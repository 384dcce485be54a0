"""Shared pools and helpers for the generators: product catalogue, dates, promotions, defects.

All randomness comes from the ``rng`` passed in; nothing here keeps state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import numpy as np
import pandas as pd
from pydantic import Field

from data.generators.base import StrictModel
from data.generators.profiles import CATEGORY_PROFILES
from data.generators.sampling import numbered

# category → (whole price range in yuan, gross-margin range, item nouns), from the calibrated profiles
# (each item has its own price band there: see data.generators.profiles.CATEGORY_PROFILES)
CATEGORIES: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[str, ...]]] = {
    name: ((min(lo for _, lo, _ in p.items), max(hi for _, _, hi in p.items)), p.margin,
           tuple(noun for noun, _, _ in p.items))
    for name, p in CATEGORY_PROFILES.items()
}
BRAND_PREFIXES = ("悦享", "初木", "极光", "山野", "小满", "青禾", "元气", "拾光", "简居", "星河", "暖阳", "鹿角")

# Named promotion days (month, day) for the Chinese e-commerce calendar.
NAMED_PROMOTIONS = {"618": (6, 18), "双11": (11, 11), "双12": (12, 12), "年货节": (1, 10), "38节": (3, 8)}

WEEKDAY_FACTOR = np.array([0.95, 0.93, 0.96, 0.98, 1.04, 1.10, 1.06])  # Monday … Sunday


class Promotion(StrictModel):
    """A promotion day: a date, or a name from the calendar (618, 双11, 双12, 年货节, 38节)."""

    day: dt.date | str
    lift: float = Field(2.5, gt=0, le=20, description="multiplier on traffic that day")
    ramp_days: int = Field(2, ge=0, le=14, description="days before it with a gentler lift (预热)")


class Defects(StrictModel):
    """Data-quality defects to inject into a family's main dataset (for L4/6.2.1 tasks)."""

    duplicates: int = Field(0, ge=0, le=10000, description="rows repeated exactly")
    missing: int = Field(0, ge=0, le=10000, description="numeric cells blanked")
    out_of_range: int = Field(0, ge=0, le=10000, description="numeric cells made negative or impossible")
    spread: float = Field(0.0, ge=0, le=1, description="each count drawn per trainee within ±spread × count")
    above_whole: float = Field(0.0, ge=0, le=1, description="share of out-of-range cells planted as a part "
                               "above its whole (完播次数 > 播放量) instead of a negative")


# part column → the column it is part of in the same row (an above-whole defect breaks exactly one)
PART_OF: dict[str, str] = {"clicks": "impressions", "completions": "plays", "viewers": "views",
                           "product_click_users": "product_exposure_users", "conversions": "clicks",
                           "refunds": "gmv"}


def date_range(start: dt.date, days: int) -> pd.DatetimeIndex:
    """``days`` consecutive dates from ``start``."""
    return pd.date_range(pd.Timestamp(start), periods=days, freq="D")


def resolve_promotions(promotions: list[Promotion], dates: pd.DatetimeIndex) -> dict[pd.Timestamp, float]:
    """Each promotion's day within ``dates`` → lift, including ramp days (lift shrinking towards 1).

    Named days resolve to every year the range covers.
    """
    lifts: dict[pd.Timestamp, float] = {}
    years = sorted(set(dates.year))
    for promo in promotions:
        if isinstance(promo.day, str):
            month, day = NAMED_PROMOTIONS[promo.day]
            days = [pd.Timestamp(year=y, month=month, day=day) for y in years]
        else:
            days = [pd.Timestamp(promo.day)]
        for peak in days:
            for back in range(promo.ramp_days + 1):
                when = peak - pd.Timedelta(days=back)
                lift = 1 + (promo.lift - 1) * (1 - back / (promo.ramp_days + 1))
                lifts[when] = max(lifts.get(when, 1.0), lift)
    return {d: v for d, v in lifts.items() if d in dates}


def day_factors(dates: pd.DatetimeIndex, promotions: list[Promotion]) -> np.ndarray:
    """Weekday × promotion multiplier per date (weekends higher, promotion days spiking)."""
    factor = WEEKDAY_FACTOR[dates.dayofweek.to_numpy()].copy()
    lifts = resolve_promotions(promotions, dates)
    for i, d in enumerate(dates):
        factor[i] *= lifts.get(d, 1.0)
    return cast(np.ndarray, factor)


def product_catalog(rng: np.random.Generator, n: int, categories: list[str] | None = None) -> pd.DataFrame:
    """``n`` products with names, category, list price and unit cost (price × (1 − margin)).

    Every category appears once ``n`` reaches their number. Each product is one of its category's items
    and is priced log-uniformly within that item's own band (a 手机支架 is not priced like a 智能手表),
    rounded the way shops price things (…9.9, …9); names join a brand prefix and the item noun.
    """
    cats = list(categories or CATEGORIES)
    cover = rng.permutation(len(cats))[:min(n, len(cats))]
    chosen = rng.permutation(np.concatenate([cover, rng.choice(len(cats), size=n - cover.size)]))
    items = [CATEGORY_PROFILES[c].items for c in cats]
    noun = rng.integers(np.array([len(i) for i in items])[chosen])
    lo, hi = np.array([[items[c][k][1], items[c][k][2]] for c, k in zip(chosen.tolist(), noun.tolist(),
                                                                      strict=True)]).reshape(-1, 2).T
    price = shop_price(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    mlo, mhi = np.array([CATEGORY_PROFILES[c].margin for c in cats]).T[:, chosen]
    margin = rng.uniform(mlo, mhi)
    brand = rng.integers(len(BRAND_PREFIXES), size=n)
    names = [f"{BRAND_PREFIXES[b]}{items[c][k][0]}"
             for b, c, k in zip(brand.tolist(), chosen.tolist(), noun.tolist(), strict=True)]
    return pd.DataFrame({
        "product_id": numbered("P", n, 4),
        "product_name": _dedupe(names),
        "category": [cats[c] for c in chosen.tolist()],
        "price": price,
        "unit_cost": np.round(price * (1 - margin), 2),
    })


def shop_price(x: np.ndarray) -> np.ndarray:
    """Round prices to shop style: below 100 → x9.9; else → …9.

    >>> shop_price(np.array([23.4, 151.0])).tolist()
    [29.9, 159.0]
    """
    x = np.asarray(x, dtype=float)
    small = np.floor(x / 10) * 10 + 9.9
    big = np.floor(x / 10) * 10 + 9
    return np.round(np.where(x < 100, small, big), 2)


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}{seen[name]}号")
    return out


def defect_counts(rng: np.random.Generator, defects: Defects) -> tuple[int, int, int]:
    """Duplicates, missing and out-of-range counts for this trainee: as given, or drawn within ±spread.

    >>> defect_counts(np.random.default_rng(0), Defects(duplicates=4, missing=3))
    (4, 3, 0)
    """
    counts = (defects.duplicates, defects.missing, defects.out_of_range)
    if not defects.spread:
        return counts
    drawn = [int(rng.integers(max(0, round(n * (1 - defects.spread))), round(n * (1 + defects.spread)) + 1))
             if n else 0 for n in counts]
    return drawn[0], drawn[1], drawn[2]


def inject_defects(df: pd.DataFrame, rng: np.random.Generator, defects: Defects,
                   numeric_cols: list[str], key_cols: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Injects duplicates, blank cells and impossible values; returns the frame and a record.

    Impossible values are negatives, or (a share ``above_whole`` of them) a part pushed above its whole
    in the same row (:data:`PART_OF`, e.g. completions > plays), planted in rows no other defect
    touches so exactly one cell is wrong. The record lists row keys and columns touched (with the
    kind of an impossible value), so instructors can see exactly what was planted. Duplicated rows
    are inserted right after their original; blanks and impossible values avoid key columns.
    """
    out = df.copy()
    record: dict[str, Any] = {"duplicates": [], "missing": [], "out_of_range": []}
    n = len(out)
    n_dup, n_missing, n_bad = defect_counts(rng, defects)
    if n == 0 or not (n_dup or n_missing or n_bad):
        return out, record
    cols = [c for c in numeric_cols if c not in key_cols]
    parts = [c for c in cols if PART_OF.get(c) in out.columns]
    n_above = int(round(n_bad * defects.above_whole)) if parts else 0
    cells = rng.choice(n * len(cols), size=min(n * len(cols), n_missing + n_bad - n_above), replace=False)
    free = np.setdiff1d(np.arange(n), np.asarray(cells, dtype=np.int64) // len(cols))
    above_rows = rng.choice(free, size=min(n_above, free.size), replace=False)
    above_cols = [parts[int(k)] for k in rng.integers(len(parts), size=above_rows.size)] if parts else []
    touched = sorted({cols[int(c) % len(cols)] for c in cells} | set(above_cols))
    if touched:
        out[touched] = out[touched].astype("float64")
    for k, cell in enumerate(cells):
        row, col = divmod(int(cell), len(cols))
        where = {c: _plain(out.iloc[row][c]) for c in key_cols} | {"column": cols[col]}
        if k < n_missing:
            out.iat[row, out.columns.get_loc(cols[col])] = np.nan
            record["missing"].append(where)
        else:
            value = out.iat[row, out.columns.get_loc(cols[col])]
            out.iat[row, out.columns.get_loc(cols[col])] = -abs(value) - 1
            record["out_of_range"].append(where | {"kind": "negative"})
    extra = rng.integers(1, 50, above_rows.size)
    for row, part, plus in zip(above_rows.tolist(), above_cols, extra.tolist(), strict=True):
        whole = out.iat[row, out.columns.get_loc(PART_OF[part])]
        out.iat[row, out.columns.get_loc(part)] = whole + plus
        record["out_of_range"].append({c: _plain(out.iloc[row][c]) for c in key_cols}
                                      | {"column": part, "kind": f"above {PART_OF[part]}"})
    dup_rows = np.sort(rng.choice(n, size=min(n, n_dup), replace=False))
    for row in dup_rows:
        record["duplicates"].append({c: _plain(out.iloc[int(row)][c]) for c in key_cols})
    order = np.concatenate([np.arange(n), dup_rows]).astype(float)
    order[n:] += 0.5
    out = pd.concat([out, out.iloc[dup_rows]]).iloc[np.argsort(order, kind="stable")]
    return out.reset_index(drop=True), record


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        return value.item()
    return value
