"""Task kinds, one module each (see :mod:`simulator.tasks.base` for what a module defines).

A new kind is one file here, one name in ``_KINDS`` and one test file ``tests/tasks/test_<kind>.py``;
``tests/test_conventions.py`` fails if any of the three is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_KINDS = ("metric", "report_table", "data_quality", "choice", "free_text",
          "five_a_map", "ab_test", "sample_size", "roi_forecast",
          "kpi_tree", "budget_table", "matrix_review",
          "risk_review", "summary_report")


def kinds() -> tuple[str, ...]:
    """Every registered task kind name."""
    return _KINDS


def get(kind: str) -> ModuleType:
    """The module of ``kind``; ``KeyError`` for an unknown kind."""
    if kind not in _KINDS:
        raise KeyError(kind)
    module = importlib.import_module(f"simulator.tasks.{kind}")
    assert module.KIND == kind, f"{module.__name__}.KIND is {module.KIND!r}"
    return module
