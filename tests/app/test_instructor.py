"""The instructor workspace through AppTest: the password door (first run, login, expiry, logout),
authoring with line-level validation, creating an exam, monitoring, results with a gradebook download
that round-trips, manual grading by three raters, and regrading that shows what changed.
"""

from __future__ import annotations

import ast
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from app_helpers import MIN, T0, Clock, new_app
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from simulator import answer_key
from simulator.app.ui import exam_clock
from simulator.core.i18n import LANGS, t
from simulator.service import exam_admin, exam_grading, exam_marks, exams, gradebook
from simulator.service.scenario_source import list_scenario_versions, load_source, save_scenario_version

PASSWORD = "teacher-pass-1"
EXAM_YAML = """\
id: app-class
title: {zh: 应用测试:班级考试, en: "App test: class exam"}
level: L4
direction: 流量运营
context: {zh: 你是某品牌的投放专员。, en: You run the brand's ads.}
seed: 3
datasets:
  ads: {days: 7, campaigns: 3}
tasks:
  - id: t1
    kind: metric
    points: 60
    skills: [L4/5.2.1]
    title: {zh: 点击率, en: CTR}
    params: {dataset: ad_delivery, metric: ctr}
  - id: t2
    kind: free_text
    points: 40
    skills: [L4/5.2.2]
    title: {zh: 优化建议, en: Suggestions}
    params:
      min_chars: 5
      rubric:
        - criterion: {zh: 指出点击率最低的计划, en: Names the weakest campaign}
          points: 40
"""




@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh store per test (first-run set-up must find no password)."""
    return tmp_path / "data"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    monkeypatch.setenv("SIMULATOR_INSTRUCTOR_PASSWORD", PASSWORD)
    fake = Clock()
    with exam_clock.use_clock(fake):
        yield fake


def instructor_page() -> AppTest:
    at = new_app().run()
    at.switch_page("simulator/app/pages/instructor.py").run()
    assert not at.exception, at.exception
    return at


def logged_in(section: str | None = None) -> AppTest:
    at = instructor_page()
    at.text_input(key="instructor.login_pw").input(PASSWORD)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    if section:
        at.segmented_control(key="instructor.section").set_value(section).run()
        assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "success", "warning", "error", "info", "code")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def sat_exam(tmp_path: Path, answers: dict[str, dict[str, str]], **kwargs) -> str:
    """An exam of :data:`EXAM_YAML` where each trainee saved ``answers`` and handed in."""
    path = tmp_path / "app-class.yaml"
    path.write_text(EXAM_YAML, "utf-8")
    code = exam_admin.create_exam(str(path), now=T0, **kwargs).code
    for trainee, saved in answers.items():
        exams.join(code, trainee, f"学员{trainee}", T0)
        for task, value in saved.items():
            exams.save_answer(code, trainee, task, value, T0 + MIN)
        exams.submit(code, trainee, T0 + 10 * MIN)
    assert exam_grading.wait_for_grading(120)  # graded in the background at hand-in
    return code


def test_the_workspace_refuses_without_login(clock, tmp_path):
    code = sat_exam(tmp_path, {"S1": {"t1": "1%"}})
    at = instructor_page()
    assert [ti.label for ti in at.text_input if ti.label] == [
        t("instructor.auth.account", "zh"), t("instructor.auth.password", "zh")
    ]
    assert code not in texts(at) and not at.dataframe and not at.segmented_control(key="ui.lang").value == ""
    assert "instructor.section" not in [s.key for s in at.segmented_control]
    at.text_input(key="instructor.login_pw").input("guess-guess")
    at.form_submit_button[0].click().run()
    assert at.error[0].value == t("auth.wrong_password", "zh")
    assert "instructor.token" not in at.session_state and code not in texts(at)


def test_first_run_set_up_login_expiry_and_logout(monkeypatch, tmp_path):
    monkeypatch.delenv("SIMULATOR_INSTRUCTOR_PASSWORD", raising=False)
    clock = Clock()
    with exam_clock.use_clock(clock):
        at = instructor_page()
        assert t("instructor.auth.setup_intro", "zh") in texts(at)
        at.text_input(key="instructor.setup_pw").input("first-password")
        at.text_input(key="instructor.setup_pw2").input("first-passwort")
        at.form_submit_button[0].click().run()
        assert at.error[0].value == t("instructor.auth.mismatch", "zh")
        at.text_input(key="instructor.setup_pw").input("first-password")
        at.text_input(key="instructor.setup_pw2").input("first-password")
        at.form_submit_button[0].click().run()
        assert at.segmented_control(key="instructor.section").value == "exams"
        assert "first-password" not in repr(at.session_state.to_dict())
        clock.now = T0 + timedelta(hours=9)  # sessions last 8 hours
        at.run()
        assert t("auth.expired", "zh") in texts(at)
        assert "instructor.section" not in [s.key for s in at.segmented_control]
        again = instructor_page()  # set up once: now a plain login form
        assert t("instructor.auth.setup_intro", "zh") not in texts(again)
        again.text_input(key="instructor.login_pw").input("first-password")
        again.form_submit_button[0].click().run()
        assert again.segmented_control(key="instructor.section").value == "exams"
        again.button(key="instructor.logout").click().run()
        assert "instructor.section" not in [s.key for s in again.segmented_control]


def test_authoring_validates_by_line_and_saves_versions(clock):
    at = logged_in("author")
    at.selectbox(key="instructor.clone_id").set_value("app-ads").run()
    at.button(key="instructor.clone").click().run()
    text = at.text_area(key="instructor.yaml").value
    assert "id: app-ads-copy" in text
    assert t("instructor.author.valid", "zh", id="app-ads-copy", n=3, points="100") in texts(at)
    broken = text.replace("metric: ctr}", "metric: crt}")
    line = broken.splitlines().index(next(ln for ln in broken.splitlines() if "metric: crt" in ln)) + 1
    at.text_area(key="instructor.yaml").input(broken).run()
    assert f"scenario.yaml:{line}: tasks[0].params.metric: unknown metric 'crt'" in texts(at)
    assert "instructor.save" not in [b.key for b in at.button]
    at.text_area(key="instructor.yaml").input(text).run()
    at.toggle(key="instructor.preview_on").set_value(True).run()
    assert not at.exception, at.exception
    assert at.dataframe and at.json  # the sample trainee's data and key (instructors only)
    at.button(key="instructor.selftest").click().run()
    assert t("instructor.author.selftest_ok", "zh", n=3) in texts(at)
    at.text_input(key="instructor.author").input("王老师")
    at.button(key="instructor.save").click().run()
    assert t("instructor.author.saved_as", "zh", id="app-ads-copy", v=1) in texts(at)
    assert [(v.scenario_id, v.version, v.author) for v in list_scenario_versions()] == [("app-ads-copy", 1, "王老师")]
    assert [b.label for b in at.get("download_button")] == [t("instructor.author.export", "zh")]
    at.segmented_control(key="instructor.section").set_value("exams").run()
    at.segmented_control(key="instructor.section").set_value("author").run()
    assert at.text_area(key="instructor.yaml").value == text  # the draft survives switching sections


def test_creating_an_exam_with_a_roster_then_monitoring_it(clock):
    at = logged_in("exams")
    at.selectbox(key="instructor.source").set_value("file:app-ads").run()
    assert at.number_input(key="instructor.minutes.file:app-ads").value == 100
    roster = "学号,姓名\nR1,张三\nR2,李四\nR3,王五\n".encode("gbk")
    at.file_uploader(key="instructor.roster_file").set_value(("名单.csv", roster, "text/csv")).run()
    assert t("instructor.exams.roster_ok", "zh", n=3) in texts(at)
    at.button(key="instructor.create").click().run()
    assert not at.exception, at.exception
    (exam,) = exam_admin.list_exams()
    assert (exam.scenario_id, exam.duration_minutes, exam.roster) == (
        "app-ads",
        100,
        {"R1": "张三", "R2": "李四", "R3": "王五"},
    )
    assert t("instructor.exams.created", "zh", code=exam.code) in texts(at)
    exams.join(exam.code, "R2", "", T0)
    exams.join(exam.code, "R3", "", T0)
    exams.submit(exam.code, "R3", T0 + 5 * MIN)
    clock.now = T0 + 10 * MIN
    at.segmented_control(key="instructor.section").set_value("monitor").run()
    table = frames(at)[0]
    assert list(table["状态"]) == ["未开始", "进行中", "已交卷"]
    assert list(table["剩余时间"]) == ["—", "1:30:00", "—"]
    assert [m.value for m in at.metric] == ["1", "1", "1"]


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """File name → bytes of every download button the page made."""
    made: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
        if filename and isinstance(path_or_data, bytes):
            made[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    deferred = MediaFileManager.add_deferred

    def made_on_click(self, data, mimetype, coordinates, file_name=None, **kwargs):  # noqa: ANN001, ANN202
        if file_name:
            made[file_name] = data()  # what a click on the button downloads
        return deferred(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", made_on_click)
    return made


def test_results_analysis_and_gradebook_downloads_round_trip(clock, tmp_path, downloads):
    code = sat_exam(tmp_path, {"S1": {"t1": "=1+1"}, "S2": {"t1": "0.5"}, "S3": {}})
    at = logged_in("results")
    assert not at.exception, at.exception
    rows = exam_admin.results(code, clock.now)
    assert [m.value for m in at.metric][:2] == ["3 / 3", "0"]
    csv = downloads[f"gradebook-{code}.csv"]
    assert csv.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype={"学号": str})
    assert list(back["学号"]) == [r.trainee_id for r in rows] == ["S1", "S2", "S3"]
    assert list(back["总分"]) == [r.total for r in rows]
    assert list(back["t1"]) == [r.tasks["t1"].score for r in rows]
    sheet = openpyxl.load_workbook(io.BytesIO(downloads[f"gradebook-{code}.xlsx"])).active
    values = list(sheet.values)
    assert values[0][:4] == ("学号", "姓名", "状态", "t1")
    assert [v[0] for v in values[1:]] == ["S1", "S2", "S3"] and values[1][1] == "学员S1"
    items = frames(at)[0]
    assert list(items["任务"]) == ["t1", "t2"] and list(items["满分率"]) == ["0%", "0%"]
    at.selectbox(key="instructor.detail").set_value("S1").run()
    assert "=1+1" in texts(at)  # the answer as submitted, shown as text


def rater_session(name: str, password: str, section: str = "grading") -> AppTest:
    at = instructor_page()
    at.text_input(key="instructor.login_account").input(name)
    at.text_input(key="instructor.login_pw").input(password)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_three_rater_accounts_mark_the_written_task_and_the_final_is_their_median(clock, tmp_path):
    from simulator.service import raters

    code = sat_exam(tmp_path, {"S1": {"t1": "1%", "t2": "计划 C 的点击率最低,建议换素材。"}, "S2": {"t2": "短"}})
    passwords = {name: raters.add_rater(name) for name in ("甲", "乙", "丙")}
    for rater, score in (("甲", 30.0), ("乙", 36.0), ("丙", 6.0)):
        at = rater_session(rater, passwords[rater])
        assert [s.value for s in at.segmented_control if s.key == "instructor.section"] == ["grading"]  # raters grade
        assert "指出点击率最低的计划" in texts(at)
        assert not [ti for ti in at.text_input if ti.key == "instructor.rater"]  # no name to type: signed by login
        assert at.selectbox(key="instructor.grade_who").format_func("S1") == "S1 学员S1"
        at.number_input(key="instructor.score.S1").set_value(score)
        at.form_submit_button[0].click().run()
        assert not at.exception, at.exception
        summary = frames(at)[0].set_index("学号")
        assert summary.loc["S1", "评分人数"] == len(exam_marks.manual_summary(code, "S1", "t2").scores)  # up to date
    assert summary.loc["S1", "最终得分(中位数)"] == "30" and summary.loc["S1", "分差"] == "30"
    assert summary.loc["S1", "需讨论"] == t("instructor.grading.discuss_yes", "zh")  # 30 of 40 > 25 %
    assert t("instructor.grading.final_now", "zh", n=3, final="30") in texts(at)
    assert exam_marks.manual_summary(code, "S1", "t2").scores == {"甲": 30.0, "乙": 36.0, "丙": 6.0}
    row = exam_admin.results(code, clock.now)[0]
    assert row.tasks["t2"].score == 30.0 and not row.pending_manual

    at.selectbox(key="instructor.grade_who").set_value("S2").run()  # the auto-check is shown to the grader
    waiting = t("instructor.feedback.free_text.ungraded", "zh", chars=1)  # a short answer still reaches the raters
    assert t("instructor.grading.auto_check", "zh", status=t("ui.status.ungraded", "zh"), feedback=waiting) in texts(at)
    assert t("free_text.short_note", "zh", chars=1, min=5) in texts(at)  # … and the grader sees it is short

    at = rater_session("丙", passwords["丙"])  # 丙 corrects, then withdraws, only their own mark
    at.button(key="instructor.withdraw.S1.t2").click().run()
    assert not at.exception, at.exception
    assert exam_marks.manual_summary(code, "S1", "t2").scores == {"甲": 30.0, "乙": 36.0}
    trail = [(e.rater, e.action) for e in exam_marks.mark_log(code, "S1", "t2")]
    assert trail[-1] == ("丙", "withdraw") and ("甲", "mark") in trail
    with pytest.raises(exams.ExamError):
        raters.withdraw(raters.login("丙", passwords["丙"]), code, "S1", "t2")  # 甲's mark is not 丙's to remove
    headers, records = gradebook.table(exam_admin.results(code, clock.now), exam_admin.get_exam(code).tasks, "zh")
    assert dict(zip(headers, records[0], strict=True))["t2"] == "待评分"


def test_a_fourth_mark_warns_before_it_unsettles_the_final(clock, tmp_path):
    from simulator.service import raters

    code = sat_exam(tmp_path, {"S1": {"t2": "计划 C 的点击率最低,建议换素材。"}})
    for name, score in (("a1", 20), ("a2", 24), ("a3", 22)):
        exam_marks.manual_grade(code, "S1", "t2", name, score, now=clock.now)
    at = rater_session("a4", raters.add_rater("a4"))
    assert t("exam.mark_unfinalises", "zh", n=3) in texts(at)
    at.form_submit_button[0].click().run()  # not confirmed: refused, final unchanged
    assert exam_marks.manual_summary(code, "S1", "t2").final == 22
    at.checkbox(key="instructor.unsettle.S1").check()
    at.form_submit_button[0].click().run()
    assert exam_marks.manual_summary(code, "S1", "t2").final is None


def test_regrade_offers_only_the_exam_scenario_previews_and_undoes(clock, tmp_path):
    save_scenario_version(EXAM_YAML.replace("metric: ctr}", "metric: cvr}"), "v1")
    save_scenario_version(EXAM_YAML.replace("id: app-class", "id: other-class"), "other")
    code = exam_admin.create_exam("app-class", now=T0).code
    save_scenario_version(EXAM_YAML, "v2-fixed")
    ctr = answer_key(load_source(EXAM_YAML), "S1")["tasks"][0]["answer"]["value"]
    exams.join(code, "S1", "", T0)
    exams.save_answer(code, "S1", "t1", f"{ctr:.6f}", T0 + MIN)
    exams.submit(code, "S1", T0 + 2 * MIN)
    assert exam_grading.wait_for_grading(120)
    assert exam_admin.results(code, clock.now)[0].tasks["t1"].score == 0
    at = logged_in("regrade")
    offered = at.selectbox(key="instructor.fix_source").options  # other-class v1 is not offered
    assert offered == [t("instructor.regrade.frozen", "zh"), "app-class v1", "app-class v2"]
    at.selectbox(key="instructor.fix_source").set_value("saved:app-class@2").run()
    at.button(key="instructor.regrade_check").click().run()
    assert not at.exception, at.exception
    assert t("instructor.regrade.tasks_changed", "zh", tasks="t1") in texts(at)
    assert exam_admin.get_exam(code).scenario_version == 1  # the preview changed nothing
    totals = frames(at)[0]
    assert list(totals.iloc[0])[:4] == ["S1", "", "0", "60"]
    at.checkbox(key="instructor.regrade_sure").check().run()
    assert at.button(key="instructor.regrade").disabled  # t1 changes: it must be confirmed by name
    at.checkbox(key="instructor.regrade_named.t1").check().run()
    at.button(key="instructor.regrade").click().run()
    assert not at.exception, at.exception
    assert t("instructor.regrade.changed", "zh", n=1) in texts(at)
    assert exam_admin.get_exam(code).scenario_version == 2
    assert exam_admin.results(code, clock.now)[0].tasks["t1"].score == 60
    at.button(key="instructor.regrade_undo").click().run()
    assert not at.exception, at.exception
    assert exam_admin.get_exam(code).scenario_version == 1
    assert exam_admin.results(code, clock.now)[0].tasks["t1"].score == 0


def test_every_workspace_message_is_in_both_locale_files():
    root = Path(__file__).resolve().parents[2]
    catalogs = [json.loads((root / "simulator" / "locales" / f"{lang}.json").read_text("utf-8")) for lang in LANGS]
    used, families = set(), set()
    app = root / "simulator" / "app"
    for path in [app / "pages" / "instructor.py", *(app / "ui").glob("instructor_*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.update(re.findall(r"^instructor\.[a-z_]+(?:\.[a-z_0-9]+)*$", node.value))
            if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
                families.update(re.findall(r"^instructor\.[a-z_.]+\.$", str(node.values[0].value)))
    used -= {k for k in used if k.count(".") == 1} - {"instructor.section"}  # session keys, not messages
    assert len(used) > 100 and families == {"instructor.policy.", "instructor.section.", "instructor.feedback.",
                                            "instructor.grading.action.", "instructor.regrade.kind."}
    for key in sorted(used):
        assert all(key in catalog for catalog in catalogs), key
        assert set(re.findall(r"{(\w+)}", catalogs[0][key])) == set(re.findall(r"{(\w+)}", catalogs[1][key])), key
    for family in families:
        assert sum(k.startswith(family) for k in catalogs[0]) >= 2, family


def test_the_administrator_creates_a_rater_account_who_then_signs_in(clock):
    at = logged_in("exams")
    at.text_input(key="instructor.rater_name").input("评分员甲")
    at.form_submit_button(key="FormSubmitter:instructor.rater_form-" + t("instructor.raters.add", "zh")).click().run()
    assert not at.exception, at.exception
    assert t("instructor.raters.added", "zh", name="评分员甲") in texts(at)
    password = at.code[-1].value
    rater = rater_session("评分员甲", password)
    assert [s.value for s in rater.segmented_control if s.key == "instructor.section"] == ["grading"]
    assert t("instructor.signed_in_as", "zh", name="评分员甲") in texts(rater)
