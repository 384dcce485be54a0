"""simulator.engine.grouping agrees with pandas' own groupby bit for bit: group order, keys, sums and means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.engine.grouping import aggregate, group_rows, nanmean, nansum, numbers, text_in


def frame(seed: int, n: int = 400, missing: bool = True) -> pd.DataFrame:
    """Keys of every kind (categorical with unused categories, text, dates, ints), money-like values."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "cat": pd.Categorical(rng.choice(["C03", "C01", "C02"], n), categories=["C03", "C02", "C01", "C09"]),
        "text": rng.choice(["抖音", "快手", "b", "a"], n).astype(object),
        "day": pd.Timestamp("2024-11-01") + pd.to_timedelta(rng.integers(0, 9, n), unit="D"),
        "num": rng.integers(0, 4, n),
        "money": np.round(rng.gamma(2.0, 300.0, n), 2),
        "count": rng.integers(0, 5000, n).astype(float),
    })
    if missing:
        for col in ("cat", "text", "day", "money"):
            df.loc[rng.choice(n, n // 25, replace=False), col] = None
    return df


BYS = [["cat"], ["text"], ["day"], ["num"], ["cat", "day"], ["day", "text", "cat"], ["text", "num"]]


@pytest.mark.parametrize("by", BYS, ids="+".join)
@pytest.mark.parametrize("dropna", [False, True])
def test_groups_keys_sums_and_means_equal_pandas_exactly(by, dropna):
    for seed in range(3):
        df = frame(seed)
        expected = df.groupby(by, observed=True, sort=True, dropna=dropna)[["money", "count"]]
        sums, means = expected.sum(), expected.mean()
        groups = group_rows(df, by, dropna=dropna)
        got_keys = groups.keys
        assert list(got_keys.columns) == by and groups.size == len(sums)
        for i, col in enumerate(by):
            want = sums.index.get_level_values(i) if len(by) > 1 else sums.index
            assert got_keys[col].astype(str).tolist() == pd.Series(want).astype(str).tolist()
            assert got_keys[col].dtype == df[col].dtype
        got_sums = groups.sums({"money": df["money"], "count": numbers(df["count"])})
        got_means = groups.means({"money": df["money"], "count": df["count"]})
        for col in ("money", "count"):  # bit-identical, not approximately equal
            assert got_sums[col].tolist() == sums[col].tolist()
            assert np.array_equal(got_means[col], means[col].to_numpy(), equal_nan=True)


def test_codes_first_rows_and_dropna_of_a_grouping():
    df = frame(7)
    groups = group_rows(df, ["cat", "day"])
    codes = df.groupby(["cat", "day"], observed=True, sort=True, dropna=False).ngroup().to_numpy()
    assert groups.codes.tolist() == codes.tolist()
    assert groups.first.tolist() == [int(np.flatnonzero(codes == g)[0]) for g in range(groups.size)]
    dropped, direct = groups.dropna(), group_rows(df, ["cat", "day"], dropna=True)
    assert dropped.codes.tolist() == direct.codes.tolist() and dropped.first.tolist() == direct.first.tolist()
    assert groups.complete.sum() == dropped.size < groups.size
    fine, coarse = group_rows(df, ["cat", "day"]), group_rows(df, ["cat"])
    assert (coarse.codes[fine.first] == fine.parent(coarse)).all()


def test_lookup_finds_the_group_of_another_frames_keys():
    df = frame(3, missing=False)
    groups = group_rows(df, ["cat", "day"])
    other = pd.DataFrame({"cat": pd.Categorical(["C01", "C09", None, "C02"], categories=["C02", "C01", "C09"]),
                          "day": pd.to_datetime(["2024-11-02", "2024-11-02", "2024-11-02", "2030-01-01"])})
    found = groups.lookup(other)
    keys = groups.keys
    assert keys.loc[found[0], "cat"] == "C01" and keys.loc[found[0], "day"] == pd.Timestamp("2024-11-02")
    assert found[1:].tolist() == [-1, -1, -1]  # unused category, missing key, unknown date
    assert group_rows(df.iloc[:0], ["cat"]).lookup(other).tolist() == [-1] * 4


def test_aggregate_skips_rows_without_a_group_and_fills_empty_groups():
    codes = np.array([2, -1, 2, 0, 0])
    values = np.array([1.5, 100.0, np.nan, 2.0, 3.0])
    assert aggregate(codes, 4, {"x": values})["x"].tolist() == [5.0, 0.0, 1.5, 0.0]
    means = aggregate(codes, 4, {"x": values}, "mean")["x"]
    assert means[0] == 2.5 and means[2] == 1.5 and np.isnan(means[[1, 3]]).all()
    assert aggregate(codes, 4, {}) == {}


def test_numbers_nansum_and_nanmean_match_pandas():
    rng = np.random.default_rng(1)
    values = pd.Series(np.round(rng.gamma(2.0, 300.0, 1001), 2))
    values[::7] = np.nan
    assert nansum(numbers(values)) == values.sum() and nanmean(numbers(values)) == values.mean()
    for series in (pd.Series([1, 2]), pd.Series([True, False]), pd.Series([1, None], dtype="Int64"),
                   pd.Series(["1,5", "2", None]), pd.Series(np.array([1.5, 2], dtype=np.float32))):
        want = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        assert np.array_equal(numbers(series), want, equal_nan=True)
    assert np.isnan(nanmean(np.array([np.nan])))


def test_text_in_matches_astype_str():
    cats = pd.Series(pd.Categorical(["signed", " signed", None, "returned"], categories=["x", "signed",
                                                                                       " signed", "returned"]))
    for series in (cats, cats.astype(object), pd.Series(["signed", None]), pd.Series([1, 2])):
        for wanted in ({"signed"}, {"signed", "nan"}, {"2", "None"}):
            texts = series.astype(str)
            assert text_in(series, wanted).tolist() == texts.isin(wanted).tolist()
            assert text_in(series, wanted, strip=True).tolist() == texts.str.strip().isin(wanted).tolist()
    assert text_in(cats, {"signed"}, strip=True).tolist() == [True, True, False, False]
