"""A trainee's datasets: generated per family from seeded streams, or read from files a scenario brings.

Results are cached per (scenario, digest, trainee, scale) in a bounded LRU, so a trainee's page, key and
grade all read one copy. Pandas copy-on-write is on, so handing out cached frames is safe.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

import numpy as np
import pandas as pd

from data.generators import FAMILIES, all_columns, family_of
from simulator.scenario import Problem, Scenario, ScenarioError
from simulator.seeding import family_rng, scale_token

pd.set_option("mode.copy_on_write", True)

# The contract's minimum columns per dataset (``docs/datasets.md`` documents every column).
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts_daily": ("date", "account_id", "account_name", "platform", "followers", "new_followers",
                       "unfollows", "posts", "plays", "likes", "comments", "shares"),
    "posts": ("post_id", "account_id", "publish_date", "plays", "completions", "likes", "comments", "shares",
              "favorites", "new_followers"),
    "live_sessions": ("session_id", "account_id", "start_time", "duration_min", "views", "viewers",
                      "peak_online", "watch_seconds", "new_followers", "interacting_users",
                      "product_exposure_users", "product_click_users", "buyers", "orders", "gmv", "refunds"),
    "live_traffic": ("session_id", "source", "views"),
    "live_products": ("session_id", "product_id", "product_name", "category", "price", "exposure_users",
                      "click_users", "buyers", "orders", "gmv"),
    "ad_delivery": ("date", "campaign_id", "campaign_name", "adgroup_id", "creative_id", "objective", "bid_type",
                    "placement", "cost", "impressions", "clicks", "conversions", "orders", "gmv", "refunds"),
    "ad_orders": ("order_id", "date", "campaign_id", "product_id", "amount", "status"),
    "products": ("product_id", "product_name", "category", "price", "unit_cost"),
    "audience_5a": ("user_id", "snapshot_date", "stage", "gender", "age_band", "city_tier"),
    "experiment": ("user_id", "variant", "assigned_date", "converted", "revenue"),
}
NUMERIC_UNITS = {"count", "money", "ratio", "seconds", "minutes", "flag", "multiple"}
DATE_UNITS = {"date", "datetime"}
CACHE_SIZE = 64


@dataclass
class Bundle:
    """Everything generated for one trainee: the frames and the ground truth behind them."""

    frames: dict[str, pd.DataFrame]
    truth: dict[str, Any] = field(default_factory=dict)


_cache: OrderedDict[tuple, Bundle] = OrderedDict()
_lock = Lock()


def generate_bundle(scenario: Scenario, trainee_id: str, scale: float = 1.0) -> Bundle:
    """Frames and truth for ``trainee_id`` (cached). Sourced datasets replace generated ones."""
    key = (scenario.id, scenario.digest, scenario.seed, str(trainee_id), scale_token(scale))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    bundle = _build(scenario, str(trainee_id), scale)
    with _lock:
        _cache[key] = bundle
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def generate_datasets(scenario: Scenario, trainee_id: str, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Dataset name → DataFrame (canonical English columns) for this trainee."""
    from simulator.sizing import scale_problem, size_problem

    problem = scale_problem(scale) or size_problem(scenario, scale)
    if problem:
        raise ValueError(problem)
    return dict(generate_bundle(scenario, trainee_id, scale).frames)


def _build(scenario: Scenario, trainee_id: str, scale: float) -> Bundle:
    frames: dict[str, pd.DataFrame] = {}
    truth: dict[str, Any] = {}
    for family in scenario.needed_families():
        module = FAMILIES[family]
        rng = family_rng(scenario.id, scenario.seed, trainee_id, scale, family)
        out = module.generate(rng, scenario.family_params(family), scale)
        frames.update(out.frames)
        truth[family] = out.truth
    for dataset, source in scenario.sources.items():
        frames[dataset] = load_source(scenario, dataset)
        truth[dataset] = {"source": source.file}
    return Bundle(frames, truth)


def load_source(scenario: Scenario, dataset: str) -> pd.DataFrame:
    """Reads a dataset a scenario brings as CSV/XLSX, maps headers, checks columns and types."""
    from simulator.scenario import source_problem
    from simulator.uploads import TableReadError, read_table

    source = scenario.sources[dataset]
    base = scenario.path.parent if scenario.path else Path(".")
    path = base / source.file
    where = str(path)
    outside = source_problem(source.file, base)
    if outside:  # validation refuses these; checked again right before the file is opened
        raise ScenarioError([Problem(str(scenario.path or scenario.id), 1, f"sources.{dataset}.file", outside)])
    try:
        df = read_table(path, sheet=source.sheet, dataset=dataset)
    except TableReadError as exc:
        raise ScenarioError([Problem(where, 1, f"sources.{dataset}", exc.message.render("en"))]) from None
    except OSError as exc:
        raise ScenarioError([Problem(where, 1, f"sources.{dataset}", f"cannot read file: {exc.strerror}")]) from None
    df = df.rename(columns=source.columns)
    return coerce_types(df, dataset, where)


def coerce_types(df: pd.DataFrame, dataset: str, where: str) -> pd.DataFrame:
    """Checks required columns and converts numeric/date columns; errors name the column and row."""
    missing = [c for c in CONTRACT_COLUMNS.get(dataset, ()) if c not in df.columns]
    if missing:
        raise ScenarioError([Problem(where, 1, f"sources.{dataset}",
                                     f"missing column(s): {', '.join(missing)}")])
    documented = all_columns().get(dataset, {})
    out = df.copy()
    for col, spec in documented.items():
        if col not in out.columns:
            continue
        if spec.unit in NUMERIC_UNITS:
            values = pd.to_numeric(out[col], errors="coerce")
            bad = values.isna() & out[col].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise ScenarioError([Problem(where, row, f"sources.{dataset}.{col}",
                                             f"not a number: {out[col].iloc[row - 2]!r}")])
            out[col] = values
        elif spec.unit in DATE_UNITS:
            values = pd.to_datetime(out[col], errors="coerce")
            bad = values.isna() & out[col].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise ScenarioError([Problem(where, row, f"sources.{dataset}.{col}",
                                             f"not a date: {out[col].iloc[row - 2]!r}")])
            out[col] = values
    return out


# --------------------------------------------------------------------------- writing files

def for_export(df: pd.DataFrame, dataset: str, lang: str) -> pd.DataFrame:
    """Dates as ``YYYY-MM-DD`` text (datetimes with minutes), headers in ``lang``."""
    from simulator.labels import rename_to_labels

    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            values = out[col]
            has_time = bool((values.dropna() != values.dropna().dt.normalize()).any())
            out[col] = values.dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")
    return rename_to_labels(out, lang, dataset) if lang == "zh" else out


def csv_bytes(df: pd.DataFrame, dataset: str, lang: str = "zh") -> bytes:
    """The dataset as CSV, UTF-8 with BOM so Excel opens Chinese text correctly; text that a spreadsheet
    would run as a formula (a brought file's ``=HYPERLINK(…)``) gets a leading ``'``."""
    from simulator.formula_guard import guard_frame

    out = guard_frame(for_export(df, dataset, lang))
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(frames: dict[str, pd.DataFrame], lang: str = "zh") -> bytes:
    """One workbook, one sheet per dataset; byte-stable (XlsxWriter dates zip entries 1980-01-01).

    Columns are written straight through XlsxWriter (pandas' ``to_excel`` is ~20× slower per cell).
    """
    import datetime as dt

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": False, "in_memory": True,
                                        "strings_to_formulas": False, "strings_to_urls": False,
                                        "nan_inf_to_errors": True})
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    bold = book.add_format({"bold": True})
    for name, df in frames.items():
        sheet = book.add_worksheet(name[:31])
        out = for_export(df, name, lang)
        sheet.write_row(0, 0, [str(c) for c in out.columns], bold)
        for j, col in enumerate(out.columns):
            values = out[col].astype(object).where(out[col].notna(), None).tolist()
            sheet.write_column(1, j, values)
    book.close()
    return buffer.getvalue()


def write_datasets(frames: dict[str, pd.DataFrame], out_dir: Path, lang: str = "zh",
                   fmt: str = "csv") -> list[Path]:
    """Writes ``<dataset>.csv`` files, or one ``datasets.xlsx``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = out_dir / "datasets.xlsx"
        path.write_bytes(xlsx_bytes(frames, lang))
        return [path]
    paths = []
    for name, df in frames.items():
        path = out_dir / f"{name}.csv"
        path.write_bytes(csv_bytes(df, name, lang))
        paths.append(path)
    return paths


def dataset_family(dataset: str) -> str | None:
    return family_of(dataset)
