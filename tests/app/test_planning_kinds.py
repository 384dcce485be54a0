"""The new planning kinds on the practice page (AppTest): the KPI tree uploaded as CSV, the summary
workbook as one XLSX, and the matrix review typed field by field, each scored from the trainee's data."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from app_helpers import start

from simulator import answer_key, load_scenario
from simulator.app.ui import catalog
from simulator.assessment.scenario import shipped_paths
from simulator.core.results import TaskContext
from simulator.tasks import kpi_tree, matrix_review, summary_report

SCENARIO = "l2-team-targets"


@pytest.fixture(autouse=True)
def shipped(monkeypatch):
    monkeypatch.setattr(catalog, "shipped_paths", shipped_paths)


def _entry(trainee: str, task: str) -> tuple:
    sc = load_scenario(SCENARIO)
    entry = next(e for e in answer_key(sc, trainee)["tasks"] if e["id"] == task)
    spec = next(t for t in sc.tasks if t.id == task)
    return entry["answer"], spec.params


def _texts(at) -> list[str]:
    return [e.value for kind in ("success", "warning", "error", "info") for e in getattr(at, kind)]


def _check(at, task: str):
    at.button(key=f"practice.check.{SCENARIO}.{task}").click().run()
    assert not at.exception, at.exception


def test_kpi_tree_csv_scores_full_marks_and_a_wrong_total_row_is_named():
    at = start(SCENARIO, "K-001")
    answer, params = _entry("K-001", "t1")
    p = kpi_tree.Params(**params)
    sheet = kpi_tree.as_raw(answer, p)
    at.file_uploader(key=f"practice.ans.{SCENARIO}.t1.file").set_value(
        ("指标树.csv", sheet.to_csv(index=False).encode("utf-8-sig"), "text/csv")).run()
    _check(at, "t1")
    assert any(s.startswith("正确 · 得分 30 / 30") for s in _texts(at)), _texts(at)
    no_total = sheet[sheet.iloc[:, 0] != "合计"]
    at.file_uploader(key=f"practice.ans.{SCENARIO}.t1.file").set_value(
        ("指标树.csv", no_total.to_csv(index=False).encode("gbk"), "text/csv")).run()
    _check(at, "t1")
    assert any(w.startswith("部分正确") for w in _texts(at))
    assert any("缺少合计行" in w for w in _texts(at)), _texts(at)


def test_summary_workbook_xlsx_is_graded_per_sheet():
    at = start(SCENARIO, "K-002")
    answer, params = _entry("K-002", "t3")
    p = summary_report.Params(**params)
    sheets = summary_report.as_raw(answer, p, TaskContext())
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader(key=f"practice.ans.{SCENARIO}.t3.file").set_value(("汇总报表.xlsx", buffer.getvalue(), xlsx)).run()
    _check(at, "t3")
    assert any(s.startswith("正确 · 得分 40 / 40") for s in _texts(at)), _texts(at)


def test_matrix_review_typed_field_by_field_and_a_wrong_account():
    at = start(SCENARIO, "K-003")
    answer, params = _entry("K-003", "t2")
    p = matrix_review.Params(**params)
    for field in p.fields():
        value = answer[field]
        typed = value if isinstance(value, str) else (f"{value:.0f}" if field == "total" else f"{value:.4f}")
        typed = typed.replace(" > ", "、") if field == "ranking" else typed
        at.text_input(key=f"practice.ans.{SCENARIO}.t2.field.{field}").input(typed)
    _check(at, "t2")
    assert any(s.startswith("正确 · 得分 30 / 30") for s in _texts(at)), _texts(at)
    other = next(a for a in answer["accounts"] if a != answer["grow"])
    at.text_input(key=f"practice.ans.{SCENARIO}.t2.field.grow").input(answer["accounts"][other])  # by name
    _check(at, "t2")
    assert any(w.startswith("部分正确") and "9/10" in w for w in _texts(at)), _texts(at)
