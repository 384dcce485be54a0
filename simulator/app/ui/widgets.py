"""Shared widgets: the language switch, an error guard, status badges and small formatting helpers.

Pages call :func:`guard` around anything that may fail so a plain message, never a traceback, reaches
the page; the traceback goes to the server log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

from simulator.app.ui import session
from simulator.core.i18n import LANGS, Msg, t

log = logging.getLogger("simulator.app.ui")
T = TypeVar("T")

LANG_NAMES = {"zh": "简体中文", "en": "English"}
"""Each language named in itself, as language menus do."""
STATUS_ICONS = {"correct": ":material/check_circle:", "partial": ":material/adjust:",
                "wrong": ":material/cancel:", "invalid": ":material/error:",
                "ungraded": ":material/rate_review:"}
"""Material icons (bundled with Streamlit, so they render without an emoji font)."""


def language_switch() -> str:
    """The sidebar's language switch (简体中文 default); returns the chosen language."""
    session.init_lang()
    st.sidebar.segmented_control(
        t("ui.lang.label", session.lang()), options=list(LANGS), format_func=LANG_NAMES.__getitem__,
        key=session.LANG_KEY, required=True)
    chosen = session.lang()
    if st.query_params.get("lang") != chosen:
        st.query_params["lang"] = chosen
    return chosen


BUILTIN_TEXT_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] {{display: none;}}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {{display: none;}}
[data-testid="stFileUploaderDropzone"] button > div::after {{content: "{button}";}}
</style>"""
"""Streamlit's file uploader has no option for its own words (an English button and size line): they
are hidden and the button shows the catalog's word; the label carries the size limit and a caption
beside the uploader says what to do."""


def builtin_text(lang: str) -> None:
    """Puts the reader's language into the texts Streamlit draws itself (the uploader's button)."""
    button = t("ui.upload.button", lang).replace('"', "")
    st.html(BUILTIN_TEXT_CSS.format(button=button))


@contextmanager
def guard(what: str = "ui.error.unexpected") -> Iterator[None]:
    """Shows ``what`` (a catalog key) as an error instead of letting an exception reach the page.

    Streamlit's own control flow (``st.rerun``, ``st.stop``) is not caught: it is a BaseException.
    """
    try:
        yield
    except Exception:  # noqa: BLE001 - the page must never show a traceback
        log.exception("error in the app (shown to the user as %s)", what)
        st.error(t(what, session.lang()), icon=":material/warning:")


def guarded(func: Callable[..., T], *args: Any, what: str = "ui.error.unexpected", **kwargs: Any) -> T | None:
    """Calls ``func``; on an exception shows ``what`` and returns None."""
    with guard(what):
        return func(*args, **kwargs)
    return None


def render_msg(message: Msg | str, lang: str | None = None) -> str:
    """A :class:`Msg` or plain text in ``lang`` (default: the reader's)."""
    return message.render(lang or session.lang()) if isinstance(message, Msg) else str(message)


def fmt_points(value: float) -> str:
    """``10.0`` → ``"10"``, ``7.5`` → ``"7.5"``, ``3.333`` → ``"3.33"``."""
    return f"{round(float(value), 2):g}"


def status_label(status: str, lang: str) -> str:
    """``"correct"`` → ``"正确"``."""
    return t("ui.status." + status, lang)


def status_box(status: str, body: str) -> None:
    """``body`` in the alert that suits a status (success, warning, error or info), with its icon."""
    boxes = {"correct": st.success, "partial": st.warning, "wrong": st.error, "invalid": st.warning}
    box = boxes.get(status, st.info)
    box(body, icon=STATUS_ICONS.get(status, ":material/info:"))


def md_escape(text: str) -> str:
    """Text safe inside Streamlit markdown: ``$`` would start LaTeX, so it is escaped.

    >>> md_escape("¥5 or $5")
    '¥5 or \\\\$5'
    """
    return str(text).replace("$", "\\$")
