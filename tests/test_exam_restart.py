"""Killing the app process mid-exam (SIGKILL) and restarting it loses no acknowledged answer.

The killed process runs the exam page's own code under Streamlit's AppTest: it types answer after
answer and reports each one only once the page showed 已保存 (the acknowledgement a trainee sees).
After the kill, a fresh process on the same SQLite file must hold every acknowledged answer (or a
later one) and the exam page must show it again. The same with the real ``streamlit run app.py`` and
Chromium is ``tests/browser/test_exam_browser.py::test_killing_streamlit_run_mid_exam…``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simulator.service import exam_admin, exams
from simulator.service.store import Store

ROOT = Path(__file__).resolve().parents[1]

EXAM_YAML = (ROOT / "tests" / "fixtures" / "scenarios" / "restart_exam.yaml").read_text("utf-8")
WORKER = textwrap.dedent('''
    """Exam page under AppTest: ``save`` types answers forever, ``read`` prints what the page shows."""
    import json, re, sys
    from streamlit.testing.v1 import AppTest

    app, mode, code, trainee = sys.argv[1:5]
    at = AppTest.from_file(app, default_timeout=60)
    at.query_params.update({"exam": code, "trainee": trainee})
    at.run()
    at.switch_page("simulator/app/pages/exam.py").run()
    key = "exam.ans.{}.{}.{{}}".format(code, trainee)
    if mode == "read":
        print(json.dumps({"t1": at.text_input(key=key.format("t1.value")).value,
                          "t2": at.text_area(key=key.format("t2.text")).value}), flush=True)
        sys.exit(0)
    for i in range(1, 500):
        task, widget = ("t1", at.text_input(key=key.format("t1.value"))) if i % 2 else \\
            ("t2", at.text_area(key=key.format("t2.text")))
        widget.input(f"{i}%" if task == "t1" else f"建议{i}").run()
        marks = [m.value for m in at.markdown if re.search(r"已保存 \\d\\d:\\d\\d:\\d\\d", m.value)]
        if at.exception or len(marks) != (1 if i == 1 else 2):
            print(json.dumps({"error": str(at.exception)}), flush=True)
            sys.exit(1)
        print(json.dumps({"ack": i, "task": task}), flush=True)
''')


@pytest.fixture
def setup(tmp_path: Path) -> tuple[dict[str, str], str, Path]:
    """The environment of the app processes, an exam code in their store, and the store's file."""
    data = tmp_path / "data"
    scenario = tmp_path / "restart-exam.yaml"
    scenario.write_text(EXAM_YAML, "utf-8")
    store = Store(f"sqlite:///{data / 'simulator.db'}")
    code = exam_admin.create_exam(str(scenario), minutes=100, store=store).code
    store.dispose()
    env = {**os.environ, "SIMULATOR_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    env.pop("SIMULATOR_DATABASE_URL", None)
    return env, code, data / "simulator.db"


def _stored(db: Path, code: str, trainee: str) -> dict[str, object]:
    store = Store(f"sqlite:///{db}")  # a new engine, as a restarted process has
    try:
        return {k: a.value for k, a in exams.saved_answers(code, trainee, store=store).items()}
    finally:
        store.dispose()


def _number(value: object) -> int:
    return int(re.sub(r"\D", "", str(value)))


def test_killing_the_app_process_keeps_every_acknowledged_answer(setup, tmp_path):
    env, code, db = setup
    worker = tmp_path / "exam_worker.py"
    worker.write_text(WORKER, "utf-8")
    cmd = [sys.executable, str(worker), str(ROOT / "app.py")]
    proc = subprocess.Popen([*cmd, "save", code, "K-001"], env=env, stdout=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=ROOT)  # fmt: skip
    last: dict[str, int] = {}
    try:
        assert proc.stdout is not None
        while len(last) < 2 or max(last.values()) < 8:
            line = proc.stdout.readline()
            assert line, "the worker stopped before being killed"
            doc = json.loads(line)
            assert "ack" in doc, doc
            last[doc["task"]] = doc["ack"]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # mid-exam, most likely mid-save
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    stored = _stored(db, code, "K-001")
    for task, acked in last.items():
        assert _number(stored[task]) >= acked, (task, stored[task], acked)  # acknowledged, or a later one
    shown = subprocess.run([*cmd, "read", code, "K-001"], env=env, capture_output=True, text=True, cwd=ROOT,
                           timeout=120, check=True)  # fmt: skip
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == stored
