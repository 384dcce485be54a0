"""The exam page in a real browser: join with the code, see the countdown tick, type an answer, see
已保存; and a ``streamlit run app.py`` killed with SIGKILL mid-exam loses no answer the page showed saved.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.service import exam_admin, exams
from simulator.service.store import Store

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from appserver import free_port, wait_ready  # noqa: E402

pytestmark = pytest.mark.browser
SCENARIO = ROOT / "tests" / "app" / "fixtures" / "scenarios" / "app-ads.yaml"
SAVED = re.compile(r"已保存 \d\d:\d\d:\d\d")
RESTART_YAML = (ROOT / "tests" / "fixtures" / "scenarios" / "restart_exam.yaml").read_text("utf-8")


def _create_exam(data_dir: Path, scenario: Path) -> str:
    """An exam created in the store of an app (as an instructor or the CLI would)."""
    store = Store(f"sqlite:///{data_dir / 'simulator.db'}")
    try:
        return exam_admin.create_exam(str(scenario), minutes=100, store=store).code
    finally:
        store.dispose()


def _stored(data_dir: Path, code: str, trainee: str) -> dict[str, object]:
    store = Store(f"sqlite:///{data_dir / 'simulator.db'}")  # a new engine, as a restarted process has
    try:
        return {k: a.value for k, a in exams.saved_answers(code, trainee, store=store).items()}
    finally:
        store.dispose()


def _join(page, url: str, code: str, trainee: str) -> None:  # noqa: ANN001 - a Playwright page
    page.goto(f"{url}/exam")
    page.get_by_role("heading", name="考试").first.wait_for()
    page.get_by_label("考试码").fill(code)
    page.get_by_label("学号").fill(trainee)
    page.get_by_role("button", name="进入考试").click()


def _countdown(page) -> str:  # noqa: ANN001
    return page.get_by_text(re.compile(r"剩余时间 \d")).first.inner_text()


def test_join_see_the_countdown_and_the_saved_mark(page, app_url, app_data_dir):
    code = _create_exam(app_data_dir, SCENARIO)
    _join(page, app_url, code.lower(), "BX-001")
    page.get_by_text(re.compile(r"剩余时间 1:(40:00|39:5\d)")).first.wait_for()
    first = _countdown(page)
    time.sleep(2.2)
    assert _countdown(page) != first  # the server's clock ticks on the page
    answer = page.get_by_label("你的答案").first
    answer.fill("3.45%")
    answer.press("Enter")
    page.get_by_text(SAVED).first.wait_for()
    assert _stored(app_data_dir, code, "BX-001")["t1"] == "3.45%"
    assert "exam=" in page.url and "trainee=BX-001" in page.url
    assert page.get_by_text("Traceback").count() == 0


def _start_app(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]  # fmt: skip
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc)
    return proc, url


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL to the app's own process group (it leads it), then reap it."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_killing_streamlit_run_mid_exam_keeps_what_the_browser_saw_saved(browser, tmp_path):
    from playwright.sync_api import expect

    data = tmp_path / "data"
    scenario = tmp_path / "restart-exam.yaml"
    scenario.write_text(RESTART_YAML, "utf-8")
    code = _create_exam(data, scenario)
    env = {**os.environ, "SIMULATOR_DATA_DIR": str(data)}
    env.pop("SIMULATOR_DATABASE_URL", None)
    proc, url = _start_app(env, tmp_path / "app.log")
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        _join(page, url, code, "K-002")
        page.get_by_label("你的答案").fill("4.56%")
        page.get_by_label("你的答案").press("Enter")
        page.get_by_text(SAVED).first.wait_for()
        page.get_by_label("你的回答").fill("提高出价,更换素材。")
        page.get_by_label("你的回答").press("Tab")
        page.get_by_text(SAVED).nth(1).wait_for()
        _kill(proc)  # SIGKILL right after the acknowledgements
        assert proc.returncode == -signal.SIGKILL
        assert _stored(data, code, "K-002") == {"t1": "4.56%", "t2": "提高出价,更换素材。"}
        proc, url = _start_app(env, tmp_path / "app.log")
        page = context.new_page()
        page.goto(f"{url}/exam?exam={code}&trainee=K-002")  # the reload of the same tab
        page.get_by_text(SAVED).nth(1).wait_for()
        expect(page.get_by_label("你的答案")).to_have_value("4.56%")  # waits while the page renders
        expect(page.get_by_label("你的回答")).to_have_value("提高出价,更换素材。")
        page.get_by_text(re.compile(r"剩余时间 1:[34]\d:\d\d")).first.wait_for()
    finally:
        context.close()
        _kill(proc)
