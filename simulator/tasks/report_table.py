"""``report_table``: a 运营数据统计报表 (L4/6.1.1, L2/1.1.1) — metrics grouped by dimensions.

The trainee uploads the table (CSV or XLSX, any Excel encoding, Chinese or English headers). Rows are
matched on the group columns in any order; each correct cell earns credit. Ratios are ratios of the
group's sums; the key also records what the common mistakes give per cell (``misconceptions``: catalog
key → rows), so feedback can name, per column, the mean of daily (or row) ratios, a wrong formula
variant, or an ignored filter.

>>> df = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-02", "2024-11-09"]),
...                    "impressions": [50000, 25000, 80000], "clicks": [2500, 3000, 5000]})
>>> key = make(Params(dataset="ad_delivery", by="week", metrics=["clicks", "ctr"]), {"ad_delivery": df}).key
>>> key["columns"], [round(r["ctr"], 4) for r in key["rows"]]
(['week', 'clicks', 'ctr'], [0.0733, 0.0625])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from simulator.core.forms import AnswerForm, Upload
from simulator.core.i18n import t
from simulator.core.misconceptions import date_grain, mean_of_ratios_key
from simulator.engine import checking, grouping, metrics
from simulator.engine.checking import FieldSpec
from simulator.engine.labels import column_label, rename_to_labels
from simulator.engine.selection import (
    DATE_COLUMNS,
    ENTITY_ALIASES,
    PERIODS,
    Filter,
    apply_filter,
    check_columns,
    check_metrics,
    date_column,
    filter_clause,
    frame,
    has_column,
    known_metric,
    needed_datasets,
    row_array,
    with_periods,
)
from simulator.engine.submissions import malformed_table, read_upload
from simulator.tasks.base import Check, Made, ReportTable, TaskContext, TaskParams

KIND = "report_table"


class Params(TaskParams):
    """A grouped report: ``dataset``, ``by`` (columns or day/week/month), ``metrics``, ``filter``."""

    dataset: str = Field(description="dataset to report on, e.g. ad_delivery")
    by: list[str] = Field(min_length=1, description="group columns, or day/week/month of the date column")
    metrics: list[str] = Field(min_length=1, description="canonical metric names, in column order")
    filter: Filter = Field(default_factory=dict,
                           description="column → value, list of values, or {from, to} dates (inclusive)")
    precision: dict[str, int] = Field(default_factory=dict,
                                      description="metric → decimals asked (default: the metric's)")

    @field_validator("by", mode="before")
    @classmethod
    def _one_or_many(cls, by: Any) -> Any:
        by = [by] if isinstance(by, str) else by
        return [ENTITY_ALIASES.get(b, b) for b in by] if isinstance(by, list) else by

    @field_validator("metrics")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        if len(set(names)) != len(names):
            raise ValueError("a metric is listed twice")
        return [known_metric(n) for n in names]

    @model_validator(mode="after")
    def _precisions(self) -> Params:
        check_columns(self.dataset, list(self.filter), "filter")
        check_columns(self.dataset, self.by, "by")
        check_metrics(self.dataset, self.metrics)
        extra = [m for m in self.precision if m not in self.metrics]
        if extra:
            raise ValueError(f"precision: {', '.join(extra)} not among the report's metrics")
        if any(not 0 <= p <= 8 for p in self.precision.values()):
            raise ValueError("precision: decimals must be between 0 and 8")
        return self

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, self.metrics, list(self.filter) + self.by)

    def specs(self) -> dict[str, FieldSpec]:
        """How each metric column is checked (unit and decimals)."""
        return {m: FieldSpec(unit=metrics.METRICS[m].unit,
                             precision=self.precision.get(m, metrics.METRICS[m].precision))
                for m in self.metrics}


# --------------------------------------------------------------------------- key

def _records(grouped: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN and ±inf → None, dates → YYYY-MM-DD)."""
    return metrics.json_records(grouped, inf_as_none=True)


@dataclass
class _Grouped:
    """The filtered rows grouped by the report's columns, with the sums every metric and variant reads."""

    groups: grouping.Groups
    """Groups by ``by`` (a missing key forms a group, as in the key table)."""
    sums: dict[str, np.ndarray]
    """Per-group sums of every column the metrics and their usable variants read."""
    variants: list[tuple[str, str, metrics.Metric]]
    """(message key, metric, formula) of each variant whose columns the dataset has."""


def _usable_variants(sub: pd.DataFrame, p: Params) -> list[tuple[str, str, metrics.Metric]]:
    return [(v.message.key, m, v.formula) for m in p.metrics for v in metrics.variants_for(m)
            if all(has_column(sub, c, p.dataset) for c in v.formula.columns)]


def _grouped(sub: pd.DataFrame, p: Params) -> _Grouped:
    variants = _usable_variants(sub, p)
    columns = [c for m in p.metrics for c in metrics.METRICS[m].columns]
    columns += [c for _, _, formula in variants for c in formula.columns]
    groups = grouping.group_rows(sub, p.by)
    return _Grouped(groups, metrics.group_sums(sub, groups, columns, p.dataset), variants)


def _table(sub: pd.DataFrame, g: _Grouped, p: Params) -> pd.DataFrame:
    values = metrics.group_values(sub, g.groups, [metrics.METRICS[m] for m in p.metrics], p.dataset, g.sums)
    return metrics.keyed(g.groups.keys, dict(zip(p.metrics, values, strict=True)))


def _complete(g: _Grouped, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Group keys plus ``columns`` for groups without a missing key (``groupby``'s default)."""
    keep = g.groups.complete
    return metrics.keyed(g.groups.dropna().keys, {name: values[keep] for name, values in columns.items()})


def _mean_of_daily(sub: pd.DataFrame, g: _Grouped, p: Params, ratios: list[str]) -> pd.DataFrame | None:
    if not ratios or not any(c in sub.columns for c in DATE_COLUMNS) or {"day", "date"} & set(p.by):
        return None
    # as metrics.mean_of_ratios, for all ratio columns at once: each day's ratio, then their plain mean
    return metrics.period_means(with_periods(sub, ["day"]), p.by, ratios, "day", dataset=p.dataset,
                                groups=g.groups)


def _mean_of_rows(sub: pd.DataFrame, g: _Grouped, p: Params, ratios: list[str]) -> pd.DataFrame | None:
    if not ratios:
        return None
    return _complete(g, g.groups.means({m: row_array(sub, m, p.dataset) for m in ratios}))


def _variant_tables(sub: pd.DataFrame, g: _Grouped, p: Params) -> dict[str, pd.DataFrame]:
    """Per variant message key: the table that formula variant gives (only metrics that have one)."""
    values = metrics.group_values(sub, g.groups, [f for _, _, f in g.variants], p.dataset, g.sums)
    out: dict[str, dict[str, np.ndarray]] = {}
    for (key, m, _), value in zip(g.variants, values, strict=True):
        out.setdefault(key, {})[m] = value
    return {k: _complete(g, cols) for k, cols in out.items()}


def _same_values(a: pd.DataFrame | None, b: pd.DataFrame | None, by: list[str], columns: list[str]) -> bool:
    """Whether two trap tables give the same numbers for the same groups."""
    if a is None or b is None or len(a) != len(b):
        return a is None
    def ordered(t: pd.DataFrame) -> pd.DataFrame:
        order = sorted(range(len(t)), key=lambda i: [checking.norm_key(t[c].iloc[i]) for c in by])
        return t.iloc[order].reset_index(drop=True)
    x, y = ordered(a), ordered(b)
    same_keys = all(list(map(checking.norm_key, x[c])) == list(map(checking.norm_key, y[c])) for c in by)
    return same_keys and bool(np.allclose(x[columns].to_numpy(float), y[columns].to_numpy(float),
                                          rtol=1e-12, atol=0, equal_nan=True))


def misconceptions(df: pd.DataFrame, sub: pd.DataFrame, p: Params, grouped: _Grouped | None = None
                   ) -> dict[str, list[dict[str, Any]]]:
    """Catalog key → the rows each known mistake gives (group columns plus affected metrics)."""
    g = grouped or _grouped(sub, p)
    ratios = [m for m in p.metrics if not metrics.METRICS[m].is_sum]
    daily, rows = _mean_of_daily(sub, g, p, ratios), _mean_of_rows(sub, g, p, ratios)
    grain = date_grain(sub[date_column(sub)]) if daily is not None else "day"
    tables: dict[str, pd.DataFrame | None] = {mean_of_ratios_key(grain): daily}
    if not _same_values(rows, daily, p.by, ratios):  # one row per period: one mistake, one message
        tables[mean_of_ratios_key("row")] = rows
    tables.update(_variant_tables(sub, g, p))
    if p.filter:
        tables["misc.filter_ignored"] = metrics.table(df, p.by, p.metrics, p.dataset)
    return {k: _records(v) for k, v in tables.items() if v is not None}


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"columns": by + metrics, "rows": [records], "misconceptions": {key: rows}}`` (full precision)."""
    df = frame(data, params)
    periods = [b for b in params.by + list(params.filter) if b in PERIODS]
    if any(c in df.columns for c in DATE_COLUMNS):
        periods.append("day")
    df = frame(data, params, periods)
    sub = apply_filter(df, params.filter)
    if sub.empty:
        raise ValueError(f"report_table task: the filter leaves no rows of {params.dataset}")
    grouped = _grouped(sub, params)
    return {"columns": params.by + params.metrics, "rows": _records(_table(sub, grouped, params)),
            "misconceptions": misconceptions(df, sub, params, grouped)}


# --------------------------------------------------------------------------- answers

def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """An uploaded table (path, bytes, DataFrame, or ``{"columns", "rows"}``) with canonical columns.

    Raises :class:`AnswerFormatError` when unreadable, lacking a group column, or with a non-number cell.
    """
    table = metric_columns(read_upload(raw, params.dataset, ctx), params)
    return checking.prepare_table(table, params.by, params.specs())


def metric_columns(table: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Renames a dataset's own column to the metric it stands for when headers mapped to the column.

    In ``live_products`` the header 商品曝光人数 maps to the column ``exposure_users``, while the report
    asks for the metric ``product_exposure_users``; both mean the same numbers.
    """
    aliases = metrics.COLUMN_ALIASES.get(params.dataset, {})
    renames = {col: name for name, col in aliases.items()
               if name in params.metrics and name not in table.columns and col in table.columns}
    return table.rename(columns=renames) if renames else table


def check(answer: dict[str, Any], parsed: pd.DataFrame, params: Params, ctx: TaskContext | None = None) -> Check:
    """Partial credit per correct cell; wrong rows/columns and per-column mistakes named."""
    return checking.check_table(parsed, answer["rows"], key_columns=params.by, value_columns=params.specs(),
                                tolerance=ctx.tolerance if ctx else 0.005,
                                alternatives=answer.get("misconceptions"),
                                strict=ctx.strict_precision if ctx else True)


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """Each key cell with what each misconception gives in it (selftest checks they separate)."""
    def row_key(record: Mapping[str, Any]) -> str:
        return " / ".join(checking.norm_key(record[c]) for c in params.by)

    traps = {k: {row_key(r): r for r in rows} for k, rows in answer.get("misconceptions", {}).items()}
    out = []
    for record in answer["rows"]:
        rk = row_key(record)
        for m, spec in params.specs().items():
            if record.get(m) is None or not np.isfinite(record[m]):
                continue
            alts = {k: rows.get(rk, {}).get(m) for k, rows in traps.items()}
            alts = {k: v for k, v in alts.items() if v is not None}
            out.append(checking.Probe(f"{rk} / {m}", float(record[m]), replace(spec, alternatives=alts)))
    return out


def _display(value: Any, unit: str, precision: int) -> str:
    if value is None:
        return ""
    return checking.format_number(float(value), unit, precision)


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The key as a trainee's sheet: Chinese headers, rows reversed, numbers typed with % and commas."""
    frame = pd.DataFrame(answer["rows"], columns=answer["columns"]).iloc[::-1]
    for m, spec in params.specs().items():
        frame[m] = [_display(v, spec.unit, spec.precision or 0) for v in frame[m]]
    return rename_to_labels(frame.reset_index(drop=True), "zh", params.dataset)


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> pd.DataFrame:
    """The key with one cell moved 10–40%, and by three units of its asked precision at least (or a row
    dropped, when that cell is blank)."""
    frame = pd.DataFrame(answer["rows"], columns=answer["columns"])
    row, col = int(rng.integers(len(frame))), str(rng.choice(params.metrics))
    value = frame.at[row, col]
    if value is None or pd.isna(value) or value == 0:
        return frame.drop(index=row)
    frame[col] = frame[col].astype(float)
    shift = float(value) * rng.choice([-1.0, 1.0]) * rng.uniform(0.1, 0.4)
    least = 3 * 10.0 ** -(params.specs()[col].precision or 0)
    frame.at[row, col] = float(value) + (shift if abs(shift) >= least else math.copysign(least, shift))
    return frame


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: grouping, metrics with rounding, the filter, and the upload format."""
    sep = "、" if lang == "zh" else ", "
    by = sep.join(column_label(b, lang, params.dataset) for b in params.by)
    items = []
    for m, spec in params.specs().items():
        rounding = checking.rounding_msg(spec.unit, spec.precision or 0).render(lang)
        label = metrics.METRICS[m].label(lang)
        items.append(t("report_table.metric_item", lang, label=label, rounding=rounding))
    where = filter_clause(params.filter, lang, params.dataset)
    periods = t("report_table.periods", lang) if set(params.by) & {*PERIODS, "date"} else ""
    return t("report_table.describe", lang, dataset=params.dataset, filter=where, by=by,
             metrics=sep.join(items), periods=periods)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """The table is uploaded; the group columns identify rows, the metric columns carry their decimals."""
    decimals = tuple((c, s.precision) for c, s in params.specs().items() if s.precision is not None)
    return AnswerForm((Upload(dataset=params.dataset, key_columns=tuple(params.by), precision=decimals),))


def malformed(params: Any = None) -> bytes:
    """An unreadable table (the same for every table kind): a format error, never a wrong answer."""
    return malformed_table(params)


def report_tables(params: Mapping[str, Any], answer: Mapping[str, Any]) -> list[ReportTable]:
    """The key's one report table (``params`` and ``answer`` as the key document holds them).

    >>> report_tables({"by": "channel"}, {"rows": [{"channel": "抖音"}]})[0].by
    ['channel']
    """
    by = params.get("by", [])
    return [ReportTable("", [by] if isinstance(by, str) else list(by), list(answer.get("rows", [])))]
