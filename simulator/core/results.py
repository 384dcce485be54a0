"""The result types every layer shares: a task's params base, its context, a check's outcome.

They sit at the bottom (``core``) so the engine's parsers and checkers (``simulator.engine.parsing``,
``uploads``, ``checking``, ``plantables``) can raise :class:`AnswerFormatError` and return :class:`Check`
without importing the task kinds above them. :mod:`simulator.tasks.base` re-exports them for the kinds.

>>> Check(1.0).final_status(), Check(0.5).final_status(), Check(0.0).final_status()
('correct', 'partial', 'wrong')
>>> Check(0.0, status="ungraded").final_status()
'ungraded'
>>> str(AnswerFormatError(Msg("parse.number")))
'parse.number'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

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

    def __init__(self, message: Msg) -> None:
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


__all__ = ["AnswerFormatError", "Check", "Status", "TaskContext", "TaskParams"]
