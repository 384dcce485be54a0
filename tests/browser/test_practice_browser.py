"""The practice page in a real browser: identify, upload a GBK CSV table, see the score; switch language."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from simulator import answer_key, load_scenario

pytestmark = pytest.mark.browser
SCENARIOS = Path(__file__).resolve().parents[1] / "app" / "fixtures" / "scenarios"
ZH_HEADERS = {"campaign_id": "计划ID", "cost": "消耗", "clicks": "点击数", "ctr": "点击率"}


def _gbk_report(trainee: str) -> bytes:
    """The right report for ``trainee`` as WPS saves it: GBK, Chinese headers, percentages."""
    key = answer_key(load_scenario(SCENARIOS / "app-ads.yaml"), trainee)
    frame = pd.DataFrame(next(e for e in key["tasks"] if e["id"] == "t2")["answer"]["rows"])
    frame["ctr"] = [f"{v * 100:.2f}%" for v in frame["ctr"]]
    frame = frame.rename(columns=ZH_HEADERS)
    return frame.to_csv(index=False).encode("gbk")


def _identify(page, url: str, trainee: str) -> None:  # noqa: ANN001
    page.goto(f"{url}/?scenario=app-ads")
    page.get_by_role("heading", name="练习").first.wait_for()
    page.get_by_label("学号").fill(trainee)
    page.get_by_role("button", name="开始练习").click()
    page.get_by_text("当前学员").wait_for()


def test_upload_gbk_csv_and_see_the_score(page, app_url):
    _identify(page, app_url, "B-001")
    card = page.locator(".st-key-practice-ans-app-ads-t2-file")
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "报表.csv", "mimeType": "text/csv", "buffer": _gbk_report("B-001")}])
    page.get_by_text(re.compile(r"已读取 3 行 × 4 列")).wait_for()  # three campaigns
    page.locator(".st-key-practice-check-app-ads-t2 button").click()
    page.get_by_text(re.compile(r"正确 · 得分 40 / 40")).wait_for()
    assert page.get_by_text("Traceback").count() == 0


def test_bad_upload_shows_a_message_not_a_traceback(page, app_url):
    _identify(page, app_url, "B-002")
    page.locator(".st-key-practice-ans-app-ads-t2-file input[type=file]").set_input_files(
        files=[{"name": "坏.csv", "mimeType": "text/csv", "buffer": b""}])
    page.get_by_text(re.compile("是空的")).wait_for()
    assert page.get_by_text("Traceback").count() == 0


def test_language_switch_and_pages(page, app_url):
    page.goto(app_url)
    page.get_by_role("heading", name="练习").first.wait_for()
    page.get_by_role("radio", name="English").click()
    page.get_by_role("heading", name="Practice").first.wait_for()
    page.get_by_role("link", name="Exam").click()
    page.get_by_role("heading", name="Exam").first.wait_for()
    page.get_by_role("link", name="Instructor").click()
    page.get_by_role("heading", name="Instructor").first.wait_for()
