"""Authoring in a real browser: an instructor logs in, pastes a scenario that brings its own CSV, sees
the missing file named, attaches the CSV, and validates, previews and self-tests it without leaving
the app."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from appserver import running_app  # noqa: E402

pytestmark = pytest.mark.browser
CSV = ROOT / "tests" / "fixtures" / "byo" / "ad_delivery_zh.csv"
PASSWORD = "browser-teacher-1"
TEXT = """id: byo-browser
title: {zh: 自带数据, en: Own data}
level: L4
direction: 流量运营
context: {zh: 教师的千川导出。, en: An ad export.}
seed: 3
sources:
  ad_delivery: {file: ad_delivery_zh.csv}
tasks:
  - {id: t1, kind: metric, points: 100, skills: [L4/5.2.1], params: {dataset: ad_delivery, metric: ctr}}
"""


@pytest.fixture(scope="module")
def teacher_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("authoring-browser")
    env = {"SIMULATOR_DATA_DIR": str(data), "SIMULATOR_SCENARIO_DIRS": str(ROOT / "tests" / "app" / "fixtures"
                                                                        / "scenarios"),
           "SIMULATOR_DATABASE_URL": "", "SIMULATOR_INSTRUCTOR_PASSWORD": PASSWORD}
    with running_app(env, log_path=data / "app.log") as url:
        yield url


def test_paste_attach_validate_preview_and_selftest(browser, teacher_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto(f"{teacher_url}/instructor")
        page.get_by_label("教师密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_text("出题", exact=True).first.click()
        editor = page.get_by_label("情景文件(YAML)")
        editor.fill(TEXT)
        editor.press("Control+Enter")  # Streamlit applies a text area on Ctrl+Enter (or blur)
        page.get_by_text("file not found next to the scenario: ad_delivery_zh.csv").first.wait_for()
        page.locator("input[type=file]").first.set_input_files(str(CSV))
        page.get_by_text("已附加:ad_delivery_zh.csv").first.wait_for()
        page.get_by_text("情景有效:byo-browser,1 道题,共 100 分。").first.wait_for()
        page.get_by_text("预览数据和答案").first.click()
        rows = CSV.read_bytes().count(b"\n") - 1
        page.get_by_text(f"共 {rows} 行 ×", exact=False).first.wait_for()  # the attached rows, not generated
        page.locator("[data-testid=stDataFrame]").first.wait_for()
        page.get_by_role("button", name="自检").click()
        page.get_by_text("自检通过(3 个学号)", exact=False).first.wait_for(timeout=60_000)
        assert page.get_by_text("Traceback").count() == 0
    finally:
        context.close()
