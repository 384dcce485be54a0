"""Scenario validation: every broken file gives file:line: field: message lines and exit code 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.assessment.scenario import ScenarioError, load_scenario, parse_scenario
from simulator.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures" / "scenarios"
BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))
LINE = re.compile(r"^(?P<file>.+\.yaml):(?P<line>\d+): (?P<field>[^:]+): (?P<message>.+)$")

# broken file → (expected line, text expected in the field part)
EXPECTED = {
    "unknown_key": (7, "colour"),
    "wrong_type": (6, "seed"),
    "unknown_family": (8, "datasets.adverts"),
    "negative_size": (8, "datasets.ads.campaigns"),
    "duplicate_task_id": (15, "tasks[1].id"),
    "yaml_syntax": (3, "(yaml)"),
    "unknown_kind": (16, "tasks[1].kind"),
    "unknown_metric": (19, "tasks[1].params"),
    "bad_level": (3, "level"),
    "bad_skill": (18, "tasks[1].skills"),
    "missing_title": (1, "title"),
    "zero_points": (17, "tasks[1].points"),
    "unknown_task_dataset": (19, "tasks[1].params"),
    "unknown_param": (19, "tasks[1].params"),
    "not_a_mapping": (1, "(top level)"),
}


def test_at_least_ten_broken_fixtures_each_with_expectation():
    assert len(BROKEN) >= 10
    assert {p.stem for p in BROKEN} == set(EXPECTED)


def test_valid_fixture_loads():
    sc = load_scenario(FIXTURES / "valid_minimal.yaml")
    assert sc.id == "fixture-minimal" and [t.id for t in sc.tasks] == ["t1", "t2"]
    assert sc.total_points == 100


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_file_names_line_and_field(path, capsys):
    code = main(["validate", str(path)])
    out = capsys.readouterr()
    assert code == 2
    lines = [ln for ln in out.out.splitlines() if ln.strip()]
    assert lines, "no problem reported"
    assert "Traceback" not in out.out + out.err
    want_line, want_field = EXPECTED[path.stem]
    parsed = [LINE.match(ln) for ln in lines]
    assert all(parsed), lines
    assert any(m["line"] == str(want_line) and want_field in m["field"] for m in parsed), lines


def test_several_problems_reported_one_line_each(tmp_path):
    text = (FIXTURES / "valid_minimal.yaml").read_text("utf-8")
    text = text.replace("seed: 1", "seed: -1\ncolour: x").replace("campaigns: 2", "campaigns: -2")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "x.yaml")
    fields = [p.field for p in info.value.problems]
    assert "seed" in fields and "colour" in fields


def test_validate_subprocess_never_prints_traceback():
    args = [sys.executable, "-m", "simulator", "validate", *map(str, BROKEN)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert len(done.stdout.splitlines()) >= len(BROKEN)


def test_missing_file_is_bad_input(capsys):
    assert main(["validate", "no/such/file.yaml"]) == 2
    assert "file not found" in capsys.readouterr().out
