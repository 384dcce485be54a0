"""A trainee's datasets: generated per family from seeded streams, or read from files a scenario brings.

Results are cached per (scenario, digest, seed, trainee, scale) in a :class:`BoundedCache`, so a trainee's
page, key and grade are drawn once. Pandas copy-on-write is on: every caller gets shallow copies of the
cached frames (no data is copied, and a change to one never reaches the cache) and its own truth.
"""

from __future__ import annotations

import io
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from data.generators import FAMILIES, all_columns, family_of
from data.generators.base import Generated
from simulator.assessment.scenario import Problem, Scenario, ScenarioError
from simulator.core.cache import BoundedCache, KeyedDict, frame_copy, plain_copy
from simulator.core.seeding import family_rng, scale_token

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


def _frames_copy(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copy-on-write copies of the frames: no data is copied, and a change never reaches the cache."""
    return {name: frame_copy(df) for name, df in frames.items()}


_cache: BoundedCache[Bundle] = BoundedCache("datasets.bundles", size=CACHE_SIZE, copy=None)
"""Bundles by (scenario id, digest, seed, trainee, scale token). Values are shared, so only
:func:`generate_bundle` and :func:`generate_datasets` read them, and each hands out copies."""


def _bundle_key(scenario: Scenario, trainee_id: str, scale: float) -> tuple[str, str, int, str, str]:
    """What a trainee's bundle depends on: scenario id, digest and seed, trainee and scale."""
    return scenario.id, scenario.digest, scenario.seed, trainee_id, scale_token(scale)


def _content_key(scenario: Scenario, trainee_id: str, scale: float, *attempts: int) -> Hashable:
    """What generated frames depend on (the bundle key and, while drawing, each family's attempt);
    None when the scenario reads data files, which can change under the same scenario text."""
    return None if scenario.sources else (*_bundle_key(scenario, trainee_id, scale), *attempts)


def generate_bundle(scenario: Scenario, trainee_id: str, scale: float = 1.0) -> Bundle:
    """Frames and truth for ``trainee_id`` (cached; the caller's own copies). Sourced datasets replace
    generated ones."""
    bundle = _cached_bundle(scenario, str(trainee_id), scale)
    return Bundle(_frames_copy(bundle.frames), plain_copy(bundle.truth))


def _cached_bundle(scenario: Scenario, trainee_id: str, scale: float) -> Bundle:
    """The shared cached bundle (never handed out as is)."""
    return _cache.get(_bundle_key(scenario, trainee_id, scale), lambda: _build(scenario, trainee_id, scale))


def generate_datasets(scenario: Scenario, trainee_id: str, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Dataset name → DataFrame (canonical English columns) for this trainee.

    The dict is the caller's to change; until it is changed its ``content_key`` names what it holds, so
    :func:`simulator.engine.frames.prepared_frame` can cache by it without hashing the frames (with
    data files, which may change under the same scenario text, it is None and the frames are hashed).
    """
    from simulator.core.sizing import scale_problem, size_problem

    problem = scale_problem(scale) or size_problem(scenario, scale)
    if problem:
        raise ValueError(problem)
    frames = _frames_copy(_cached_bundle(scenario, str(trainee_id), scale).frames)
    return KeyedDict(_content_key(scenario, str(trainee_id), scale), frames)


REDRAWS = 12
"""Most re-draws of a family while a task reading it finds its key fragile (see :func:`fragile_tasks`)."""


def _build(scenario: Scenario, trainee_id: str, scale: float) -> Bundle:
    """The trainee's frames: each family's first draw, or its first re-draw on which no task is fragile.

    Only the families a fragile task reads are re-drawn (attempt 1, 2 … of their own stream), so the
    other families keep their numbers. Re-draws apply up to scale 1, the size trainees and exams use;
    a larger scale (load tests, big practice files) keeps its first draw — with hundreds of campaigns an
    above-threshold question has no robust form anyway, and checking would cost as much as the key.
    """
    families = scenario.needed_families()
    attempts = dict.fromkeys(families, 0)
    outs = {f: _draw_family(scenario, f, trainee_id, scale, 0) for f in families}
    for round_ in range(REDRAWS + 1):
        bundle = _assemble(scenario, outs)
        drawn = KeyedDict(_content_key(scenario, trainee_id, scale, *attempts.values()), bundle.frames)
        reasons = fragile_tasks(scenario, drawn) if scale <= 1 else {}
        redo = _families_read(scenario, reasons) & set(families)
        if not redo or round_ == REDRAWS:
            break
        for family in sorted(redo):
            attempts[family] += 1
            outs[family] = _draw_family(scenario, family, trainee_id, scale, attempts[family])
    for family in families:
        bundle.truth[family]["redraws"] = {"attempt": attempts[family], "fragile": reasons}
    return bundle


def _draw_family(scenario: Scenario, family: str, trainee_id: str, scale: float, attempt: int) -> Generated:
    rng = family_rng(scenario.id, scenario.seed, trainee_id, scale, family, attempt)
    return cast(Generated, FAMILIES[family].generate(rng, scenario.family_params(family), scale))


def _assemble(scenario: Scenario, outs: dict[str, Any]) -> Bundle:
    frames: dict[str, pd.DataFrame] = {}
    truth: dict[str, Any] = {}
    for family, out in outs.items():
        frames.update(out.frames)
        truth[family] = dict(out.truth)
    for dataset, source in scenario.sources.items():
        frames[dataset] = load_source(scenario, dataset)
        truth[dataset] = {"source": source.file}
    return Bundle(frames, truth)


def _families_read(scenario: Scenario, reasons: dict[str, str]) -> set[str]:
    """The families whose datasets the tasks named in ``reasons`` read."""
    out = set()
    for task in scenario.tasks:
        if task.id in reasons:
            out |= {f for d in scenario.task_params(task).datasets() if (f := family_of(d))}
    return out


def fragile_tasks(scenario: Scenario, frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Task id → why its key would not be robust on these frames (task kinds with a ``fragile`` hook).

    Tasks reading a dataset the scenario brings as a file are skipped: re-drawing cannot change it.
    """
    from simulator import tasks as registry

    out: dict[str, str] = {}
    for task in scenario.tasks:
        if not registry.has_fragile(task.kind):
            continue
        params = registry.get(task.kind).Params(**task.params)
        needed = params.datasets()
        if any(d in scenario.sources or d not in frames for d in needed):
            continue
        try:
            reason = registry.fragile(task.kind, params, frames)
        except (ValueError, KeyError):  # the key reports these as scenario problems
            continue
        if reason:
            out[task.id] = reason
    return out


def load_source(scenario: Scenario, dataset: str) -> pd.DataFrame:
    """Reads a dataset a scenario brings as CSV/XLSX, maps headers, checks columns and types."""
    from simulator.assessment.scenario import source_problem
    from simulator.engine.uploads import TableReadError, read_table

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

TEXT_UNITS = {"id", "text"}
"""Units written as text cells: an id is a code, never a number (19-digit order ids, leading zeros)."""
INTEGER_UNITS = {"count", "flag"}
"""Units that are whole numbers: a column with a planted blank stays integer (pandas' nullable Int64)."""


def _whole(values: pd.Series) -> bool:
    """True when every non-missing value of a float column is a whole number."""
    present = values.dropna()
    return bool(((present % 1) == 0).all()) and bool((present.abs() < 2**53).all())


def export_column(values: pd.Series, unit: str | None) -> pd.Series:
    """One column as it is written: ids as text, whole counts as nullable integers, dates as text.

    >>> export_column(pd.Series([145354.0, None]), "count").tolist()
    [145354, <NA>]
    >>> export_column(pd.Series([6924423974560609192]), "id").tolist()
    ['6924423974560609192']
    >>> export_column(pd.Series([7037691654.0, None]), "id").tolist()
    ['7037691654', None]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        present = values.dropna()
        has_time = bool((present != present.dt.normalize()).any())
        return values.dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")
    if unit in TEXT_UNITS:
        if pd.api.types.is_float_dtype(values) and _whole(values):
            values = values.astype("Int64")  # an id column with a blank: 7037691654, not 7037691654.0
        return values.astype(object).map(lambda v: None if v is None or v is pd.NA or v != v else str(v))
    if unit in INTEGER_UNITS and pd.api.types.is_float_dtype(values) and _whole(values):
        return values.astype("Int64")
    return values


def for_export(df: pd.DataFrame, dataset: str, lang: str) -> pd.DataFrame:
    """The frame as a file holds it: :func:`export_column` per column, values and headers in ``lang``."""
    from simulator.core.value_labels import translate_frame
    from simulator.engine.labels import rename_to_labels

    documented = all_columns().get(dataset, {})
    out = translate_frame(df, lang)
    for col in out.columns:
        spec = documented.get(col)
        out[col] = export_column(out[col], spec.unit if spec else None)
    return rename_to_labels(out, lang, dataset) if lang == "zh" else out


def _needs_quotes(value: object) -> bool:
    """A text cell a spreadsheet would read as a number and mangle: 12+ digits, or a leading zero.

    >>> _needs_quotes("6924423974560609192"), _needs_quotes("007"), _needs_quotes("C01"), _needs_quotes("0")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.isdigit() and (len(value) >= 12 or (len(value) > 1 and value[0] == "0"))


def csv_cell(value: object) -> str:
    """One CSV field: empty for a missing value, shortest exact text for numbers, quoted when needed.

    >>> [csv_cell(v) for v in (None, 3, 0.1, "a,b", "007", "C01")]
    ['', '3', '0.1', '"a,b"', '"007"', 'C01']
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    text = str(value)
    if _needs_quotes(text) or any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _column_cells(values: pd.Series) -> list[str]:
    """A column's CSV fields (integers converted at once; other values one by one)."""
    if pd.api.types.is_integer_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return cast(list[str], values.astype("string").fillna("").tolist())
    if pd.api.types.is_float_dtype(values):
        return [repr(v) if v == v else "" for v in values.astype(float).tolist()]
    return [csv_cell(v) for v in values.astype(object).tolist()]


def csv_bytes(df: pd.DataFrame, dataset: str, lang: str = "zh") -> bytes:
    """The dataset as CSV, UTF-8 with BOM so Excel opens Chinese text correctly.

    Counts are integers (an empty field where a value is missing); text a spreadsheet would turn into a
    number (long digit ids, leading zeros) is quoted; text it would run as a formula (a brought file's
    ``=HYPERLINK(…)``) gets a leading ``'``.
    """
    from simulator.core.formula_guard import guard_frame

    out = guard_frame(for_export(df, dataset, lang))
    columns = [_column_cells(out[c]) for c in out.columns]
    lines = [",".join(csv_cell(str(c)) for c in out.columns)]
    lines.extend(map(",".join, zip(*columns, strict=True)))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def xlsx_bytes(frames: dict[str, pd.DataFrame], lang: str = "zh") -> bytes:
    """One workbook, one sheet per dataset; byte-stable (XlsxWriter dates zip entries 1980-01-01).

    Ids and other text are string cells (Excel and WPS show 6924423974560609192, not 6.92442E+18);
    numbers are number cells and a missing value is an empty cell. Columns are written straight through
    XlsxWriter (pandas' ``to_excel`` is ~20× slower per cell).
    """
    import datetime as dt

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": False, "in_memory": True,
                                        "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "nan_inf_to_errors": True})
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    for name, df in frames.items():
        sheet = book.add_worksheet(name[:31])
        out = for_export(df, name, lang)
        sheet.write_row(0, 0, [str(c) for c in out.columns], bold)
        for j, col in enumerate(out.columns):
            values = out[col].astype(object).where(out[col].notna(), None).tolist()
            if not pd.api.types.is_numeric_dtype(out[col]):
                sheet.set_column(j, j, None, text)  # a text column stays text when edited in Excel
                values = [None if v is None else str(v) for v in values]
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
