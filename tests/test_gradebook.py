"""Gradebook rows, formula-safe CSV/XLSX exports that round-trip, and item analysis on hand-computed data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pandas as pd
import pytest

from simulator.service import gradebook as gb
from simulator.service.gradebook import ManualSummary, TaskGrade, TaskInfo, summarize_manual

TASKS = [
    TaskInfo("t1", "metric", 40, ("L3/6.1.4",)),
    TaskInfo("t2", "report_table", 60, ("L3/6.1.4", "L3/6.2.1")),
]
SCORES = {"A": (40, 60), "B": (40, 45), "C": (0, 60), "D": (40, 15), "E": (40, 0), "F": (0, 30), "G": (20, 0),
          "H": (0, 0)}  # fmt: skip
WHEN = datetime(2025, 3, 1, 2, 30, tzinfo=UTC)


def _grade(task: TaskInfo, score: float) -> TaskGrade:
    status = "correct" if score == task.points else ("partial" if score else "wrong")
    return TaskGrade(task.id, score, task.points, status, "")


def class_rows(names: dict[str, str] | None = None) -> list[gb.GradebookRow]:
    rows = []
    for trainee, scores in SCORES.items():
        auto = {task.id: _grade(task, s) for task, s in zip(TASKS, scores, strict=True)}
        name = (names or {}).get(trainee, f"学员{trainee}")
        rows.append(gb.build_row(trainee, name, "submitted", WHEN, WHEN, TASKS, auto, {}))
    rows.append(gb.build_row("Z", "缺考", "not_started", None, None, TASKS, {}, {}))
    return rows


def test_rows_add_task_scores_and_pass_at_sixty():
    rows = {r.trainee_id: r for r in class_rows()}
    assert (rows["A"].total, rows["A"].passed, rows["D"].total, rows["D"].passed) == (100, True, 55, False)
    assert (rows["C"].total, rows["C"].passed) == (60, True)
    assert (rows["Z"].total, rows["Z"].passed, rows["Z"].tasks) == (None, None, {})


def test_a_scenario_not_worth_100_points_is_scaled_to_100():
    tasks = [TaskInfo("t1", "metric", 20), TaskInfo("t2", "metric", 30)]
    auto = {"t1": TaskGrade("t1", 20, 20, "correct"), "t2": TaskGrade("t2", 15, 30, "partial")}
    row = gb.build_row("A", "", "submitted", None, None, tasks, auto, {})
    assert (row.tasks["t1"].score, row.tasks["t2"].score, row.tasks["t2"].max_score) == (40, 30, 60)
    assert (row.total, row.max_total, row.passed) == (70, 100, True)


def test_a_settled_manual_score_replaces_the_ungraded_one():
    tasks = [TaskInfo("t1", "metric", 60), TaskInfo("t9", "free_text", 40)]
    auto = {"t1": TaskGrade("t1", 60, 60, "correct"), "t9": TaskGrade("t9", 0, 40, "ungraded", "待评")}
    pending = gb.build_row(
        "A", "", "submitted", None, None, tasks, auto, {"t9": gb.summarize_manual("t9", {"a": 30})}
    )
    assert (pending.total, pending.pending_manual, pending.tasks["t9"].status) == (60, True, "ungraded")
    settled = gb.summarize_manual("t9", {"a": 30, "b": 36, "c": 20}, {"a": "ok"})
    assert settled == ManualSummary("t9", {"a": 30, "b": 36, "c": 20}, {"a": "ok"}, 30, 16)
    row = gb.build_row("A", "", "submitted", None, None, tasks, auto, {"t9": settled})
    assert (row.total, row.pending_manual, row.tasks["t9"].status, row.tasks["t9"].manual) == (
        90,
        False,
        "partial",
        settled,
    )


def test_item_analysis_matches_hand_computed_values():
    stats = {s.task_id: s for s in gb.item_analysis(class_rows(), TASKS)}
    # 8 graded trainees; groups of round(0.27 * 8) = 2: upper A, B; lower G, H.
    assert stats["t1"] == gb.ItemStats("t1", 8, 22.5, 0.5, 0.75)  # upper (1 + 1)/2, lower (0.5 + 0)/2
    assert stats["t2"] == gb.ItemStats("t2", 8, 26.25, 0.25, 0.875)  # upper (1 + .75)/2, lower 0
    assert gb.item_analysis([], TASKS)[0] == gb.ItemStats("t1", 0, None, None, None)


def test_mastery_per_skill_and_score_distribution():
    rows = class_rows()
    assert gb.skill_mastery(rows, TASKS) == {"L3/6.1.4": 390 / 800, "L3/6.2.1": 210 / 480}
    bins = gb.score_distribution(rows)
    assert [c for _, _, c in bins] == [1, 0, 1, 1, 1, 1, 1, 0, 1, 1]  # 100 falls in the last bin, [90, 100]
    assert (bins[0][:2], bins[-1][:2]) == ((0, 10), (90, 100))


NASTY = {"A": "=HYPERLINK(\"http://evil\",\"点我\")", "B": "+1+1", "C": "-2+3", "D": "@SUM(A1:A9)",
         "E": "\tcmd", "F": "\r=1", "G": "李雷 = 好"}  # fmt: skip


def test_formula_injection_is_neutralised_in_both_formats():
    rows = class_rows(NASTY)
    headers, records = gb.table(rows, TASKS)
    names = {r[0]: r[1] for r in records}
    assert names["A"] == '\'=HYPERLINK("http://evil","点我")' and names["G"] == "李雷 = 好"
    assert all(names[k].startswith("'") for k in "ABCDEF")
    cells = [
        c for line in csv.reader(io.StringIO(gb.to_csv_bytes(rows, TASKS).decode("utf-8-sig"))) for c in line
    ]
    assert len(cells) == 10 * 10 and not [c for c in cells if c.startswith(gb.FORMULA_PREFIXES)]
    sheet = openpyxl.load_workbook(io.BytesIO(gb.to_xlsx_bytes(rows, TASKS))).active
    cells = [sheet.cell(row=r, column=2) for r in range(2, sheet.max_row + 1)]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    assert cells[0].value == names["A"]
    assert gb.neutralise(-3.5) == -3.5 and gb.neutralise("-3.5") == "-3.5"  # a number to Excel, not a formula
    assert gb.neutralise("-3.5+1") == "'-3.5+1"


def test_csv_with_bom_and_xlsx_round_trip_to_the_same_table():
    rows = class_rows(NASTY)
    data = gb.to_csv_bytes(rows, TASKS)
    assert data.startswith(b"\xef\xbb\xbf")
    from_csv = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"trainee_id": str},
                           keep_default_na=False, na_values=[""])  # fmt: skip
    from_xlsx = pd.read_excel(io.BytesIO(gb.to_xlsx_bytes(rows, TASKS)), dtype={"trainee_id": str})
    headers, records = gb.table(rows, TASKS)
    expected = pd.DataFrame([[float("nan") if c is None else c for c in r] for r in records], columns=headers)
    assert list(from_csv.columns) == headers == list(from_xlsx.columns)
    assert headers == [
        "trainee_id",
        "name",
        "status",
        "t1",
        "t2",
        "total",
        "max_score",
        "passed",
        "submitted_at",
        "pending",
    ]
    pd.testing.assert_frame_equal(from_csv, from_xlsx, check_dtype=False)
    pd.testing.assert_frame_equal(from_csv.drop(columns="passed"), expected.drop(columns="passed"),
                                  check_dtype=False)  # fmt: skip
    assert from_csv["passed"].tolist()[:8] == [True, True, True, False, False, False, False, False]
    assert from_csv.loc[0, "submitted_at"] == "2025-03-01 02:30:00" and from_csv.loc[0, "total"] == 100


def test_chinese_headers_and_files_by_suffix(tmp_path):
    rows = class_rows()
    headers, records = gb.table(rows, TASKS, lang="zh")
    assert headers[:3] == ["学号", "姓名", "状态"] and headers[-5:] == [
        "总分",
        "满分",
        "是否通过",
        "交卷时间(UTC)",
        "暂定原因",
    ]
    assert {r[headers.index("是否通过")] for r in records} <= {"是", "否", None}
    assert records[0][2] == "已交卷" and records[-1][2] == "未开始"
    gb.write_gradebook(tmp_path / "book.xlsx", rows, TASKS, "zh")
    gb.write_gradebook(tmp_path / "book.csv", rows, TASKS)
    assert openpyxl.load_workbook(tmp_path / "book.xlsx").active["A1"].value == "学号"
    assert (tmp_path / "book.csv").read_bytes().startswith(b"\xef\xbb\xbftrainee_id,name")
    with pytest.raises(ValueError):
        gb.write_gradebook(tmp_path / "book.ods", rows, TASKS)


def test_a_mark_still_pending_is_labelled_and_leaves_passed_open_in_both_exports_and_json():
    written = TaskInfo("t3", "free_text", 20, ("L3/7.2.1",))
    tasks = [TaskInfo("t1", "metric", 80, ("L3/6.1.4",)), written]
    auto = {"t1": TaskGrade("t1", 80, 80, "correct"), "t3": TaskGrade("t3", 0, 20, "ungraded")}
    two_marks = summarize_manual("t3", {"r1": 10, "r2": 12})
    waiting = gb.build_row("P", "张三", "submitted", WHEN, WHEN, tasks, auto, {"t3": two_marks})
    settled = gb.build_row("Q", "李四", "submitted", WHEN, WHEN, tasks, auto,
                           {"t3": summarize_manual("t3", {"r1": 10, "r2": 12, "r3": 16})})  # fmt: skip
    not_yet = gb.build_row("R", "王五", "timed_out", WHEN, WHEN, tasks, {}, {})
    rows = [waiting, settled, not_yet]
    headers, records = gb.table(rows, tasks, "zh")
    by_id = {r[0]: dict(zip(headers, r, strict=True)) for r in records}
    assert (by_id["P"]["t3"], by_id["P"]["是否通过"], by_id["P"]["暂定原因"]) == ("待评分", "待评分", "待评分: t3")
    assert (by_id["Q"]["t3"], by_id["Q"]["是否通过"], by_id["Q"]["暂定原因"]) == (12, "是", None)
    assert (by_id["R"]["总分"], by_id["R"]["暂定原因"]) == (None, "评分中")
    json_headers, json_records = gb.table(rows, tasks)
    p = dict(zip(json_headers, json_records[0], strict=True))
    assert (p["t3"], p["passed"], p["pending"]) == (None, None, "t3")
    book = pd.read_csv(io.BytesIO(gb.to_csv_bytes(rows, tasks, "zh")), encoding="utf-8-sig")
    xlsx = pd.read_excel(io.BytesIO(gb.to_xlsx_bytes(rows, tasks, "zh")))
    for frame in (book, xlsx):
        assert frame.loc[0, "t3"] == "待评分" and frame.loc[0, "是否通过"] == "待评分"
        assert frame.loc[1, "是否通过"] == "是"
    mastery, waiting_share = gb.skill_mastery(rows, tasks), gb.skill_pending(rows, tasks)
    assert "L3/7.2.1" in mastery and mastery["L3/7.2.1"] == pytest.approx(12 / 20)  # only the settled mark
    assert waiting_share["L3/7.2.1"] == pytest.approx(0.5) and waiting_share["L3/6.1.4"] == 0
