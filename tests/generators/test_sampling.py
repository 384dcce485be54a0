"""Tests for data/generators/sampling.py: the fast draws behind every generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from data.generators import sampling as smp


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _random_distributions(rng: np.random.Generator, rows: int, k: int) -> np.ndarray:
    """Rows with zero-probability codes, tiny codes and (every other row) values on the bucket grid."""
    p = rng.random((rows, k)) ** 3
    p[rng.random((rows, k)) < 0.3] = 0
    p[:, rng.integers(k)] += 1e-3
    p[::2] = np.round(p[::2] * 8) / 8
    p[p.sum(axis=1) == 0, 0] = 1
    return p


@pytest.mark.parametrize("seed", range(12))
def test_sampler_is_the_exact_inverse_cdf(seed):
    rng = _rng(seed)
    rows, k = int(rng.integers(1, 30)), int(rng.integers(1, 12))
    sampler = smp.Sampler(_random_distributions(rng, rows, k))
    cum = sampler.scaled_cum.reshape(rows, k) / smp.GUIDE_BUCKETS
    row = rng.integers(0, rows, 5000).astype(np.int16)
    u = rng.random(5000)
    u[:200] = rng.integers(0, smp.GUIDE_BUCKETS, 200) / smp.GUIDE_BUCKETS  # bucket starts
    u[200:400] = np.minimum(cum[row[200:400], rng.integers(0, k, 200)], 0.999)  # cumulative values
    want = np.array([np.searchsorted(cum[r], x, side="right") for r, x in zip(row, u, strict=True)])
    assert np.array_equal(sampler.codes(u.copy(), row), want)
    if rows == 1:
        assert np.array_equal(sampler.codes(u.copy()), want)


def test_sampler_frequencies_match_probabilities_and_skip_empty_codes():
    p = np.array([[0.2, 0.0, 0.5, 0.3], [0.0, 0.0, 0.0, 1.0]])
    sampler = smp.Sampler(p)
    row = np.repeat([0, 1], 200_000)
    codes = sampler.codes(_rng().random(row.size), row)
    counts = np.array([np.bincount(codes[row == r], minlength=4) for r in (0, 1)]) / 200_000
    assert counts[0, 1] == 0 and counts[1, :3].sum() == 0
    assert np.allclose(counts, p, atol=0.004)


def test_binomial_small_counts_are_numpys_exact_draws():
    n, p = np.arange(1, 2001) % 30, np.full(2000, 0.1)
    assert np.array_equal(smp.binomial(_rng(3), n, p), _rng(3).binomial(n, p))


@pytest.mark.parametrize(("n", "p"), [(100, 0.1), (60, 0.5), (2000, 0.3), (40, 0.8), (10**7, 0.02)])
def test_binomial_large_counts_match_mean_variance_and_skewness(n, p):
    x = smp.binomial(_rng(), np.full(400_000, n), p)
    assert x.dtype == np.int64 and x.min() >= 0 and x.max() <= n
    mean, var = n * p, n * p * (1 - p)
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / x.size)
    assert x.var() == pytest.approx(var, rel=0.015)
    assert stats.skew(x) == pytest.approx((1 - 2 * p) / np.sqrt(var), abs=0.02)


def test_binomial_mixed_array_keeps_each_cells_law_and_bounds():
    n = np.tile([3, 50, 100_000], 100_000)
    x = smp.binomial(_rng(), n, 0.4).reshape(-1, 3)
    assert (x >= 0).all() and (x <= [3, 50, 100_000]).all()
    assert np.allclose(x.mean(axis=0), [1.2, 20, 40_000], rtol=0.005)
    assert np.bincount(x[:, 0], minlength=4) / len(x) == pytest.approx(stats.binom.pmf(range(4), 3, 0.4), abs=0.005)


@pytest.mark.parametrize("lam", [0.5, 12.0, 3000.0])
def test_poisson_mean_and_variance(lam):
    x = smp.poisson(_rng(), np.full(300_000, lam))
    assert x.dtype == np.int64 and x.min() >= 0
    assert abs(x.mean() - lam) < 5 * np.sqrt(lam / x.size)
    assert x.var() == pytest.approx(lam, rel=0.02)


@pytest.mark.parametrize("total", [40, 50_000])
def test_multinomial_rows_sum_to_n_with_the_right_shares(total):
    pvals = np.array([[0.5, 0.0, 0.3, 0.2]] * 20_000)
    n = np.full(20_000, total)
    x = smp.multinomial(_rng(), n, pvals)
    assert x.dtype == np.int64 and (x >= 0).all()
    assert np.array_equal(x.sum(axis=1), n) and (x[:, 1] == 0).all()
    assert np.allclose(x.mean(axis=0) / total, pvals[0], atol=0.002)
    assert x[:, 0].var() == pytest.approx(total * 0.25, rel=0.05)


def test_scattered_ids_are_distinct_unordered_and_reproducible():
    ids = smp.scattered_ids(_rng(5), 300_000, 10**9)
    assert ids.dtype == np.int64 and len(np.unique(ids)) == ids.size
    assert ids.min() >= 10**9 and ids.max() < 10**9 + 2**34
    assert 0.4 < np.mean(np.diff(ids) > 0) < 0.6  # no visible order
    assert np.array_equal(ids, smp.scattered_ids(_rng(5), 300_000, 10**9))
    assert not np.array_equal(ids, smp.scattered_ids(_rng(6), 300_000, 10**9))


def test_increasing_ids_have_gaps_in_range():
    ids = smp.increasing_ids(_rng(), 100_000, 7_000, 97)
    gaps = np.diff(np.concatenate([[7_000], ids]))
    assert ids.dtype == np.int64 and gaps.min() >= 1 and gaps.max() <= 96
    assert gaps.mean() == pytest.approx(48.5, rel=0.01)


def test_uniform16_and_threshold16_give_the_probability():
    u = smp.uniform16(_rng(), (3, 200_000))
    assert u.shape == (3, 200_000) and u.dtype == np.uint16 and 65_000 < u.max()
    thresholds = smp.threshold16(np.array([0.0, 0.3, 1.0]))
    assert thresholds.tolist() == [0, 19661, 65536]
    assert [float(np.mean(row < t)) for row, t in zip(u, thresholds, strict=True)] == pytest.approx(
        [0.0, 0.3, 1.0], abs=0.003)
    assert np.array_equal(u, smp.uniform16(_rng(), (3, 200_000)))


def test_categorical_columns_from_codes_share_a_dtype():
    dtype = pd.CategoricalDtype(["C01-G1-M1", "C01-G1-M2", "C01-G2-M1"])
    codes = np.array([2, 0, 0, 1], dtype=smp.code_dtype(3))
    column = smp.categorical(codes, dtype)
    assert column.tolist() == ["C01-G2-M1", "C01-G1-M1", "C01-G1-M1", "C01-G1-M2"]
    assert column.dtype == dtype and column.dtype.categories is dtype.categories  # labels not copied
    assert np.shares_memory(column.codes, codes)
    assert smp.code_dtype(126) == np.int8 and smp.code_dtype(127) == np.int16


def test_numbered_ids():
    assert smp.numbered("P", 3, 4) == ["P0001", "P0002", "P0003"]
    assert smp.numbered("C", 120, 2)[-1] == "C120"


def test_run_sums_handle_empty_runs_exactly():
    values = np.array([5, 1, 2, 10**15, 3], dtype=np.int64)
    assert smp.run_sums(values, np.array([0, 2, 0, 0, 2, 1, 0])).tolist() == [0, 6, 0, 0, 2 + 10**15, 3, 0]
    counts = _rng().poisson(2.0, 10_000)
    values = _rng(1).integers(0, 10**6, counts.sum())
    ends = np.cumsum(counts)
    assert np.array_equal(smp.run_sums(values, counts),
                          [values[e - c:e].sum() for e, c in zip(ends, counts, strict=True)])


def test_lognormal_noise_has_the_requested_spread():
    noise = smp.lognormal_noise(_rng(), 0.15, (200, 1000))
    assert noise.shape == (200, 1000) and noise.dtype == np.float32
    assert np.log(noise).mean() == pytest.approx(0.0, abs=0.002)
    assert np.log(noise).std() == pytest.approx(0.15, rel=0.01)


def test_scalar_and_empty_inputs():
    rng = _rng()
    assert 0 <= int(smp.binomial(rng, 5, 0.5)) <= 5 and smp.binomial(rng, 10**6, 0.5).dtype == np.int64
    assert int(smp.poisson(rng, 1e6)) > 900_000 and smp.poisson(rng, np.array([])).shape == (0,)
    assert smp.binomial(rng, np.array([0, 10**6]), np.array([0.0, 1.0])).tolist() == [0, 10**6]
    assert smp.multinomial(rng, np.array([], dtype=np.int64), np.zeros((0, 3))).shape == (0, 3)
    assert smp.uniform16(rng, (4, 0)).shape == (4, 0)
