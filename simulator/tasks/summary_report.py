"""``summary_report``: 运营数据汇总报表 (L2/1.1.1) and 数据分析报表 → 效果评估 (L2/1.2.1–1.2.2).

One workbook with several sheets, each a grouped report of one dataset (as ``report_table``: ratios from
the group's sums, the same named mistakes per column). The trainee uploads one XLSX whose sheets are
found by name (zh or en, case-insensitive), else by position; answers files may instead map each sheet
name to a CSV/XLSX table. Every correct cell earns credit, across all sheets; feedback names the sheet.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.core.forms import AnswerForm, Upload
from simulator.core.i18n import Msg, msg, t
from simulator.engine import checking, metrics
from simulator.engine.labels import column_label
from simulator.engine.selection import Filter, describe_filter
from simulator.engine.submissions import answer_file, read_upload
from simulator.engine.uploads import TableReadError, read_table
from simulator.tasks import report_table as rt
from simulator.tasks.base import AnswerFormatError, Check, Made, ReportTable, TaskContext, TaskParams

KIND = "summary_report"


class Sheet(BaseModel):
    """One sheet of the workbook: its name and a ``report_table`` spec (without the dataset)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=31, description="sheet name (as Excel allows: ≤ 31 characters)")
    name_en: str | None = Field(None, max_length=31, description="English sheet name, also accepted")
    by: list[str] | str
    metrics: list[str] = Field(min_length=1)
    filter: Filter = Field(default_factory=dict)
    precision: dict[str, int] = Field(default_factory=dict)


class Params(TaskParams):
    """A workbook of grouped sheets of one dataset."""

    dataset: str = Field(description="dataset the sheets report on")
    sheets: list[Sheet] = Field(min_length=2, max_length=8, description="the workbook's sheets, in order")

    @model_validator(mode="after")
    def _valid_sheets(self) -> Params:
        names = [s.name.strip().casefold() for s in self.sheets]
        if len(set(names)) != len(names):
            raise ValueError("sheets: two sheets have the same name")
        for i, sheet in enumerate(self.sheets):
            try:
                self.sheet_params(i)
            except ValueError as err:
                raise ValueError(f"sheets[{i}] ({sheet.name}): {err}") from err
        return self

    def sheet_params(self, i: int) -> rt.Params:
        s = self.sheets[i]
        by = [s.by] if isinstance(s.by, str) else s.by
        return rt.Params(dataset=self.dataset, by=by, metrics=s.metrics, filter=s.filter, precision=s.precision)

    def datasets(self) -> list[str]:
        return list(dict.fromkeys(d for i in range(len(self.sheets)) for d in self.sheet_params(i).datasets()))


# --------------------------------------------------------------------------- key

def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"sheets": [{"name", "columns", "rows", "misconceptions"}, …]}`` (each as ``report_table``'s key)."""
    return {"sheets": [{"name": s.name, **rt.make(params.sheet_params(i), data, ctx).key}
                       for i, s in enumerate(params.sheets)]}


# --------------------------------------------------------------------------- answers

def _names(sheet: Sheet) -> set[str]:
    return {n.strip().casefold() for n in (sheet.name, sheet.name_en) if n}


def _workbook_bytes(raw: Any, ctx: TaskContext | None) -> bytes | None:
    """The bytes of an XLSX workbook when ``raw`` is one (bytes, or a file named in an answers file)."""
    if isinstance(raw, str) and "\n" not in raw:
        path = answer_file(raw, ctx)
        raw = path.read_bytes() if path.is_file() else raw
    if isinstance(raw, Path) and raw.is_file():
        raw = raw.read_bytes()
    return bytes(raw) if isinstance(raw, (bytes, bytearray)) and raw[:4] == b"PK\x03\x04" else None


def _sheet_names(data: bytes) -> list[str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for damaged files
        raise AnswerFormatError(msg("upload.bad_xlsx", name="xlsx")) from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _from_workbook(data: bytes, params: Params) -> list[pd.DataFrame | None]:
    names = _sheet_names(data)
    out: list[pd.DataFrame | None] = []
    for i, sheet in enumerate(params.sheets):
        found = next((n for n in names if n.strip().casefold() in _names(sheet)), None)
        if found is None and len(names) == len(params.sheets):
            found = names[i]  # same number of sheets: take them in order
        if found is None:
            out.append(None)
            continue
        try:
            out.append(read_table(data, filename="xlsx", sheet=found, dataset=params.dataset))
        except TableReadError as err:
            raise AnswerFormatError(msg("summary_report.sheet", sheet=found, detail=err.message)) from err
    return out


def _from_mapping(raw: Mapping[str, Any], params: Params, ctx: TaskContext | None) -> list[pd.DataFrame | None]:
    given = {str(k).strip().casefold(): v for k, v in raw.items()}
    out: list[pd.DataFrame | None] = []
    for sheet in params.sheets:
        value = next((given[n] for n in _names(sheet) if n in given), None)
        out.append(None if value is None else read_upload(value, params.dataset, ctx))
    if all(v is None for v in out):
        raise AnswerFormatError(msg("check.not_a_table"))
    return out


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> list[pd.DataFrame | None]:
    """Per sheet: its table with canonical columns (None when the workbook lacks it).

    ``raw``: an XLSX (bytes or a file named in an answers file), a mapping sheet name → table, or a
    single table (then only the first sheet is answered). Unreadable input is an :class:`AnswerFormatError`.
    """
    data = _workbook_bytes(raw, ctx)
    if data is not None:
        tables = _from_workbook(data, params)
    elif isinstance(raw, Mapping) and "rows" not in raw:
        tables = _from_mapping(raw, params, ctx)
    else:
        tables = [read_upload(raw, params.dataset, ctx)] + [None] * (len(params.sheets) - 1)
    out: list[pd.DataFrame | None] = []
    for i, table in enumerate(tables):
        if table is None:
            out.append(None)
            continue
        try:
            p = params.sheet_params(i)  # already read: as rt.parse, without reading it again
            out.append(checking.prepare_table(rt.metric_columns(table, p), p.by, p.specs()))
        except AnswerFormatError as err:
            raise AnswerFormatError(msg("summary_report.sheet", sheet=params.sheets[i].name,
                                        detail=err.message)) from err
    return out


def _cells(sheet_key: dict[str, Any], p: rt.Params) -> int:
    return len(sheet_key["rows"]) * len(p.metrics)


def check(answer: dict[str, Any], parsed: list[pd.DataFrame | None], params: Params, ctx: TaskContext | None = None
          ) -> Check:
    """Credit per correct cell over all sheets; each sheet's feedback prefixed with its name."""
    right = total = 0.0
    feedback: list[Msg] = []
    wrong_cells: list[list[str]] = []
    for i, (sheet, table) in enumerate(zip(params.sheets, parsed, strict=True)):
        key, p = answer["sheets"][i], params.sheet_params(i)
        cells = _cells(key, p)
        total += cells
        if table is None:
            feedback.append(msg("summary_report.sheet_missing", sheet=sheet.name))
            continue
        result = rt.check(key, table, p, ctx)
        right += result.fraction * cells
        feedback += [msg("summary_report.sheet", sheet=sheet.name, detail=m) for m in result.feedback]
        wrong_cells += [[f"{sheet.name}: {rk}", col] for rk, col in result.details.get("wrong_cells", [])]
    feedback.insert(0, msg("summary_report.summary", right=round(right), total=round(total)))
    return Check(right / total if total else 0.0, feedback,
                 details={"wrong_cells": wrong_cells, "cells_right": round(right), "cells_total": round(total)})


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> dict[str, pd.DataFrame]:
    """The key as an answers file gives it: sheet name → table (typed numbers, Chinese headers),
    sheets in reverse order (found by name)."""
    return {s.name: rt.as_raw(answer["sheets"][i], params.sheet_params(i), ctx)
            for i, s in reversed(list(enumerate(params.sheets)))}


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator
            ) -> dict[str, pd.DataFrame]:
    """The key's sheets with one cell of one sheet moved 10–40% (or one of its rows dropped)."""
    bad = int(rng.integers(len(params.sheets)))
    out = as_raw(answer, params, ctx)
    name = params.sheets[bad].name
    out[name] = rt.perturb(answer["sheets"][bad], params.sheet_params(bad), ctx, rng)
    return out


def malformed(params: Params) -> bytes:
    return b"PK\x03\x04 this is not really a workbook"


def _metric_items(p: rt.Params, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    items = []
    for m, spec in p.specs().items():
        rounding = checking.rounding_msg(spec.unit, spec.precision or 0).render(lang)
        items.append(t("report_table.metric_item", lang, label=metrics.METRICS[m].label(lang), rounding=rounding))
    return sep.join(items)


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: the sheets by name with their grouping, filter and metrics (with rounding)."""
    sep = "、" if lang == "zh" else ", "
    items = []
    for i, s in enumerate(params.sheets):
        p = params.sheet_params(i)
        by = sep.join(column_label(b, lang, params.dataset) for b in p.by)
        name = s.name if lang == "zh" or not s.name_en else f"{s.name_en} / {s.name}"
        scope = t("summary_report.scope", lang, conditions=describe_filter(p.filter, lang, params.dataset)) \
            if p.filter else ""
        items.append(t("summary_report.sheet_item", lang, name=name, by=by, scope=scope,
                       metrics=_metric_items(p, lang)))
    return t("summary_report.describe", lang, dataset=params.dataset, n=len(params.sheets), sheets="".join(items))


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One workbook is uploaded (its sheets are matched by name)."""
    return AnswerForm((Upload(dataset=params.dataset),))


def report_tables(params: Mapping[str, Any], answer: Mapping[str, Any]) -> list[ReportTable]:
    """Each sheet of the key's workbook, a report table of its own (labelled by the sheet's name)."""
    out = []
    for spec, sheet in zip(params.get("sheets", []), answer.get("sheets", []), strict=False):
        by = spec.get("by", [])
        out.append(ReportTable(f"/{sheet.get('name')}", [by] if isinstance(by, str) else list(by),
                               list(sheet.get("rows", []))))
    return out
