"""Short-video accounts: ``accounts_daily`` (one row per account per date) and ``posts``.

Each account lives on one platform, has a theme (美妆, 服饰 …) and its own rate profile (completion,
like, comment, share, favorite and follow rates per play). Plays per post are heavy-tailed (a lognormal
body with a few Pareto "viral" posts) and follow the weekday pattern and promotion spikes of
:func:`data.generators.common.day_factors`. A day's row in ``accounts_daily`` is the sum of the posts the
account published that day, and followers are chained: ``followers_t = followers_{t-1} + new_followers_t
- unfollows_t``, starting from the account's opening followers recorded in the truth.

>>> from simulator.core.seeding import family_rng
>>> out = generate(family_rng("demo", 1, "t-1", 1.0, FAMILY), Params())
>>> sorted(out.frames), len(out.frames["accounts_daily"])
(['accounts_daily', 'posts'], 244)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, cast

import numpy as np
import pandas as pd
from faker import Faker
from pydantic import Field, field_validator, model_validator

from data.generators.base import Column, Generated, StrictModel, scaled
from data.generators.common import (
    BRAND_PREFIXES,
    NAMED_PROMOTIONS,
    WEEKDAY_FACTOR,
    Defects,
    Promotion,
    date_range,
    day_factors,
    inject_defects,
    resolve_promotions,
)
from data.generators.profiles import ACCOUNT_TYPE_MIX, ACCOUNT_TYPES
from data.generators.sampling import numbered
from simulator.core.seeding import faker_from

FAMILY = "accounts"
DATASETS = ("accounts_daily", "posts")

# platform → (reach multiplier on plays, multiplier on the favorite rate); other platforms get (1, 1)
PLATFORM_PROFILE: dict[str, tuple[float, float]] = {
    "抖音": (1.0, 1.0), "快手": (0.8, 0.8), "视频号": (0.45, 0.7),
    "小红书": (0.3, 2.5), "微博": (0.35, 0.6), "B站": (0.5, 1.5),
}
# theme → (creator-account name templates, post titles); brand accounts use BRAND_TEMPLATES
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "美妆": (("{nick}美妆笔记", "{nick}的化妆台"),
             ("秋冬干皮底妆教程", "平价口红试色", "新手化妆避坑指南",
              "一周护肤流程分享", "防晒到底怎么选", "空瓶记")),
    "服饰": (("{nick}的穿搭日记", "{nick}穿搭研究所"),
             ("秋冬穿搭一周不重样", "小个子显高穿法", "通勤穿搭模板",
              "羽绒服怎么挑", "158cm微胖穿搭", "基础款叠穿")),
    "食品": (("{nick}的厨房", "吃货{nick}"),
             ("十分钟快手早餐", "办公室零食测评", "螺蛳粉挑战",
              "一人食晚餐", "减脂餐这样吃", "家常红烧肉")),
    "数码": (("{nick}说数码", "{nick}的桌面"),
             ("百元耳机横评", "新手机开箱", "桌面改造计划",
              "充电宝怎么选", "键盘声音对比", "手表续航实测")),
    "家居": (("{nick}的家居好物", "{nick}住进小房子"),
             ("出租屋改造", "收纳神器合集", "租房好物清单",
              "卧室软装分享", "厨房清洁技巧", "极简生活一周")),
    "母婴": (("{nick}育儿日记", "{nick}妈妈的日常"),
             ("宝宝辅食一周", "待产包清单", "纸尿裤测评",
              "新手妈妈必看", "带娃出门装备", "儿童绘本推荐")),
}
BRAND_SHARE = 0.4  # share of accounts that are brand accounts (官方旗舰店)
BRAND_TEMPLATES = ("{brand}{theme}官方旗舰店", "{brand}官方旗舰店", "{brand}{theme}旗舰店")
PROMOTION_POSTING = 0.5  # posts per day × lift ** PROMOTION_POSTING on promotion days
UNFOLLOW_SIGMA = 0.3  # day-to-day lognormal noise (mean 1) on an account's unfollow rate

Unit = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0, le=10**9)]


class Params(StrictModel):
    """Scenario parameters of the accounts family (defaults: 4 accounts, Oct–Nov 2024 with 双11)."""

    start_date: dt.date = Field(dt.date(2024, 10, 1), description="first date")
    days: int = Field(61, ge=1, le=3660, description="number of consecutive dates")
    accounts: int = Field(4, ge=1, le=100000, description="number of accounts (times scale)")
    platforms: list[str] = Field(["抖音", "快手", "视频号", "小红书"], min_length=1,
                                 description="platforms the accounts are spread over")
    posts_per_day_mean: float = Field(1.5, gt=0, le=50, description="mean posts per account per day")
    followers_range: tuple[Count, Count] = Field((3000, 500000), description="opening followers, log-uniform")
    account_types: dict[str, float] = Field(dict(ACCOUNT_TYPE_MIX), description="life stage → share of "
                                            "accounts (growing, mature, declining; profiles.ACCOUNT_TYPES)")
    reach_range: tuple[Unit, Unit] | None = Field(None, description="median plays per post / followers "
                                                  "(default: the account type's band)")
    plays_sigma: float = Field(1.0, ge=0, le=3, description="lognormal sigma of plays per post")
    viral_share: float = Field(0.02, ge=0, le=1, description="share of posts that go viral")
    viral_alpha: float = Field(1.5, gt=0.5, le=10, description="Pareto tail index of the viral boost")
    viral_min: float = Field(5.0, ge=1, le=1000, description="smallest viral multiplier on plays")
    completion_rate: tuple[Unit, Unit] = Field((0.12, 0.45), description="range of completion rates")
    like_rate: tuple[Unit, Unit] = Field((0.015, 0.06), description="range of like rates")
    comment_rate: tuple[Unit, Unit] = Field((0.001, 0.006), description="range of comment rates")
    share_rate: tuple[Unit, Unit] = Field((0.0005, 0.004), description="range of share rates")
    favorite_rate: tuple[Unit, Unit] = Field((0.001, 0.01), description="range of favorite rates")
    follow_rate: tuple[Unit, Unit] | None = Field(None, description="range of new followers per play "
                                                  "(default: the account type's band)")
    unfollow_rate: tuple[Unit, Unit] | None = Field(None, description="range of daily unfollow rates "
                                                    "(default: the account type's churn × expected gains)")
    quality_sigma: float = Field(0.3, ge=0, le=2, description="lognormal sigma of a post's shared appeal")
    rate_sigma: float = Field(0.15, ge=0, le=0.5, description="sd of each rate's own per-post noise")
    promotions: list[Promotion] = Field([Promotion(day="双11", lift=3.0, ramp_days=3)],
                                        description="promotion days with their traffic lift")
    defects: Defects = Field(Defects(), description="defects injected into accounts_daily")

    @field_validator("followers_range", "reach_range", "completion_rate", "like_rate", "comment_rate",
                     "share_rate", "favorite_rate", "follow_rate", "unfollow_rate")
    @classmethod
    def _low_high(cls, pair: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
        if pair is not None and pair[0] > pair[1]:
            raise ValueError("range must be (low, high) with low <= high")
        return pair

    @field_validator("platforms")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names) or not all(n.strip() for n in names):
            raise ValueError("platforms must be distinct, non-empty names")
        return names

    @field_validator("account_types")
    @classmethod
    def _types(cls, mix: dict[str, float]) -> dict[str, float]:
        if set(mix) - set(ACCOUNT_TYPES) or any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
            raise ValueError(f"account_types needs non-negative shares for types among {list(ACCOUNT_TYPES)}")
        return mix

    @model_validator(mode="after")
    def _named_days(self) -> Params:
        for promo in self.promotions:
            if isinstance(promo.day, str) and promo.day not in NAMED_PROMOTIONS:
                known = ", ".join(NAMED_PROMOTIONS)
                raise ValueError(f"unknown promotion {promo.day!r}; use a date or one of {known}")
        return self


RATES = ("completion", "like", "comment", "share", "favorite", "follow")  # order of the posts' count columns

COLUMNS: dict[str, dict[str, Column]] = {
    "accounts_daily": {
        "date": Column("日期", "date", "Calendar date of the row."),
        "account_id": Column("账号ID", "id", "Account identifier, e.g. A01."),
        "account_name": Column("账号名称", "text", "Display name of the account."),
        "platform": Column("平台", "text", "Platform the account publishes on (抖音, 快手, 视频号 …)."),
        "followers": Column("粉丝总数", "count", "Followers at the end of the day."),
        "new_followers": Column("新增粉丝数", "count", "Followers gained that day (from the day's posts)."),
        "unfollows": Column("取关粉丝数", "count", "Followers lost that day."),
        "posts": Column("发布作品数", "count", "Posts published that day."),
        "plays": Column("播放量", "count", "Plays of the posts published that day."),
        "likes": Column("点赞数", "count", "Likes on the posts published that day."),
        "comments": Column("评论数", "count", "Comments on the posts published that day."),
        "shares": Column("分享数", "count", "Shares of the posts published that day."),
        "completions": Column("完播次数", "count", "Plays watched to the end, posts published that day."),
        "favorites": Column("收藏数", "count", "Favorites (saves) of the posts published that day."),
    },
    "posts": {
        "post_id": Column("作品ID", "id", "Post identifier (integer, increasing with publish order)."),
        "account_id": Column("账号ID", "id", "Account that published the post."),
        "publish_date": Column("发布日期", "date", "Date the post was published."),
        "plays": Column("播放量", "count", "Plays of the post."),
        "completions": Column("完播次数", "count", "Plays watched to the end."),
        "likes": Column("点赞数", "count", "Likes on the post."),
        "comments": Column("评论数", "count", "Comments on the post."),
        "shares": Column("分享数", "count", "Shares of the post."),
        "favorites": Column("收藏数", "count", "Favorites (saves) of the post."),
        "new_followers": Column("新增粉丝数", "count", "Followers gained through the post."),
        "title": Column("作品标题", "text", "Post title."),
        "duration_seconds": Column("视频时长", "seconds", "Length of the video in seconds."),
    },
}


@dataclass
class Accounts:
    """Per-account draws (arrays indexed by account)."""

    ids: list[str]
    """Account ids A01, A02 …"""
    names: list[str]
    """Display names, unique."""
    platforms: list[str]
    """Platform of each account."""
    themes: np.ndarray
    """Index into THEMES of each account's theme."""
    types: list[str]
    """Life stage of each account (profiles.ACCOUNT_TYPES)."""
    followers_start: np.ndarray
    """Followers before the first date."""
    median_plays: np.ndarray
    """Median plays per post on a day with factor 1 (before viral boosts)."""
    posts_per_day: np.ndarray
    """Mean posts per day outside promotions."""
    rates: dict[str, np.ndarray]
    """Rate name (RATES and 'unfollow') → each account's true rate."""


def generate(rng: np.random.Generator, params: Params, scale: float = 1.0) -> Generated:
    """Draws accounts, their posts and the daily account report; returns frames and the truth."""
    dates = date_range(params.start_date, params.days)
    factors = day_factors(dates, params.promotions)
    accounts = _draw_accounts(rng, params, scaled(params.accounts, scale), factors)
    counts = _post_counts(rng, accounts, factors / WEEKDAY_FACTOR[dates.dayofweek.to_numpy()])
    posts, cell = _draw_posts(rng, params, accounts, counts, factors, dates)
    daily = _daily(rng, accounts, posts, cell, counts, dates)
    daily, record = _defects(rng, daily, params.defects)
    truth = _truth(params, accounts, dates, factors, record)
    return Generated(frames={"accounts_daily": daily, "posts": posts}, truth=truth)


def _draw_accounts(rng: np.random.Generator, params: Params, n: int, factors: np.ndarray) -> Accounts:
    """Platform, theme, life stage, size and rate profile of ``n`` accounts.

    Every platform and every life stage with a positive share appears once ``n`` allows. Unless the
    scenario sets ``unfollow_rate``, an account's daily unfollow rate is its stage's churn ratio ×
    its expected new followers a day ÷ its opening followers, so growing and mature accounts gain
    followers over the period and declining ones lose them.
    """
    order = np.resize(rng.permutation(len(params.platforms)), n)
    platforms = [params.platforms[i] for i in order]
    reach_mult, fav_mult = np.array([PLATFORM_PROFILE.get(p, (1.0, 1.0)) for p in platforms]).T.reshape(2, n)
    themes = rng.integers(len(THEMES), size=n)
    kinds = [k for k in ACCOUNT_TYPES if params.account_types.get(k, 0) > 0]
    weights = np.array([params.account_types[k] for k in kinds])
    cover = rng.permutation(len(kinds))[:n]
    picks = rng.permutation(np.concatenate([cover, rng.choice(len(kinds), n - cover.size, p=weights / weights.sum())]))
    types = [kinds[i] for i in picks.tolist()]
    profile = [ACCOUNT_TYPES[k] for k in types]
    lo, hi = np.log1p(params.followers_range)
    followers = np.rint(np.expm1(rng.uniform(lo, hi, n))).astype(np.int64)
    reach = _band(rng, params.reach_range, [p.reach for p in profile])
    median_plays = (300 + followers * reach) * reach_mult
    rates = {r: rng.uniform(*cast(tuple[float, float], getattr(params, f"{r}_rate")), n)
             for r in RATES if r != "follow"}
    rates["follow"] = _band(rng, params.follow_rate, [p.follow_rate for p in profile])
    rates["favorite"] = np.minimum(rates["favorite"] * fav_mult, 1.0)
    posts_per_day = params.posts_per_day_mean * rng.uniform(0.7, 1.3, n)
    churn = _band(rng, None, [p.churn for p in profile])
    if params.unfollow_rate is not None:
        rates["unfollow"] = rng.uniform(*params.unfollow_rate, n)
    else:
        gains = posts_per_day * median_plays * _mean_play_multiplier(params) * rates["follow"] * factors.mean()
        rates["unfollow"] = np.minimum(churn * gains / np.maximum(followers, 1), 0.05)
    width = max(2, len(str(n)))
    return Accounts(ids=numbered("A", n, width), names=_account_names(rng, themes),
                    platforms=platforms, themes=themes, types=types, followers_start=followers,
                    median_plays=median_plays, posts_per_day=posts_per_day, rates=rates)


def _band(rng: np.random.Generator, given: tuple[float, float] | None,
          bands: list[tuple[float, float]]) -> np.ndarray:
    """One uniform draw per account within the scenario's range, or else within each account's band."""
    lo, hi = np.array([given] * len(bands) if given is not None else bands, dtype=float).reshape(-1, 2).T
    return rng.uniform(lo, hi)


def _mean_play_multiplier(params: Params) -> float:
    """Mean of plays ÷ median plays: the lognormal body's mean times the viral boost's contribution.

    >>> round(_mean_play_multiplier(Params(plays_sigma=0.0, viral_share=0.0)), 6)
    1.0
    """
    alpha = params.viral_alpha
    viral_mean = params.viral_min * (alpha / (alpha - 1) if alpha > 1.05 else 20.0)
    return float(np.exp(params.plays_sigma**2 / 2) * (1 + params.viral_share * (viral_mean - 1)))


def _account_names(rng: np.random.Generator, themes: np.ndarray) -> list[str]:
    """Brand shops ("<brand>美妆官方旗舰店") and creators ("<nick>的穿搭日记"), made unique.

    >>> names = _account_names(np.random.default_rng(0), np.array([0, 1, 1]))
    >>> len(set(names))
    3
    """
    nicks, brands = _name_pools(faker_from(rng))
    theme_names = list(THEMES)
    n = len(themes)
    is_brand = rng.random(n) < BRAND_SHARE
    brand, nick, tpl = (rng.integers(k, size=n) for k in (len(brands), len(nicks), len(BRAND_TEMPLATES)))
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, theme in enumerate(themes):
        if is_brand[i]:
            name = BRAND_TEMPLATES[tpl[i]].format(brand=brands[brand[i]], theme=theme_names[theme])
        else:
            templates = THEMES[theme_names[theme]][0]
            name = templates[tpl[i] % len(templates)].format(nick=nicks[nick[i]])
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}{seen[name]}")
    return names


def _name_pools(fake: Faker) -> tuple[list[str], list[str]]:
    """Small pools from a seeded Faker: creator nicknames (秀英, 小英, 王老师) and brand words."""
    given = [g for g in (fake.first_name() for _ in range(40)) if len(g) == 2]
    nicks = set(given) | {"小" + g[-1] for g in given[:8]} | {fake.last_name() + "老师" for _ in range(4)}
    brands = set(BRAND_PREFIXES) | {b for b in (fake.company_prefix() for _ in range(12)) if len(b) <= 3}
    return sorted(nicks), sorted(brands)


def _post_counts(rng: np.random.Generator, accounts: Accounts, promo_lift: np.ndarray) -> np.ndarray:
    """Posts per account (rows) per date (columns): Poisson, a little more on promotion days."""
    lam = np.outer(accounts.posts_per_day, promo_lift ** PROMOTION_POSTING)
    return rng.poisson(lam)


def _draw_posts(rng: np.random.Generator, params: Params, accounts: Accounts, counts: np.ndarray,
                factors: np.ndarray, dates: pd.DatetimeIndex) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per post, ordered by publish date then account; ids increase with publish order.

    Also returns each post's flat (account × date) cell index, ``account * days + day``.
    """
    n_acc, days = counts.shape
    key = np.repeat(np.arange(counts.size), counts.T.ravel())
    day, acc = np.divmod(key, n_acc)
    n = key.size
    block = _post_counts_block(rng, params, accounts, acc, accounts.median_plays[acc] * factors[day])
    frame = {"post_id": 7_000_000_000 + int(rng.integers(10**8)) + np.cumsum(rng.integers(1, 40, n)),
             "account_id": pd.Categorical.from_codes(acc, categories=accounts.ids),
             "publish_date": dates.values[day]}
    frame |= dict(zip(list(COLUMNS["posts"])[3:10], block, strict=True))
    frame["title"] = _titles(rng, accounts.themes[acc])
    frame["duration_seconds"] = np.clip(np.rint(rng.lognormal(np.log(35), 0.6, n)), 5, 600).astype(np.int64)
    return pd.DataFrame(frame, copy=False), acc * days + day


def _post_counts_block(rng: np.random.Generator, params: Params, accounts: Accounts, acc: np.ndarray,
                       median: np.ndarray) -> np.ndarray:
    """Rows plays, completions, likes, comments, shares, favorites, new_followers (int64, one column a post).

    Each count is plays × account rate × noise, rounded without bias. Likes, comments, shares, favorites
    and follows share a per-post appeal factor (a liked post is also shared); each rate also has its own
    uniform noise. All noise has mean 1, so pooled ratios (Σlikes / Σplays) estimate the account's rate.
    """
    n = acc.size
    block = np.empty((1 + len(RATES), n), dtype=np.int64)
    block[0] = _plays(rng, params, median)
    quality = _lognormal_mean1(rng, params.quality_sigma, n)
    half_width = np.sqrt(3) * params.rate_sigma  # uniform on 1 ± half_width has sd rate_sigma
    for k, rate in enumerate(RATES, start=1):
        noise = 1 + half_width * (2 * rng.random(n) - 1)
        if rate != "completion":
            noise *= quality
        block[k] = _round_counts(rng, block[0] * np.minimum(accounts.rates[rate][acc] * noise, 1.0))
    return block


def _plays(rng: np.random.Generator, params: Params, median: np.ndarray) -> np.ndarray:
    """Heavy-tailed plays: lognormal body around ``median``, a few viral posts boosted by a Pareto factor.

    >>> p = Params(viral_share=0.0, plays_sigma=0.0)
    >>> _plays(np.random.default_rng(0), p, np.array([1000.0, 2500.0])).tolist()  # no spread: the median
    [1000, 2500]
    """
    body = median * rng.lognormal(0.0, params.plays_sigma, median.size)
    viral = rng.random(median.size) < params.viral_share
    body[viral] *= params.viral_min * (1 + rng.pareto(params.viral_alpha, int(viral.sum())))
    return _round_counts(rng, np.minimum(body, 1e9))


def _round_counts(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    """Unbiased random rounding ⌊x + U⌋: mean exactly x, never above ⌈x⌉, ~15× cheaper than a binomial.

    >>> _round_counts(np.random.default_rng(0), np.array([0.0, 2.0, 7.5])).tolist()
    [0, 2, 7]
    """
    return np.floor(expected + rng.random(expected.size)).astype(np.int64)


def _lognormal_mean1(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """Multiplicative noise with mean exactly 1: exp(N(-sigma²/2, sigma))."""
    return rng.lognormal(-sigma**2 / 2, sigma, n)


def _titles(rng: np.random.Generator, themes: np.ndarray) -> pd.Categorical:
    """A title from the post's theme pool (categorical; no per-row string work)."""
    pools = [titles for _, titles in THEMES.values()]
    k = len(pools[0])
    pool = [t for titles in pools for t in titles]
    return pd.Categorical.from_codes(themes * k + rng.integers(k, size=themes.size), categories=pool)


_SUMMED = ("new_followers", "plays", "likes", "comments", "shares", "completions", "favorites")


def _daily(rng: np.random.Generator, accounts: Accounts, posts: pd.DataFrame, cell: np.ndarray,
           counts: np.ndarray, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The account × date report (account-major): sums of the day's posts, followers chained."""
    n_acc, days = counts.shape
    names = list(COLUMNS["accounts_daily"])[4:]
    block = np.empty((len(names), counts.size), dtype=np.int64)
    for col in _SUMMED:
        block[names.index(col)] = _cell_sum(cell, posts[col].to_numpy(), counts.size)
    new = block[names.index("new_followers")].reshape(counts.shape)
    followers, unfollows = _followers_chain(rng, accounts, new)
    block[names.index("followers")] = followers.ravel()
    block[names.index("unfollows")] = unfollows.ravel()
    block[names.index("posts")] = counts.ravel()
    acc = np.repeat(np.arange(n_acc), days)
    frame = {"date": np.tile(dates.values, n_acc),
             "account_id": pd.Categorical.from_codes(acc, categories=accounts.ids),
             "account_name": pd.Categorical.from_codes(acc, categories=accounts.names),
             "platform": _platform_column(accounts.platforms, acc)}
    return pd.DataFrame(frame | dict(zip(names, block, strict=True)), copy=False)


def _platform_column(platforms: list[str], acc: np.ndarray) -> pd.Categorical:
    """Each row's platform as a categorical (codes per account, no per-row strings)."""
    cats = list(dict.fromkeys(platforms))
    codes = np.array([cats.index(p) for p in platforms], dtype=np.int64)
    return pd.Categorical.from_codes(codes[acc], categories=cats)


def _cell_sum(cell: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of ``values`` per flat cell index ``0 … size-1`` (exact below 2**53).

    >>> _cell_sum(np.array([0, 0, 3]), np.array([2, 5, 1]), 4).tolist()
    [7, 0, 0, 1]
    """
    return np.rint(np.bincount(cell, weights=values, minlength=size)).astype(np.int64)


def _followers_chain(rng: np.random.Generator, accounts: Accounts,
                     new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """End-of-day followers and unfollows: each day a (noisy) share of yesterday's followers leave."""
    days = new.shape[1]
    noise = _lognormal_mean1(rng, UNFOLLOW_SIGMA, new.size).reshape(new.shape)
    daily_rate = np.minimum(accounts.rates["unfollow"][:, None] * noise, 1.0)
    followers = np.empty_like(new)
    unfollows = np.empty_like(new)
    prev = accounts.followers_start
    for t in range(days):
        unfollows[:, t] = _round_counts(rng, prev * daily_rate[:, t])
        prev = followers[:, t] = prev + new[:, t] - unfollows[:, t]
    return followers, unfollows


def _defects(rng: np.random.Generator, daily: pd.DataFrame, defects: Defects) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Applies ``defects`` to accounts_daily (counts stay int64 when there are none)."""
    if defects == Defects():
        return daily, {"duplicates": [], "missing": [], "out_of_range": []}
    numeric = [c for c in COLUMNS["accounts_daily"] if COLUMNS["accounts_daily"][c].unit == "count"]
    return inject_defects(daily, rng, defects, numeric, ["date", "account_id"])


def _truth(params: Params, accounts: Accounts, dates: pd.DatetimeIndex, factors: np.ndarray,
           record: dict[str, Any]) -> dict[str, Any]:
    """Plain-JSON ground truth: account profiles, day factors, promotion lifts, defects."""
    profiles = [
        {"account_id": aid, "account_name": accounts.names[i], "platform": accounts.platforms[i],
         "theme": list(THEMES)[int(accounts.themes[i])], "type": accounts.types[i],
         "followers_start": int(accounts.followers_start[i]),
         "median_plays": float(accounts.median_plays[i]), "posts_per_day": float(accounts.posts_per_day[i]),
         "rates": {r: float(v[i]) for r, v in accounts.rates.items()}}
        for i, aid in enumerate(accounts.ids)
    ]
    lifts = resolve_promotions(params.promotions, dates)
    return {
        "accounts": profiles,
        "weekday_factors": [float(x) for x in WEEKDAY_FACTOR],
        "promotion_lifts": {d.strftime("%Y-%m-%d"): float(v) for d, v in sorted(lifts.items())},
        "promotion_posting_exponent": PROMOTION_POSTING,
        "unfollow_sigma": UNFOLLOW_SIGMA,
        "day_factors": {d.strftime("%Y-%m-%d"): float(f) for d, f in zip(dates, factors, strict=True)},
        "plays": {"sigma": params.plays_sigma, "viral_share": params.viral_share,
                  "viral_alpha": params.viral_alpha, "viral_min": params.viral_min},
        "rate_noise": {"quality_sigma": params.quality_sigma, "quality": "lognormal, mean 1",
                       "rate_sigma": params.rate_sigma, "own": "uniform, mean 1, sd rate_sigma",
                       "shared_by": [r for r in RATES if r != "completion"],
                       "counts": "floor(plays × rate × noise + U), U ~ uniform(0, 1)"},
        "defects": record,
    }
