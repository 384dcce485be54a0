"""Column labels in both languages and the header synonyms trainees and platform exports use."""

from __future__ import annotations

import pandas as pd
import pytest

import simulator.engine.labels as labels
from simulator.engine.labels import (
    DATASET_SYNONYMS,
    SYNONYMS,
    canonical_column,
    column_label,
    dataset_columns,
    rename_to_canonical,
    rename_to_labels,
)
from simulator.engine.metrics import METRICS


@pytest.mark.parametrize("header, column", [
    ("消耗", "cost"), ("花费", "cost"), ("成本", "cost"), ("消耗(元)", "cost"), ("消耗（元）", "cost"),
    ("展现", "impressions"), ("展示量", "impressions"), ("曝光", "impressions"), ("展示数", "impressions"),
    ("点击率", "ctr"), ("CTR", "ctr"), ("ctr", "ctr"), ("ＣＴＲ", "ctr"), (" Ctr ", "ctr"),
    ("点击率(%)", "ctr"), ("千次展示费用", "cpm"), ("CPM", "cpm"), ("平均千次展示费用", "cpm"),
    ("成交金额", "gmv"), ("GMV", "gmv"), ("支付ROI", "roi"), ("净成交ROI", "net_roi"),
    ("签收ROI", "signed_roi"), ("千次观看成交金额", "gpm"), ("客单价", "avg_order_value"),
    ("Click-through rate (CTR)", "ctr"), ("Cost per mille (CPM)", "cpm"), ("click_users", "click_users"),
    ("Click Users", "click_users"), ("周", "week"), ("月份", "month"), ("日期", "date"),
    ("完播率", "completion_rate"), ("播转粉率", "play_follow_rate"), ("净增粉", "net_follower_gain"),
])
def test_canonical_column(header, column):
    assert canonical_column(header) == column


def test_unknown_header():
    assert canonical_column("备注") is None
    assert canonical_column("") is None
    assert canonical_column("()") is None


def test_every_metric_label_and_name_maps_back():
    for name, metric in METRICS.items():
        assert canonical_column(name) == name
        assert canonical_column(metric.en) == name
        assert canonical_column(metric.zh) == name, metric.zh


def test_every_synonym_maps_to_its_column():
    for column, names in SYNONYMS.items():
        for name in names:
            assert canonical_column(name) == column, name
    for dataset, table in DATASET_SYNONYMS.items():
        for name, column in table.items():
            assert canonical_column(name, dataset) == column


def test_dataset_specific_meaning():
    assert canonical_column("互动率") == "engagement_rate"
    assert canonical_column("互动率", "live_sessions") == "interaction_rate"
    assert canonical_column("商品曝光人数", "live_products") == "exposure_users"
    assert canonical_column("商品曝光人数", "live_sessions") == "product_exposure_users"


def test_generator_columns_round_trip():
    tables = dataset_columns()
    for dataset, columns in tables.items():
        frame = pd.DataFrame(columns=list(columns))
        zh = rename_to_labels(frame, "zh", dataset)
        assert list(zh.columns) == [doc.zh for doc in columns.values()]
        back, unknown = rename_to_canonical(zh, dataset)
        assert list(back.columns) == list(columns) and unknown == [], dataset
        assert list(rename_to_labels(frame, "en", dataset).columns) == list(columns)


def test_column_label():
    assert column_label("ctr", "zh") == "点击率"
    assert column_label("ctr", "en") == "ctr"
    assert column_label("ctr", "en-US") == "ctr"
    assert column_label("week", "zh") == "周"
    assert column_label("month", "zh") == "月份"
    assert column_label("whatever", "zh") == "whatever"
    if "ad_delivery" in dataset_columns():
        assert column_label("cost", "zh", "ad_delivery") == dataset_columns()["ad_delivery"]["cost"].zh


def test_rename_to_canonical_keeps_unknown_and_duplicates():
    frame = pd.DataFrame(columns=["消耗", "花费", "备注", "点击率"])
    out, unknown = rename_to_canonical(frame)
    assert list(out.columns) == ["cost", "花费", "备注", "ctr"]
    assert unknown == ["花费", "备注"]


def test_rename_to_canonical_never_duplicates_a_header():
    frame = pd.DataFrame(columns=["消耗", "cost"])
    out, unknown = rename_to_canonical(frame)
    assert out.columns.is_unique and out.columns[0] == "cost"
    assert unknown == ["cost"]


def test_degrades_without_generators(monkeypatch):
    def broken(name, *args, **kwargs):
        raise ImportError(name)

    labels.reset_cache()
    monkeypatch.setattr(labels.importlib, "import_module", broken)
    try:
        assert dataset_columns() == {}
        assert canonical_column("消耗") == "cost"
        assert column_label("ctr", "zh") == "点击率"
    finally:
        monkeypatch.undo()
        labels.reset_cache()
    assert canonical_column("消耗") == "cost"
