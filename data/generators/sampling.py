"""Fast draws shared by the generators: many small discrete distributions at once, large-count binomials,
distinct ids and categorical columns built straight from codes.

Everything takes the family's ``rng``; nothing keeps state. The point is speed at millions of rows
(``generate_datasets`` must stay within a few times bare numpy): each helper is a handful of passes
over the data, where the obvious numpy call (``rng.choice(p=...)``, an n×k comparison, ``rng.binomial``
with large counts, ``rng.permutation``) costs five to fifty times more.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

GUIDE_BUCKETS = 1024
"""Guide-table buckets per distribution in :class:`Sampler` (a power of two, so u × B is exact)."""
NORMAL_APPROX_VAR = 10.0
"""Binomial / Poisson draws with at least this variance use a skew-corrected rounded normal."""
EXACT_SHARE = 0.85
"""When more than this share of an array's draws are below NORMAL_APPROX_VAR, all are drawn exactly
(the few large ones cost less than splitting the array)."""
_MASK34 = (1 << 34) - 1


def code_dtype(n_categories: int) -> np.dtype:
    """The integer type pandas keeps categorical codes in (so building a column needs no conversion).

    >>> code_dtype(5), code_dtype(300), code_dtype(70_000)
    (dtype('int8'), dtype('int16'), dtype('int32'))
    """
    for kind in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(kind).max:
            return np.dtype(kind)
    return np.dtype(np.int64)


def categorical(codes: np.ndarray, categories: Any) -> pd.Categorical:
    """A Categorical from codes that are valid by construction (no validation pass, no copy if they fit).

    ``categories`` is a list of labels or a ready ``pd.CategoricalDtype`` (reuse one for many columns
    with the same long label list, e.g. creative ids in two datasets).

    >>> categorical(np.array([1, 0, 1], dtype=np.int8), ["a", "b"]).tolist()
    ['b', 'a', 'b']
    """
    dtype = categories if isinstance(categories, pd.CategoricalDtype) else pd.CategoricalDtype(categories)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def numbered(prefix: str, n: int, width: int) -> list[str]:
    """``n`` ids ``prefix`` + 1 … n zero-padded to ``width`` digits (map over a bound format: fast).

    >>> numbered("S", 3, 4)
    ['S0001', 'S0002', 'S0003']
    """
    return list(map(f"{prefix}{{:0{width}d}}".format, range(1, n + 1)))


class Sampler:
    """Inverse-CDF draws from many small discrete distributions at once, exact and O(1) per draw.

    Row r of ``probs`` is one distribution over codes 0 … k−1 (rows are normalised). ``codes(u, row)``
    returns, for each uniform u and row index, the first code whose cumulative probability exceeds u,
    exactly as ``searchsorted(cumsum(p), u, side="right")`` would, but through a guide table: the bucket
    ⌊u·B⌋ gives the answer for the whole bucket, except in the few buckets that contain a cumulative
    value (flagged negative in the table), where a short search from the bucket's answer finishes it.

    >>> s = Sampler(np.array([[0.2, 0.0, 0.8], [0.5, 0.5, 0.0]]))
    >>> s.codes(np.array([0.1, 0.2, 0.95, 0.49, 0.5]), np.array([0, 0, 0, 1, 1])).tolist()
    [0, 2, 2, 0, 1]
    """

    def __init__(self, probs: np.ndarray):
        p = np.atleast_2d(np.asarray(probs, dtype=float))
        rows, k = p.shape
        cum = np.minimum(np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1), 1.0)
        cum[:, -1] = 1.0
        self.k, self.dtype = k, code_dtype(k + 1)
        self.scaled_cum = cum.ravel() * GUIDE_BUCKETS
        reach = np.ceil(cum * GUIDE_BUCKETS).astype(np.int64)  # grid points u = g/B with answer ≤ j
        counts = np.diff(reach, axis=1, prepend=0)
        guide = np.repeat(np.tile(np.arange(k, dtype=self.dtype), rows), counts.ravel())
        dirty = self._dirty_buckets(cum)
        guide[dirty] = -1 - guide[dirty]
        self.guide = guide
        self.jump = (self._next_distinct(cum) - np.arange(k)).astype(self.dtype).ravel()
        self.steps = int(np.bincount(dirty).max()) if dirty.size else 0

    @staticmethod
    def _next_distinct(cum: np.ndarray) -> np.ndarray:
        """Per row and code j: the first code after j whose cumulative probability is larger."""
        k = cum.shape[1]
        nxt = np.full(cum.shape, k - 1, dtype=np.int64)
        for j in range(k - 2, -1, -1):
            nxt[:, j] = np.where(cum[:, j + 1] > cum[:, j], j + 1, nxt[:, j + 1])
        return nxt

    @staticmethod
    def _dirty_buckets(cum: np.ndarray) -> np.ndarray:
        """Flat (row, bucket) index of each distinct cumulative value strictly inside a bucket (repeats
        when a bucket holds several: their count is the search steps it needs)."""
        rows = np.repeat(np.arange(cum.shape[0]), cum.shape[1] - 1)
        values = cum[:, :-1].ravel()
        scaled = values * GUIDE_BUCKETS
        first = (np.diff(cum, axis=1, prepend=-1.0)[:, :-1] > 0).ravel()
        inside = first & (values < 1) & (scaled != np.floor(scaled))
        return cast(np.ndarray, rows[inside] * GUIDE_BUCKETS + np.floor(scaled[inside]).astype(np.int64))

    def codes(self, u: np.ndarray, row: np.ndarray | None = None) -> np.ndarray:
        """Codes for uniforms ``u`` in [0, 1) (consumed: scaled in place), each from distribution ``row``
        (all from distribution 0 when None)."""
        u *= GUIDE_BUCKETS
        at = u.astype(np.intp)
        if row is not None:
            at += np.multiply(row, GUIDE_BUCKETS, dtype=np.int32)
        code = self.guide[at]
        dirty = np.flatnonzero(code < 0)
        if dirty.size:
            found = -1 - code[dirty]
            base = 0 if row is None else row[dirty].astype(np.intp) * self.k
            left = u[dirty]
            for _ in range(self.steps):
                at = base + found
                found += self.jump[at] * (self.scaled_cum[at] <= left)
            code[dirty] = found
        return code


def uniform16(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """Uniform 16-bit integers (0 … 65535): four per raw 64-bit draw of ``rng``'s bit generator, several
    times cheaper than ``rng.random``.

    Compare with :func:`threshold16` for events whose probability needs no more than 1/65536 precision
    (an order's status, its product, its quantity). The raw words are read little-endian, so every
    machine gets the same values.

    >>> u = uniform16(np.random.default_rng(0), (2, 3))
    >>> u.shape, u.dtype.kind
    ((2, 3), 'u')
    """
    size = int(np.prod(shape))
    raw = rng.bit_generator.random_raw(-(-size // 4))
    return raw.astype("<u8", copy=False).view("<u2")[:size].reshape(shape)


def threshold16(p: Any) -> np.ndarray:
    """Probabilities as thresholds for :func:`uniform16`: ``u < threshold16(p)`` happens with probability p
    (rounded to 1/65536).

    >>> threshold16(np.array([0.0, 0.25, 1.0])).tolist()
    [0, 16384, 65536]
    """
    return cast(np.ndarray, np.rint(np.clip(p, 0.0, 1.0) * 65536).astype(np.int32))


def binomial(rng: np.random.Generator, n: Any, p: Any) -> np.ndarray:
    """Binomial(n, p) counts (int64): exact where n·p·(1−p) < NORMAL_APPROX_VAR, else skew-corrected normal.

    Above that variance the draw is round(np + σz + (1−2p)(z²−1)/6) clipped to [0, n] (a Cornish–Fisher
    normal with the binomial's skewness): its total-variation distance from the binomial is below 0.003,
    and it is several times faster than numpy's sampler on millions of mid-size counts. Arrays of mostly
    small counts are drawn exactly throughout.

    >>> x = binomial(np.random.default_rng(0), np.array([10, 10**6]), 0.3)
    >>> int(x[0]) <= 10, abs(int(x[1]) - 300_000) < 3_000
    (True, True)
    """
    n, p = np.broadcast_arrays(np.asarray(n), np.asarray(p, dtype=float))
    mean = np.asarray(n * p)
    var = np.asarray(mean * p)
    np.subtract(mean, var, out=var)
    small = var < NORMAL_APPROX_VAR
    if np.count_nonzero(small) > EXACT_SHARE * small.size:
        return np.asarray(rng.binomial(n, p), dtype=np.int64)
    out = _skewed_normal(rng, mean, var, p, n).astype(np.int64)
    if small.any():
        out[small] = rng.binomial(n[small], p[small])
    return out


def multinomial(rng: np.random.Generator, n: np.ndarray, pvals: np.ndarray) -> np.ndarray:
    """Multinomial counts, one row per entry of ``n`` with that row of ``pvals`` (rows sum to 1).

    With large counts, drawn column by column as binomials of what is left (so :func:`binomial`'s fast
    path applies); every row sums to its ``n`` exactly.

    >>> x = multinomial(np.random.default_rng(0), np.array([10, 5000]), np.array([[0.5, 0.5, 0], [0.2, 0.3, 0.5]]))
    >>> x.sum(axis=1).tolist(), int(x[0, 2])
    ([10, 5000], 0)
    """
    n = np.asarray(n, dtype=np.int64)
    if n.sum() < 100 * pvals.size:  # under ~100 per cell numpy's own sampler is as fast
        return rng.multinomial(n, pvals)
    out = np.empty(pvals.shape, dtype=np.int64)
    left = n.copy()
    mass = np.ones(n.shape)
    for j in range(pvals.shape[1] - 1):
        share = np.divide(pvals[:, j], mass, out=np.zeros(n.shape), where=mass > 0)
        out[:, j] = binomial(rng, left, np.clip(share, 0.0, 1.0))
        left -= out[:, j]
        mass -= pvals[:, j]
    out[:, -1] = left
    return out


def poisson(rng: np.random.Generator, lam: Any) -> np.ndarray:
    """Poisson(λ) counts (int64): exact below λ = NORMAL_APPROX_VAR, else a skew-corrected normal.

    >>> x = poisson(np.random.default_rng(0), np.array([0.5, 1e6]))
    >>> int(x[0]) >= 0, abs(int(x[1]) - 10**6) < 6_000
    (True, True)
    """
    lam = np.asarray(lam, dtype=float)
    small = lam < NORMAL_APPROX_VAR
    if np.count_nonzero(small) > EXACT_SHARE * small.size:
        return np.asarray(rng.poisson(lam), dtype=np.int64)
    out = _skewed_normal(rng, lam.copy(), lam.copy(), None, None).astype(np.int64)
    if small.any():
        out[small] = rng.poisson(lam[small])
    return out


def _skewed_normal(rng: np.random.Generator, mean: np.ndarray, var: np.ndarray, p: np.ndarray | None,
                   top: np.ndarray | None) -> np.ndarray:
    """round(mean + σz + (1 − 2p)·(z² − 1)/6), clipped to [0, top]; a Poisson when ``p`` is None.

    (1 − 2p) — or 1 for a Poisson — is the third cumulant over the variance, so the result has the
    target's mean, variance and skewness to first order. ``mean`` and ``var`` are used as scratch space
    (callers overwrite the entries whose variance is too small for the approximation).
    """
    z = rng.standard_normal(mean.shape)
    var -= 1 / 12  # rounding adds 1/12 to the variance (Sheppard)
    np.sqrt(np.maximum(var, 0, out=var), out=var)
    var *= z
    mean += var
    z *= z
    z -= 1
    z /= 6
    mean += z
    if p is not None:
        z *= p
        z *= 2
        mean -= z
    np.rint(mean, out=mean)
    return np.clip(mean, 0, top, out=mean)


def lognormal_noise(rng: np.random.Generator, sigma: float, shape: tuple[int, ...]) -> np.ndarray:
    """Multiplicative lognormal noise exp(N(0, sigma)) of ``shape``, in float32 (plenty for a wobble, and
    its exp is twice as fast as float64's).

    >>> w = lognormal_noise(np.random.default_rng(0), 0.2, (100_000,))
    >>> w.dtype, round(float(np.log(w).std()), 2)
    (dtype('float32'), 0.2)
    """
    z = rng.standard_normal(shape, dtype=np.float32)
    z *= np.float32(sigma)
    return np.exp(z, out=z)


def run_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Integer sums of consecutive runs of ``counts`` values (runs may be empty), via one running sum.

    >>> run_sums(np.array([1, 2, 3, 4]), np.array([2, 0, 1, 1, 0])).tolist()
    [3, 0, 3, 4, 0]
    """
    running = np.empty(values.size + 1, dtype=np.int64)
    running[0] = 0
    np.cumsum(values, out=running[1:])
    ends = np.empty(counts.size + 1, dtype=np.intp)
    ends[0] = 0
    np.cumsum(counts, out=ends[1:])
    return np.diff(running[ends])


def increasing_ids(rng: np.random.Generator, n: int, start: int, max_gap: int) -> np.ndarray:
    """``n`` distinct increasing int64 ids from ``start``: random gaps in 1 … max_gap − 1.

    >>> ids = increasing_ids(np.random.default_rng(0), 5, 1000, 10)
    >>> bool(np.all(np.diff(ids) > 0) and 1000 < ids[0] < 1010)
    True
    """
    ids = rng.integers(1, max_gap, size=n, dtype=np.int32 if max_gap < 2**31 else np.int64).astype(np.int64)
    np.cumsum(ids, out=ids)  # an int64 running sum in place is several times faster than a widening one
    ids += start
    return ids


def scattered_ids(rng: np.random.Generator, n: int, start: int) -> np.ndarray:
    """``n`` distinct int64 ids in random order within [start, start + 2**34), without a permutation.

    Row i gets ``start + mix(i)``, where ``mix`` is a keyed bijection of 34-bit integers (odd
    multipliers and xor-shifts), so ids never collide and look unordered.

    >>> ids = scattered_ids(np.random.default_rng(0), 100_000, 10**9)
    >>> len(np.unique(ids)) == 100_000, bool(ids.min() >= 10**9), bool(np.any(np.diff(ids) < 0))
    (True, True, True)
    """
    if n > _MASK34:
        raise ValueError("too many ids for a 34-bit space")
    mult = rng.integers(0, 1 << 33, size=2, dtype=np.int64) * 2 + 1
    add = int(rng.integers(0, 1 << 34))
    x = np.arange(n, dtype=np.int64)
    shifted = np.empty_like(x)
    x *= int(mult[0])
    x += add
    x &= _MASK34
    x ^= np.right_shift(x, 17, out=shifted)
    x *= int(mult[1])
    x &= _MASK34
    x ^= np.right_shift(x, 15, out=shifted)
    x += start
    return x
