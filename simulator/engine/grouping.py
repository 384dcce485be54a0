"""Grouped sums and means for the small frames answer keys are computed from, fast and bit-exact.

A key reads a few thousand rows many times over (the key itself, each misconception, each period), and
``DataFrame.groupby(columns)`` costs about a millisecond a call however small the frame. :func:`group_rows`
numbers each row's group once, ordered as ``groupby(by, observed=True, sort=True)`` orders them; then
:meth:`Groups.sums` and :meth:`Groups.means` aggregate any number of columns in one ``groupby`` on those
numbers. That runs pandas' own (Kahan-compensated) kernels over the rows in the same order, so results
are bit-identical to grouping the frame by its columns — keys must not move by a last digit.

>>> df = pd.DataFrame({"c": pd.Categorical(["b", "a", "b"]), "x": [1.0, 2.0, np.nan]})
>>> g = group_rows(df, ["c"])
>>> g.keys["c"].tolist(), g.sums({"x": numbers(df["x"])})["x"].tolist(), g.means({"x": df["x"]})["x"].tolist()
(['a', 'b'], [2.0, 1.0], [2.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

import numpy as np
import pandas as pd


def numbers(series: pd.Series) -> np.ndarray:
    """The values as float64 (text that is not a number → NaN), like ``pd.to_numeric(errors="coerce")``.

    >>> numbers(pd.Series(["1.5", "x", None])).tolist()
    [1.5, nan, nan]
    """
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":  # plain numpy numbers: no missing-value mask
        values: np.ndarray = series.to_numpy()
        return values if dtype == np.float64 else values.astype(np.float64)
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return cast(np.ndarray, series.to_numpy(dtype=float, na_value=np.nan))
    return cast(np.ndarray, pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def nansum(values: np.ndarray) -> float:
    """Sum skipping NaN, added up exactly as ``Series.sum()`` does (missing → 0, then ``ndarray.sum``).

    >>> nansum(np.array([1.0, np.nan, 2.5]))
    3.5
    """
    missing = np.isnan(values)
    return float(np.where(missing, 0.0, values).sum() if missing.any() else values.sum())


def nanmean(values: np.ndarray) -> float:
    """Mean skipping NaN, as ``Series.mean()`` computes it (NaN when nothing is left).

    >>> nanmean(np.array([1.0, np.nan, 2.0]))
    1.5
    """
    missing = np.isnan(values)
    count = len(values) - int(missing.sum())
    if count == 0:
        return float("nan")
    return float((np.where(missing, 0.0, values) if missing.any() else values).sum() / count)


def text_in(series: pd.Series, wanted: set[str], strip: bool = False) -> np.ndarray:
    """Rows whose value as text (``series.astype(str)``, stripped if asked) is one of ``wanted``.

    Categorical text is compared once per category.

    >>> text_in(pd.Series(pd.Categorical(["signed", " x", None])), {"x", "nan"}, strip=True).tolist()
    [False, True, True]
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.inferred_type in ("string", "empty"):
        texts = pd.Series(dtype.categories, dtype=object)
        ok = np.append((texts.str.strip() if strip else texts).isin(wanted).to_numpy(), "nan" in wanted)
        return cast(np.ndarray, ok[series.cat.codes.to_numpy()])  # code -1 (missing) reads the last entry: "nan"
    texts = series.astype(str)
    return cast(np.ndarray, (texts.str.strip() if strip else texts).isin(wanted).to_numpy())


@dataclass(frozen=True)
class _Level:
    """One key column: each row's code (a missing key coded ``size``) and how codes map back to values."""

    name: str
    codes: np.ndarray
    size: int
    """Number of distinct (non-missing) values."""
    uniques: pd.Index | pd.CategoricalDtype
    """The sorted distinct values, or for a categorical column its dtype (codes are category codes)."""

    def column(self, rows: np.ndarray) -> pd.Series:
        """The key values of ``rows`` (missing where the key is missing), dtype kept."""
        idx = self.codes[rows]
        missing = idx >= self.size
        if isinstance(self.uniques, pd.CategoricalDtype):
            return pd.Series(pd.Categorical.from_codes(np.where(missing, -1, idx), dtype=self.uniques),
                             name=self.name)
        if not self.size:
            return pd.Series(np.full(len(idx), np.nan, dtype=object), name=self.name)
        values = pd.Series(self.uniques.take(np.where(missing, 0, idx)), name=self.name)
        return values.mask(missing) if missing.any() else values

    def code_of(self, values: pd.Series) -> np.ndarray:
        """Each value's code in this level (``-1``: missing, or not among the level's values)."""
        known = pd.Index(self.uniques.categories) if isinstance(self.uniques, pd.CategoricalDtype) \
            else self.uniques
        if isinstance(values.dtype, pd.CategoricalDtype):  # look each category up once
            per_category = np.append(known.get_indexer(values.dtype.categories), -1)
            return per_category[np.asarray(values.array.codes, dtype=np.int64)]
        return cast(np.ndarray, known.get_indexer(values))


def _level(name: str, values: pd.Series, sort: bool = True) -> _Level:
    """Codes in the order ``groupby(sort=True)`` sorts keys (category order, else ascending), or in
    order of appearance without ``sort`` (for values that cannot be ordered, e.g. text mixed with dates)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        size = len(values.dtype.categories)
        codes = np.asarray(values.array.codes, dtype=np.int64)
        return _Level(name, np.where(codes < 0, size, codes), size, values.dtype)
    raw, found = pd.factorize(values, sort=sort)
    codes = np.asarray(raw, dtype=np.int64)
    return _Level(name, np.where(codes < 0, len(found), codes), len(found), pd.Index(found))


@dataclass(frozen=True)
class Groups:
    """The groups of a frame's rows under some key columns (see :func:`group_rows`)."""

    codes: np.ndarray
    """Group number of each row (``-1``: in no group, its key being missing and missing keys dropped)."""
    first: np.ndarray
    """Row position of each group's first row."""
    levels: tuple[_Level, ...] = field(repr=False)

    @property
    def size(self) -> int:
        """Number of groups."""
        return len(self.first)

    @cached_property
    def keys(self) -> pd.DataFrame:
        """One row per group: the key columns (their dtypes kept), in pandas' sorted group order."""
        return pd.DataFrame({level.name: level.column(self.first) for level in self.levels})

    @cached_property
    def complete(self) -> np.ndarray:
        """Per group: True when no key column is missing."""
        ok = np.ones(self.size, dtype=bool)
        for level in self.levels:
            ok &= level.codes[self.first] < level.size
        return ok

    def sums(self, columns: Mapping[str, np.ndarray | pd.Series]) -> dict[str, np.ndarray]:
        """Per-group sums of each column (one value per row), NaN skipped (an all-NaN group sums to 0)."""
        return self._aggregate(columns, "sum")

    def means(self, columns: Mapping[str, np.ndarray | pd.Series]) -> dict[str, np.ndarray]:
        """Per-group means of each column, NaN skipped (NaN for a group without a value)."""
        return self._aggregate(columns, "mean")

    def _aggregate(self, columns: Mapping[str, np.ndarray | pd.Series], how: str) -> dict[str, np.ndarray]:
        return aggregate(self.codes, self.size, columns, how)

    def parent(self, coarser: Groups) -> np.ndarray:
        """For each group, the group of ``coarser`` (same rows, a subset of the keys) it falls in."""
        return cast(np.ndarray, coarser.codes[self.first])

    def lookup(self, other: pd.DataFrame) -> np.ndarray:
        """For each row of ``other`` (a frame with the same key columns), the group with that key
        (``-1``: no such group, or a key value missing).

        >>> g = group_rows(pd.DataFrame({"k": ["b", "a"], "d": [1, 2]}), ["k", "d"])
        >>> g.lookup(pd.DataFrame({"k": ["a", "b", "a", None], "d": [2, 1, 1, 2]})).tolist()
        [0, 1, -1, -1]
        """
        if not self.size:
            return np.full(len(other), -1, dtype=np.int64)
        mine, theirs = np.zeros(self.size, dtype=np.int64), np.zeros(len(other), dtype=np.int64)
        found = np.ones(len(other), dtype=bool)
        for level in self.levels:
            width = level.size + 1
            if (int(mine[-1]) + 1) * width > 2**62:
                raise OverflowError("too many key combinations to look up")
            codes = level.code_of(other[level.name])
            found &= codes >= 0
            mine = mine * width + level.codes[self.first]
            theirs = theirs * width + np.maximum(codes, 0)
        pos = np.minimum(np.searchsorted(mine, theirs), self.size - 1)  # groups ascend in combined code
        return np.where(found & (mine[pos] == theirs), pos, -1)

    def dropna(self) -> Groups:
        """The same groups less those whose key has a missing value (what ``groupby`` does by default)."""
        missing = ~self.complete
        if not missing.any():
            return self
        renumber = np.where(missing, -1, np.cumsum(~missing) - 1)
        codes = np.where(self.codes >= 0, renumber[np.maximum(self.codes, 0)], -1)
        return Groups(codes, self.first[~missing], self.levels)


def aggregate(codes: np.ndarray, size: int, columns: Mapping[str, np.ndarray | pd.Series],
              how: str = "sum") -> dict[str, np.ndarray]:
    """``how`` (sum or mean) of each column per group ``0 … size − 1`` given each row's group (``-1``: none).

    One pandas ``groupby`` over the group numbers, so the sums are pandas' own, bit for bit.

    >>> aggregate(np.array([1, -1, 1, 0]), 3, {"x": np.array([1.0, 5.0, 2.0, np.nan])})["x"].tolist()
    [0.0, 3.0, 0.0]
    """
    names = list(columns)
    if not names:
        return {}
    matrix = np.column_stack([np.asarray(columns[name], dtype=float) for name in names])
    keep = codes >= 0
    if not keep.all():
        matrix, codes = matrix[keep], codes[keep]
    result = getattr(pd.DataFrame(matrix, copy=False).groupby(codes, sort=True), how)()
    if len(result) != size:  # a group without rows: sums 0, means NaN
        result = result.reindex(range(size))
        result = result.fillna(0.0) if how == "sum" else result
    values = result.to_numpy(dtype=float)
    return {name: values[:, j] for j, name in enumerate(names)}


def group_rows(df: pd.DataFrame, by: list[str], dropna: bool = False, sort: bool = True) -> Groups:
    """The groups of ``df`` under ``by``: observed key combinations only, sorted as pandas sorts groups
    (categories in category order, missing keys last); ``dropna`` leaves rows with a missing key out.
    Without ``sort`` the group numbers follow no particular order (enough to tell equal keys apart).

    >>> g = group_rows(pd.DataFrame({"a": ["y", "x", "y"], "b": [2, 1, 1]}), ["a", "b"])
    >>> g.codes.tolist(), g.first.tolist(), g.keys.to_dict("list")
    ([2, 0, 1], [1, 2, 0], {'a': ['x', 'y', 'y'], 'b': [1, 1, 2]})
    """
    n = len(df)
    levels = tuple(_level(col, df[col], sort) for col in by)
    combined, space = np.zeros(n, dtype=np.int64), 1
    valid = np.ones(n, dtype=bool)
    for level in levels:
        width = level.size + 1
        if dropna:
            valid &= level.codes < level.size
        if space * width > 2**62:  # keep combined codes small: renumber the observed ones
            combined, space = _compact(combined)
        combined, space = combined * width + level.codes, space * width
    rows = np.arange(n) if valid.all() else np.flatnonzero(valid)
    inverse, size = _compact(combined[rows])
    first = np.full(size, n, dtype=np.int64)
    np.minimum.at(first, inverse, rows)
    codes = np.full(n, -1, dtype=np.int64)
    codes[rows] = inverse
    return Groups(codes, first, levels)


def _compact(combined: np.ndarray) -> tuple[np.ndarray, int]:
    """Combined codes renumbered 0 … k − 1 in ascending order, and k."""
    if not len(combined):
        return combined, 0
    top = int(combined.max()) + 1
    if top <= 4 * len(combined) + 1024:
        present = np.bincount(combined, minlength=top) > 0
        renumber = np.cumsum(present) - 1
        return renumber[combined], int(present.sum())
    found, inverse = np.unique(combined, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), len(found)
