"""Ad delivery (巨量引擎 / 巨量千川-like): ``ad_delivery``, ``ad_orders`` and ``products``.

Campaigns (计划) hold ad groups (单元) that hold creatives (创意); ``ad_delivery`` has one row per creative
per date. A campaign c spends ``base_c × day_factor_t × swing_ct`` on day t (the budget moves ×0.3–×3 from
day to day), split over its creatives. Impressions, clicks and cost follow its bid type: CPM bills
``impressions × cpm / 1000``, CPC bills ``clicks × cpc``, oCPM bills per impression at an effective CPM that
wobbles daily around ``target_cpa × ctr × cvr × 1000``. The day's paid GMV responds to the realised cost
with diminishing returns: ``E[gmv_ct] = k_c × cost_ct ** e_c`` (0 < e < 1) times mean-one lognormal noise.
Orders are drawn per creative from its clicks; each order then picks one of the campaign's 1–3 products
and a quantity, and ``ad_delivery``'s orders, gmv and refunds are summed FROM ``ad_orders``, so the two
agree exactly. Settled orders are signed (签收) at a campaign's own rate; recent ones are still in transit.

>>> from simulator.core.seeding import family_rng
>>> out = generate(family_rng("demo", 1, "t-1", 1.0, FAMILY), Params())
>>> sorted(out.frames), len(out.frames["ad_delivery"])
(['ad_delivery', 'ad_orders', 'products'], 1350)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, cast

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from data.generators.base import Column, Generated, StrictModel, scaled
from data.generators.common import (
    NAMED_PROMOTIONS,
    Defects,
    Promotion,
    date_range,
    day_factors,
    inject_defects,
    product_catalog,
)
from data.generators.profiles import CATEGORY_PROFILES, PLACEMENT_PROFILES
from data.generators.sampling import (
    binomial,
    categorical,
    code_dtype,
    increasing_ids,
    lognormal_noise,
    numbered,
    poisson,
    run_sums,
    threshold16,
    uniform16,
)

FAMILY = "ads"
DATASETS = ("ad_delivery", "ad_orders", "products")

# objective → extra conversions per non-buying click (leads, follows); buying objectives convert on orders
OBJECTIVES: dict[str, float] = {"商品购买": 0.0, "直播间成交": 0.0, "线索收集": 0.04, "粉丝增长": 0.06}
BID_TYPES = ("oCPM", "CPC", "CPM")
# placement → (multiplier on CPM, multiplier on CTR)
PLACEMENTS: dict[str, tuple[float, float]] = {name: (p.cpm, p.ctr) for name, p in PLACEMENT_PROFILES.items()}
STATUSES = ("signed", "rejected", "returned", "in_transit")
REFUNDED = (1, 2)  # status codes whose amount is refunded (rejected at the door, returned after signing)
# quantity 1/2/3 probabilities for cheap (< ¥50) and other products
QTY_CHEAP, QTY_OTHER, CHEAP = (0.6, 0.3, 0.1), (0.88, 0.1, 0.02), 50.0
MIN_BASE_ORDERS = 10.0  # a campaign's base budget buys at least this many orders a day
MAX_ORDER_RATE = 0.5  # cap on orders per click for one creative on one day
OCPM_WOBBLE = 0.15  # lognormal sigma of oCPM's daily effective CPM
SHARE_WOBBLE = 0.2  # lognormal sigma of a creative's daily share of its campaign's spend
SWAP_SHARE = 0.75  # trainees whose top-ROI campaign takes the lowest sign-off position
QUALITY_SIGMA = 0.3  # lognormal sigma of a creative's conversion quality

Rate = Annotated[float, Field(gt=0, le=1)]
Positive = Annotated[float, Field(gt=0)]


class Params(StrictModel):
    """Scenario parameters of the ads family (defaults: 5 campaigns over 30 days around 双11)."""

    start_date: dt.date = Field(dt.date(2024, 10, 20), description="first date")
    days: int = Field(30, ge=1, le=3660, description="number of consecutive dates")
    campaigns: int = Field(5, ge=1, le=100000, description="number of campaigns (times scale)")
    adgroups_per_campaign: int = Field(3, ge=1, le=50, description="ad groups per campaign")
    creatives_per_adgroup: int = Field(3, ge=1, le=50, description="creatives per ad group")
    catalog_size: int = Field(12, ge=1, le=100000, description="products in the shop (times scale)")
    categories: list[str] = Field(list(CATEGORY_PROFILES), min_length=1,
                                  description="product categories of the shop (each appears in products)")
    products_per_campaign: tuple[int, int] = Field((1, 3), description="products a campaign promotes (≤ 3)")
    daily_budget: tuple[Positive, Positive] = Field((300.0, 3000.0), description="typical daily spend, yuan")
    budget_swing: tuple[Positive, Positive] = Field((0.3, 3.0), description="day-to-day budget multiplier")
    budget_common: float = Field(0.3, ge=0, le=1, description="weight of a swing shared by all campaigns")
    cpm_range: tuple[Positive, Positive] = Field((20.0, 120.0), description="CPM, yuan per 1000 impressions")
    cpc_range: tuple[Positive, Positive] = Field((0.5, 5.0), description="cost per click range, yuan")
    ctr_range: tuple[Rate, Rate] = Field((0.01, 0.05), description="range of click-through rates")
    cvr_range: tuple[Rate, Rate] | None = Field(None, description="paid orders per click at the base budget "
                                                "(default: the main product category's band)")
    roi_range: tuple[Positive, Positive] = Field((1.5, 4.0), description="支付ROI at the base budget")
    exponent_range: tuple[Rate, Rate] = Field((0.5, 0.8), description="response exponent e of gmv = k·cost^e")
    gmv_noise: float = Field(0.1, ge=0, le=2, description="lognormal sigma of daily gmv around the curve")
    sign_rate_range: tuple[Rate, Rate] | None = Field(None, description="share of settled orders signed for "
                                                      "(default: each product category's band)")
    transit_days: float = Field(3.0, gt=0, le=60, description="mean days an order stays in transit")
    objectives: dict[str, float] = Field(
        {"商品购买": 0.4, "直播间成交": 0.35, "线索收集": 0.1, "粉丝增长": 0.15},
        description="objective → share of campaigns")
    bid_types: dict[str, float] = Field({"oCPM": 0.6, "CPC": 0.2, "CPM": 0.2},
                                        description="bid type → share of campaigns")
    placements: dict[str, float] = Field(
        {"抖音信息流": 0.5, "抖音搜索": 0.15, "今日头条": 0.15, "西瓜视频": 0.1, "穿山甲": 0.1},
        description="placement → share of ad groups")
    promotions: list[Promotion] = Field([Promotion(day="双11")], description="promotion days and their lift")
    defects: Defects = Field(Defects(), description="defects injected into ad_delivery")

    @field_validator("products_per_campaign", "daily_budget", "budget_swing", "cpm_range", "cpc_range",
                     "ctr_range", "cvr_range", "roi_range", "exponent_range", "sign_rate_range")
    @classmethod
    def _low_high(cls, pair: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
        if pair is None:
            return None
        if not 0 < pair[0] <= pair[1]:
            raise ValueError("range must be (low, high) with 0 < low <= high")
        return pair

    @model_validator(mode="after")
    def _known_names(self) -> Params:
        for field, known in (("objectives", OBJECTIVES), ("bid_types", BID_TYPES),
                             ("placements", PLACEMENTS)):
            weights = getattr(self, field)
            values = list(weights.values())
            if set(weights) - set(known) or min(values, default=0) < 0 or sum(values) <= 0:
                raise ValueError(f"{field}: names from {list(known)} with weights >= 0 and a positive sum")
        if set(self.categories) - set(CATEGORY_PROFILES) or len(set(self.categories)) != len(self.categories):
            raise ValueError(f"categories must be distinct names from {list(CATEGORY_PROFILES)}")
        if self.products_per_campaign[1] > 3:
            raise ValueError("products_per_campaign: at most 3 products per campaign")
        for promo in self.promotions:
            if isinstance(promo.day, str) and promo.day not in NAMED_PROMOTIONS:
                raise ValueError(f"unknown promotion {promo.day!r}; use a date or one of "
                                 f"{list(NAMED_PROMOTIONS)}")
        return self


COLUMNS: dict[str, dict[str, Column]] = {
    "ad_delivery": {
        "date": Column("日期", "date", "Calendar date of the row."),
        "campaign_id": Column("计划ID", "id", "Campaign (广告计划) identifier, e.g. C01."),
        "campaign_name": Column("计划名称", "text", "Campaign name: product, objective and number."),
        "adgroup_id": Column("单元ID", "id", "Ad group (广告单元) identifier, e.g. C01-G2."),
        "creative_id": Column("创意ID", "id", "Creative (创意素材) identifier, e.g. C01-G2-M3."),
        "objective": Column("优化目标", "text", "Campaign objective (商品购买, 直播间成交 …)."),
        "bid_type": Column("出价方式", "text", "How the campaign is billed: oCPM, CPC or CPM."),
        "placement": Column("投放版位", "text", "Where the ad group shows (抖音信息流, 穿山甲 …)."),
        "cost": Column("消耗", "money", "Spend that day, yuan."),
        "impressions": Column("展示数", "count", "Times the creative was shown."),
        "clicks": Column("点击数", "count", "Clicks on the creative."),
        "conversions": Column("转化数", "count", "Optimisation events: paid orders, plus leads or follows "
                                              "for 线索收集 and 粉丝增长 campaigns."),
        "orders": Column("成交订单数", "count", "Paid orders of the creative (rows of ad_orders)."),
        "gmv": Column("成交金额", "money", "Paid order amount, yuan (sum of ad_orders.amount)."),
        "refunds": Column("退款金额", "money", "Amount of those orders later rejected or returned, yuan."),
    },
    "ad_orders": {
        "order_id": Column("订单编号", "id", "Order number (19 digits)."),
        "date": Column("下单日期", "date", "Date the order was paid (the ad_delivery date it counts in)."),
        "campaign_id": Column("计划ID", "id", "Campaign the order is attributed to."),
        "product_id": Column("商品ID", "id", "Product bought (see products)."),
        "amount": Column("订单金额", "money", "Paid amount, yuan: price × quantity."),
        "status": Column("订单状态", "text", "signed (签收), rejected (拒收), returned (退货), in_transit."),
        "creative_id": Column("创意ID", "id", "Creative the order is attributed to."),
        "quantity": Column("购买件数", "count", "Items in the order."),
    },
    "products": {
        "product_id": Column("商品ID", "id", "Product identifier, e.g. P0001."),
        "product_name": Column("商品名称", "text", "Product name."),
        "category": Column("商品类目", "text", "Product category (美妆, 服饰, 食品 …)."),
        "price": Column("售价", "money", "List price, yuan."),
        "unit_cost": Column("单位成本", "money", "Cost of goods per item, yuan (below the price)."),
    },
}


@dataclass
class Campaigns:
    """Per-campaign arrays (length C) drawn before any delivery."""

    ids: list[str]
    """Campaign ids, C01 …"""
    names: list[str]
    """Campaign names."""
    objective: np.ndarray
    """Code into ``OBJECTIVES``."""
    bid: np.ndarray
    """Code into ``BID_TYPES``."""
    products: np.ndarray
    """(C, 3) catalogue rows; unused slots repeat the last product with weight 0."""
    cum_weights: np.ndarray
    """(C, 3) cumulative product-choice probabilities."""
    aov: np.ndarray
    """Expected amount per order, yuan."""
    base: np.ndarray
    """Typical daily spend, yuan."""
    rates: dict[str, np.ndarray]
    """cpm, ctr, cpc, cvr (orders per click at base), roi (at base), k, e, target_cpa, sign, reject."""


def generate(rng: np.random.Generator, params: Params, scale: float = 1.0) -> Generated:
    """Draws the three datasets and their truth; ``scale`` multiplies campaigns and catalogue size."""
    catalog = product_catalog(rng, scaled(params.catalog_size, scale), params.categories)
    camps = _campaigns(rng, params, scaled(params.campaigns, scale), catalog)
    dates = date_range(params.start_date, params.days)
    spend = _daily_spend(rng, params, camps, day_factors(dates, params.promotions))
    per = params.adgroups_per_campaign * params.creatives_per_adgroup
    placement, cpm, ctr, share = _creative_rates(rng, params, camps, per)
    impressions, clicks, cost = _traffic(rng, params, camps, spend, cpm, ctr, share)
    orders, conversions, expected = _orders(rng, params, camps, clicks, cost)
    lines = _order_lines(rng, params, camps, catalog, orders)
    counts = {"impressions": impressions, "clicks": clicks, "conversions": conversions, "orders": orders}
    labels = _labels(camps, params, catalog)
    delivery = _delivery_frame(camps, placement, cost, counts, lines, dates, labels)
    ad_orders = _orders_frame(rng, lines, dates, labels)
    delivery, record = _defects(rng, delivery, params.defects)
    frames = {"ad_delivery": delivery, "ad_orders": ad_orders, "products": catalog}
    truth = _truth(params, camps, catalog["product_id"].tolist(), cost.sum(axis=2), expected, record)
    return Generated(frames, truth)


def _campaigns(rng: np.random.Generator, params: Params, n: int, catalog: pd.DataFrame) -> Campaigns:
    """Objectives, bid types, products and rates of ``n`` campaigns."""
    objective = _pick(rng, params.objectives, list(OBJECTIVES), n)
    bid = _pick(rng, params.bid_types, list(BID_TYPES), n)
    products, cum = _campaign_products(rng, params, n, len(catalog))
    price = catalog["price"].to_numpy()[products]
    qty = np.where(price < CHEAP, np.dot(QTY_CHEAP, [1, 2, 3]), np.dot(QTY_OTHER, [1, 2, 3]))
    aov = (np.diff(cum, prepend=0.0, axis=1) * price * qty).sum(axis=1)
    cats = np.asarray(catalog["category"].to_numpy(), dtype=object)[products]
    rates = _calibrate(rng, params, aov, _log_uniform(rng, params.daily_budget, n), objective, cats, cum)
    width = max(2, len(str(n)))
    ids = numbered("C", n, width)
    names = catalog["product_name"].to_numpy()[products[:, 0]]
    labels = list(OBJECTIVES)
    return Campaigns(ids, [f"{names[i]}_{labels[objective[i]]}_{i + 1:02d}" for i in range(n)],
                     objective, bid, products, cum, aov, rates.pop("base"), rates)


def _pick(rng: np.random.Generator, weights: dict[str, float], names: list[str], n: int) -> np.ndarray:
    """``n`` codes into ``names`` drawn with the given weights (names missing from ``weights`` get 0).

    Every name with a positive weight appears at least once when ``n`` allows (so a brief naming oCPM,
    CPC and CPM holds for every trainee); the rest are drawn by weight, and the order is shuffled.
    """
    p = np.array([weights.get(name, 0.0) for name in names])
    cover = rng.permutation(np.flatnonzero(p > 0))[:n]
    rest = rng.choice(len(names), size=n - cover.size, p=p / p.sum())
    return rng.permutation(np.concatenate([cover, rest]))


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float], size: Any) -> np.ndarray:
    """Log-uniform draws within ``bounds``."""
    return cast(np.ndarray, np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]), size)))


def _campaign_products(rng: np.random.Generator, params: Params, n: int,
                       m: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) distinct catalogue rows per campaign and cumulative choice weights over its used slots.

    Unused slots get weight 0 (their cumulative weight is already 1, so they are never chosen).
    """
    first = rng.integers(0, m, n)
    second = rng.integers(1, max(m, 2), n)
    third = rng.integers(1, max(m - 1, 2), n)
    third = third + (third >= second)
    rows = (first[:, None] + np.column_stack([np.zeros(n, dtype=np.int64), second, third])) % m
    lo, hi = params.products_per_campaign
    used = np.minimum(rng.integers(lo, hi + 1, n), m)
    slots = np.arange(3) < used[:, None]
    rows = np.where(slots, rows, rows[:, :1])
    weights = rng.gamma(2.0, size=(n, 3)) * slots
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cum[np.arange(3) >= (used - 1)[:, None]] = 1.0
    return rows, cum


def _calibrate(rng: np.random.Generator, params: Params, aov: np.ndarray, base: np.ndarray,
               objective: np.ndarray, cats: np.ndarray, cum: np.ndarray) -> dict[str, np.ndarray]:
    """Bids, rates and the response curve of each campaign, consistent with each other.

    ROI at base = cvr × aov / cpc and ctr = cpm / (1000 × cpc): draw roi and cvr, derive cpc (clipped to
    the CPC range, adjusting cvr then roi), draw ctr, derive cpm (clipped to the CPM range, adjusting ctr).
    The base budget is raised where it would buy fewer than MIN_BASE_ORDERS orders a day, and the curve
    passes through (base, roi × base): k = roi × base ** (1 − e). The campaign with the highest
    roi gets, for most (not all) trainees, the lowest sign-off position (impulse buys get rejected), so 签收ROI
    reorders the campaigns for some trainees and not for others. CVR comes from the main product's
    category band unless the scenario sets ``cvr_range``.
    """
    n = len(aov)
    band = np.array([CATEGORY_PROFILES[c].ad_cvr for c in cats[:, 0]]).reshape(-1, 2).T \
        if params.cvr_range is None else np.array(params.cvr_range)[:, None]
    roi, cvr = rng.uniform(*params.roi_range, n), rng.uniform(band[0], band[1], n)
    cpc = np.round(np.clip(cvr * aov / roi, *params.cpc_range), 2)
    cvr = np.clip(roi * cpc / aov, band[0], band[1])
    roi = cvr * aov / cpc
    cpm = np.round(np.clip(1000 * rng.uniform(*params.ctr_range, n) * cpc, *params.cpm_range), 2)
    ctr = np.minimum(cpm / (1000 * cpc), 0.5)
    e = rng.uniform(*params.exponent_range, n)
    base = np.maximum(base, MIN_BASE_ORDERS * aov / roi)
    extra = np.array(list(OBJECTIVES.values()))[objective]
    return {"cpm": cpm, "ctr": ctr, "cpc": cpc, "cvr": cvr, "roi": roi, "e": e, "k": roi * base ** (1 - e),
            "base": base, "target_cpa": cpc / (cvr + extra * (1 - cvr)),
            **_sign_rates(rng, params, roi, cats, cum), "reject": rng.uniform(0.3, 0.7, n)}


def _sign_rates(rng: np.random.Generator, params: Params, roi: np.ndarray, cats: np.ndarray,
                cum: np.ndarray) -> dict[str, np.ndarray]:
    """Sign-off rates per (campaign, product slot) and per campaign (weighted by the slots' shares).

    Each campaign has a position u in [0, 1]; a product's rate is its category's band at u (or the
    scenario's ``sign_rate_range`` at u). With probability SWAP_SHARE the campaign with the highest ROI swaps
    positions with the lowest, so paid and signed ROI rank campaigns differently for some trainees.
    """
    u = rng.random(len(roi))
    if rng.random() < SWAP_SHARE:
        top, worst = int(np.argmax(roi)), int(np.argmin(u))
        u[[top, worst]] = u[[worst, top]]
    if params.sign_rate_range is None:
        band = np.array([CATEGORY_PROFILES[c].sign for c in cats.ravel()]).reshape(cats.shape + (2,))
    else:
        band = np.broadcast_to(np.array(params.sign_rate_range, dtype=float), cats.shape + (2,))
    slot = band[..., 0] + u[:, None] * (band[..., 1] - band[..., 0])
    share = np.diff(cum, prepend=0.0, axis=1)
    return {"sign_slot": slot, "sign": (slot * share).sum(axis=1)}


def _daily_spend(rng: np.random.Generator, params: Params, camps: Campaigns,
                 factors: np.ndarray) -> np.ndarray:
    """(D, C) target spend: base × weekday/promotion factor × a swing shared in part by all campaigns."""
    lo, hi = np.log(params.budget_swing)
    common = rng.uniform(lo, hi, (len(factors), 1))
    own = rng.uniform(lo, hi, (len(factors), len(camps.ids)))
    swing = np.exp(params.budget_common * common + (1 - params.budget_common) * own)
    return cast(np.ndarray, camps.base * factors[:, None] * swing)


def _creative_rates(rng: np.random.Generator, params: Params, camps: Campaigns,
                    per: int) -> tuple[np.ndarray, ...]:
    """(C, G·M) placement code, CPM bid, CTR and spend share of every creative.

    Placements (chosen per ad group) shift the campaign's CPM and CTR; creatives vary in CTR. CPM and the
    implied CPC are clipped to their ranges and rounded to fen, and CTR = CPM / (1000 × CPC).
    """
    c, m = len(camps.ids), params.creatives_per_adgroup
    g = per // m
    placement = np.repeat(_pick(rng, params.placements, list(PLACEMENTS), c * g).reshape(c, g), m, axis=1)
    mult = np.array(list(PLACEMENTS.values()))[placement]
    cpm = np.round(np.clip(camps.rates["cpm"][:, None] * mult[..., 0], *params.cpm_range), 2)
    ctr = camps.rates["ctr"][:, None] * mult[..., 1] * rng.lognormal(0, 0.15, (c, per))
    cpc = np.maximum(np.round(np.clip(cpm / (1000 * ctr), *params.cpc_range), 2), 0.01)
    ctr = np.minimum(cpm / (1000 * cpc), 0.5)
    group = np.repeat(rng.gamma(2.0, size=(c, g)), m, axis=1)
    share = group / group.sum(axis=1, keepdims=True) * rng.gamma(1.0, size=(c, per)) * m
    return placement, cpm, ctr, share


def _traffic(rng: np.random.Generator, params: Params, camps: Campaigns, spend: np.ndarray,
             cpm: np.ndarray, ctr: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, ...]:
    """(D, C, G·M) impressions, clicks and cost of every creative on every day.

    Impressions ~ Poisson(spend × 1000 / CPM) (for CPC bids too: spend / CPC / CTR is the same number);
    clicks ~ Binomial(impressions, CTR) (both as rounded normals at large counts, see sampling.binomial).
    CPM bills impressions × cpm / 1000, CPC bills clicks × cpc, oCPM bills impressions at a CPM that
    wobbles daily around the bid.
    """
    target = share * lognormal_noise(rng, SHARE_WOBBLE, (len(spend),) + share.shape)
    target *= (spend * 1000 / target.sum(axis=2))[:, :, None]
    rate = np.broadcast_to(cpm, target.shape).copy()
    ocpm = camps.bid == BID_TYPES.index("oCPM")
    if ocpm.any():
        wobble = cpm[ocpm] * lognormal_noise(rng, OCPM_WOBBLE, (len(spend), int(ocpm.sum()), share.shape[1]))
        rate[:, ocpm] = np.clip(wobble, *params.cpm_range, out=wobble)
    target /= rate
    impressions = poisson(rng, target)
    clicks = binomial(rng, impressions, ctr)
    rate /= 1000
    cost = np.multiply(impressions, rate, out=rate)
    by_click = camps.bid == BID_TYPES.index("CPC")
    if by_click.any():
        cost[:, by_click] = clicks[:, by_click] * np.round(cpm / (1000 * ctr), 2)[by_click]
    return impressions, clicks, np.round(cost, 2, out=cost)


def _orders(rng: np.random.Generator, params: Params, camps: Campaigns, clicks: np.ndarray,
            cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orders and conversions per creative-day, and the (D, C) expected gmv k × cost ** e.

    The day's gmv μ = k × cost^e × mean-one lognormal noise becomes μ / aov expected orders, spread over
    the campaign's creatives by clicks × creative quality: orders ~ Binomial(clicks, p). Lead and follow
    campaigns add conversions ~ Binomial(clicks − orders, extra rate).
    """
    expected = camps.rates["k"] * cost.sum(axis=2) ** camps.rates["e"]
    sigma = params.gmv_noise
    mu = expected * rng.lognormal(-sigma**2 / 2, sigma, expected.shape)
    quality = rng.lognormal(0, QUALITY_SIGMA, clicks.shape[1:])
    denom = (clicks * quality).sum(axis=2)
    p = quality * np.divide(mu / camps.aov, denom, out=np.zeros(mu.shape), where=denom > 0)[:, :, None]
    orders = binomial(rng, clicks, np.minimum(p, MAX_ORDER_RATE, out=p))
    extra = np.array(list(OBJECTIVES.values()))[camps.objective]
    conversions = orders.copy()
    leads = extra > 0
    if leads.any():
        conversions[:, leads] += binomial(rng, clicks[:, leads] - orders[:, leads], extra[leads][None, :, None])
    return orders, conversions, expected


@dataclass
class Lines:
    """``ad_orders`` rows (one per order) in ``ad_delivery`` row order, plus per-cell totals."""

    per_cell: np.ndarray
    """Orders per ad_delivery row (flat)."""
    per_day: np.ndarray
    """Orders per date."""
    creative: np.ndarray
    """Creative code (campaign × creatives per campaign + slot) of each order."""
    camp: np.ndarray
    """Campaign code of each order."""
    product: np.ndarray
    """Catalogue row of the product bought."""
    qty: np.ndarray
    """Items in the order (int64)."""
    cents: np.ndarray
    """Amount in fen (int64): price × quantity."""
    status: np.ndarray
    """Code into ``STATUSES`` (int8)."""


def _order_lines(rng: np.random.Generator, params: Params, camps: Campaigns, catalog: pd.DataFrame,
                 orders: np.ndarray) -> Lines:
    """One entry per order (np.repeat over the flat orders): creative, campaign, product, qty, fen, status.

    Each order picks one of the campaign's products by its weights and a quantity (cheap items come in
    twos and threes more often). Orders still in transit: probability exp(−age / transit_days). Settled
    orders are signed at the rate of the product bought (its category's band at the campaign's
    position); the rest are rejected (the campaign's reject share) or returned.
    These choices use 16-bit uniforms (probabilities to 1/65536), the cheapest draw per order.
    """
    days, c, per = orders.shape
    per_cell, per_day = orders.ravel(), orders.reshape(days, -1).sum(axis=1)
    creative = np.repeat(np.tile(np.arange(c * per, dtype=code_dtype(c * per)), days), per_cell)
    camp = (creative // per).astype(code_dtype(c), copy=False)
    at = camp.astype(np.intp)
    u = uniform16(rng, (4, creative.size))
    cum = threshold16(camps.cum_weights)
    slot = (u[2] >= cum[:, 0][at]).view(np.int8) + (u[2] >= cum[:, 1][at])
    at *= 3
    at += slot
    sign = camps.rates["sign_slot"]
    signed = threshold16(sign).ravel()
    kept = threshold16(sign + (1 - sign) * camps.rates["reject"][:, None]).ravel()
    status = (u[0] >= signed[at]).view(np.int8) + (u[0] >= kept[at])
    transit = threshold16(np.exp(-(days - 1 - np.arange(days)) / params.transit_days))
    status[u[1] < np.repeat(transit, per_day)] = STATUSES.index("in_transit")
    table = _product_table(camps, catalog)
    qty = (u[3] >= table["qty1"][at]).view(np.int8) + (u[3] >= table["qty2"][at]) + np.int8(1)
    cents = table["fen"][at]
    cents *= qty
    return Lines(per_cell, per_day, creative, camp, table["product"][at], qty.astype(np.int64), cents, status)


def _product_table(camps: Campaigns, catalog: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per (campaign, product slot), flat: catalogue row, price in fen and the quantity thresholds."""
    product = camps.products.ravel()
    price = catalog["price"].to_numpy()[product]
    cheap = price < CHEAP
    return {"product": product.astype(code_dtype(len(catalog))),
            "fen": np.round(price * 100).astype(np.int64),
            "qty1": threshold16(np.where(cheap, QTY_CHEAP[0], QTY_OTHER[0])),
            "qty2": threshold16(np.where(cheap, 1 - QTY_CHEAP[2], 1 - QTY_OTHER[2]))}


@dataclass
class Labels:
    """Categorical dtypes shared by ad_delivery and ad_orders (built once: creatives can be many)."""

    campaign_id: pd.CategoricalDtype
    """C01 …"""
    campaign_name: pd.CategoricalDtype
    """Campaign names, in campaign order."""
    adgroup_id: pd.CategoricalDtype
    """C01-G1 …"""
    creative_id: pd.CategoricalDtype
    """C01-G1-M1 …"""
    product_id: pd.CategoricalDtype
    """The catalogue's P0001 …"""


def _labels(camps: Campaigns, params: Params, catalog: pd.DataFrame) -> Labels:
    """Ad group ids (C01-G1 …), creative ids (C01-G1-M1 …) and the other id lists as dtypes."""
    g, m = params.adgroups_per_campaign, params.creatives_per_adgroup
    group_suffixes, creative_suffixes = [f"-G{j + 1}" for j in range(g)], [f"-M{k + 1}" for k in range(m)]
    groups = [cid + suffix for cid in camps.ids for suffix in group_suffixes]
    creatives = [gid + suffix for gid in groups for suffix in creative_suffixes]
    lists = (camps.ids, camps.names, groups, creatives, catalog["product_id"].tolist())
    return Labels(*(pd.CategoricalDtype(np.array(v, dtype=object)) for v in lists))


def _delivery_frame(camps: Campaigns, placement: np.ndarray, cost: np.ndarray, counts: dict[str, np.ndarray],
                    lines: Lines, dates: pd.DatetimeIndex, labels: Labels) -> pd.DataFrame:
    """``ad_delivery`` rows (by date, campaign, ad group, creative); gmv and refunds summed from orders."""
    days, c, per = cost.shape
    creative = np.tile(np.arange(c * per, dtype=code_dtype(c * per)), days)
    camp = (creative // per).astype(code_dtype(c), copy=False)
    gmv = run_sums(lines.cents, lines.per_cell) / 100
    refunded = (lines.status >= min(REFUNDED)) & (lines.status <= max(REFUNDED))
    refunds = run_sums(lines.cents * refunded, lines.per_cell) / 100
    m = c * per // len(labels.adgroup_id.categories)
    return pd.DataFrame({
        "date": np.repeat(dates.values, c * per),
        "campaign_id": categorical(camp, labels.campaign_id),
        "campaign_name": categorical(camp, labels.campaign_name),
        "adgroup_id": categorical((creative // m).astype(code_dtype(len(labels.adgroup_id.categories))),
                                  labels.adgroup_id),
        "creative_id": categorical(creative, labels.creative_id),
        "objective": categorical(camps.objective.astype(np.int8)[camp], list(OBJECTIVES)),
        "bid_type": categorical(camps.bid.astype(np.int8)[camp], list(BID_TYPES)),
        "placement": categorical(np.tile(placement.astype(np.int8).ravel(), days), list(PLACEMENTS)),
        "cost": cost.ravel(),
        **{name: counts[name].ravel() for name in ("impressions", "clicks", "conversions", "orders")},
        "gmv": gmv,
        "refunds": refunds,
    }, copy=False)


def _orders_frame(rng: np.random.Generator, lines: Lines, dates: pd.DatetimeIndex, labels: Labels) -> pd.DataFrame:
    """``ad_orders``: one row per order, ids increasing with time (19-digit 抖店-style numbers)."""
    base = 6_920_000_000_000_000_000 + int(rng.integers(0, 10**16))
    return pd.DataFrame({
        "order_id": increasing_ids(rng, lines.creative.size, base, 97),
        "date": np.repeat(dates.values, lines.per_day),
        "campaign_id": categorical(lines.camp, labels.campaign_id),
        "product_id": categorical(lines.product, labels.product_id),
        "amount": lines.cents / 100,
        "status": categorical(lines.status, list(STATUSES)),
        "creative_id": categorical(lines.creative, labels.creative_id),
        "quantity": lines.qty,
    }, copy=False)


def _defects(rng: np.random.Generator, frame: pd.DataFrame, defects: Defects) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Plants the scenario's defects in ``ad_delivery`` (nothing drawn, dtypes kept when there are none)."""
    if defects == Defects():
        return frame, {"duplicates": [], "missing": [], "out_of_range": []}
    numeric = ["cost", "impressions", "clicks", "conversions", "orders", "gmv", "refunds"]
    return inject_defects(frame, rng, defects, numeric, ["date", "creative_id"])


# truth field → key of Campaigns.rates, in the order the truth lists them
_TRUTH_RATES = {"k": "k", "e": "e", "roi_at_base": "roi", "cpm": "cpm", "ctr": "ctr", "cpc": "cpc", "cvr": "cvr",
                "target_cpa": "target_cpa", "sign_rate": "sign", "reject_share": "reject"}


def _truth(params: Params, camps: Campaigns, product_ids: list[str], cost: np.ndarray, expected: np.ndarray,
           record: dict[str, Any]) -> dict[str, Any]:
    """Per-campaign curves, bids and sign-off rates, the aggregate curve and the planted defects."""
    bids, objectives = list(BID_TYPES), list(OBJECTIVES)
    rates = {name: camps.rates[key].tolist() for name, key in _TRUTH_RATES.items()}
    ocpm = (camps.bid == BID_TYPES.index("oCPM")).tolist()
    rates["target_cpa"] = [cpa if bid else None for cpa, bid in zip(rates["target_cpa"], ocpm, strict=True)]
    fixed = {
        "campaign_id": camps.ids, "campaign_name": camps.names,
        "objective": [objectives[o] for o in camps.objective.tolist()],
        "bid_type": [bids[b] for b in camps.bid.tolist()],
        "products": [[product_ids[p] for p in sorted(set(row))] for row in camps.products.tolist()],
        "base_daily_spend": [round(x, 2) for x in camps.base.tolist()],
        "aov": [round(x, 4) for x in camps.aov.tolist()],
    }
    names = [*fixed, *rates]
    campaigns = [dict(zip(names, values, strict=True)) for values in zip(*fixed.values(), *rates.values(), strict=True)]
    return {"response_curve": "E[gmv] = k * cost ** e per campaign and day (mean-one lognormal noise)",
            "gmv_noise": params.gmv_noise, "campaigns": campaigns,
            "aggregate_curve": _aggregate_curve(cost, expected),
            "sign_rate_meaning": "share of settled (not in_transit) orders that are signed",
            "transit_days": params.transit_days, "defects": record}


def _aggregate_curve(cost: np.ndarray, expected: np.ndarray) -> dict[str, Any]:
    """Power curve of all campaigns' expected gmv on total cost over the days (least squares on logs).

    >>> cost = np.array([[100.0], [400.0]]); _aggregate_curve(cost, 2 * cost ** 0.5)["e"]
    0.5
    """
    total, gmv = cost.sum(axis=1), expected.sum(axis=1)
    ok = (total > 0) & (gmv > 0)
    if ok.sum() < 2 or np.ptp(np.log(total[ok])) == 0:
        return {"k": None, "e": None, "days": int(ok.sum())}
    e, log_k = np.polyfit(np.log(total[ok]), np.log(gmv[ok]), 1)
    return {"k": round(float(np.exp(log_k)), 6), "e": round(float(e), 6), "days": int(ok.sum())}
