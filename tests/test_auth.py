"""Instructor password, sessions that expire, and the failure throttle."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from helpers_exam import T0
from sqlalchemy import select

from simulator.service import auth
from simulator.service.auth import AuthError, Throttle, Throttled
from simulator.service.store import InstructorSession, Setting, Store


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv(auth.ENV_PASSWORD, raising=False)
    store = Store(f"sqlite:///{tmp_path / 'simulator.db'}")
    yield store
    store.dispose()


def test_password_hashes_are_salted_scrypt_and_verify():
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert auth.verify_password("correct horse", first) and auth.verify_password("correct horse", second)
    assert not auth.verify_password("correct hors", first)
    assert not auth.verify_password("x", "md5$abc") and not auth.verify_password("x", "garbage")


def test_the_environment_password_admits_the_right_one_only(store, monkeypatch):
    monkeypatch.setenv(auth.ENV_PASSWORD, "教师-密码-2025")
    assert not auth.needs_setup(store)
    token = auth.login("教师-密码-2025", store, T0)
    assert auth.session_valid(token, store, T0 + timedelta(minutes=5))
    with pytest.raises(AuthError) as err:
        auth.login("教师-密码-2024", store, T0)
    assert err.value.message.key == "auth.wrong_password"
    monkeypatch.setenv(auth.ENV_PASSWORD, auth.hash_password("hashed-in-env"))
    assert auth.session_valid(auth.login("hashed-in-env", store, T0), store, T0)


def test_first_run_set_up_stores_only_a_hash_and_happens_once(store):
    assert auth.needs_setup(store)
    with pytest.raises(AuthError) as err:
        auth.login("anything", store, T0)
    assert err.value.message.key == "auth.not_set_up"
    with pytest.raises(AuthError):
        auth.setup_password("short", store)
    auth.setup_password("a-long-password", store)
    with store.read() as s:
        stored = s.get(Setting, auth.SETTING_KEY).value
    assert "a-long-password" not in stored and auth.verify_password("a-long-password", stored)
    assert not auth.needs_setup(store)
    with pytest.raises(AuthError):
        auth.setup_password("another-password", store)  # nobody can take over by "setting up" again
    with pytest.raises(AuthError):
        auth.login("a-long-passwore", store, T0)
    assert auth.session_valid(auth.login("a-long-password", store, T0), store, T0)


def test_sessions_expire_and_end_at_logout(store):
    auth.setup_password("a-long-password", store)
    token = auth.login("a-long-password", store, T0)
    assert auth.session_valid(token, store, T0 + auth.SESSION_TTL - timedelta(seconds=1))
    assert not auth.session_valid(token, store, T0 + auth.SESSION_TTL)
    with pytest.raises(AuthError) as err:
        auth.require_instructor(token, store, T0 + auth.SESSION_TTL + timedelta(hours=1))
    assert err.value.message.key == "auth.expired"
    for missing in (None, "", "forged-token"):
        with pytest.raises(AuthError):
            auth.require_instructor(missing, store, T0)
    auth.require_instructor(token, store, T0)
    with store.read() as s:  # only a hash of the token is kept
        assert s.scalars(select(InstructorSession.token_hash)).all() == [
            hashlib.sha256(token.encode()).hexdigest()
        ]
    auth.logout(token, store)
    assert not auth.session_valid(token, store, T0)


def test_wrong_passwords_are_throttled(store):
    auth.setup_password("a-long-password", store)
    for i in range(auth.LOGIN_LIMIT):
        with pytest.raises(AuthError):
            auth.login(f"guess-{i}", store, T0, client_key="10.1.1.1")
    with pytest.raises(Throttled) as err:
        auth.login("a-long-password", store, T0 + timedelta(minutes=1), client_key="10.1.1.1")
    assert err.value.retry_after == pytest.approx(14 * 60)
    assert auth.login("a-long-password", store, T0, client_key="10.1.1.2")
    assert auth.login("a-long-password", store, T0 + auth.LOGIN_WINDOW, client_key="10.1.1.1")


def test_the_throttle_counts_within_its_window_and_can_be_cleared(store):
    throttle = Throttle(store, "demo", limit=2, window=timedelta(minutes=10))
    throttle.fail("k", T0)
    throttle.fail("k", T0 + timedelta(minutes=5))
    with pytest.raises(Throttled) as err:
        throttle.check("k", T0 + timedelta(minutes=6))
    assert err.value.retry_after == pytest.approx(4 * 60)
    throttle.check("other", T0 + timedelta(minutes=6))
    throttle.check("k", T0 + timedelta(minutes=10, seconds=1))  # the first failure has aged out
    throttle.clear("k")
    throttle.check("k", T0 + timedelta(minutes=6))
