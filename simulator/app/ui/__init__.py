"""The Streamlit app: a router over the pages in :mod:`simulator.app.pages` (practice, exam, instructor).

``app.py`` and ``simulator/app/entry.py`` only call :func:`run`.
"""

from __future__ import annotations

import streamlit as st

from simulator.app.pages import PAGES
from simulator.app.ui import server_gc, session, widgets
from simulator.core.i18n import t


def run() -> None:
    """Page set-up, the sidebar language switch, then the navigation and the chosen page."""
    server_gc.freeze_once()
    session.init_lang()
    from simulator.service.exam_grading import start_sweeper

    start_sweeper()  # once per process: attempts whose time ran out get graded in the background
    st.set_page_config(page_title=t("ui.app.title", session.lang()), page_icon=":material/analytics:",
                       layout="wide", initial_sidebar_state="expanded")
    lang = widgets.language_switch()
    widgets.builtin_text(lang)
    pages = [st.Page(spec.path, title=t(spec.title_key, lang), icon=spec.icon, url_path=spec.url_path,
                     default=(i == 0)) for i, spec in enumerate(PAGES)]
    current = st.navigation(pages, position="sidebar")
    st.sidebar.caption(t("ui.app.caption", lang))
    with widgets.guard():
        current.run()
