"""Livestream rooms as 抖音电商罗盘 reports them: sessions, traffic sources, products, minute curves.

A few accounts go live most evenings. Each account has a size, a main category and its own rate profile
(viewers per view, product exposure, click, click→buy, interaction, follow, refund rates, average watch
time and traffic-source mix); each session draws its rates around the profile (Beta, mean exactly the
profile). The funnel is nested binomials, so ``views ≥ viewers ≥ product_exposure_users ≥
product_click_users ≥ buyers`` by construction. Buyers, clickers and exposures are spread over the
session's products so that every product keeps ``exposure ≥ click ≥ buyers`` and ``orders ≥ buyers``;
session orders, gmv and refunds are the sums over its products (money computed in whole fen). Traffic
sources split the views with a multinomial. The minute curves (rise, peak, decay, bumps for 福袋/秒杀)
come first: views are Σ entries, ``peak_online`` is the highest online and ``watch_seconds`` is
60 × Σ online, so 平均在线 = watch_seconds / 60 / duration_min agrees with the curve.

>>> from simulator.core.seeding import family_rng
>>> out = generate(family_rng("demo", 1, "t-1", 1.0, FAMILY), Params())
>>> sorted(out.frames), len(out.frames["live_sessions"])
(['live_minutes', 'live_products', 'live_sessions', 'live_traffic'], 80)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, cast

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from data.generators.base import Column, Generated, StrictModel, scaled
from data.generators.common import (
    BRAND_PREFIXES,
    CATEGORIES,
    NAMED_PROMOTIONS,
    Defects,
    Promotion,
    date_range,
    day_factors,
    inject_defects,
    product_catalog,
    resolve_promotions,
)
from data.generators.profiles import CATEGORY_PROFILES, LIVE_TYPE_MIX, LIVE_TYPES
from data.generators.sampling import (
    binomial,
    categorical,
    code_dtype,
    multinomial,
    numbered,
    poisson,
    uniform16,
)

FAMILY = "live"
DATASETS = ("live_sessions", "live_traffic", "live_products", "live_minutes")
SOURCES = ("推荐feed", "千川付费", "关注", "短视频引流", "搜索", "其他")
RATES = ("viewer_ratio", "exposure_rate", "product_ctr", "click_to_buy", "interaction_rate", "follow_rate",
         "refund_rate")
ROOM_SUFFIXES = ("直播间", "官方旗舰店", "好物甄选", "严选", "工厂店", "旗舰店直播")
CROSS_CLICK = 0.5  # extra products clicked per clicker (besides the one that drew the click)
PRICE_ELASTICITY = 0.5  # a product's share of buyers ∝ price ** -PRICE_ELASTICITY × popularity
DURATION_EXPONENT = 0.6  # views ∝ (duration / typical duration) ** DURATION_EXPONENT
MAX_BUMPS = 4  # 福袋 / 秒杀 bumps per minute curve (each present with probability 0.7)

Unit = Annotated[float, Field(ge=0, le=1)]


def _ordered(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    """``pair`` unchanged if it reads (low, high); else a ValueError."""
    if pair[0] > pair[1]:
        raise ValueError("range must be (low, high) with low <= high")
    return pair


_RANGE_TOPS = {"duration_range": 720, "products_per_session": 200, "avg_watch_seconds": 3600}


class Params(StrictModel):
    """Scenario parameters of the live family (defaults: 3 accounts, 30 evenings around 双11 2024)."""

    start_date: dt.date = Field(dt.date(2024, 10, 20), description="first date")
    days: int = Field(30, ge=1, le=3660, description="number of consecutive dates")
    accounts: int = Field(3, ge=1, le=100000, description="number of live accounts (times scale)")
    sessions_per_day: float = Field(0.9, gt=0, le=3, description="mean sessions per account per day")
    duration_range: tuple[int, int] = Field((60, 240), description="session minutes (≤ 240: no overlaps)")
    views_median: float = Field(15000, gt=0, le=1e8, description="median views of a session on a plain day")
    views_sigma: float = Field(0.6, ge=0, le=3, description="lognormal sigma of views session to session")
    account_size_sigma: float = Field(0.8, ge=0, le=3, description="lognormal sigma of account sizes")
    products_per_session: tuple[int, int] = Field((5, 20), description="range of products per session")
    catalog_size: int = Field(80, ge=1, le=5000, description="products in the shops' shared catalogue")
    categories: list[str] = Field(list(CATEGORIES), min_length=1, description="product categories used")
    live_types: dict[str, float] = Field(dict(LIVE_TYPE_MIX),
                                         description="room type → share of accounts (profiles.LIVE_TYPES)")
    viewer_ratio: tuple[Unit, Unit] | None = Field(None, description="range of viewers / views "
                                                   "(default: the room type's band)")
    exposure_rate: tuple[Unit, Unit] | None = Field(None, description="range of exposure users / viewers "
                                                    "(default: the room type's band)")
    product_ctr: tuple[Unit, Unit] | None = Field(None, description="range of click users / exposure users "
                                                  "(default: the main category's band)")
    click_to_buy: tuple[Unit, Unit] | None = Field(None, description="range of buyers / click users "
                                                   "(default: the main category's band)")
    interaction_rate: tuple[Unit, Unit] | None = Field(None, description="range of interacting / viewers "
                                                       "(default: the room type's band)")
    follow_rate: tuple[Unit, Unit] | None = Field(None, description="range of new followers / viewers "
                                                  "(default: the room type's band)")
    refund_rate: tuple[Unit, Unit] | None = Field(None, description="range of refunded orders / orders "
                                                  "(default: each product category's band)")
    avg_watch_seconds: tuple[float, float] | None = Field(None, description="range of mean watch seconds "
                                                          "(default: the room type's band)")
    rate_cv: float = Field(0.12, ge=0, le=1, description="session sd of a rate / min(rate, 1 - rate)")
    cross_buy_rate: float = Field(0.15, ge=0, le=1, description="extra products bought per buyer")
    repeat_order_rate: float = Field(0.08, ge=0, le=1, description="extra orders per buyer of a product")
    source_mix: dict[str, float] = Field(
        {"推荐feed": 0.45, "千川付费": 0.2, "关注": 0.12, "短视频引流": 0.13, "搜索": 0.05, "其他": 0.05},
        description="mean share of views per traffic source")
    account_mix_concentration: float = Field(40, gt=0, le=1e7, description="source mix spread, accounts")
    session_mix_concentration: float = Field(150, gt=0, le=1e7, description="source mix spread, sessions")
    promotions: list[Promotion] = Field([Promotion(day="双11", lift=2.5, ramp_days=2)],
                                        description="promotion days with their lift on views")
    defects: Defects = Field(Defects(), description="defects injected into live_sessions")

    @field_validator(*RATES, "duration_range", "products_per_session", "avg_watch_seconds")
    @classmethod
    def _range(cls, pair: tuple[Any, Any] | None, info: ValidationInfo) -> tuple[Any, Any] | None:
        if pair is None:
            return None
        top = _RANGE_TOPS.get(info.field_name or "")
        if top is not None and (pair[0] <= 0 or pair[1] > top):
            raise ValueError(f"must be positive and at most {top}")
        return _ordered(pair)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, names: list[str]) -> list[str]:
        unknown = [c for c in names if c not in CATEGORIES]
        if unknown or len(set(names)) != len(names):
            raise ValueError(f"categories must be distinct names from {list(CATEGORIES)}")
        return names

    @field_validator("live_types")
    @classmethod
    def _types(cls, mix: dict[str, float]) -> dict[str, float]:
        if any(s not in LIVE_TYPES for s in mix) or any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
            raise ValueError(f"live_types needs non-negative shares for types among {list(LIVE_TYPES)}")
        return mix

    @field_validator("source_mix")
    @classmethod
    def _mix(cls, mix: dict[str, float]) -> dict[str, float]:
        if any(s not in SOURCES for s in mix) or any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
            raise ValueError(f"source_mix needs non-negative shares for sources among {list(SOURCES)}")
        return mix

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.products_per_session[1] > self.catalog_size:
            raise ValueError("products_per_session high end exceeds catalog_size")
        for promo in self.promotions:
            if isinstance(promo.day, str) and promo.day not in NAMED_PROMOTIONS:
                raise ValueError(f"unknown promotion {promo.day!r}; use a date or {list(NAMED_PROMOTIONS)}")
        return self


_ID = Column("直播场次ID", "id", "Livestream session identifier, e.g. S0001.")
COLUMNS: dict[str, dict[str, Column]] = {
    "live_sessions": {
        "session_id": _ID,
        "account_id": Column("账号ID", "id", "Account that hosted the session, e.g. A01."),
        "account_name": Column("账号名称", "text", "Display name of the live room's account."),
        "start_time": Column("开播时间", "datetime", "When the session started."),
        "duration_min": Column("直播时长(分钟)", "minutes", "Length of the session in minutes."),
        "views": Column("观看次数", "count", "Entries into the room (PV, 场观)."),
        "viewers": Column("累计观看人数", "count", "Distinct users who entered the room (UV)."),
        "peak_online": Column("最高在线人数", "count", "Highest concurrent viewers in any minute."),
        "watch_seconds": Column("总观看时长(秒)", "seconds", "Total seconds watched by all viewers."),
        "new_followers": Column("新增粉丝数", "count", "Viewers who followed the account in the session."),
        "interacting_users": Column("互动人数", "count", "Viewers who liked, commented or shared."),
        "product_exposure_users": Column("商品曝光人数", "count", "Viewers who saw at least one product."),
        "product_click_users": Column("商品点击人数", "count", "Viewers who clicked at least one product."),
        "buyers": Column("成交人数", "count", "Distinct users who paid for at least one order."),
        "orders": Column("成交订单数", "count", "Paid orders (sum over the session's products)."),
        "gmv": Column("成交金额", "money", "Paid amount in yuan (sum over the session's products)."),
        "refunds": Column("退款金额", "money", "Refunded amount in yuan (at most the gmv)."),
    },
    "live_traffic": {
        "session_id": _ID,
        "source": Column("流量来源", "text", "Traffic channel (推荐feed, 千川付费, 关注, 搜索 …)."),
        "views": Column("观看次数", "count", "Entries into the room from this source; sources sum to views."),
    },
    "live_products": {
        "session_id": _ID,
        "product_id": Column("商品ID", "id", "Product identifier, e.g. P0001."),
        "product_name": Column("商品名称", "text", "Product title."),
        "category": Column("商品类目", "text", "Product category (美妆, 服饰, 食品 …)."),
        "price": Column("商品价格", "money", "Selling price in yuan."),
        "exposure_users": Column("商品曝光人数", "count", "Viewers who saw this product."),
        "click_users": Column("商品点击人数", "count", "Viewers who clicked this product."),
        "buyers": Column("成交人数", "count", "Distinct users who bought this product."),
        "orders": Column("成交订单数", "count", "Paid orders of this product."),
        "gmv": Column("成交金额", "money", "orders × price, in yuan."),
        "refunds": Column("退款金额", "money", "Refunded amount of this product's orders, yuan; products sum "
                                          "to the session's refunds."),
    },
    "live_minutes": {
        "session_id": _ID,
        "minute": Column("开播分钟", "minutes", "Minutes since the start (0 = first minute)."),
        "online": Column("在线人数", "count", "Concurrent viewers during that minute."),
        "entries": Column("进入人次", "count", "Entries into the room that minute; they sum to views."),
    },
}


@dataclass
class Accounts:
    """Per-account draws (arrays indexed by account)."""

    ids: list[str]
    """Account ids A01, A02 …"""
    names: list[str]
    """Display names of the live rooms, unique."""
    category: list[str]
    """Main category each account sells."""
    room_type: list[str]
    """Room type of each account (profiles.LIVE_TYPES)."""
    size: np.ndarray
    """Multiplier on views (lognormal, median 1)."""
    duration: np.ndarray
    """Typical session length in minutes."""
    rates: dict[str, np.ndarray]
    """Rate name (RATES and 'avg_watch_seconds') → each account's true value."""
    mix: np.ndarray
    """Traffic-source shares, accounts × active sources."""


@dataclass
class Sessions:
    """Per-session draws, in session order (by start time)."""

    acc: np.ndarray
    """Account index of each session."""
    start: np.ndarray
    """Start time, datetime64[ns]."""
    duration: np.ndarray
    """Length in minutes (int64)."""
    counts: dict[str, np.ndarray]
    """Session totals by name: expected_views, then the funnel, minute totals, orders and sums in fen."""
    rates: dict[str, np.ndarray]
    """Each session's drawn rates."""


def generate(rng: np.random.Generator, params: Params, scale: float = 1.0) -> Generated:
    """Draws accounts, sessions, products, traffic and minute curves; returns frames and the truth."""
    dates = date_range(params.start_date, params.days)
    factors = day_factors(dates, params.promotions)
    sources = [s for s in SOURCES if params.source_mix.get(s, 0) > 0]
    accounts = _draw_accounts(rng, params, scaled(params.accounts, scale), sources)
    catalog = product_catalog(rng, params.catalog_size, params.categories)
    sessions = _draw_sessions(rng, params, accounts, dates, factors)
    ids = _session_ids(len(sessions.acc))
    session_dtype = pd.CategoricalDtype(np.array(ids, dtype=object))
    minutes = _minutes(rng, params, sessions, accounts, session_dtype)
    products = _products(rng, params, sessions, accounts, catalog, session_dtype)
    traffic = _traffic(rng, params, sessions, accounts, sources, session_dtype)
    main, record = _defects(rng, _session_frame(sessions, accounts, session_dtype.categories.to_numpy()),
                            params.defects)
    frames = dict(zip(DATASETS, (main, traffic, products, minutes), strict=True))
    return Generated(frames=frames, truth=_truth(params, accounts, sources, dates, factors, record))


def _draw_accounts(rng: np.random.Generator, params: Params, n: int, sources: list[str]) -> Accounts:
    """Size, category, typical duration, rate profile and source mix of ``n`` accounts."""
    cover = rng.permutation(len(params.categories))[:min(n, len(params.categories))]
    picks = np.concatenate([cover, rng.integers(len(params.categories), size=n - cover.size)])
    category = [params.categories[i] for i in picks.tolist()]
    kinds = [k for k, w in params.live_types.items() if w > 0]
    weights = np.array([params.live_types[k] for k in kinds])
    room_type = [kinds[i] for i in rng.choice(len(kinds), size=n, p=weights / weights.sum())]
    rates = {r: _band_draw(rng, getattr(params, r), [_profile_band(r, c, k) for c, k in
                                                      zip(category, room_type, strict=True)])
             for r in (*RATES, "avg_watch_seconds")}
    mean_mix = np.array([params.source_mix[s] for s in sources]) / sum(params.source_mix.values())
    mix = rng.gamma(params.account_mix_concentration * np.tile(mean_mix, (n, 1)))
    width = max(2, len(str(n)))
    return Accounts(ids=numbered("A", n, width), names=_room_names(rng, category),
                    category=category, room_type=room_type, size=rng.lognormal(0.0, params.account_size_sigma, n),
                    duration=rng.uniform(*params.duration_range, n), rates=rates,
                    mix=mix / mix.sum(axis=1, keepdims=True))


_CATEGORY_RATES = {"product_ctr": "live_ctr", "click_to_buy": "live_click_to_buy", "refund_rate": "refund"}


def _profile_band(rate: str, category: str, room_type: str) -> tuple[float, float]:
    """The profile band of ``rate`` for an account: category-driven rates from its main category, the
    others from its room type."""
    if rate in _CATEGORY_RATES:
        return cast(tuple[float, float], getattr(CATEGORY_PROFILES[category], _CATEGORY_RATES[rate]))
    return cast(tuple[float, float], getattr(LIVE_TYPES[room_type], rate))


def _band_draw(rng: np.random.Generator, given: tuple[float, float] | None,
               bands: list[tuple[float, float]]) -> np.ndarray:
    """One uniform draw per account within the scenario's range, or else within each account's band."""
    lo, hi = np.array([given] * len(bands) if given is not None else bands, dtype=float).reshape(-1, 2).T
    return rng.uniform(lo, hi)


def _room_names(rng: np.random.Generator, category: list[str]) -> list[str]:
    """Unique room names "<brand><category><suffix>", e.g. 悦享美妆直播间.

    >>> _room_names(np.random.default_rng(0), ["美妆", "美妆"])[0].startswith(BRAND_PREFIXES)
    True
    """
    brand = rng.integers(len(BRAND_PREFIXES), size=len(category))
    suffix = rng.integers(len(ROOM_SUFFIXES), size=len(category))
    names: list[str] = []
    seen: dict[str, int] = {}
    for b, c, s in zip(brand, category, suffix, strict=True):
        name = f"{BRAND_PREFIXES[b]}{c}{ROOM_SUFFIXES[s]}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}{seen[name]}号")
    return names


def _draw_sessions(rng: np.random.Generator, params: Params, accounts: Accounts, dates: pd.DatetimeIndex,
                   factors: np.ndarray) -> Sessions:
    """Schedule (evening first, then afternoon, morning), durations and expected views, by start time."""
    n_acc, days = len(accounts.ids), len(dates)
    whole, frac = divmod(params.sessions_per_day, 1.0)
    per_cell = int(whole) + (rng.random(n_acc * days) < frac)
    cell = np.repeat(np.arange(n_acc * days), per_cell)
    slot = np.arange(cell.size) - np.repeat(np.cumsum(per_cell) - per_cell, per_cell)
    acc, day = np.divmod(cell, days)
    minutes = _start_minutes(rng, slot, np.repeat(per_cell == 1, per_cell))
    start = dates.values[day] + minutes.astype("timedelta64[m]")
    order = np.lexsort((acc, start))
    acc, day, start = acc[order], day[order], start[order].astype("datetime64[ns]")
    lo, hi = params.duration_range
    duration = np.clip(np.rint(accounts.duration[acc] * rng.lognormal(0, 0.2, acc.size)), lo, hi)
    duration = duration.astype(np.int64)
    base = params.views_median * accounts.size[acc] * factors[day]
    base *= (duration / accounts.duration[acc]) ** DURATION_EXPONENT
    base *= rng.lognormal(0, params.views_sigma, acc.size)
    return Sessions(acc=acc, start=start, duration=duration, counts={"expected_views": np.maximum(base, 100)},
                    rates={})


def _start_minutes(rng: np.random.Generator, slot: np.ndarray, alone: np.ndarray) -> np.ndarray:
    """Minutes after midnight: slot 0 at 19:00–22:00 (15% of lone sessions noon–18:00), slot 1 at
    13:00–14:30, slot 2 at 8:00–8:30, so an account's sessions of up to 240 minutes never overlap.

    Starts fall on the half hour, a third of them nudged by ±5–10 minutes.
    """
    n = slot.size
    evening = 19 * 60 + 30 * rng.integers(0, 7, n)
    daytime = 12 * 60 + 30 * rng.integers(0, 13, n)
    afternoon = 13 * 60 + 30 * rng.integers(0, 4, n)
    morning = 8 * 60 + 30 * rng.integers(0, 2, n)
    first = np.where(alone & (rng.random(n) < 0.15), daytime, evening)
    minutes = np.select([slot == 0, slot == 1], [first, afternoon], morning)
    nudge = np.where(rng.random(n) < 1 / 3, 5 * rng.choice([-2, -1, 1, 2], n), 0)
    return minutes + nudge


def beta_concentration(mean: np.ndarray, cv: float) -> np.ndarray:
    """κ of a Beta(κ·mean, κ·(1−mean)) whose sd is ``cv × min(mean, 1 − mean)`` (κ at least 2).

    >>> beta_concentration(np.array([0.1, 0.9]), 0.15).round(1).tolist()
    [399.0, 399.0]
    """
    m = np.clip(mean, 1e-9, 1 - 1e-9)
    return cast(np.ndarray, np.maximum(np.maximum(m, 1 - m) / (np.minimum(m, 1 - m) * max(cv, 1e-6) ** 2) - 1, 2.0))


def _beta_around(rng: np.random.Generator, mean: np.ndarray, cv: float) -> np.ndarray:
    """Per-session rates with mean exactly ``mean`` and spread ``cv`` (see beta_concentration)."""
    m, kappa = np.clip(mean, 1e-9, 1 - 1e-9), beta_concentration(mean, cv)
    draw = rng.beta(kappa * m, kappa * (1 - m)) if cv > 0 else m
    return np.where(mean <= 0, 0.0, np.where(mean >= 1, 1.0, draw))


def _funnel(rng: np.random.Generator, params: Params, sessions: Sessions, accounts: Accounts,
            views: np.ndarray) -> None:
    """Nested binomials views → viewers → exposure → click → buyers; interaction and follows of viewers."""
    acc = sessions.acc
    rates = {r: _beta_around(rng, accounts.rates[r][acc], params.rate_cv) for r in RATES}
    c = {"views": views, "viewers": rng.binomial(views, rates["viewer_ratio"])}
    c["product_exposure_users"] = rng.binomial(c["viewers"], rates["exposure_rate"])
    c["product_click_users"] = rng.binomial(c["product_exposure_users"], rates["product_ctr"])
    c["buyers"] = rng.binomial(c["product_click_users"], rates["click_to_buy"])
    c["interacting_users"] = rng.binomial(c["viewers"], rates["interaction_rate"])
    c["new_followers"] = rng.binomial(c["viewers"], rates["follow_rate"])
    watch = accounts.rates["avg_watch_seconds"][acc] * rng.lognormal(-0.02, 0.2, acc.size)
    c["online_minutes"] = c["viewers"] * watch / 60
    sessions.counts |= c
    sessions.rates = rates


def _session_ids(n: int) -> list[str]:
    """``S0001`` … in start-time order (width grows past 9999 sessions)."""
    return numbered("S", n, max(4, len(str(n))))


def _pick_products(rng: np.random.Generator, params: Params, sessions: Sessions, accounts: Accounts,
                   catalog: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each session's products (sessions × max products) and which of them it uses; mostly own category."""
    n, size = sessions.acc.size, len(catalog)
    own = catalog["category"].to_numpy()[None, :] == np.array(accounts.category, dtype=object)[:, None]
    # sort keys U + 0.7 × (other category) on a 2**15 grid: 16-bit keys sort by radix, several times faster
    keys = uniform16(rng, (n, size)) >> 1
    keys += np.where(own, np.uint16(0), np.uint16(round(0.7 * 2**15)))[sessions.acc]
    lo, hi = params.products_per_session
    picked = np.argsort(keys, axis=1, kind="stable")[:, :hi]
    used = np.arange(hi)[None, :] < rng.integers(lo, hi + 1, n)[:, None]
    return picked, used


def _spread_over_products(rng: np.random.Generator, params: Params, total: dict[str, np.ndarray],
                          weight: np.ndarray, used: np.ndarray) -> dict[str, np.ndarray]:
    """Per-product users and orders (flat, session by session) with exposure ≥ click ≥ buyers ≤ orders.

    Each buyer has one main product (multinomial on ``weight``, sessions × products); buyers of other
    products add this one with probability ∝ its weight. Clickers likewise, and every buyer of a
    product clicked it. Exposure adds a weight-dependent share of the session's other exposed users.
    """
    count = used.sum(axis=1)
    main_buy = multinomial(rng, total["buyers"], weight)[used]
    main_click = main_buy + multinomial(rng, total["product_click_users"] - total["buyers"], weight)[used]
    w = weight[used]
    other = np.divide(w, 1 - w, out=np.zeros_like(w), where=w < 1)
    cross_buy = binomial(rng, np.repeat(total["buyers"], count) - main_buy,
                         np.minimum(params.cross_buy_rate * other, 1))
    rest = np.repeat(total["product_click_users"], count) - main_click - cross_buy
    clicks = main_click + cross_buy + binomial(rng, rest, np.minimum(CROSS_CLICK * other, 1))
    buyers = main_buy + cross_buy
    seen = 0.3 + 0.6 * np.sqrt(w / np.repeat(weight.max(axis=1), count))
    exposure = clicks + binomial(rng, np.repeat(total["product_exposure_users"], count) - clicks, seen)
    orders = buyers + poisson(rng, buyers * params.repeat_order_rate)
    return {"exposure_users": exposure, "click_users": clicks, "buyers": buyers, "orders": orders}


def _group_sum(values: np.ndarray, count: np.ndarray, ufunc: np.ufunc = np.add,
               dtype: Any = None) -> np.ndarray:
    """Sums (or other ``ufunc`` reductions) of consecutive groups of ``count`` values (every count ≥ 1).

    >>> _group_sum(np.array([1, 2, 3, 4]), np.array([3, 1])).tolist()
    [6, 4]
    """
    if values.size == 0:
        return np.zeros(count.size, dtype=dtype or values.dtype)
    return ufunc.reduceat(values, np.cumsum(count) - count, dtype=dtype)


def _products(rng: np.random.Generator, params: Params, sessions: Sessions, accounts: Accounts,
              catalog: pd.DataFrame, session_dtype: pd.CategoricalDtype) -> pd.DataFrame:
    """``live_products`` rows; also stores the session's orders, gmv_fen and refund_fen in ``sessions``."""
    picked, used = _pick_products(rng, params, sessions, accounts, catalog)
    count, pid = used.sum(axis=1), picked[used]
    price = catalog["price"].to_numpy()
    fen = np.rint(price * 100).astype(np.int64)[pid]
    weight = np.zeros(picked.shape)
    weight[used] = rng.lognormal(0, 1.0, pid.size) * (price[pid] / np.median(price)) ** -PRICE_ELASTICITY
    weight /= weight.sum(axis=1, keepdims=True)
    per = _spread_over_products(rng, params, sessions.counts, weight, used)
    refunded = binomial(rng, per["orders"], _refund_probability(params, sessions, accounts, catalog, pid, count))
    sessions.counts["orders"] = _group_sum(per["orders"], count)
    sessions.counts["gmv_fen"] = _group_sum(per["orders"] * fen, count)
    sessions.counts["refund_fen"] = _group_sum(refunded * fen, count)
    frame = {"session_id": categorical(_session_codes(count, session_dtype), session_dtype)}
    for col in ("product_id", "product_name", "category"):
        labels = pd.Categorical(catalog[col])
        frame[col] = categorical(labels.codes[pid], labels.dtype)
    frame["price"] = price[pid]
    frame |= per
    frame["gmv"] = per["orders"] * fen / 100
    frame["refunds"] = refunded * fen / 100
    return pd.DataFrame(frame, copy=False)


def _refund_probability(params: Params, sessions: Sessions, accounts: Accounts, catalog: pd.DataFrame,
                        pid: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per product row: the session's refund rate, moved into the product category's band.

    With the scenario's own ``refund_rate`` range every product of a session shares the session's rate.
    Otherwise a session's position within its account's main-category band carries over to each
    product's category band (a room that refunds more than typical does so for every category).
    """
    rate = np.repeat(sessions.rates["refund_rate"], count)
    if params.refund_rate is not None:
        return rate
    bands = {c: CATEGORY_PROFILES[c].refund for c in set(accounts.category) | set(catalog["category"])}
    own = np.array([bands[c] for c in accounts.category])[np.repeat(sessions.acc, count)]
    cats = catalog["category"].to_numpy()
    target = np.array([bands[c] for c in cats])[pid]
    position = (rate - own[:, 0]) / (own[:, 1] - own[:, 0])
    return cast(np.ndarray, np.clip(target[:, 0] + position * (target[:, 1] - target[:, 0]), 0.0, 1.0))


def _session_codes(count: np.ndarray, session_dtype: pd.CategoricalDtype) -> np.ndarray:
    """Session code of each row when session i has ``count[i]`` consecutive rows."""
    return np.repeat(np.arange(count.size, dtype=code_dtype(len(session_dtype.categories))), count)


def _traffic(rng: np.random.Generator, params: Params, sessions: Sessions, accounts: Accounts,
             sources: list[str], session_dtype: pd.CategoricalDtype) -> pd.DataFrame:
    """``live_traffic``: one row per session × active source; a session's rows sum to its views."""
    shares = rng.gamma(params.session_mix_concentration * accounts.mix[sessions.acc])
    shares /= shares.sum(axis=1, keepdims=True)
    views = multinomial(rng, sessions.counts["views"], shares)
    n, k = views.shape
    return pd.DataFrame({
        "session_id": categorical(_session_codes(np.full(n, k), session_dtype), session_dtype),
        "source": categorical(np.tile(np.arange(k, dtype=np.int8), n), sources),
        "views": views.ravel(),
    }, copy=False)


def _curve_weights(rng: np.random.Generator, duration: np.ndarray,
                   t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-minute weights (float32) of online viewers and of entries for all sessions at once.

    Online rises over the first minutes, peaks at 10–45% of the session, decays, carries up to
    MAX_BUMPS bell-shaped bumps (福袋, 秒杀) and dips over the last minutes; entries lead the online curve.
    Computed in place on float32 arrays (minutes can be millions).
    """
    n, k = duration.size, MAX_BUMPS
    per_session = np.concatenate([
        [1 / rng.uniform(3, 12, n), rng.uniform(0.1, 0.45, n) * duration,
         1 / (rng.uniform(0.6, 2.0, n) * duration), duration, 1 / rng.uniform(2, 8, n)],
        rng.uniform(0.15, 0.95, (k, n)) * duration,
        rng.uniform(0.1, 0.6, (k, n)) * (rng.random((k, n)) < 0.7)]).astype(np.float32)
    inv_rise, peak, inv_decay, length, inv_width, *bump = np.repeat(per_session, duration, axis=1)
    tf = t.astype(np.float32)
    early = _exp_of_product(tf + 1, -inv_rise)  # exp(−(t + 1) / rise)
    shape = _exp_of_product(np.maximum(np.subtract(tf, peak, out=peak), 0, out=peak), -inv_decay)
    shape *= 1 - early
    shape *= _bumps(tf, bump[:k], bump[k:], inv_width)
    length -= tf
    length /= 6
    shape *= np.clip(length, 0.35, 1, out=length)
    levels = np.frombuffer(rng.bytes(2 * t.size), dtype=np.uint8).reshape(2, -1)  # 256-level jitter
    shape *= _jitter(levels[0], 0.95, 1.05)
    early *= 1.5
    early += 1
    early *= shape
    early *= _jitter(levels[1], 0.85, 1.15)
    return shape, early


def _exp_of_product(x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """exp(x × factor), computed in ``x``."""
    x *= factor
    return cast(np.ndarray, np.exp(x, out=x))


def _bumps(tf: np.ndarray, centres: list[np.ndarray], heights: list[np.ndarray],
           inv_width: np.ndarray) -> np.ndarray:
    """1 + Σ height / (1 + ((t − centre) / width)²) per minute (``centres`` and ``heights`` are reused)."""
    total = np.ones_like(tf)
    for centre, height in zip(centres, heights, strict=True):
        z = np.subtract(tf, centre, out=centre)
        z *= inv_width
        z *= z
        z += 1
        total += np.divide(height, z, out=height)
    return total


def _jitter(levels: np.ndarray, low: float, high: float) -> np.ndarray:
    """Multipliers evenly spread over [low, high] from random byte ``levels`` (float32).

    >>> [round(float(x), 3) for x in _jitter(np.array([0, 255], dtype=np.uint8), 0.9, 1.1)]
    [0.9, 1.1]
    """
    out = levels * np.float32((high - low) / 255)
    out += np.float32(low)
    return out


def _scale_to(total: np.ndarray, weight: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Whole numbers per minute following ``weight``, summing to about each session's ``total``.

    >>> _scale_to(np.array([10.0, 3.0]), np.array([1., 1., 2., 1.]), np.array([3, 1])).tolist()
    [2, 2, 5, 3]
    """
    per_unit = total / np.maximum(_group_sum(weight, duration, dtype=np.float64), 1e-12)
    return cast(np.ndarray, np.rint(weight * np.repeat(per_unit, duration)).astype(np.int64))


def _minutes(rng: np.random.Generator, params: Params, sessions: Sessions, accounts: Accounts,
             session_dtype: pd.CategoricalDtype) -> pd.DataFrame:
    """``live_minutes`` for all sessions at once, and the session totals that follow from it.

    Views are Σ entries; then the funnel runs; then the online curve is scaled to viewers × watch time,
    so ``watch_seconds`` = 60 × Σ online and ``peak_online`` = max online.
    """
    duration = sessions.duration
    t = np.arange(duration.sum()) - np.repeat(np.cumsum(duration) - duration, duration)
    online_w, entries_w = _curve_weights(rng, duration, t)
    entries = _scale_to(sessions.counts["expected_views"], entries_w, duration)
    _funnel(rng, params, sessions, accounts, _group_sum(entries, duration))
    online = _scale_to(sessions.counts["online_minutes"], online_w, duration)
    sessions.counts["watch_seconds"] = 60 * _group_sum(online, duration)
    sessions.counts["peak_online"] = _group_sum(online, duration, np.maximum)
    session_id = categorical(_session_codes(duration, session_dtype), session_dtype)
    return pd.DataFrame({"session_id": session_id, "minute": t, "online": online, "entries": entries}, copy=False)


def _session_frame(sessions: Sessions, accounts: Accounts, ids: np.ndarray) -> pd.DataFrame:
    """``live_sessions`` in start-time order."""
    c = sessions.counts
    frame: dict[str, Any] = {
        "session_id": ids,
        "account_id": pd.Categorical.from_codes(sessions.acc, categories=accounts.ids),
        "account_name": pd.Categorical.from_codes(sessions.acc, categories=accounts.names),
        "start_time": sessions.start, "duration_min": sessions.duration,
    }
    frame |= {k: c[k].astype(np.int64) for k in COLUMNS["live_sessions"] if k in c}
    frame["gmv"], frame["refunds"] = c["gmv_fen"] / 100, c["refund_fen"] / 100
    return pd.DataFrame({k: frame[k] for k in COLUMNS["live_sessions"]}, copy=False)


def _defects(rng: np.random.Generator, frame: pd.DataFrame, defects: Defects) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Applies ``defects`` to live_sessions (counts stay int64 when there are none)."""
    if defects == Defects():
        return frame, {"duplicates": [], "missing": [], "out_of_range": []}
    cols = COLUMNS["live_sessions"]
    numeric = [c for c in cols if cols[c].unit in ("count", "money", "seconds")]
    return inject_defects(frame, rng, defects, numeric, ["session_id"])


def _truth(params: Params, accounts: Accounts, sources: list[str], dates: pd.DatetimeIndex,
           factors: np.ndarray, record: dict[str, Any]) -> dict[str, Any]:
    """Plain-JSON ground truth: source mix, account profiles, promotion lifts, day factors, defects."""
    total = sum(params.source_mix.values())
    profiles = [
        {"account_id": aid, "account_name": accounts.names[i], "category": accounts.category[i],
         "room_type": accounts.room_type[i],
         "size": float(accounts.size[i]), "typical_duration_min": float(accounts.duration[i]),
         "rates": {r: float(v[i]) for r, v in accounts.rates.items()},
         "source_mix": {s: float(accounts.mix[i, k]) for k, s in enumerate(sources)}}
        for i, aid in enumerate(accounts.ids)
    ]
    lifts = resolve_promotions(params.promotions, dates)
    return {
        "source_mix": {s: params.source_mix[s] / total for s in sources},
        "accounts": profiles,
        "rate_cv": params.rate_cv, "views_median": params.views_median, "views_sigma": params.views_sigma,
        "account_mix_concentration": params.account_mix_concentration,
        "session_mix_concentration": params.session_mix_concentration,
        "cross_buy_rate": params.cross_buy_rate, "repeat_order_rate": params.repeat_order_rate,
        "promotion_lifts": {d.strftime("%Y-%m-%d"): float(v) for d, v in sorted(lifts.items())},
        "day_factors": {d.strftime("%Y-%m-%d"): float(f) for d, f in zip(dates, factors, strict=True)},
        "defects": record,
    }
