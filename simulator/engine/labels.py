"""Column names in both languages: canonical English names ⇄ Chinese labels and common synonyms.

English labels *are* the canonical names (``--lang en`` files carry canonical headers, as the contract
says); Chinese labels come from the generators' ``COLUMNS`` (what ``--lang zh`` writes), then the metric
labels of :mod:`simulator.engine.metrics`, then the group labels below. :func:`canonical_column` reads headers
the way trainees and platform exports write them.

>>> column_label("ctr", "zh"), column_label("ctr", "en"), column_label("week", "zh")
('点击率', 'ctr', '周')
>>> canonical_column("消耗(元)"), canonical_column(" CTR "), canonical_column("花费")
('cost', 'ctr', 'cost')
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from typing import TYPE_CHECKING

import pandas as pd

from simulator.core.cache import BoundedCache
from simulator.engine.metrics import METRICS

if TYPE_CHECKING:
    from data.generators.base import Column

GROUP_LABELS: dict[str, str] = {
    "day": "日期", "week": "周", "month": "月份", "date": "日期", "period": "周期", "total": "合计",
}
"""Chinese labels of grouping columns that are not dataset columns."""

SYNONYMS: dict[str, tuple[str, ...]] = {
    "cost": ("消耗", "花费", "成本", "广告消耗", "总花费", "总消耗", "投放消耗", "消耗金额", "spend"),
    "impressions": ("展现", "展示", "展示数", "展示量", "展现量", "展现数", "曝光", "曝光量", "曝光数",
                    "展示次数", "imp", "impression"),
    "clicks": ("点击", "点击数", "点击量", "点击次数", "click"),
    "ctr": ("点击率", "ctr"),
    "cpm": ("千次展示费用", "平均千次展示费用", "千次展现费用", "平均千次展现费用", "千展费用", "cpm"),
    "cpc": ("点击单价", "平均点击单价", "平均点击成本", "点击成本", "cpc"),
    "conversions": ("转化数", "转化量", "转化次数", "conversion", "convert"),
    "cvr": ("转化率", "cvr"),
    "cpa": ("转化成本", "平均转化成本", "cpa"),
    "orders": ("订单数", "订单量", "成交订单数", "支付订单数", "成交单量", "order"),
    "gmv": ("成交金额", "gmv", "支付金额", "成交额", "销售额", "支付gmv", "成交gmv", "直播间成交金额"),
    "refunds": ("退款金额", "退款", "退款额", "refund"),
    "roi": ("支付roi", "roi", "投产比", "投入产出比"),
    "net_roi": ("净成交roi", "净roi", "netroi"),
    "signed_roi": ("签收roi",),
    "signed_gmv": ("签收金额", "签收gmv", "签收成交金额"),
    "views": ("观看次数", "场观", "pv", "观看人次", "进房次数"),
    "viewers": ("累计观看人数", "观看人数", "uv", "进房人数"),
    "gpm": ("千次观看成交金额", "gpm"),
    "uv_value": ("uv价值",),
    "avg_order_value": ("客单价", "aov"),
    "avg_watch_seconds": ("人均观看时长", "平均观看时长"),
    "avg_online": ("平均在线人数", "平均在线"),
    "peak_online": ("最高在线人数", "在线人数峰值", "峰值在线人数", "最高在线"),
    "follow_rate": ("转粉率", "观看-关注率", "观看关注率"),
    "interaction_rate": ("观看-互动率", "观看互动率"),
    "product_ctr": ("商品曝光-点击率", "商品曝光点击率", "商品点击率"),
    "click_to_buy_rate": ("商品点击-成交率", "商品点击成交率", "点击成交率", "点击-成交率"),
    "watch_to_buy_rate": ("观看-成交率", "观看成交率", "成交转化率"),
    "refund_rate": ("退款率", "退款金额占比"),
    "completion_rate": ("完播率",),
    "like_rate": ("点赞率",),
    "comment_rate": ("评论率",),
    "share_rate": ("分享率",),
    "engagement_rate": ("互动率",),
    "play_follow_rate": ("播转粉率", "播放转粉率"),
    "net_follower_gain": ("净增粉", "净增粉丝", "净增粉丝数", "净涨粉"),
    "new_followers": ("新增粉丝", "新增粉丝数", "涨粉", "涨粉数", "新增关注", "新增关注数", "新增粉丝量"),
    "unfollows": ("取关", "取关数", "取消关注", "取消关注数", "取关粉丝数"),
    "followers": ("粉丝数", "粉丝量", "粉丝总数", "总粉丝数"),
    "plays": ("播放量", "播放数", "播放次数"),
    "completions": ("完播数", "完播次数", "完播量"),
    "likes": ("点赞", "点赞数", "点赞量"),
    "comments": ("评论", "评论数", "评论量"),
    "shares": ("分享", "分享数", "转发", "转发数", "分享量"),
    "favorites": ("收藏", "收藏数", "收藏量", "favourites", "favorite", "favourite"),
    "buyers": ("成交人数", "购买人数", "支付人数", "成交用户数"),
    "interacting_users": ("互动人数",),
    "product_exposure_users": ("商品曝光人数",),
    "product_click_users": ("商品点击人数",),
    "watch_seconds": ("观看总时长", "总观看时长"),
    "date": ("日期", "时间", "统计日期", "day"),
    "week": ("周", "周次", "自然周", "week"),
    "month": ("月份", "月", "month"),
    "campaign_id": ("计划id", "广告计划id"),
    "campaign_name": ("计划名称", "广告计划名称", "计划名", "广告计划"),
    "adgroup_id": ("广告组id", "单元id"),
    "creative_id": ("创意id",),
    "objective": ("营销目标", "推广目标", "投放目标"),
    "bid_type": ("出价方式", "出价类型"),
    "placement": ("投放位置", "广告位", "版位"),
    "account_id": ("账号id",),
    "account_name": ("账号名称", "账号", "账号名"),
    "platform": ("平台",),
    "post_id": ("作品id", "视频id"),
    "publish_date": ("发布日期", "发布时间"),
    "session_id": ("场次id", "直播场次id", "场次"),
    "start_time": ("开播时间", "开始时间", "直播开始时间"),
    "duration_min": ("直播时长", "直播时长(分钟)", "时长(分钟)"),
    "product_id": ("商品id",),
    "product_name": ("商品名称", "商品名", "商品"),
    "category": ("类目", "品类", "商品类目"),
    "price": ("价格", "售价", "单价", "商品价格"),
    "unit_cost": ("成本价", "单位成本", "单件成本"),
    "status": ("状态", "订单状态"),
    "amount": ("金额", "订单金额"),
    "order_id": ("订单id", "订单号"),
    "source": ("流量来源", "来源", "渠道"),
    "stage": ("阶段", "5a阶段", "人群阶段"),
    "gender": ("性别",),
    "age_band": ("年龄段", "年龄"),
    "city_tier": ("城市等级", "城市线级", "城市级别"),
    "user_id": ("用户id",),
    "snapshot_date": ("快照日期",),
    "variant": ("组别", "分组", "实验组", "实验分组"),
    "assigned_date": ("分组日期", "分配日期"),
    "converted": ("是否转化",),
    "revenue": ("收入", "营收"),
}
"""Canonical column → other headers seen in exports and trainees' tables (matched after normalising)."""

DATASET_SYNONYMS: dict[str, dict[str, str]] = {
    "live_sessions": {"互动率": "interaction_rate", "观看人数": "viewers"},
    "experiment": {"转化": "converted"},
    "live_products": {"商品曝光人数": "exposure_users", "商品点击人数": "click_users",
                      "曝光人数": "exposure_users", "点击人数": "click_users"},
}
"""Headers whose meaning depends on the dataset."""


def header_key(header: object) -> str:
    """The matching key of a header: NFKC, case-folded, without spaces, ``_-·:`` and unit brackets.

    >>> header_key(" 消耗（元） "), header_key("Click_Users")
    ('消耗', 'clickusers')
    """
    text = unicodedata.normalize("NFKC", str(header)).casefold()
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】", "", text)
    return re.sub(r"[\s_\-·:/.%*]+", "", text)


def _raw_key(header: object) -> str:
    return re.sub(r"[\s_\-·:/.%*]+", "", unicodedata.normalize("NFKC", str(header)).casefold())


_columns: BoundedCache[dict[str, dict[str, Column]]] = BoundedCache(
    "labels.dataset_columns", size=1, copy=lambda tables: {name: dict(cols) for name, cols in tables.items()})
"""The generators' column docs (one value); each caller gets its own dicts of the shared docs."""
_indexes: BoundedCache[dict[str, str]] = BoundedCache("labels.header_index", size=64, copy=None)
"""Header key → canonical column, per dataset; private to this module, which only reads them."""


def dataset_columns() -> dict[str, dict[str, Column]]:
    """Every generator family's ``COLUMNS`` that imports; a family that fails to import is skipped."""
    return _columns.get((), _load_dataset_columns)


def _load_dataset_columns() -> dict[str, dict[str, Column]]:
    """What :func:`dataset_columns` caches."""
    out: dict[str, dict[str, Column]] = {}
    try:
        from data.generators import _MODULES
    except Exception:  # noqa: BLE001 - generators are optional for labels
        return out
    for name in _MODULES:
        try:
            module = importlib.import_module(f"data.generators.{name}")
            out.update(getattr(module, "COLUMNS", {}))
        except Exception:  # noqa: BLE001 - a broken family must not break header reading
            continue
    return out


def column_label(column: str, lang: str, dataset: str | None = None) -> str:
    """The header for ``column``: its Chinese label for zh, the canonical name itself for en.

    Unknown columns are returned unchanged.
    """
    if not (lang or "zh").lower().startswith("zh"):
        return column
    tables = dataset_columns()
    if dataset and column in tables.get(dataset, {}):
        return tables[dataset][column].zh
    if column in METRICS:
        return METRICS[column].zh
    if column in GROUP_LABELS:
        return GROUP_LABELS[column]
    for columns in tables.values():
        if column in columns:
            return columns[column].zh
    return column


def _index(dataset: str | None) -> dict[str, str]:
    """Header key → canonical column, highest priority written last (cached, read-only)."""
    return _indexes.get(dataset, lambda: _build_index(dataset))


def _build_index(dataset: str | None) -> dict[str, str]:
    """What :func:`_index` caches."""
    tables = dataset_columns()
    index: dict[str, str] = {}
    for columns in tables.values():
        for column, doc in columns.items():
            index[header_key(doc.zh)] = column
            index[header_key(column)] = column
    for column, names in SYNONYMS.items():
        for name in names:
            index[header_key(name)] = column
    for metric in METRICS.values():
        index[header_key(metric.zh)] = metric.name
        index[header_key(metric.en)] = metric.name
    for column, zh in GROUP_LABELS.items():
        index.setdefault(header_key(zh), column)
    for column in list(METRICS) + list(SYNONYMS) + [c for cols in tables.values() for c in cols]:
        index[header_key(column)] = column
    if dataset:
        for name, column in DATASET_SYNONYMS.get(dataset, {}).items():
            index[header_key(name)] = column
        for column, doc in tables.get(dataset, {}).items():
            index[header_key(doc.zh)] = column
            index[header_key(column)] = column
    return index


def canonical_column(header: str, dataset: str | None = None) -> str | None:
    """The canonical column a header names, or None when unknown.

    Accepts canonical names, zh labels, en labels and synonyms, ignoring case, spaces, full-width
    forms and unit brackets (``"点击率(%)"``). With ``dataset``, that dataset's own labels win.
    """
    if header is None:
        return None
    index = _index(dataset)
    raw = _raw_key(header)
    if raw in index:
        return index[raw]
    key = header_key(header)
    return index.get(key) if key else None


def rename_to_labels(df: pd.DataFrame, lang: str, dataset: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` with headers in ``lang`` (a label already taken keeps the canonical name)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column in df.columns:
        label = column_label(str(column), lang, dataset)
        mapping[column] = label if label not in used else str(column)
        used.add(mapping[column])
    return df.rename(columns=mapping)


def rename_to_canonical(df: pd.DataFrame, dataset: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """A copy of ``df`` with canonical headers, plus the headers that could not be mapped.

    An unknown header is kept as it was; a second header mapping to an already-used canonical name
    is kept as it was too and listed as unknown (an underscore is appended if that would repeat a name).
    """
    names: list[str] = []
    unknown: list[str] = []
    for column in df.columns:
        canonical = canonical_column(str(column), dataset)
        if canonical is None or canonical in names:
            unknown.append(str(column))
            canonical = str(column)
            while canonical in names:
                canonical += "_"
        names.append(canonical)
    out = df.copy()
    out.columns = names
    return out, unknown


def reset_cache() -> None:
    """Forgets the cached generator columns (after a generator module changed in this process)."""
    _columns.clear()
    _indexes.clear()
