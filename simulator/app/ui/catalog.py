"""The scenarios a trainee may practise, and the filters of the picker (level, direction, skill code).

Scenarios come from the shipped folder plus any folders listed in ``SIMULATOR_SCENARIO_DIRS``
(``os.pathsep``-separated; a classroom's own files). Mock-exam scenarios (those with
``duration_minutes``) are left out: practising one would show the same trainee their exam data.

The menu is built from each file's header (id, title, level, direction, skills) read as plain YAML,
so the first page needs neither the task kinds nor their statistics libraries; the chosen scenario is
fully validated by :meth:`Entry.load`. A file whose header cannot be read is skipped and logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator.assessment.scenario import MAX_SCENARIO_BYTES, Scenario, load_scenario, shipped_paths
from simulator.core import safeyaml, standard

log = logging.getLogger("simulator.app.ui")
ENV_DIRS = "SIMULATOR_SCENARIO_DIRS"


@dataclass(frozen=True)
class Entry:
    """One scenario in the picker (from its file's header)."""

    id: str
    path: Path
    title: dict[str, str]
    level: str
    direction: str
    skills: frozenset[str]
    """Every skill code its tasks train."""

    def label(self, lang: str) -> str:
        """``"综合数据巡检 · L3 · 数据分析"`` (English title and direction in en)."""
        title = self.title.get("en" if lang == "en" else "zh") or self.id
        return f"{title} · {self.level} · {direction_label(self.direction, lang)}"

    def load(self) -> Scenario:
        """The validated scenario (raises :class:`~simulator.assessment.scenario.ScenarioError` if the file is bad)."""
        return load_scenario(self.path)


def scenario_paths() -> list[Path]:
    """Shipped scenario files, then ``*.yaml`` in each folder of ``SIMULATOR_SCENARIO_DIRS``."""
    paths = list(shipped_paths())
    for folder in filter(None, os.environ.get(ENV_DIRS, "").split(os.pathsep)):
        paths += sorted(Path(folder).glob("*.yaml")) + sorted(Path(folder).glob("*.yml"))
    return paths


def _header(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise yaml.YAMLError("larger than the scenario size limit")
        data = safeyaml.load(path.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        log.warning("scenario %s skipped: it cannot be read", path, exc_info=True)
        return None
    return data if isinstance(data, dict) else None


def entry_of(path: Path) -> Entry | None:
    """The picker entry of a practice scenario file; None for exam scenarios and unreadable headers."""
    data = _header(path)
    if data is None or data.get("duration_minutes"):
        return None
    title, tasks = data.get("title"), data.get("tasks")
    if not (isinstance(data.get("id"), str) and isinstance(title, dict) and isinstance(tasks, list)
            and data.get("level") in standard.LEVELS and data.get("direction") in standard.DIRECTIONS):
        log.warning("scenario %s skipped: its header is incomplete", path)
        return None
    skills = frozenset(str(s) for task in tasks if isinstance(task, dict) for s in task.get("skills") or [])
    return Entry(data["id"], path, {str(k): str(v) for k, v in title.items()}, data["level"],
                 data["direction"], skills)


def practice_entries(paths: Iterable[Path] | None = None) -> list[Entry]:
    """Practice scenarios (no exam scenarios), first occurrence of each id, by level then id."""
    seen: dict[str, Entry] = {}
    for path in scenario_paths() if paths is None else paths:
        entry = entry_of(path)
        if entry is not None and entry.id not in seen:
            seen[entry.id] = entry
    order = {lv: i for i, lv in enumerate(standard.LEVELS)}
    return sorted(seen.values(), key=lambda e: (order[e.level], e.id))


def filter_entries(entries: Iterable[Entry], levels: Iterable[str] = (), directions: Iterable[str] = (),
                   skills: Iterable[str] = ()) -> list[Entry]:
    """Entries matching every non-empty filter (any of the chosen values within one filter).

    >>> filter_entries([], levels=["L3"])
    []
    """
    levels, directions, skills = set(levels), set(directions), set(skills)
    return [e for e in entries
            if (not levels or e.level in levels)
            and (not directions or e.direction in directions)
            and (not skills or e.skills & skills)]


def skill_label(code: str) -> str:
    """``"L3/6.1.4"`` → ``"L3/6.1.4 完成A/B测试"`` (the standard's own wording)."""
    return f"{code} {standard.SKILLS.get(code, '')}".strip()


def level_label(level: str, lang: str) -> str:
    """``"L3"`` → ``"L3 三级/高级工"`` in zh, ``"L3"`` in en."""
    return f"{level} {standard.LEVEL_NAMES[level]}" if lang == "zh" else level


def direction_label(direction: str, lang: str) -> str:
    return direction if lang == "zh" else standard.DIRECTION_EN[direction]
