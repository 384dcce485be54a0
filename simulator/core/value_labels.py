"""Category values in both languages: the one table behind ``--lang`` exports, the data view and grading.

Generated frames keep the canonical values (the contract's English codes for ``status`` and ``variant``,
Chinese names where a Chinese platform export writes Chinese, as for ``objective`` or ``placement``). A
zh export writes every value in Chinese and an en export in English; :func:`canonical_value` reads
either back, so graders accept a table in whichever language the trainee downloaded. Stage codes
(O, A1–A5), bid types (oCPM, CPC), ids and names (products, accounts, campaigns) are not translated.

>>> value_label("status", "in_transit", "zh"), value_label("objective", "商品购买", "en")
('运输中', 'product purchase')
>>> canonical_value("已签收"), canonical_value("Product Purchase"), canonical_value("C01")
('signed', '商品购买', 'C01')
"""

from __future__ import annotations

import unicodedata

import pandas as pd

from simulator.core.cache import BoundedCache

VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "status": {"signed": ("已签收", "signed"), "rejected": ("拒收", "rejected"),
               "returned": ("已退货", "returned"), "in_transit": ("运输中", "in_transit")},
    "variant": {"control": ("对照组", "control"), "treatment": ("实验组", "treatment")},
    "objective": {"商品购买": ("商品购买", "product purchase"), "直播间成交": ("直播间成交", "live-room sales"),
                  "线索收集": ("线索收集", "lead collection"), "粉丝增长": ("粉丝增长", "follower growth")},
    "placement": {"抖音信息流": ("抖音信息流", "Douyin feed"), "抖音搜索": ("抖音搜索", "Douyin search"),
                  "今日头条": ("今日头条", "Toutiao"), "西瓜视频": ("西瓜视频", "Xigua Video"),
                  "穿山甲": ("穿山甲", "Pangle")},
    "category": {"美妆": ("美妆", "beauty"), "服饰": ("服饰", "apparel"), "食品": ("食品", "food"),
                 "数码": ("数码", "electronics"), "家居": ("家居", "home"), "母婴": ("母婴", "mother & baby")},
    "platform": {"抖音": ("抖音", "Douyin"), "快手": ("快手", "Kuaishou"), "视频号": ("视频号", "WeChat Channels"),
                 "小红书": ("小红书", "Xiaohongshu"), "微博": ("微博", "Weibo"), "B站": ("B站", "Bilibili")},
    "source": {"推荐feed": ("推荐feed", "recommendation feed"), "千川付费": ("千川付费", "Qianchuan paid"),
               "关注": ("关注", "following"), "短视频引流": ("短视频引流", "short-video referral"),
               "搜索": ("搜索", "search"), "其他": ("其他", "other")},
    "gender": {"女": ("女", "female"), "男": ("男", "male")},
    "city_tier": {"一线": ("一线", "tier 1"), "新一线": ("新一线", "new tier 1"), "二线": ("二线", "tier 2"),
                  "三线": ("三线", "tier 3"), "四线及以下": ("四线及以下", "tier 4 and below")},
}
"""Column → canonical value → (zh label, en label). A column of any dataset with this name is translated."""


def value_label(column: str, value: object, lang: str) -> object:
    """``value`` of ``column`` as a ``lang`` export writes it; values not in the table are returned as they are."""
    labels = VALUES.get(column, {}).get(value) if isinstance(value, str) else None
    if labels is None:
        return value
    return labels[0] if str(lang).lower().startswith("zh") else labels[1]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_reversed: BoundedCache[dict[str, str]] = BoundedCache("value_labels.reverse", size=1, copy=None)
"""The label → canonical value table (one value); private to this module, which only reads it."""


def _reverse() -> dict[str, str]:
    """Every canonical value, zh and en label (folded) → the canonical value (cached, read-only)."""
    return _reversed.get((), _build_reverse)


def _build_reverse() -> dict[str, str]:
    """What :func:`_reverse` caches."""
    out: dict[str, str] = {}
    for values in VALUES.values():
        for canonical, (zh, en) in values.items():
            for name in (canonical, zh, en):
                out[_fold(name)] = canonical
    return out


def canonical_value(value: object) -> object:
    """The canonical value behind a zh or en label (case and width ignored); other values unchanged."""
    if not isinstance(value, str):
        return value
    return _reverse().get(_fold(value), value)


def translate_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``df`` (canonical column names) whose category values are in ``lang``."""
    out = df.copy()
    for column in out.columns:
        if column not in VALUES:
            continue
        mapping = {c: value_label(column, c, lang) for c in VALUES[column]}
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            renames = {c: mapping[c] for c in series.cat.categories if c in mapping and mapping[c] != c}
            out[column] = series.cat.rename_categories(renames) if renames else series
        else:
            out[column] = series.map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    return out
