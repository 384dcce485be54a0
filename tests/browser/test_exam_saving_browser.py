"""Back-pressure and the browser's countdown, in Chromium: a save waiting for a stalled server shows
正在保存… (never 已保存) and becomes 已保存 once the server answers; a countdown that reaches zero locks
the page by itself, without the trainee doing anything, because the server then finds the time up.
"""

from __future__ import annotations

import os
import re
import signal
from datetime import UTC, datetime, timedelta

import pytest
from test_exam_browser import SAVED, SCENARIO, _join, _kill, _start_app, _stored

from simulator.service import exam_admin
from simulator.service.store import Store

pytestmark = pytest.mark.browser
SAVING_SHOWN = """() => [...document.querySelectorAll('[class*="st-key-exam-status-"].sim-saving')]
    .some(el => getComputedStyle(el, '::after').content === '"正在保存…"')"""
SAVING_READY = "() => window.__simSaving === true && typeof window.__simSavingTrigger === 'function'"
NOTHING_SAVING = """() => document.querySelectorAll('[class*="st-key-exam-status-"].sim-saving').length === 0"""


def _exam(data_dir, **kwargs) -> str:  # noqa: ANN001
    store = Store(f"sqlite:///{data_dir / 'simulator.db'}")
    try:
        return exam_admin.create_exam(str(SCENARIO), store=store, **kwargs).code
    finally:
        store.dispose()


def test_a_save_waiting_for_a_stalled_server_shows_saving_then_saved(browser, tmp_path):
    data = tmp_path / "data"
    code = _exam(data, minutes=100)
    env = {**os.environ, "SIMULATOR_DATA_DIR": str(data)}
    env.pop("SIMULATOR_DATABASE_URL", None)
    proc, url = _start_app(env, tmp_path / "app.log")
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        _join(page, url, code, "BP-001")
        box = page.get_by_label("你的答案").first
        box.fill("3.45%")
        # The marker's script mounts a moment after the inputs (a components-v2 element): a trainee takes
        # longer than that to type, the test must wait for it before stopping the server.
        page.wait_for_function(SAVING_READY)
        os.kill(proc.pid, signal.SIGSTOP)  # the server is saturated: nothing it does reaches the page
        try:
            box.press("Enter")
            page.wait_for_function(SAVING_SHOWN)
            assert page.get_by_text(SAVED).count() == 0 and _stored(data, code, "BP-001") == {}
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        page.get_by_text(SAVED).first.wait_for()
        page.wait_for_function(NOTHING_SAVING)
        assert _stored(data, code, "BP-001") == {"t1": "3.45%"}
        assert box.input_value() == "3.45%"
    finally:
        context.close()
        _kill(proc)


def test_the_countdown_reaching_zero_locks_the_page_by_itself(page, app_url, app_data_dir):
    now = datetime.now(UTC)
    code = _exam(app_data_dir, minutes=100, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(seconds=30))
    _join(page, app_url, code, "CD-001")
    page.get_by_text(re.compile(r"剩余时间 0:[0-2]\d")).first.wait_for()
    page.get_by_text("考试时间已到").first.wait_for(timeout=60_000)  # nobody clicked: the browser asked
    assert page.get_by_label("你的答案").first.is_disabled()
    assert page.get_by_text("Traceback").count() == 0
