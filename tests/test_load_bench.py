"""``benchmarks/load.py`` (a small run): its own app, trainees over the WebSocket protocol, the JSON report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_small_class_run_reports_renders_saves_cpu_memory_and_nothing_lost():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--trainees", "2", "--ramp", "0.5", "--think", "0.2",
           "--idle", "2", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["trainees"] == 2 and report["errors"] == 0 and report["lost"] == 0, report["error_samples"]
    for part in ("render_ms", "save_ms"):
        assert set(report[part]) >= {"p50", "p95", "max"}
        assert 0 < report[part]["p50"] <= report[part]["p95"] <= report[part]["max"]
    assert report["render_ms"]["n"] == 4  # each trainee opened the exam and reloaded it
    assert report["save_ms"]["n"] == report["acknowledged"] == 14  # seven answers each, each 已保存
    assert report["server_cpu_s"] > 0 and 50 < report["server_rss_mib"] < 2048
    assert report["idle"]["pages"] == 2 and report["idle"]["timer_reruns"] == 0
    assert report["idle"]["core_pct"] < 5  # open pages that only read cost the server next to nothing
