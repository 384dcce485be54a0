"""Tests of the ``period_change`` task kind: keys against a hand computation, the three named mistakes,
the precision rule and format errors, on 100 random frames and on the shipped scenario's data."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from simulator import generate_datasets, load_scenario
from simulator.core.results import AnswerFormatError, TaskContext
from simulator.engine.numbers import separates
from simulator.tasks import period_change as pc

CTX = TaskContext()
WEEK1 = {"from": "2024-11-04", "to": "2024-11-10"}
WEEK2 = {"from": "2024-11-11", "to": "2024-11-17"}


def daily(rng: np.random.Generator, days: int = 28) -> pd.DataFrame:
    """An accounts_daily-like frame: 3 accounts, 4 weeks from 2024-11-01, varied play counts."""
    dates = pd.date_range("2024-11-01", periods=days, freq="D")
    plays = rng.integers(500, 90_000, days * 3)
    return pd.DataFrame({"date": np.repeat(dates, 3), "account_id": np.tile(["A01", "A02", "A03"], days),
                         "plays": plays, "completions": rng.binomial(plays, rng.uniform(0.1, 0.5, days * 3)),
                         "new_followers": rng.integers(0, 400, days * 3)})


def params(metric: str) -> pc.Params:
    return pc.Params(dataset="accounts_daily", metric=metric, previous=WEEK1, current=WEEK2)


def by_hand(df: pd.DataFrame, metric: str, period: dict[str, str]) -> float:
    """The metric of one period from its sums, written out independently of the engine."""
    rows = df[(df["date"] >= period["from"]) & (df["date"] <= period["to"])]
    if metric == "completion_rate":
        return rows["completions"].sum() / rows["plays"].sum()
    return float(rows[metric].sum())


@pytest.mark.parametrize("metric", ["plays", "completion_rate", "new_followers"])
def test_the_key_is_the_change_of_two_periods_computed_from_their_sums(metric):
    for seed in range(100):
        df = daily(np.random.default_rng(seed))
        key = pc.make(params(metric), {"accounts_daily": df}).key
        before, after = by_hand(df, metric, WEEK1), by_hand(df, metric, WEEK2)
        assert key["previous"] == pytest.approx(before, rel=1e-12)
        assert key["value"] == pytest.approx((after - before) / before, rel=1e-12)


def test_a_mean_of_daily_ratios_is_not_the_period_rate():
    df = daily(np.random.default_rng(7))
    key = pc.make(params("completion_rate"), {"accounts_daily": df}).key
    rows = df[(df["date"] >= WEEK1["from"]) & (df["date"] <= WEEK1["to"])]
    assert key["previous"] != pytest.approx((rows["completions"] / rows["plays"]).mean(), rel=1e-9)


def test_the_key_typed_as_a_trainee_would_gets_full_marks_and_a_perturbed_one_does_not():
    p = params("completion_rate")
    for seed in range(100):
        key = pc.make(p, {"accounts_daily": daily(np.random.default_rng(seed))}).key
        assert pc.check(key, pc.parse(pc.as_raw(key, p), p), p, CTX).fraction == 1.0
        wrong = pc.perturb(key, p, CTX, np.random.default_rng(seed))
        assert pc.check(key, wrong, p, CTX).fraction < 1.0


@pytest.mark.parametrize("mistake", ["period_change.base", "period_change.ratio", "period_change.points"])
def test_each_usual_mistake_scores_nothing_and_is_named(mistake):
    p = params("completion_rate")
    named = tested = 0
    for seed in range(100):
        key = pc.make(p, {"accounts_daily": daily(np.random.default_rng(seed))}).key
        value = key["misconceptions"][mistake][0]
        if not separates(value, key["value"], unit="ratio", tolerance=CTX.tolerance, precision=p.precision):
            continue  # a tiny change: the mistake gives the key itself at the asked precision
        tested += 1
        result = pc.check(key, value, p, CTX)
        assert result.fraction == 0.0, (seed, mistake)
        named += mistake in {m.key for m in result.feedback}
    assert tested >= 80 and named >= tested - 5  # named unless it sits next to another mistake's value


def test_points_are_a_mistake_only_for_ratio_metrics():
    key = pc.make(params("plays"), {"accounts_daily": daily(np.random.default_rng(1))}).key
    assert set(key["misconceptions"]) == {"period_change.base", "period_change.ratio"}


def test_percent_and_fraction_answers_are_read_and_words_are_a_format_error():
    p = params("plays")
    assert pc.parse("12.5%", p) == pytest.approx(0.125) and pc.parse("-0.034", p) == pytest.approx(-0.034)
    assert pc.parse("１２.５％", p) == pytest.approx(0.125)
    with pytest.raises(AnswerFormatError):
        pc.parse(pc.malformed(p), p)


def test_overlapping_periods_and_unknown_metrics_are_refused_with_the_field_named():
    with pytest.raises(ValidationError, match="overlap"):
        pc.Params(dataset="accounts_daily", metric="plays", previous=WEEK1,
                  current={"from": "2024-11-10", "to": "2024-11-16"})
    with pytest.raises(ValidationError, match="metric"):
        pc.Params(dataset="accounts_daily", metric="nope", previous=WEEK1, current=WEEK2)


def test_an_empty_or_zero_base_period_is_a_scenario_error_not_a_key():
    df = daily(np.random.default_rng(3))
    empty = pc.Params(dataset="accounts_daily", metric="plays", previous={"from": "2023-01-01", "to": "2023-01-07"},
                      current=WEEK2)
    with pytest.raises(ValueError, match="no rows"):
        pc.make(empty, {"accounts_daily": df})
    with pytest.raises(ValueError, match="is 0"):
        pc.make(params("plays"), {"accounts_daily": df.assign(plays=0)})


def test_the_shipped_scenario_keys_match_a_hand_computation_on_each_trainees_data():
    sc = load_scenario("l4-period-compare")
    for trainee in ("t-1", "t-2", "2024001"):
        df = generate_datasets(sc, trainee)["accounts_daily"]
        for task in (t for t in sc.tasks if t.kind == "period_change"):
            p = pc.Params(**task.params)
            periods = [{"from": str(r.start), "to": str(r.end)} for r in (p.previous, p.current)]
            before, after = (by_hand(df, p.metric, period) for period in periods)
            assert pc.make(p, {"accounts_daily": df}).key["value"] == pytest.approx((after - before) / before)


def test_the_kind_is_found_by_the_registry_without_being_listed():
    from simulator import tasks

    assert "period_change" in tasks.kinds() and "period_change" not in tasks.ORDER
    assert tasks.get("period_change") is pc


def test_the_form_is_one_percent_box_at_the_asked_precision():
    (field,) = pc.form(params("plays"), {}).fields
    assert field.name is None and field.unit == "ratio" and field.precision == 4 and field.key == ("value",)
    assert "(本期 − 上期)÷ 上期" in pc.describe(params("plays"), "zh")
    assert "2024-11-04~2024-11-10" in pc.describe(params("plays"), "en")
