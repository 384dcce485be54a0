"""Calibrated profiles: the one table the generators draw from, ``docs/datasets.md`` prints and the
realism tests (``tests/generators/test_realism.py``) check.

Every figure carries its source or reasoning (``SOURCES``). Scenarios move the figures through their
``datasets:`` parameters (e.g. ``live: {product_ctr: [0.05, 0.1]}`` overrides the category bands); the
profiles are the defaults.

- ``CATEGORY_PROFILES``: per product category, the items sold with their own price bands, the gross
  margin, and the rates that differ by category (livestream click and click→buy, ad CVR, refunds and
  sign-off).
- ``PLACEMENT_PROFILES``: per 巨量引擎 placement, the CPM and CTR relative to 抖音信息流.
- ``ACCOUNT_TYPES``: short-video account life stages (growing, mature, declining) and their follower
  dynamics.
- ``LIVE_TYPES``: livestream room types (brand self-broadcast, creator, shop daily) with 停留 (mean watch
  seconds), 互动率, follow and traffic-to-product rates.
- ``BANDS``: the outcome bands a realism test checks over 50 trainees per scenario (median inside
  ``median``, 5–95% range inside ``outer``).

>>> sorted(CATEGORY_PROFILES) == sorted(["美妆", "服饰", "食品", "数码", "家居", "母婴"])
True
>>> all(lo < hi for p in CATEGORY_PROFILES.values() for _, lo, hi in p.items)
True
"""

from __future__ import annotations

from dataclasses import dataclass

Range = tuple[float, float]


@dataclass(frozen=True)
class CategoryProfile:
    """What one product category looks like on a Douyin shop."""

    items: tuple[tuple[str, float, float], ...]
    """(item noun, lowest price, highest price) in yuan: a phone holder is not priced like a phone."""
    margin: Range
    """Gross margin (price − unit cost) / price."""
    live_ctr: Range
    """Livestream 商品点击率: product click users / product exposure users."""
    live_click_to_buy: Range
    """Livestream 点击-成交转化率: buyers / product click users."""
    ad_cvr: Range
    """Ad paid orders per click at the campaign's base budget."""
    refund: Range
    """Share of paid livestream orders refunded (退款率)."""
    sign: Range
    """Share of settled ad orders signed for (签收率); the rest are rejected or returned."""
    source: str
    """Key into ``SOURCES`` for the figures of this row."""


CATEGORY_PROFILES: dict[str, CategoryProfile] = {
    "美妆": CategoryProfile(
        (("保湿精华液", 79, 399), ("氨基酸洗面奶", 29, 99), ("哑光口红", 49, 199), ("防晒乳", 49, 199),
         ("补水面膜", 39, 129), ("气垫粉底", 69, 299)),
        margin=(0.60, 0.78), live_ctr=(0.06, 0.16), live_click_to_buy=(0.06, 0.16), ad_cvr=(0.02, 0.06),
        refund=(0.10, 0.22), sign=(0.76, 0.90), source="category"),
    "服饰": CategoryProfile(
        (("纯棉T恤", 29, 129), ("羽绒服", 199, 799), ("阔腿裤", 59, 199), ("针织开衫", 79, 299),
         ("运动卫衣", 69, 239), ("连衣裙", 89, 399)),
        margin=(0.45, 0.65), live_ctr=(0.08, 0.20), live_click_to_buy=(0.04, 0.12), ad_cvr=(0.015, 0.045),
        refund=(0.30, 0.50), sign=(0.50, 0.70), source="category"),
    "食品": CategoryProfile(
        (("每日坚果", 29.9, 99), ("螺蛳粉", 9.9, 49.9), ("低糖燕麦片", 19.9, 59.9), ("牛肉干", 29.9, 89),
         ("挂耳咖啡", 19.9, 69.9), ("果干礼盒", 39.9, 129)),
        margin=(0.25, 0.45), live_ctr=(0.06, 0.18), live_click_to_buy=(0.10, 0.24), ad_cvr=(0.03, 0.08),
        refund=(0.03, 0.10), sign=(0.88, 0.97), source="category"),
    "数码": CategoryProfile(
        (("蓝牙耳机", 59, 399), ("充电宝", 49, 199), ("机械键盘", 129, 499), ("智能手表", 199, 999),
         ("手机支架", 9.9, 49.9), ("移动硬盘", 199, 699)),
        margin=(0.15, 0.35), live_ctr=(0.04, 0.12), live_click_to_buy=(0.03, 0.10), ad_cvr=(0.01, 0.035),
        refund=(0.05, 0.14), sign=(0.82, 0.94), source="category"),
    "家居": CategoryProfile(
        (("四件套", 99, 499), ("收纳箱", 19.9, 89), ("香薰蜡烛", 29.9, 129), ("乳胶枕", 69, 299),
         ("厨房置物架", 29.9, 159), ("地毯", 59, 399)),
        margin=(0.35, 0.55), live_ctr=(0.05, 0.14), live_click_to_buy=(0.05, 0.14), ad_cvr=(0.015, 0.05),
        refund=(0.08, 0.20), sign=(0.78, 0.92), source="category"),
    "母婴": CategoryProfile(
        (("婴儿湿巾", 19.9, 69.9), ("纸尿裤", 59, 199), ("儿童水杯", 29.9, 129), ("辅食机", 129, 499),
         ("婴儿推车", 299, 1499), ("爬行垫", 69, 299)),
        margin=(0.30, 0.50), live_ctr=(0.05, 0.15), live_click_to_buy=(0.06, 0.16), ad_cvr=(0.02, 0.06),
        refund=(0.06, 0.15), sign=(0.82, 0.94), source="category"),
}


@dataclass(frozen=True)
class PlacementProfile:
    """One 巨量引擎 placement relative to 抖音信息流."""

    cpm: float
    """Multiplier on the campaign's CPM."""
    ctr: float
    """Multiplier on the campaign's CTR."""


PLACEMENT_PROFILES: dict[str, PlacementProfile] = {
    "抖音信息流": PlacementProfile(1.0, 1.0), "抖音搜索": PlacementProfile(1.3, 1.8),
    "今日头条": PlacementProfile(0.8, 0.8), "西瓜视频": PlacementProfile(0.7, 0.75),
    "穿山甲": PlacementProfile(0.45, 0.6),
}


@dataclass(frozen=True)
class AccountType:
    """A short-video account's life stage."""

    reach: Range
    """Median plays per post ÷ followers."""
    follow_rate: Range
    """New followers per play."""
    churn: Range
    """Expected unfollows ÷ expected new followers per day: below 1 grows, above 1 shrinks."""


ACCOUNT_TYPES: dict[str, AccountType] = {
    "growing": AccountType(reach=(0.08, 0.30), follow_rate=(0.002, 0.006), churn=(0.10, 0.40)),
    "mature": AccountType(reach=(0.03, 0.12), follow_rate=(0.0008, 0.0025), churn=(0.45, 0.80)),
    "declining": AccountType(reach=(0.01, 0.05), follow_rate=(0.0003, 0.001), churn=(1.4, 2.5)),
}
ACCOUNT_TYPE_MIX = {"growing": 0.35, "mature": 0.5, "declining": 0.15}


@dataclass(frozen=True)
class LiveType:
    """A livestream room type."""

    avg_watch_seconds: Range
    """停留: mean seconds a viewer stays."""
    interaction_rate: Range
    """互动率: interacting users / viewers."""
    follow_rate: Range
    """转粉率: new followers / viewers."""
    viewer_ratio: Range
    """Viewers (UV) / views (PV)."""
    exposure_rate: Range
    """Product exposure users / viewers."""


LIVE_TYPES: dict[str, LiveType] = {
    "品牌自播": LiveType(avg_watch_seconds=(40, 90), interaction_rate=(0.03, 0.08), follow_rate=(0.005, 0.02),
                     viewer_ratio=(0.65, 0.80), exposure_rate=(0.55, 0.80)),
    "达人带货": LiveType(avg_watch_seconds=(60, 150), interaction_rate=(0.06, 0.15),
                     follow_rate=(0.01, 0.03), viewer_ratio=(0.60, 0.75), exposure_rate=(0.60, 0.85)),
    "店铺日播": LiveType(avg_watch_seconds=(30, 70), interaction_rate=(0.02, 0.06), follow_rate=(0.003, 0.012),
                     viewer_ratio=(0.70, 0.85), exposure_rate=(0.50, 0.75)),
}
LIVE_TYPE_MIX = {"品牌自播": 0.4, "达人带货": 0.3, "店铺日播": 0.3}


@dataclass(frozen=True)
class OutcomeBand:
    """A documented band of one outcome over many trainees: where its median and 5–95% range lie."""

    label: str
    """What is measured, in words (zh/en)."""
    unit: str
    """yuan, ratio, count or multiple."""
    median: Range
    """The median over all measured units (sessions, campaigns, accounts …) lies in here."""
    outer: Range
    """The 5th and 95th percentiles lie in here."""
    source: str
    """Key into ``SOURCES``."""


BANDS: dict[str, OutcomeBand] = {
    "price_美妆": OutcomeBand("美妆 商品价格 / beauty product price", "yuan", (60, 160), (29, 400), "category"),
    "price_服饰": OutcomeBand("服饰 商品价格 / apparel price", "yuan", (90, 250), (29, 800), "category"),
    "price_食品": OutcomeBand("食品 商品价格 / food price", "yuan", (25, 70), (9.9, 130), "category"),
    "price_数码": OutcomeBand("数码 商品价格 / digital accessory price", "yuan", (90, 300), (9.9, 1000),
                            "category"),
    "price_家居": OutcomeBand("家居 商品价格 / home goods price", "yuan", (50, 180), (19.9, 500), "category"),
    "price_母婴": OutcomeBand("母婴 商品价格 / baby goods price", "yuan", (70, 250), (19.9, 1500), "category"),
    "live_gpm": OutcomeBand("直播场次 GPM(成交金额 ÷ 观看次数 × 1000)/ session GPM", "yuan", (300, 1200),
                            (80, 4000), "live_outcomes"),
    "live_uv_value": OutcomeBand("直播场次 UV价值(成交金额 ÷ 累计观看人数)/ session UV value", "yuan",
                                 (0.4, 1.7), (0.1, 5.0), "live_outcomes"),
    "live_avg_watch_seconds": OutcomeBand("直播 人均停留(秒)/ mean watch seconds", "count", (45, 100),
                                          (25, 170), "live_types"),
    "live_interaction_rate": OutcomeBand("直播 互动率 / interaction rate", "ratio", (0.04, 0.10),
                                         (0.015, 0.17), "live_types"),
    "refund_美妆": OutcomeBand("美妆 直播退款金额占比 / beauty refunds ÷ GMV", "ratio", (0.10, 0.22),
                             (0.05, 0.30), "category"),
    "refund_服饰": OutcomeBand("服饰 直播退款金额占比 / apparel refunds ÷ GMV", "ratio", (0.30, 0.50),
                             (0.20, 0.60), "category"),
    "refund_食品": OutcomeBand("食品 直播退款金额占比 / food refunds ÷ GMV", "ratio", (0.03, 0.10),
                             (0.0, 0.16), "category"),
    "refund_数码": OutcomeBand("数码 直播退款金额占比 / digital refunds ÷ GMV", "ratio", (0.05, 0.14),
                             (0.0, 0.22), "category"),
    "refund_家居": OutcomeBand("家居 直播退款金额占比 / home refunds ÷ GMV", "ratio", (0.08, 0.20),
                             (0.03, 0.28), "category"),
    "refund_母婴": OutcomeBand("母婴 直播退款金额占比 / baby refunds ÷ GMV", "ratio", (0.06, 0.15),
                             (0.02, 0.23), "category"),
    "sign_美妆": OutcomeBand("美妆 广告订单签收率 / beauty sign-off", "ratio", (0.76, 0.90), (0.65, 0.96),
                           "category"),
    "sign_服饰": OutcomeBand("服饰 广告订单签收率 / apparel sign-off", "ratio", (0.50, 0.70), (0.40, 0.80),
                           "category"),
    "sign_食品": OutcomeBand("食品 广告订单签收率 / food sign-off", "ratio", (0.88, 0.97), (0.80, 1.0),
                           "category"),
    "sign_数码": OutcomeBand("数码 广告订单签收率 / digital sign-off", "ratio", (0.82, 0.94), (0.72, 0.99),
                           "category"),
    "sign_家居": OutcomeBand("家居 广告订单签收率 / home sign-off", "ratio", (0.78, 0.92), (0.68, 0.98),
                           "category"),
    "sign_母婴": OutcomeBand("母婴 广告订单签收率 / baby sign-off", "ratio", (0.82, 0.94), (0.72, 0.99),
                           "category"),
    "ad_ctr": OutcomeBand("广告计划 CTR(点击 ÷ 展示)/ campaign CTR", "ratio", (0.012, 0.04),
                          (0.005, 0.08), "ads"),
    "ad_cvr": OutcomeBand("广告计划 CVR(订单 ÷ 点击)/ campaign CVR", "ratio", (0.015, 0.06),
                          (0.005, 0.12), "ads"),
    "ad_cpm": OutcomeBand("广告计划 CPM(元 / 千次展示)/ campaign CPM", "yuan", (20, 70), (8, 130), "ads"),
    "ad_cpc": OutcomeBand("广告计划 CPC(元 / 点击)/ campaign CPC", "yuan", (0.8, 3.5), (0.3, 6.0), "ads"),
    "ad_roi": OutcomeBand("广告计划 支付ROI(成交金额 ÷ 消耗)/ campaign ROI", "multiple", (1.6, 3.8),
                          (0.8, 6.0), "ads"),
    "net_followers_growing": OutcomeBand("成长期账号 期间净增粉丝 ÷ 期初粉丝 / growing: net change", "ratio",
                                         (0.02, 0.3), (0.0, 1.0), "account_types"),
    "net_followers_mature": OutcomeBand("成熟期账号 期间净增粉丝 ÷ 期初粉丝 / mature: net change", "ratio",
                                        (0.001, 0.05), (-0.01, 0.15), "account_types"),
    "net_followers_declining": OutcomeBand("衰退期账号 期间净增粉丝 ÷ 期初粉丝 / declining: net change",
                                           "ratio", (-0.05, -0.0005), (-0.15, 0.005), "account_types"),
}
GAINING_SHARE = 0.8
"""At least this share of growing and mature accounts gain followers over the period."""

SOURCES: dict[str, str] = {
    "category": (
        "Prices: Douyin shop listing prices of the named item kinds (a 手机支架 sells for ¥10–50, a 智能手表 "
        "for ¥200–1,000; store-brand rather than flagship-brand price points), rounded shop-style (…9.9 / …9). "
        "Margins: gross margins in listed companies' 2023 annual reports, rounded — beauty 60–78% "
        "(珀莱雅, 上海家化 report ~60–70%), apparel 45–65% (太平鸟, 森马 ~40–56%), snacks 25–45% "
        "(三只松鼠, 良品铺子 ~23–33%), consumer electronics 15–35%, home textiles 35–55% (罗莱生活, "
        "水星家纺 ~40–47%), baby goods 30–50%. Refund and sign-off: press coverage of live-commerce "
        "returns puts apparel at 30–50% and above (try-on, sizing), cosmetics at 10–20%, food and "
        "perishables lowest (under 10%: cheap, consumed, often not returnable); sign-off is taken as "
        "about one minus the refund share. Click and click→buy rates: the 抖音电商罗盘 funnel "
        "(曝光→点击→成交) ranges quoted in 巨量学 training material, lower for considered purchases "
        "(digital, big-ticket home) and higher for impulse-priced food. These are rounded, plausible "
        "ranges for teaching, not measurements of one shop."),
    "ads": (
        "巨量引擎 / 巨量千川 bill CPM, CPC or oCPM (an auction: the platform help pages define the billing "
        "but publish no prices). CPM ¥20–70 and CTR 1–4% for feed traffic are the ranges agencies and "
        "巨量学 courses quote for Douyin e-commerce ads; search traffic costs more per impression and is "
        "clicked more, 穿山甲 (third-party apps) costs least and converts worst. CPC follows as CPM ÷ "
        "(1000 × CTR). 支付ROI 1.5–4 is the range e-commerce advertisers report as workable; below the "
        "break-even ROI (1 ÷ margin) a campaign loses money."),
    "live_outcomes": (
        "GPM (千次观看成交金额) = CVR chain × AOV × 1000: with viewers ≈ 0.7 × views, ~65% exposed, 5–20% "
        "clicking and 4–24% of clickers buying, 1–3% of views buy, and at an AOV of ¥50–200 a session "
        "earns a few hundred to low thousands of yuan per thousand views — the range third-party Douyin "
        "data tools (蝉妈妈, 飞瓜) show for ordinary rooms; UV价值 = GPM ÷ 1000 ÷ (viewers ÷ views)."),
    "live_types": (
        "Room types by who hosts: a brand's own room (品牌自播) keeps viewers 40–90 s, a creator's (达人带货) "
        "longer and more interactive, a small shop's daily room (店铺日播) shortest — ranges as 罗盘 "
        "benchmarks are usually quoted (停留 under 30 s counts as poor, over 1–2 min as good; 互动率 "
        "3–10%, 转粉率 0.5–3%)."),
    "account_types": (
        "By definition of the stage: a growing account gains several times the followers it loses, a "
        "mature one gains somewhat more than it loses (net growth of a few percent a quarter), a "
        "declining one loses more than it gains. The churn ratio (unfollows ÷ new followers) carries "
        "the definition; follow rates per play 0.03–0.6% and reach 1–30% of followers per post are the "
        "ranges creator-analytics tools report."),
}
