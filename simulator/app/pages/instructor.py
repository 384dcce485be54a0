"""教师 Instructor workspace, behind a password: authoring, exams, monitoring, results, manual grading,
regrading.

Nothing of the workspace is drawn before :func:`simulator.app.ui.instructor_auth.logged_in` says the
session's token is live (first run: set a password; sessions expire after 8 hours). A rater's session
(:mod:`simulator.service.raters`) shows manual grading only; the instructor password is the administrator.
The chosen section survives a change of language (it is kept apart from the widget).

Run by the router (:mod:`simulator.app.ui`); ``render()`` draws the page.
"""

from __future__ import annotations

import streamlit as st

from simulator.app.ui import (
    exam_clock,
    instructor_auth,
    session,
)
from simulator.app.ui.widgets import guard
from simulator.core.i18n import t
from simulator.service import exam_grading, raters

NS = "instructor"
SECTIONS = ("author", "exams", "monitor", "results", "grading", "regrade")
NEEDS_EXAM = ("monitor", "results", "grading", "regrade")
RATER_SECTIONS = ("grading",)
SECTION_KEY = session.key(NS, "section")
CHOSEN_KEY = session.key(NS, "section_chosen")
ICONS = {
    "author": ":material/edit_document:",
    "exams": ":material/event:",
    "monitor": ":material/visibility:",
    "results": ":material/leaderboard:",
    "grading": ":material/rate_review:",
    "regrade": ":material/published_with_changes:",
}


def _section(name: str, lang: str) -> None:
    if name == "author":
        from simulator.app.ui import instructor_authoring

        instructor_authoring.render(lang)
        return
    from simulator.app.ui import instructor_exams

    if name == "exams":
        instructor_exams.render(lang)
        return
    exam = instructor_exams.pick_exam(lang)
    if exam is None:
        return
    if name == "monitor":
        instructor_exams.monitor(exam.code, lang)
    elif name == "results":
        from simulator.app.ui import instructor_results

        instructor_results.render(exam, lang)
    else:
        from simulator.app.ui import instructor_grading

        (instructor_grading.manual if name == "grading" else instructor_grading.regrade)(exam, lang)


def render() -> None:
    """The login (or first-run set-up) form, or the workspace once logged in."""
    lang = session.lang()
    st.title(t("ui.nav.instructor", lang))
    with guard():
        if not instructor_auth.logged_in():
            instructor_auth.login_form(lang)
            return
        instructor_auth.logout_button(lang)
        who = raters.identity(session.get(instructor_auth.TOKEN_KEY), now=exam_clock.now())
        sections = SECTIONS if who is None or who.is_admin else RATER_SECTIONS
        if who is not None and not who.is_admin:
            st.sidebar.caption(t("instructor.signed_in_as", lang, name=who.signature))
        exam_grading.start_sweeper()
        chosen = session.get(CHOSEN_KEY)
        if session.get(SECTION_KEY) not in sections:
            start = "exams" if "exams" in sections else sections[0]
            session.put(SECTION_KEY, chosen if chosen in sections else start)
        name = st.segmented_control(
            f"{t('instructor.section', 'zh')} / {t('instructor.section', 'en')}",  # same in both: keeps the pick
            sections,
            key=SECTION_KEY,
            required=True,
            label_visibility="collapsed",
            format_func=lambda s: f"{ICONS[s]} {t(f'instructor.section.{s}', lang)}",
        )
        session.put(CHOSEN_KEY, name)
    with guard():
        _section(name if name in sections else sections[0], lang)


if __name__ == "__main__":
    render()
