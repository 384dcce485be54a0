"""全媒体运营师 operations-analytics training simulator.

The public API (see ``contract.md``)::

    from simulator import load_scenario, generate_datasets, answer_key, grade
    sc = load_scenario("l4-traffic-ads")
    frames = generate_datasets(sc, "t-1")
"""

from __future__ import annotations

from simulator.datasets import generate_datasets
from simulator.grading import answer_key, grade
from simulator.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Scenario", "ScenarioError", "answer_key", "generate_datasets", "grade", "load_scenario"]
__version__ = "0.1.0"
