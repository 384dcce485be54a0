"""``simulator exam create|results`` on the same store as the app."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from simulator import exams
from simulator.cli import main
from simulator.grading import answer_key
from simulator.store import reset_stores
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
    exams.submit(code, "S01")

    out = data_dir / "book.csv"
    assert main(["exam", "results", code, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    book = pd.read_csv(io.BytesIO(out.read_bytes()), encoding="utf-8-sig", dtype={"学号": str})
    s01 = book.set_index("学号").loc["S01"]
    assert s01["总分"] == pytest.approx(100) and bool(s01["是否通过"])
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
