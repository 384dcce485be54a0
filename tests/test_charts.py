"""Tests for simulator/app/ui/charts.py: the figures show exactly the key's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.app.ui import charts
from simulator.engine import stats
from simulator.tasks import five_a_map as fam
from simulator.tasks.base import TaskContext


def five_a_key(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n = 400
    s0, s1 = rng.integers(0, 7, n), rng.integers(0, 7, n)
    frames = [
        pd.DataFrame(
            {
                "user_id": np.flatnonzero(s > 0),
                "snapshot_date": pd.Timestamp(day),
                "stage": np.array(fam.STAGES)[s[s > 0] - 1],
            }
        )
        for day, s in (("2024-10-01", s0), ("2024-11-01", s1))
    ]
    return fam.make(fam.Params(), {"audience_5a": pd.concat(frames, ignore_index=True)}, TaskContext()).key


@pytest.mark.parametrize("seed", range(20))
def test_sankey_links_equal_the_keys_flows(seed):
    key = five_a_key(seed)
    fig = charts.sankey_5a(key, "zh")
    link = fig.data[0].link
    n = len(fam.STATES)
    shown = {
        f"{fam.STATES[s]}>{fam.STATES[t - n]}": v
        for s, t, v in zip(link.source, link.target, link.value, strict=True)
    }
    assert shown == {f: v for f, v in key["flows"].items() if v > 0}
    assert all(s < n <= t for s, t in zip(link.source, link.target, strict=True))  # T0 left, T1 right
    labels = fig.data[0].node.label
    assert len(labels) == 2 * n and "A1 了解" in labels[2] and labels[n].startswith("T1")
    assert charts.sankey_5a(key["flows"], "en").data[0].link.value == link.value  # flows alone work too


def test_sankey_node_totals_are_the_stage_counts():
    key = five_a_key(3)
    link = charts.sankey_5a(key).data[0].link
    n = len(fam.STATES)
    for i, stage in enumerate(fam.STATES[1:], start=1):
        out_of = sum(v for s, v in zip(link.source, link.value, strict=True) if s == i)
        into = sum(v for t, v in zip(link.target, link.value, strict=True) if t == n + i)
        assert (out_of, into) == (key["counts_t0"][stage], key["counts_t1"][stage])


def test_stage_bars_show_both_snapshots():
    key = five_a_key(4)
    fig = charts.stage_bars(key["counts_t0"], key["counts_t1"], "en")
    assert list(fig.data[0].y) == [key["counts_t0"][s] for s in fam.STAGES]
    assert list(fig.data[1].y) == [key["counts_t1"][s] for s in fam.STAGES]
    assert fig.data[0].x[1] == "A1 Aware" and fig.layout.barmode == "group"


def test_roi_curve_passes_through_the_forecast():
    spend, gmv = [10000, 20000, 30000, 40000, 50000], [36000, 58000, 72000, 81000, 89000]
    fit = stats.fit_curve(spend, gmv, "log")
    answer = {
        "model": "log",
        "coef_a": fit.a,
        "coef_b": fit.b,
        "forecast_gmv": fit.predict(60000),
        "breakeven_roi": 2.0,
        "budget": 60000,
        "daily": {"date": ["d1", "d2", "d3", "d4", "d5"], "cost": spend, "gmv": gmv},
    }
    fig = charts.roi_curve(answer, lang="zh")
    points, curve, star, breakeven = fig.data
    assert list(points.x) == spend and list(points.y) == gmv
    assert star.x[0] == 60000 and star.y[0] == pytest.approx(94628.29, abs=0.01)
    assert np.interp(60000, curve.x, curve.y) == pytest.approx(94628.29, rel=1e-3)
    assert breakeven.y[-1] == pytest.approx(2.0 * breakeven.x[-1])
    assert fig.layout.xaxis.title.text == "日消耗(元)"


def test_ab_lift_shows_the_ci():
    answer = {
        "abs_lift": 0.01,
        "ci_low": 0.001876,
        "ci_high": 0.018124,
        "rate_control": 0.04,
        "rate_treatment": 0.05,
    }
    fig = charts.ab_lift(answer, "en")
    bars, point = fig.data
    assert list(bars.y) == [0.04, 0.05] and point.x[0] == 0.01
    assert point.error_x.array[0] == pytest.approx(0.008124) and point.error_x.arrayminus[0] == pytest.approx(
        0.008124
    )


def test_sample_size_curve_has_one_line_per_formula():
    fig = charts.sample_size_curve(0.04, lang="en")
    assert [trace.name for trace in fig.data] == list(stats.SS_METHODS)
    at_25 = {trace.name: np.interp(0.25, trace.x, trace.y) for trace in fig.data}
    assert at_25["pbar"] == pytest.approx(stats.sample_size_proportions(0.04, 0.01), rel=1e-6)
