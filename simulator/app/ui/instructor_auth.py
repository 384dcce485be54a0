"""The instructor workspace's door: first-run set-up, login, expiring sessions, logout.

The session keeps only the login token (``instructor.token``); the store keeps its SHA-256 with an
expiry (:mod:`simulator.service.auth`), so a token stops working when it expires or on logout, on every replica.
Every run of the instructor page checks the token before drawing anything else.
"""

from __future__ import annotations

import secrets

import streamlit as st

from simulator.app.ui import (
    exam_clock,
    session,
)
from simulator.app.ui.widgets import render_msg
from simulator.core.i18n import msg, t
from simulator.service import auth, raters

NS = "instructor"
TOKEN_KEY = session.key(NS, "token")
CLIENT_KEY = session.key(NS, "client")


def client_key() -> str:
    """Failed logins are counted per browser session (a random id kept in its session state), not per
    address: behind a classroom NAT or a load balancer every browser shares one address, and a trainee's
    guesses must not lock the instructor out. :func:`simulator.service.auth.login` adds a global back-off."""
    key = session.get(CLIENT_KEY)
    if not key:
        key = "browser-" + secrets.token_urlsafe(12)
        session.put(CLIENT_KEY, key)
    return key


def logged_in() -> bool:
    """Whether this session holds a live instructor token (checked against the store, now)."""
    token = session.get(TOKEN_KEY)
    if token and auth.session_valid(token, now=exam_clock.now()):
        return True
    if token:
        st.session_state.pop(TOKEN_KEY, None)
        st.warning(render_msg(msg("auth.expired")), icon=":material/lock_clock:")
    return False


def _setup_form(lang: str) -> None:
    st.info(t("instructor.auth.setup_intro", lang), icon=":material/key:")
    with st.form(session.key(NS, "setup_form"), clear_on_submit=True):
        first = st.text_input(t("instructor.auth.new_password", lang), type="password", key=session.key(NS, "setup_pw"))
        again = st.text_input(
            t("instructor.auth.repeat_password", lang), type="password", key=session.key(NS, "setup_pw2")
        )
        submitted = st.form_submit_button(t("instructor.auth.setup", lang), type="primary")
    if not submitted:
        return
    if first != again:
        st.error(t("instructor.auth.mismatch", lang), icon=":material/warning:")
        return
    try:
        auth.setup_password(first)
    except auth.AuthError as exc:
        st.error(render_msg(exc.message, lang), icon=":material/warning:")
        return
    _login(first, lang)


def _login(password: str, lang: str, account: str = "") -> None:
    try:
        if account.strip():  # a rater account (simulator.service.raters); empty: the administrator's password
            token = raters.login(account, password, now=exam_clock.now(), client_key=client_key())
        else:
            token = auth.login(password, now=exam_clock.now(), client_key=client_key())
    except auth.AuthError as exc:
        st.error(render_msg(exc.message, lang), icon=":material/lock:")
        return
    session.put(TOKEN_KEY, token)
    st.rerun()


def login_form(lang: str) -> None:
    """The set-up form on first run (no password anywhere), else the login form."""
    if auth.needs_setup():
        _setup_form(lang)
        return
    with st.form(session.key(NS, "login_form"), clear_on_submit=True):
        account = st.text_input(
            t("instructor.auth.account", lang), key=session.key(NS, "login_account"), max_chars=50,
            help=t("instructor.auth.account_help", lang),
        )  # fmt: skip
        password = st.text_input(t("instructor.auth.password", lang), type="password", key=session.key(NS, "login_pw"))
        submitted = st.form_submit_button(t("instructor.auth.login", lang), type="primary", icon=":material/login:")
    st.caption(t("instructor.auth.note", lang))
    if submitted:
        _login(password, lang, account)


def logout() -> None:
    """Ends the session on the server and forgets everything of the workspace in this browser."""
    token = session.get(TOKEN_KEY)
    if token:
        auth.logout(token)
    session.drop_prefix(NS + ".")


def logout_button(lang: str) -> None:
    st.sidebar.button(
        t("instructor.auth.logout", lang),
        key=session.key(NS, "logout"),
        on_click=logout,
        icon=":material/logout:",
    )
