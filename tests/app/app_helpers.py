"""Helpers of the AppTest tests: a fresh app session, and a session already identified."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).resolve().parent / "fixtures" / "scenarios"


def new_app() -> AppTest:
    """The app as a fresh browser session would see it (not yet run)."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def start(scenario: str, trainee: str, name: str = "", lang: str | None = None) -> AppTest:
    """A session that picked ``scenario`` and identified as ``trainee``."""
    at = new_app().run()
    if lang:
        at.segmented_control(key="ui.lang").set_value(lang).run()
    at.selectbox(key="practice.scenario").set_value(scenario)
    at.text_input(key="practice.who_id").input(trainee)
    at.text_input(key="practice.who_name").input(name)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    return at


T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
"""Where the injected exam clock starts."""
MIN = timedelta(minutes=1)


class Clock:
    """The injected server clock: starts at :data:`T0`, moved by hand (``clock.now += 5 * MIN``)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now
