"""``simulator key`` / ``grade`` / ``selftest`` from the command line, for one trainee and for a class."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from simulator.assessment.grading import answer_key
from simulator.cli.main import main
from simulator.tasks import get

SCENARIO = "l4-traffic-ads"


def submitted(trainee: str, folder, encoding: str = "gbk") -> dict:
    """The key written as a trainee would: numbers as typed strings, tables as CSV files beside it."""
    out = {}
    for entry in answer_key(SCENARIO, trainee)["tasks"]:
        module = get(entry["kind"])
        raw = module.as_raw(entry["answer"], module.Params(**entry["params"]), None)
        if isinstance(raw, pd.DataFrame):
            name = f"{trainee}-{entry['id']}.csv"
            (folder / name).write_bytes(raw.to_csv(index=False).encode(encoding))
            raw = name
        out[entry["id"]] = raw
    return out


def test_key_json_follows_the_contract(capsys):
    assert main(["key", SCENARIO, "--trainee", "t-1", "--json"]) == 0
    key = json.loads(capsys.readouterr().out)
    assert key["scenario"] == SCENARIO and key["trainee"] == "t-1" and key["total_points"] == 100
    first = key["tasks"][0]
    assert {"id", "kind", "points", "skills", "datasets", "params", "answer"} <= set(first)
    assert first["kind"] == "metric" and 0 < first["answer"]["value"] < 1
    table = next(t for t in key["tasks"] if t["kind"] == "report_table")
    assert table["answer"]["columns"][0] == "bid_type" and table["answer"]["rows"]


def test_grade_full_marks_from_a_yaml_answers_file_with_gbk_tables(tmp_path, capsys):
    answers = submitted("t-3", tmp_path)
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    assert main(["grade", SCENARIO, "--trainee", "t-3", "--answers", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"scenario", "trainee", "score", "max_score", "passed", "tasks"}
    graded = [t for t in doc["tasks"] if t["status"] != "ungraded"]
    assert all(t["status"] == "correct" for t in graded), doc["tasks"]
    assert doc["score"] == pytest.approx(90) and doc["passed"] is True  # t8 (10 points) awaits a rater
    assert {t["status"] for t in doc["tasks"]} == {"correct", "ungraded"}


def test_grade_someone_elses_answers_scores_less(tmp_path, capsys):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(submitted("t-4", tmp_path)), encoding="utf-8")
    assert main(["grade", SCENARIO, "--trainee", "t-5", "--answers", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["score"] < 60 and any(t["status"] in ("wrong", "partial") for t in doc["tasks"])
    assert all(t["feedback"] for t in doc["tasks"])


def test_malformed_value_is_invalid_not_wrong(tmp_path, capsys):
    path = tmp_path / "a.yaml"
    path.write_text("t1: 三点四五\nt2: '3.45%%'\n", encoding="utf-8")
    assert main(["grade", SCENARIO, "--trainee", "t-1", "--answers", str(path), "--json"]) == 0
    tasks = {t["id"]: t for t in json.loads(capsys.readouterr().out)["tasks"]}
    assert tasks["t1"]["status"] == "invalid" and tasks["t2"]["status"] == "invalid"
    assert "数字" in tasks["t1"]["feedback"]
    assert tasks["t3"]["status"] == "wrong"  # not answered


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage\x00", b"t1: [unclosed", b"- a list\n- not a mapping\n"])
def test_unreadable_answers_file_exits_2_with_one_line(tmp_path, content):
    path = tmp_path / "answers.yaml"
    path.write_bytes(content)
    done = subprocess.run([sys.executable, "-m", "simulator", "grade", SCENARIO, "--trainee", "t-1",
                           "--answers", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_missing_answers_file_exits_2(capsys):
    assert main(["grade", SCENARIO, "--trainee", "t-1", "--answers", "nope.yaml"]) == 2
    assert "not found" in capsys.readouterr().err


def test_class_gradebook_csv_and_xlsx_safe_against_formula_injection(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for trainee in ("s01", "s02", "=HYPERLINK(1)"):
        answers = submitted(trainee, folder, "utf-8-sig") if trainee == "s01" else {"t1": "2%"}
        (folder / f"{trainee}.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    (folder / "broken.yaml").write_bytes(b"t1: [unclosed")
    assert main(["grade", SCENARIO, "--answers-dir", str(folder), "--out", str(tmp_path / "book")]) == 0
    raw = (tmp_path / "book.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    book = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str).set_index("学号")
    assert float(book.loc["s01", "总分"]) == pytest.approx(90)
    assert "'=HYPERLINK(1)" in book.index and "=HYPERLINK(1)" not in book.index
    assert pd.isna(book.loc["broken", "总分"])
    xlsx = pd.read_excel(tmp_path / "book.xlsx", dtype=str).set_index("学号")
    assert float(xlsx.loc["s01", "总分"]) == pytest.approx(90)
    assert "'=HYPERLINK(1)" in xlsx.index


def test_selftest_command_passes_for_a_shipped_scenario(capsys):
    assert main(["selftest", SCENARIO, "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert f"{SCENARIO}: 2 trainee ids: ok" in out and "smallest margin" in out
