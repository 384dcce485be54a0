"""Shared test material for the exam and store tests: a scenario, its tasks, a fake grader and a clock.

The fake grader stands in for :func:`simulator.grade` so these tests exercise the exam service alone;
``tests/test_exams.py`` also runs one exam through the real engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simulator.service.gradebook import TaskInfo

T0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
"""The injected clock's start: 09:00 in Beijing."""
SECRET_SEED = "987654321"
SCENARIO_YAML = f"""\
id: demo-exam
version: 1
title: {{zh: 模拟考试, en: Mock exam}}
seed: {SECRET_SEED}
duration_minutes: 100
tasks: []
"""
TASKS = [
    TaskInfo("t1", "metric", 10, ("L3/6.1.4",)),
    TaskInfo("t2", "choice", 10, ("L3/6.1.4", "L3/6.2.1")),
    TaskInfo("t3", "report_table", 30, ("L3/6.2.1",)),
    TaskInfo("t4", "free_text", 20, ("L3/7.2.1",)),
    TaskInfo("t5", "metric", 30, ("L3/6.2.1",)),
]
KEY = {"t1": "0.0345", "t2": "B", "t3": "table-ok", "t5": "42"}
"""The fake answer key: values no trainee-facing result may contain."""


def _correct(task: TaskInfo, raw: Any, key: dict[str, str], base_dir: Path) -> bool:
    if raw is None:
        return False
    if task.kind == "report_table":
        return (base_dir / raw).read_text("utf-8").strip() == key[task.id]
    return str(raw) == key[task.id]


def make_grader(key: dict[str, str] | None = None, calls: list | None = None):
    """A grader ``(yaml, trainee, answers, base_dir) -> grade JSON`` marking against ``key``."""
    key = dict(KEY if key is None else key)

    def grader(yaml_text: str, trainee_id: str, answers: dict[str, Any], base_dir: Path) -> dict:
        if calls is not None:
            calls.append((trainee_id, dict(answers)))
        tasks = []
        for task in TASKS:
            if task.kind == "free_text":
                tasks.append({"id": task.id, "score": 0.0, "max_score": task.points, "status": "ungraded",
                              "feedback": "待人工评分"})  # fmt: skip
                continue
            ok = _correct(task, answers.get(task.id), key, base_dir)
            score, status = (float(task.points), "correct") if ok else (0.0, "wrong")
            feedback = "正确" if ok else "请检查口径"
            tasks.append({"id": task.id, "score": score, "max_score": task.points, "status": status,
                          "feedback": feedback})  # fmt: skip
        score = sum(t["score"] for t in tasks)
        return {"scenario": "demo-exam", "trainee": trainee_id, "score": score, "max_score": 100,
                "passed": score >= 60, "tasks": tasks}  # fmt: skip

    return grader
