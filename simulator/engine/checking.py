"""Checking numbers, multi-field answers and tables against a key, with feedback that never reveals it.

Shared by every task kind. Where a task states a precision (保留N位小数, 取整, 百分数保留N位) the answer must
round to the key at that precision (:func:`precision_matches`); an answer that matches only after coarser
rounding is told so. Without a stated precision the tolerance is relative (the scenario's ``tolerance``,
default 0.5%). A percent-typed answer ("6.77%") is compared as a fraction; counts whose key is a whole
number must match exactly. See docs/metrics.md, "How answers are checked".

>>> number_matches(0.0677, 0.067742, tolerance=0.0001, precision=4)
True
>>> check_number("6.77", 0.0677, unit="ratio", tolerance=0.005, precision=4)[1][0].key
'check.percent_slip'
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from simulator.core import misconceptions
from simulator.core.i18n import Msg, has, msg, register
from simulator.core.value_labels import canonical_value
from simulator.engine import labels, parsing
from simulator.engine.uploads import NA_TOKENS
from simulator.tasks.base import AnswerFormatError, Check

FieldKind = Literal["number", "bool", "choice", "text"]
_ABS_TOL = {"money": 0.005, "count": 1e-9, "seconds": 1e-6}
_MAX_LISTED = 6


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


def rounding_msg(unit: str, precision: int) -> Msg:
    """How to round, in words, for a task sheet.

    >>> rounding_msg("ratio", 4).render("en")
    'as a fraction with 4 decimals, or as a percent with 2 decimals (e.g. 3.45%)'
    """
    if unit == "ratio":
        pp = max(precision - 2, 0)
        return msg("check.round.ratio", p=precision, pp=pp, example=f"{3.4512:.{pp}f}%")
    if unit in ("money", "seconds"):
        return msg(f"check.round.{unit}", p=precision)
    return msg("check.round.integer") if precision == 0 else msg("check.round.decimals", p=precision)


def format_number(value: float, unit: str, precision: int) -> str:
    """A value written the way a trainee would type it (ratios as percents when precise enough).

    >>> format_number(0.067742, "ratio", 4), format_number(1234.567, "money", 2)
    ('6.77%', '1,234.57')
    """
    if unit == "ratio" and precision >= 2:
        return f"{value * 100:.{precision - 2}f}%"
    return f"{value:,.{precision}f}"


def abs_tolerance(unit: str) -> float:
    """Absolute tolerance for ``unit``: half a fen for money, ~0 otherwise.

    >>> abs_tolerance("money")
    0.005
    """
    return _ABS_TOL.get(unit, 1e-9)


def _on_grid(value: float, decimals: int) -> bool:
    """True when ``value`` has at most ``decimals`` decimals (negative: a multiple of 10, 100, …)."""
    units = value * 10.0 ** decimals
    return bool(abs(units - round(units)) <= 1e-6 * max(1.0, abs(units)) ** 0.5)


def precision_matches(given: float, key: float, precision: int) -> bool:
    """The precision rule: ``given`` rounds to ``key`` at ``precision`` decimals.

    An answer written to the asked precision (or finer) may be one unit away from the exact key (half a
    unit for rounding plus half a unit of slack for the rounding direction); an answer written more
    coarsely must be the correctly rounded key with trailing zeros dropped.

    >>> precision_matches(9999.59, 9999.5912, 2), precision_matches(9999.595, 9999.5912, 2)
    (True, True)
    >>> precision_matches(10000, 9999.5912, 2), precision_matches(9999.6, 9999.5951, 2)
    (False, True)
    """
    step = 10.0 ** -precision
    eps = 1e-9 * step + 1e-12 * max(1.0, abs(key))
    allowed = step / 2 if _on_grid(given, precision - 1) else step
    return abs(given - key) <= allowed + eps


def coarser_precision(given: float, key: float, precision: int) -> int | None:
    """The decimals (fewer than ``precision``) at which ``given`` is ``key`` rounded, else ``None``.

    Used to tell a trainee "请保留N位小数" instead of "too high/low".

    >>> coarser_precision(10000, 9999.59, 2), coarser_precision(9990, 9999.59, 2)
    (0, -1)
    >>> coarser_precision(0.02, 0.019899, 4), coarser_precision(0.03, 0.019899, 4)
    (3, None)
    """
    if not (math.isfinite(given) and math.isfinite(key)) or given == 0 or key == 0:
        return None
    lowest = -math.floor(math.log10(abs(key)))
    for decimals in range(precision - 1, lowest - 1, -1):
        step = 10.0 ** -decimals
        if _on_grid(given, decimals) and abs(given - key) <= step * (1 + 1e-9):
            return decimals
    return None


def number_matches(given: float, key: float, *, tolerance: float, precision: int | None = None,
                   abs_tol: float = 1e-9, strict: bool = True) -> bool:
    """True when ``given`` is accepted for ``key``.

    With a stated ``precision`` the precision rule decides (:func:`precision_matches`); a scenario that
    relaxes it for practice (``strict=False``) accepts the relative ``tolerance`` too. Without a stated
    precision the answer must be within ``tolerance`` (relative) or ``abs_tol`` of the key.

    >>> number_matches(0.068, 0.067742, tolerance=0.005)
    True
    >>> number_matches(0.068, 0.067742, tolerance=0.005, precision=4)
    False
    >>> number_matches(0.068, 0.067742, tolerance=0.005, precision=4, strict=False)
    True
    """
    if not (math.isfinite(given) and math.isfinite(key)):
        return False
    if precision is not None and precision_matches(given, key, precision):
        return True
    if precision is not None and strict:
        return False
    return abs(given - key) <= max(tolerance * abs(key), abs_tol)


def acceptance_width(key: float, *, unit: str, tolerance: float, precision: int | None,
                     strict: bool = True) -> float:
    """How far from ``key`` an answer may be and still be accepted (for selftest's margins)."""
    if unit == "count" and float(key).is_integer():
        return 0.5
    width = 10.0 ** -precision if precision is not None else 0.0
    if precision is None or not strict:
        width = max(width, tolerance * abs(key), abs_tolerance(unit))
    return width


def _matcher(key: float, unit: str, tolerance: float, precision: int | None,
             strict: bool = True) -> Callable[[float], bool]:
    """A one-argument predicate "matches key" with the unit's rules (whole counts exact)."""
    if unit == "count" and float(key).is_integer():
        return lambda v: abs(v - key) < 0.5 and float(v).is_integer()
    abs_tol = abs_tolerance(unit)
    return lambda v: number_matches(v, key, tolerance=tolerance, precision=precision, abs_tol=abs_tol,
                                    strict=strict)


def _values(alt: Any) -> list[float]:
    """An alternative's value(s) as finite floats (None/NaN dropped)."""
    items = alt if isinstance(alt, (list, tuple)) else [alt]
    return [float(v) for v in items if v is not None and math.isfinite(float(v))]


def typed_like(value: float, precision: int | None) -> float:
    """``value`` as a trainee following the task would type it (rounded to the asked precision)."""
    return value if precision is None else round(value, precision)


def separates(alt: float, key: float, *, unit: str, tolerance: float, precision: int | None,
              strict: bool = True) -> bool:
    """True when a misconception's value is told apart from the key: neither it nor its rounding to
    the asked precision is accepted. A misconception that does not separate is not tested (for this
    trainee) and is never named.

    >>> separates(0.0201, 0.019899, unit="ratio", tolerance=0.005, precision=4)
    True
    >>> separates(0.01992, 0.019899, unit="ratio", tolerance=0.005, precision=4)
    False
    """
    is_key = _matcher(key, unit, tolerance, precision, strict)
    return not is_key(alt) and not is_key(typed_like(alt, precision))


def matching_alternatives(given: float, key: float, alternatives: Mapping[str, Any] | None, *,
                          unit: str, tolerance: float, precision: int | None,
                          strict: bool = True) -> list[str]:
    """The misconception keys whose value ``given`` matches within tolerance, closest first.

    Misconceptions that do not separate from the key (:func:`separates`) are skipped.
    """
    found: dict[str, float] = {}
    for alt_key, alt in (alternatives or {}).items():
        for v in _values(alt):
            if not separates(v, key, unit=unit, tolerance=tolerance, precision=precision, strict=strict):
                continue
            if _matcher(v, unit, tolerance, precision, strict)(given):
                name = misconceptions.canonical(alt_key)
                found[name] = min(found.get(name, math.inf), abs(given - v))
    return sorted(found, key=found.__getitem__)


@dataclass(frozen=True)
class Probe:
    """One graded number of a key with the misconceptions it recognises (for selftest's margins)."""

    where: str
    """The field, table cell ("C01 / ctr") or entry the number is."""
    key: float
    spec: FieldSpec
    """Unit, asked precision and ``alternatives`` (misconception key → value(s))."""


@dataclass(frozen=True)
class Separation:
    """How far one misconception's value lies from the key, in accepting widths."""

    misconception: str
    where: str
    value: float
    """What the misconception gives."""
    margin: float
    """|value − key| ÷ the accepting width; above 1 (and its rounding rejected) it is told apart."""
    tested: bool
    """Whether the value, as given or rounded to the asked precision, is outside the key's tolerance."""


def separations(probes: list[Probe], *, tolerance: float, strict: bool = True) -> list[Separation]:
    """Every (misconception, value) of ``probes`` with its margin from the key.

    >>> spec = FieldSpec(unit="ratio", precision=4, alternatives={"misc.filter_ignored": 0.0702})
    >>> [(s.tested, round(s.margin, 1)) for s in separations([Probe("value", 0.0677, spec)], tolerance=0.005)]
    [(True, 25.0)]
    """
    out = []
    for probe in probes:
        spec = probe.spec
        width = acceptance_width(probe.key, unit=spec.unit, tolerance=tolerance, precision=spec.precision,
                                 strict=strict)
        for alt_key, alt in (spec.alternatives or {}).items():
            for v in _values(alt):
                tested = separates(v, probe.key, unit=spec.unit, tolerance=tolerance,
                                   precision=spec.precision, strict=strict)
                margin = abs(v - probe.key) / width if width else math.inf
                out.append(Separation(misconceptions.canonical(alt_key), probe.where, v, margin, tested))
    return out


def is_percent_slip(given: float, key: float, *, unit: str, tolerance: float) -> bool:
    """True when a ratio is off by exactly 100× (percent typed as a fraction or the reverse)."""
    if key == 0 or unit != "ratio":
        return False
    loose = _matcher(key, unit, tolerance, None)
    return loose(given / 100) or loose(given * 100)


def precision_msg(unit: str, precision: int) -> Msg:
    """"请保留N位小数" for an answer that matches only after coarser rounding.

    >>> precision_msg("ratio", 4).render("zh")[-23:]
    '请保留4位小数(以百分数表示则保留2位小数)。'
    """
    if precision == 0:
        return msg("check.precision_needed_integer")
    if unit == "ratio" and precision >= 2:
        return msg("check.precision_needed_ratio", p=precision, pp=precision - 2)
    return msg("check.precision_needed", p=precision)


def diagnose(given: float, key: float, *, unit: str, tolerance: float, precision: int | None,
             alternatives: Mapping[str, Any] | None = None, strict: bool = True) -> tuple[float, list[Msg]]:
    """Scores a parsed number: (1, [correct]) or (0, [one message]): the misconception it matches
    (the closest), a precision that is too coarse, a 100× percent slip, or too high / too low."""
    if _matcher(key, unit, tolerance, precision, strict)(given):
        return 1.0, [msg("check.correct")]
    named = matching_alternatives(given, key, alternatives, unit=unit, tolerance=tolerance,
                                  precision=precision, strict=strict)
    if named:
        return 0.0, [misconceptions.message(named[0])]
    if precision is not None and coarser_precision(given, key, precision) is not None:
        return 0.0, [precision_msg(unit, precision)]
    if is_percent_slip(given, key, unit=unit, tolerance=tolerance):
        return 0.0, [msg("check.percent_slip")]
    return 0.0, [msg("check.too_high" if given > key else "check.too_low")]


def to_float(raw: Any) -> float:
    """A submitted number as a float (percent strings as fractions); ``AnswerFormatError`` if not one."""
    return float(parsing.parse_number(raw).value)


def check_number(raw: Any, key: float, *, unit: str, tolerance: float, precision: int | None,
                 alternatives: Mapping[str, Any] | None = None, strict: bool = True) -> tuple[float, list[Msg]]:
    """Parses ``raw`` (raising :class:`AnswerFormatError`) and scores it against ``key``.

    ``alternatives`` maps a misconception's catalog key to the value it gives; a match names it.

    >>> check_number("3.45%", 0.0345, unit="ratio", tolerance=0.005, precision=4)[0]
    1.0
    """
    return diagnose(to_float(raw), key, unit=unit, tolerance=tolerance, precision=precision,
                    alternatives=alternatives, strict=strict)


# ----------------------------------------------------------------------------- multi-field answers

def _norm_text(value: Any) -> str:
    """NFKC, stripped, case-folded text: '  Ａb ' → 'ab'."""
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _lookup(raw: Mapping[str, Any], name: str, spec: FieldSpec) -> Any:
    """The raw value of field ``name``: by name, or by its zh/en label (case/width-insensitive)."""
    if name in raw:
        return raw[name]
    wanted = {_norm_text(name)} | {_norm_text(spec.label(name).render(lang)) for lang in ("zh", "en")}
    for k, v in raw.items():
        if _norm_text(k) in wanted:
            return v
    return None


def _choice_set(value: Any) -> frozenset[str]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(_norm_text(v) for v in value)
    return frozenset({_norm_text(value)})


def parse_value(raw: Any, spec: FieldSpec) -> Any:
    """One field's value read by its kind: float, bool, list of chosen options, or normalised text.

    Raises :class:`AnswerFormatError` when unreadable.
    """
    if spec.kind == "number":
        return to_float(raw)
    if spec.kind == "bool":
        return parsing.parse_bool(raw)
    if spec.kind == "choice" and spec.options:
        return parsing.parse_choice(raw, list(spec.options), multiple=True)
    if spec.kind == "choice":
        tokens = raw if isinstance(raw, (list, tuple)) else re.split(r"[,、;/|\s]+", str(raw).strip())
        return [str(t).strip() for t in tokens if str(t).strip()]
    return parsing.normalise_text(raw)


def parse_fields(raw: Any, specs: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """Each field parsed by :func:`parse_value` (None when missing or blank), found by name or label.

    Raises :class:`AnswerFormatError` for a non-mapping or an unreadable field (naming the field).
    Call it from a kind's ``parse``; :func:`check_fields` accepts its result.
    """
    if not isinstance(raw, Mapping):
        raise AnswerFormatError(msg("check.not_a_mapping"))
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        value = _lookup(raw, name, spec)
        try:
            out[name] = None if _blank(value) else parse_value(value, spec)
        except AnswerFormatError as err:
            raise AnswerFormatError(msg("check.field_format", field=spec.label(name),
                                        detail=err.message)) from err
    return out


def score_value(value: Any, key: Any, spec: FieldSpec, *, tolerance: float,
                strict: bool = True) -> tuple[float, list[Msg]]:
    """Scores one parsed value (see :func:`parse_value`) against the key."""
    if spec.kind == "number":
        return diagnose(float(value), float(key), unit=spec.unit, tolerance=tolerance,
                        precision=spec.precision, alternatives=spec.alternatives, strict=strict)
    if spec.kind == "choice":
        ok = _choice_set(value) == _choice_set(key)
    elif spec.kind == "bool":
        ok = bool(value) == bool(key)
    else:
        ok = _norm_text(value) == _norm_text(key)
    return (1.0, [msg("check.correct")]) if ok else (0.0, [msg("check.field_mismatch")])


def check_fields(raw: Mapping[str, Any], key: Mapping[str, Any], specs: dict[str, FieldSpec], *, tolerance: float,
                 strict: bool = True) -> Check:
    """Per-field partial credit (by weight); a missing field scores 0 and is named.

    ``raw`` is the submitted mapping or :func:`parse_fields`' result. An unreadable field value raises
    :class:`AnswerFormatError` naming the field. ``details["fields"]`` maps each field to its score
    (0/1), ``details["wrong_fields"]`` lists the others.
    """
    values = parse_fields(raw, specs)
    scores: dict[str, float] = {}
    feedback: list[Msg] = []
    for name, spec in specs.items():
        if values[name] is None:
            scores[name] = 0.0
            feedback.append(msg("check.field_missing", field=spec.label(name)))
            continue
        scores[name], notes = score_value(values[name], key[name], spec, tolerance=tolerance, strict=strict)
        if scores[name] < 1:
            feedback.extend(msg("check.field_wrong", field=spec.label(name), reason=n) for n in notes)
    total = sum(s.weight for s in specs.values()) or 1.0
    fraction = sum(scores[n] * s.weight for n, s in specs.items()) / total
    right = sum(1 for s in scores.values() if s >= 1)
    feedback.insert(0, msg("check.fields_summary", right=right, total=len(specs)))
    wrong = [n for n, s in scores.items() if s < 1]
    return Check(fraction, feedback, details={"fields": scores, "wrong_fields": wrong})


# ----------------------------------------------------------------------------- tables

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


def norm_key(value: Any) -> str:
    """A grouping value as comparable text: dates 'YYYY-MM-DD', months 'YYYY-MM', numbers without '.0'.

    >>> [norm_key(v) for v in (" Ｃ01 ", "2024/1/5", pd.Timestamp("2024-01-05"), 3.0, "2024年3月")]
    ['C01', '2024-01-05', '2024-01-05', '3', '2024-03']
    """
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        stamp = pd.Timestamp(value)
        return str(stamp.strftime("%Y-%m-%d"))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if m := _DATE_RE.match(text):
        return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    if m := _MONTH_RE.match(text):
        return f"{m[1]}-{int(m[2]):02d}"
    if re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]
    return str(canonical_value(text))  # 已签收 / signed, product purchase / 商品购买: either language


def _row_key(record: Mapping[str, Any], key_columns: list[str]) -> str:
    return " / ".join(norm_key(record[c]) for c in key_columns)


def _find_column(frame: pd.DataFrame, name: str, spec: FieldSpec | None = None) -> str | None:
    """The frame's column for canonical ``name`` (exact, then case/width-insensitive, then by label)."""
    if name in frame.columns:
        return name
    wanted = {_norm_text(name)}
    if spec is not None:
        wanted |= {_norm_text(spec.label(name).render(lang)) for lang in ("zh", "en")}
    for col in frame.columns:
        if _norm_text(col) in wanted:
            return cast(str, col)
    return None


def _listing(rows: list[str]) -> str:
    shown = ", ".join(rows[:_MAX_LISTED])
    return shown + (" …" if len(rows) > _MAX_LISTED else "")


@dataclass
class _ColumnResult:
    """Outcome of one value column: wrong row keys, and how the wrong values relate to the key."""

    wrong: list[str]
    high: int = 0
    slips: int = 0
    coarse: int = 0
    alt_hits: dict[str, int] = field(default_factory=dict)


def _number_cell(value: Any, row: str, name: str) -> float:
    """One table cell as a float (NaN when blank or a placeholder such as ``-``/``#DIV/0!``)."""
    if _blank(value) or (isinstance(value, str) and value.strip().casefold() in NA_TOKENS):
        return math.nan
    try:
        return to_float(value)
    except AnswerFormatError as err:
        raise AnswerFormatError(msg("check.table_cell_format", row=row, column=column_msg(name),
                                    detail=err.message)) from err


def prepare_table(given: Any, key_columns: list[str], value_columns: Mapping[str, FieldSpec]) -> pd.DataFrame:
    """The table reduced to canonical key columns and numeric value columns, or a format error.

    Raises :class:`AnswerFormatError` when ``given`` is not a table, lacks a key column, or has a cell
    that is not a number (placeholders like ``-`` count as blank). Value columns it lacks are left out
    (:func:`check_table` names them as missing). Call it from a kind's ``parse``.
    """
    if not isinstance(given, pd.DataFrame):
        raise AnswerFormatError(msg("check.not_a_table"))
    out: dict[str, Any] = {}
    for c in key_columns:
        found = _find_column(given, c)
        if found is None:
            raise AnswerFormatError(msg("check.table_missing_key_column", column=column_msg(c)))
        out[c] = given[found]
    keys = pd.DataFrame(out, index=given.index)
    for name, spec in value_columns.items():
        found = _find_column(given, name, spec)
        if found is not None:
            out[name] = _number_column(given[found], name, keys)
    return pd.DataFrame(out, index=given.index)


def _number_column(values: pd.Series, name: str, keys: pd.DataFrame) -> np.ndarray:
    """A value column as floats (see :func:`_number_cell`); ``keys`` name the row of a bad cell."""
    if values.dtype.kind in "fiu":  # already numbers: blanks are NaN, nothing to parse
        numbers: np.ndarray = values.to_numpy(dtype=float)
        if not np.isinf(numbers).any():
            return numbers
    row_names = [" / ".join(norm_key(v) for v in r) for r in keys.itertuples(index=False)]
    return np.array([_number_cell(v, rk, name) for v, rk in zip(values, row_names, strict=True)], dtype=float)


def _given_rows(given: pd.DataFrame, key_columns: list[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Given rows by normalised row key (first occurrence) and the keys of repeated rows."""
    rows: dict[str, dict[str, Any]] = {}
    repeated: list[str] = []
    for record in given.to_dict("records"):
        if all(_blank(record[c]) for c in key_columns):
            continue
        rk = _row_key(record, key_columns)
        if rk in rows:
            repeated.append(rk)
        else:
            rows[rk] = record
    return rows, repeated


def _cell(record: Mapping[str, Any], name: str) -> float | None:
    value = record.get(name)
    return None if value is None or math.isnan(value) else float(value)


def _cell_ok(value: float | None, key: Any, spec: FieldSpec, tolerance: float, strict: bool = True) -> bool:
    """A cell matches: both blank (an undefined ratio, e.g. zero clicks), or the numbers match."""
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return value is None
    return value is not None and _matcher(float(key), spec.unit, tolerance, spec.precision, strict)(value)


def _check_column(name: str, spec: FieldSpec, keyed: dict[str, dict[str, Any]], given: dict[str, dict[str, Any]],
                  alt_rows: dict[str, dict[str, dict[str, Any]]],
                  tolerance: float, strict: bool = True) -> _ColumnResult:
    """Compares one value column over the key rows present in the given table."""
    res = _ColumnResult(wrong=[])
    for rk, key_rec in keyed.items():
        if rk not in given:
            continue
        value, key = _cell(given[rk], name), key_rec.get(name)
        if _cell_ok(value, key, spec, tolerance, strict):
            continue
        res.wrong.append(rk)
        if value is None or key is None:
            continue
        key = float(key)
        res.high += value > key
        res.slips += is_percent_slip(value, key, unit=spec.unit, tolerance=tolerance)
        alts = {misconceptions.canonical(k): rows.get(rk, {}).get(name) for k, rows in alt_rows.items()}
        named = matching_alternatives(value, key, alts, unit=spec.unit, tolerance=tolerance,
                                      precision=spec.precision, strict=strict)
        best = min((abs(value - v) for k in named[:1] for v in _values(alts[k])), default=0.0)
        for k in named:  # the closest mistake; mistakes giving the same number in this cell all count
            if any(abs(value - v) <= best + 1e-12 * max(1.0, abs(v)) for v in _values(alts[k])):
                res.alt_hits[k] = res.alt_hits.get(k, 0) + 1
        if not named and spec.precision is not None and coarser_precision(value, key, spec.precision) is not None:
            res.coarse += 1
    return res


def _column_feedback(label: Msg, res: _ColumnResult, spec: FieldSpec) -> list[Msg]:
    """Messages for one column's wrong cells: where, and the likely mistake (never the values)."""
    n = len(res.wrong)
    out = [msg("check.table_wrong_column", column=label, n=n, rows=_listing(res.wrong))]
    named = max(res.alt_hits, key=res.alt_hits.__getitem__, default=None)
    if named is not None and res.alt_hits[named] * 2 >= n:
        out.append(msg("check.table_column_alternative", column=label, reason=misconceptions.message(named)))
    elif res.coarse * 2 >= n and spec.precision is not None:
        out.append(msg("check.table_column_alternative", column=label,
                       reason=precision_msg(spec.unit, spec.precision)))
    elif res.slips * 2 >= n:
        out.append(msg("check.table_column_slip", column=label))
    elif res.high * 2 > n:
        out.append(msg("check.table_column_high", column=label))
    elif res.high * 2 < n:
        out.append(msg("check.table_column_low", column=label))
    return out


def _row_feedback(missing: list[str], extra: list[str]) -> list[Msg]:
    out = []
    if extra:
        out.append(msg("check.table_extra_rows", n=len(extra), rows=_listing(extra)))
    if missing:
        out.append(msg("check.table_missing_rows", n=len(missing), rows=_listing(missing)))
    return out


def check_table(given: pd.DataFrame, key_rows: list[dict[str, Any]], *, key_columns: list[str],
                value_columns: dict[str, FieldSpec], tolerance: float,
                alternatives: Mapping[str, list[dict[str, Any]]] | None = None, strict: bool = True) -> Check:
    """Grades a table: rows matched on ``key_columns`` in any order, one credit per correct cell.

    The score is correct cells / (key cells + cells of extra rows), so extra or repeated rows cost too.
    ``alternatives`` maps a misconception's catalog key to the table that misconception gives (same key
    columns, e.g. the mean of daily ratios): a column whose wrong cells mostly match it is named.
    ``details``: ``wrong_cells`` [[row key, column], …], ``missing_rows``, ``extra_rows``,
    ``missing_columns``, ``cells_right``, ``cells_total`` — never key values.
    """
    table = prepare_table(given, key_columns, value_columns)
    keyed = {_row_key(r, key_columns): r for r in key_rows}
    rows, repeated = _given_rows(table, key_columns)
    alt_rows = {k: {_row_key(r, key_columns): r for r in t} for k, t in (alternatives or {}).items()}
    missing = [rk for rk in keyed if rk not in rows]
    extra = [rk for rk in rows if rk not in keyed] + repeated
    feedback, wrong_cells, missing_cols = _row_feedback(missing, extra), [], []
    for name, spec in value_columns.items():
        if name not in table.columns:
            missing_cols.append(name)
            feedback.append(msg("check.table_missing_column", column=spec.label(name)))
            wrong_cells += [[rk, name] for rk in keyed if rk in rows]
            continue
        res = _check_column(name, spec, keyed, rows, alt_rows, tolerance, strict)
        wrong_cells += [[rk, name] for rk in res.wrong]
        feedback += _column_feedback(spec.label(name), res, spec) if res.wrong else []
    cells = len(value_columns) * len(keyed)
    right = cells - len(value_columns) * len(missing) - len(wrong_cells)
    total = cells + len(value_columns) * len(extra)
    feedback.insert(0, msg("check.table_summary", right=right, total=cells))
    details = {"wrong_cells": wrong_cells, "missing_rows": missing, "extra_rows": extra,
               "missing_columns": missing_cols, "cells_right": right, "cells_total": cells}
    return Check(right / total if total else 0.0, feedback, details=details)
