"""generate / list from the command line: columns, languages, encodings, determinism, own data."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from data.generators import all_columns
from simulator import generate_datasets, load_scenario
from simulator.assessment.datasets import CONTRACT_COLUMNS
from simulator.cli.main import main

TOUR = "tour-all-datasets"
FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_tour_generates_every_contract_dataset_with_its_columns():
    frames = generate_datasets(load_scenario(TOUR), "t-1")
    assert set(CONTRACT_COLUMNS) <= set(frames)
    for name, columns in CONTRACT_COLUMNS.items():
        missing = [c for c in columns if c not in frames[name].columns]
        assert not missing, (name, missing)
        assert len(frames[name]) > 0


def test_every_generated_column_is_documented():
    frames = generate_datasets(load_scenario(TOUR), "t-2")
    documented = all_columns()
    for name, df in frames.items():
        assert list(df.columns) == list(documented[name]), name


def test_list_json_from_another_folder(tmp_path):
    done = run_cli("list", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    ids = {r["id"] for r in rows}
    assert TOUR in ids
    tour = next(r for r in rows if r["id"] == TOUR)
    assert tour["level"] == "L3" and tour["tasks"][0]["skills"]


def test_generate_zh_csv_has_bom_and_chinese_headers(tmp_path):
    assert main(["generate", TOUR, "--trainee", "t-1", "--out", str(tmp_path)]) == 0
    raw = (tmp_path / "ad_delivery.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["日期", "计划ID", "计划名称"]
    assert "消耗" in header and "展示数" in header
    assert (tmp_path / "tasks.md").read_text("utf-8").startswith("# 综合数据巡检")
    first = raw.decode("utf-8-sig").splitlines()[1].split(",")[0]
    assert len(first) == 10 and first[4] == "-"  # dates as YYYY-MM-DD


def test_generate_en_headers_are_canonical(tmp_path):
    assert main(["generate", TOUR, "--trainee", "t-1", "--out", str(tmp_path), "--lang", "en"]) == 0
    df = pd.read_csv(tmp_path / "live_sessions.csv", encoding="utf-8-sig")
    assert list(df.columns[:4]) == ["session_id", "account_id", "account_name", "start_time"]


def test_xlsx_has_one_sheet_per_dataset_and_is_byte_stable(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["generate", TOUR, "--trainee", "t-1", "--out", str(out), "--format", "xlsx",
                     "--scale", "0.2"]) == 0
    data = (a / "datasets.xlsx").read_bytes()
    assert data == (b / "datasets.xlsx").read_bytes()
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    frames = generate_datasets(load_scenario(TOUR), "t-1", scale=0.2)
    assert set(sheets) == set(frames)
    assert {name: len(df) for name, df in sheets.items()} == {name: len(df) for name, df in frames.items()}
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_same_inputs_byte_identical_across_processes(tmp_path):
    outs = []
    for name in ("p1", "p2"):
        done = run_cli("generate", TOUR, "--trainee", "t-7", "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        outs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert outs[0] == outs[1]
    assert main(["generate", TOUR, "--trainee", "t-8", "--out", str(tmp_path / "other")]) == 0
    for name, data in outs[0].items():
        if name.endswith(".csv"):
            assert (tmp_path / "other" / name).read_bytes() != data, name


def test_scale_multiplies_sizes():
    sc = load_scenario(TOUR)
    small = generate_datasets(sc, "t-1", scale=0.5)
    big = generate_datasets(sc, "t-1", scale=2.0)
    for name in ("ad_delivery", "audience_5a", "experiment", "posts"):
        assert len(big[name]) > 2.5 * len(small[name]), name


def test_unknown_scenario_and_bad_scale_exit_2(tmp_path, capsys):
    assert main(["generate", "no-such-scenario", "--trainee", "t", "--out", str(tmp_path)]) == 2
    assert main(["generate", TOUR, "--trainee", "t", "--out", str(tmp_path), "--scale", "0"]) == 2
    err = capsys.readouterr().err
    assert "no shipped scenario" in err and "Traceback" not in err


# --------------------------------------------------------------------------- bring your own data

def test_own_csv_with_chinese_headers_is_used_as_is_for_any_trainee(tmp_path):
    sc = load_scenario(FIXTURES / "byo" / "byo.yaml")
    mine = generate_datasets(sc, "t-1")["ad_delivery"]
    theirs = generate_datasets(sc, "t-99")["ad_delivery"]
    pd.testing.assert_frame_equal(mine, theirs)
    assert len(mine) == 5 and mine["cost"].sum() == pytest.approx(1200.5 + 860 + 1500 + 910.2 + 1830)
    assert str(mine["date"].dtype).startswith("datetime64")
    for trainee in ("t-1", "t-2"):
        out = tmp_path / trainee
        assert main(["generate", str(FIXTURES / "byo" / "byo.yaml"), "--trainee", trainee,
                     "--out", str(out), "--lang", "en"]) == 0
    a = (tmp_path / "t-1" / "ad_delivery.csv").read_bytes()
    assert a == (tmp_path / "t-2" / "ad_delivery.csv").read_bytes()
    rows = pd.read_csv(io.BytesIO(a), encoding="utf-8-sig")
    assert len(rows) == 5 and rows["impressions"].tolist()[0] == 52000


@pytest.mark.parametrize("name, words", [("byo_missing_column.yaml", "missing column"),
                                         ("byo_text_number.yaml", "not a number")])
def test_own_data_problems_are_one_clear_line(tmp_path, capsys, name, words):
    code = main(["generate", str(FIXTURES / "byo" / name), "--trainee", "t-1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err
