"""Forgiving parsing of typed answers; malformed input is a format error with a bilingual message."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from simulator.core.i18n import t
from simulator.engine.parsing import (
    Number,
    normalise_text,
    parse_bool,
    parse_choice,
    parse_date,
    parse_month,
    parse_number,
    parse_week,
)
from simulator.tasks.base import AnswerFormatError


@pytest.mark.parametrize("raw, value, percent, decimals", [
    (0.0345, 0.0345, False, 4),
    (12, 12.0, False, 0),
    (np.float64(2.5), 2.5, False, 1),
    ("0.0345", 0.0345, False, 4),
    ("3.45%", 0.0345, True, 2),
    ("3.45 %", 0.0345, True, 2),
    ("3.45％", 0.0345, True, 2),
    ("1,234.5", 1234.5, False, 1),
    ("１２３", 123.0, False, 0),
    ("１２３．５", 123.5, False, 1),
    ("¥1,234", 1234.0, False, 0),
    ("￥1,234.00", 1234.0, False, 2),
    ("1234元", 1234.0, False, 0),
    ("1.2万", 12000.0, False, 1),
    ("3亿", 3e8, False, 0),
    (" 12 ", 12.0, False, 0),
    ("-5", -5.0, False, 0),
    ("−5", -5.0, False, 0),
    ("+7.50", 7.5, False, 2),
    ("1e3", 1000.0, False, None),
    ("(1,234)", -1234.0, False, 0),
    ("-¥12.5", -12.5, False, 1),
    ("¥-12.5", -12.5, False, 1),
    (".5", 0.5, False, 1),
    ("-3.45%", -0.0345, True, 2),
    ("12,345,678", 12345678.0, False, 0),
])
def test_parse_number_accepts(raw, value, percent, decimals):
    number = parse_number(raw)
    assert number.value == pytest.approx(value, rel=1e-12)
    assert number.percent is percent
    assert number.decimals == decimals


@pytest.mark.parametrize("raw", ["abc", "", "   ", "1.2.3", "12%%", None, "1,23", "3,45", "12a",
                                 "%", "¥", "nan", "inf", float("nan"), True, "1 2 %3", "5%万", [1]])
def test_parse_number_rejects(raw):
    with pytest.raises(AnswerFormatError) as info:
        parse_number(raw)
    message = info.value.message
    assert message.key in {"parse.not_a_number", "parse.empty"}
    zh, en = message.render("zh"), message.render("en")
    assert zh != en and zh != message.key
    if message.key == "parse.not_a_number":
        assert "3.45%" in zh and "0.0345" in en


def test_number_message_names_the_input():
    with pytest.raises(AnswerFormatError) as info:
        parse_number("abc")
    assert "abc" in info.value.message.render("en")
    assert "请输入数字" in info.value.message.render("zh")


def test_number_is_a_frozen_dataclass():
    number = parse_number("5%")
    assert number == Number(0.05, True, 0)
    with pytest.raises(AttributeError):
        number.value = 1  # type: ignore[misc]


@pytest.mark.parametrize("raw", ["是", "对", "√", "yes", "Yes", "TRUE", "y", "1", 1, "正确", "T", "ｙｅｓ",
                                 True])
def test_parse_bool_true(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["否", "错", "×", "no", "False", "n", "0", 0, "错误", "F", " 否 ", False])
def test_parse_bool_false(raw):
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["maybe", "2", 2, "是否", None, ""])
def test_parse_bool_rejects(raw):
    with pytest.raises(AnswerFormatError) as info:
        parse_bool(raw)
    assert info.value.message.key in {"parse.not_a_bool", "parse.empty"}


OPTIONS = ["点击率", "千次展示费用", "转化率", "ROI"]


@pytest.mark.parametrize("raw, expected", [
    ("A", ["点击率"]), ("a", ["点击率"]), ("A,C", ["点击率", "转化率"]), ("A、C", ["点击率", "转化率"]),
    ("AC", ["点击率", "转化率"]), ("ＡＣ", ["点击率", "转化率"]), ("C A", ["点击率", "转化率"]),
    ("roi", ["ROI"]), ("转化率", ["转化率"]), (["D", "b"], ["千次展示费用", "ROI"]),
    ("点击率,ROI", ["点击率", "ROI"]), ("A.", ["点击率"]), ("A;B;A", ["点击率", "千次展示费用"]),
])
def test_parse_choice_multiple(raw, expected):
    assert parse_choice(raw, OPTIONS, multiple=True) == expected


def test_parse_choice_single():
    assert parse_choice(" b ", OPTIONS, multiple=False) == ["千次展示费用"]
    with pytest.raises(AnswerFormatError) as info:
        parse_choice("AB", OPTIONS, multiple=False)
    assert info.value.message.key == "parse.one_choice"


@pytest.mark.parametrize("raw", ["E", "AE", "xyz", "", None, "1"])
def test_parse_choice_rejects(raw):
    with pytest.raises(AnswerFormatError) as info:
        parse_choice(raw, OPTIONS, multiple=True)
    if info.value.message.key == "parse.not_a_choice":
        assert "A/B/C/D" in info.value.message.render("zh")


@pytest.mark.parametrize("raw", ["2024-11-11", "2024/11/11", "2024年11月11日", "2024.11.11", "20241111",
                                 "2024-11-11 00:00:00", "２０２４-１１-１１", 45607, 45607.0, "45607",
                                 dt.date(2024, 11, 11), dt.datetime(2024, 11, 11, 20, 0),
                                 pd.Timestamp("2024-11-11")])
def test_parse_date(raw):
    assert parse_date(raw) == "2024-11-11"


def test_parse_date_pads_and_validates():
    assert parse_date("2024-1-5") == "2024-01-05"
    for raw in ["2024-02-30", "11/11", "abc", "2024", "", None, "2024-13-01"]:
        with pytest.raises(AnswerFormatError):
            parse_date(raw)


def test_parse_month():
    assert parse_month("2024-11") == "2024-11"
    assert parse_month("2024年3月") == "2024-03"
    assert parse_month("2024/11/30") == "2024-11"
    assert parse_month(dt.date(2024, 11, 5)) == "2024-11"
    with pytest.raises(AnswerFormatError):
        parse_month("2024-13")


@pytest.mark.parametrize("raw", ["2024-11-04", "2024-11-10", "2024/11/07", "2024-W45", "2024w45",
                                 "2024年第45周", "2024-11-04~2024-11-10", "2024/11/04 至 2024/11/10",
                                 dt.date(2024, 11, 9), pd.Timestamp("2024-11-05 10:00")])
def test_parse_week(raw):
    assert parse_week(raw) == "2024-11-04"


def test_parse_week_rejects():
    for raw in ["第45周", "2024-W54", "abc", ""]:
        with pytest.raises(AnswerFormatError):
            parse_week(raw)


def test_normalise_text():
    assert normalise_text("  ＣＴＲ\u3000 点击率\n ") == "CTR 点击率"
    assert normalise_text("１，２３４") == "1,234"


def test_messages_registered_in_both_languages():
    for key in ["parse.empty", "parse.not_a_number", "parse.not_a_bool", "parse.not_a_choice",
                "parse.one_choice", "parse.not_a_date"]:
        assert t(key, "zh") != key and t(key, "en") != key and t(key, "zh") != t(key, "en")
