"""The frames metrics are computed on: derived columns per dataset, day/week/month labels, a prepared cache.

:func:`frame_for` adds what a dataset's metrics need (signed orders on ``ad_delivery``, a ``date`` on
the live datasets); :func:`add_period` adds a period column labelled as :mod:`simulator.engine.metrics`
describes (weeks by their Monday's date, months ``"2024-11"``); :func:`prepared_frame` makes both once
per content of the frames read (the tasks of one answer key share them).

>>> df = pd.DataFrame({"date": pd.to_datetime(["2024-11-10", "2024-11-11"])})
>>> add_period(df, "date", "week")["week"].tolist(), date_column(df)
(['2024-11-04', '2024-11-11'], 'date')
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from simulator.core.cache import BoundedCache, frame_copy
from simulator.engine import grouping

Period = Literal["day", "week", "month"]


def date_column(df: pd.DataFrame, error: type[Exception] = ValueError) -> str:
    """The first of date/publish_date/start_time/snapshot_date/assigned_date in ``df``; ``error`` if none."""
    for col in ("date", "publish_date", "start_time", "snapshot_date", "assigned_date"):
        if col in df.columns:
            return col
    raise error("the dataset has no date column to bucket by period")


def period_labels(dates: pd.Series, period: Period) -> pd.Series:
    """Day ``"2024-11-11"``, week = its Monday ``"2024-11-11"``, month ``"2024-11"``.

    >>> period_labels(pd.Series(pd.to_datetime(["2024-11-10", "2024-11-11"])), "week").tolist()
    ['2024-11-04', '2024-11-11']
    """
    if period not in ("day", "week", "month"):
        raise ValueError(f"unknown period {period!r} (day, week, month)")
    if not pd.api.types.is_datetime64_any_dtype(dates):
        dates = pd.to_datetime(dates)
    if dates.dtype == np.dtype("datetime64[ns]"):
        return pd.Series(_naive_labels(dates.to_numpy(), period), index=dates.index, dtype=object)
    codes, uniques = pd.factorize(dates.dt.normalize())  # label each distinct day once
    days = pd.DatetimeIndex(uniques)
    if period == "week":
        days = days - pd.to_timedelta(days.dayofweek, unit="D")
    labels = np.asarray(days.strftime("%Y-%m" if period == "month" else "%Y-%m-%d"), dtype=object)
    out = np.where(codes >= 0, labels[np.maximum(codes, 0)] if len(labels) else None, None)
    return pd.Series(out, index=dates.index, dtype=object)


def _naive_labels(stamps: np.ndarray, period: Period) -> np.ndarray:
    """:func:`period_labels` of naive datetime64 values, in numpy (each distinct day formatted once)."""
    out = np.full(len(stamps), None, dtype=object)
    known = ~np.isnat(stamps)
    days, inverse = np.unique(stamps[known].astype("datetime64[D]"), return_inverse=True)
    if period == "week":  # day 0 (1970-01-01) was a Thursday: Monday-based weekday = (day + 3) mod 7
        days = days - ((days.view(np.int64) + 3) % 7).astype("timedelta64[D]")
    labels = np.datetime_as_string(days.astype("datetime64[M]") if period == "month" else days)
    out[known] = labels.astype(object)[inverse.reshape(-1)]
    return out


def add_period(df: pd.DataFrame, date_col: str, period: Period) -> pd.DataFrame:
    """A copy of ``df`` with a string column named ``period`` (day, week or month) from ``date_col``.

    Weeks are Monday-based and labelled by the Monday's date (``"2024-11-04"``), months ``"2024-11"``.
    """
    out = df.copy(deep=False)  # copy-on-write: the new column never reaches ``df``
    out[period] = period_labels(out[date_col], period)
    return out


def frame_for(data: Mapping[str, pd.DataFrame], dataset: str) -> pd.DataFrame:
    """``data[dataset]`` plus the derived columns metrics need.

    - ``ad_delivery``: ``signed_gmv``/``signed_orders`` from ``ad_orders`` rows with status
      ``signed``, summed per (campaign_id, date) and spread over that campaign-day's rows in
      proportion to their ``gmv`` (all on the first row when the day's gmv is 0), so sums over any
      grouping at campaign or date level or coarser are exact.
    - ``live_sessions``: a ``date`` column (start_time's day) when absent.
    - ``live_products``: ``date`` joined from ``live_sessions`` when available.
    Other datasets are returned as a copy.
    """
    df = data[dataset].copy(deep=False)  # copy-on-write makes a shallow copy safe to change
    if dataset == "ad_delivery" and "ad_orders" in data and "signed_gmv" not in df.columns:
        df = _with_signed(df, data["ad_orders"])
    elif dataset == "live_sessions" and "date" not in df.columns and "start_time" in df.columns:
        df["date"] = pd.to_datetime(df["start_time"]).dt.normalize()
    elif dataset == "live_products" and "date" not in df.columns and "live_sessions" in data:
        sessions = frame_for(data, "live_sessions")[["session_id", "date"]]
        df = df.merge(sessions, on="session_id", how="left")
    return df


_PREPARED_SIZE = 32
_prepared: BoundedCache[pd.DataFrame] = BoundedCache("metrics.prepared", size=_PREPARED_SIZE, copy=frame_copy)
"""Prepared frames by (dataset, periods, source names, the sources' content key or fingerprints); every
caller gets a copy-on-write copy, so a caller adding a column never changes what the next one reads."""


def prepared_frame(data: Mapping[str, pd.DataFrame], dataset: str, periods: tuple[str, ...] | list[str] = (),
                   only: list[str] | None = None) -> pd.DataFrame:
    """:func:`frame_for` (seeing only the datasets in ``only``, default all) plus a day/week/month
    column for each of ``periods`` the frame lacks, computed once per content of the frames it reads.

    Every task of one answer key reads the same frames, so the join and the period labels are made once
    per key instead of once per task. The cache key is what the frames hold: the mapping's
    ``content_key`` when it has one (:class:`simulator.core.cache.KeyedDict`, as ``generate_datasets``
    returns: scenario, digest, seed, trainee, scale; changing the mapping drops it), else each frame's
    :func:`fingerprint`, which notices a frame replaced or changed in place. Frames that cannot be
    fingerprinted are not cached.
    """
    names = tuple(n for n in (data if only is None else only) if n in data)
    wanted = tuple(p for p in ("day", "week", "month") if p in periods)
    content = getattr(data, "content_key", None)
    try:
        frames = (content,) if content is not None else tuple((n, fingerprint(data[n])) for n in names)
    except TypeError:  # an unhashable cell (a list in an object column): compute without caching
        return _prepare(data, dataset, wanted, names)
    return _prepared.get((dataset, wanted, names, frames), lambda: _prepare(data, dataset, wanted, names))


def _prepare(data: Mapping[str, pd.DataFrame], dataset: str, wanted: tuple[str, ...],
             names: tuple[str, ...]) -> pd.DataFrame:
    """The frame :func:`prepared_frame` caches, the last period added to the one before it."""
    if not wanted:
        return frame_for({n: data[n] for n in names}, dataset)
    df = prepared_frame(data, dataset, wanted[:-1], list(names))
    if wanted[-1] not in df.columns:
        df = add_period(df, date_column(df, ValueError), wanted[-1])  # type: ignore[arg-type]
    return df


def fingerprint(df: pd.DataFrame) -> tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...], str]:
    """A content token of ``df``: its shape, column names, dtypes and a digest of every row's hash.

    Raises TypeError for a cell pandas cannot hash. Hashing is linear but cheap (about 1 ms for a
    three-thousand-row frame), far below the join and period labels it saves.

    >>> a = pd.DataFrame({"x": [1, 2]})
    >>> fingerprint(a) == fingerprint(a.copy()), fingerprint(a) == fingerprint(a.iloc[::-1])
    (True, False)
    """
    rows = pd.util.hash_pandas_object(df, index=True).to_numpy()
    digest = hashlib.blake2b(rows.tobytes(), digest_size=16).hexdigest()
    return df.shape, tuple(map(str, df.columns)), tuple(map(str, df.dtypes)), digest


def _with_signed(delivery: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """``delivery`` with ``signed_gmv``/``signed_orders`` spread over campaign-days (see :func:`frame_for`)."""
    df = delivery.reset_index(drop=True)
    days = grouping.group_rows(df, ["campaign_id", "date"])  # a missing key groups with its equals
    gmv = df["gmv"].to_numpy(dtype=float)
    day_gmv = np.where(days.complete, days.sums({"gmv": gmv})["gmv"], np.nan)[days.codes]
    first = np.zeros(len(df))
    first[days.first] = 1.0
    share = np.where(day_gmv > 0, gmv / np.where(day_gmv > 0, day_gmv, 1), first)
    day = days.lookup(orders)  # each order's campaign-day in the delivery report (-1: none)
    day[~grouping.text_in(orders["status"], {"signed"})] = -1
    signed_gmv = grouping.aggregate(day, days.size, {"amount": orders["amount"]})["amount"]
    signed_orders = np.bincount(day[day >= 0], minlength=days.size).astype(float)
    df["signed_gmv"] = signed_gmv[days.codes] * share
    df["signed_orders"] = signed_orders[days.codes] * share
    return df
