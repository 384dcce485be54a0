"""Declarative answer forms: what a task asks the trainee to enter, without any widget code.

A task kind describes its inputs once (``form(params, question)`` in its module); the practice page,
the exam page, the restore of a saved exam answer, the instructor's grading view and the task sheet
all draw or read any kind from that description. Every field knows:

- ``name``: where its value goes in the raw answer (``None``: the field *is* the whole answer, as for
  a single number or a choice);
- ``key``: the widget-key parts under the page's prefix (kept stable so saved exam answers and tests
  find their widgets);
- ``label``: a catalog message, rendered in the trainee's language.

A raw answer is assembled from the fields' values by :func:`assemble` and taken apart again (for
restoring a saved answer) by :func:`split`; both are pure, so they are tested without Streamlit.

>>> from simulator.core.i18n import Msg
>>> one = AnswerForm((Number(name=None, key=("value",), label=Msg("ui.answer.value"), unit="ratio",
...                          precision=4),))
>>> assemble(one, {None: "3.45%"})
'3.45%'
>>> split(one, "3.45%")
{None: '3.45%'}
>>> two = AnswerForm((Number("roi", ("field", "roi"), Msg("x")), YesNo("increase", ("field", "increase"), Msg("y"))))
>>> assemble(two, {"roi": "2.5", "increase": None})
{'roi': '2.5'}
>>> split(two, {"roi": 2.5, "increase": True, "other": 1})
{'roi': 2.5, 'increase': True}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from simulator.core.i18n import Msg

Unit = str
"""ratio, money, count, seconds, multiple, … (sets the input's placeholder and the precision note)."""


@dataclass(frozen=True)
class Number:
    """One number, typed as text so ``3.45%``, ``1,234.5`` and ``1.2万`` work."""

    name: str | None
    key: tuple[str, ...]
    label: Msg
    unit: Unit | None = None
    """The number's unit (None: no placeholder example)."""
    precision: int | None = None
    """Decimals asked for; shown beside the label."""


@dataclass(frozen=True)
class Text:
    """Free text (a short written answer, or a text field of a multi-field answer)."""

    name: str | None
    key: tuple[str, ...]
    label: Msg
    multiline: bool = True
    max_chars: int = 20_000
    min_chars: int | None = None
    """Shortest answer graded (shown in the label); None when any length is taken."""
    hint: str | None = None
    """Catalog key of the placeholder of a one-line box (e.g. ``ui.answer.text_hint``); None: no placeholder."""


@dataclass(frozen=True)
class YesNo:
    """是/否 (``words="ui.answer"``) or 对/错 (``words="ui.choice"``), without a preselection."""

    name: str | None
    key: tuple[str, ...]
    label: Msg
    words: str = "ui.answer"


@dataclass(frozen=True)
class Option:
    """One option of a choice: the value submitted and what the trainee sees."""

    value: str
    shown: Msg | str
    """A message (e.g. "none of these") or a name from the trainee's data, shown as is."""


@dataclass(frozen=True)
class Choice:
    """One option (radio) or several (multiselect), lettered A. B. C. … in order."""

    name: str | None
    key: tuple[str, ...]
    label: Msg
    options: tuple[Option, ...]
    multiple: bool = False
    lettered: bool = True
    """Whether the widget prefixes each option with its letter (``A. 抖音``)."""


@dataclass(frozen=True)
class Group:
    """A row of numbers under one heading, e.g. users per 5A stage: ``{part: text}``."""

    name: str
    key: tuple[str, ...]
    label: Msg
    parts: tuple[tuple[str, Msg | str], ...]
    """(part code, its label) in order; each part's widget key is ``key + (part,)``."""
    unit: Unit | None = None


@dataclass(frozen=True)
class Grid:
    """An editable text grid: rows × columns of numbers.

    ``joined=True`` gives ``{"row>col": text}`` (5A flows); otherwise ``{row: {col: text}}`` (segments).
    ``skip`` names cells that are never asked (e.g. ``("none", "none")``).
    """

    name: str
    key: tuple[str, ...]
    label: Msg
    rows: tuple[tuple[str, Msg | str], ...]
    columns: tuple[tuple[str, Msg | str], ...]
    help: Msg | None = None
    joined: bool = True
    skip: tuple[tuple[str, str], ...] = ()
    row_values: str | None = None
    """When the rows are values of a data column (e.g. ``gender``): that column, so each row is shown
    with its value label in the trainee's language (``女`` / ``female``); the row codes stay canonical."""


@dataclass(frozen=True)
class Upload:
    """A table uploaded as CSV or XLSX; the raw answer is the file's bytes."""

    key: tuple[str, ...] = ("file",)
    dataset: str | None = None
    """Dataset whose column labels the upload's headers may use (for reading Chinese headers)."""
    key_columns: tuple[str, ...] = ()
    """Columns that identify a row (for showing which rows are wrong); never key values."""
    precision: tuple[tuple[str, int], ...] = ()
    """(column, decimals) the task asks for, shown beside the table."""
    name: None = None


Field = Number | Text | YesNo | Choice | Group | Grid | Upload


class SpecLike(Protocol):
    """What :func:`spec_fields` reads of a field spec (:class:`simulator.engine.checking.FieldSpec`)."""

    @property
    def kind(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def precision(self) -> int | None: ...

    @property
    def options(self) -> tuple[str, ...]: ...

    def label(self, name: str) -> Msg: ...


def spec_field(name: str, spec: SpecLike) -> Field:
    """The input of one graded field of a multi-field answer, under the widget key ``("field", name)``.

    是/否 for a bool, a lettered multiselect for a choice with options, a number box (with the field's
    unit and precision) for a number, else a one-line text box.

    >>> from types import SimpleNamespace
    >>> spec = SimpleNamespace(kind="bool", unit="ratio", precision=None, options=(),
    ...                        label=lambda n: Msg(f"f.{n}"))
    >>> spec_field("significant", spec)
    YesNo(name='significant', key=('field', 'significant'), label=Msg(key='f.significant', args={}), words='ui.answer')
    """
    key = ("field", name)
    label = spec.label(name)
    if spec.kind == "bool":
        return YesNo(name, key, label)
    if spec.kind == "choice" and spec.options:
        options = tuple(Option(o, o) for o in spec.options)
        return Choice(name, key, label, options, multiple=True)
    if spec.kind == "number":
        return Number(name, key, label, unit=spec.unit, precision=spec.precision)
    return Text(name, key, label, multiline=False, hint="ui.answer.text_hint")


def spec_fields(specs: Mapping[str, SpecLike]) -> tuple[Field, ...]:
    """One input per graded field, in the specs' order (see :func:`spec_field`)."""
    return tuple(spec_field(name, spec) for name, spec in specs.items())


@dataclass(frozen=True)
class AnswerForm:
    """Everything a task asks for, in the order it is drawn."""

    fields: tuple[Field, ...]
    note: Msg | None = None
    """A line shown above the inputs (e.g. the options of a judgement)."""
    graded_by: Literal["auto", "rater"] = "auto"
    """``rater``: a teacher marks the answer against a rubric (the grading view lists such tasks)."""

    @property
    def upload(self) -> Upload | None:
        """The form's upload field, when the answer is a table."""
        found = [f for f in self.fields if isinstance(f, Upload)]
        return found[0] if found else None

    @property
    def whole(self) -> Field | None:
        """The one field whose value is the whole answer (``name is None``), else None."""
        found = [f for f in self.fields if f.name is None]
        return found[0] if len(self.fields) == 1 and found else None


def is_blank(value: Any) -> bool:
    """Nothing entered: None, blank text, or an empty list or mapping.

    >>> [is_blank(v) for v in (None, " ", [], {}, "0", 0, False)]
    [True, True, True, True, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def assemble(form: AnswerForm, values: Mapping[str | None, Any]) -> Any:
    """The raw answer from each field's entered value (by field name); None when nothing was entered."""
    whole = form.whole
    if whole is not None:
        value = values.get(None)
        return None if is_blank(value) else value
    answer = {f.name: values[f.name] for f in form.fields
              if f.name is not None and not is_blank(values.get(f.name))}
    return answer or None


def split(form: AnswerForm, raw: Any) -> dict[str | None, Any]:
    """Each field's value in a stored raw answer (the inverse of :func:`assemble`); unknown parts dropped."""
    if raw is None:
        return {}
    whole = form.whole
    if whole is not None:
        return {None: raw}
    if not isinstance(raw, Mapping):
        return {}
    names = {f.name for f in form.fields if f.name is not None}
    return {name: value for name, value in raw.items() if name in names}
