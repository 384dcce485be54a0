"""The exam page driven through AppTest with an injected server clock: join, save (已保存), resume,
deadline lock, a late save refused, hand-in with confirmation, results on release, no key in the session.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from app_helpers import MIN, SCENARIOS, T0, Clock, new_app
from streamlit.testing.v1 import AppTest

from simulator import answer_key
from simulator import tasks as registry
from simulator.app.ui import exam_clock
from simulator.app.ui.answer_forms import FormContext
from simulator.app.ui.exam_restore import widget_values
from simulator.assessment.scenario import TaskSpec
from simulator.core.i18n import LANGS, t
from simulator.service import exam_admin, exams
from simulator.service.scenario_source import load_source
from simulator.service.store import reset_stores

EXAM_YAML = """\
id: app-exam
title: {zh: 应用测试:模拟考试, en: "App test: mock exam"}
level: L4
direction: 流量运营
context: {zh: 你是某品牌的投放专员。, en: You run the brand's ads.}
seed: 11
duration_minutes: 100
datasets:
  ads: {days: 7, campaigns: 3}
tasks:
  - id: t1
    kind: metric
    points: 40
    skills: [L4/5.2.1]
    title: {zh: 点击率, en: Click-through rate}
    params: {dataset: ad_delivery, metric: ctr}
  - id: t2
    kind: choice
    points: 20
    skills: [L4/5.2.2]
    title: {zh: 点击率最高的计划, en: Highest CTR}
    params: {question: top_by_metric, dataset: ad_delivery, entity: campaign_name, metric: ctr}
  - id: t3
    kind: report_table
    points: 20
    skills: [L4/6.1.1]
    title: {zh: 分计划报表, en: Report by campaign}
    params: {dataset: ad_delivery, by: [campaign_id], metrics: [cost, clicks]}
  - id: t4
    kind: free_text
    points: 20
    skills: [L4/5.2.2]
    title: {zh: 优化建议, en: Suggestions}
    params:
      min_chars: 5
      rubric:
        - criterion: {zh: 指出点击率最低的计划, en: Names the weakest campaign}
          points: 20
"""




@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with exam_clock.use_clock(fake):
        yield fake


@pytest.fixture
def exam_file(tmp_path: Path) -> Path:
    path = tmp_path / "app-exam.yaml"
    path.write_text(EXAM_YAML, "utf-8")
    return path


def new_exam(exam_file: Path, **kwargs) -> exams.ExamInfo:
    return exam_admin.create_exam(str(exam_file), now=T0, **kwargs)


def exam_page(**query: str) -> AppTest:
    at = new_app()
    at.query_params.update(query)
    at.run()
    at.switch_page("simulator/app/pages/exam.py").run()
    assert not at.exception, at.exception
    return at


def join(code: str, trainee: str, name: str = "") -> AppTest:
    at = exam_page()
    at.text_input(key="exam.join_code").input(code)
    at.text_input(key="exam.join_id").input(trainee)
    at.text_input(key="exam.join_name").input(name)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


def ans(code: str, trainee: str, task: str, part: str) -> str:
    return f"exam.ans.{code}.{trainee}.{task}.{part}"


def countdowns(at: AppTest) -> list[str]:
    """The countdowns as the browser first draws them, from the deadline and server time the page sent."""
    shown = []
    for element in at.get("bidi_component"):
        data = json.loads(element.proto.json)
        if "deadline_ms" not in data:
            continue  # the 正在保存… marker
        left = (data["deadline_ms"] - data["server_now_ms"]) / 1000
        shown.append(data["label"].replace("{left}", exam_clock.countdown_text(left)))
    return shown


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "success", "warning", "error", "info") for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in [*parts, *countdowns(at)])


def marks(at: AppTest) -> list[str]:
    """The 已保存 marks on the page, with their times."""
    return re.findall(r"已保存 \d\d:\d\d:\d\d", texts(at))


def test_join_then_every_change_is_saved_with_a_visible_mark(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code.lower(), "E-001", "韩梅梅")
    assert "剩余时间 1:40:00" in texts(at) and "E-001" in texts(at)
    assert "尚未作答" in texts(at) and not marks(at)
    clock.now = T0 + 3 * MIN + timedelta(seconds=7)
    at.text_input(key=ans(code, "E-001", "t1", "value")).input("12.5%").run()
    assert not at.exception, at.exception
    assert marks(at) == ["已保存 01:03:07"]  # in UTC: AppTest's browser sends no time zone
    at.radio(key=ans(code, "E-001", "t2", "one")).set_value("B").run()
    at.text_area(key=ans(code, "E-001", "t4", "text")).input("计划 C 的点击率最低,建议更换素材。").run()
    saved = exams.saved_answers(code, "E-001")
    assert {k: a.value for k, a in saved.items()} == {
        "t1": "12.5%",
        "t2": "B",
        "t4": "计划 C 的点击率最低,建议更换素材。",
    }
    assert len(marks(at)) == 3


def test_an_uploaded_table_is_stored_as_sent(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code, "E-002")
    body = "计划ID,消耗,点击数\nC01,1,2\n".encode("gbk")
    at.file_uploader(key=ans(code, "E-002", "t3", "file")).set_value(("报表.csv", body, "text/csv")).run()
    assert not at.exception, at.exception
    stored = exams.saved_answers(code, "E-002")["t3"]
    assert (stored.file_bytes, stored.filename) == (body, "报表.csv")
    assert "文件 报表.csv" in texts(at)


def test_a_wrong_code_is_refused_in_plain_words(clock, exam_file):
    new_exam(exam_file)
    at = join("ZZZZZZZZ", "E-003")
    assert at.error[0].value == t("exam.unknown_code", "zh")
    assert not at.tabs


def test_reload_and_a_restarted_store_resume_with_saved_answers_and_true_time_left(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code, "E-004", "李雷")
    at.text_input(key=ans(code, "E-004", "t1", "value")).input("0.0345").run()
    at.radio(key=ans(code, "E-004", "t2", "one")).set_value("C").run()
    reset_stores()  # the app process restarted: a new engine on the same database file
    clock.now = T0 + 30 * MIN + timedelta(seconds=20)
    again = exam_page(exam=code, trainee="E-004")  # a reload keeps the address ?exam=…&trainee=…
    assert again.text_input(key=ans(code, "E-004", "t1", "value")).value == "0.0345"
    assert again.radio(key=ans(code, "E-004", "t2", "one")).value == "C"
    assert "剩余时间 1:09:40" in texts(again) and "李雷 (E-004)" in texts(again)
    fresh = join(code, "E-004")  # or a new browser joining with the same code and id
    assert fresh.text_input(key=ans(code, "E-004", "t1", "value")).value == "0.0345"


def test_the_deadline_locks_the_answers_and_a_late_save_is_refused(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code, "E-005")
    clock.now = T0 + 99 * MIN
    at.text_input(key=ans(code, "E-005", "t1", "value")).input("1%").run()
    assert "剩余时间 1:00" in texts(at) and marks(at)
    clock.now = T0 + 100 * MIN
    at.text_input(key=ans(code, "E-005", "t1", "value")).input("2%").run()  # typed as time ran out
    assert not at.exception, at.exception
    assert t("exam.page.late_refused", "zh") in texts(at)
    assert "考试时间已到" in texts(at)
    assert at.text_input(key=ans(code, "E-005", "t1", "value")).value == "1%"
    assert at.text_input(key=ans(code, "E-005", "t1", "value")).disabled
    assert exams.saved_answers(code, "E-005")["t1"].value == "1%"
    with pytest.raises(exams.ExamClosed):
        exams.save_answer(code, "E-005", "t1", "3%", clock.now)


def test_hand_in_asks_first_and_results_wait_for_release(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code, "E-006")
    at.text_input(key=ans(code, "E-006", "t1", "value")).input("50%").run()
    at.button(key="exam.hand_in").click().run()
    assert "已作答 1 / 4 题" in texts(at)
    at.button(key="exam.hand_in_no").click().run()
    assert exams.attempt_view(code, "E-006", clock.now).status == "in_progress"
    clock.now = T0 + 20 * MIN
    at.button(key="exam.hand_in").click().run()
    at.button(key="exam.hand_in_yes").click().run()
    assert not at.exception, at.exception
    assert "已交卷(01:20:00)" in texts(at)  # in UTC: AppTest's browser sends no time zone
    assert at.text_input(key=ans(code, "E-006", "t1", "value")).disabled
    assert t("exam.page.results_later", "zh") in texts(at)
    exam_admin.release_results(code)
    at.button(key="exam.refresh").click().run()
    assert [m.value for m in at.metric][:2] == ["0 / 100", "否"]
    assert "不正确 · 得分 0 / 40" in texts(at)


def test_instant_policy_shows_results_right_after_hand_in(clock, exam_file):
    code = new_exam(exam_file, feedback_policy="instant").code
    at = join(code, "E-007")
    right = answer_key(load_source(EXAM_YAML, exam_file), "E-007")["tasks"][0]["answer"]["value"]
    at.text_input(key=ans(code, "E-007", "t1", "value")).input(f"{right:.4f}").run()
    at.text_area(key=ans(code, "E-007", "t4", "text")).input("计划 C 的点击率最低。").run()
    at.button(key="exam.hand_in").click().run()
    at.button(key="exam.hand_in_yes").click().run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric][:2] == ["40 / 100", "否"]
    assert t("exam.page.pending_manual", "zh") in texts(at)
    assert "正确 · 得分 40 / 40" in texts(at)


def _leaves(value: object) -> Iterator[object]:
    """Every scalar inside nested dicts, lists, tuples and dataclasses."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from _leaves(dataclasses.asdict(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _leaves(v)
    elif isinstance(value, list | tuple | set):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _secrets(entry: dict) -> list[object]:
    """The key's answer values a trainee must not get (choice options and rubrics are shown anyway)."""
    answer = {k: v for k, v in entry["answer"].items() if k not in ("options", "rubric", "misconceptions")}
    return [v for v in _leaves(answer) if isinstance(v, float) or (isinstance(v, str) and len(v) >= 2)]


def test_no_key_material_reaches_the_session_state(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code, "E-008")
    at.text_input(key=ans(code, "E-008", "t1", "value")).input("7%").run()
    at.radio(key=ans(code, "E-008", "t2", "one")).set_value("A").run()
    key = answer_key(load_source(EXAM_YAML, exam_file), "E-008")
    secrets = [v for entry in key["tasks"] for v in _secrets(entry)]
    assert len(secrets) > 5 and any(isinstance(v, float) for v in secrets)
    state = list(_leaves(at.session_state.to_dict()))
    blob = repr(state)
    for secret in secrets:
        if isinstance(secret, float):
            assert not any(isinstance(v, float) and math.isclose(v, secret) for v in state), secret
            assert repr(secret) not in blob and f"{secret:.4f}" not in blob, secret
        elif secret not in ("A", "B", "C", "D"):
            assert repr(secret) not in blob, secret
    assert "'answer'" not in blob and "rubric" not in blob and "seed" not in blob
    assert not any(str(k).startswith("exam.") and "key" in str(k).lower() for k in at.session_state.to_dict())


def _form(kind: str, public: dict | None = None, **params: object) -> FormContext:
    task = TaskSpec.model_validate({"id": "q", "kind": kind, "points": 10, "skills": ["L4/5.2.1"], "params": params})
    return FormContext(task, registry.get(kind).Params(**params), {}, "zh", "p", question=public)


def test_saved_answers_map_back_onto_every_kind_of_input():
    ab = _form("ab_test", ask=["n_control", "significant"])
    assert widget_values(ab, {"n_control": 1000, "significant": False}) == {
        "p.field.n_control": "1000",
        "p.field.significant": "no",
    }
    judge = _form("choice", question="compare", dataset="ad_delivery", entity="campaign_name", metric="roi")
    assert widget_values(judge, True) == {"p.judge": "yes"}
    many = _form(
        "choice",
        {"options": {"A": "x", "B": "y", "C": "z"}},
        question="above_threshold",
        dataset="ad_delivery",
        entity="campaign_name",
        metric="ctr",
        threshold=0.03,
    )
    assert widget_values(many, ["A", "C"]) == {"p.many": ["A", "C"]}
    five_a = _form("five_a_map", ask=["counts_t0", "flows", "new"])
    raw = {"counts_t0": {"A1": "5", "A2": 7}, "flows": {"A1>A2": "3"}, "new": "12"}
    assert widget_values(five_a, raw) == {"p.counts_t0.A1": "5", "p.counts_t0.A2": "7", "p.new": "12"}
    counts = _form("data_quality", dataset="accounts_daily", ask=["duplicates"])
    assert widget_values(counts, {"duplicates": 2}) == {"p.field.duplicates": "2"}
    assert (
        widget_values(_form("report_table", dataset="ad_delivery", by=["campaign_id"], metrics=["cost"]), "f.csv") == {}
    )


def test_a_resumed_page_shows_yes_no_and_field_answers_again(clock):
    code = exam_admin.create_exam(str(SCENARIOS / "app-ads.yaml"), now=T0).code
    exams.join(code, "E-009", "", T0)
    exams.save_answer(code, "E-009", "t3", {"n_control": "1000", "significant": True}, T0 + MIN)
    at = exam_page(exam=code, trainee="E-009")
    assert at.text_input(key=ans(code, "E-009", "t3", "field.n_control")).value == "1000"
    assert at.radio(key=ans(code, "E-009", "t3", "field.significant")).value == "yes"
    at.text_input(key=ans(code, "E-009", "t3", "field.n_control")).input("1001").run()
    assert exams.saved_answers(code, "E-009")["t3"].value == {"n_control": "1001", "significant": True}


def test_every_exam_page_message_is_in_both_locale_files():
    root = Path(__file__).resolve().parents[2]
    catalogs = [json.loads((root / "simulator" / "locales" / f"{lang}.json").read_text("utf-8")) for lang in LANGS]
    used = set()
    app = root / "simulator" / "app"
    for path in [app / "pages" / "exam.py", *(app / "ui").glob("exam_*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                used.update(re.findall(r"^exam\.page\.[a-z_]+$", node.value))
    assert len(used) > 30
    for key in sorted(used):
        assert all(key in catalog for catalog in catalogs), key
        assert set(re.findall(r"{(\w+)}", catalogs[0][key])) == set(re.findall(r"{(\w+)}", catalogs[1][key])), key


def test_the_data_tab_runs_only_while_open_and_then_shows_tables_charts_and_downloads(clock, exam_file):
    code = new_exam(exam_file).code
    at = join(code, "E-020")
    assert not at.get("download_button") and not at.get("plotly_chart")  # a save does not rebuild them
    at.session_state[f"exam.tabs.{code}.E-020"] = t("exam.page.tab_data", "zh")  # the trainee opens 数据
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("download_button")) >= 2 and at.get("plotly_chart") and at.dataframe
    assert at.text_input(key=ans(code, "E-020", "t1", "value"))  # the tasks stay on the page


def test_choice_options_come_from_the_one_task_not_the_whole_key(monkeypatch, exam_file):
    from simulator.app.ui.answer_forms import question_for

    scenario = load_source(exam_file.read_text("utf-8"), str(exam_file))
    expected = next(e for e in answer_key(scenario, "E-030")["tasks"] if e["id"] == "t2")["answer"]["options"]
    shown = question_for(scenario, "E-030", "t2")["options"]
    assert shown == {str(k): str(v) for k, v in expected.items()}

    def no_other_task(*args, **kwargs):
        raise AssertionError("the exam page built another task's answer")

    monkeypatch.setattr(registry.get("metric"), "make", no_other_task)  # t1 of the same exam
    assert set(question_for(scenario, "E-031", "t2")["options"]) == set(shown)  # a new trainee: built fresh


def test_a_store_failure_is_retried_and_an_unacknowledged_answer_is_sent_again(clock, exam_file, monkeypatch):
    from simulator.app.ui import exam_task

    code = new_exam(exam_file).code
    at = join(code, "E-040")
    real_save, calls = exams.save_answer, []

    def flaky(*args, **kwargs):  # the store fails on the first try of each save
        calls.append(args[3])
        if len(calls) % 2:
            raise OSError("disk busy")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(exam_task, "RETRY_DELAYS", (0, 0))
    monkeypatch.setattr(exams, "save_answer", flaky)
    at.text_input(key=ans(code, "E-040", "t1", "value")).input("1%").run()
    assert calls == ["1%", "1%"] and marks(at) and not at.error  # tried again, then acknowledged

    monkeypatch.setattr(exams, "save_answer", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    at.text_input(key=ans(code, "E-040", "t1", "value")).input("2%").run()
    assert t("exam.page.save_failed", "zh") in texts(at)  # said so; the input keeps 2%
    assert at.text_input(key=ans(code, "E-040", "t1", "value")).value == "2%"
    assert exams.saved_answers(code, "E-040")["t1"].value == "1%"

    monkeypatch.setattr(exams, "save_answer", real_save)
    at.run()  # any later run of the page sends the answer that was never acknowledged
    assert exams.saved_answers(code, "E-040")["t1"].value == "2%" and not at.error
