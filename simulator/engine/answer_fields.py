"""Reading a multi-field answer (a mapping of field name or zh/en label → value), shared by the analytics
kinds (``ab_test``, ``roi_forecast``).

>>> specs = {"lift": FieldSpec("ratio", label_key="check.field.lift"), "significant": FieldSpec("bool")}
>>> read_fields({"lift": "1.5%", "significant": "显著"}, specs, msg("check.not_a_mapping"))
{'lift': 0.015, 'significant': True}
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from simulator.core.i18n import Msg, msg
from simulator.core.results import AnswerFormatError
from simulator.engine import checking, parsing
from simulator.engine.checking import FieldSpec

_SIG_WORDS = {
    "显著": True,
    "不显著": False,
    "significant": True,
    "not significant": False,
    "存在": True,
    "不存在": False,
    "有": True,
    "没有": False,
    "无": False,
}


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def read_fields(raw: Any, field_specs: dict[str, FieldSpec], not_mapping: Msg) -> dict[str, Any]:
    """Finds each field by name or zh/en label and parses it (numbers as floats, 是/否 as bools).

    Fields left blank are omitted; an unreadable value raises :class:`AnswerFormatError` naming the field.
    Shared by the multi-field analytics kinds.
    """
    if not isinstance(raw, Mapping):
        raise AnswerFormatError(not_mapping)
    given = {_norm(k): v for k, v in raw.items()}
    out: dict[str, Any] = {}
    for name, spec in field_specs.items():
        names = {_norm(name)} | {_norm(spec.label(name).render(lang)) for lang in ("zh", "en")}
        value = next((given[n] for n in names if n in given), None)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            if spec.kind == "bool":
                word = _SIG_WORDS.get(_norm(value)) if isinstance(value, str) else None
                out[name] = word if word is not None else parsing.parse_bool(value)
            else:
                out[name] = checking.to_float(value)
        except AnswerFormatError as err:
            raise AnswerFormatError(
                msg("check.field_format", field=spec.label(name), detail=err.message)
            ) from err
    if not out:
        raise AnswerFormatError(not_mapping)
    return out
