"""Reading what people type: numbers, yes/no, choices and dates, forgivingly.

Every failure is an :class:`~simulator.tasks.base.AnswerFormatError` carrying a bilingual catalog
message (a format problem, never a wrong answer).

>>> parse_number("3.45%")
Number(value=0.0345, percent=True, decimals=2)
>>> parse_number("￥1,234.00").value, parse_number("1.2万").value
(1234.0, 12000.0)
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulator.core.i18n import msg
from simulator.tasks.base import AnswerFormatError

_MULTIPLIERS = {"万": 1e4, "w": 1e4, "亿": 1e8, "千": 1e3, "k": 1e3, "百万": 1e6, "m": 1e6}
_CURRENCY = re.compile(r"^(?:rmb|cny|¥|\$|元)|(?:元|rmb|cny|¥)$")
_PLAIN = re.compile(r"^(?:\d+(?:\.(\d*))?|\.(\d+))(?:e[+-]?\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.(\d*))?$")


@dataclass(frozen=True)
class Number:
    """A typed number in canonical units (percent strings already divided by 100)."""

    value: float
    """The number; ``"3.45%"`` → 0.0345."""
    percent: bool
    """True when typed with a percent sign."""
    decimals: int | None
    """Decimals as typed (``"3.45%"`` → 2); None when unknown (exponent notation)."""


def normalise_text(s: str) -> str:
    """NFKC (full-width → half-width), stripped, runs of whitespace collapsed to one space.

    >>> normalise_text("  ＡＢ\u3000 c ")
    'AB c'
    """
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(s))).strip()


def preview(raw: Any, limit: int = 60, _depth: int = 0) -> str:
    """At most ``limit`` characters of a value for a message, without rendering all of a huge one.

    >>> preview("x" * 100, 5), preview([1, [2, 3]] * 1000, 12)
    ('xxxxx…', '[1, [2, 3], …')
    """
    if isinstance(raw, str):
        return raw if len(raw) <= limit else raw[:limit] + "…"
    if isinstance(raw, list | tuple | dict):
        if _depth >= 3:
            return "…"
        items = list(raw.items())[:8] if isinstance(raw, dict) else list(raw[:8])
        parts = [f"{preview(k, limit, _depth + 1)}: {preview(v, limit, _depth + 1)}" for k, v in items] \
            if isinstance(raw, dict) else [preview(v, limit, _depth + 1) for v in items]
        brackets = "{}" if isinstance(raw, dict) else "[]"
        return preview(brackets[0] + ", ".join(parts) + brackets[1], limit)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 200:
        return "(a very long number)"
    return preview(str(raw), limit)


def _fail(raw: Any) -> AnswerFormatError:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return AnswerFormatError(msg("parse.empty"))
    return AnswerFormatError(msg("parse.not_a_number", text=preview(raw)))


def parse_number(raw: Any) -> Number:
    """A number from a typed value: ``0.0345``, ``"3.45 %"``, ``"1,234.5"``, ``"１２３"``, ``"¥1,234"``,
    ``"1.2万"``, ``"3亿"``, ``"-5"``, ``"1e3"``, ``"(1,234)"`` (negative).

    Raises :class:`AnswerFormatError` for text that is not one number (``"abc"``, ``"1.2.3"``, ``"12%%"``).
    """
    if isinstance(raw, bool) or raw is None:
        raise _fail(raw)
    if isinstance(raw, int | float) or hasattr(raw, "dtype"):
        return _from_float(raw)
    if isinstance(raw, Decimal):
        return _from_float(float(raw), _decimals_of(str(raw)))
    if not isinstance(raw, str):
        raise _fail(raw)
    return _parse_text(raw)


def _from_float(raw: Any, decimals: int | None = None) -> Number:
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise _fail(raw) from None
    if not math.isfinite(value):
        raise _fail(raw)
    if decimals is None and float(value).is_integer() and not isinstance(raw, float):
        decimals = 0
    return Number(value, False, decimals if decimals is not None else _decimals_of(repr(value)))


def _decimals_of(text: str) -> int | None:
    if "e" in text.lower():
        return None
    return len(text.split(".")[1]) if "." in text else 0


def _parse_text(raw: str) -> Number:
    s = unicodedata.normalize("NFKC", raw).casefold().replace("\u2212", "-")
    s = re.sub(r"\s+", "", s)
    if len(s) > 100:  # no number anyone types is this long; Decimal would still parse 1e999999999
        raise _fail(raw)
    negative = False
    if s.startswith("(") and s.endswith(")"):
        s, negative = s[1:-1], True
    if s[:1] in "+-" and s:
        negative, s = negative ^ (s[0] == "-"), s[1:]
    s = _CURRENCY.sub("", _CURRENCY.sub("", s))
    if s[:1] in "+-" and s and not negative:
        negative, s = s[0] == "-", s[1:]
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    multiplier = 1.0
    for suffix, mult in _MULTIPLIERS.items():
        if s.endswith(suffix) and len(s) > len(suffix):
            s, multiplier = s[: -len(suffix)], mult
            break
    s = _CURRENCY.sub("", s)
    plain = _PLAIN.match(s) or _GROUPED.match(s)
    if not plain or (percent and multiplier != 1.0):
        raise _fail(raw)
    try:
        value = float(Decimal(s.replace(",", "")) * Decimal(str(multiplier)))
    except (ArithmeticError, ValueError):  # an exponent past Decimal's range
        raise _fail(raw) from None
    if not math.isfinite(value):  # 1e309 and 1e999999999 overflow to inf
        raise _fail(raw)
    value = -value if negative else value
    return Number(value / 100 if percent else value, percent, _decimals_of(s))


_TRUE = {"是", "对", "√", "✓", "✔", "yes", "y", "true", "t", "1", "正确", "是的", "真", "对的", "ok"}
_FALSE = {"否", "错", "×", "✗", "✘", "x", "no", "n", "false", "f", "0", "错误", "不是", "假", "不对", "错的"}


def parse_bool(raw: Any) -> bool:
    """是/否, 对/错, √/×, yes/no, true/false, y/n, 1/0, 正确/错误, T/F → bool.

    >>> parse_bool("√"), parse_bool("错误"), parse_bool("T")
    (True, False, True)
    """
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = normalise_text(raw if isinstance(raw, str) else "" if raw is None else str(raw))
    key = re.sub(r"[。.!!]+$", "", text.casefold())
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    if not text:
        raise AnswerFormatError(msg("parse.empty"))
    raise AnswerFormatError(msg("parse.not_a_bool", text=text[:60]))


def _letters(n: int) -> str:
    return "/".join(chr(ord("A") + i) for i in range(n))


def _match_option(token: str, options: list[str]) -> str | None:
    """The option a token names: its letter (``"b"``, ``"B."``) or its text (case/width-insensitive)."""
    key = normalise_text(token).casefold()
    texts = {normalise_text(o).casefold(): o for o in options}
    if key in texts:
        return texts[key]
    letter = re.fullmatch(r"([a-z])[.)、:]?", key)
    if letter and ord(letter.group(1)) - ord("a") < len(options):
        return options[ord(letter.group(1)) - ord("a")]
    return None


def parse_choice(raw: Any, options: list[str], multiple: bool) -> list[str]:
    """The chosen options (texts from ``options``, in option order) from letters or option texts.

    Accepts ``"A"``, ``"a"``, ``"A,C"``, ``"A、C"``, ``"AC"``, ``"ＡＣ"``, an option's text, or a list.

    >>> parse_choice("A、c", ["CTR", "CPM", "CPC"], multiple=True)
    ['CTR', 'CPC']
    """
    text = normalise_text(" ".join(map(str, raw)) if isinstance(raw, list | tuple) else
                          "" if raw is None else str(raw))
    if not text:
        raise AnswerFormatError(msg("parse.empty"))
    chosen = _choices_in(text, [str(o) for o in options], raw)
    if chosen is None:
        raise AnswerFormatError(msg("parse.not_a_choice", text=text[:60], letters=_letters(len(options))))
    picked = [o for o in options if str(o) in chosen]
    if not multiple and len(picked) != 1:
        raise AnswerFormatError(msg("parse.one_choice", text=text[:60]))
    return picked


def _choices_in(text: str, options: list[str], raw: Any) -> set[str] | None:
    if isinstance(raw, list | tuple):
        found = [_match_option(str(item), options) for item in raw]
        return None if None in found else set(found)  # type: ignore[arg-type]
    whole = _match_option(text, options)
    if whole is not None:
        return {whole}
    tokens = [t for t in re.split(r"[,、;/|\s]+|和|及", text) if t]
    found = [_match_option(t, options) for t in tokens]
    if tokens and None not in found:
        return set(found)  # type: ignore[arg-type]
    squeezed = re.sub(r"[,、;/|\s]+", "", text)
    if re.fullmatch(r"[A-Za-z]+", squeezed):
        found = [_match_option(ch, options) for ch in squeezed]
        if None not in found:
            return set(found)  # type: ignore[arg-type]
    return None


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
                      r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(raw: Any) -> str:
    """A date as ``YYYY-MM-DD`` from ``2024-11-11``, ``2024/11/11``, ``2024年11月11日``, ``20241111``,
    a date/datetime, or an Excel serial number (45607 → 2024-11-11).

    >>> parse_date("2024年11月11日"), parse_date(45607)
    ('2024-11-11', '2024-11-11')
    """
    if isinstance(raw, dt.datetime | dt.date):
        return raw.strftime("%Y-%m-%d")
    if hasattr(raw, "strftime"):  # pandas Timestamp, numpy datetime handled by pandas
        return str(raw.strftime("%Y-%m-%d"))
    text = normalise_text("" if raw is None else str(raw)).casefold()
    if not text:
        raise AnswerFormatError(msg("parse.empty"))
    try:
        return _date_from_text(text)
    except (ValueError, OverflowError):
        raise AnswerFormatError(msg("parse.not_a_date", text=text[:60])) from None


def _date_from_text(text: str) -> str:
    match = _DATE_RE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day).isoformat()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        serial = int(float(text))
        if 1 <= serial <= 2958465:
            return (_EXCEL_EPOCH + dt.timedelta(days=serial)).isoformat()
    raise ValueError(text)


def parse_month(raw: Any) -> str:
    """A month as ``YYYY-MM`` from ``2024-11``, ``2024/11``, ``2024年11月``, or any full date.

    >>> parse_month("2024年11月"), parse_month("2024-11-05")
    ('2024-11', '2024-11')
    """
    text = normalise_text("" if raw is None else str(raw)).casefold() \
        if not isinstance(raw, dt.date) and not hasattr(raw, "strftime") else ""
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", text)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    return parse_date(raw)[:7]


_WEEK_RE = re.compile(r"^(\d{4})[-\s]?(?:w|年第)(\d{1,2})周?$")
_RANGE_SPLIT = re.compile(r"\s*(?:~|～|至|到|—|–|--)\s*|\s+-\s+")


def parse_week(raw: Any) -> str:
    """A week as its Monday ``YYYY-MM-DD``: from any date in it, an ISO week (``2024-W45``,
    ``2024年第45周``) or a range (``2024-11-04~2024-11-10``, first date counts).

    >>> parse_week("2024-11-10"), parse_week("2024-W45"), parse_week("2024/11/04 至 2024/11/10")
    ('2024-11-04', '2024-11-04', '2024-11-04')
    """
    text = "" if isinstance(raw, dt.date) or hasattr(raw, "strftime") else \
        normalise_text("" if raw is None else str(raw)).casefold()
    match = _WEEK_RE.match(text)
    if match:
        try:
            return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1).isoformat()
        except ValueError:
            raise AnswerFormatError(msg("parse.not_a_date", text=text[:60])) from None
    parts = _RANGE_SPLIT.split(text) if text else []
    day = dt.date.fromisoformat(parse_date(parts[0] if len(parts) == 2 else raw))
    return (day - dt.timedelta(days=day.weekday())).isoformat()
