"""教师 Instructor page — a placeholder until the instructor workspace of issue 6 replaces this file.

The replacement keeps the shape: a ``render()`` function and the ``__main__`` guard at the end.
"""

from __future__ import annotations

import streamlit as st

from simulator.i18n import t
from simulator.ui import session


def render() -> None:
    """Title and a note that the instructor workspace arrives with the next issue."""
    lang = session.lang()
    st.title(t("ui.nav.instructor", lang))
    st.info(t("ui.placeholder.instructor", lang), icon=":material/hourglass_top:")


if __name__ == "__main__":
    render()
