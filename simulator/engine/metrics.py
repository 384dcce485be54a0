"""Every metric of ``reference/metrics.md`` once, by canonical name, plus the misconception variants.

A metric is a ratio of weighted column sums times a factor; a plain sum has no denominator.
Ratios over a group are always computed from the group's sums, never as a mean of row ratios
(:func:`mean_of_ratios` computes that trap on purpose, so the checker can recognise it).

>>> df = pd.DataFrame({"impressions": [50000, 25000], "clicks": [2500, 3000]})
>>> round(compute("ctr", df), 6)
0.073333

Columns that differ by dataset are resolved through :data:`COLUMN_ALIASES`: ``live_products`` has
``exposure_users``/``click_users`` where ``live_sessions`` has ``product_exposure_users``/
``product_click_users``; :func:`compute` accepts either.

Week periods (:func:`simulator.engine.frames.add_period`) are labelled by their Monday date, ``"2024-11-04"``; months as
``"2024-11"``; days as ``"2024-11-11"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from simulator.core.i18n import Msg, msg
from simulator.engine import grouping
from simulator.engine.frames import add_period, date_column

Unit = Literal["ratio", "money", "count", "seconds", "multiple"]

PRECISION: dict[str, int] = {"ratio": 4, "money": 2, "count": 0, "seconds": 1, "multiple": 2}
"""Default display decimals per unit (ratio: decimals of the fraction, i.e. 2 decimals as a percent)."""


@dataclass(frozen=True)
class Metric:
    """One metric: ``factor × Σ numerator / Σ denominator`` (or ``factor × Σ numerator``)."""

    name: str
    """Canonical name (``ctr``)."""
    zh: str
    """Chinese label (点击率)."""
    en: str
    """English label (Click-through rate)."""
    unit: Unit
    """ratio (fraction), money (yuan), count, seconds, or multiple (ROI-like, x times)."""
    precision: int
    """Display decimals in canonical units (ratios: of the fraction, so 4 → 3.45%)."""
    numerator: dict[str, float]
    """Column → coefficient, summed: net_roi ``{"gmv": 1, "refunds": -1}``."""
    denominator: dict[str, float] | None
    """Column → coefficient, or None for a plain sum."""
    factor: float = 1.0
    """Multiplier: cpm/gpm 1000, avg_online 1/60."""
    datasets: tuple[str, ...] = ()
    """Datasets that carry the columns (after :func:`simulator.engine.frames.frame_for`)."""

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the metric reads, numerator first."""
        cols = list(self.numerator) + [c for c in (self.denominator or {}) if c not in self.numerator]
        return tuple(cols)

    @property
    def is_sum(self) -> bool:
        """True for plain sums (no denominator): these add up across groups."""
        return self.denominator is None

    def label(self, lang: str | None = "zh") -> str:
        """The label in ``lang`` (zh default)."""
        return self.en if (lang or "zh").lower().startswith("en") else self.zh


_AD = ("ad_delivery",)
_LIVE = ("live_sessions",)
_LIVE_BOTH = ("live_sessions", "live_products")
_SOCIAL = ("posts", "accounts_daily")
_ALL_GMV = ("ad_delivery", "live_sessions", "live_products")


def _m(name: str, zh: str, en: str, unit: Unit, num: dict[str, float] | str,
       den: dict[str, float] | str | None = None, factor: float = 1.0,
       datasets: tuple[str, ...] = (), precision: int | None = None) -> Metric:
    numerator = {num: 1.0} if isinstance(num, str) else num
    denominator = {den: 1.0} if isinstance(den, str) else den
    return Metric(name, zh, en, unit, PRECISION[unit] if precision is None else precision,
                  numerator, denominator, factor, datasets)


_DEFINITIONS: tuple[Metric, ...] = (
    # plain sums
    _m("cost", "消耗", "Cost", "money", "cost", datasets=_AD),
    _m("impressions", "展示数", "Impressions", "count", "impressions", datasets=_AD),
    _m("clicks", "点击数", "Clicks", "count", "clicks", datasets=_AD),
    _m("conversions", "转化数", "Conversions", "count", "conversions", datasets=_AD),
    _m("orders", "订单数", "Orders", "count", "orders", datasets=_ALL_GMV),
    _m("gmv", "成交金额", "GMV", "money", "gmv", datasets=_ALL_GMV),
    _m("refunds", "退款金额", "Refunds", "money", "refunds", datasets=("ad_delivery", "live_sessions")),
    _m("signed_gmv", "签收金额", "Signed-for GMV", "money", "signed_gmv", datasets=_AD),
    _m("signed_orders", "签收订单数", "Signed-for orders", "count", "signed_orders", datasets=_AD),
    _m("views", "观看次数", "Views (PV)", "count", "views", datasets=("live_sessions", "live_traffic")),
    _m("viewers", "累计观看人数", "Viewers (UV)", "count", "viewers", datasets=_LIVE),
    _m("buyers", "成交人数", "Buyers", "count", "buyers", datasets=_LIVE_BOTH),
    _m("watch_seconds", "观看总时长(秒)", "Total watch seconds", "seconds", "watch_seconds",
       datasets=_LIVE, precision=0),
    _m("interacting_users", "互动人数", "Interacting users", "count", "interacting_users", datasets=_LIVE),
    _m("product_exposure_users", "商品曝光人数", "Product-exposure users", "count",
       "product_exposure_users", datasets=_LIVE_BOTH),
    _m("product_click_users", "商品点击人数", "Product-click users", "count", "product_click_users",
       datasets=_LIVE_BOTH),
    _m("plays", "播放量", "Plays", "count", "plays", datasets=_SOCIAL),
    _m("completions", "完播次数", "Completions", "count", "completions", datasets=_SOCIAL),
    _m("likes", "点赞数", "Likes", "count", "likes", datasets=_SOCIAL),
    _m("comments", "评论数", "Comments", "count", "comments", datasets=_SOCIAL),
    _m("shares", "分享数", "Shares", "count", "shares", datasets=_SOCIAL),
    _m("favorites", "收藏数", "Favourites", "count", "favorites", datasets=_SOCIAL),
    _m("new_followers", "新增粉丝数", "New followers", "count", "new_followers",
       datasets=("accounts_daily", "posts", "live_sessions")),
    _m("unfollows", "取关数", "Unfollows", "count", "unfollows", datasets=("accounts_daily",)),
    _m("posts", "发布作品数", "Posts published", "count", "posts", datasets=("accounts_daily",)),
    _m("net_follower_gain", "净增粉", "Net follower gain", "count", {"new_followers": 1, "unfollows": -1},
       datasets=("accounts_daily",)),
    # ad delivery
    _m("ctr", "点击率", "Click-through rate (CTR)", "ratio", "clicks", "impressions", datasets=_AD),
    _m("cpm", "平均千次展示费用", "Cost per mille (CPM)", "money", "cost", "impressions", 1000, _AD),
    _m("cpc", "平均点击单价", "Cost per click (CPC)", "money", "cost", "clicks", datasets=_AD),
    _m("cvr", "转化率", "Conversion rate (CVR)", "ratio", "conversions", "clicks", datasets=_AD),
    _m("cpa", "转化成本", "Cost per conversion (CPA)", "money", "cost", "conversions", datasets=_AD),
    _m("roi", "支付ROI", "ROI (paid GMV / cost)", "multiple", "gmv", "cost", datasets=_AD),
    _m("net_roi", "净成交ROI", "Net ROI ((GMV − refunds) / cost)", "multiple",
       {"gmv": 1, "refunds": -1}, "cost", datasets=_AD),
    _m("signed_roi", "签收ROI", "Signed-for ROI", "multiple", "signed_gmv", "cost", datasets=_AD),
    # livestream
    _m("gpm", "千次观看成交金额", "GMV per mille views (GPM)", "money", "gmv", "views", 1000, _LIVE),
    _m("uv_value", "UV价值", "GMV per viewer (UV value)", "money", "gmv", "viewers", datasets=_LIVE),
    _m("avg_order_value", "客单价", "Average order value (per buyer)", "money", "gmv", "buyers",
       datasets=_LIVE_BOTH),
    _m("avg_watch_seconds", "人均观看时长(秒)", "Average watch time (s)", "seconds", "watch_seconds",
       "viewers", datasets=_LIVE),
    _m("avg_online", "平均在线人数", "Average concurrent viewers", "count", "watch_seconds",
       "duration_min", 1 / 60, _LIVE, precision=1),
    _m("follow_rate", "转粉率", "Follow rate (new followers / viewers)", "ratio", "new_followers",
       "viewers", datasets=_LIVE),
    _m("interaction_rate", "观看-互动率", "Interaction rate (interacting users / viewers)", "ratio",
       "interacting_users", "viewers", datasets=_LIVE),
    _m("product_ctr", "商品曝光-点击率", "Product click-through rate", "ratio", "product_click_users",
       "product_exposure_users", datasets=_LIVE_BOTH),
    _m("click_to_buy_rate", "商品点击-成交率", "Click-to-buy rate", "ratio", "buyers",
       "product_click_users", datasets=_LIVE_BOTH),
    _m("watch_to_buy_rate", "观看-成交率", "Watch-to-buy rate", "ratio", "buyers", "viewers", datasets=_LIVE),
    _m("refund_rate", "退款金额占比", "Refund rate (refunds / GMV)", "ratio", "refunds", "gmv",
       datasets=("ad_delivery", "live_sessions")),
    # short video / account
    _m("completion_rate", "完播率", "Completion rate", "ratio", "completions", "plays", datasets=_SOCIAL),
    _m("like_rate", "点赞率", "Like rate", "ratio", "likes", "plays", datasets=_SOCIAL),
    _m("comment_rate", "评论率", "Comment rate", "ratio", "comments", "plays", datasets=_SOCIAL),
    _m("share_rate", "分享率", "Share rate", "ratio", "shares", "plays", datasets=_SOCIAL),
    _m("engagement_rate", "互动率", "Engagement rate ((likes + comments + shares) / plays)", "ratio",
       {"likes": 1, "comments": 1, "shares": 1}, "plays", datasets=_SOCIAL),
    _m("play_follow_rate", "播转粉率", "Play-to-follow rate", "ratio", "new_followers", "plays",
       datasets=_SOCIAL),
)

METRICS: dict[str, Metric] = {m.name: m for m in _DEFINITIONS}
"""Canonical name → :class:`Metric`."""

COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "live_products": {"product_exposure_users": "exposure_users", "product_click_users": "click_users"},
    "posts": {"favorites": "favourites"},
}
"""Dataset → {canonical metric column: the dataset's own column} where they differ."""


class MetricError(KeyError):
    """An unknown metric, or a frame lacking a column the metric needs."""


def get(name: str) -> Metric:
    """The metric called ``name``; :class:`MetricError` when unknown."""
    try:
        return METRICS[name]
    except KeyError:
        raise MetricError(f"unknown metric {name!r}") from None


def resolve_column(df: pd.DataFrame, column: str, dataset: str | None = None) -> str:
    """The column of ``df`` holding metric column ``column`` (its alias in ``dataset`` or any dataset).

    >>> resolve_column(pd.DataFrame({"exposure_users": [1]}), "product_exposure_users")
    'exposure_users'
    """
    if column in df.columns:
        return column
    tables = [COLUMN_ALIASES.get(dataset, {})] if dataset else list(COLUMN_ALIASES.values())
    for aliases in tables:
        alias = aliases.get(column)
        if alias is not None and alias in df.columns:
            return alias
    raise MetricError(f"column {column!r} not in frame (columns: {list(df.columns)})")


def column_values(df: pd.DataFrame, column: str, dataset: str | None = None) -> np.ndarray:
    """Metric column ``column`` (alias resolved) as float64, text that is not a number as NaN."""
    return grouping.numbers(df[resolve_column(df, column, dataset)])


def column_sums(df: pd.DataFrame, columns: tuple[str, ...] | list[str],
                dataset: str | None = None) -> dict[str, float]:
    """NaN-skipping sums of ``columns`` (aliases resolved), keyed by canonical column."""
    return {c: grouping.nansum(column_values(df, c, dataset)) for c in columns}


def _combine(weights: Mapping[str, float], sums: Mapping[str, Any]) -> Any:
    total: Any = 0.0
    for column, coef in weights.items():
        total = total + coef * sums[column]
    return total


def formula_from_sums(metric: Metric, sums: Mapping[str, Any]) -> Any:
    """``metric`` from sums (floats or aligned Series); a zero denominator gives NaN."""
    num = _combine(metric.numerator, sums)
    if metric.denominator is None:
        return num * metric.factor
    den = _combine(metric.denominator, sums)
    if isinstance(den, pd.Series):
        return (num * metric.factor / den.where(den != 0)).astype(float)
    if isinstance(den, np.ndarray):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den != 0, num * metric.factor / np.where(den != 0, den, 1.0), np.nan)
    return float("nan") if den == 0 or den != den else float(num) * metric.factor / float(den)


def compute_from_sums(name: str, sums: Mapping[str, float]) -> float:
    """The metric from column sums.

    >>> compute_from_sums("cpm", {"cost": 5000, "impressions": 200000})
    25.0
    """
    return float(formula_from_sums(get(name), sums))


def compute(name: str, df: pd.DataFrame, dataset: str | None = None) -> float:
    """The metric over all rows of ``df``: ratio of sums, NaN cells skipped, zero denominator → NaN."""
    metric = get(name)
    return float(formula_from_sums(metric, column_sums(df, metric.columns, dataset)))


def group_sums(df: pd.DataFrame, groups: grouping.Groups, columns: list[str],
               dataset: str | None = None) -> dict[str, np.ndarray]:
    """Per-group sums of metric columns (aliases resolved), all in one pass, keyed by canonical column."""
    return groups.sums({c: column_values(df, c, dataset) for c in dict.fromkeys(columns)})


def group_values(df: pd.DataFrame, groups: grouping.Groups, formulas: list[Metric],
                 dataset: str | None = None, sums: Mapping[str, np.ndarray] | None = None) -> list[np.ndarray]:
    """Each formula (a metric or a variant's formula) per group of ``groups``, from the group's sums.

    Columns shared by several formulas are summed once; ``sums`` (from :func:`group_sums`) saves the pass.
    """
    if sums is None:
        sums = group_sums(df, groups, [c for m in formulas for c in m.columns], dataset)
    return [np.asarray(formula_from_sums(m, sums), dtype=float) for m in formulas]


def table(df: pd.DataFrame, by: list[str], metrics: list[str], dataset: str | None = None) -> pd.DataFrame:
    """Grouped report: ``by`` columns then one column per metric, ratios from group sums, sorted by ``by``.

    With ``by == []`` the result is one row over all of ``df``. Group columns keep their dtype
    (dates stay datetime; see :func:`json_records` for JSON-ready rows). Empty groups are dropped;
    rows whose group key is missing form a group of their own (last).
    """
    defs = [get(m) for m in metrics]
    if not by:
        sums = column_sums(df, list(dict.fromkeys(c for m in defs for c in m.columns)), dataset)
        return pd.DataFrame([{m.name: float(formula_from_sums(m, sums)) for m in defs}], columns=metrics)
    groups = grouping.group_rows(df, list(by))
    values = group_values(df, groups, defs, dataset)
    return keyed(groups.keys, dict(zip(metrics, values, strict=True)))


def keyed(keys: pd.DataFrame, values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Group key columns then value columns, as one frame (built at once: cheaper than ``assign``)."""
    return pd.DataFrame({**{c: keys[c] for c in keys.columns}, **values})


def period_means(df: pd.DataFrame, by: list[str], names: list[str], period: str,
                 date_col: str | None = None, dataset: str | None = None,
                 groups: grouping.Groups | None = None) -> pd.DataFrame:
    """The trap for several metrics at once: per ``by`` group, the plain mean of its per-period ratios.

    ``by`` columns (groups with a missing key left out) then one column per metric; with ``by == []``
    one row. ``period`` as in :func:`mean_of_ratios`. Periods whose ratio is undefined are skipped.
    ``groups`` may hand in ``df``'s grouping by ``by`` when the caller has it.
    """
    if period not in df.columns:
        df = add_period(df, date_col or date_column(df, MetricError), period)  # type: ignore[arg-type]
    fine = grouping.group_rows(df, list(by) + [period])
    ratios = group_values(df, fine, [get(n) for n in names], dataset)
    if not by:
        return pd.DataFrame([{n: grouping.nanmean(r) for n, r in zip(names, ratios, strict=True)}],
                            columns=names)
    coarse = (groups if groups is not None else grouping.group_rows(df, list(by))).dropna()
    means = grouping.aggregate(fine.parent(coarse), coarse.size, dict(zip(names, ratios, strict=True)), "mean")
    return keyed(coarse.keys, means)


def mean_of_ratios(df: pd.DataFrame, name: str, by: list[str] | None, period: str,
                   date_col: str | None = None, dataset: str | None = None) -> float | pd.Series:
    """The trap: the plain mean of per-period ratios (e.g. the mean of daily CTRs).

    ``period`` is a column of ``df`` or one of day/week/month (then ``date_col``, default the first
    of date/publish_date/start_time/snapshot_date/assigned_date, is bucketed with :func:`add_period`).
    Returns a float, or a Series indexed by ``by`` when ``by`` is given. Periods whose ratio is
    undefined (zero denominator) are skipped.
    """
    means = period_means(df, list(by or []), [name], period, date_col, dataset)
    if not by:
        return float(means[name].iloc[0])
    index = pd.MultiIndex.from_frame(means[list(by)]) if len(by) > 1 else pd.Index(means[by[0]])
    return pd.Series(means[name].to_numpy(), index=index, name=name)


def breakeven_roi(price: float, unit_cost: float, shipping: float = 0.0, fee_rate: float = 0.0,
                  return_rate: float = 0.0) -> float:
    """保本ROI = 1 / gross margin rate, or 1 / (margin × (1 − return rate)) when returns count.

    Margin rate = (price − unit_cost − shipping − price × fee_rate) / price; a margin ≤ 0 gives inf.

    >>> round(breakeven_roi(100, 40, shipping=8, fee_rate=0.05), 4)
    2.1277
    >>> round(breakeven_roi(100, 50, return_rate=0.10), 4)
    2.2222
    """
    if price <= 0:
        raise ValueError("price must be positive")
    margin = (price - unit_cost - shipping - price * fee_rate) / price * (1 - return_rate)
    return math.inf if margin <= 0 else 1 / margin


def round_to(name: str, value: float) -> float:
    """``value`` rounded to the metric's display precision."""
    return round(value, get(name).precision)


def display(name: str, value: float) -> str:
    """How a trainee sees the value: ratios as percent (``3.45%``), money ``1,234.50``, multiples ``2.70``.

    >>> display("ctr", 0.0345), display("gmv", 1234.5), display("roi", 2.7)
    ('3.45%', '1,234.50', '2.70')
    """
    metric = get(name)
    if value != value:
        return "—"
    if metric.unit == "ratio":
        return f"{value * 100:,.{max(metric.precision - 2, 0)}f}%"
    return f"{value:,.{metric.precision}f}"


def json_records(df: pd.DataFrame, inf_as_none: bool = False) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: timestamps → ``YYYY-MM-DD``, numpy scalars → Python, NaN → None
    (and ±inf too with ``inf_as_none``)."""
    names = [str(c) for c in df.columns]
    columns = [_plain_column(values, inf_as_none) for _, values in df.items()]
    if not columns:
        return [{} for _ in range(len(df))]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain_column(values: pd.Series, inf_as_none: bool) -> list[Any]:
    if values.dtype == np.float64:
        numbers = values.to_numpy()
        if inf_as_none and np.isinf(numbers).any():
            numbers = np.where(np.isinf(numbers), np.nan, numbers)
        return [None if v != v else v for v in numbers.tolist()]
    if values.dtype.kind in "iub" and isinstance(values.dtype, np.dtype):
        return cast(list[Any], values.tolist())
    return [_plain(v) for v in values.tolist()]


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat(sep=" ")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


# ---------------------------------------------------------------- misconception variants
@dataclass(frozen=True)
class Variant:
    """A known wrong (or non-chosen) reading of a metric, recognised by the checker."""

    name: str
    """Variant id, unique per metric (``gpm_uv``)."""
    of: str
    """The canonical metric it is a misreading of."""
    formula: Metric
    """Its own numerator/denominator/factor."""

    @property
    def message(self) -> Msg:
        """Feedback naming the mistake (catalog key ``metrics.variant.<name>``)."""
        return msg(f"metrics.variant.{self.name}", metric=self.of)


def _v(name: str, of: str, num: dict[str, float] | str, den: dict[str, float] | str | None,
       factor: float = 1.0) -> Variant:
    base = METRICS[of]
    return Variant(name, of, _m(name, base.zh, base.en, base.unit, num, den, factor, base.datasets,
                                base.precision))


_VARIANT_DEFS: tuple[Variant, ...] = (
    _v("gpm_uv", "gpm", "gmv", "viewers", 1000),
    _v("gpm_exposure", "gpm", "gmv", "product_exposure_users", 1000),
    _v("cvr_impressions", "cvr", "conversions", "impressions"),
    _v("cpm_no_thousand", "cpm", "cost", "impressions"),
    _v("cpc_impressions", "cpc", "cost", "impressions"),
    _v("cpa_orders", "cpa", "cost", "orders"),
    _v("roi_net", "roi", {"gmv": 1, "refunds": -1}, "cost"),
    _v("net_roi_gross", "net_roi", "gmv", "cost"),
    _v("signed_roi_paid", "signed_roi", "gmv", "cost"),
    _v("engagement_with_favorites", "engagement_rate", {"likes": 1, "comments": 1, "shares": 1,
                                                        "favorites": 1}, "plays"),
    _v("conversion_orders", "watch_to_buy_rate", "orders", "viewers"),
    _v("conversion_orders", "click_to_buy_rate", "orders", "product_click_users"),
    _v("aov_orders", "avg_order_value", "gmv", "orders"),
    _v("uv_value_views", "uv_value", "gmv", "views"),
    _v("follow_rate_views", "follow_rate", "new_followers", "views"),
    _v("watch_to_buy_views", "watch_to_buy_rate", "buyers", "views"),
    _v("refund_rate_net", "refund_rate", "refunds", {"gmv": 1, "refunds": -1}),
)

VARIANTS: dict[str, dict[str, Variant]] = {}
"""Metric name → {variant name → :class:`Variant`}.

gpm: gpm_uv (per 1000 viewers), gpm_exposure (per 1000 product exposures); cvr: cvr_impressions;
cpm: cpm_no_thousand; cpc: cpc_impressions; cpa: cpa_orders; roi: roi_net (refunds deducted);
net_roi: net_roi_gross (refunds not deducted); signed_roi: signed_roi_paid (all paid GMV);
engagement_rate: engagement_with_favorites; watch_to_buy_rate / click_to_buy_rate:
conversion_orders (orders instead of buyers); watch_to_buy_rate: watch_to_buy_views;
avg_order_value: aov_orders; uv_value: uv_value_views; follow_rate: follow_rate_views;
refund_rate: refund_rate_net. The mean of per-period ratios is :func:`mean_of_ratios`.
"""
for _variant in _VARIANT_DEFS:
    VARIANTS.setdefault(_variant.of, {})[_variant.name] = _variant


def variants_for(name: str) -> list[Variant]:
    """The known variants of metric ``name`` (possibly none)."""
    return list(VARIANTS.get(name, {}).values())


def variant_value(name: str, variant: str, df: pd.DataFrame, dataset: str | None = None) -> float:
    """The value of ``variant`` of metric ``name`` over ``df`` (ratio of sums, like :func:`compute`).

    >>> d = pd.DataFrame({"gmv": [36000], "views": [12000], "viewers": [8000]})
    >>> variant_value("gpm", "gpm_uv", d)
    4500.0
    """
    try:
        formula = VARIANTS[name][variant].formula
    except KeyError:
        raise MetricError(f"unknown variant {variant!r} of {name!r}") from None
    return float(formula_from_sums(formula, column_sums(df, formula.columns, dataset)))
