"""考试 Exam page: join with the exam code, answer with a countdown, every change saved, hand in.

The server's clock decides (:mod:`simulator.app.ui.exam_clock`): the countdown, the lock at the deadline
and the refusal of late saves. A reload or a server restart resumes with the saved answers and the true
time left. Results appear when the instructor releases them (or at once under the ``instant`` policy).
No answer key is computed or kept here: answers are graded by :mod:`simulator.service.exams` after hand-in.

Run by the router (:mod:`simulator.app.ui`); ``render()`` draws the page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from simulator.app.ui import (
    exam_clock,
    exam_restore,
    exam_saving,
    exam_session,
    exam_status,
    session,
)
from simulator.app.ui.exam_task import Sitting, form_context, task_card
from simulator.app.ui.widgets import guard, md_escape, render_msg
from simulator.assessment.datasets import generate_datasets
from simulator.assessment.scenario import Scenario
from simulator.core.i18n import t
from simulator.service import exams

log = logging.getLogger("simulator.app.ui")


def _frames(scenario: Scenario, trainee_id: str, lang: str) -> Mapping[str, pd.DataFrame] | None:
    """The trainee's datasets (made once, then cached by the engine); None after a shown error."""
    try:
        with st.spinner(t("ui.practice.generating", lang)):
            return generate_datasets(scenario, trainee_id)
    except Exception:  # noqa: BLE001 - a plain message instead of a traceback
        log.exception("could not make exam data for %s", trainee_id)
        st.error(t("ui.error.generate", lang), icon=":material/warning:")
        return None


def _header(view: exams.AttemptView, who: exam_session.Joined, lang: str) -> None:
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.markdown(t("exam.page.who", lang, who=md_escape(who.display), code=view.code))
    right.button(
        t("exam.page.leave", lang),
        key=session.key("exam", "leave"),
        on_click=exam_session.leave,
        icon=":material/logout:",
        help=t("exam.page.leave_help", lang),
    )


def _answered(saved: Mapping[str, exams.SavedAnswer]) -> int:
    return sum(1 for a in saved.values() if a.file_bytes is not None or a.value not in (None, "", {}, []))


def _tasks_tab(sit: Sitting, saved: Mapping[str, exams.SavedAnswer]) -> None:
    from simulator.app.pages.practice import sheet_header

    sheet_header(sit.scenario, sit.frames, sit.lang)
    st.caption(t("exam.page.how", sit.lang))
    if not sit.locked:
        exam_saving.indicator(sit.lang)
    for task in sit.scenario.tasks:
        with guard("ui.error.task"):
            task_card(sit, task, saved.get(task.id))


def _sitting(
    who: exam_session.Joined, view: exams.AttemptView, lang: str
) -> tuple[Sitting, dict[str, exams.SavedAnswer]] | None:
    """The attempt's scenario, data and saved answers; widgets restored from the store where empty."""
    scenario = exam_session.exam_scenario(who.code)
    frames = _frames(scenario, who.trainee_id, lang)
    if frames is None:
        return None
    tz = exam_clock.zone(getattr(st.context, "timezone", None))
    sit = Sitting(who.code, who.trainee_id, scenario, frames, view.status != "in_progress", lang, tz)
    saved = exams.saved_answers(who.code, who.trainee_id)
    for task in scenario.tasks:
        stored = saved.get(task.id)
        if stored is not None and stored.file_bytes is None:
            exam_restore.restore(form_context(sit, task), stored.value)
    return sit, saved


def _attempt(who: exam_session.Joined, lang: str) -> None:
    """Status bar (countdown, hand-in or results), then the tasks and the data in tabs."""
    try:
        view = exams.attempt_view(who.code, who.trainee_id, exam_clock.now())
    except exams.ExamError as exc:
        st.error(render_msg(exc.message, lang))
        exam_session.leave()
        return
    _header(view, who, lang)
    late = exam_session.notice()
    if late:
        st.error(t(late, lang), icon=":material/lock_clock:")
    ready = _sitting(who, view, lang)
    if ready is None:
        return
    sit, saved = ready
    status, action = st.columns([3, 1], vertical_alignment="center")
    with status:
        exam_status.status_line(view, lang, sit.tz)
    if sit.locked:
        exam_status.results(who.code, who.trainee_id, sit.scenario, lang)
    else:
        with action:
            exam_status.hand_in_button(lang)
        exam_status.confirm_hand_in(who.code, who.trainee_id, _answered(saved), len(sit.scenario.tasks), lang)
    # The data tab (tables, charts, downloads) runs only while it is the open tab: not on every save.
    tasks_tab, data_tab = st.tabs([t("exam.page.tab_tasks", lang), t("exam.page.tab_data", lang)],
                                  key=sit.key("tabs"), on_change="rerun")
    with tasks_tab:
        _tasks_tab(sit, saved)
    if data_tab.open:
        with data_tab, guard("ui.error.download"):
            from simulator.app.ui import explore

            explore.render(sit.scenario, who.trainee_id, sit.frames, lang)


def render() -> None:
    """The exam page: the join form, or the attempt this session joined."""
    lang = session.lang()
    st.title(t("ui.nav.exam", lang))
    with guard():
        exam_session.resume_from_link(lang)
        who = exam_session.joined()
        if who is None:
            st.caption(t("exam.page.intro", lang))
            exam_session.join_form(lang)
        else:
            exam_session.keep_link(who)
            _attempt(who, lang)


if __name__ == "__main__":
    render()
