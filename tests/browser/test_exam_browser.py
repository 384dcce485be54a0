"""The exam page in a real browser: join with the code, see the countdown tick, type an answer, see 已保存."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from simulator import exams
from simulator.store import Store

pytestmark = pytest.mark.browser
SCENARIO = Path(__file__).resolve().parents[1] / "app" / "fixtures" / "scenarios" / "app-ads.yaml"
SAVED = re.compile(r"已保存 \d\d:\d\d:\d\d")


@pytest.fixture
def exam_code(app_data_dir: Path) -> str:
    """An exam created in the store of the app under test (as an instructor or the CLI would)."""
    store = Store(f"sqlite:///{app_data_dir / 'simulator.db'}")
    try:
        return exams.create_exam(str(SCENARIO), minutes=100, store=store).code
    finally:
        store.dispose()


def _countdown(page) -> str:  # noqa: ANN001 - a Playwright page
    return page.get_by_text(re.compile(r"剩余时间 \d")).first.inner_text()


def test_join_see_the_countdown_and_the_saved_mark(page, app_url, exam_code, app_data_dir):
    page.goto(f"{app_url}/exam")
    page.get_by_role("heading", name="考试").first.wait_for()
    page.get_by_label("考试码").fill(exam_code.lower())
    page.get_by_label("学号").fill("BX-001")
    page.get_by_role("button", name="进入考试").click()
    page.get_by_text(re.compile(r"剩余时间 1:(40:00|39:5\d)")).first.wait_for()
    first = _countdown(page)
    time.sleep(2.2)
    assert _countdown(page) != first  # the server's clock ticks on the page
    answer = page.get_by_label("你的答案").first
    answer.fill("3.45%")
    answer.press("Enter")
    page.get_by_text(SAVED).first.wait_for()
    store = Store(f"sqlite:///{app_data_dir / 'simulator.db'}")
    try:
        assert exams.saved_answers(exam_code, "BX-001", store=store)["t1"].value == "3.45%"
    finally:
        store.dispose()
    assert "exam=" in page.url and "trainee=BX-001" in page.url
    assert page.get_by_text("Traceback").count() == 0
