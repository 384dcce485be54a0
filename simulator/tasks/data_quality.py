"""``data_quality`` (L4/6.2.1 数据清洗): duplicates, missing cells and impossible values in a dataset.

The rules, applied in this order (:func:`audit`):

1. **duplicates** — rows identical in every column to an earlier row; each extra copy counts once
   (Excel 删除重复项 keeps the first).
2. **missing** — empty cells, counted after the duplicate rows are removed.
3. **out_of_range** — impossible cells, counted after the duplicate rows are removed: a negative
   count, amount or duration; a 0/1 flag that is neither 0 nor 1; a ratio outside [0, 1]; a count
   larger than the count it is part of in the same row (:data:`PARTS`, e.g. clicks > impressions — the
   part is the impossible cell; rows where either is negative or empty are left to the other rules).

``mode: counts`` asks for the numbers (``ask`` picks which); ``mode: cleaned`` asks for the cleaned
table — duplicates removed, then every row with a missing or out-of-range cell removed — graded on its
row count and the sums of its numeric columns, with feedback such as "still contains duplicates".

>>> df = pd.DataFrame({"impressions": [100, 100, 50, 80], "clicks": [5, 5, 60, None]})
>>> audit(df, "ad_delivery").counts()
{'duplicates': 1, 'missing': 1, 'out_of_range': 1}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from simulator.core.forms import AnswerForm, Number, Upload
from simulator.core.i18n import msg, register, t
from simulator.engine import checking, grouping
from simulator.engine.checking import FieldSpec
from simulator.engine.labels import dataset_columns, rename_to_labels
from simulator.tasks.base import Check, Made, TaskContext, TaskParams
from simulator.tasks.report_table import read_upload

KIND = "data_quality"
Problem = Literal["duplicates", "missing", "out_of_range"]
PROBLEMS: tuple[Problem, ...] = ("duplicates", "missing", "out_of_range")
NON_NEGATIVE = {"count", "money", "seconds", "minutes", "multiple"}
PARTS: tuple[tuple[str, str], ...] = (
    ("clicks", "impressions"), ("conversions", "clicks"), ("viewers", "views"), ("buyers", "viewers"),
    ("product_click_users", "product_exposure_users"), ("click_users", "exposure_users"),
    ("buyers", "product_click_users"), ("buyers", "click_users"), ("completions", "plays"),
    ("refunds", "gmv"))
"""(part, whole) pairs: the part can never exceed the whole in the same row."""
SUM_TOLERANCE = 1e-6

register({
    "data_quality.field.duplicates": {"zh": "重复行数", "en": "duplicate rows"},
    "data_quality.field.missing": {"zh": "缺失值个数", "en": "missing cells"},
    "data_quality.field.out_of_range": {"zh": "异常值个数", "en": "out-of-range cells"},
    "data_quality.field.rows": {"zh": "行数", "en": "rows"},
    "data_quality.duplicates_all_copies": {
        "zh": "把重复行的每一份(包括第一次出现的那行)都算进去了;只计多出来的副本。",
        "en": "Every copy of a duplicated row was counted, the first one too; count only the extra copies."},
    "data_quality.counted_in_duplicates": {
        "zh": "把重复行里的问题也重复计数了;请先删除重复行再统计。",
        "en": "Problems inside duplicate rows were counted again; remove duplicates first, then count."},
    "data_quality.counted_rows": {
        "zh": "统计的是有问题的行数;本题统计的是单元格个数。",
        "en": "That counts rows with a problem; the task counts cells."},
    "data_quality.only_negatives": {
        "zh": "只统计了负数;部分大于整体的值(如 点击数 > 展示数)也是异常值。",
        "en": "Only negative values were counted; a part larger than its whole (e.g. clicks > impressions) "
              "is out of range too."},
    "data_quality.still_duplicates": {
        "zh": "上传的表格中仍有 {n} 行重复数据。",
        "en": "The uploaded table still has {n} duplicate row(s)."},
    "data_quality.still_missing": {
        "zh": "上传的表格中仍有 {n} 个空单元格。", "en": "The uploaded table still has {n} empty cell(s)."},
    "data_quality.still_out_of_range": {
        "zh": "上传的表格中仍有 {n} 个异常值(负数或部分大于整体)。",
        "en": "The uploaded table still has {n} out-of-range value(s) (negative, or a part above its "
              "whole)."},
    "data_quality.dropped_too_many": {
        "zh": "删除的行太多了:只应删除重复行和含缺失值、异常值的行。",
        "en": "Too many rows were removed: remove only duplicates and rows with missing or out-of-range "
              "cells."},
    "data_quality.rules": {
        "zh": "规则:①重复行 = 所有列都与前面某行完全相同的行,只计多出来的副本;②缺失值 = 空单元格;"
              "③异常值 = 计数、金额、时长为负数,0/1 标记不是 0 或 1,比率不在 0~1 之间,或部分大于整体"
              "(如 点击数 > 展示数、转化数 > 点击数、观看人数 > 观看次数,计部分那一格)。"
              "②③在删除重复行之后统计,按单元格计数。",
        "en": "Rules: (1) a duplicate is a row identical in every column to an earlier row; count only the "
              "extra copies; (2) missing = an empty cell; (3) out of range = a negative count, amount or "
              "duration, a 0/1 flag that is not 0 or 1, a ratio outside 0–1, or a part larger than its whole "
              "(clicks > impressions, conversions > clicks, viewers > views …; the part is the bad cell). "
              "Count (2) and (3) in cells, after removing the duplicate rows."},
    "data_quality.describe_counts": {
        "zh": "检查数据表 {dataset} 的数据质量,填写:{fields}(均为整数)。{rules}",
        "en": "Check the quality of table {dataset} and give: {fields} (whole numbers). {rules}"},
    "data_quality.describe_cleaned": {
        "zh": "清洗数据表 {dataset}:先删除重复行,再删除含缺失值或异常值的行,其余行与列保持原样,"
              "上传清洗后的表格(CSV 或 XLSX)。{rules}",
        "en": "Clean table {dataset}: remove the duplicate rows, then every row with a missing or "
              "out-of-range cell; keep the other rows and columns as they are, and upload the cleaned "
              "table (CSV or XLSX). {rules}"},
})


@dataclass
class Audit:
    """What :func:`audit` found in one table."""

    duplicates: int
    """Extra copies of duplicated rows."""
    missing: int
    """Empty cells after removing duplicates."""
    out_of_range: int
    """Impossible cells after removing duplicates."""
    clean: pd.DataFrame
    """The table without duplicates and without rows holding a missing or impossible cell."""
    traps: dict[str, dict[str, int]]
    """Per problem: what a known miscount gives (catalog key → count)."""

    def counts(self) -> dict[str, int]:
        return {p: int(getattr(self, p)) for p in PROBLEMS}


def _units(df: pd.DataFrame, dataset: str | None) -> dict[str, str]:
    """Column → unit (count, money, ratio, flag, …) from the dataset's documentation, else guessed."""
    documented = dataset_columns().get(dataset or "", {})
    out = {}
    for col in df.columns:
        doc = documented.get(col)
        if doc is not None:
            out[col] = doc.unit  # type: ignore[attr-defined]
        elif pd.api.types.is_numeric_dtype(df[col]) and not str(col).endswith("_id"):
            out[col] = "count"
    return out


def _numbers(df: pd.DataFrame, col: str) -> np.ndarray:
    return grouping.numbers(df[col])


def _bad_cells(df: pd.DataFrame, dataset: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (rows × columns) arrays: impossible by value, and impossible by a part-whole relation."""
    cols = {c: j for j, c in enumerate(df.columns)}
    value_bad = np.zeros((len(df), len(cols)), dtype=bool)
    part_bad = np.zeros_like(value_bad)
    with np.errstate(invalid="ignore"):
        for col, unit in _units(df, dataset).items():
            if unit in NON_NEGATIVE:
                value_bad[:, cols[col]] = _numbers(df, col) < 0
            elif unit == "flag":
                x = _numbers(df, col)
                value_bad[:, cols[col]] = ~np.isnan(x) & (x != 0) & (x != 1)
            elif unit == "ratio":
                x = _numbers(df, col)
                value_bad[:, cols[col]] = (x < 0) | (x > 1)
        for part, whole in PARTS:
            if part in cols and whole in cols:
                a, b = _numbers(df, part), _numbers(df, whole)
                part_bad[:, cols[part]] |= (a >= 0) & (b >= 0) & (a > b)
    return value_bad, part_bad & ~value_bad


def _empty(df: pd.DataFrame) -> np.ndarray:
    """Boolean (rows × columns) array of empty cells (NaN, None, blank text)."""
    blank: np.ndarray = df.isna().to_numpy()
    for j, col in enumerate(df.columns):
        if df[col].dtype == object:
            blank[:, j] |= np.array([isinstance(v, str) and not v.strip() for v in df[col]], dtype=bool)
    return blank


def audit(df: pd.DataFrame, dataset: str | None = None) -> Audit:
    """Counts duplicates, missing and out-of-range cells by the module's rules; builds the cleaned table."""
    rows = grouping.group_rows(df, list(df.columns), sort=False)  # identical rows share a group, missing = missing
    keep = np.zeros(len(df), dtype=bool)
    keep[rows.first] = True
    dup = ~keep
    blank, (value_bad, part_bad) = _empty(df), _bad_cells(df, dataset)
    bad = value_bad | part_bad
    traps = {
        "duplicates": {"data_quality.duplicates_all_copies": int(
            (np.bincount(rows.codes, minlength=rows.size)[rows.codes] > 1).sum())},
        "missing": {"data_quality.counted_in_duplicates": int(blank.sum()),
                    "data_quality.counted_rows": int(blank[keep].any(axis=1).sum())},
        "out_of_range": {"data_quality.counted_in_duplicates": int(bad.sum()),
                         "data_quality.counted_rows": int(bad[keep].any(axis=1).sum()),
                         "data_quality.only_negatives": int(value_bad[keep].sum())}}
    clean = df[keep & ~blank.any(axis=1) & ~bad.any(axis=1)]
    return Audit(int(dup.sum()), int(blank[keep].sum()), int(bad[keep].sum()), clean, traps)


class Params(TaskParams):
    """``dataset``; ``mode`` counts (``ask`` picks duplicates/missing/out_of_range) or cleaned."""

    dataset: str = Field(description="dataset to check, e.g. ad_delivery (generated with defects)")
    mode: Literal["counts", "cleaned"] = Field("counts",
                                               description="give the counts, or upload the cleaned table")
    ask: list[Problem] = Field(default_factory=lambda: list(PROBLEMS), min_length=1,
                               description="which counts to give (counts mode)")

    @field_validator("ask")
    @classmethod
    def _unique(cls, ask: list[Problem]) -> list[Problem]:
        if len(set(ask)) != len(ask):
            raise ValueError("a count is asked twice")
        return ask


def _sum_columns(df: pd.DataFrame, dataset: str) -> list[str]:
    """Numeric, non-id columns whose sums the cleaned table is graded on."""
    return [c for c, u in _units(df, dataset).items() if u not in ("id", "text", "date", "datetime")]


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """Counts mode: ``{ask…: n, "misconceptions": {field: {key: n}}}``; cleaned: ``{"rows", "sums"}``."""
    df = data[params.dataset]
    found = audit(df, params.dataset)
    if params.mode == "counts":
        answer: dict[str, Any] = {p: found.counts()[p] for p in params.ask}
        answer["misconceptions"] = {p: found.traps[p] for p in params.ask}
        return answer
    sums = {c: grouping.nansum(grouping.numbers(found.clean[c])) for c in _sum_columns(df, params.dataset)}
    return {"rows": len(found.clean), "sums": sums}


# --------------------------------------------------------------------------- answers

def _count_specs(params: Params, answer: dict[str, Any] | None = None) -> dict[str, FieldSpec]:
    traps = (answer or {}).get("misconceptions", {})
    return {p: FieldSpec(unit="count", precision=0, label_key=f"data_quality.field.{p}",
                         alternatives=traps.get(p)) for p in params.ask}


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """Each asked count with the miscounts it recognises (selftest checks they separate)."""
    if params.mode == "cleaned":
        return []
    return [checking.Probe(p, float(answer[p]), spec) for p, spec in _count_specs(params, answer).items()]


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> Any:
    """Counts: a mapping field → count (or one number when one count is asked). Cleaned: a table."""
    if params.mode == "cleaned":
        return read_upload(raw, params.dataset, ctx)
    if not isinstance(raw, Mapping) and len(params.ask) == 1:
        raw = {params.ask[0]: raw}
    return checking.parse_fields(raw, _count_specs(params))


def _check_cleaned(answer: dict[str, Any], table: pd.DataFrame, params: Params) -> Check:
    specs = {"rows": FieldSpec(unit="count", precision=0, label_key="data_quality.field.rows",
                               weight=max(len(answer["sums"]), 1))}
    given: dict[str, Any] = {"rows": len(table)}
    units = _units(table, params.dataset)
    for col in answer["sums"]:
        specs[col] = FieldSpec(unit="count" if units.get(col) == "count" else "money")
        if col in table.columns:
            given[col] = float(pd.to_numeric(table[col], errors="coerce").sum())
    key = {"rows": answer["rows"], **answer["sums"]}
    result = checking.check_fields(given, key, specs, tolerance=SUM_TOLERANCE)
    left = audit(table, params.dataset)
    notes = [msg(f"data_quality.still_{p}", n=n) for p, n in left.counts().items() if n]
    if not notes and len(table) < answer["rows"]:
        notes.append(msg("data_quality.dropped_too_many"))
    return Check(result.fraction, notes + result.feedback, details=result.details)


def check(answer: dict[str, Any], parsed: Any, params: Params, ctx: TaskContext | None = None) -> Check:
    """Counts: per-count credit with miscounts named. Cleaned: row count (half) and column sums (half)."""
    if params.mode == "cleaned":
        return _check_cleaned(answer, parsed, params)
    return checking.check_fields(parsed, answer, _count_specs(params, answer),
                                 tolerance=ctx.tolerance if ctx else 0.005)


def _synthetic_clean(answer: dict[str, Any], params: Params) -> pd.DataFrame:
    """A table with the key's row count and column sums (first row carries the sums), for selftest."""
    n = max(int(answer["rows"]), 1)
    frame = pd.DataFrame({"row_no": np.arange(1, n + 1)})
    for col, total in answer["sums"].items():
        frame[col] = np.zeros(n)
        frame.loc[0, col] = total
    return frame


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> Any:
    """Counts with Chinese field names; for cleaned mode a synthetic table with the key's sums."""
    if params.mode == "cleaned":
        return rename_to_labels(_synthetic_clean(answer, params), "zh", params.dataset)
    return {t(f"data_quality.field.{p}", "zh"): str(answer[p]) for p in params.ask}


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> Any:
    """One count off by 1–3; for cleaned mode the synthetic table with its first row repeated."""
    if params.mode == "cleaned":
        frame = _synthetic_clean(answer, params)
        return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    out = {p: answer[p] for p in params.ask}
    p = params.ask[int(rng.integers(len(params.ask)))]
    out[p] = max(0, out[p] + int(rng.choice([-1, 1]) * rng.integers(1, 4))) if out[p] else 2
    return out


def malformed(params: Params) -> Any:
    if params.mode == "cleaned":
        return b"\x00\x01\x02 not a table \xff"
    return {p: "很多" for p in params.ask}


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction with the counting rules spelled out."""
    rules = t("data_quality.rules", lang)
    if params.mode == "cleaned":
        return t("data_quality.describe_cleaned", lang, dataset=params.dataset, rules=rules)
    sep = "、" if lang == "zh" else ", "
    fields = sep.join(t(f"data_quality.field.{p}", lang) for p in params.ask)
    return t("data_quality.describe_counts", lang, dataset=params.dataset, fields=fields, rules=rules)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """The cleaned table as an upload, or one whole-number count per asked problem."""
    if params.mode == "cleaned":
        return AnswerForm((Upload(dataset=params.dataset),))
    return AnswerForm(tuple(Number(p, ("field", p), msg(f"data_quality.field.{p}"), unit="count", precision=0)
                            for p in params.ask))
