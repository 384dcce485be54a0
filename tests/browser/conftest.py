"""Browser-test fixtures: the app under ``streamlit run`` and Debian's Chromium driven by Playwright.

A missing ``/usr/bin/chromium`` fails these tests (it does not skip them): ``.ci/run`` installs it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from appserver import CHROMIUM, launch_chromium, running_app  # noqa: E402

SCENARIOS = ROOT / "tests" / "app" / "fixtures" / "scenarios"


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder (SQLite store) of the app under test; tests may create exams in it."""
    return tmp_path_factory.mktemp("browser-data")


@pytest.fixture(scope="session")
def app_url(app_data_dir: Path) -> Iterator[str]:
    """Base URL of the app, started with a throwaway store and the app-test scenarios."""
    data = app_data_dir
    env = {"SIMULATOR_DATA_DIR": str(data), "SIMULATOR_SCENARIO_DIRS": str(SCENARIOS),
           "SIMULATOR_DATABASE_URL": ""}
    with running_app(env, log_path=data / "app.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module; closed after it, so a later module (``tests/test_replicas.py``) can
    start Playwright itself (the sync API refuses to run while another instance's loop is open)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):  # noqa: ANN001, ANN201 - Playwright objects
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()
