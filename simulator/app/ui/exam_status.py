"""The exam's status bar (a countdown from the server's clock), hand-in with confirmation, and results.

The countdown ticks in the browser (:mod:`simulator.app.ui.exam_countdown`) from the deadline the server
fixed at the start and the server's time at each rerun, so an idle page costs the server nothing. When
it reaches zero the whole page reruns and the server reports the attempt as timed out, so the inputs
lock. Results are shown
only when :func:`simulator.service.exams.trainee_result` allows it (released, or the ``instant`` policy).
"""

from __future__ import annotations

import logging
from datetime import tzinfo

import pandas as pd
import streamlit as st

from simulator.app.ui import (
    exam_clock,
    exam_countdown,
    session,
)
from simulator.app.ui.widgets import fmt_points, md_escape, render_msg, status_box, status_label
from simulator.assessment.scenario import Scenario
from simulator.assessment.tasksheet import task_title
from simulator.core.i18n import t
from simulator.service import exam_admin, exams
from simulator.service.gradebook import GradebookRow

log = logging.getLogger("simulator.app.ui")
NS = "exam"
CONFIRM_KEY = session.key(NS, "confirm")


def status_line(view: exams.AttemptView, lang: str, tz: tzinfo) -> None:
    """The countdown while in progress; else when and how the attempt ended."""
    if view.status == "in_progress":
        exam_countdown.countdown(view.deadline, lang)
        st.caption(t("exam.page.deadline", lang, time=exam_clock.clock_text(view.deadline, tz)))
        return
    when = view.submitted_at or view.deadline
    key = "exam.page.handed_in" if view.status == "submitted" else "exam.page.timed_out"
    st.success(t(key, lang, time=exam_clock.clock_text(when, tz)), icon=":material/task_alt:")


def hand_in_button(lang: str) -> None:
    """交卷: asks for confirmation first (see :func:`confirm_hand_in`)."""
    if st.button(
        t("exam.page.hand_in", lang),
        key=session.key(NS, "hand_in"),
        icon=":material/send:",
        disabled=bool(session.get(CONFIRM_KEY)),
    ):
        session.put(CONFIRM_KEY, True)
        st.rerun()


def confirm_hand_in(code: str, trainee_id: str, answered: int, total: int, lang: str) -> None:
    """The confirmation step; the server records the hand-in time (never after the deadline)."""
    if not session.get(CONFIRM_KEY):
        return
    with st.container(border=True):
        st.warning(t("exam.page.confirm", lang, answered=answered, total=total), icon=":material/help:")
        yes, no = st.columns(2)
        if yes.button(t("exam.page.confirm_yes", lang), key=session.key(NS, "hand_in_yes"), type="primary"):
            session.put(CONFIRM_KEY, False)
            try:
                exams.submit(code, trainee_id, exam_clock.now())
            except exams.ExamError as exc:
                st.error(render_msg(exc.message, lang))
                return
            st.rerun()
        if no.button(t("exam.page.confirm_no", lang), key=session.key(NS, "hand_in_no")):
            session.put(CONFIRM_KEY, False)
            st.rerun()


def result_table(row: GradebookRow, scenario: Scenario, lang: str) -> pd.DataFrame:
    """One line per task: title, points earned of the maximum, status (feedback is shown below)."""
    titles = {task.id: task_title(task, lang) for task in scenario.tasks}
    return pd.DataFrame(
        [
            {
                t("ui.progress.task", lang): f"{task_id}. {titles.get(task_id, task_id)}",
                t("exam.page.score", lang): f"{fmt_points(g.score)} / {fmt_points(g.max_score)}",
                t("gradebook.col.status", lang): status_label(g.status, lang),
            }
            for task_id, g in row.tasks.items()
        ]
    )


def show_result(row: GradebookRow, scenario: Scenario, lang: str) -> None:
    """Total out of 100, passed or not, and each task's score with its feedback (never the key)."""
    c1, c2 = st.columns(2)
    c1.metric(t("gradebook.col.total", lang), f"{fmt_points(row.total or 0)} / 100")
    c2.metric(t("gradebook.col.passed", lang), t("ui.answer.yes" if row.passed else "ui.answer.no", lang))
    if row.pending_manual:
        st.info(t("exam.page.pending_manual", lang), icon=":material/rate_review:")
    st.dataframe(result_table(row, scenario, lang), hide_index=True)
    for task_id, grade in row.tasks.items():
        if grade.feedback.strip():
            head = t(
                "ui.result.headline",
                lang,
                status=status_label(grade.status, lang),
                score=fmt_points(grade.score),
                max=fmt_points(grade.max_score),
            )
            status_box(grade.status, f"**{md_escape(task_id)}** · {head}\n\n{md_escape(grade.feedback)}")


def results(code: str, trainee_id: str, scenario: Scenario, lang: str) -> None:
    """The trainee's result when they may see it, else a note that it comes after release."""
    st.subheader(t("exam.page.results", lang))
    try:
        with st.spinner(t("exam.page.grading", lang)):
            row = exam_admin.trainee_result(code, trainee_id, exam_clock.now())
    except exams.ExamError as exc:
        st.error(render_msg(exc.message, lang))
        return
    except Exception:  # noqa: BLE001 - a plain message instead of a traceback
        log.exception("result of %s/%s could not be made", code, trainee_id)
        st.error(t("exam.page.result_failed", lang), icon=":material/warning:")
        return
    if row is None:
        st.info(t("exam.page.results_later", lang), icon=":material/schedule:")
        st.button(t("exam.page.refresh", lang), key=session.key(NS, "refresh"), icon=":material/refresh:")
        return
    show_result(row, scenario, lang)
