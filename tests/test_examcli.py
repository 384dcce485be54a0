"""``simulator exam create|results`` on the same store as the app."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from simulator.assessment.grading import answer_key
from simulator.cli.main import main
from simulator.service import exam_admin, exam_grading, exams
from simulator.service.store import reset_stores
from simulator.tasks import get


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SIMULATOR_DATABASE_URL", raising=False)
    reset_stores()
    yield tmp_path
    reset_stores()


def test_create_with_roster_then_results_after_a_hand_in(data_dir, capsys):
    roster = data_dir / "roster.csv"
    roster.write_bytes("学号,姓名\nS01,张三\nS02,李四\n".encode("gbk"))
    assert main(["exam", "create", "tour-all-datasets", "--minutes", "120", "--roster", str(roster), "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    code = created["code"]
    assert len(code) >= 6 and created["minutes"] == 120 and created["roster"] == 2

    exams.join(code, "S01", "张三")
    key = answer_key("tour-all-datasets", "S01")
    for entry in key["tasks"]:
        module = get(entry["kind"])
        raw = module.as_raw(entry["answer"], module.Params(**entry["params"]), None)
        exams.save_answer(code, "S01", entry["id"], raw)
    exams.submit(code, "S01")  # graded in the background at hand-in; results only read
    assert exam_grading.wait_for_grading(120)

    out = data_dir / "book.csv"
    assert main(["exam", "results", code, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    book = pd.read_csv(io.BytesIO(out.read_bytes()), encoding="utf-8-sig", dtype={"学号": str})
    s01 = book.set_index("学号").loc["S01"]
    assert s01["总分"] == pytest.approx(100) and s01["是否通过"] == "是"
    assert book.set_index("学号").loc["S02", "状态"] == "未开始"

    assert main(["exam", "results", code, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["trainee_id"] for r in rows} == {"S01", "S02"}


def test_unknown_code_and_bad_roster_exit_2(data_dir, capsys):
    assert main(["exam", "results", "NOSUCH"]) == 2
    (data_dir / "empty.csv").write_text("学号\n", encoding="utf-8")
    assert main(["exam", "create", "tour-all-datasets", "--roster", str(data_dir / "empty.csv")]) == 2
    err = capsys.readouterr().err
    assert "Unknown exam code" in err and "lists no trainees" in err and "Traceback" not in err


def _sat(code: str, scenario: str, trainees: list[str]) -> None:
    for trainee in trainees:
        exams.join(code, trainee, f"学员{trainee}")
        key = answer_key(scenario, trainee)
        for entry in key["tasks"]:
            module = get(entry["kind"])
            raw = module.as_raw(entry["answer"], module.Params(**entry["params"]), None)
            if isinstance(raw, str | int | float | dict | list):  # tables would be uploads; leave them out
                exams.save_answer(code, trainee, entry["id"], raw)
        exams.submit(code, trainee)
    assert exam_grading.wait_for_grading(120)


def test_admin_cli_lists_shows_status_releases_and_regrades_only_with_the_same_scenario(data_dir, capsys):
    import yaml

    from simulator.assessment.scenario import resolve

    assert main(["exam", "create", "exam-l4-traffic"]) == 0
    code = capsys.readouterr().out.strip()
    _sat(code, "exam-l4-traffic", ["S01", "S02"])
    assert main(["exam", "list", "--json"]) == 0
    assert [e["code"] for e in json.loads(capsys.readouterr().out)] == [code]
    assert main(["exam", "status", code, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["submitted"], status["graded"], status["awaiting_grading"]) == (2, 2, 0)
    assert main(["exam", "results", code, "--json"]) == 0
    before = {r["trainee_id"]: r["total"] for r in json.loads(capsys.readouterr().out)}

    assert main(["exam", "regrade", code, "--scenario", "l2-roi-forecast"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refused" in err and "exam-l4-traffic" in err and "Traceback" not in err

    doc = yaml.safe_load(resolve("exam-l4-traffic").read_text("utf-8"))
    doc["version"] = 2
    doc["tasks"] = [t for t in doc["tasks"] if t["id"] != "t12"]
    v2 = data_dir / "exam-l4-traffic-v2.yaml"
    v2.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    assert main(["exam", "regrade", code, "--scenario", str(v2), "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert (plan["removed"], plan["needs_confirmation"], plan["applied"]) == (["t12"], ["t12"], False)
    assert {c["trainee_id"] for c in plan["total_changes"]} == {"S01", "S02"}
    assert main(["exam", "regrade", code, "--scenario", str(v2)]) == 2
    assert "--confirm-tasks t12" in capsys.readouterr().err
    assert exam_admin.get_exam(code).scenario_version == 1
    assert main(["exam", "regrade", code, "--scenario", str(v2), "--confirm-tasks", "t12"]) == 0
    capsys.readouterr()
    exam = exam_admin.get_exam(code)
    assert exam.scenario_version == 2 and "t12" not in {t.id for t in exam.tasks}
    assert main(["exam", "regrade", code, "--undo"]) == 0
    capsys.readouterr()
    assert main(["exam", "results", code, "--json"]) == 0
    assert {r["trainee_id"]: r["total"] for r in json.loads(capsys.readouterr().out)} == before
    assert exam_admin.get_exam(code).scenario_version == 1

    assert main(["exam", "release", code]) == 0 and exam_admin.get_exam(code).released
    assert main(["exam", "release", "NOSUCH"]) == 2


def test_rater_add_prints_a_one_time_password_that_logs_the_rater_in(data_dir, capsys):
    from simulator.service import raters

    assert main(["rater", "add", "王老师"]) == 0
    password = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    token = raters.login("王老师", password)
    assert raters.identity(token).rater == "王老师" and not raters.identity(token).is_admin
    assert main(["rater", "add", "王老师"]) == 2 and "exists" in capsys.readouterr().err
    assert main(["rater", "add", "admin"]) == 2
