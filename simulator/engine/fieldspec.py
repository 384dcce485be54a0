"""How one field or table column of an answer is checked (:class:`FieldSpec`), and its display name.

The lowest layer of checking: :mod:`simulator.engine.numbers`, :mod:`simulator.engine.fields` and
:mod:`simulator.engine.table_check` all read a field's kind, unit, precision and misconceptions from here.

>>> FieldSpec(unit="money", precision=2).label("cost").render("zh")
'消耗'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from simulator.core.i18n import Msg, has, msg, register
from simulator.engine import labels

FieldKind = Literal["number", "bool", "choice", "text"]


@dataclass(frozen=True)
class FieldSpec:
    """How one field (or one table column) of an answer is checked."""

    kind: FieldKind = "number"
    """number, bool (是/否), choice (option labels, one or a set) or text (compared normalised)."""
    unit: str = "ratio"
    """ratio, money, count, seconds, … (sets the absolute tolerance; whole-number counts are exact)."""
    precision: int | None = None
    """Decimals the task asks for (as a fraction for ratios); the key rounded to it is accepted."""
    weight: float = 1.0
    """Share of the field in the task's score, relative to the other fields."""
    label_key: str | None = None
    """Catalog key of the field's display name; ``None`` shows the field name itself."""
    alternatives: dict[str, float | list[float]] | None = None
    """Misconception catalog key → the value(s) that misconception gives (fields only)."""
    options: tuple[str, ...] = ()
    """For choice fields: the option texts (letters A, B, … name them in order)."""

    def label(self, name: str) -> Msg:
        """The field's display name: ``label_key``, else the column label of ``name``."""
        return msg(self.label_key) if self.label_key else column_msg(name)


def column_msg(column: str, dataset: str | None = None) -> Msg:
    """A column's display name as a message (zh label / canonical name), registered on first use.

    >>> column_msg("ctr").render("zh")
    '点击率'
    """
    key = f"column.{dataset}.{column}" if dataset else f"column.{column}"
    if not has(key):
        register({key: {"zh": labels.column_label(column, "zh", dataset), "en": column}})
    return msg(key)

