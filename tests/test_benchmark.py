"""The benchmark script runs and reports every number the README quotes (a quick, small run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_reports_generation_and_memory():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--quick", "--json"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for part in ("tour", "ads_only"):
        assert 0.5e6 < result[part]["cells"] < 2e6 and result[part]["rows_per_s"] > 0
    assert result["tour_scale1_s"] < 5 and 0 < result["peak_memory_mib"] < 1024


def test_peak_memory_is_the_fresh_process_own_not_its_large_parent():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench

    ballast = bytearray(300 * 1024 * 1024)  # this process now holds 300 MiB more than the child will
    ballast[::4096] = b"x" * len(ballast[::4096])
    done = subprocess.run([sys.executable, "-c", "x = 1\n" + bench.PEAK_RSS_CODE], capture_output=True, text=True)
    assert 0 < int(done.stdout) / 1024 < 100
