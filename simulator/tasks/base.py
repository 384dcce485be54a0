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

from pathlib import Path

import pandas as pd

from simulator.core.results import AnswerFormatError, Check, Status, TaskContext, TaskParams

__all__ = ["AnswerFormatError", "Check", "Status", "TableLike", "TaskContext", "TaskParams"]

TableLike = pd.DataFrame | str | Path | bytes
