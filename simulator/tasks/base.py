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
re-graded and audited.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from simulator.core.forms import AnswerForm
from simulator.core.i18n import Msg

Status = Literal["correct", "partial", "wrong", "invalid", "ungraded"]


class TaskParams(BaseModel):
    """Base of every task kind's params model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    def datasets(self) -> list[str]:
        """Dataset names this task reads (override when not a single ``dataset`` field)."""
        name = getattr(self, "dataset", None)
        return [name] if isinstance(name, str) else []


@dataclass
class TaskContext:
    """What a task kind may need besides its params and data."""

    lang: str = "zh"
    """Language of messages (zh or en)."""
    tolerance: float = 0.005
    """Default relative tolerance for numbers (the scenario's ``tolerance``)."""
    base_dir: Path | None = None
    """Folder that relative table paths in an answers file are resolved against."""
    scenario: Any = None
    """The :class:`simulator.assessment.scenario.Scenario` (for context such as the platform population)."""
    strict_precision: bool = True
    """Whether a stated precision must be met (always in exams; a practice scenario may relax it)."""


class AnswerFormatError(ValueError):
    """A submission that cannot be read (not a wrong answer): carries a catalog message."""

    def __init__(self, message: Msg):
        super().__init__(message.key)
        self.message = message


@dataclass
class Check:
    """The outcome of checking one task's answer."""

    fraction: float
    """Share of the task's points earned, 0…1."""
    feedback: list[Msg] = field(default_factory=list)
    """Messages explaining the result without revealing the key."""
    status: Status | None = None
    """Forced status (``ungraded``); otherwise derived from ``fraction``."""
    details: dict[str, Any] = field(default_factory=dict)
    """Structured extras for the app, e.g. ``{"wrong_cells": [[row, column], ...]}`` (never key values)."""

    def final_status(self) -> Status:
        if self.status is not None:
            return self.status
        if self.fraction >= 1 - 1e-9:
            return "correct"
        return "partial" if self.fraction > 1e-9 else "wrong"


TableLike = pd.DataFrame | str | Path | bytes


# ----------------------------------------------------------------------------- what make() gives


@dataclass(frozen=True)
class Made(Mapping[str, Any]):
    """What a kind's ``make`` gives for one trainee: the public question and the key, kept apart.

    ``question`` is what a trainee may see to answer (choice options, segment levels, platform levels …);
    forms are built from it and the params only. ``key`` is never shown: it is stored as the task's
    ``"answer"`` in the key document and graded against (a choice key keeps its options too).

    Transitional: read as a mapping, a ``Made`` is its key, so code not yet moved to ``.key`` (the app's
    5A overview chart and choice options, issue 14) keeps working; new code reads ``.key``/``.question``.

    >>> made = Made({"options": {"A": "抖音"}}, {"value": "A", "options": {"A": "抖音"}})
    >>> made.question["options"]["A"], made.key["value"], made["value"]
    ('抖音', 'A', 'A')
    """

    question: dict[str, Any]
    key: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.key[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.key)

    def __len__(self) -> int:
        return len(self.key)


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

