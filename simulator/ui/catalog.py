"""The scenarios a trainee may practise, and the filters of the picker (level, direction, skill code).

Scenarios come from the shipped folder plus any folders listed in ``SIMULATOR_SCENARIO_DIRS``
(``os.pathsep``-separated; a classroom's own files). Mock-exam scenarios (those with
``duration_minutes``) are left out: practising one would show the same trainee their exam data.
A file that fails to load is skipped and logged, so one broken file never breaks the page.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from simulator import standard
from simulator.scenario import Scenario, ScenarioError, load_scenario, shipped_paths

log = logging.getLogger("simulator.ui")
ENV_DIRS = "SIMULATOR_SCENARIO_DIRS"


@dataclass(frozen=True)
class Entry:
    """One scenario in the picker."""

    scenario: Scenario
    skills: frozenset[str]
    """Every skill code its tasks train."""

    @property
    def id(self) -> str:
        return self.scenario.id

    def label(self, lang: str) -> str:
        """``"综合数据巡检 · L3 · 数据分析"`` (English direction names in en)."""
        sc = self.scenario
        direction = sc.direction if lang == "zh" else standard.DIRECTION_EN[sc.direction]
        return f"{sc.title.get(lang)} · {sc.level} · {direction}"


def scenario_paths() -> list[Path]:
    """Shipped scenario files, then ``*.yaml`` in each folder of ``SIMULATOR_SCENARIO_DIRS``."""
    paths = list(shipped_paths())
    for folder in filter(None, os.environ.get(ENV_DIRS, "").split(os.pathsep)):
        paths += sorted(Path(folder).glob("*.yaml")) + sorted(Path(folder).glob("*.yml"))
    return paths


def _load(path: Path) -> Scenario | None:
    try:
        return load_scenario(path)
    except (ScenarioError, OSError, ValueError):
        log.warning("scenario %s skipped: it does not load", path, exc_info=True)
        return None


def practice_entries(paths: Iterable[Path] | None = None) -> list[Entry]:
    """Loadable practice scenarios (no exam scenarios), first occurrence of each id, by level then id."""
    seen: dict[str, Entry] = {}
    for path in scenario_paths() if paths is None else paths:
        sc = _load(path)
        if sc is None or sc.duration_minutes or sc.id in seen:
            continue
        seen[sc.id] = Entry(sc, frozenset(s for task in sc.tasks for s in task.skills))
    order = {lv: i for i, lv in enumerate(standard.LEVELS)}
    return sorted(seen.values(), key=lambda e: (order[e.scenario.level], e.id))


def filter_entries(entries: Iterable[Entry], levels: Iterable[str] = (), directions: Iterable[str] = (),
                   skills: Iterable[str] = ()) -> list[Entry]:
    """Entries matching every non-empty filter (any of the chosen values within one filter).

    >>> filter_entries([], levels=["L3"])
    []
    """
    levels, directions, skills = set(levels), set(directions), set(skills)
    return [e for e in entries
            if (not levels or e.scenario.level in levels)
            and (not directions or e.scenario.direction in directions)
            and (not skills or e.skills & skills)]


def skill_label(code: str) -> str:
    """``"L3/6.1.4"`` → ``"L3/6.1.4 完成A/B测试"`` (the standard's own wording)."""
    return f"{code} {standard.SKILLS.get(code, '')}".strip()


def level_label(level: str, lang: str) -> str:
    """``"L3"`` → ``"L3 三级/高级工"`` in zh, ``"L3"`` in en."""
    return f"{level} {standard.LEVEL_NAMES[level]}" if lang == "zh" else level


def direction_label(direction: str, lang: str) -> str:
    return direction if lang == "zh" else standard.DIRECTION_EN[direction]
