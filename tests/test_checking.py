"""Tests of checking (engine.numbers, fields, table_check): number tolerance, multi-field answers and tables."""

import numpy as np
import pandas as pd
import pytest

from simulator.core.results import AnswerFormatError
from simulator.engine.fields import check_fields
from simulator.engine.fieldspec import FieldSpec, column_msg
from simulator.engine.numbers import (
    abs_tolerance,
    check_number,
    format_number,
    number_matches,
    rounding_msg,
    separates,
)
from simulator.engine.table_check import check_table, norm_key


def keys(check_or_msgs):
    msgs = check_or_msgs.feedback if hasattr(check_or_msgs, "feedback") else check_or_msgs
    return {m.key for m in msgs} | {a.key for m in msgs for a in m.args.values() if hasattr(a, "key")}


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "given, ok",
    [
        (0.067742, True),
        (0.0677, True),
        (0.0678, True),
        (0.068, False),  # within 0.5 %, but the task asks for 4 decimals (precision rule)
        (0.0676, False),  # more than one unit of the 4th decimal away
        (0.0681, False),
        (0.07, False),
        (0.06774, True),
    ],
)
def test_number_matches_tolerance_and_precision(given, ok):
    assert number_matches(given, 0.067742, tolerance=0.005, precision=4) is ok


def test_rounded_value_accepted_even_outside_tolerance():
    # key 0.000152 rounded to 4 decimals is 0.0002: 32% off, still what the task asked for
    assert number_matches(0.0002, 0.000152, tolerance=0.005, precision=4)
    assert not number_matches(0.0002, 0.000152, tolerance=0.005, precision=None)
    assert not number_matches(0.0003, 0.000152, tolerance=0.005, precision=4)


def test_near_zero_key_uses_absolute_tolerance():
    assert number_matches(0.0, 1e-12, tolerance=0.005)
    assert not number_matches(0.001, 0.0, tolerance=0.005)
    assert not number_matches(float("nan"), 0.0, tolerance=0.005)


@pytest.mark.parametrize("raw", ["6.77%", "6.77 %", "0.0677", 0.067742, "６．７７％", "6.78%", "0.067742"])
def test_check_number_accepts_forms(raw):
    fraction, feedback = check_number(raw, 0.067742, unit="ratio", tolerance=0.005, precision=4)
    assert fraction == 1.0 and feedback[0].key == "check.correct"


@pytest.mark.parametrize("raw", ["6.77", "0.000677", "0.0677%"])
def test_percent_slip_named(raw):
    fraction, feedback = check_number(raw, 0.067742, unit="ratio", tolerance=0.005, precision=4)
    assert fraction == 0.0 and feedback[0].key == "check.percent_slip"


def test_too_high_too_low_and_alternative():
    assert (
        check_number("0.08", 0.0677, unit="ratio", tolerance=0.005, precision=4)[1][0].key == "check.too_high"
    )
    assert (
        check_number("0.05", 0.0677, unit="ratio", tolerance=0.005, precision=4)[1][0].key == "check.too_low"
    )
    alt = {"metric.mean_of_ratios": 0.0775}
    fraction, fb = check_number(
        "7.75%", 0.067742, unit="ratio", tolerance=0.005, precision=4, alternatives=alt
    )
    assert fraction == 0 and fb[0].key == "misc.mean_of_ratios.day"
    # an alternative equal to the key is never named
    fraction, fb = check_number(
        "6.77%", 0.067742, unit="ratio", tolerance=0.005, precision=4, alternatives={"x.same": 0.0677}
    )
    assert fraction == 1


def test_whole_counts_are_exact_and_money_has_cent_tolerance():
    assert check_number("1,234", 1234, unit="count", tolerance=0.005, precision=0)[0] == 1
    assert check_number("1,235", 1234, unit="count", tolerance=0.005, precision=0)[0] == 0
    assert check_number("¥1,234.57", 1234.567, unit="money", tolerance=0.0, precision=2)[0] == 1
    assert check_number("1.2万", 12000.0, unit="money", tolerance=0.005, precision=2)[0] == 1


def test_money_is_not_a_percent_slip():
    assert (
        check_number("123456", 1234.56, unit="money", tolerance=0.005, precision=2)[1][0].key
        == "check.too_high"
    )


@pytest.mark.parametrize("raw", ["abc", "", None, "1.2.3", True])
def test_check_number_malformed(raw):
    with pytest.raises(AnswerFormatError):
        check_number(raw, 1.0, unit="ratio", tolerance=0.005, precision=4)


def test_rounding_and_formatting():
    assert rounding_msg("ratio", 4).render("zh").startswith("以小数表示保留4位小数")
    assert rounding_msg("count", 0).key == "check.round.integer"
    assert format_number(0.067742, "ratio", 4) == "6.77%"
    assert format_number(0.067742, "ratio", 1) == "0.1"
    assert format_number(1234.567, "money", 2) == "1,234.57"
    assert column_msg("ctr").render("zh") == "点击率" and column_msg("ctr").render("en") == "ctr"


# ----------------------------------------------------------------------------- fields

SPECS = {
    "n": FieldSpec(unit="count", precision=0),
    "rate": FieldSpec(precision=4, weight=2),
    "ok": FieldSpec(kind="bool"),
    "pick": FieldSpec(kind="choice", options=("x", "y", "z")),
}
KEY = {"n": 120, "rate": 0.04, "ok": True, "pick": ["x", "z"]}


def test_check_fields_full_and_partial():
    full = check_fields({"n": "120", "rate": "4%", "ok": "是", "pick": "A,C"}, KEY, SPECS, tolerance=0.005)
    assert full.fraction == 1 and full.details["wrong_fields"] == []
    part = check_fields(
        {"n": 121, "rate": "4.00%", "ok": "否", "pick": ["x", "z"]}, KEY, SPECS, tolerance=0.005
    )
    assert part.fraction == pytest.approx(3 / 5)
    assert part.details["wrong_fields"] == ["n", "ok"]
    assert "check.field_wrong" in keys(part) and "check.too_high" in keys(part)


def test_check_fields_missing_field_named_and_scores_zero():
    res = check_fields({"rate": 0.04, "ok": True, "pick": "AC"}, KEY, SPECS, tolerance=0.005)
    assert res.fraction == pytest.approx(4 / 5)
    missing = [m for m in res.feedback if m.key == "check.field_missing"]
    assert len(missing) == 1 and missing[0].args["field"].render("en") == "n"


def test_check_fields_unparseable_names_field():
    with pytest.raises(AnswerFormatError) as err:
        check_fields({"n": "lots", "rate": 0.04, "ok": True, "pick": "A"}, KEY, SPECS, tolerance=0.005)
    assert err.value.message.key == "check.field_format"
    assert err.value.message.args["field"].render("en") == "n"
    with pytest.raises(AnswerFormatError):
        check_fields("0.04", KEY, SPECS, tolerance=0.005)


def test_check_fields_by_label():
    specs = {"rate": FieldSpec(precision=4, label_key="column.ctr")}
    column_msg("ctr")
    assert check_fields({"点击率": "4%"}, {"rate": 0.04}, specs, tolerance=0.005).fraction == 1


# ----------------------------------------------------------------------------- tables


def _key_rows(rng, n=6):
    ids = [f"C{i + 1:02d}" for i in range(n)]
    return [
        {
            "campaign_id": c,
            "date": f"2024-11-{i + 1:02d}",
            "ctr": float(rng.uniform(0.01, 0.05)),
            "cost": float(rng.uniform(100, 5000)),
        }
        for i, c in enumerate(ids)
    ]


SPECS_T = {"ctr": FieldSpec(unit="ratio", precision=4), "cost": FieldSpec(unit="money", precision=2)}


def test_table_any_order_full_marks_over_seeds():
    for seed in range(100):
        rng = np.random.default_rng(seed)
        rows = _key_rows(rng)
        given = pd.DataFrame(rows).sample(frac=1, random_state=seed)
        given["ctr"] = [f"{v * 100:.2f}%" for v in given["ctr"]]
        given["cost"] = given["cost"].round(2)
        res = check_table(
            given, rows, key_columns=["campaign_id", "date"], value_columns=SPECS_T, tolerance=0.005
        )
        assert res.fraction == 1, res.feedback


def test_table_keys_normalised():
    rows = [
        {"campaign_id": "C01", "date": "2024-11-01", "cost": 10.0},
        {"campaign_id": "C02", "date": "2024-11-02", "cost": 20.0},
    ]
    given = pd.DataFrame(
        {
            "campaign_id": [" Ｃ02", "C01 "],
            "date": [pd.Timestamp("2024-11-02"), "2024/11/1"],
            "cost": ["20", "10.00"],
        }
    )
    res = check_table(
        given,
        rows,
        key_columns=["campaign_id", "date"],
        value_columns={"cost": SPECS_T["cost"]},
        tolerance=0.005,
    )
    assert res.fraction == 1


def test_table_partial_credit_wrong_cells_named_without_values():
    rng = np.random.default_rng(1)
    rows = _key_rows(rng)
    given = pd.DataFrame(rows)
    given.loc[1, "ctr"] *= 1.3
    given.loc[4, "cost"] *= 0.5
    res = check_table(given, rows, key_columns=["campaign_id"], value_columns=SPECS_T, tolerance=0.005)
    assert res.fraction == pytest.approx(10 / 12)
    assert res.details["wrong_cells"] == [["C02", "ctr"], ["C05", "cost"]]
    assert {"check.table_wrong_column", "check.table_column_high", "check.table_column_low"} <= keys(res)
    text = " ".join(m.render("en") + str(m.args) for m in res.feedback)
    for r in rows:
        assert f"{r['ctr']:.4f}" not in text and f"{r['cost']:.2f}" not in text


def test_table_missing_extra_rows_and_missing_column():
    rng = np.random.default_rng(2)
    rows = _key_rows(rng)
    given = pd.DataFrame(rows[1:] + [rows[2], {**rows[0], "campaign_id": "C99"}]).drop(columns="cost")
    res = check_table(given, rows, key_columns=["campaign_id"], value_columns=SPECS_T, tolerance=0.005)
    assert res.details["missing_rows"] == ["C01"]
    assert sorted(res.details["extra_rows"]) == ["C03", "C99"]
    assert res.details["missing_columns"] == ["cost"]
    # 5 right ctr cells out of (6 key rows + 2 extra) × 2 columns
    assert res.fraction == pytest.approx(5 / 16)
    assert {"check.table_missing_rows", "check.table_extra_rows", "check.table_missing_column"} <= keys(res)


def test_table_alternative_named_per_column_and_slip():
    rng = np.random.default_rng(3)
    rows = _key_rows(rng)
    trap = [{"campaign_id": r["campaign_id"], "ctr": r["ctr"] * 1.2} for r in rows]
    given = pd.DataFrame(rows)
    given["ctr"] = [r["ctr"] for r in trap]
    given["cost"] = given["cost"] * 100
    res = check_table(
        given,
        rows,
        key_columns=["campaign_id"],
        value_columns=SPECS_T,
        tolerance=0.005,
        alternatives={"report_table.mean_of_ratios": trap},
    )
    alt = [m for m in res.feedback if m.key == "check.table_column_alternative"]
    assert len(alt) == 1 and alt[0].args["reason"].key == "misc.mean_of_ratios.day"
    assert alt[0].args["column"].render("en") == "ctr"
    # a 100× slip on a money column is just "too high"
    assert "check.table_column_high" in keys(res)
    given = pd.DataFrame(rows)
    given["ctr"] = given["ctr"] * 100
    res = check_table(given, rows, key_columns=["campaign_id"], value_columns=SPECS_T, tolerance=0.005)
    assert "check.table_column_slip" in keys(res) and res.fraction == pytest.approx(0.5)


def test_table_blank_cells_and_undefined_keys():
    rows = [{"k": "a", "ctr": None}, {"k": "b", "ctr": 0.5}]
    given = pd.DataFrame({"k": ["a", "b"], "ctr": [None, None]})
    res = check_table(given, rows, key_columns=["k"], value_columns={"ctr": FieldSpec()}, tolerance=0.005)
    assert res.fraction == 0.5 and res.details["wrong_cells"] == [["b", "ctr"]]


def test_table_format_errors():
    rows = [{"k": "a", "ctr": 0.5}]
    with pytest.raises(AnswerFormatError) as err:
        check_table(
            pd.DataFrame({"x": ["a"], "ctr": [0.5]}),
            rows,
            key_columns=["k"],
            value_columns={"ctr": FieldSpec()},
            tolerance=0.005,
        )
    assert err.value.message.key == "check.table_missing_key_column"
    with pytest.raises(AnswerFormatError) as err:
        check_table(
            pd.DataFrame({"k": ["a"], "ctr": ["lots"]}),
            rows,
            key_columns=["k"],
            value_columns={"ctr": FieldSpec()},
            tolerance=0.005,
        )
    assert err.value.message.key == "check.table_cell_format"
    with pytest.raises(AnswerFormatError):
        check_table("not a table", rows, key_columns=["k"], value_columns={}, tolerance=0.005)


@pytest.mark.parametrize(
    "value, text",
    [
        ("2024年11月5日", "2024-11-05"),
        ("2024-11", "2024-11"),
        (7, "7"),
        (7.0, "7"),
        ("7.0", "7"),
        (pd.Timestamp("2024-11-05 00:00"), "2024-11-05"),
        ("2024-11-05 00:00:00", "2024-11-05"),
        ("抖音", "抖音"),
    ],
)
def test_norm_key(value, text):
    assert norm_key(value) == text


def test_prepare_table_numbers_typed_or_stored():
    from simulator.engine.table_check import prepare_table

    specs = {"ctr": FieldSpec(), "cost": FieldSpec(unit="money", precision=2)}
    typed = pd.DataFrame({"k": ["a", "b"], "点击率": ["3.45%", "-"], "cost": ["1,234.5", None]})
    out = prepare_table(typed, ["k"], specs)
    assert list(out.columns) == ["k", "ctr", "cost"] and out["k"].tolist() == ["a", "b"]
    assert out["ctr"].tolist()[0] == pytest.approx(0.0345) and np.isnan(out["ctr"].iloc[1])
    assert out["cost"].tolist()[0] == 1234.5 and np.isnan(out["cost"].iloc[1])
    stored = pd.DataFrame({"k": ["a", "b"], "ctr": [0.0345, np.nan], "cost": [1234, 5]}, index=[7, 9])
    again = prepare_table(stored, ["k"], specs)
    assert again.index.tolist() == [7, 9] and again["cost"].dtype == float and again["cost"].tolist() == [1234, 5]
    assert np.array_equal(again["ctr"].to_numpy(), stored["ctr"].to_numpy(), equal_nan=True)
    with pytest.raises(AnswerFormatError) as err:  # an infinite number is not an answer, stored or typed
        prepare_table(stored.assign(ctr=[np.inf, 0.1]), ["k"], specs)
    assert err.value.message.key == "check.table_cell_format" and err.value.message.args["row"] == "a"


# ----------------------------------------------------------------------------- the precision rule


@pytest.mark.parametrize("raw", ["9999.59", "9,999.59", "0.999959万", "9999.594", "9999.58"])
def test_precision_rule_accepts_the_key_at_two_decimals(raw):
    # 9999.585…: 9999.58 and 9999.59 are both roundings of it (half a unit of slack for the direction)
    fraction, feedback = check_number(raw, 9999.5851, unit="money", tolerance=0.005, precision=2)
    assert (fraction, feedback[0].key) == (1.0, "check.correct")


def test_trailing_zeros_may_be_dropped():
    assert check_number("9999.6", 9999.5962, unit="money", tolerance=0.005, precision=2)[0] == 1.0
    assert check_number("7%", 0.070012, unit="ratio", tolerance=0.005, precision=4)[0] == 1.0


@pytest.mark.parametrize("raw", ["1万", "10000", "9990", "1.00万", "9999.6", "0.99996万", "5.29万"])
def test_precision_rule_rejects_coarser_rounding_with_a_precision_message(raw):
    key = 52917.58 if raw == "5.29万" else 9999.59
    fraction, feedback = check_number(raw, key, unit="money", tolerance=0.005, precision=2)
    assert fraction == 0.0
    assert feedback[0].key == "check.precision_needed"
    assert "请保留2位小数" in feedback[0].render("zh") and "Give 2 decimals" in feedback[0].render("en")


def test_under_rounded_ratio_is_told_the_precision_not_high_or_low():
    fraction, feedback = check_number("0.02", 0.019899, unit="ratio", tolerance=0.005, precision=4)
    assert fraction == 0.0 and feedback[0].key == "check.precision_needed_ratio"
    assert "请保留4位小数" in feedback[0].render("zh")
    integer = check_number("9990", 9994.6, unit="count", tolerance=0.005, precision=0)
    assert integer[0] == 0.0 and integer[1][0].key == "check.precision_needed_integer"
    assert check_number("9995", 9994.6, unit="count", tolerance=0.005, precision=0)[0] == 1.0
    assert check_number("0.0199", 0.019899, unit="ratio", tolerance=0.005, precision=4)[0] == 1.0
    assert check_number("0.03", 0.019899, unit="ratio", tolerance=0.005, precision=4)[1][0].key == "check.too_high"


def test_relaxed_precision_accepts_the_relative_tolerance():
    assert check_number("10000", 9999.59, unit="money", tolerance=0.005, precision=2, strict=False)[0] == 1.0
    assert check_number("10000", 9999.59, unit="money", tolerance=0.005, precision=2)[0] == 0.0
    assert check_number("10100", 9999.59, unit="money", tolerance=0.005, precision=2, strict=False)[0] == 0.0


def test_a_misconception_is_named_only_within_tolerance_of_its_value():
    alts = {"metric.mean_of_ratios": [0.0712]}
    named = check_number("7.12%", 0.067742, unit="ratio", tolerance=0.005, precision=4, alternatives=alts)
    assert named[1][0].key == "misc.mean_of_ratios.day"
    near = check_number("7.15%", 0.067742, unit="ratio", tolerance=0.005, precision=4, alternatives=alts)
    assert near[1][0].key == "check.too_high"


def test_a_misconception_that_coincides_with_the_key_is_never_named_and_the_closest_one_wins():
    alts = {"a": [0.06776], "b": [0.0712], "c": [0.0713]}
    assert check_number("6.77%", 0.067742, unit="ratio", tolerance=0.005, precision=4, alternatives=alts)[0] == 1
    fraction, feedback = check_number("7.13%", 0.067742, unit="ratio", tolerance=0.005, precision=4,
                                      alternatives=alts)
    assert (fraction, [m.key for m in feedback]) == (0.0, ["c"])


def test_a_named_mistake_is_always_within_tolerance_of_its_value_and_never_full_marks():
    rng = np.random.default_rng(12)
    named = 0
    for _ in range(3000):
        precision = int(rng.integers(0, 5))
        unit = str(rng.choice(["ratio", "money", "multiple"]))
        key = float(rng.uniform(0.001, 2000.0))
        alts = {"a": [key * (1 + rng.normal(0, 0.01))], "b": [key * (1 + rng.normal(0, 0.05))]}
        given = float(round(rng.choice([alts["a"][0], alts["b"][0], key]) * (1 + rng.normal(0, 0.002)),
                            int(rng.integers(precision, precision + 3))))
        fraction, feedback = check_number(given, key, unit=unit, tolerance=0.005, precision=precision,
                                          alternatives=alts)
        assert len(feedback) == 1
        if feedback[0].key in alts:
            named += 1
            value = alts[feedback[0].key][0]
            assert fraction == 0.0
            assert number_matches(given, value, tolerance=0.005, precision=precision, abs_tol=abs_tolerance(unit))
            assert separates(value, key, unit=unit, tolerance=0.005, precision=precision)
    assert named > 150


def test_checking_modules_doctests_and_facade():
    import doctest

    from simulator.engine import checking, fields, fieldspec, numbers, table_check

    for module in (checking, fieldspec, numbers, fields, table_check):
        assert doctest.testmod(module).failed == 0, module.__name__
    assert all(getattr(checking, name) is not None for name in checking.__all__)
    assert checking.check_table is table_check.check_table and checking.FieldSpec is fieldspec.FieldSpec
