"""Fuzzing every way input enters: answer values, answers files, tables and scenario files (issue 10).

Whatever comes in, the engine answers with a result or a plain message — exit 0 or 2 (never 1), one line,
no traceback — within a time and memory budget per input. Settings: ``fuzz_profiles.py`` (fixed seed in CI,
``SIMULATOR_FUZZ=nightly`` for more).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import tempfile
import time
from pathlib import Path

import hostile
import pytest
from fuzz_profiles import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import answer_key, grade, load_scenario
from simulator.assessment.scenario import ScenarioError, parse_scenario, shipped_paths
from simulator.cli import main as cli
from simulator.engine.uploads import TableReadError, read_table

SECONDS, MIB = 3.0, 300
"""Budget per input: CPU seconds (wall time on a shared CI machine says more about the neighbours), and
growth of the process's peak memory."""
STATUSES = {"correct", "partial", "wrong", "invalid", "ungraded"}
SHIPPED = shipped_paths()


class Budget:
    """Measures one input: wall time and how far it pushed the process's peak memory."""

    def __enter__(self) -> Budget:
        self.peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.start = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.process_time() - self.start
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.peak) / 1024
        if exc[0] is None:
            assert seconds < SECONDS, f"{seconds:.1f} s for one input"
            assert grown < MIB, f"peak memory grew by {grown:.0f} MiB for one input"


# --------------------------------------------------------------------------- values

NASTY_TEXT = ["1e309", "-1e309", "1e999999999", "9" * 5000, "inf", "nan", "NaN%", "3.45%", "１２３", "¥1,234",
              "1.2万", "(1,234)", "A", "A、C", "b.", "对", "√", "2024-13-45", "2024-11-11", "2024-W45", "\x00",
              "=1+1", "＝SUM(A1)", "../../etc/passwd", "/etc/passwd", "a.csv", "x" * 3000, "\u202e", "", " ",
              "0x1F", "1_000", "--", "#DIV/0!", "１．５％", "10%%", "1.2.3", "3亿", "+-5"]
leaves = (st.none() | st.booleans() | st.integers(min_value=-(10**400), max_value=10**400)
          | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=60)
          | st.sampled_from(NASTY_TEXT))
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=6)
                      | st.dictionaries(st.text(max_size=12) | st.sampled_from(["value", "rows", "columns",
                                                                             "p_value", "A1>A2"]),
                                        inner, max_size=6), max_leaves=25)


@pytest.fixture(scope="module")
def keys() -> dict[str, object]:
    out = {}
    for path in SHIPPED:
        sc = load_scenario(path)
        answer_key(sc, "fuzz-1")  # computed once; every example reuses it
        out[path.stem] = sc
    return out


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED])
def test_answer_values_grade_or_are_format_errors(name: str, keys: dict) -> None:
    sc = keys[name]
    ids = [t.id for t in sc.tasks]

    @settings(max_examples=examples(0.5))
    @given(st.dictionaries(st.sampled_from(ids), values, min_size=1))
    def run(answers: dict) -> None:
        with tempfile.TemporaryDirectory() as folder, Budget():
            doc = grade(sc, "fuzz-1", answers, base_dir=Path(folder), lang="en")
        assert 0 <= doc["score"] <= 100
        for task in doc["tasks"]:
            assert task["status"] in STATUSES
            assert isinstance(task["feedback"], str) and len(task["feedback"]) < 5000

    run()


# --------------------------------------------------------------------------- answers files

FRAGMENTS = ["t1: ", "t2: ", "t3: ", "&a ", "*a", "*b", "[", "]", "{", "}", "- ", "\n", "  ", ", ", ": ", "? ",
             "'", '"', "---\n", "...\n", "%YAML 1.1\n", "!!binary ", "!!python/object/apply:os.system ['id']",
             "!!set ", "!!omap ", "<<: *a", "1e999", "1.0e+999", ".inf", ".nan", "0x", "0o7", "9" * 5000,
             "2024-13-45", "\x00", "\ufeff", "\t", "#", "{\"t1\": ", "NaN", "Infinity", "null", "~", "a.csv",
             "../x.csv", "[[[[[[[[", "\\u0000", "\\ud800"]
documents = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=40).map("".join)


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def _assert_plain(code: int, out: str, err: str) -> None:
    assert code in (0, 2), (code, err)
    assert "Traceback" not in out + err and "internal error" not in err
    assert len(err.strip().splitlines()) <= 1, err


@settings(max_examples=examples(2))
@given(documents, st.sampled_from([".yaml", ".json"]), st.sampled_from(["utf-8", "utf-16", "gb18030"]))
def test_answers_files_end_in_a_grade_or_one_line(text: str, suffix: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        scenario = hostile.write_small_scenario(Path(folder))
        path = Path(folder) / f"answers{suffix}"
        path.write_bytes(text.encode(encoding, errors="surrogatepass"))
        with Budget():
            code, out, err = _run_cli(["grade", str(scenario), "--trainee", "fuzz-1", "--answers", str(path),
                                       "--json"])
        _assert_plain(code, out, err)
        if code == 0:
            assert json.loads(out)["max_score"] == 100


# --------------------------------------------------------------------------- tables

cells = (st.text(max_size=20) | st.sampled_from(NASTY_TEXT + ["日期", "消耗", "点击率", "出价方式", "date",
                                                            "cost", "ctr", "bid_type", "oCPM", "\"", ",", "\n"])
         | st.integers(min_value=-(10**20), max_value=10**20) | st.floats(allow_nan=True, allow_infinity=True))
grids = st.lists(st.lists(cells, max_size=8), max_size=12)


def _csv_bytes(grid: list[list], delimiter: str, encoding: str) -> bytes:
    text = "\n".join(delimiter.join(str(c) for c in row) for row in grid)
    return text.encode(encoding, errors="replace")


def _xlsx_bytes(grid: list[list], far: tuple[int, int] | None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in grid:
        sheet.append([c if not isinstance(c, float) or c == c and abs(c) != float("inf") else str(c)
                      for c in (str(v)[:200] if isinstance(v, str) else v for v in row)])
    if far:
        sheet.cell(row=far[0], column=far[1], value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _safe_xlsx_bytes(grid: list[list], far: tuple[int, int] | None) -> bytes | None:
    try:
        return _xlsx_bytes(grid, far)
    except Exception:  # noqa: BLE001 - openpyxl refuses some characters and huge ints: not an input we get
        return None


tables = st.one_of(
    st.builds(_csv_bytes, grids, st.sampled_from([",", "\t", ";", "|"]),
              st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "gbk"])),
    st.builds(_safe_xlsx_bytes, grids, st.none() | st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384))),
    st.binary(max_size=2000),
    st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=500)),
)


@settings(max_examples=examples(1.5))
@given(tables, st.sampled_from([None, "ad_delivery", "accounts_daily", "experiment"]))
def test_tables_read_or_say_why(data: bytes | None, dataset: str | None) -> None:
    if data is None:
        return
    with Budget():
        try:
            frame = read_table(data, filename="upload.csv", dataset=dataset)
        except TableReadError as exc:
            text = exc.message.render("en")
            assert text and "\n" not in text
            return
    assert frame.shape[0] <= 200_000


# --------------------------------------------------------------------------- scenario files

TOKENS = ["", "x", "-1", "0", "1e999", "1.0e+999", ".nan", "[]", "{}", "null", "*a", "&a [1]", "'", "2024-13-45",
          "9" * 5000, "../../etc/passwd", "/etc/passwd", "\x00", "[" * 100, "{zh: a}", "ctrr", "C99",
          "{dataset: ad_delivery, metric: ctr, filter: {campaign_id: C99}}", "100000", "3660", "{1: 2}",
          "!!binary aGk=", "{? [a, b]: c}", "{days: 3660, campaigns: 100000}", "{file: ../x.csv}", "1000-01-01"]


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    lines = text.splitlines()
    for op, where, token in edits:
        if not lines:
            break
        i = where % len(lines)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2 and ":" in lines[i]:
            lines[i] = lines[i].split(":", 1)[0] + ": " + token
        else:
            lines.insert(i, token)
    return "\n".join(lines) + "\n"


edit_lists = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.sampled_from(TOKENS)),
                      min_size=1, max_size=4)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_mutated_scenarios_load_or_list_their_problems(path: Path) -> None:
    original = path.read_text("utf-8")

    @settings(max_examples=examples(0.5))
    @given(edit_lists)
    def run(edits: list) -> None:
        text = _mutate(original, edits)
        with Budget():
            try:
                parse_scenario(text, "fuzzed.yaml")
            except ScenarioError as exc:
                assert exc.problems
                for problem in exc.problems:
                    assert problem.line >= 1 and "\n" not in str(problem), str(problem)

    run()


@settings(max_examples=examples(0.4))
@given(edit_lists)
def test_validate_on_mutated_files_exits_0_or_2(edits: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(_mutate(hostile.SMALL_SCENARIO, edits), encoding="utf-8")
        with Budget():
            code, out, err = _run_cli(["validate", str(path)])
        assert code in (0, 2), (code, out, err)
        assert "Traceback" not in out + err and not err
        lines = out.strip().splitlines()
        assert lines == [f"{path}: ok"] if code == 0 else all(ln.startswith(f"{path}:") or ":" in ln
                                                               for ln in lines)
