"""F5 in the middle of practice: scenario, trainee, typed answers and feedback are all still there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _type(page, css: str, text: str) -> None:  # noqa: ANN001
    box = page.locator(css)
    box.fill(text)
    box.press("Tab")  # Streamlit takes a value when the box loses focus


def _check(page, task: str) -> None:  # noqa: ANN001
    page.locator(f".st-key-practice-check-app-mixed-{task} button").click()


def test_reload_mid_task_keeps_everything(page, app_url):
    page.goto(f"{app_url}/?scenario=app-mixed")
    page.get_by_role("heading", name="练习").first.wait_for()
    page.get_by_label("学号").fill("F5-001")
    page.get_by_role("button", name="开始练习").click()
    page.get_by_text("当前学员").wait_for()
    page.wait_for_url(re.compile(r"trainee=F5-001"))

    _type(page, ".st-key-practice-ans-app-mixed-q1-field-duplicates input", "3")
    _type(page, ".st-key-practice-ans-app-mixed-q1-field-missing input", "abc")
    _check(page, "q1")
    page.get_by_text(re.compile(r"^格式有误 · 得分")).first.wait_for()
    judge = page.locator(".st-key-practice-ans-app-mixed-c3-judge").get_by_role("radio", name="错")
    judge.click(force=True)  # the input sits under its styled label
    page.wait_for_function("el => el.checked", arg=judge.element_handle())
    _check(page, "c3")
    page.get_by_text(re.compile(r"^(正确|不正确) · 得分 \d+ / 20")).first.wait_for()
    _type(page, ".st-key-practice-ans-app-mixed-f1-text textarea", "点击率偏低,建议优化素材与出价。")
    _check(page, "f1")
    page.get_by_text("待评阅").first.wait_for()
    before = page.locator("[data-testid=stAlertContainer]").all_inner_texts()
    assert len(before) == 3, before

    page.reload()
    page.get_by_text("当前学员").wait_for()
    assert "scenario=app-mixed" in page.url and "trainee=F5-001" in page.url
    page.get_by_text("待评阅").first.wait_for()
    expect(page.locator(".st-key-practice-ans-app-mixed-q1-field-duplicates input")).to_have_value("3")
    expect(page.locator(".st-key-practice-ans-app-mixed-q1-field-missing input")).to_have_value("abc")
    expect(page.locator(".st-key-practice-ans-app-mixed-c3-judge").get_by_role("radio", name="错")).to_be_checked()
    expect(page.locator(".st-key-practice-ans-app-mixed-f1-text textarea")).to_have_value(re.compile("^点击率偏低"))
    assert page.locator("[data-testid=stAlertContainer]").all_inner_texts() == before
    assert page.get_by_text("Traceback").count() == 0
