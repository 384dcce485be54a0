"""The shape every task kind has, and the result types they return.

A task kind is one module in ``simulator/tasks/`` defining:

- ``KIND``: the name used as ``kind:`` in scenario files;
- ``Params``: a pydantic model (subclass :class:`TaskParams`) of the task's ``params:``;
- ``make(params, data, ctx) -> dict``: the answer (JSON-ready, canonical units) from the trainee's data;
- ``parse(raw, params, ctx)``: turns a submitted answer into a value ``check`` understands, or raises
  :class:`AnswerFormatError` (a format problem: no points lost, status ``invalid``);
- ``check(answer, parsed, params, ctx) -> Check``: fraction of the points earned and feedback messages;
- ``as_raw(answer, params, ctx)``: the key written the way a trainee would submit it (selftest's full marks);
- ``perturb(answer, params, ctx, rng)``: a plausible wrong submission (selftest's "scores less");
- ``malformed(params)``: a submission that must be a format error;
- ``describe(params, lang) -> str``: the task's instruction text for the task sheet (units and rounding).

Making a variant and checking an answer are separate steps, so a key is plain JSON that can be stored,
re-graded and audited. The result types (:class:`TaskParams`, :class:`TaskContext`, :class:`Check`,
:class:`AnswerFormatError`) live in :mod:`simulator.core.results`, below the engine; they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from simulator.core.forms import AnswerForm
from simulator.core.results import AnswerFormatError, Check, Status, TaskContext, TaskParams

__all__ = ["AnswerFormatError", "Check", "Status", "TableLike", "TaskContext", "TaskParams"]

TableLike = pd.DataFrame | str | Path | bytes


# ----------------------------------------------------------------------------- what make() gives


@dataclass(frozen=True)
class Made:
    """What a kind's ``make`` gives for one trainee: the public question and the key, kept apart.

    ``question`` is what a trainee may see to answer (choice options, segment levels, platform levels …);
    forms are built from it and the params only. ``key`` is never shown: it is stored as the task's
    ``"answer"`` in the key document and graded against (a choice key keeps its options too).

    >>> made = Made({"options": {"A": "抖音"}}, {"value": "A", "options": {"A": "抖音"}})
    >>> made.question["options"]["A"], made.key["value"]
    ('抖音', 'A')
    """

    question: dict[str, Any]
    """What a trainee may see (choice options, segment levels …); forms are drawn from it."""
    key: dict[str, Any]
    """The answer, never shown (the key document's ``"answer"``)."""


@runtime_checkable
class TaskKind(Protocol):
    """What every task kind module provides (a module is used as an implementation of this protocol).

    Optional hooks (``fragile``, ``probes``, ``MAX_ANSWER_CHARS``) are not part of it: callers reach them
    through :mod:`simulator.tasks` (``registry.fragile``, ``registry.probes``, ``registry.max_answer_chars``),
    which supplies the default when a kind has none.
    """

    @property
    def KIND(self) -> str:  # noqa: N802 - a module constant
        """The name used as ``kind:`` in scenario files."""
        ...

    @property
    def Params(self) -> type[TaskParams]:  # noqa: N802 - a module's model class
        """The pydantic model of the task's ``params:``."""
        ...

    def make(self, params: Any, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> Made:
        """The public question and the key (JSON-ready, canonical units) from the trainee's data."""
        ...

    def parse(self, raw: Any, params: Any, ctx: TaskContext | None = None) -> Any:
        """A submitted answer as ``check`` reads it; :class:`AnswerFormatError` for a format problem."""
        ...

    def check(self, answer: Any, parsed: Any, params: Any, ctx: TaskContext) -> Check:
        """Fraction of the points earned and feedback, against ``answer`` (the key)."""
        ...

    def form(self, params: Any, question: Mapping[str, Any]) -> AnswerForm:
        """The inputs the task asks for, from the params and the public question only."""
        ...

    def as_raw(self, answer: Any, params: Any, ctx: TaskContext | None = None) -> Any:
        """The key written the way a trainee would submit it."""
        ...

    def perturb(self, answer: Any, params: Any, ctx: TaskContext | None, rng: np.random.Generator) -> Any:
        """A plausible wrong submission."""
        ...

    def malformed(self, params: Any) -> Any:
        """A submission that must be a format error."""
        ...

    def describe(self, params: Any, lang: str = "zh") -> str:
        """The task's instruction text for the task sheet."""
        ...


@dataclass(frozen=True)
class ReportTable:
    """One report table a key holds (a ``report_table`` key, or one sheet of a workbook), as read from the
    key document: what the brief's checks need to see that every grouping has enough rows."""

    label: str
    """Where it is: the task id, or ``task/sheet``."""
    by: list[str]
    """Grouping columns."""
    rows: list[Mapping[str, Any]]
    """The key's records."""
