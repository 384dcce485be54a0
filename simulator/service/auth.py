"""Instructor login (hashed password, expiring sessions) and a throttle for failed tries.

The password comes from ``SIMULATOR_INSTRUCTOR_PASSWORD`` (plain, or an ``scrypt$…`` hash made by
:func:`hash_password`) or, when that is unset, from a first-run set-up that stores only its scrypt hash.
Sessions are random tokens whose SHA-256 lives in the store with an expiry, so every app replica
accepts them and a stolen database holds no usable token.

>>> encoded = hash_password("s3cret-pass")
>>> verify_password("s3cret-pass", encoded), verify_password("wrong", encoded)
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from simulator.core.i18n import Msg, msg
from simulator.service.store import FailedAttempt, InstructorSession, Setting, Store, get_store, utcnow

ENV_PASSWORD = "SIMULATOR_INSTRUCTOR_PASSWORD"
SETTING_KEY = "instructor_password_hash"
SESSION_TTL = timedelta(hours=8)
"""How long an instructor session lasts after login."""
MIN_PASSWORD_LENGTH = 8
LOGIN_LIMIT, LOGIN_WINDOW = 5, timedelta(minutes=15)
"""Wrong passwords one browser session may try within the window before it must wait."""
GLOBAL_FREE_TRIES, GLOBAL_BACKOFF_CAP = 20, timedelta(seconds=60)
"""Wrong passwords from all sessions together within ``LOGIN_WINDOW`` before every try waits
2, 4, 8 … seconds after the latest failure, never longer than the cap (so nobody is locked out)."""
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AuthError(Exception):
    """A refused login or session; ``message`` is a catalog :class:`Msg` for the page."""

    def __init__(self, message: Msg):
        super().__init__(message.key)
        self.message = message


class Throttled(AuthError):
    """Too many failures for one key; ``retry_after`` seconds until the oldest one counts no more."""

    def __init__(self, retry_after: float):
        if retry_after < 60:
            super().__init__(msg("auth.throttled_seconds", seconds=max(1, math.ceil(retry_after))))
        else:
            super().__init__(msg("auth.throttled", minutes=max(1, int(retry_after // 60) + 1)))
        self.retry_after = retry_after


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64 parts) for ``password``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = (base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + "$".join(b64)


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches an :func:`hash_password` string (constant-time compare)."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(hash_b64)
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


@dataclass
class Throttle:
    """Counts failures per key in the store; more than ``limit`` within ``window`` refuses further tries.

    >>> # throttle = Throttle(store, "exam-code"); throttle.check("10.0.0.7"); throttle.fail("10.0.0.7")
    """

    store: Store
    scope: str
    limit: int = 5
    window: timedelta = timedelta(minutes=10)

    def _key(self, key: str) -> str:
        return f"{self.scope}:{key}"[:300]

    def check(self, key: str, now: datetime | None = None) -> None:
        """Raises :class:`Throttled` when ``key`` already failed ``limit`` times within the window."""
        now = utcnow(now)
        with self.store.read() as s:
            count, oldest = s.execute(
                select(func.count(), func.min(FailedAttempt.at)).where(
                    FailedAttempt.key == self._key(key), FailedAttempt.at > now - self.window
                )
            ).one()
        if count >= self.limit:
            raise Throttled((utcnow(oldest) + self.window - now).total_seconds())

    def fail(self, key: str, now: datetime | None = None) -> None:
        """Records one failure for ``key`` (and forgets this key's failures older than the window)."""
        now = utcnow(now)
        with self.store.write() as s:
            s.execute(
                delete(FailedAttempt).where(
                    FailedAttempt.key == self._key(key), FailedAttempt.at <= now - self.window
                )
            )
            s.add(FailedAttempt(key=self._key(key), at=now))

    def clear(self, key: str) -> None:
        """Forgets every failure of ``key`` (after a success)."""
        with self.store.write() as s:
            s.execute(delete(FailedAttempt).where(FailedAttempt.key == self._key(key)))


def _stored_hash(store: Store) -> str | None:
    with store.read() as s:
        row = s.get(Setting, SETTING_KEY)
        return row.value if row else None


def needs_setup(store: Store | None = None) -> bool:
    """True when no password is configured: neither the env var nor a first-run set-up."""
    store = store or get_store()
    return not os.environ.get(ENV_PASSWORD) and _stored_hash(store) is None


def setup_password(password: str, store: Store | None = None) -> None:
    """First-run set-up: stores the hash of ``password``; refused once any password is configured."""
    store = store or get_store()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(msg("auth.too_short", n=MIN_PASSWORD_LENGTH))
    with store.write() as s:
        if os.environ.get(ENV_PASSWORD) or s.get(Setting, SETTING_KEY) is not None:
            raise AuthError(msg("auth.already_set_up"))
        s.add(Setting(key=SETTING_KEY, value=hash_password(password)))


def _password_ok(password: str, store: Store) -> bool:
    configured = os.environ.get(ENV_PASSWORD)
    if configured:
        if configured.startswith("scrypt$"):
            return verify_password(password, configured)
        return hmac.compare_digest(password.encode("utf-8"), configured.encode("utf-8"))
    stored = _stored_hash(store)
    if stored is None:
        raise AuthError(msg("auth.not_set_up"))
    return verify_password(password, stored)


_GLOBAL_KEY = "login-all:*"


def _check_global(store: Store, now: datetime) -> None:
    """Raises :class:`Throttled` while the back-off after many failures (from anyone) still runs."""
    with store.read() as s:
        count, latest = s.execute(
            select(func.count(), func.max(FailedAttempt.at)).where(
                FailedAttempt.key == _GLOBAL_KEY, FailedAttempt.at > now - LOGIN_WINDOW
            )
        ).one()
    if count < GLOBAL_FREE_TRIES:
        return
    wait = min(GLOBAL_BACKOFF_CAP.total_seconds(), 2.0 ** min(count - GLOBAL_FREE_TRIES + 1, 16))
    remaining = (utcnow(latest) - now).total_seconds() + wait
    if remaining > 0:
        raise Throttled(remaining)


def _record_global(store: Store, now: datetime) -> None:
    """One more failure for the shared back-off (rows older than the window are dropped)."""
    with store.write() as s:
        s.execute(delete(FailedAttempt).where(FailedAttempt.key == _GLOBAL_KEY,
                                              FailedAttempt.at <= now - LOGIN_WINDOW))
        s.add(FailedAttempt(key=_GLOBAL_KEY, at=now))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def login(
    password: str,
    store: Store | None = None,
    now: datetime | None = None,
    *,
    client_key: str = "instructor",
    ttl: timedelta = SESSION_TTL,
) -> str:
    """A new session token for the right password; :class:`AuthError` (or :class:`Throttled`) if not.

    ``client_key`` names one browser session: its own wrong tries lock only itself (``LOGIN_LIMIT`` per
    ``LOGIN_WINDOW``), while all failures together slow every try by a capped back-off.
    """
    store, now = store or get_store(), utcnow(now)
    throttle = Throttle(store, "login", LOGIN_LIMIT, LOGIN_WINDOW)
    throttle.check(client_key, now)
    _check_global(store, now)
    if not _password_ok(password, store):
        throttle.fail(client_key, now)
        _record_global(store, now)
        raise AuthError(msg("auth.wrong_password"))
    token = secrets.token_urlsafe(32)
    with store.write() as s:
        s.execute(delete(InstructorSession).where(InstructorSession.expires_at <= now))
        s.add(InstructorSession(token_hash=_token_hash(token), created_at=now, expires_at=now + ttl))
    return token


def session_valid(token: str | None, store: Store | None = None, now: datetime | None = None) -> bool:
    """Whether ``token`` is a live session at ``now``."""
    if not token:
        return False
    store = store or get_store()
    with store.read() as s:
        row = s.get(InstructorSession, _token_hash(token))
        return row is not None and utcnow(now) < row.expires_at


def require_instructor(token: str | None, store: Store | None = None, now: datetime | None = None) -> None:
    """Raises :class:`AuthError` unless ``token`` is a live session (guard for instructor pages)."""
    if not session_valid(token, store, now):
        raise AuthError(msg("auth.expired"))


def logout(token: str, store: Store | None = None) -> None:
    """Ends the session ``token`` (no error if it is unknown)."""
    store = store or get_store()
    with store.write() as s:
        s.execute(delete(InstructorSession).where(InstructorSession.token_hash == _token_hash(token)))
