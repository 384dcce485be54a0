"""Shared pools and helpers for the generators: product catalogue, dates, promotions, defects.

All randomness comes from the ``rng`` passed in; nothing here keeps state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from data.generators.base import StrictModel
from data.generators.sampling import numbered

# category → (typical price range in yuan, gross-margin range, curated item nouns)
CATEGORIES: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[str, ...]]] = {
    "美妆": ((39, 399), (0.55, 0.75), ("保湿精华液", "氨基酸洗面奶", "哑光口红", "防晒乳", "补水面膜", "气垫粉底")),
    "服饰": ((59, 599), (0.45, 0.65), ("纯棉T恤", "羽绒服", "阔腿裤", "针织开衫", "运动卫衣", "连衣裙")),
    "食品": ((9.9, 129), (0.25, 0.45), ("每日坚果", "螺蛳粉", "低糖燕麦片", "牛肉干", "挂耳咖啡", "果干礼盒")),
    "数码": ((49, 2999), (0.12, 0.30), ("蓝牙耳机", "充电宝", "机械键盘", "智能手表", "手机支架", "移动硬盘")),
    "家居": ((19, 899), (0.35, 0.55), ("四件套", "收纳箱", "香薰蜡烛", "乳胶枕", "厨房置物架", "地毯")),
    "母婴": ((29, 499), (0.30, 0.50), ("婴儿湿巾", "纸尿裤", "儿童水杯", "辅食机", "婴儿推车", "爬行垫")),
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
    return factor


def product_catalog(rng: np.random.Generator, n: int, categories: list[str] | None = None) -> pd.DataFrame:
    """``n`` products with names, category, list price and unit cost (price × (1 − margin)).

    Prices are log-uniform in the category's range and rounded the way shops price things (…9.9, …9);
    names join a brand prefix and one of the category's item nouns.
    """
    cats = list(categories or CATEGORIES)
    chosen = rng.choice(len(cats), size=n)
    (lo, hi), (mlo, mhi) = (np.array([CATEGORIES[c][part] for c in cats]).T[:, chosen] for part in (0, 1))
    price = shop_price(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    margin = rng.uniform(mlo, mhi)
    brand = rng.integers(len(BRAND_PREFIXES), size=n)
    noun = rng.integers(np.array([len(CATEGORIES[c][2]) for c in cats])[chosen])
    names = [f"{BRAND_PREFIXES[b]}{CATEGORIES[cats[c]][2][k]}"
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


def inject_defects(df: pd.DataFrame, rng: np.random.Generator, defects: Defects,
                   numeric_cols: list[str], key_cols: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Injects duplicates, blank cells and impossible (negative) values; returns the frame and a record.

    The record lists row keys and columns touched, so instructors can see exactly what was planted.
    Duplicated rows are inserted right after their original; blanks and negatives avoid key columns.
    """
    out = df.copy()
    record: dict[str, Any] = {"duplicates": [], "missing": [], "out_of_range": []}
    n = len(out)
    if n == 0 or not (defects.duplicates or defects.missing or defects.out_of_range):
        return out, record
    cols = [c for c in numeric_cols if c not in key_cols]
    cells = rng.choice(n * len(cols), size=min(n * len(cols), defects.missing + defects.out_of_range),
                       replace=False)
    touched = sorted({cols[int(c) % len(cols)] for c in cells})
    if touched:
        out[touched] = out[touched].astype("float64")
    for k, cell in enumerate(cells):
        row, col = divmod(int(cell), len(cols))
        where = {c: _plain(out.iloc[row][c]) for c in key_cols} | {"column": cols[col]}
        if k < defects.missing:
            out.iat[row, out.columns.get_loc(cols[col])] = np.nan
            record["missing"].append(where)
        else:
            value = out.iat[row, out.columns.get_loc(cols[col])]
            out.iat[row, out.columns.get_loc(cols[col])] = -abs(value) - 1
            record["out_of_range"].append(where)
    dup_rows = np.sort(rng.choice(n, size=min(n, defects.duplicates), replace=False))
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
