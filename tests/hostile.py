"""Hostile inputs shared by the hardening tests and the fuzz suite: a small scenario and the known bombs."""

from __future__ import annotations

import io
from pathlib import Path

SMALL_SCENARIO = """\
id: hostile-small
title: {zh: 小情景, en: Small scenario}
level: L4
direction: 流量运营
context: {zh: 测试用, en: For tests}
seed: 7
datasets:
  ads: {days: 5, campaigns: 2, adgroups_per_campaign: 1, creatives_per_adgroup: 1}
tasks:
  - id: t1
    kind: metric
    points: 30
    skills: [L4/5.2.1]
    params: {dataset: ad_delivery, metric: ctr}
  - id: t2
    kind: report_table
    points: 40
    skills: [L4/6.1.1]
    params: {dataset: ad_delivery, by: [bid_type], metrics: [cost, clicks, ctr]}
  - id: t3
    kind: choice
    points: 30
    skills: [L4/5.2.2]
    params: {question: top_by_metric, dataset: ad_delivery, entity: campaign_name, metric: roi, order: max}
"""


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """ "Billion laughs": ``width ** levels`` values from a few hundred bytes."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def far_cell_xlsx() -> bytes:
    """A ~5 KB workbook with a real table and one more cell at XFD1048576 (Excel's last cell)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["出价方式", "消耗", "点击量", "点击率"])
    sheet.append(["oCPM", 100.0, 20, "2.0%"])
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def long_cell_csv(chars: int = 200_000) -> bytes:
    return ("出价方式,消耗,点击量,点击率\noCPM,100," + "9" * chars + ",2%\n").encode("utf-8")


def write_small_scenario(folder: Path) -> Path:
    path = folder / "small.yaml"
    path.write_text(SMALL_SCENARIO, encoding="utf-8")
    return path
