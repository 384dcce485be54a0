"""Wrong instructor passwords lock only the browser session that typed them (issue 10)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_helpers import MIN, Clock, new_app
from streamlit.testing.v1 import AppTest

from simulator.app.ui import exam_clock
from simulator.core.i18n import t
from simulator.service import auth

PASSWORD = "teacher-pass-1"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh store per test: no failures left over from other tests."""
    return tmp_path / "data"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    monkeypatch.setenv(auth.ENV_PASSWORD, PASSWORD)
    fake = Clock()
    with exam_clock.use_clock(fake):
        yield fake


def _page() -> AppTest:
    at = new_app().run()
    at.switch_page("simulator/app/pages/instructor.py").run()
    assert not at.exception, at.exception
    return at


def _try(at: AppTest, password: str) -> AppTest:
    at.text_input(key="instructor.login_pw").input(password)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_five_wrong_tries_in_one_session_do_not_stop_the_instructor(clock: Clock) -> None:
    trainee = _page()
    for i in range(auth.LOGIN_LIMIT):
        assert _try(trainee, f"guess-{i}-guess").error[0].value == t("auth.wrong_password", "zh")
    clock.now += MIN
    assert _try(trainee, PASSWORD).error[0].value.startswith("尝试次数过多")  # that session waits
    assert "instructor.token" not in trainee.session_state
    instructor = _page()  # another browser, same (unknown) address
    _try(instructor, PASSWORD)
    assert not instructor.error and instructor.session_state["instructor.token"]
