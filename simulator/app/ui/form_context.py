"""Where and how one task's answer inputs are drawn (:class:`FormContext`), shared by the form renderer
(:mod:`simulator.app.ui.answer_forms`), the grid editor and the exam answer restore."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from simulator.assessment.scenario import TaskSpec


@dataclass(frozen=True)
class FormContext:
    """Where and how to draw one task's inputs."""

    task: TaskSpec
    params: Any
    frames: Mapping[str, pd.DataFrame]
    lang: str
    prefix: str
    """Widget-key prefix, unique per page, scenario and task."""
    disabled: bool = False
    on_change: Callable[[], None] | None = None
    """Called when any input changes (the exam page saves there)."""
    scenario: Any = None
    """The :class:`~simulator.assessment.scenario.Scenario`, for the public question built from the data."""
    trainee_id: str | None = None
    """Whose data the question comes from."""
    initial: Any = None
    """A saved answer to start from (the exam page after a reload), for inputs whose state cannot be
    preset through ``st.session_state`` (grids); other inputs are restored by the page."""
    question: Mapping[str, Any] | None = None
    """The task's public question when the caller has it already; None: built for ``trainee_id``."""

    def k(self, *parts: object) -> str:
        """The widget key of ``parts`` under this context's prefix.

        >>> FormContext(None, None, {}, "zh", "exam.ans.X.t1").k("field", "roi")  # type: ignore[arg-type]
        'exam.ans.X.t1.field.roi'
        """
        return ".".join([self.prefix, *(str(p) for p in parts)])
