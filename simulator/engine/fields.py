"""Checking multi-field answers (field: value) against a key, with partial credit by weight.

A field is found by its name or its zh/en label (case and width ignored) and read by its kind: a
number (:mod:`simulator.engine.numbers`), 是/否, one or several options, or text compared normalised.

>>> specs = {"ctr": FieldSpec(precision=4), "ok": FieldSpec(kind="bool")}
>>> check_fields({"点击率": "6.77%", "ok": "否"}, {"ctr": 0.0677, "ok": True}, specs, tolerance=0.005).fraction
0.5
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from simulator.core.i18n import Msg, msg
from simulator.core.results import AnswerFormatError, Check
from simulator.engine import parsing
from simulator.engine.fieldspec import FieldSpec
from simulator.engine.numbers import diagnose, to_float


def norm_text(value: Any) -> str:
    """NFKC, stripped, case-folded text: '  Ａb ' → 'ab'."""
    return unicodedata.normalize("NFKC", str(value)).strip().casefold()


def is_blank(value: Any) -> bool:
    """True for None, NaN and blank text (a field or cell left empty).

    >>> [is_blank(v) for v in (None, float("nan"), "  ", 0, "-")]
    [True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _lookup(raw: Mapping[Any, Any], name: str, spec: FieldSpec) -> Any:
    """The raw value of field ``name``: by name, or by its zh/en label (case/width-insensitive)."""
    if name in raw:
        return raw[name]
    wanted = {norm_text(name)} | {norm_text(spec.label(name).render(lang)) for lang in ("zh", "en")}
    for k, v in raw.items():
        if norm_text(k) in wanted:
            return v
    return None


def _choice_set(value: Any) -> frozenset[str]:
    """One or several chosen options as a set of normalised texts."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(norm_text(v) for v in value)
    return frozenset({norm_text(value)})


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
            out[name] = None if is_blank(value) else parse_value(value, spec)
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
        ok = norm_text(value) == norm_text(key)
    return (1.0, [msg("check.correct")]) if ok else (0.0, [msg("check.field_mismatch")])


def check_fields(raw: Mapping[Any, Any], key: Mapping[str, Any], specs: dict[str, FieldSpec], *, tolerance: float,
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


