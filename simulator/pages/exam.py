"""考试 Exam page — a placeholder until the mock-exam page of issue 6 replaces this file.

The replacement keeps the shape: a ``render()`` function and the ``__main__`` guard at the end.
"""

from __future__ import annotations

import streamlit as st

from simulator.i18n import t
from simulator.ui import session


def render() -> None:
    """Title and a note that mock exams arrive with the next issue."""
    lang = session.lang()
    st.title(t("ui.nav.exam", lang))
    st.info(t("ui.placeholder.exam", lang), icon=":material/hourglass_top:")


if __name__ == "__main__":
    render()
