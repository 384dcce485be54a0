"""Checking one number against a key: tolerance, the precision rule, misconceptions and feedback.

Where a task states a precision (保留N位小数, 取整, 百分数保留N位) the answer must round to the key at that
precision (:func:`precision_matches`); an answer that matches only after coarser rounding is told so.
Without a stated precision the tolerance is relative (the scenario's ``tolerance``, default 0.5%). A
percent-typed answer ("6.77%") is compared as a fraction; counts whose key is a whole number must match
exactly. See docs/metrics.md, "How answers are checked".

>>> number_matches(0.0677, 0.067742, tolerance=0.0001, precision=4)
True
>>> check_number("6.77", 0.0677, unit="ratio", tolerance=0.005, precision=4)[1][0].key
'check.percent_slip'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.core import misconceptions
from simulator.core.i18n import Msg, msg
from simulator.engine import parsing
from simulator.engine.fieldspec import FieldSpec

_ABS_TOL = {"money": 0.005, "count": 1e-9, "seconds": 1e-6}


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


def key_matcher(key: float, unit: str, tolerance: float, precision: int | None,
                strict: bool = True) -> Callable[[float], bool]:
    """A one-argument predicate "matches key" with the unit's rules (whole counts exact)."""
    if unit == "count" and float(key).is_integer():
        return lambda v: abs(v - key) < 0.5 and float(v).is_integer()
    abs_tol = abs_tolerance(unit)
    return lambda v: number_matches(v, key, tolerance=tolerance, precision=precision, abs_tol=abs_tol,
                                    strict=strict)


def alternative_values(alt: Any) -> list[float]:
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
    is_key = key_matcher(key, unit, tolerance, precision, strict)
    return not is_key(alt) and not is_key(typed_like(alt, precision))


def matching_alternatives(given: float, key: float, alternatives: Mapping[str, Any] | None, *,
                          unit: str, tolerance: float, precision: int | None,
                          strict: bool = True) -> list[str]:
    """The misconception keys whose value ``given`` matches within tolerance, closest first.

    Misconceptions that do not separate from the key (:func:`separates`) are skipped.
    """
    found: dict[str, float] = {}
    for alt_key, alt in (alternatives or {}).items():
        for v in alternative_values(alt):
            if not separates(v, key, unit=unit, tolerance=tolerance, precision=precision, strict=strict):
                continue
            if key_matcher(v, unit, tolerance, precision, strict)(given):
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
            for v in alternative_values(alt):
                tested = separates(v, probe.key, unit=spec.unit, tolerance=tolerance,
                                   precision=spec.precision, strict=strict)
                margin = abs(v - probe.key) / width if width else math.inf
                out.append(Separation(misconceptions.canonical(alt_key), probe.where, v, margin, tested))
    return out


def is_percent_slip(given: float, key: float, *, unit: str, tolerance: float) -> bool:
    """True when a ratio is off by exactly 100× (percent typed as a fraction or the reverse)."""
    if key == 0 or unit != "ratio":
        return False
    loose = key_matcher(key, unit, tolerance, None)
    return bool(loose(given / 100) or loose(given * 100))


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
    if key_matcher(key, unit, tolerance, precision, strict)(given):
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

