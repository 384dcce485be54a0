"""``mypy --strict`` is clean on the engine: simulator/ minus the Streamlit app ([tool.mypy] in pyproject.toml).

mypy runs in a subprocess with its cache in a temporary folder, so the result never depends on a stale
``.mypy_cache`` and the run leaves nothing in the repository.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_configured_scope_is_strict_on_simulator_without_the_app():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]
    assert config["strict"] is True
    assert config["packages"] == ["simulator"]
    assert config["exclude"] == ["^simulator/app/"]
    assert "ignore_missing_imports" not in config  # only per-module overrides for untyped libraries


@pytest.mark.timeout(300)
def test_mypy_strict_reports_no_errors(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "--no-color-output",
         "--no-error-summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, f"mypy --strict found errors:\n{run.stdout}{run.stderr}"
    assert not run.stdout.strip(), run.stdout
