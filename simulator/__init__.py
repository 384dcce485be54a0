"""全媒体运营师 operations-analytics training simulator.

The public API (see ``contract.md``)::

    from simulator import load_scenario, generate_datasets, answer_key, grade
    sc = load_scenario("l4-traffic-ads")
    frames = generate_datasets(sc, "t-1")

The package is laid out by layer, each importing only the ones below it (``docs/architecture.md``):
``core`` → ``engine`` → ``tasks`` → ``assessment`` → ``service`` → ``cli`` and ``app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the lazy names below resolve to, for readers and mypy
    from simulator.assessment.datasets import generate_datasets
    from simulator.assessment.grading import answer_key, grade
    from simulator.assessment.scenario import Scenario, ScenarioError, load_scenario

_API = {
    "generate_datasets": "simulator.assessment.datasets",
    "answer_key": "simulator.assessment.grading",
    "grade": "simulator.assessment.grading",
    "Scenario": "simulator.assessment.scenario",
    "ScenarioError": "simulator.assessment.scenario",
    "load_scenario": "simulator.assessment.scenario",
}


def __getattr__(name: str) -> Any:
    """The public names load the engine (pandas, numpy) on first use, so store-only commands such as
    ``simulator exam results`` start quickly; ``from simulator import grade`` works as before."""
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Scenario", "ScenarioError", "answer_key", "generate_datasets", "grade", "load_scenario"]
__version__ = "0.1.0"
