"""Layout in a real browser, with screenshots kept beside the test log: the widest answer grid (5A flows,
seven T1 columns, as wide as 流转率) fits inside its task card, and greeting a returning trainee covers
nothing (no toast)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
BOX = "e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; }"


def test_the_flow_grid_fits_inside_its_card(page, app_url, tmp_path):
    page.goto(f"{app_url}/?scenario=app-5a&trainee=L-001")
    grid = page.locator(".st-key-practice-ans-app-5a-t1-flows")
    grid.locator("canvas").first.wait_for()
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "flow-rates-grid.png"))
    frame = grid.locator("[data-testid=stDataFrameResizable]").first
    card = page.locator("[data-testid=stVerticalBlock]").filter(has=grid).last.locator("xpath=..")
    left, right, _, _ = frame.evaluate(BOX)
    card_left, card_right, _, _ = card.evaluate(BOX)
    assert card_left <= left and right <= card_right + 0.5, (left, right, card_left, card_right)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    inner, shown = grid.locator(".dvn-scroller").first.evaluate("s => [s.scrollWidth, s.clientWidth]")
    assert inner <= shown, (inner, shown)  # every column is drawn without scrolling sideways (was 919 > 786)


def test_welcome_back_is_inline_and_no_toast_covers_the_page(page, app_url, tmp_path):
    for _ in range(2):  # the second time the id is known: 欢迎回来
        page.goto(f"{app_url}/?scenario=app-ads")
        page.get_by_label("学号").fill("L-002")
        page.get_by_role("button", name="开始练习").click()
        page.get_by_text("当前学员").wait_for()
        if page.get_by_text("欢迎回来").count():
            break
        page.get_by_role("button", name="更换学员").click()
        page.get_by_label("学号").wait_for()
    welcome = page.get_by_text("欢迎回来").first
    welcome.wait_for()
    page.screenshot(path=str(tmp_path / "welcome.png"))
    assert page.locator("[data-testid=stToast]").count() == 0
    _, _, top, bottom = welcome.evaluate(BOX)
    assert bottom > top and page.get_by_role("button", name="更换学员").is_visible()
