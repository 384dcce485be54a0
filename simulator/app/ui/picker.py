"""Choosing a scenario (filtered by level, direction, skill code) and saying who is practising.

A trainee identifies with an id (学号) and a name; typing a known id alone restores the name and the
saved progress, so a trainee can continue on another computer or after closing the browser. The chosen
scenario and the trainee id are kept in the URL (``?scenario=…&trainee=…&lang=…``), so a reload (F5)
comes back to the same page without asking again.
"""

from __future__ import annotations

import logging

import streamlit as st

from simulator.app.ui import catalog, session
from simulator.app.ui.catalog import Entry
from simulator.core import standard
from simulator.core.i18n import t

log = logging.getLogger("simulator.app.ui")
NS = "practice"
STORE_WARNING = session.key(NS, "store_warning")
"""Set when the store failed: the page says progress is not being saved."""
WELCOME = session.key(NS, "welcome")
"""Set when a known trainee came back: the page greets them once, inline (a toast would cover content)."""
PARAM_SCENARIO, PARAM_TRAINEE = "scenario", "trainee"


def _keep_param(name: str, value: str | None) -> None:
    """``?name=value`` in the URL (removed when ``value`` is None), written only when it changes."""
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def _filters(entries: list[Entry], lang: str) -> list[Entry]:
    levels = [lv for lv in standard.LEVELS if any(e.level == lv for e in entries)]
    directions = [d for d in standard.DIRECTIONS if any(e.direction == d for e in entries)]
    skills = sorted({s for e in entries for s in e.skills})
    c1, c2, c3 = st.columns(3)
    with c1:
        chosen_levels = st.multiselect(t("ui.pick.level", lang), levels, key=session.key(NS, "f_level"),
                                       format_func=lambda lv: catalog.level_label(lv, lang),
                                       placeholder=t("ui.pick.any", lang))
    with c2:
        chosen_dirs = st.multiselect(t("ui.pick.direction", lang), directions, key=session.key(NS, "f_dir"),
                                     format_func=lambda d: catalog.direction_label(d, lang),
                                     placeholder=t("ui.pick.any", lang))
    with c3:
        chosen_skills = st.multiselect(t("ui.pick.skill", lang), skills, key=session.key(NS, "f_skill"),
                                       format_func=catalog.skill_label, placeholder=t("ui.pick.any", lang))
    return catalog.filter_entries(entries, chosen_levels, chosen_dirs, chosen_skills)


def pick_scenario(entries: list[Entry], lang: str) -> Entry | None:
    """Filters and a scenario menu; returns the chosen scenario (None when the filters match nothing)."""
    with st.expander(t("ui.pick.filters", lang), icon=":material/filter_list:"):
        shown = _filters(entries, lang)
    if not shown:
        st.info(t("ui.pick.none_match", lang), icon=":material/search_off:")
        return None
    by_id = {e.id: e for e in shown}
    wanted = st.query_params.get("scenario")
    if session.key(NS, "scenario") not in st.session_state and wanted in by_id:
        st.session_state[session.key(NS, "scenario")] = wanted  # a shared link ?scenario=ID preselects
    chosen = st.selectbox(t("ui.pick.scenario", lang), list(by_id), key=session.key(NS, "scenario"),
                          format_func=lambda i: by_id[i].label(lang), placeholder=t("ui.pick.choose", lang))
    if chosen:
        _keep_param(PARAM_SCENARIO, chosen)
    return by_id.get(chosen) if chosen else None


def _enter(trainee_id: str, name: str, greet: bool) -> None:
    """Remembers the trainee in the store and in this session (the id also in the URL)."""
    from simulator.app.ui import progress  # the store (SQLAlchemy) loads on first use, not with the page

    try:
        known = progress.known_name(trainee_id)
        name = name or known or ""
        progress.remember_trainee(trainee_id, name)
        if known is not None and greet:
            session.put(WELCOME, name or trainee_id)
    except Exception:  # noqa: BLE001 - practice works without the store; progress is then not kept
        log.exception("store unavailable while identifying %s", trainee_id)
        session.put(STORE_WARNING, True)
    session.set_trainee(session.Trainee(trainee_id, name))
    _keep_param(PARAM_TRAINEE, trainee_id)


def _start(raw_id: str, raw_name: str, lang: str) -> None:
    trainee_id = session.clean_id(raw_id)
    name = " ".join(raw_name.split())[:session.MAX_NAME_CHARS]
    if not trainee_id:
        st.error(t("ui.who.need_id", lang), icon=":material/warning:")
        return
    _enter(trainee_id, name, greet=True)
    st.rerun()


def _switch() -> None:
    session.set_trainee(None)
    _keep_param(PARAM_TRAINEE, None)
    session.pop(WELCOME)
    for part in ("ans", "result", "progress", "restored", "dirty"):
        session.drop_prefix(session.key(NS, part) + ".")


def identify(lang: str) -> session.Trainee | None:
    """The trainee of this session, or a small form asking for id and name."""
    who = session.trainee()
    from_url = session.clean_id(st.query_params.get(PARAM_TRAINEE))
    if who is None and from_url:  # a reload, or a link ?trainee=ID: the same trainee, no form
        _enter(from_url, "", greet=False)
        who = session.trainee()
    if who is not None:
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.markdown(t("ui.who.current", lang, who=who.display))
        welcome = session.get(WELCOME)
        if welcome:
            left.caption(t("ui.who.welcome_back", lang, name=welcome))
        right.button(t("ui.who.switch", lang), key=session.key(NS, "switch"), on_click=_switch,
                     icon=":material/logout:")
        return who
    with st.form(session.key(NS, "who_form"), border=True):
        st.markdown(f"**{t('ui.who.title', lang)}**")
        c1, c2 = st.columns(2)
        raw_id = c1.text_input(t("ui.who.id", lang), key=session.key(NS, "who_id"),
                               max_chars=session.MAX_ID_CHARS, placeholder=t("ui.who.id_hint", lang))
        raw_name = c2.text_input(t("ui.who.name", lang), key=session.key(NS, "who_name"),
                                 max_chars=session.MAX_NAME_CHARS, placeholder=t("ui.who.name_hint", lang))
        st.caption(t("ui.who.restore_note", lang))
        submitted = st.form_submit_button(t("ui.who.start", lang), type="primary")
    if submitted:
        _start(raw_id, raw_name, lang)
    return None
