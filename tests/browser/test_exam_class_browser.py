"""Five trainees in one exam, each in their own Chromium context, all pages open at the same time.

They join with the same code, answer at (nearly) the same instant and each sees 已保存 for their own
answer, which the store holds under their own id; while they only read, the pages send the server no
script run at all, yet every countdown keeps ticking; a reload of each tab resumes its own attempt.
"""

from __future__ import annotations

import re
import time

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from test_exam_browser import SAVED, SCENARIO, _create_exam, _join, _stored

pytestmark = pytest.mark.browser
CLASS = 5
TIME_LEFT = re.compile(r"剩余时间 1:(40:00|39:\d\d)")


def _reruns_sent(page) -> list[int]:  # noqa: ANN001 - a Playwright page
    """A growing list with one entry per script-run request the page sends over its WebSocket."""
    sent: list[int] = []

    def on_socket(ws) -> None:  # noqa: ANN001
        def on_frame(payload) -> None:  # noqa: ANN001
            if isinstance(payload, bytes | bytearray):
                msg = BackMsg()
                msg.ParseFromString(bytes(payload))
                if msg.WhichOneof("type") == "rerun_script":
                    sent.append(1)

        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", on_frame)

    page.on("websocket", on_socket)
    return sent


def test_five_trainees_answer_together_and_idle_pages_cost_no_script_runs(browser, app_url, app_data_dir):
    from playwright.sync_api import expect

    code = _create_exam(app_data_dir, SCENARIO)
    trainees = [f"C5-{i:03d}" for i in range(1, CLASS + 1)]
    answers = {who: f"{i}.25%" for i, who in enumerate(trainees, start=1)}
    contexts = [browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}) for _ in trainees]
    try:
        pages, sent = [], []
        for context, who in zip(contexts, trainees, strict=True):
            context.set_default_timeout(60_000)
            page = context.new_page()
            sent.append(_reruns_sent(page))
            _join(page, app_url, code, who)  # clicks 进入考试 and moves on: the joins overlap
            pages.append(page)
        for page in pages:
            page.get_by_text(TIME_LEFT).first.wait_for()

        # Reading only: no page asks the server for a script run, and every countdown still moves.
        shown = [page.get_by_text(TIME_LEFT).first.inner_text() for page in pages]
        before = [len(s) for s in sent]
        time.sleep(2.5)
        assert [len(s) for s in sent] == before
        assert all(p.get_by_text(TIME_LEFT).first.inner_text() != s for p, s in zip(pages, shown, strict=True))

        for page, who in zip(pages, trainees, strict=True):  # everybody types, then everybody waits
            box = page.get_by_label("你的答案").first
            box.fill(answers[who])
            box.press("Enter")
        for page in pages:
            page.get_by_text(SAVED).first.wait_for()
        assert {who: _stored(app_data_dir, code, who).get("t1") for who in trainees} == answers

        for page in pages:
            page.reload()
        for page, who in zip(pages, trainees, strict=True):
            page.get_by_text(SAVED).first.wait_for()
            expect(page.get_by_label("你的答案").first).to_have_value(answers[who], timeout=60_000)
            assert f"trainee={who}" in page.url
            assert page.get_by_text("Traceback").count() == 0
    finally:
        for context in contexts:
            context.close()
