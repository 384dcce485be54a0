"""``free_text``: a written answer (e.g. 优化建议) graded by an instructor against a rubric.

The key is the rubric itself; the automatic check only makes sure there is something to grade (an
empty or over-long text is a format problem) and marks the answer ``ungraded`` until an instructor
scores it. An answer under the minimum length is still stored and queued for the raters (who may give
it 0), with a note saying so. Length counts characters other than whitespace, so Chinese and English
compare fairly.

>>> p = Params(rubric=[{"criterion": {"zh": "指出点击率偏低", "en": "Notes the low CTR"}, "points": 2}],
...            min_chars=5)
>>> check(make(p, {}).key, parse("点击率偏低,建议更换素材", p), p).final_status()
'ungraded'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from simulator.core.forms import AnswerForm, Text
from simulator.core.i18n import msg, t
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams

KIND = "free_text"
MAX_CHARS = 20_000
MAX_ANSWER_CHARS = MAX_CHARS
GRADED_BY: Final = "rater"
"""A teacher marks the answer against the rubric (the form says so, and coverage does not count it)."""


class Bilingual(BaseModel):
    """A text in both languages."""

    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Criterion(BaseModel):
    """One rubric line: what earns the points."""

    model_config = ConfigDict(extra="forbid")
    criterion: Bilingual = Field(description="what the answer must contain, in zh and en")
    points: float = Field(gt=0, description="points for this criterion (relative weights)")


class Params(TaskParams):
    """A written task: ``rubric`` (criteria with points), ``min_chars``, optional ``question``."""

    rubric: list[Criterion] = Field(min_length=1, description="what instructors grade on")
    min_chars: int = Field(50, ge=1, le=5000, description="shortest acceptable answer (non-space chars)")
    question: Bilingual | None = Field(None, description="the question, if not in the task's prompt")


def make(params: Params, data: Mapping[str, Any], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, Any], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"rubric": [{"criterion": {zh, en}, "points": n}, …]}`` — the instructor's grading guide."""
    return {"rubric": [c.model_dump() for c in params.rubric]}


def _chars(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> str:
    """The text, normalised (NFKC, trimmed); empty or too long → :class:`AnswerFormatError`.

    A text under ``min_chars`` is accepted: :func:`check` notes it and the raters decide."""
    if isinstance(raw, Mapping):
        raw = raw.get("text", raw.get("value"))
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    n = _chars(text)
    if n == 0:
        raise AnswerFormatError(msg("free_text.empty"))
    if n > MAX_CHARS:
        raise AnswerFormatError(msg("free_text.too_long", max=MAX_CHARS))
    return text


def check(answer: dict[str, Any], parsed: str, params: Params, ctx: TaskContext | None = None) -> Check:
    """Always ``ungraded`` (fraction 0) until an instructor scores it; keeps the text in details."""
    n = _chars(parsed)
    notes = [msg("free_text.ungraded", chars=n)]
    if n < params.min_chars:
        notes.append(msg("free_text.short_note", chars=n, min=params.min_chars))
    return Check(0.0, notes, status="ungraded",
                 details={"text": parsed, "chars": n, "short": n < params.min_chars,
                          "rubric": answer.get("rubric", [])})


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> str:
    """A text touching every criterion, padded to the minimum length."""
    text = ";".join(c["criterion"]["zh"] for c in answer["rubric"]) + "。"
    while _chars(text) < params.min_chars:
        text += "建议持续跟踪数据并复盘优化效果。"
    return text


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> str:
    """An off-topic text of acceptable length (still ``ungraded``: only an instructor can score it)."""
    return "今天天气不错。" * (params.min_chars // 6 + 1)


def malformed(params: Params) -> str:
    return "   "


def describe(params: Params, lang: str = "zh") -> str:
    """The question, the minimum length and the rubric with points."""
    sep = ";" if lang == "zh" else "; "
    side = "en" if lang == "en" else "zh"
    rubric = sep.join(t("free_text.criterion", lang, text=getattr(c.criterion, side), points=f"{c.points:g}")
                      for c in params.rubric)
    question = getattr(params.question, "en" if lang == "en" else "zh") if params.question else \
        t("free_text.default_question", lang)
    return t("free_text.describe", lang, question=question, min=params.min_chars, rubric=rubric)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """A text area (its shortest graded length in the label), marked by a rater against the rubric."""
    label = msg("ui.answer.text_min", min=params.min_chars) if params.min_chars else msg("ui.answer.text")
    return AnswerForm((Text(None, ("text",), label, max_chars=MAX_CHARS, min_chars=params.min_chars),),
                      graded_by=GRADED_BY)
