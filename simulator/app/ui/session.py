"""Session-state helpers: namespaced keys, the reader's language and the identified trainee.

Every page keeps its UI state in ``st.session_state`` under keys ``"<namespace>.<name>"`` (``ui.lang``,
``practice.scenario``, ``exam.code`` …) so pages never trample each other. Nothing secret is ever put in
the session state: no answer key, no dataset truth.

>>> key("practice", "answer", "l4-ads", "t1")
'practice.answer.l4-ads.t1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from simulator.core.i18n import DEFAULT_LANG, LANGS, normalise_lang

LANG_KEY = "ui.lang"
TRAINEE_KEY = "ui.trainee"
MAX_ID_CHARS = 64
MAX_NAME_CHARS = 100


def key(namespace: str, *parts: object) -> str:
    """A namespaced session-state / widget key: ``key("practice", "t1")`` → ``"practice.t1"``."""
    return ".".join([namespace, *(str(p) for p in parts)])


def get(name: str, default: Any = None) -> Any:
    """``st.session_state[name]`` or ``default``."""
    return st.session_state.get(name, default)


def put(name: str, value: Any) -> None:
    st.session_state[name] = value


def pop(name: str) -> Any:
    """Removes ``name`` from the session state; returns its value (None when absent)."""
    return st.session_state.pop(name, None)


def drop_prefix(prefix: str) -> None:
    """Forgets every session-state entry whose key starts with ``prefix``."""
    for name in [k for k in st.session_state.keys() if str(k).startswith(prefix)]:
        del st.session_state[name]


def init_lang() -> None:
    """Sets the language once per session: ``?lang=en`` in the URL, else 简体中文."""
    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get("lang")
        st.session_state[LANG_KEY] = normalise_lang(wanted) if wanted else DEFAULT_LANG


def lang() -> str:
    """The reader's language, ``zh`` or ``en``."""
    value = st.session_state.get(LANG_KEY) or DEFAULT_LANG
    return value if value in LANGS else DEFAULT_LANG


@dataclass(frozen=True)
class Trainee:
    """Who is practising: the id they type (学号) and their name."""

    id: str
    name: str = ""

    @property
    def display(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


def clean_id(raw: str | None) -> str:
    """A trainee id as stored: whitespace removed, at most 64 characters.

    >>> clean_id("  T 001 ")
    'T001'
    """
    return "".join((raw or "").split())[:MAX_ID_CHARS]


def trainee() -> Trainee | None:
    """The identified trainee of this browser session, if any."""
    return st.session_state.get(TRAINEE_KEY)


def set_trainee(who: Trainee | None) -> None:
    if who is None:
        st.session_state.pop(TRAINEE_KEY, None)
    else:
        st.session_state[TRAINEE_KEY] = who
