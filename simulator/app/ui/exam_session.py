"""Who sits which exam in this browser session: the join form, resuming after a reload, leaving.

The session keeps only the exam code and the trainee's id and name (``exam.code``, ``exam.trainee``).
The exam's scenario is read from the store on the server and cached there (:func:`exam_scenario`),
never put in the session state; nor is any answer key.
A successful join also writes ``?exam=CODE&trainee=ID`` into the address bar, so a reload (a new
session) resumes the attempt with its saved answers and the true time left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from simulator.app.ui import (
    exam_clock,
    session,
)
from simulator.app.ui.widgets import render_msg
from simulator.assessment.scenario import Scenario
from simulator.core.cache import BoundedCache
from simulator.core.i18n import msg, t
from simulator.service import exams
from simulator.service.scenario_source import load_source
from simulator.service.store import Exam, get_store

log = logging.getLogger("simulator.app.ui")
NS = "exam"
JOINED_KEY = session.key(NS, "joined")
NOTICE_KEY = session.key(NS, "notice")
PARAM_CODE, PARAM_TRAINEE = "exam", "trainee"
SCENARIO_CACHE = 16

_scenarios: BoundedCache[Scenario] = BoundedCache("exam_session.scenarios", size=SCENARIO_CACHE, copy=None)
"""Exam scenarios by (exam code, frozen scenario sha), shared: callers treat a Scenario as read-only."""


@dataclass(frozen=True)
class Joined:
    """The attempt this session shows: exam code and trainee (no scenario, no key)."""

    code: str
    trainee_id: str
    name: str = ""

    @property
    def display(self) -> str:
        return f"{self.name} ({self.trainee_id})" if self.name else self.trainee_id


def joined() -> Joined | None:
    """The attempt this session has joined, if any."""
    value = session.get(JOINED_KEY)
    return value if isinstance(value, Joined) else None


def client_key(trainee_id: str) -> str:
    """What failed exam codes are counted by: the client's address with the id typed (else the id).

    A classroom behind one address is not locked out by one trainee's typos.
    """
    ip = getattr(st.context, "ip_address", None)
    return f"{ip}/{trainee_id}" if isinstance(ip, str) and ip else trainee_id


def try_join(code: str, trainee_id: str, name: str, lang: str) -> bool:
    """Joins (or resumes) on the server; shows the refusal in plain words and returns False if refused."""
    trainee_id = session.clean_id(trainee_id)
    name = " ".join(name.split())[: session.MAX_NAME_CHARS]
    try:
        view = exams.join(code, trainee_id, name, exam_clock.now(), client_key=client_key(trainee_id))
    except exams.ExamError as exc:
        st.error(render_msg(exc.message, lang), icon=":material/block:")
        return False
    joined_now = Joined(view.code, view.trainee_id, view.name)
    session.put(JOINED_KEY, joined_now)
    keep_link(joined_now)
    return True


def keep_link(who: Joined) -> None:
    """``?exam=…&trainee=…`` in the address bar (again after visiting another page), for reloads."""
    if st.query_params.get(PARAM_CODE) != who.code or st.query_params.get(PARAM_TRAINEE) != who.trainee_id:
        st.query_params[PARAM_CODE] = who.code
        st.query_params[PARAM_TRAINEE] = who.trainee_id


def join_form(lang: str) -> None:
    """Exam code, trainee id and name; joining reruns the page into the exam."""
    with st.form(session.key(NS, "join_form"), border=True):
        st.markdown(f"**{t('exam.page.join_title', lang)}**")
        code = st.text_input(
            t("exam.page.code", lang),
            key=session.key(NS, "join_code"),
            max_chars=20,
            placeholder=t("exam.page.code_hint", lang),
        )
        c1, c2 = st.columns(2)
        trainee_id = c1.text_input(
            t("ui.who.id", lang),
            key=session.key(NS, "join_id"),
            max_chars=session.MAX_ID_CHARS,
            placeholder=t("ui.who.id_hint", lang),
        )
        name = c2.text_input(
            t("ui.who.name", lang),
            key=session.key(NS, "join_name"),
            max_chars=session.MAX_NAME_CHARS,
            placeholder=t("ui.who.name_hint", lang),
        )
        st.caption(t("exam.page.join_note", lang))
        submitted = st.form_submit_button(t("exam.page.join", lang), type="primary", icon=":material/login:")
    if submitted:
        if not code.strip() or not session.clean_id(trainee_id):
            st.error(t("exam.page.need_code_id", lang), icon=":material/warning:")
        elif try_join(code, trainee_id, name, lang):
            st.rerun()


def resume_from_link(lang: str) -> None:
    """A fresh session opened at ``?exam=…&trainee=…`` (a reload) rejoins that attempt."""
    if joined() is not None:
        return
    code, trainee_id = st.query_params.get(PARAM_CODE), st.query_params.get(PARAM_TRAINEE)
    if code and trainee_id and not try_join(code, trainee_id, "", lang):
        forget_link()


def forget_link() -> None:
    for name in (PARAM_CODE, PARAM_TRAINEE):
        if name in st.query_params:
            del st.query_params[name]


def leave() -> None:
    """Forgets the attempt in this browser session (the attempt itself goes on on the server)."""
    session.drop_prefix(NS + ".")
    forget_link()


def notice(message_key: str | None = None) -> str | None:
    """Sets (with a key) or takes (without) the one-off notice shown at the top of the exam."""
    if message_key is not None:
        session.put(NOTICE_KEY, message_key)
        return message_key
    return st.session_state.pop(NOTICE_KEY, None)


def _frozen(code: str) -> tuple[str, str, str | None]:
    """``(sha, yaml, source path)`` of the exam's frozen scenario, read on the server."""
    with get_store().read() as s:
        exam = s.get(Exam, exams.normalise_code(code))
        if exam is None:
            raise exams.UnknownExam(msg("exam.unknown_code"))
        return exam.scenario_sha, exam.scenario_yaml, exam.source_path


def exam_scenario(code: str) -> Scenario:
    """The exam's scenario (server memory only; reparsed when a regrade replaced the frozen copy)."""
    sha, text, path = _frozen(code)
    cache_key = (exams.normalise_code(code), sha)
    return _scenarios.get(cache_key, lambda: load_source(text, path))
