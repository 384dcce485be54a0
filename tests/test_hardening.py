"""Hostile inputs end in a clear message, in bounded time and memory (issue 10)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import hostile
import pytest

# The child imports the engine and computes the key first, then times only the hostile call: what a
# running app or a class-grading loop pays for one bad file.
CHILD = textwrap.dedent("""
    import contextlib, io, json, resource, sys, time
    from simulator import answer_key, load_scenario
    from simulator.cli import main as cli
    scenario, argv = sys.argv[1], json.loads(sys.argv[2])
    answer_key(load_scenario(scenario), "t-1")
    out, err = io.StringIO(), io.StringIO()
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    try:  # this process's own high-water mark (ru_maxrss would carry over the forking parent's peak)
        status = open("/proc/self/status").read()
        peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "seconds": seconds, "cpu": cpu, "peak_mib": peak,
                      "out": out.getvalue()[-2000:], "err": err.getvalue()[-2000:]}))
""")


def _run(scenario: Path, argv: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(scenario), json.dumps(argv)], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _answers(folder: Path, name: str, doc: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


BOMBS = ["far_cell_xlsx", "alias_bomb_answers", "alias_bomb_scenario", "choice_10mb", "csv_cell_200kb"]


@pytest.mark.parametrize("bomb", BOMBS)
def test_bombs_end_fast_small_and_clear(bomb: str, tmp_path: Path) -> None:
    scenario = hostile.write_small_scenario(tmp_path)
    grade = ["grade", str(scenario), "--trainee", "t-1", "--json", "--lang", "en", "--answers"]
    if bomb == "far_cell_xlsx":
        (tmp_path / "far.xlsx").write_bytes(hostile.far_cell_xlsx())
        argv = grade + [str(_answers(tmp_path, "a.json", {"t2": "far.xlsx"}))]
    elif bomb == "csv_cell_200kb":
        (tmp_path / "cell.csv").write_bytes(hostile.long_cell_csv(200_000))
        argv = grade + [str(_answers(tmp_path, "a.json", {"t2": "cell.csv"}))]
    elif bomb == "choice_10mb":
        argv = grade + [str(_answers(tmp_path, "a.json", {"t3": "A" * 10_000_000}))]
    elif bomb == "alias_bomb_answers":
        (tmp_path / "a.yaml").write_text(hostile.alias_bomb() + "t3: *l8\n", encoding="utf-8")
        argv = grade + [str(tmp_path / "a.yaml")]
    else:
        bad = tmp_path / "bomb.yaml"
        bad.write_text(hostile.SMALL_SCENARIO + "x_bomb:\n" + textwrap.indent(hostile.alias_bomb(), "  "),
                       encoding="utf-8")
        argv = ["validate", str(bad)]
    result = _run(scenario, argv)
    print(f"{bomb}: {result['cpu']:.2f} s CPU, {result['seconds']:.2f} s wall, {result['peak_mib']:.0f} MiB peak")
    # CPU seconds: on a loaded CI machine wall time also measures the neighbours (it is bounded loosely)
    assert result["cpu"] < 2.0 and result["seconds"] < 10, result
    assert result["peak_mib"] < 300, result
    text = result["out"] + result["err"]
    assert "Traceback" not in text and "internal error" not in text
    if bomb in ("alias_bomb_answers", "alias_bomb_scenario"):
        assert result["code"] == 2
        assert "200,000 values once aliases are expanded" in text
    else:  # the file itself is fine: that one task is a format problem and the others grade as usual
        assert result["code"] == 0
        task = {"far_cell_xlsx": "t2", "csv_cell_200kb": "t2", "choice_10mb": "t3"}[bomb]
        graded = {t["id"]: t for t in json.loads(result["out"])["tasks"]}
        assert graded[task]["status"] == "invalid"
        expected = {"far_cell_xlsx": "more than 500 columns", "csv_cell_200kb": "longer than 32,767 characters",
                    "choice_10mb": "limit of 1,000 characters"}[bomb]
        assert expected in graded[task]["feedback"]


# --------------------------------------------------------------------------- YAML and numbers

@pytest.mark.parametrize(("text", "line", "words"), [
    (hostile.alias_bomb(), 1, "once aliases are expanded"),
    ("a: " + "[" * 3000 + "]" * 3000, 1, "levels deep"),
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first on line 1)"),
    ("a:\n  x: 1\n  x: 2\n", 3, "duplicate key 'x'"),
    ("n: " + "7" * 5000 + "\n", 1, "longer than 100 digits"),
])
def test_bounded_yaml_refuses_with_the_line(text: str, line: int, words: str) -> None:
    from simulator.core import safeyaml

    with pytest.raises(safeyaml.yaml.YAMLError) as err:
        safeyaml.load(text)
    assert safeyaml.describe(err.value)[0] == line
    assert words in safeyaml.describe(err.value)[1]


def test_bounded_yaml_keeps_ordinary_documents() -> None:
    from simulator.core import safeyaml

    assert safeyaml.load("base: &b {x: 1}\nuse:\n  <<: *b\n  x: 2\nd: 2024-13-45\n") == \
        {"base": {"x": 1}, "use": {"x": 2}, "d": "2024-13-45"}
    assert safeyaml.load("a: .inf\n") == {"a": float("inf")}
    with pytest.raises(safeyaml.yaml.YAMLError, match="not a finite number"):
        safeyaml.load("a: .inf\n", finite=True)


@pytest.mark.parametrize("raw", ["1e309", "-1e309", "1e999999999", "9" * 5000, 10**400, float("inf"),
                                 float("nan"), "inf", "nan", "1e9999999999999999999999"])
def test_numbers_beyond_float_are_format_errors(raw: object) -> None:
    from simulator.core.results import AnswerFormatError
    from simulator.engine.parsing import parse_number

    with pytest.raises(AnswerFormatError) as err:
        parse_number(raw)
    assert err.value.message.key == "parse.not_a_number"
    assert len(err.value.message.render("en")) < 200


@pytest.mark.parametrize(("content", "words"), [
    ('{"t1": ' + "1" * 400 + "}", "longer than 100 digits"),
    ('{"t1": ' + "1" * 5000 + "}", "longer than 100 digits"),
    ('{"t1": 1' + "0" * 99 + "}", None),
    ('{"t1": NaN}', "NaN is not a number"),
    ('{"t1": 1, "t1": 2}', "duplicate key 't1'"),
    ("[" * 3000 + "]" * 3000, "nested too deeply"),
    ("t1: 1\nt1: 2\n", ":2: cannot read answers file"),
    ("t1: 2024-13-45\n", None),
])
def test_answers_files_edge_cases(content: str, words: str | None, tmp_path: Path) -> None:
    from simulator.assessment import answers

    suffix = ".json" if content.startswith(("{", "[")) else ".yaml"
    path = tmp_path / f"a{suffix}"
    path.write_text(content, encoding="utf-8")
    if words is None:
        doc = answers.read_answers(path)
        assert "t1" in doc
        return
    with pytest.raises(answers.BadInput) as err:
        answers.read_answers(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_graded_edge_values_are_invalid_not_wrong(tmp_path: Path) -> None:
    from simulator import grade, load_scenario

    sc = load_scenario(hostile.write_small_scenario(tmp_path))
    for value in ["1e309", 10**400, float("inf"), "2024-13-45", {"value": "x" * 20_000}, ["A"] * 20_000]:
        doc = grade(sc, "t-1", {"t1": value, "t3": value}, lang="en")
        statuses = {t["id"]: t["status"] for t in doc["tasks"]}
        assert statuses["t1"] == "invalid" and statuses["t3"] == "invalid", (value, doc)


def test_csv_limits(tmp_path: Path) -> None:
    from simulator.engine.uploads import TableReadError, read_table

    with pytest.raises(TableReadError) as err:
        read_table(("出价方式,消耗\n" + "oCPM,1\n" * 1_000_000).encode())
    assert err.value.message.key == "upload.too_many_rows"
    with pytest.raises(TableReadError) as err:
        read_table(hostile.long_cell_csv(200_000))
    assert err.value.message.key == "upload.cell_too_long"
    assert read_table(hostile.long_cell_csv(1000)).shape == (1, 4)  # long but within Excel's limit


def test_xlsx_far_rows_are_refused_but_far_blank_dimension_is_not() -> None:
    import io

    import openpyxl

    from simulator.engine.uploads import TableReadError, read_table

    book = openpyxl.Workbook()
    book.active.append(["出价方式", "消耗"])
    book.active.append(["oCPM", 1.0])
    book.active["A1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(TableReadError) as err:
        read_table(buffer.getvalue())
    assert err.value.message.key == "upload.too_many_rows"
    book.active["A1048576"] = None  # formatting only: the declared size is huge, the data is not
    book.active["A1048576"].number_format = "0.00%"
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_table(buffer.getvalue()).shape == (1, 2)


# --------------------------------------------------------------------------- scenario sources and size

SOURCED = """\
id: sourced
title: {zh: 自带数据, en: Brought data}
level: L4
direction: 流量运营
context: {zh: 测试用, en: For tests}
seed: 7
sources:
  ad_delivery: {file: FILE}
tasks:
  - id: t1
    kind: metric
    points: 100
    skills: [L4/5.2.1]
    params: {dataset: ad_delivery, metric: ctr}
"""


def _validate(capsys: pytest.CaptureFixture, *paths: Path) -> tuple[int, list[str]]:
    from simulator.cli.main import main

    code = main(["validate", *map(str, paths)])
    return code, capsys.readouterr().out.strip().splitlines()


@pytest.mark.parametrize("kind", ["relative", "absolute", "symlink", "nul"])
def test_sources_stay_in_the_scenario_folder(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "data.csv").write_text("date,cost\n2024-11-01,1\n", encoding="utf-8")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "link.csv").symlink_to(secret / "data.csv")
    file = {"relative": "../secret/data.csv", "absolute": str(secret / "data.csv"), "symlink": "link.csv",
            "nul": "data\\0.csv"}[kind]
    path = folder / "s.yaml"
    path.write_text(SOURCED.replace("FILE", f'"{file}"'), encoding="utf-8")
    code, lines = _validate(capsys, path)
    assert code == 2
    assert lines and lines[0].startswith(f"{path}:8: sources.ad_delivery.file: "), lines
    with pytest.raises(Exception) as err:  # and the loader never reads it either
        from simulator import generate_datasets, load_scenario

        generate_datasets(load_scenario(path), "t")
    assert "passwd" not in str(err.value)


def test_source_inside_the_folder_still_works(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from simulator import generate_datasets, load_scenario

    sc = load_scenario("l4-traffic-ads")
    frame = generate_datasets(sc, "t")["ad_delivery"].head(20)
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data" / "ads.csv", index=False)
    path = tmp_path / "s.yaml"
    path.write_text(SOURCED.replace("FILE", "data/ads.csv"), encoding="utf-8")
    assert _validate(capsys, path) == (0, [f"{path}: ok"])
    assert len(generate_datasets(load_scenario(path), "t")["ad_delivery"]) == 20


def test_size_budget_refuses_huge_scenarios_before_generating(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(hostile.SMALL_SCENARIO.replace("ads: {days: 5, campaigns: 2, adgroups_per_campaign: 1, "
                                                   "creatives_per_adgroup: 1}",
                                                   "ads: {days: 3660, campaigns: 100000}"), encoding="utf-8")
    code, lines = _validate(capsys, path)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(f"{path}:7: datasets: the datasets would have about ")
    assert "ad_delivery 3,294,000,000" in lines[0] and "the limit is 3,000,000 rows" in lines[0]


@pytest.mark.parametrize("scale", ["nan", "inf", "-1", "0", "1e9", "5000"])
def test_bad_scales_are_refused(scale: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from simulator.cli.main import main

    assert main(["generate", "tour-all-datasets", "--trainee", "t", "--out", str(tmp_path), "--scale", scale]) == 2
    err = capsys.readouterr().err
    assert "--scale" in err or "the limit is 3,000,000 rows" in err
    assert not list(tmp_path.iterdir())


def test_selftest_seeds_must_be_positive(capsys: pytest.CaptureFixture) -> None:
    from simulator.cli.main import main

    assert main(["selftest", "l4-traffic-ads", "--seeds", "0"]) == 2
    assert "--seeds must be a whole number from 1 to 1000" in capsys.readouterr().err


# --------------------------------------------------------------------------- validate: all problems at once

THREE_PROBLEMS = """\
id: three-problems
title: {zh: 三个问题}
level: L4
direction: 流量运营
context: {zh: 测试用, en: For tests}
seed: 7
datasets:
  ads: {days: 5, campaigns: 2}
tasks:
  - id: t1
    kind: metric
    points: 50
    skills: [L4/5.2.1]
    params: {dataset: ad_delivery, metric: ctrr}
  - id: t2
    kind: metric
    points: 50
    skills: [L4/5.2.1]
    params: {dataset: ad_delivery, metric: ctr, filter: {campaign_id: C99}}
"""


def test_validate_reports_schema_metric_and_filter_together(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "three.yaml"
    path.write_text(THREE_PROBLEMS, encoding="utf-8")
    code, lines = _validate(capsys, path)
    assert code == 2
    assert len(lines) == 3, lines
    assert lines[0] == f"{path}:2: title.en: required but missing"
    assert lines[1].startswith(f"{path}:14: tasks[0].params.metric: unknown metric 'ctrr'")
    assert lines[2].startswith(f"{path}:19: tasks[1].params: the key cannot be computed")
    assert lines[2].endswith("the filter leaves no rows of ad_delivery")


def test_validate_reads_brought_files_now(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from simulator import generate_datasets, load_scenario

    frame = generate_datasets(load_scenario("l4-traffic-ads"), "t")["ad_delivery"].head(10).copy()
    frame["cost"] = frame["cost"].astype(object)
    frame.loc[3, "cost"] = "about 12"
    frame.to_csv(tmp_path / "ads.csv", index=False)
    path = tmp_path / "s.yaml"
    path.write_text(SOURCED.replace("FILE", "ads.csv"), encoding="utf-8")
    code, lines = _validate(capsys, path)
    assert code == 2
    assert lines == [f"{tmp_path / 'ads.csv'}:5: sources.ad_delivery.cost: not a number: 'about 12'"]


# --------------------------------------------------------------------------- login throttling

@pytest.fixture
def auth_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from simulator.service import auth
    from simulator.service.store import Store

    monkeypatch.setenv(auth.ENV_PASSWORD, "teacher-pass-1")
    store = Store(f"sqlite:///{tmp_path / 'simulator.db'}")
    yield store
    store.dispose()


def test_many_sessions_guessing_only_slow_the_instructor_down(auth_store) -> None:
    from datetime import UTC, datetime, timedelta

    from simulator.service import auth

    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    tries = 0
    for session in range(40):  # a trainee reloading the page for a fresh session, four tries each
        for _ in range(4):
            try:
                auth.login("guess-guess", auth_store, now, client_key=f"browser-{session}")
            except auth.Throttled as exc:
                assert exc.retry_after <= auth.GLOBAL_BACKOFF_CAP.total_seconds()
                assert exc.message.key == "auth.throttled_seconds"
            except auth.AuthError:
                tries += 1
            now += timedelta(seconds=5)
    # 160 tries in 13 minutes: the first 20 are free, then every try waits for the back-off
    assert auth.GLOBAL_FREE_TRIES < tries < 50
    with pytest.raises(auth.Throttled) as err:  # right after a failure the instructor waits too, briefly
        auth.login("teacher-pass-1", auth_store, now, client_key="instructor-laptop")
    assert err.value.retry_after <= auth.GLOBAL_BACKOFF_CAP.total_seconds()
    later = now + auth.GLOBAL_BACKOFF_CAP
    assert auth.login("teacher-pass-1", auth_store, later, client_key="instructor-laptop")


# --------------------------------------------------------------------------- exports: formula guard

RISKY = ["\n=1+1", "  =1+1", "\u3000@SUM(A1)", "＝HYPERLINK(\"http://x\")", "＋1+1", "－2+3", "＠A1", "\t=1",
         "\r=1", "=cmd|' /C calc'!A0"]
HARMLESS = ["李雷 = 好", "-5", "+3.5", "a-b", "C01", "  plain"]


def test_formula_guard_covers_line_feeds_spaces_and_full_width() -> None:
    from simulator.core.formula_guard import neutralise

    assert [neutralise(v) for v in RISKY] == ["'" + v for v in RISKY]
    assert [neutralise(v) for v in HARMLESS] == HARMLESS
    assert neutralise(-3.5) == -3.5 and neutralise(None) is None


def test_gradebook_csv_and_xlsx_guard_risky_names() -> None:
    import csv
    import io

    import openpyxl

    from simulator.service import gradebook as gb

    tasks = [gb.TaskInfo("t1", "metric", 100, ("L4/5.2.1",))]
    grade = {"t1": gb.TaskGrade("t1", 50, 100, "partial", "")}
    rows = [gb.build_row(f"S{i}", name, "submitted", None, None, tasks, grade, {})
            for i, name in enumerate(RISKY + HARMLESS)]
    names = [line[1] for line in csv.reader(io.StringIO(gb.to_csv_bytes(rows, tasks).decode("utf-8-sig")))][1:]
    assert names == ["'" + v.replace("\r", "\n") if v.startswith("\r") else "'" + v for v in RISKY] + HARMLESS
    sheet = openpyxl.load_workbook(io.BytesIO(gb.to_xlsx_bytes(rows, tasks))).active
    assert all(sheet.cell(row=r, column=2).data_type == "s" for r in range(2, sheet.max_row + 1))


def test_dataset_csv_guards_text_but_json_and_xlsx_keep_values(tmp_path: Path, capsys) -> None:
    import io

    import openpyxl
    import pandas as pd

    from simulator import answer_key, generate_datasets, load_scenario
    from simulator.assessment.datasets import csv_bytes, xlsx_bytes

    frame = generate_datasets(load_scenario("l4-traffic-ads"), "t")["ad_delivery"].head(6).copy()
    frame["campaign_name"] = frame["campaign_name"].astype(object)
    frame.loc[0, "campaign_name"] = "＝HYPERLINK(\"http://x\")"
    frame.loc[1, "campaign_name"] = "\n=1+1"
    frame.to_csv(tmp_path / "ads.csv", index=False)
    path = tmp_path / "s.yaml"
    path.write_text(SOURCED.replace("FILE", "ads.csv"), encoding="utf-8")
    sc = load_scenario(path)
    data = generate_datasets(sc, "t")["ad_delivery"]
    back = pd.read_csv(io.BytesIO(csv_bytes(data, "ad_delivery", "en")), encoding="utf-8-sig")
    assert back["campaign_name"].iloc[0] == "'＝HYPERLINK(\"http://x\")"
    assert back["campaign_name"].iloc[1] == "'=1+1"  # the reader strips the line feed; the guard stays
    assert back["campaign_name"].iloc[2] == frame["campaign_name"].iloc[2]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"ad_delivery": data}, "en"))).active
    column = [c.value for c in sheet[1]].index("campaign_name") + 1
    assert sheet.cell(row=2, column=column).value == "＝HYPERLINK(\"http://x\")"  # a text cell: never run
    assert sheet.cell(row=2, column=column).data_type == "s"
    assert answer_key(sc, "t")["scenario"] == "sourced"
    from simulator.cli.main import main

    assert main(["key", str(path), "--trainee", "t", "--json"]) == 0
    assert "'＝" not in capsys.readouterr().out


@pytest.mark.parametrize(("start", "words"), [
    ("1000-01-01", "dates must lie between 1900-01-01 and 2200-12-31"),
    ("2262-04-01", "dates must lie between 1900-01-01 and 2200-12-31"),
    ("2024-13-45", "month value is outside expected range"),
])
def test_start_dates_outside_the_calendar_are_validation_errors(start: str, words: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "dates.yaml"
    path.write_text(hostile.SMALL_SCENARIO.replace("creatives_per_adgroup: 1}",
                                                   f"creatives_per_adgroup: 1, start_date: {start}}}"),
                    encoding="utf-8")
    code, lines = _validate(capsys, path)
    assert code == 2
    assert lines[0].startswith(f"{path}:8: datasets.ads.start_date: ") and words in lines[0], lines


def test_the_editor_applies_the_same_source_rule(tmp_path: Path) -> None:
    from simulator.app.ui.instructor_authoring import validate

    (tmp_path / "inside.csv").symlink_to("/etc/hostname")
    for file, origin in [("../../etc/passwd", None), ("/etc/passwd", None), ("inside.csv", tmp_path / "s.yaml")]:
        scenario, problems = validate(SOURCED.replace("FILE", file), str(origin) if origin else None)
        assert scenario is None
        assert [p.field for p in problems] == ["sources.ad_delivery.file"], problems
        assert problems[0].line == 8


@pytest.mark.parametrize("argv", [
    ["key", "x" * 5000, "--trainee", "t"],
    ["validate", "x" * 5000],
    ["grade", "l4-traffic-ads", "--trainee", "t", "--answers", "x" * 5000],
    ["generate", "l4-traffic-ads", "--trainee", "t", "--out", "/etc/passwd/x"],
])
def test_unusable_paths_are_bad_input(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    from simulator.cli.main import main

    assert main(argv) == 2
    out = capsys.readouterr()
    text = (out.out + out.err).strip()
    assert len(text.splitlines()) == 1 and "internal error" not in text and len(text) < 400, text


@pytest.mark.parametrize(("params", "field"), [
    ("daily_budget: [300, 1e999]", "datasets.ads.daily_budget[1]: input should be a finite number"),
    ('daily_budget: [300, "inf"]', "datasets.ads.daily_budget[1]: input should be a finite number"),
    ("daily_budget: [300, 1.0e+300]", "datasets: the datasets would have about"),
])
def test_infinite_or_huge_parameters_are_validation_errors(params: str, field: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "inf.yaml"
    text = hostile.SMALL_SCENARIO.replace("creatives_per_adgroup: 1}", f"creatives_per_adgroup: 1, {params}}}")
    path.write_text(text, encoding="utf-8")
    code, lines = _validate(capsys, path)
    assert code == 2 and len(lines) == 1 and field in lines[0], lines
