"""Shared statistics for the analytics tasks: A/B tests, sample sizes, SRM and spend→GMV curves.

Every distribution and test comes from statsmodels or scipy; this module only chooses the method and
arranges the inputs. Differences are always *treatment − control* ("arm 1 − arm 2" in statsmodels terms).

>>> r = two_proportions(250, 5000, 200, 5000)
>>> round(r.statistic, 6), round(r.p_value, 6)
(2.411915, 0.015869)
>>> math.ceil(sample_size_proportions(0.04, 0.01, method="pbar"))
6745
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.power import normal_sample_size_one_tail
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
    test_proportions_2indep,
)

Alternative = Literal["two-sided", "larger"]
CI_METHODS = ("wald", "agresti-caffo", "newcomb", "score")
"""Methods of statsmodels ``confint_proportions_2indep`` offered for the CI of a difference."""
SS_METHODS = ("pbar", "evan_miller", "unpooled", "cohens_h")
"""Sample-size formulas for two proportions (see :func:`sample_size_proportions`)."""
CURVES = ("linear", "log", "power")
"""Spend→GMV response-curve families (see :func:`fit_curve`)."""
SRM_THRESHOLD = 0.001
"""p-value below which a sample-ratio mismatch is flagged (GrowthBook's default)."""


@dataclass(frozen=True)
class DiffTest:
    """A two-sample comparison of treatment against control."""

    mean_treatment: float
    """Conversion rate (or mean) of the treatment arm."""
    mean_control: float
    """Conversion rate (or mean) of the control arm."""
    diff: float
    """Absolute lift: treatment − control."""
    se: float
    """Standard error the test statistic divides by."""
    statistic: float
    """z (proportions) or t (means) of the difference."""
    p_value: float
    """p-value for the requested alternative."""
    ci_low: float
    """Lower end of the two-sided (1 − α) interval of the difference."""
    ci_high: float
    """Upper end of that interval."""
    df: float | None = None
    """Degrees of freedom (t-tests only)."""

    @property
    def rel_lift(self) -> float:
        """Relative lift: diff / control."""
        return self.diff / self.mean_control if self.mean_control else math.nan


def two_proportions(
    x_t: int,
    n_t: int,
    x_c: int,
    n_c: int,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    pooled: bool = True,
    ci_method: str | None = "wald",
) -> DiffTest:
    """z-test of two proportions, pooled SE (``proportions_ztest``) or unpooled (Wald), with a CI
    (``ci_method`` None skips the interval: NaN bounds).

    >>> r = two_proportions(250, 5000, 200, 5000, pooled=False)
    >>> round(r.se, 8), round(r.p_value, 6), round(r.ci_low, 6)
    (0.00414488, 0.015838, 0.001876)
    """
    p_t, p_c = x_t / n_t, x_c / n_c
    if pooled:
        z, p = proportions_ztest([x_t, x_c], [n_t, n_c], alternative=alternative)
        pool = (x_t + x_c) / (n_t + n_c)
        se = math.sqrt(pool * (1 - pool) * (1 / n_t + 1 / n_c))
    else:
        res = test_proportions_2indep(
            x_t, n_t, x_c, n_c, method="wald", compare="diff", alternative=alternative
        )
        z, p, se = res.statistic, res.pvalue, math.sqrt(res.variance)
    low, high = (
        (math.nan, math.nan)
        if ci_method is None
        else confint_proportions_2indep(x_t, n_t, x_c, n_c, method=ci_method, compare="diff", alpha=alpha)
    )
    return DiffTest(p_t, p_c, p_t - p_c, float(se), float(z), float(p), float(low), float(high))


def chi2_no_yates(x_t: int, n_t: int, x_c: int, n_c: int, correction: bool = False) -> tuple[float, float]:
    """Pearson χ² of the 2×2 table (without Yates by default) and its p-value, via scipy.

    >>> tuple(round(v, 6) for v in chi2_no_yates(250, 5000, 200, 5000))
    (5.817336, 0.015869)
    """
    table = [[x_t, n_t - x_t], [x_c, n_c - x_c]]
    res = stats.chi2_contingency(table, correction=correction)
    return float(res.statistic), float(res.pvalue)


def _welch_df(v_t: float, n_t: float, v_c: float, n_c: float) -> float:
    """Welch–Satterthwaite degrees of freedom from sample variances and sizes."""
    a, b = v_t / n_t, v_c / n_c
    return (a + b) ** 2 / (a**2 / (n_t - 1) + b**2 / (n_c - 1))


def means_test_from_stats(
    m_t: float,
    s_t: float,
    n_t: int,
    m_c: float,
    s_c: float,
    n_c: int,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    equal_var: bool = False,
) -> DiffTest:
    """Welch's (or Student's) t-test from summary statistics, with the two-sided (1 − α) CI.

    >>> r = means_test_from_stats(105, 35, 520, 100, 30, 500)
    >>> round(r.statistic, 6), round(r.df, 4), round(r.p_value, 6), round(r.ci_low, 6)
    (2.452699, 1004.9149, 0.014348, 0.999657)
    """
    res = stats.ttest_ind_from_stats(
        m_t,
        s_t,
        n_t,
        m_c,
        s_c,
        n_c,
        equal_var=equal_var,
        alternative="greater" if alternative == "larger" else "two-sided",
    )
    if equal_var:
        dof = float(n_t + n_c - 2)
        pooled = ((n_t - 1) * s_t**2 + (n_c - 1) * s_c**2) / dof
        se = math.sqrt(pooled * (1 / n_t + 1 / n_c))
    else:
        dof = _welch_df(s_t**2, n_t, s_c**2, n_c)
        se = math.sqrt(s_t**2 / n_t + s_c**2 / n_c)
    diff = m_t - m_c
    low, high = stats.t.interval(1 - alpha, dof, loc=diff, scale=se)
    return DiffTest(m_t, m_c, diff, se, float(res.statistic), float(res.pvalue), float(low), float(high), dof)


def means_test(
    treatment: Sequence[float] | np.ndarray,
    control: Sequence[float] | np.ndarray,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    equal_var: bool = False,
) -> DiffTest:
    """Welch's (default) or Student's t-test on raw values (scipy ``ttest_ind``) with its CI.

    >>> r = means_test([3.0, 5.0, 7.0, 9.0], [1.0, 2.0, 3.0])
    >>> round(r.diff, 3), round(r.df, 3)
    (4.0, 4.075)
    """
    t_arr, c_arr = np.asarray(treatment, dtype=float), np.asarray(control, dtype=float)
    res = stats.ttest_ind(t_arr, c_arr, equal_var=equal_var)
    low, high = res.confidence_interval(1 - alpha)
    if alternative == "larger":
        one = stats.ttest_ind(t_arr, c_arr, equal_var=equal_var, alternative="greater")
        p = float(one.pvalue)
    else:
        p = float(res.pvalue)
    diff = float(t_arr.mean() - c_arr.mean())
    se = diff / float(res.statistic) if res.statistic else math.nan
    return DiffTest(
        float(t_arr.mean()),
        float(c_arr.mean()),
        diff,
        se,
        float(res.statistic),
        p,
        float(low),
        float(high),
        float(res.df),
    )


def relative_lift_delta(x_t: int, n_t: int, x_c: int, n_c: int) -> tuple[float, float, float]:
    """Relative lift, its delta-method SE and two-sided p (GrowthBook's frequentist engine).

    Variances are p(1 − p); the p-value uses Student's t with Welch degrees of freedom.

    >>> tuple(round(v, 6) for v in relative_lift_delta(250, 5000, 200, 5000))
    (0.25, 0.11592, 0.031057)
    """
    p_t, p_c = x_t / n_t, x_c / n_c
    v_t, v_c = p_t * (1 - p_t), p_c * (1 - p_c)
    rel = p_t / p_c - 1
    se = math.sqrt(v_t / n_t / p_c**2 + p_t**2 * v_c / n_c / p_c**4)
    dof = _welch_df(v_t, n_t, v_c, n_c)
    return rel, se, float(2 * stats.t.sf(abs(rel / se), dof))


def srm_p_value(counts: Sequence[int], planned: Sequence[float]) -> float:
    """χ² goodness-of-fit p-value of arm sizes against the planned split (scipy ``chisquare``).

    >>> round(srm_p_value([50000, 49000], [0.5, 0.5]), 5)
    0.00148
    """
    obs = np.asarray(counts, dtype=float)
    shares = np.asarray(planned, dtype=float) / float(np.sum(planned))
    return float(stats.chisquare(obs, f_exp=shares * obs.sum()).pvalue)


def srm_statistic(counts: Sequence[int], planned: Sequence[float]) -> float:
    """The χ² statistic of :func:`srm_p_value` (50000 vs 49000 at 50/50 → 10.101)."""
    obs = np.asarray(counts, dtype=float)
    shares = np.asarray(planned, dtype=float) / float(np.sum(planned))
    return float(stats.chisquare(obs, f_exp=shares * obs.sum()).statistic)


def _one_tail_alpha(alpha: float, sides: int) -> float:
    return alpha / 2 if sides == 2 else alpha


def sample_size_proportions(
    baseline: float,
    delta: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    method: str = "pbar",
) -> float:
    """Unrounded n per arm to detect ``baseline`` → ``baseline + delta`` (round up for the answer).

    Methods (metrics.md vector p1 0.04, δ 0.01 → 6745 / 6239 / 6743 / 6726):
    ``pbar`` statsmodels ``samplesize_proportions_2indep_onetail`` (pooled p̄ under H0);
    ``evan_miller`` Evan Miller's calculator (√(2·p1·q1) under H0); ``unpooled`` p1q1 + p2q2 under both;
    ``cohens_h`` the normal formula 2(z₁₋α/₂ + z₁₋β)²/h² on Cohen's h (statsmodels ``proportion_effectsize``).
    """
    p1, p2 = baseline, baseline + delta
    a1 = _one_tail_alpha(alpha, sides)
    if method == "pbar":
        alt = "two-sided" if sides == 2 else "larger"
        return float(samplesize_proportions_2indep_onetail(delta, p1, power, alpha=alpha, alternative=alt))
    if method in ("evan_miller", "unpooled"):
        sd_alt = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        sd_null = math.sqrt(2 * p1 * (1 - p1)) if method == "evan_miller" else sd_alt
        return float(
            normal_sample_size_one_tail(abs(delta), power, a1, std_null=sd_null, std_alternative=sd_alt)
        )
    if method == "cohens_h":
        h = abs(float(proportion_effectsize(p2, p1)))
        return _normal_ind_n(h, alpha, power, sides)
    raise ValueError(f"unknown sample-size method {method!r}")


def _normal_ind_n(effect: float, alpha: float, power: float, sides: int) -> float:
    """n per arm = 2(z₁₋α' + z₁₋β)²/effect² for a standardised effect (statsmodels' one-tail form)."""
    return float(
        normal_sample_size_one_tail(effect, power, _one_tail_alpha(alpha, sides), std_null=math.sqrt(2))
    )


def sample_size_means(
    sigma: float, delta: float, alpha: float = 0.05, power: float = 0.8, sides: int = 2
) -> float:
    """Unrounded n per arm for a difference ``delta`` of means with SD ``sigma``: 2(z₁₋α/₂ + z₁₋β)²σ²/Δ².

    >>> math.ceil(sample_size_means(30, 5))
    566
    """
    return _normal_ind_n(abs(delta) / sigma, alpha, power, sides)


def mde_proportions(
    baseline: float, n: float, alpha: float = 0.05, power: float = 0.8, sides: int = 2, method: str = "pbar"
) -> float:
    """Smallest absolute lift detectable with ``n`` per arm: inverts :func:`sample_size_proportions`
    (Cohen's h in closed form: p2 = sin²(asin √p1 + h/2)).

    >>> round(mde_proportions(0.04, sample_size_proportions(0.04, 0.01)), 8)
    0.01
    """
    if method == "cohens_h":
        h = _normal_ind_effect(n, alpha, power, sides)
        return math.sin(math.asin(math.sqrt(baseline)) + h / 2) ** 2 - baseline

    def gap(delta: float) -> float:
        return sample_size_proportions(baseline, delta, alpha, power, sides, method) - n

    return float(optimize.brentq(gap, 1e-9, 1 - baseline - 1e-9, xtol=1e-14, rtol=1e-14))


def mde_means(sigma: float, n: float, alpha: float = 0.05, power: float = 0.8, sides: int = 2) -> float:
    """Smallest difference of means detectable with ``n`` per arm (inverts :func:`sample_size_means`)."""
    return _normal_ind_effect(n, alpha, power, sides) * sigma


def _normal_ind_effect(n: float, alpha: float, power: float, sides: int) -> float:
    """Standardised effect detectable with ``n`` per arm: (z₁₋α' + z₁₋β)·√(2/n), inverting
    :func:`_normal_ind_n` (quantiles from scipy)."""
    z = stats.norm.isf(_one_tail_alpha(alpha, sides)) + stats.norm.isf(1 - power)
    return float(z * math.sqrt(2 / n))


@dataclass(frozen=True)
class CurveFit:
    """A fitted spend→GMV response curve ``gmv = f(spend)``.

    linear: a + b·S; log: a + b·ln S; power: a·S^b (a = k, b = e; least squares on logs).
    """

    model: str
    """One of :data:`CURVES`."""
    a: float
    """Intercept (linear, log) or scale k (power)."""
    b: float
    """Slope (linear), log coefficient (log) or exponent e (power)."""

    def predict(self, spend: float) -> float:
        """Fitted GMV at ``spend``."""
        if self.model == "linear":
            return self.a + self.b * spend
        if self.model == "log":
            return self.a + self.b * math.log(spend)
        return cast(float, self.a * spend**self.b)  # float ** float is typed Any (it may be complex)

    def marginal(self, spend: float) -> float:
        """dGMV/dspend at ``spend`` (marginal ROI): b; b/S; e·GMV/S."""
        if self.model == "linear":
            return self.b
        if self.model == "log":
            return self.b / spend
        return self.b * self.predict(spend) / spend


def fit_curve(spend: Sequence[float] | np.ndarray, gmv: Sequence[float] | np.ndarray, model: str) -> CurveFit:
    """Least-squares fit of one family (scipy ``linregress``; power on ln S, ln GMV).

    >>> f = fit_curve([1e4, 2e4, 3e4, 4e4, 5e4], [36e3, 58e3, 72e3, 81e3, 89e3], "power")
    >>> round(f.a, 4), round(f.b, 6), round(f.predict(6e4), 2)
    (209.3198, 0.563014, 102559.52)
    """
    s, g = np.asarray(spend, dtype=float), np.asarray(gmv, dtype=float)
    if model == "linear":
        res = stats.linregress(s, g)
        return CurveFit(model, float(res.intercept), float(res.slope))
    if model == "log":
        res = stats.linregress(np.log(s), g)
        return CurveFit(model, float(res.intercept), float(res.slope))
    if model == "power":
        res = stats.linregress(np.log(s), np.log(g))
        return CurveFit(model, float(math.exp(res.intercept)), float(res.slope))
    raise ValueError(f"unknown curve model {model!r}")


def fit_power_nonlinear(spend: Sequence[float] | np.ndarray, gmv: Sequence[float] | np.ndarray) -> CurveFit:
    """Power curve fitted by non-linear least squares on the original scale (scipy ``curve_fit``).

    Not the key's method (the key fits on logs); used to recognise this variant in feedback.
    """
    s, g = np.asarray(spend, dtype=float), np.asarray(gmv, dtype=float)
    start = fit_curve(s, g, "power")
    (k, e), _ = optimize.curve_fit(
        lambda x, k, e: k * np.power(x, e), s, g, p0=[start.a, start.b], maxfev=20000
    )
    return CurveFit("power", float(k), float(e))
