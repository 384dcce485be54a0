"""Tests of the ``free_text`` kind: texts are ungraded (short ones noted), empty or over-long ones invalid."""

import numpy as np
import pytest
from pydantic import ValidationError

from simulator.tasks import free_text as ft
from simulator.tasks.base import AnswerFormatError, TaskContext

CTX = TaskContext()
RUBRIC = [
    {"criterion": {"zh": "指出点击率低于行业均值", "en": "Notes CTR below the benchmark"}, "points": 4},
    {
        "criterion": {
            "zh": "提出更换素材或定向的具体做法",
            "en": "Proposes concrete creative or targeting changes",
        },
        "points": 6,
    },
]


def params(**kw):
    return ft.Params(**{"rubric": RUBRIC, "min_chars": 30, **kw})


def test_key_is_the_rubric():
    assert ft.make(params(), {}).key == {"rubric": RUBRIC}


def test_answers_are_ungraded_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        p = params(min_chars=int(rng.integers(1, 200)))
        answer = ft.make(p, {}, CTX).key
        for raw in (ft.as_raw(answer, p, CTX), ft.perturb(answer, p, CTX, rng)):
            text = ft.parse(raw, p, CTX)
            res = ft.check(answer, text, p, CTX)
            assert res.final_status() == "ungraded" and res.fraction == 0
            assert res.details["text"] == text and [m.key for m in res.feedback] == ["free_text.ungraded"]
        with pytest.raises(AnswerFormatError):
            ft.parse(ft.malformed(p), p, CTX)


def test_parse_keeps_text_and_counts_non_space_chars():
    p = params(min_chars=10)
    assert (
        ft.parse({"text": "  ＣＴＲ偏低, 建议 更换素材并优化定向  "}, p) == "CTR偏低, 建议 更换素材并优化定向"
    )
    res = ft.check(ft.make(p, {}).key, ft.parse("一二三四五 六七八九十", p), p)
    assert res.details["chars"] == 10 and res.feedback[0].args["chars"] == 10


def test_short_text_is_stored_and_queued_for_the_raters_with_a_note():
    p = params(min_chars=60)
    res = ft.check(ft.make(p, {}).key, ft.parse("太短了", p), p)
    assert res.final_status() == "ungraded" and res.details["text"] == "太短了" and res.details["short"]
    assert [m.key for m in res.feedback] == ["free_text.ungraded", "free_text.short_note"]
    assert "60" in res.feedback[1].render("zh") and "60" in res.feedback[1].render("en")


@pytest.mark.parametrize(
    "raw, key",
    [
        ("", "free_text.empty"),
        (None, "free_text.empty"),
        ("   \n", "free_text.empty"),
        ("字" * 20_001, "free_text.too_long"),
    ],
)
def test_invalid_texts(raw, key):
    with pytest.raises(AnswerFormatError) as err:
        ft.parse(raw, params())
    assert err.value.message.key == key


@pytest.mark.parametrize(
    "bad",
    [
        {"rubric": []},
        {"rubric": [{"criterion": {"zh": "x"}, "points": 1}]},
        {"rubric": RUBRIC, "min_chars": 0},
        {"rubric": RUBRIC, "words": 3},
        {"rubric": [{"criterion": {"zh": "x", "en": "x"}, "points": 0}]},
    ],
)
def test_bad_params(bad):
    with pytest.raises(ValidationError):
        ft.Params(**bad)


def test_describe_lists_rubric_with_points():
    zh = ft.describe(
        params(question={"zh": "针对计划C02给出优化建议。", "en": "Advise on campaign C02."}), "zh"
    )
    assert (
        zh.startswith("针对计划C02") and "不少于 30 字" in zh and "提出更换素材或定向的具体做法(6 分)" in zh
    )
    en = ft.describe(params(), "en")
    assert "at least 30" in en and "Notes CTR below the benchmark (4 pt)" in en
