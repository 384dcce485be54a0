"""A class of 40 on exam-l4-traffic, handed in through the exam API: graded in the background at hand-in,
results in under 1 s, ``simulator exam results --json`` under 2 s from a cold process and equal to the
exports, pending marks labelled, times labelled with their zone, both languages on the instructor pages.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import new_app

from simulator.assessment.grading import answer_key
from simulator.core.i18n import t
from simulator.service import exam_admin, exam_grading, exams, gradebook
from simulator.service.store import reset_stores
from simulator.tasks import get

PASSWORD = "teacher-pass-1"
CLASS = 40
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sat_class(data_dir: Path):
    """40 trainees answered about two thirds of the tasks with the key and handed in."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SIMULATOR_DATA_DIR", str(data_dir))
        mp.delenv("SIMULATOR_DATABASE_URL", raising=False)
        reset_stores()
        code = exam_admin.create_exam("exam-l4-traffic").code
        for i in range(CLASS):
            trainee = f"S{i:02d}"
            exams.join(code, trainee, f"学员{i:02d}")
            for n, entry in enumerate(answer_key("exam-l4-traffic", trainee)["tasks"]):
                module = get(entry["kind"])
                raw = module.as_raw(entry["answer"], module.Params(**entry["params"]), None)
                if (i + n) % 3 and isinstance(raw, str | int | float | dict | list):
                    exams.save_answer(code, trainee, entry["id"], raw)
            exams.submit(code, trainee)
        assert exam_grading.wait_for_grading(300)
        yield code
        reset_stores()


def logged_in(section: str, lang: str = "zh"):
    at = new_app().run()
    at.switch_page("simulator/app/pages/instructor.py").run()
    at.text_input(key="instructor.login_pw").input(PASSWORD)
    at.form_submit_button[0].click().run()
    if lang != "zh":
        at.segmented_control(key="ui.lang").set_value(lang).run()
    at.segmented_control(key="instructor.section").set_value(section).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def admin(monkeypatch):
    monkeypatch.setenv("SIMULATOR_INSTRUCTOR_PASSWORD", PASSWORD)


def test_hand_ins_are_graded_in_the_background_and_results_open_in_under_a_second(sat_class, admin):
    assert exam_grading.ungraded_count(sat_class) == 0  # all graded at hand-in, before anyone looked
    logged_in("results")  # a server process imports the chart library once; then time a new session
    at = logged_in("exams")
    start = time.perf_counter()
    at.segmented_control(key="instructor.section").set_value("results").run()
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    assert elapsed < 1.0, f"results took {elapsed:.2f} s"
    book = [d.value for d in at.dataframe][-1]
    waiting = book[book["t12"] == "待评分"]  # the written task, answered: waits for raters
    answered_t12 = {f"S{i:02d}" for i in range(CLASS) if (i + 11) % 3}
    assert len(book) == CLASS and set(waiting["学号"]) == answered_t12
    assert set(waiting["是否通过"]) == {"待评分"} and set(waiting["暂定原因"]) == {"待评分: t12"}
    settled = book[book["t12"] != "待评分"]  # left blank: 0, nothing pending, pass/fail decided
    assert set(settled["t12"]) == {"0"} and set(settled["是否通过"]) <= {"是", "否"} and len(settled)
    assert t("instructor.results.provisional_note", "zh") in "\n".join(c.value for c in at.caption)
    assert [c for c in book.columns if c.startswith("交卷时间")] == ["交卷时间 (UTC)"]  # AppTest's zone is UTC


def test_cold_cli_results_take_under_two_seconds_do_no_grading_and_match_the_exports(sat_class, data_dir):
    env = dict(os.environ, SIMULATOR_DATA_DIR=str(data_dir), SIMULATOR_BACKGROUND_GRADING="0")
    env.pop("SIMULATOR_DATABASE_URL", None)
    cmd = [sys.executable, "-X", "importtime", "-m", "simulator", "exam", "results", sat_class, "--json"]
    bare = [sys.executable, "-c", "import sqlalchemy.orm"]
    times, baseline, out = [], [], ""
    for _ in range(3):  # best of three: the machine is shared
        start = time.perf_counter()
        subprocess.run(bare, check=True, env=env, timeout=60)
        baseline.append(time.perf_counter() - start)
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stderr
        out = done.stdout
    loaded = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    engine = {"pandas", "simulator.assessment.grading", "simulator.assessment.datasets", "alembic"}
    assert not loaded & engine  # reads, never grades
    # Under 2 s on the 2-core machine when it is not shared (docs/deploy.md); while other jobs load it, the
    # cold command may cost at most 3x a bare import of the database library, measured at the same moment.
    assert min(times) < 2.0 or min(times) < 3 * min(baseline), (times, baseline)
    rows = json.loads(out)
    assert len(rows) == CLASS
    assert all((r["pending"], r["passed"], r["t12"]) == ("t12", None, None) for r in rows if r["pending"])
    assert all(isinstance(r["passed"], bool) and r["t12"] == 0 for r in rows if not r["pending"])
    book = exam_admin.results(sat_class)
    csv = pd.read_csv(io.BytesIO(gradebook.to_csv_bytes(book, exam_admin.get_exam(sat_class).tasks)),
                      dtype={"trainee_id": str})  # fmt: skip
    for record, (_, line) in zip(rows, csv.iterrows(), strict=True):
        assert record["trainee_id"] == line["trainee_id"] and record["total"] == pytest.approx(line["total"])


def test_english_instructor_pages_show_english_feedback_skills_and_keep_the_section(sat_class, admin):
    at = logged_in("results", "en")
    assert at.segmented_control(key="instructor.section").value == "results"
    headers = [c for d in at.dataframe for c in d.value.columns]
    assert headers and not [h for h in headers if HAN.search(str(h))]
    at.selectbox(key="instructor.detail").set_value("S01").run()
    feedback = [e.value for kind in ("success", "warning", "error", "info") for e in getattr(at, kind)]
    assert feedback and not [f for f in feedback if HAN.search(f)], feedback
    from simulator.core.standard import SKILLS, SKILLS_EN

    chart = json.loads(at.get("plotly_chart")[1].proto.spec)
    labels = {label for bar in chart["data"] for label in bar["y"]}
    skills = {skill for task in exam_admin.get_exam(sat_class).tasks for skill in task.skills}
    assert labels == {f"{code} {SKILLS_EN[code]}" for code in skills}  # skill names in English
    assert not [code for code in skills if SKILLS[code] in at.get("plotly_chart")[1].proto.spec]
    at.segmented_control(key="ui.lang").set_value("zh").run()  # switching back keeps the section
    assert at.segmented_control(key="instructor.section").value == "results"
    zh_headers = [c for d in at.dataframe for c in d.value.columns]
    assert not [h for h in zh_headers if re.fullmatch(r"[A-Za-z ]{2,}", str(h))], zh_headers


def test_monitor_times_are_in_the_browser_zone_and_say_so(sat_class, monkeypatch):
    from zoneinfo import ZoneInfo

    from simulator.app.ui import instructor_exams

    monkeypatch.setattr(instructor_exams, "browser_zone", lambda: ZoneInfo("Asia/Shanghai"))
    rows = exam_admin.roster_status(sat_class)
    frame = instructor_exams.roster_frame(rows, "zh")
    column = "交卷时间 (Asia/Shanghai)"
    assert column in frame.columns and not [c for c in frame.columns if "UTC" in c]
    shown = datetime.strptime(frame.loc[0, column], "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert abs((shown - rows[0].submitted_at).total_seconds()) < 60  # the same moment, in the zone it names
    headers, records = gradebook.table(exam_admin.results(sat_class), exam_admin.get_exam(sat_class).tasks, "zh")
    export = dict(zip(headers, records[0], strict=True))["交卷时间(UTC)"]  # exports stay UTC, and say so
    assert datetime.strptime(export, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) == rows[0].submitted_at.replace(
        microsecond=0
    )
