"""Rater accounts: people who mark written answers, each with their own password.

The administrator (whoever holds the instructor password, :mod:`simulator.service.auth`) creates accounts with
``simulator rater add NAME``, which prints a one-time password. A rater logs in to the instructor
workspace with their name and that password and sees only manual grading; every mark they save is
signed with their account name, so "three raters" are three people. The administrator's own marks are
signed :data:`simulator.service.exam_marks.ADMIN_RATER`.

Sessions are the same store rows as the administrator's (``instructor_sessions``), with the rater's name.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from simulator.core.i18n import msg
from simulator.service import auth
from simulator.service.exam_marks import ADMIN_RATER
from simulator.service.store import InstructorSession, Rater, Store, get_store, utcnow

if TYPE_CHECKING:
    from simulator.service.gradebook import ManualSummary

NAME_PATTERN = re.compile(r"^[\w.\-\u4e00-\u9fff]{1,50}$")
"""Letters (Chinese too), digits, ``_ . -``; at most 50 characters."""


@dataclass(frozen=True)
class Identity:
    """Who holds a live workspace session: the administrator or a named rater."""

    rater: str | None
    """The rater account, or ``None`` for the administrator."""

    @property
    def is_admin(self) -> bool:
        return self.rater is None

    @property
    def signature(self) -> str:
        """The name a mark is signed with."""
        return self.rater or ADMIN_RATER


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean_name(name: str) -> str:
    name = str(name or "").strip()
    if not NAME_PATTERN.match(name) or name.lower() == ADMIN_RATER:
        raise auth.AuthError(msg("rater.bad_name", admin=ADMIN_RATER))
    return name


def add_rater(name: str, *, store: Store | None = None, now: datetime | None = None) -> str:
    """Creates the account and returns its one-time password (only its hash is kept)."""
    store = store or get_store()
    name = _clean_name(name)
    password = secrets.token_urlsafe(9)
    with store.write() as s:
        if s.get(Rater, name) is not None:
            raise auth.AuthError(msg("rater.exists", name=name))
        s.add(Rater(name=name, password_hash=auth.hash_password(password), created_at=utcnow(now), active=True))
    return password


def reset_password(name: str, *, store: Store | None = None) -> str:
    """A new one-time password for an existing account; its live sessions end."""
    store = store or get_store()
    password = secrets.token_urlsafe(9)
    with store.write() as s:
        row = s.get(Rater, str(name).strip())
        if row is None:
            raise auth.AuthError(msg("rater.unknown", name=str(name)[:50]))
        row.password_hash, row.active = auth.hash_password(password), True
        s.execute(delete(InstructorSession).where(InstructorSession.rater == row.name))
    return password


def list_raters(*, store: Store | None = None) -> list[str]:
    """Active rater account names, sorted."""
    store = store or get_store()
    with store.read() as s:
        return sorted(s.scalars(select(Rater.name).where(Rater.active.is_(True))))


def login(
    name: str,
    password: str,
    *,
    store: Store | None = None,
    now: datetime | None = None,
    client_key: str = "rater",
) -> str:
    """A session token for the rater; wrong name or password count towards the same login throttle."""
    store, now = store or get_store(), utcnow(now)
    throttle = auth.Throttle(store, "login", auth.LOGIN_LIMIT, auth.LOGIN_WINDOW)
    throttle.check(client_key, now)
    with store.read() as s:
        row = s.get(Rater, str(name or "").strip()[:100])
    if row is None or not row.active or not auth.verify_password(password, row.password_hash):
        throttle.fail(client_key, now)
        raise auth.AuthError(msg("auth.wrong_password"))
    token = secrets.token_urlsafe(32)
    with store.write() as s:
        s.add(InstructorSession(token_hash=_token_hash(token), created_at=now, expires_at=now + auth.SESSION_TTL,
                                rater=row.name))  # fmt: skip
    return token


def identity(token: str | None, *, store: Store | None = None, now: datetime | None = None) -> Identity | None:
    """Who ``token`` belongs to while it is live; ``None`` for no or an expired session."""
    if not token:
        return None
    store = store or get_store()
    with store.read() as s:
        row = s.get(InstructorSession, _token_hash(token))
        if row is None or utcnow(now) >= row.expires_at:
            return None
        return Identity(row.rater)


def mark(token: str | None, code: str, trainee_id: str, task_id: str, score: float, comment: str = "",
         now: datetime | None = None, *, store: Store | None = None,
         confirm_unfinalise: bool = False) -> ManualSummary:  # fmt: skip
    """Saves a mark signed by the session's rater (there is no way to name another)."""
    from simulator.service.exam_marks import manual_grade

    who = identity(token, store=store, now=now)
    if who is None:
        raise auth.AuthError(msg("auth.expired"))
    return manual_grade(code, trainee_id, task_id, who.signature, score, comment, now, store=store,
                        confirm_unfinalise=confirm_unfinalise)  # fmt: skip


def withdraw(token: str | None, code: str, trainee_id: str, task_id: str, reason: str = "",
             now: datetime | None = None, *, store: Store | None = None) -> ManualSummary:  # fmt: skip
    """Withdraws the session's rater's own mark (the audit trail keeps it)."""
    from simulator.service.exam_marks import withdraw_mark

    who = identity(token, store=store, now=now)
    if who is None:
        raise auth.AuthError(msg("auth.expired"))
    return withdraw_mark(code, trainee_id, task_id, who.signature, reason, now, store=store)
