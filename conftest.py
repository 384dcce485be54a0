"""Repository-wide pytest configuration: collect the doctests of the engine and the data generators.

``pytest`` (testpaths in pyproject.toml) runs the tests under ``tests/`` plus, through this hook, the
doctests of every module under ``simulator/`` and ``data/``. Left out: the Streamlit app (its pages run
Streamlit calls at import), the Alembic migration scripts (they need Alembic's runtime context) and
``__main__.py`` files (importing one runs the CLI).
Modules under ``tests/`` are not doctest-collected, so no helper module there is imported twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

ROOT = Path(__file__).resolve().parent
DOCTEST_ROOTS = (ROOT / "simulator", ROOT / "data")
NOT_DOCTESTED = (ROOT / "simulator" / "app", ROOT / "simulator" / "service" / "migrations")


def doctested(path: Path) -> bool:
    """Whether pytest should collect the doctests of the Python file at ``path`` (tests/test_doctests.py checks it)."""
    path = path.resolve()
    if path.suffix != ".py" or path.name == "__main__.py":
        return False
    inside = any(path.is_relative_to(root) for root in DOCTEST_ROOTS)
    return inside and not any(path.is_relative_to(skip) for skip in NOT_DOCTESTED)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> DoctestModule | None:
    """Collect a module's doctests when :func:`doctested` says so (and ``--doctest-modules`` would not)."""
    if doctested(file_path) and not parent.config.option.doctestmodules:
        return DoctestModule.from_parent(parent, path=file_path)
    return None
