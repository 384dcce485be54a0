"""Task kinds, one module each (see :class:`simulator.tasks.base.TaskKind` for what a module defines).

Kinds are discovered: every module of this package that defines ``KIND`` is one. A new kind is one file
here and one test file ``tests/tasks/test_<kind>.py``; ``tests/test_conventions.py`` fails if either is
missing. Optional hooks a kind may define are reached through this module, which supplies the default:
:func:`fragile`, :func:`probes` and :func:`max_answer_chars`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from simulator.core.cache import BoundedCache
from simulator.tasks.base import ReportTable, TaskKind

if TYPE_CHECKING:
    from simulator.engine.checking import Probe
    from simulator.tasks import (
        ab_test,
        budget_table,
        choice,
        data_quality,
        five_a_map,
        free_text,
        kpi_tree,
        matrix_review,
        metric,
        report_table,
        risk_review,
        roi_forecast,
        sample_size,
        summary_report,
    )

    _CONFORMING: tuple[TaskKind, ...] = (
        metric, report_table, data_quality, choice, free_text, five_a_map, ab_test, sample_size, roi_forecast,
        kpi_tree, budget_table, matrix_review, risk_review, summary_report)
    """Static check only (mypy): each kind module implements :class:`TaskKind`. Discovery does not use it;
    a new kind is found without being listed here (list it to have mypy check it too)."""

ORDER = ("metric", "report_table", "data_quality", "choice", "free_text",
         "five_a_map", "ab_test", "sample_size", "roi_forecast",
         "kpi_tree", "budget_table", "matrix_review",
         "risk_review", "summary_report")
"""The kinds' order in the JSON schema and ``simulator list`` (kept stable); kinds added later sort after,
by name."""
NOT_KINDS = ("base",)
"""Modules of the package that are not kinds (shared types)."""


_registry: BoundedCache[dict[str, ModuleType]] = BoundedCache("tasks.registry", size=1, copy=dict)
"""The discovered kinds (one value, found once per process); each caller gets its own dict."""


def _modules() -> dict[str, ModuleType]:
    """Kind name → module, for every module of the package with a ``KIND`` (in :data:`ORDER`, then by name)."""
    return _registry.get((), _discover)


def _discover() -> dict[str, ModuleType]:
    """What :func:`_modules` caches: the package's modules imported, in kind order."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in NOT_KINDS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if kind is None:
            continue
        if kind != info.name:
            raise RuntimeError(f"{module.__name__}.KIND is {kind!r}, not its module name")
        if not isinstance(module, TaskKind):
            raise RuntimeError(f"{module.__name__} lacks part of the TaskKind protocol")
        found[kind] = module
    return {k: found[k] for k in ordered(found)}


def ordered(names: Iterable[str]) -> list[str]:
    """Kind names in :data:`ORDER`, then the others by name.

    >>> ordered(["zeta_kind", "choice", "alpha_kind", "metric"])
    ['metric', 'choice', 'alpha_kind', 'zeta_kind']
    """
    rank = {kind: i for i, kind in enumerate(ORDER)}
    return sorted(names, key=lambda k: (rank.get(k, len(ORDER)), k))


def kinds() -> tuple[str, ...]:
    """Every task kind name, in a stable order.

    >>> kinds()[:3]
    ('metric', 'report_table', 'data_quality')
    """
    return tuple(_modules())


def get(kind: str) -> TaskKind:
    """The module of ``kind``; ``KeyError`` for an unknown kind."""
    return cast(TaskKind, _modules()[kind])


def fragile(kind: str, params: Any, data: Mapping[str, pd.DataFrame]) -> str | None:
    """Why the key of a task would not be robust on ``data`` (its kind's ``fragile`` hook); None: it is,
    or the kind has no such hook."""
    hook = getattr(_modules()[kind], "fragile", None)
    return hook(params, data) if callable(hook) else None


def has_fragile(kind: str) -> bool:
    """Whether the kind checks its keys for robustness (has a ``fragile`` hook)."""
    return callable(getattr(_modules()[kind], "fragile", None))


def probes(kind: str, answer: Any, params: Any) -> list[Probe]:
    """The misconception probes of a key (values a usual mistake gives); [] when the kind has no hook."""
    hook = getattr(_modules()[kind], "probes", None)
    return list(hook(answer, params)) if callable(hook) else []


def graded_by(kind: str) -> str:
    """Who grades the kind's answers: ``"auto"``, or ``"rater"`` for a kind with ``GRADED_BY = "rater"``."""
    return "rater" if getattr(_modules()[kind], "GRADED_BY", "auto") == "rater" else "auto"


def report_tables(kind: str, params: Mapping[str, Any], answer: Mapping[str, Any]) -> list[ReportTable]:
    """The report tables a key holds (its kind's ``report_tables`` hook, from the key document's params
    and answer), for checks that every grouping has enough rows; [] when the kind makes none."""
    hook = getattr(_modules()[kind], "report_tables", None)
    return list(hook(params, answer)) if callable(hook) else []


def has_question(kind: str) -> bool:
    """Whether the kind's tasks have a public question drawn from the data (a ``question`` hook); a kind
    without one has an empty question, so a page need not generate any data to draw its form."""
    return callable(getattr(_modules()[kind], "question", None))


def question(kind: str, params: Any, data: Mapping[str, pd.DataFrame], ctx: Any = None) -> dict[str, Any]:
    """The public question of a task without its key where the kind can (its ``question`` hook); {}
    for a kind without one. Always equal to ``make(...).question`` (tests/tasks/test_forms.py)."""
    hook = getattr(_modules()[kind], "question", None)
    return dict(hook(params, data, ctx)) if callable(hook) else {}


def max_answer_chars(kind: str) -> int | None:
    """The kind's own limit on an answer's characters (``MAX_ANSWER_CHARS``), else None."""
    limit = getattr(_modules()[kind], "MAX_ANSWER_CHARS", None)
    return limit if isinstance(limit, int) else None
