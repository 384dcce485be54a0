"""The brief/data agreement checks selftest runs (``simulator.assessment.brief``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulator.assessment.brief import brief_problems, grouping_problems, names_in
from simulator.assessment.grading import selftest
from simulator.assessment.scenario import parse_scenario

SCENARIO = """
id: brief-check
title: {zh: 简报核对, en: Brief check}
level: L4
direction: 流量运营
context: {zh: "店铺在抖音、小红书运营账号,千川计划采用 oCPM 出价,投放在抖音搜索。", en: Shop brief.}
seed: 3
datasets:
  accounts: {accounts: 2, platforms: [抖音, 快手]}
  ads: {campaigns: 3, bid_types: {oCPM: 1}}
tasks:
  - id: t1
    kind: report_table
    points: 50
    skills: [L4/6.1.1]
    params: {dataset: ad_delivery, by: [bid_type], metrics: [cost, clicks]}
  - id: t2
    kind: metric
    points: 50
    skills: [L4/5.2.1]
    params: {dataset: posts, metric: engagement_rate}
"""


def test_latin_names_are_whole_words_and_chinese_names_substrings():
    text = "出价方式为 oCPM;投放在抖音信息流"
    assert names_in(text, "ad_delivery", "bid_type") == ["oCPM"]  # CPM is not inside oCPM
    assert names_in(text, "ad_delivery", "placement") == ["抖音信息流"]
    assert names_in("品牌在快手运营账号", "accounts_daily", "platform") == ["快手"]


def test_problems_name_the_missing_value_the_unnamed_platform_and_a_thin_report(tmp_path: Path):
    sc = parse_scenario(SCENARIO, "brief.yaml")
    frames = {"accounts_daily": pd.DataFrame({"platform": ["抖音", "快手"]}),
              "ad_delivery": pd.DataFrame({"bid_type": ["oCPM"], "placement": ["抖音信息流"]})}
    problems = brief_problems(sc, frames, "T1")
    assert "T1: the brief names 小红书 but accounts_daily.platform has no such row" in problems
    assert "T1: accounts_daily.platform holds 快手, which the brief does not name" in problems
    assert "T1: the brief names 抖音搜索 but ad_delivery.placement has no such row" in problems
    assert not any("oCPM" in p for p in problems)
    key = {"tasks": [{"id": "t1", "kind": "report_table", "params": {"by": ["bid_type"]},
                      "answer": {"rows": [{"bid_type": "oCPM", "cost": 1.0}]}}]}
    assert grouping_problems(key, "T1") == ["T1 t1: the report has 1 group(s), fewer than 3",
                                            "T1 t1: bid_type takes 1 value(s) in the report, fewer than 3"]
    report = selftest(sc, seeds=1)
    assert any("小红书" in f for f in report.failures) and any("fewer than 3" in f for f in report.failures)


def test_each_summary_report_sheet_is_a_report_grouping_with_three_groups():
    rows = [{"week": w, "placement": "抖音信息流", "cost": 1.0} for w in ("2024-11-04", "2024-11-11", "2024-11-18")]
    key = {"tasks": [{"id": "t3", "kind": "summary_report",
                      "params": {"sheets": [{"name": "周趋势", "by": "week"}, {"name": "版位", "by": ["placement"]},
                                            {"name": "计划", "by": "campaign_id"}]},
                      "answer": {"sheets": [{"name": "周趋势", "rows": rows},
                                            {"name": "版位", "rows": rows},
                                            {"name": "计划", "rows": [{"campaign_id": c} for c in ("C1", "C2")]}]}}]}
    assert grouping_problems(key, "T1") == [  # the weekly sheet has its three groups
        "T1 t3/版位: placement takes 1 value(s) in the report, fewer than 3",
        "T1 t3/计划: the report has 2 group(s), fewer than 3",
        "T1 t3/计划: campaign_id takes 2 value(s) in the report, fewer than 3"]
