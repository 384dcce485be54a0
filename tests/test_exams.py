"""The exam service with an injected clock: start, save, deadline, hand-in, throttling, grading, results."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from helpers_exam import KEY, SCENARIO_YAML, SECRET_SEED, T0, TASKS, make_grader

from simulator.core.i18n import t
from simulator.service import exam_admin, exam_grading, exam_marks, exam_regrade, exams
from simulator.service.exams import ExamClosed, ExamError, ExamNotOpen, NotOnRoster, TooManyAttempts, UnknownExam
from simulator.service.gradebook import TaskInfo
from simulator.service.store import AnswerHistory, Store

MIN = timedelta(minutes=1)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMULATOR_BACKGROUND_GRADING", "0")  # these tests inject a fake grader
    store = Store(f"sqlite:///{tmp_path / 'simulator.db'}")
    yield store
    store.dispose()


def new_exam(store, **kwargs):
    kwargs.setdefault("tasks", TASKS)
    kwargs.setdefault("now", T0)
    return exam_admin.create_exam(SCENARIO_YAML, store=store, **kwargs)


def test_create_exam_freezes_scenario_and_makes_a_readable_code(store):
    exam = new_exam(store)
    assert len(exam.code) >= 6 and set(exam.code) <= set(exams.CODE_ALPHABET)
    assert not set(exam.code) & set("IO01L")
    assert (exam.duration_minutes, exam.feedback_policy, exam.released) == (100, "release", False)
    assert exam.scenario_id == "demo-exam" and exam.title == "模拟考试"
    assert exam_admin.exam_scenario_yaml(exam.code.lower(), store=store) == SCENARIO_YAML
    assert exam_admin.get_exam(f" {exam.code[:4]}-{exam.code[4:]} ", store=store) == exam
    with pytest.raises(ExamError):
        new_exam(store, feedback_policy="never")
    with pytest.raises(ExamError):
        new_exam(store, opens_at=T0, closes_at=T0 - MIN)


def test_start_save_deadline_lock_and_late_save_refused(store):
    code = new_exam(store).code
    view = exams.join(code, "T001", "李雷", T0, store=store)
    assert view.deadline == T0 + 100 * MIN and view.seconds_left == 6000 and view.status == "in_progress"
    ack = exams.save_answer(code, "T001", "t1", "3.45%", T0 + 10 * MIN, store=store)
    assert ack.saved_at == T0 + 10 * MIN and ack.seconds_left == 90 * 60
    assert exams.time_left(view, T0 + 99 * MIN) == MIN
    with pytest.raises(ExamClosed):
        exams.save_answer(code, "T001", "t1", "9%", T0 + 100 * MIN, store=store)
    with pytest.raises(ExamClosed):
        exams.save_answer(code, "T001", "t2", "A", T0 + 150 * MIN, store=store)
    saved = exams.saved_answers(code, "T001", store=store)
    assert {k: a.value for k, a in saved.items()} == {"t1": "3.45%"}
    late = exams.attempt_view(code, "T001", T0 + 101 * MIN, store=store)
    assert (late.status, late.seconds_left) == ("timed_out", 0)


def test_early_hand_in_locks_answers_and_is_idempotent(store):
    code = new_exam(store).code
    exams.join(code, "T001", "李雷", T0, store=store)
    exams.save_answer(code, "T001", "t2", "B", T0 + 5 * MIN, store=store)
    first = exams.submit(code, "T001", T0 + 30 * MIN, store=store)
    assert (first.status, first.submitted_at, first.seconds_left) == ("submitted", T0 + 30 * MIN, 0)
    with pytest.raises(ExamClosed):
        exams.save_answer(code, "T001", "t2", "C", T0 + 31 * MIN, store=store)
    assert exams.submit(code, "T001", T0 + 40 * MIN, store=store).submitted_at == T0 + 30 * MIN
    assert exams.saved_answers(code, "T001", store=store)["t2"].value == "B"


def test_hand_in_after_the_deadline_records_the_deadline(store):
    code = new_exam(store, minutes=30).code
    exams.join(code, "T001", "", T0, store=store)
    assert exams.submit(code, "T001", T0 + 45 * MIN, store=store).submitted_at == T0 + 30 * MIN


def test_opening_window_and_closing_time_cap_the_deadline(store):
    code = new_exam(store, opens_at=T0 + 10 * MIN, closes_at=T0 + 60 * MIN).code
    with pytest.raises(ExamNotOpen):
        exams.join(code, "T001", "", T0, store=store)
    view = exams.join(code, "T001", "", T0 + 20 * MIN, store=store)
    assert view.deadline == T0 + 60 * MIN  # 100 minutes would pass the closing time
    with pytest.raises(ExamClosed):
        exams.join(code, "T002", "", T0 + 60 * MIN, store=store)
    resumed = exams.join(code, "T001", "", T0 + 70 * MIN, store=store)  # may come back to see status
    assert resumed.status == "timed_out" and resumed.started_at == T0 + 20 * MIN


def test_resume_in_a_new_session_and_after_the_engine_is_recreated(tmp_path):
    url = f"sqlite:///{tmp_path / 'simulator.db'}"
    first = Store(url)
    code = new_exam(first).code
    exams.join(code, "T001", "李雷", T0, store=first)
    exams.save_answer(code, "T001", "t1", "0.0345", T0 + 3 * MIN, store=first)
    exams.save_answer(code, "T001", "t2", {"choice": "B"}, T0 + 4 * MIN, store=first)
    again = exams.join(code, "T001", "", T0 + 20 * MIN, store=first)  # a reload: a new page session
    assert again.started_at == T0 and again.seconds_left == 80 * 60
    first.dispose()
    second = Store(url)  # a restarted server
    view = exams.join(code, "T001", "", T0 + 25 * MIN, store=second)
    assert (view.name, view.started_at, view.deadline, view.seconds_left) == (
        "李雷",
        T0,
        T0 + 100 * MIN,
        75 * 60,
    )
    saved = exams.saved_answers(code, "T001", store=second)
    assert {k: a.value for k, a in saved.items()} == {"t1": "0.0345", "t2": {"choice": "B"}}
    assert saved["t2"].saved_at == T0 + 4 * MIN
    second.dispose()


def test_every_save_is_kept_in_the_history(store):
    code = new_exam(store).code
    exams.join(code, "T001", "", T0, store=store)
    for i, value in enumerate(["1", "2", "3"]):
        exams.save_answer(code, "T001", "t1", value, T0 + i * MIN, store=store)
    with store.read() as s:
        history = [h.value_json for h in s.query(AnswerHistory).order_by(AnswerHistory.id)]
    assert history == ['"1"', '"2"', '"3"']
    assert exams.saved_answers(code, "T001", store=store)["t1"].value == "3"


def test_uploads_are_stored_as_bytes_with_a_safe_name_and_capped(store, monkeypatch):
    code = new_exam(store).code
    exams.join(code, "T001", "", T0, store=store)
    exams.save_answer(
        code, "T001", "t3", b"\xef\xbb\xbfa,b\n1,2\n", T0, filename="../../etc/报表.csv", store=store
    )
    saved = exams.saved_answers(code, "T001", store=store)["t3"]
    assert (saved.filename, saved.file_bytes, saved.value) == ("报表.csv", b"\xef\xbb\xbfa,b\n1,2\n", None)
    monkeypatch.setattr(exams, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(ExamError) as err:
        exams.save_answer(code, "T001", "t3", b"x" * 11, T0, filename="big.csv", store=store)
    assert err.value.message.key == "exam.too_large"
    with pytest.raises(ExamError):
        exams.save_answer(code, "T001", "t9", "1", T0, store=store)  # no such task
    with pytest.raises(ExamError):
        exams.save_answer(code, "T404", "t1", "1", T0, store=store)  # never joined


def test_wrong_codes_are_throttled_per_client(store):
    code = new_exam(store).code
    for _ in range(exams.JOIN_LIMIT):
        with pytest.raises(UnknownExam):
            exams.join("ZZZZZZZZ", "T001", "", T0, store=store, client_key="10.0.0.7")
    with pytest.raises(TooManyAttempts) as err:
        exams.join(code, "T001", "", T0 + MIN, store=store, client_key="10.0.0.7")  # even the right code
    assert 0 < err.value.retry_after <= exams.JOIN_WINDOW.total_seconds()
    assert exams.join(code, "T002", "", T0 + MIN, store=store, client_key="10.0.0.8").status == "in_progress"
    later = T0 + exams.JOIN_WINDOW + MIN
    assert exams.join(code, "T001", "", later, store=store, client_key="10.0.0.7").status == "in_progress"


def test_roster_refuses_others_and_supplies_names(store):
    code = new_exam(store, roster={"T001": "李雷", "T002": "韩梅梅"}).code
    with pytest.raises(NotOnRoster):
        exams.join(code, "T999", "", T0, store=store)
    assert exams.join(code, "T002", "", T0, store=store).name == "韩梅梅"


def test_roster_status_shows_each_state_and_time_left(store):
    code = new_exam(store, roster=["T001", "T002", "T003", "T004"]).code
    exams.join(code, "T002", "李雷", T0, store=store)
    exams.save_answer(code, "T002", "t1", "1", T0 + MIN, store=store)
    exams.join(code, "T003", "", T0, store=store)
    exams.submit(code, "T003", T0 + 10 * MIN, store=store)
    rows = {r.trainee_id: r for r in exam_admin.roster_status(code, T0 + 40 * MIN, store=store)}
    assert [rows[i].status for i in ("T001", "T002", "T003")] == ["not_started", "in_progress", "submitted"]
    assert [rows[i].label.render("zh") for i in ("T001", "T002", "T003")] == ["未开始", "进行中", "已交卷"]
    assert (rows["T002"].seconds_left, rows["T002"].answered, rows["T002"].name) == (60 * 60, 1, "李雷")
    assert rows["T001"].seconds_left is None and rows["T003"].seconds_left == 0
    late = {r.trainee_id: r.status for r in exam_admin.roster_status(code, T0 + 101 * MIN, store=store)}
    assert late["T002"] == "timed_out" and t("exam.status.timed_out", "en") == "Handed in (time up)"


def _sit(store, code, trainee, answers, at):
    exams.join(code, trainee, trainee.lower(), at, store=store)
    for task_id, raw in answers.items():
        if isinstance(raw, bytes):
            exams.save_answer(code, trainee, task_id, raw, at + MIN, filename="t.csv", store=store)
        else:
            exams.save_answer(code, trainee, task_id, raw, at + MIN, store=store)
    exams.submit(code, trainee, at + 5 * MIN, store=store)


def test_release_policy_hides_results_until_released_and_results_never_show_the_key(store):
    code = new_exam(store).code
    grader = make_grader()
    full = {"t1": KEY["t1"], "t2": KEY["t2"], "t3": KEY["t3"].encode(), "t5": KEY["t5"]}
    _sit(store, code, "T001", full, T0)
    view = exams.attempt_view(code, "T001", T0 + 10 * MIN, store=store)
    assert exam_admin.trainee_result(code, "T001", T0 + 10 * MIN, store=store, grader=grader) is None
    exams.join(code, "T002", "", T0, store=store)
    with pytest.raises(ExamError):  # still writing: no grading
        exam_grading.grade_attempt(code, "T002", T0 + MIN, store=store, grader=grader)
    exam_admin.release_results(code, store=store)
    result = exam_admin.trainee_result(code, "T001", T0 + 10 * MIN, store=store, grader=grader)
    assert (result.total, result.passed, result.pending_manual) == (80.0, True, True)
    assert result.tasks["t3"].status == "correct" and result.tasks["t4"].status == "ungraded"
    for shown in (view, result, exams.submit(code, "T001", T0 + 11 * MIN, store=store)):
        text = repr(shown)
        assert SECRET_SEED not in text and "scenario_yaml" not in text
    assert {f.name for f in dataclasses.fields(view)}.isdisjoint({"scenario_yaml", "key", "answer"})
    assert all(KEY[k] not in g.feedback for k, g in result.tasks.items() if k in KEY)


def test_instant_policy_grades_on_first_request_after_hand_in(store):
    calls = []
    code = new_exam(store, feedback_policy="instant").code
    grader = make_grader(calls=calls)
    exams.join(code, "T001", "", T0, store=store)
    exams.save_answer(code, "T001", "t1", "0.05", T0 + MIN, store=store)
    assert exam_admin.trainee_result(code, "T001", T0 + 2 * MIN, store=store, grader=grader) is None  # running
    exams.submit(code, "T001", T0 + 3 * MIN, store=store)
    result = exam_admin.trainee_result(code, "T001", T0 + 4 * MIN, store=store, grader=grader)
    assert result.total == 0 and result.tasks["t1"].status == "wrong" and calls == [("T001", {"t1": "0.05"})]
    exam_admin.trainee_result(code, "T001", T0 + 5 * MIN, store=store, grader=grader)
    assert len(calls) == 1  # stored grades are reused


def test_results_grade_finished_attempts_and_list_the_roster(store):
    code = new_exam(store, roster=["T001", "T002", "T003"]).code
    grader = make_grader()
    _sit(store, code, "T001", {"t1": KEY["t1"], "t5": KEY["t5"]}, T0)
    exams.join(code, "T002", "", T0, store=store)  # still writing
    assert exam_admin.results(code, T0 + 20 * MIN, store=store)[0].total is None  # reading never grades
    rows = exam_admin.results(code, T0 + 20 * MIN, store=store, grader=grader, grade_missing=True)
    expected = [("T001", "submitted", 40.0), ("T002", "in_progress", None), ("T003", "not_started", None)]
    assert [(r.trainee_id, r.status, r.total) for r in rows] == expected
    timed_out = exam_admin.results(code, T0 + 120 * MIN, store=store, grader=grader, grade_missing=True)
    assert timed_out[1].status == "timed_out" and timed_out[1].total == 0.0


def test_manual_grades_settle_on_the_median_of_an_odd_number_of_raters(store):
    code = new_exam(store).code
    grader = make_grader()
    _sit(store, code, "T001", {"t1": KEY["t1"], "t4": "因为……所以……"}, T0)
    exam_grading.grade_attempt(code, "T001", T0 + 10 * MIN, store=store, grader=grader)
    assert exam_marks.manual_grade(code, "T001", "t4", "王老师", 12, "论据不足", T0, store=store).final is None
    two = exam_marks.manual_grade(code, "T001", "t4", "李老师", 18, now=T0, store=store)
    assert (two.final, two.spread) == (None, 6)
    three = exam_marks.manual_grade(code, "T001", "t4", "张老师", 14, now=T0, store=store)
    assert (three.final, three.spread, three.complete) == (14, 6, True)
    with pytest.raises(exam_marks.UnfinaliseWarning):  # a 4th rater is warned before un-settling the mark
        exam_marks.manual_grade(code, "T001", "t4", "赵老师", 20, now=T0, store=store)
    four = exam_marks.manual_grade(code, "T001", "t4", "赵老师", 20, now=T0, store=store, confirm_unfinalise=True)
    assert four.final is None  # an even number of raters is not final
    five = exam_marks.manual_grade(code, "T001", "t4", "钱老师", 16, now=T0, store=store)
    assert (five.final, five.spread) == (16, 8)
    row = exam_admin.results(code, T0 + 20 * MIN, store=store, grader=grader)[0]
    assert (row.tasks["t4"].score, row.tasks["t4"].status, row.total, row.pending_manual) == (
        16,
        "partial",
        26,
        False,
    )
    again = exam_marks.manual_grade(
        code, "T001", "t4", "钱老师", 12, now=T0, store=store
    )  # a rater changes a mark
    assert again.final == 14 and exam_marks.manual_summary(code, "T001", "t4", store=store).scores["钱老师"] == 12
    for bad in (-1, 21):
        with pytest.raises(ExamError):
            exam_marks.manual_grade(code, "T001", "t4", "王老师", bad, now=T0, store=store)


def test_regrade_after_a_scenario_fix_lists_what_changed(store):
    code = new_exam(store).code
    _sit(store, code, "T001", {"t1": "0.0400", "t2": "B"}, T0)
    _sit(store, code, "T002", {"t1": "0.0345", "t2": "C"}, T0)
    exam_grading.grade_pending(code, T0 + 20 * MIN, store=store, grader=make_grader())
    fixed_key = dict(KEY, t1="0.0400")  # the fix: the key of t1 was wrong
    fixed_yaml = SCENARIO_YAML.replace("version: 1", "version: 2")
    changes = exam_regrade.regrade(code, fixed_yaml, tasks=TASKS, now=T0 + 30 * MIN, store=store,
                            grader=make_grader(fixed_key))  # fmt: skip
    assert changes == [
        exam_regrade.GradeChange("T001", "t1", 0.0, 10.0, "wrong", "correct"),
        exam_regrade.GradeChange("T002", "t1", 10.0, 0.0, "correct", "wrong"),
    ]
    assert exam_admin.get_exam(code, store=store).scenario_version == 2
    assert exam_regrade.regrade(code, now=T0 + 31 * MIN, store=store, grader=make_grader(fixed_key)) == []


def test_a_real_scenario_through_the_engine_scores_its_key_in_full(store):
    from simulator import answer_key, load_scenario

    exam = exam_admin.create_exam("tour-all-datasets", minutes=100, now=T0, store=store)
    assert exam.tasks and exam.tasks[0].points > 0
    key = answer_key(load_scenario("tour-all-datasets"), "T042")
    exams.join(exam.code, "T042", "", T0, store=store)
    metric_tasks = [task for task in key["tasks"] if task["kind"] == "metric"]
    for task in metric_tasks:
        exams.save_answer(exam.code, "T042", task["id"], task["answer"]["value"], T0 + MIN, store=store)
    exams.submit(exam.code, "T042", T0 + 2 * MIN, store=store)
    row = exam_grading.grade_attempt(exam.code, "T042", T0 + 3 * MIN, store=store)
    assert metric_tasks and all(row.tasks[task["id"]].status == "correct" for task in metric_tasks)


def test_regrade_with_another_scenario_id_is_refused_and_changes_nothing(store):
    code = new_exam(store).code
    _sit(store, code, "T001", {"t1": KEY["t1"]}, T0)
    exam_grading.grade_pending(code, T0 + 20 * MIN, store=store, grader=make_grader())
    other = SCENARIO_YAML.replace("id: demo-exam", "id: another-exam")
    with pytest.raises(ExamError) as refused:
        exam_regrade.regrade(code, other, tasks=TASKS, now=T0 + 30 * MIN, store=store, grader=make_grader())
    assert refused.value.message.key == "exam.regrade_other_scenario"
    assert exam_admin.get_exam(code, store=store).scenario_id == "demo-exam"
    assert exam_admin.results(code, T0 + 31 * MIN, store=store)[0].total == 10.0
    assert exam_regrade.regrade_history(code, store=store) == []


def test_a_version_that_drops_a_task_shows_the_diff_needs_naming_it_and_undo_restores_every_score(store):
    code = new_exam(store).code
    _sit(store, code, "T001", {"t1": KEY["t1"], "t5": KEY["t5"]}, T0)
    _sit(store, code, "T002", {"t1": "0.9", "t5": KEY["t5"]}, T0)
    exam_grading.grade_pending(code, T0 + 20 * MIN, store=store, grader=make_grader())
    before = [(r.trainee_id, r.total, r.passed) for r in exam_admin.results(code, T0 + 21 * MIN, store=store)]
    assert before == [("T001", 40.0, False), ("T002", 30.0, False)]
    v2 = SCENARIO_YAML.replace("version: 1", "version: 2")
    fewer = [t for t in TASKS if t.id != "t5"] + [TaskInfo("t6", "metric", 30, ("L3/6.2.1",))]
    plan = exam_regrade.plan_regrade(code, v2, tasks=fewer, now=T0 + 30 * MIN, store=store, grader=make_grader())
    assert (plan.added, plan.removed, plan.changed, plan.needs_confirmation) == (("t6",), ("t5",), (), ("t5",))
    assert [(c.trainee_id, c.old_total, c.new_total) for c in plan.totals] == [("T001", 40.0, 10.0),
                                                                                ("T002", 30.0, 0.0)]
    assert exam_admin.get_exam(code, store=store).scenario_version == 1  # a plan writes nothing
    with pytest.raises(ExamError) as unconfirmed:
        exam_regrade.apply_regrade(plan, confirm=["t1"], now=T0 + 31 * MIN, store=store)
    assert unconfirmed.value.message.key == "exam.regrade_confirm" and "t5" in unconfirmed.value.message.render("en")
    exam_regrade.apply_regrade(plan, confirm=["t5"], by="admin", now=T0 + 31 * MIN, store=store)
    assert exam_admin.get_exam(code, store=store).scenario_version == 2
    assert [r.total for r in exam_admin.results(code, T0 + 32 * MIN, store=store)] == [10.0, 0.0]
    (record,) = exam_regrade.regrade_history(code, store=store)
    assert record.summary["removed"] == ["t5"] and record.summary["added"] == ["t6"] and record.by == "admin"

    exam_regrade.undo_regrade(code, by="admin", now=T0 + 33 * MIN, store=store)
    after = [(r.trainee_id, r.total, r.passed) for r in exam_admin.results(code, T0 + 34 * MIN, store=store)]
    assert after == before and exam_admin.get_exam(code, store=store).scenario_version == 1
    assert [t.id for t in exam_admin.get_exam(code, store=store).tasks] == [t.id for t in TASKS]
    assert exams.saved_answers(code, "T002", store=store)["t1"].value == "0.9"  # raw answers untouched
    with pytest.raises(ExamError):
        exam_regrade.undo_regrade(code, now=T0 + 35 * MIN, store=store)  # nothing left to undo


def test_marks_are_corrected_and_withdrawn_only_by_their_rater_with_an_audit_trail(store):
    code = new_exam(store).code
    _sit(store, code, "T001", {"t4": "因为……所以……"}, T0)
    for rater, score in (("r1", 10), ("r2", 14), ("r3", 12)):
        exam_marks.manual_grade(code, "T001", "t4", rater, score, now=T0 + 20 * MIN, store=store)
    exam_marks.manual_grade(code, "T001", "t4", "r2", 16, "重看一遍", now=T0 + 21 * MIN, store=store)
    with pytest.raises(ExamError):
        exam_marks.withdraw_mark(code, "T001", "t4", "r4", now=T0 + 22 * MIN, store=store)
    left = exam_marks.withdraw_mark(code, "T001", "t4", "r1", "评错了", now=T0 + 22 * MIN, store=store)
    assert left.scores == {"r2": 16.0, "r3": 12.0} and left.final is None
    log = exam_marks.mark_log(code, "T001", "t4", store=store)
    trail = [(e.rater, e.action, e.old_score, e.new_score) for e in log]
    assert trail == [("r1", "mark", None, 10.0), ("r2", "mark", None, 14.0), ("r3", "mark", None, 12.0),
                     ("r2", "correct", 14.0, 16.0), ("r1", "withdraw", 10.0, None)]
