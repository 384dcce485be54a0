"""Tests for simulator/engine/stats.py: every A/B, sample-size, SRM and ROI vector of reference/metrics.md,
and agreement with a second computation route on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize
from statsmodels.stats.proportion import test_proportions_2indep as sm_test_2indep

from simulator.engine import stats


def doc(value: float, text: str) -> None:
    """``value`` equals the metrics.md figure ``text`` to all the digits the document gives."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(value - float(text)) <= 0.5 * 10.0**-decimals + 1e-12, (value, text)


# ----------------------------------------------------------------------------- metrics.md: A/B tests


def test_pooled_z_test_vector():
    r = stats.two_proportions(250, 5000, 200, 5000)
    assert (r.mean_control, r.mean_treatment) == (0.04, 0.05)
    assert r.diff == pytest.approx(0.01, abs=1e-12) and r.rel_lift == pytest.approx(0.25, abs=1e-12)
    doc(r.se, "0.00414608")
    doc(r.statistic, "2.411915")
    doc(r.p_value, "0.015869")
    chi2, p = stats.chi2_no_yates(250, 5000, 200, 5000)
    doc(chi2, "5.817336")
    assert p == pytest.approx(r.p_value, rel=1e-9)
    assert chi2 == pytest.approx(r.statistic**2, rel=1e-9)


def test_unpooled_z_test_and_confidence_intervals():
    r = stats.two_proportions(250, 5000, 200, 5000, pooled=False)
    doc(r.se, "0.00414488")
    doc(r.statistic, "2.412617")
    doc(r.p_value, "0.015838")
    doc(r.ci_low, "0.001876")
    doc(r.ci_high, "0.018124")
    newcombe = stats.two_proportions(250, 5000, 200, 5000, ci_method="newcomb")
    doc(newcombe.ci_low, "0.001870")
    doc(newcombe.ci_high, "0.018171")


def test_one_sided_p_is_half_of_two_sided_for_a_positive_lift():
    two = stats.two_proportions(250, 5000, 200, 5000)
    one = stats.two_proportions(250, 5000, 200, 5000, alternative="larger")
    assert one.p_value == pytest.approx(two.p_value / 2, rel=1e-12)
    assert (one.ci_low, one.ci_high) == (two.ci_low, two.ci_high)  # the CI is always two-sided


def test_relative_lift_delta_method_vector():
    rel, se, p = stats.relative_lift_delta(250, 5000, 200, 5000)
    assert rel == pytest.approx(0.25, abs=1e-12)
    doc(se, "0.115920")
    doc(p, "0.031057")


def test_welch_vector_from_summary_statistics():
    r = stats.means_test_from_stats(105, 35, 520, 100, 30, 500)
    doc(r.statistic, "2.452699")
    doc(r.df, "1004.9149")
    doc(r.p_value, "0.014348")
    doc(r.ci_low, "0.999657")
    doc(r.ci_high, "9.000343")


def test_srm_vector():
    doc(stats.srm_statistic([50000, 49000], [0.5, 0.5]), "10.101")
    p = stats.srm_p_value([50000, 49000], [0.5, 0.5])
    doc(p, "0.00148")
    assert p > stats.SRM_THRESHOLD  # not flagged at 0.001


# ----------------------------------------------------------------------------- metrics.md: sample sizes


@pytest.mark.parametrize(
    "method, expected", [("pbar", 6745), ("evan_miller", 6239), ("unpooled", 6743), ("cohens_h", 6726)]
)
def test_sample_size_vectors(method, expected):
    assert math.ceil(stats.sample_size_proportions(0.04, 0.01, 0.05, 0.8, 2, method)) == expected


def test_sample_size_means_vector():
    assert math.ceil(stats.sample_size_means(30, 5)) == 566
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    assert stats.sample_size_means(30, 5) == pytest.approx(2 * z**2 * 30**2 / 5**2, rel=1e-12)
    # statsmodels' power solver (which also counts the far tail) rounds up to the same size
    assert math.ceil(NormalIndPower().solve_power(5 / 30, alpha=0.05, power=0.8)) == 566


def test_sample_size_closed_forms_agree_with_textbook_formulas():
    p1, p2 = 0.04, 0.05
    za, zb = sps.norm.ppf(0.975), sps.norm.ppf(0.8)
    pbar = (p1 + p2) / 2
    textbook = {
        "pbar": (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
        / 0.01**2,
        "evan_miller": (za * math.sqrt(2 * p1 * (1 - p1)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))
        ** 2
        / 0.01**2,
        "unpooled": (za + zb) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / 0.01**2,
        "cohens_h": 2 * (za + zb) ** 2 / float(proportion_effectsize(p2, p1)) ** 2,
    }
    for method, value in textbook.items():
        assert stats.sample_size_proportions(p1, 0.01, method=method) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("method", stats.SS_METHODS)
@pytest.mark.parametrize("sides", [1, 2])
def test_mde_inverts_sample_size(method, sides):
    n = stats.sample_size_proportions(0.03, 0.006, 0.05, 0.9, sides, method)
    assert stats.mde_proportions(0.03, n, 0.05, 0.9, sides, method) == pytest.approx(0.006, rel=1e-6)
    assert stats.mde_means(
        12.0, stats.sample_size_means(12.0, 1.5, sides=sides), sides=sides
    ) == pytest.approx(1.5, rel=1e-6)


# ----------------------------------------------------------------------------- metrics.md: ROI curves

SPEND = [10000, 20000, 30000, 40000, 50000]
GMV = [36000, 58000, 72000, 81000, 89000]


def test_roi_log_vector():
    f = stats.fit_curve(SPEND, GMV, "log")
    doc(f.a, "-267091.5719")
    doc(f.b, "32877.3480")
    doc(f.predict(60000), "94628.29")
    doc(f.predict(60000) / 60000, "1.5771")
    doc(f.marginal(60000), "0.5480")


def test_roi_power_vector():
    f = stats.fit_curve(SPEND, GMV, "power")
    doc(f.a, "209.3198")
    doc(f.b, "0.563014")
    doc(f.predict(60000), "102559.52")
    doc(f.predict(60000) / 60000, "1.7093")
    doc(f.marginal(60000), "0.9624")


def test_roi_linear_vector():
    f = stats.fit_curve(SPEND, GMV, "linear")
    assert f.a == pytest.approx(28500, rel=1e-9) and f.b == pytest.approx(1.29, rel=1e-9)
    doc(f.predict(60000), "105900")
    doc(f.predict(60000) / 60000, "1.765")


def test_marginals_are_derivatives():
    for model in stats.CURVES:
        f = stats.fit_curve(SPEND, GMV, model)
        h = 1e-3
        numeric = (f.predict(30000 + h) - f.predict(30000 - h)) / (2 * h)
        assert f.marginal(30000) == pytest.approx(numeric, rel=1e-5)


def test_power_fits_recover_an_exact_curve():
    s = np.linspace(500, 5000, 12)
    g = 7.5 * s**0.62
    for fit in (stats.fit_curve(s, g, "power"), stats.fit_power_nonlinear(s, g)):
        assert fit.a == pytest.approx(7.5, rel=1e-5) and fit.b == pytest.approx(0.62, rel=1e-6)


def test_unknown_names_are_errors():
    with pytest.raises(ValueError):
        stats.fit_curve(SPEND, GMV, "hill")
    with pytest.raises(ValueError):
        stats.sample_size_proportions(0.04, 0.01, method="magic")


# ----------------------------------------------------------------------------- second routes on random data


def test_proportion_tests_agree_with_second_routes_on_random_data():
    rng = np.random.default_rng(20240611)
    for _ in range(100):
        n_t, n_c = (int(v) for v in rng.integers(300, 20000, size=2))
        x_t, x_c = (
            int(rng.binomial(n_t, rng.uniform(0.01, 0.3))),
            int(rng.binomial(n_c, rng.uniform(0.01, 0.3))),
        )
        pooled = stats.two_proportions(x_t, n_t, x_c, n_c)
        chi = sps.chi2_contingency([[x_t, n_t - x_t], [x_c, n_c - x_c]], correction=False)
        assert pooled.p_value == pytest.approx(chi.pvalue, rel=1e-7, abs=1e-14)
        assert pooled.statistic**2 == pytest.approx(chi.statistic, rel=1e-9)
        score = sm_test_2indep(x_t, n_t, x_c, n_c, method="score", correction=False)
        assert pooled.statistic == pytest.approx(score.statistic, rel=1e-7)
        unpooled = stats.two_proportions(x_t, n_t, x_c, n_c, pooled=False)
        p1, p2 = x_t / n_t, x_c / n_c
        se = math.sqrt(p1 * (1 - p1) / n_t + p2 * (1 - p2) / n_c)
        assert unpooled.se == pytest.approx(se, rel=1e-12)
        z = sps.norm.ppf(0.975)
        assert (unpooled.ci_low, unpooled.ci_high) == pytest.approx(
            (p1 - p2 - z * se, p1 - p2 + z * se), rel=1e-9
        )


def test_welch_from_data_matches_summary_route():
    rng = np.random.default_rng(7)
    for _ in range(30):
        a = rng.lognormal(3, 1, size=int(rng.integers(20, 400)))
        b = rng.lognormal(3.1, 1.2, size=int(rng.integers(20, 400)))
        raw = stats.means_test(a, b)
        summ = stats.means_test_from_stats(a.mean(), a.std(ddof=1), len(a), b.mean(), b.std(ddof=1), len(b))
        for field in ("statistic", "p_value", "ci_low", "ci_high", "df", "se"):
            assert getattr(raw, field) == pytest.approx(getattr(summ, field), rel=1e-9)
        one = stats.means_test(a, b, alternative="larger")
        assert one.p_value == pytest.approx(
            sps.ttest_ind(a, b, equal_var=False, alternative="greater").pvalue
        )
        student = stats.means_test_from_stats(
            a.mean(), a.std(ddof=1), len(a), b.mean(), b.std(ddof=1), len(b), equal_var=True
        )
        assert student.p_value == pytest.approx(sps.ttest_ind(a, b).pvalue, rel=1e-9)
        assert (student.ci_low, student.ci_high) == pytest.approx(
            sps.ttest_ind(a, b).confidence_interval(), rel=1e-9
        )


def test_srm_matches_goodness_of_fit_by_hand():
    obs = np.array([4210, 5790])
    expected = np.array([0.4, 0.6]) * obs.sum()
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    assert stats.srm_statistic(obs, [0.4, 0.6]) == pytest.approx(chi2, rel=1e-12)
    assert stats.srm_p_value(obs, [0.4, 0.6]) == pytest.approx(sps.chi2.sf(chi2, 1), rel=1e-9)
