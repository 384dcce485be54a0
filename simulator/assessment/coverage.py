"""Which of the standard's skill codes the shipped scenarios train with auto-graded tasks.

:data:`DATA_COMPUTABLE` is the project's reading of ``standard.md``: the skills whose work can be
computed from data and so checked by a task kind against each trainee's own numbers. Skills that are
writing, judgement or platform operation (行业报告, 舆情处置, 营销方案 …) are left out; they can only be
trained by ``free_text`` tasks, which an instructor grades.

>>> sorted(trained([]))
[]
>>> DATA_COMPUTABLE <= set(standard.SKILLS)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from simulator import tasks as registry
from simulator.core import standard

if TYPE_CHECKING:
    from simulator.assessment.scenario import Scenario

DATA_COMPUTABLE: frozenset[str] = frozenset({
    # L4 流量运营 / 数据优化
    "L4/1.2.1", "L4/5.1.2", "L4/5.2.1", "L4/5.2.2", "L4/6.1.1", "L4/6.1.2", "L4/6.2.1", "L4/6.2.2",
    # L3 市场分析 / 流量运营 / 数据分析 / 数据优化
    "L3/1.1.1", "L3/5.2.1", "L3/5.2.3", "L3/5.2.4", "L3/5.3.1", "L3/6.1.1", "L3/6.1.2", "L3/6.1.3",
    "L3/6.1.4", "L3/6.2.2", "L3/6.2.3", "L3/7.1.1", "L3/7.1.2",
    # L2 数据分析 / 营销传播 / 运营管理
    "L2/1.1.1", "L2/1.1.2", "L2/1.1.3", "L2/1.2.1", "L2/1.2.2", "L2/1.2.3", "L2/3.3.1", "L2/3.3.2",
    "L2/4.1.1", "L2/4.1.2", "L2/4.3.2", "L2/4.3.3",
    # L1 资源规划 / 货品规划 / 财务预算 / 财务风控
    "L1/1.2.3", "L1/1.3.3", "L1/3.1.1", "L1/3.1.2", "L1/3.1.3", "L1/3.2.2",
})
"""Skill codes that can be trained by an auto-graded task (computed from the trainee's data)."""

def trained(scenarios: Iterable[Scenario]) -> set[str]:
    """Codes carried by auto-graded tasks of ``scenarios`` (:class:`simulator.assessment.scenario.Scenario` objects)."""
    return {code for sc in scenarios for task in sc.tasks
            if registry.graded_by(task.kind) == "auto" for code in task.skills}


def by_level(codes: Iterable[str]) -> dict[str, list[str]]:
    """Codes grouped by level (L4, L3, L2, L1 order), sorted within each.

    >>> by_level(["L2/4.1.1", "L4/6.1.1", "L2/1.1.1"])
    {'L4': ['L4/6.1.1'], 'L3': [], 'L2': ['L2/1.1.1', 'L2/4.1.1'], 'L1': []}
    """
    codes = set(codes)
    return {lv: sorted(c for c in codes if c.startswith(lv + "/")) for lv in standard.LEVELS}


def report(scenarios: Iterable[Scenario]) -> dict[str, dict[str, object]]:
    """Per level: the data-computable codes trained by auto-graded tasks, their count and the level's total."""
    done = by_level(trained(scenarios) & DATA_COMPUTABLE)
    possible = by_level(DATA_COMPUTABLE)
    return {lv: {"trained": done[lv], "count": len(done[lv]), "of": len(possible[lv])} for lv in standard.LEVELS}
