"""Every doctest of the engine, service and data generators is collected by ``pytest`` (root conftest.py).

The doctests themselves run as their own pytest items (``simulator/...py::module.function``); this file
checks the collection: no module with examples is skipped, no Streamlit page or migration script is
imported, and nothing under ``tests/`` is collected twice.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = ("simulator/app/", "simulator/service/migrations/")
EXAMPLE = re.compile(r"^\s*>>> (?!\s*#)", re.MULTILINE)  # a prompt that is not a comment-only line


def _collected(*args: str) -> list[str]:
    """The node ids ``pytest --collect-only`` prints for ``args``, run from the repository root."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return [line for line in run.stdout.splitlines() if "::" in line]


def _modules_with_examples() -> set[str]:
    """Repository-relative paths of the modules under simulator/ and data/ with a ``>>>`` example."""
    found = set()
    for top in ("simulator", "data"):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if path.name != "__main__.py" and not rel.startswith(SKIPPED) and EXAMPLE.search(path.read_text("utf-8")):
                found.add(rel)
    return found


def test_every_module_with_examples_has_its_doctests_collected_and_test_modules_none():
    """One collection run: the engine's doctests, plus two test modules (one quotes a ``>>>`` prompt).

    A doctest item is named ``path::module.object``; a test function has no dot before any ``[``.
    """
    ids = _collected("simulator", "data", "tests/test_stats.py", "tests/browser/test_zh_text_browser.py")
    doctests = [node for node in ids if not node.startswith("tests/")]
    collected = {node.split("::")[0] for node in doctests}
    expected = _modules_with_examples()
    assert len(expected) >= 45
    assert collected == expected
    assert len(doctests) == len(set(doctests)) >= 130
    assert not [node for node in doctests if node.startswith(SKIPPED)]
    tests = [node for node in ids if node.startswith("tests/")]
    assert {node.split("::")[0] for node in tests} == {"tests/test_stats.py", "tests/browser/test_zh_text_browser.py"}
    assert not [node for node in tests if "." in node.split("::")[1].split("[")[0]]
