"""人工评分 Manual grading of ``free_text`` answers and 重新评分 regrading after a scenario fix.

Each written answer is marked against the task's rubric by three or more raters (an odd number, as the
national assessments require); the final score is the median, and the raters' spread is shown so a
wide disagreement can be discussed. Regrading re-runs the engine on every stored raw answer, optionally
against a fixed scenario version, and lists each task grade that changed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from simulator import exams
from simulator import tasks as registry
from simulator.gradebook import ManualSummary
from simulator.i18n import t
from simulator.scenario import TaskSpec
from simulator.scenario_source import list_scenario_versions
from simulator.tasksheet import task_title
from simulator.ui import (
    exam_clock,
    exam_session,
    session,
)
from simulator.ui.instructor_authoring import shipped_scenarios
from simulator.ui.widgets import fmt_points, md_escape, render_msg

NS = "instructor"
RATER_KEY = session.key(NS, "rater")
FINISHED = ("submitted", "timed_out")


def rubric_lines(task: TaskSpec, lang: str) -> list[str]:
    """``"- 指出点击率偏低(2 分)"`` for each criterion of a free-text task."""
    params = registry.get(task.kind).Params(**task.params)
    return [
        f"- {md_escape(getattr(c.criterion, lang))} ({fmt_points(c.points)})" for c in getattr(params, "rubric", [])
    ]


def summary_frame(summaries: dict[str, ManualSummary], lang: str) -> pd.DataFrame:
    """One line per trainee: the raters' scores, the final median (odd ≥ 3 raters) and the spread."""
    return pd.DataFrame(
        [
            {
                t("gradebook.col.trainee_id", lang): tid,
                t("instructor.grading.raters", lang): len(s.scores),
                t("instructor.grading.scores", lang): ", ".join(f"{r}: {fmt_points(v)}" for r, v in s.scores.items()),
                t("instructor.grading.final", lang): "—" if s.final is None else fmt_points(s.final),
                t("instructor.grading.spread", lang): "—" if s.spread is None else fmt_points(s.spread),
            }
            for tid, s in summaries.items()
        ]
    )


def _rate_form(code: str, trainee_id: str, task: TaskSpec, lang: str) -> None:
    with st.form(session.key(NS, "rate", code, trainee_id, task.id), clear_on_submit=False):
        c1, c2 = st.columns([1, 1])
        rater = c1.text_input(t("instructor.grading.rater", lang), key=RATER_KEY, max_chars=100)
        score = c2.number_input(
            t("instructor.grading.score", lang, max=fmt_points(task.points)),
            min_value=0.0,
            max_value=float(task.points),
            step=0.5,
            key=session.key(NS, "score", trainee_id),
        )
        comment = st.text_input(t("instructor.grading.comment", lang), key=session.key(NS, "comment", trainee_id))
        if st.form_submit_button(t("instructor.grading.submit", lang), type="primary"):
            try:
                result = exams.manual_grade(code, trainee_id, task.id, rater, score, comment, exam_clock.now())
            except exams.ExamError as exc:
                st.error(render_msg(exc.message, lang))
                return
            key = "instructor.grading.final_now" if result.complete else "instructor.grading.need_more"
            st.success(t(key, lang, n=len(result.scores), final=fmt_points(result.final or 0)))


def manual(exam: exams.ExamInfo, lang: str) -> None:
    """Pick a written task and a trainee, read the answer against the rubric, record a score."""
    scenario = exam_session.exam_scenario(exam.code)
    written = [task for task in scenario.tasks if task.kind == "free_text"]
    if not written:
        st.info(t("instructor.grading.none", lang), icon=":material/info:")
        return
    st.caption(t("instructor.grading.rule", lang))
    by_id = {task.id: task for task in written}
    task_id = st.selectbox(
        t("ui.progress.task", lang),
        list(by_id),
        key=session.key(NS, "grade_task"),
        format_func=lambda i: f"{i}. {task_title(by_id[i], lang)}",
    )
    task = by_id.get(task_id) if task_id else None
    if task is None:
        return
    with st.expander(t("instructor.grading.rubric", lang), expanded=True, icon=":material/checklist:"):
        st.markdown("\n".join(rubric_lines(task, lang)))
    finished = [r for r in exams.roster_status(exam.code, exam_clock.now()) if r.status in FINISHED]
    if not finished:
        st.info(t("instructor.grading.nobody", lang))
        return
    summaries = {r.trainee_id: exams.manual_summary(exam.code, r.trainee_id, task.id) for r in finished}
    st.dataframe(summary_frame(summaries, lang), hide_index=True)
    who = st.selectbox(
        t("instructor.results.trainee", lang),
        [r.trainee_id for r in finished],
        key=session.key(NS, "grade_who"),
    )
    if who is None:
        return
    answer = exams.saved_answers(exam.code, who).get(task.id)
    text = answer.value if answer is not None and isinstance(answer.value, str) else ""
    st.text_area(
        t("instructor.grading.answer", lang),
        value=text or t("instructor.results.no_answer", lang),
        disabled=True,
        height=200,
        key=session.key(NS, "answer_view", who, task.id),
    )
    _rate_form(exam.code, who, task, lang)


def _fix_sources(exam: exams.ExamInfo) -> dict[str, tuple[str | None, int | None, str]]:
    out: dict[str, tuple[str | None, int | None, str]] = {"frozen": (None, None, "")}
    for v in list_scenario_versions():
        out[f"saved:{v.scenario_id}@{v.version}"] = (
            v.scenario_id,
            v.version,
            f"{v.scenario_id} v{v.version}",
        )
    for item in shipped_scenarios().values():
        out[f"file:{item.id}"] = (str(item.path), None, f"{item.id} · {item.title}")
    return out


def changes_frame(changes: Sequence[exams.GradeChange], lang: str) -> pd.DataFrame:
    def score(x: float | None) -> str:
        return "—" if x is None else fmt_points(x)

    def status(x: str | None) -> str:
        return "—" if x is None else t(f"ui.status.{x}", lang)

    return pd.DataFrame(
        [
            {
                t("gradebook.col.trainee_id", lang): c.trainee_id,
                t("ui.progress.task", lang): c.task_id,
                t("instructor.regrade.old_score", lang): score(c.old_score),
                t("instructor.regrade.new_score", lang): score(c.new_score),
                t("instructor.regrade.old_status", lang): status(c.old_status),
                t("instructor.regrade.new_status", lang): status(c.new_status),
            }
            for c in changes
        ]
    )


def regrade(exam: exams.ExamInfo, lang: str) -> None:
    """Regrade every finished attempt (after a scenario fix) and show what changed."""
    st.caption(t("instructor.regrade.intro", lang))
    sources = _fix_sources(exam)
    pick = st.selectbox(
        t("instructor.regrade.source", lang),
        list(sources),
        key=session.key(NS, "fix_source"),
        format_func=lambda k: sources[k][2] or t("instructor.regrade.frozen", lang),
    )
    sure = st.checkbox(t("instructor.regrade.confirm", lang), key=session.key(NS, "regrade_sure"))
    if not st.button(
        t("instructor.regrade.run", lang),
        key=session.key(NS, "regrade"),
        disabled=not sure,
        icon=":material/published_with_changes:",
    ):
        return
    ref, version, _ = sources[pick or "frozen"]
    try:
        with st.spinner(t("instructor.results.grading", lang)):
            changes = exams.regrade(exam.code, ref, version=version, now=exam_clock.now())
    except exams.ExamError as exc:
        st.error(render_msg(exc.message, lang))
        return
    if not changes:
        st.success(t("instructor.regrade.no_change", lang), icon=":material/check_circle:")
        return
    st.warning(t("instructor.regrade.changed", lang, n=len(changes)), icon=":material/difference:")
    st.dataframe(changes_frame(changes, lang), hide_index=True)
