"""``budget_table``: 项目预算表 (L1/3.1.3) from 项目财务目标 (L1/3.1.2), an 运营优化方案 (L2/1.1.2).

From the delivery history of each line (placement, campaign …): its ROI (GMV ÷ spend, ratio of sums).
Lines whose ROI is below 保本ROI get no budget. The GMV target (history × (1 + ``growth``), or
``target_gmv``) is split over the kept lines by their share of historical GMV; each line's budget is its
target ÷ its ROI, and the conversions that buys is budget ÷ its historical CPA (unit cost per
conversion). With a cap (``budget_cap`` yuan, or ``cap_factor`` × historical spend) that the total
exceeds, every budget and target is scaled down by cap ÷ total. Each line's expected profit is
target ÷ 保本ROI − budget (gross margin = 1 ÷ 保本ROI, minus the spend). The 合计 row holds the sums and
the plan's ROI (total target ÷ total budget).

>>> df = pd.DataFrame({"placement": ["a", "a", "b", "c"], "cost": [100.0, 100, 100, 100],
...                    "gmv": [300.0, 500, 100, 200], "clicks": [50, 50, 40, 40], "conversions": [5, 5, 2, 4]})
>>> key = make(Params(growth=0.0, breakeven_roi=1.5), {"ad_delivery": df}).key
>>> [(r["placement"], r["target_gmv"], r["budget"], r["conversions"]) for r in key["rows"]]
[('a', 880.0, 220.0, 11.0), ('b', 0.0, 0.0, 0.0), ('c', 220.0, 110.0, 4.4), ('合计', 1100.0, 330.0, 15.4)]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from simulator.core.forms import AnswerForm, Upload
from simulator.core.i18n import msg, register, t
from simulator.engine import checking, grouping, metrics, plantables
from simulator.engine.checking import FieldSpec
from simulator.engine.labels import column_label
from simulator.tasks.base import Check, Made, TaskContext, TaskParams
from simulator.tasks.choice import MARGIN
from simulator.tasks.metric import (
    ENTITY_ALIASES,
    PERIODS,
    Filter,
    apply_filter,
    check_columns,
    filter_clause,
    frame,
    needed_datasets,
)
from simulator.tasks.report_table import malformed as malformed  # same unreadable table
from simulator.tasks.report_table import read_upload

KIND = "budget_table"
COLUMNS = ("roi", "target_gmv", "budget", "conversions", "profit")

register({
    "budget_table.col.target_gmv": {"zh": "目标GMV", "en": "Target GMV"},
    "budget_table.col.budget": {"zh": "预算", "en": "Budget"},
    "budget_table.col.profit": {"zh": "预计利润", "en": "Expected profit"},
    "budget_table.col.conversions": {"zh": "预计转化数", "en": "Expected conversions"},
    "budget_table.clicks_not_conversions": {
        "zh": "预计转化数看起来是 预算 ÷ 点击单价(那是点击数);应为 预算 ÷ 历史转化成本(CPA)。",
        "en": "Expected conversions look like budget ÷ CPC (that is clicks); use budget ÷ historical CPA."},
    "budget_table.not_cut": {
        "zh": "ROI低于保本ROI的渠道也分到了目标和预算;这些渠道每花1元都在亏损,本题要求不再给它们预算。",
        "en": "Lines below break-even ROI still got a target and budget; each yuan there loses money, so "
              "they get none."},
    "budget_table.cost_share": {
        "zh": "目标看起来是按历史消耗占比分配的;本题要求按保留渠道的历史GMV占比分配。",
        "en": "The target seems split by historical spend; split it by the kept lines' historical GMV."},
    "budget_table.even_split": {
        "zh": "目标看起来是平均分给各渠道的;本题要求按保留渠道的历史GMV占比分配。",
        "en": "The target seems split evenly; split it by the kept lines' historical GMV."},
    "budget_table.budget_times_roi": {
        "zh": "预算看起来是 目标GMV × ROI;预算应为 目标GMV ÷ ROI。",
        "en": "The budget looks like target GMV × ROI; it is target GMV ÷ ROI."},
    "budget_table.profit_no_margin": {
        "zh": "预计利润看起来是 GMV − 预算,没有扣除货品成本;利润 = 目标GMV ÷ 保本ROI − 预算。",
        "en": "Profit looks like GMV − budget, ignoring the cost of goods; profit = target GMV ÷ "
              "break-even ROI − budget."},
    "budget_table.cap_ignored": {
        "zh": "总预算超出了上限;超出时应把各渠道预算和目标按 上限 ÷ 总预算 同比例缩减。",
        "en": "The total exceeds the cap; scale every budget and target by cap ÷ total."},
    "budget_table.mean_roi": {
        "zh": "合计行的ROI看起来是各渠道ROI的平均;应为 合计目标GMV ÷ 合计预算。",
        "en": "The total row's ROI looks like the mean of the lines' ROI; it is total target ÷ total budget."},
    "budget_table.describe": {
        "zh": "根据数据表 ad_delivery{filter},按{by}编制项目预算表。各{by}的历史ROI = 成交金额合计 ÷ 消耗合计;"
              "保本ROI为 {breakeven},历史ROI低于保本ROI的{by}不再分配预算(目标与预算填0)。"
              "项目GMV目标为{target},按保留各{by}的历史成交金额占比分配;预算 = 目标GMV ÷ 历史ROI。{cap}"
              "预计转化数 = 预算 ÷ 历史转化成本(消耗合计 ÷ 转化数合计)。"
              "预计利润 = 目标GMV ÷ 保本ROI − 预算。每个{by}一行,再加一行“合计”(目标、预算、利润为各行之和,"
              "ROI为 合计目标GMV ÷ 合计预算)。列出:{columns}。ROI保留2位小数,金额保留2位小数,转化数保留1位小数。"
              "上传 CSV 或 XLSX 文件,表头可用中文或英文。",
        "en": "From table ad_delivery{filter}, draw up the project budget by {by}. Each line's historical "
              "ROI = its summed GMV ÷ its summed cost; break-even ROI is {breakeven}, and a line whose "
              "historical ROI is below it gets no budget (target and budget 0). The project's GMV target is "
              "{target}, split over the kept lines by their share of historical GMV; budget = target GMV ÷ "
              "historical ROI; expected conversions = budget ÷ historical CPA (summed cost ÷ summed conversions). "
              "{cap}Expected profit = target GMV ÷ break-even ROI − budget. One row per line "
              "plus a 合计 (Total) row (sums of target, budget and profit; ROI = total target ÷ total "
              "budget). Columns: {columns}. ROI and money to 2 decimals, conversions to 1. Upload a CSV or XLSX file; "
              "headers may be Chinese or English."},
    "budget_table.target_growth": {"zh": "历史成交金额合计 × (1 + {growth})",
                                   "en": "historical GMV × (1 + {growth})"},
    "budget_table.cap": {
        "zh": "总预算上限为{cap};若各行预算之和超过上限,各行预算与目标按 上限 ÷ 预算之和 同比例缩减。",
        "en": "The total budget is capped at {cap}; if the lines' budgets add up to more, scale every "
              "budget and target by cap ÷ that sum. "},
    "budget_table.cap_factor": {"zh": "历史消耗合计的 {factor} 倍", "en": "{factor} × historical spend"},
})


class Params(TaskParams):
    """A budget by line: GMV target, 保本ROI, optional cap."""

    dataset: Literal["ad_delivery"] = "ad_delivery"
    by: str = Field("placement", description="line column: placement, campaign_id, objective …")
    filter: Filter = Field(default_factory=dict, description="column → value(s) or {from, to} dates")
    growth: float | None = Field(None, gt=-1, description="target = historical GMV × (1 + growth)")
    target_gmv: float | None = Field(None, gt=0, description="instead of growth: the target, yuan")
    breakeven_roi: float = Field(gt=0, description="保本ROI: lines below it get no budget")
    budget_cap: float | None = Field(None, gt=0, description="cap on the total budget, yuan")
    cap_factor: float | None = Field(None, gt=0, description="instead: cap = factor × historical spend")

    @field_validator("by", mode="before")
    @classmethod
    def _alias(cls, by: Any) -> Any:
        return ENTITY_ALIASES.get(by, by) if isinstance(by, str) else by

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        check_columns(self.dataset, [self.by, *self.filter], "by/filter")
        if (self.growth is None) == (self.target_gmv is None):
            raise ValueError("give exactly one of growth and target_gmv")
        if self.budget_cap is not None and self.cap_factor is not None:
            raise ValueError("give at most one of budget_cap and cap_factor")
        return self

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, ["cost", "gmv", "conversions", "clicks"], [self.by, *self.filter])

    def specs(self) -> dict[str, FieldSpec]:
        money = {c: FieldSpec(unit="money", precision=2, label_key=f"budget_table.col.{c}")
                 for c in ("target_gmv", "budget", "profit")}
        return {"roi": FieldSpec(unit="multiple", precision=2), "target_gmv": money["target_gmv"],
                "budget": money["budget"],
                "conversions": FieldSpec(unit="count", precision=1, label_key="budget_table.col.conversions"),
                "profit": money["profit"]}


# --------------------------------------------------------------------------- key

def _history(params: Params, data: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    periods = [c for c in (params.by, *params.filter) if c in PERIODS]
    sub = apply_filter(frame(data, params, periods), params.filter)
    if sub.empty:
        raise ValueError("budget_table task: the filter leaves no rows of ad_delivery")
    groups = grouping.group_rows(sub, [params.by], dropna=True)
    sums = metrics.group_sums(sub, groups, ["cost", "gmv", "conversions", "clicks"], params.dataset)
    return groups.keys, sums


def _plan(params: Params, roi: np.ndarray, share_of: np.ndarray, keep: np.ndarray, total: float,
          cap: float | None, cpa: np.ndarray) -> dict[str, np.ndarray]:
    """target, budget, conversions, profit per line for one allocation rule (``share_of`` weights the
    kept lines; ``cpa`` is each line's historical cost per conversion)."""
    weights = np.where(keep, share_of, 0.0)
    target = total * weights / weights.sum() if weights.sum() > 0 else np.zeros_like(roi)
    with np.errstate(divide="ignore", invalid="ignore"):
        budget = np.where(target > 0, target / roi, 0.0)
    if cap is not None and budget.sum() > cap:
        target, budget = target * cap / budget.sum(), budget * cap / budget.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        conversions = np.where(budget > 0, budget / cpa, 0.0)
    return {"target_gmv": target, "budget": budget, "conversions": conversions,
            "profit": target / params.breakeven_roi - budget}


def _total_row(by: str, plan: dict[str, np.ndarray]) -> dict[str, Any]:
    sums = {k: float(v.sum()) for k, v in plan.items()}
    roi = sums["target_gmv"] / sums["budget"] if sums["budget"] > 0 else None
    return {by: plantables.TOTAL, "roi": roi, **sums}


def _rows(keys: pd.DataFrame, roi: np.ndarray, plan: dict[str, np.ndarray], by: str) -> list[dict[str, Any]]:
    return plantables.records(metrics.keyed(keys, {"roi": roi, **plan})) + [_total_row(by, plan)]


def fragile(params: Params, data: Mapping[str, pd.DataFrame]) -> str | None:
    """Why these data give no robust plan, or None: a line's ROI within ``choice.MARGIN`` of 保本ROI (kept
    or cut would turn on rounding), or fewer than two lines kept (nothing left to allocate between).
    The trainee's data are then re-drawn, as for a choice task."""
    keys, sums = _history(params, data)
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(sums["cost"] > 0, sums["gmv"] / sums["cost"], np.nan)
    gap = np.abs(roi - params.breakeven_roi) / np.maximum(np.abs(roi), params.breakeven_roi)
    close = np.nan_to_num(gap, nan=1.0) < MARGIN
    if close.any():
        line = checking.norm_key(keys[params.by].iloc[int(np.argmax(close))])
        return f"{line}: ROI {roi[int(np.argmax(close))]:.4f} within {MARGIN:.0%} of 保本ROI {params.breakeven_roi}"
    if len(roi) >= 2 and (np.nan_to_num(roi) >= params.breakeven_roi).sum() < 2:
        return f"fewer than two lines reach 保本ROI {params.breakeven_roi}"
    return None


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"columns", "rows" (lines then 合计), "target_total", "cap", "kept", "misconceptions"}``."""
    keys, sums = _history(params, data)
    cost, gmv = sums["cost"], sums["gmv"]
    with np.errstate(divide="ignore", invalid="ignore"):
        roi = np.where(cost > 0, gmv / cost, np.nan)
        cpa = np.where(sums["conversions"] > 0, cost / sums["conversions"], np.inf)
        cpc = np.where(sums["clicks"] > 0, cost / sums["clicks"], np.inf)
    keep = np.nan_to_num(roi) >= params.breakeven_roi
    total = params.target_gmv if params.target_gmv is not None else float(gmv.sum()) * (1 + (params.growth or 0.0))
    cap = params.budget_cap if params.cap_factor is None else params.cap_factor * float(cost.sum())
    plan = _plan(params, roi, gmv, keep, total, cap, cpa)
    variants = {
        "budget_table.not_cut": _plan(params, roi, gmv, np.isfinite(roi) & (roi > 0), total, cap, cpa),
        "budget_table.cost_share": _plan(params, roi, cost, keep, total, cap, cpa),
        "budget_table.even_split": _plan(params, roi, np.ones_like(gmv), keep, total, cap, cpa),
        "budget_table.cap_ignored": _plan(params, roi, gmv, keep, total, None, cpa),
    }
    mis = {k: _rows(keys, roi, v, params.by) for k, v in variants.items()}
    clicks = _plan(params, roi, gmv, keep, total, cap, cpc)["conversions"]
    mis["budget_table.clicks_not_conversions"] = _rows(keys, roi, {**plan, "conversions": clicks}, params.by)
    mis["budget_table.budget_times_roi"] = plantables.records(metrics.keyed(
        keys, {"budget": np.where(keep, plan["target_gmv"] * np.nan_to_num(roi), 0.0)}))
    mis["budget_table.profit_no_margin"] = _rows(keys, roi, {**plan, "profit": plan["target_gmv"] - plan["budget"]},
                                                 params.by)
    mis["budget_table.mean_roi"] = [{params.by: plantables.TOTAL, "roi": float(np.mean(roi[keep]))
                                     if keep.any() else None}]
    return {"columns": [params.by, *COLUMNS], "rows": _rows(keys, roi, plan, params.by), "target_total": total,
            "cap": cap, "kept": [checking.norm_key(k) for k, ok in zip(keys[params.by], keep, strict=True) if ok],
            "misconceptions": mis}


# --------------------------------------------------------------------------- answers

def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The uploaded budget table (path, bytes, DataFrame or ``{"columns", "rows"}``), canonical columns."""
    table = plantables.with_total_label(read_upload(raw, params.dataset, ctx), [params.by])
    return checking.prepare_table(table, [params.by], params.specs())


def check(answer: dict[str, Any], parsed: pd.DataFrame, params: Params, ctx: TaskContext | None = None) -> Check:
    """Per-cell credit (合计 row included); names the allocation, ROI and profit mistakes."""
    result = checking.check_table(parsed, answer["rows"], key_columns=[params.by], value_columns=params.specs(),
                                  tolerance=ctx.tolerance if ctx else 0.005,
                                  alternatives=answer.get("misconceptions"))
    if not plantables.has_total_row(parsed, [params.by]):
        result.feedback.append(msg("plan.total_row_missing"))
    return result


def _labels() -> dict[str, str]:
    return {c: t(f"budget_table.col.{c}", "zh") for c in COLUMNS[1:]}


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The key as a trainee's sheet (Chinese headers, rows reversed, money with commas)."""
    return plantables.typed_sheet(answer["rows"], answer["columns"], params.specs(), params.dataset,
                                  labels=_labels())


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> pd.DataFrame:
    """The key with one non-zero cell moved 10–40%."""
    return plantables.shifted(answer["rows"], list(COLUMNS), rng, params.specs())


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: lines, 保本ROI rule, target, split, cap, profit and rounding."""
    sep = "、" if lang == "zh" else ", "
    if params.target_gmv is not None:
        target = f"¥{params.target_gmv:,.2f}"
    else:
        target = t("budget_table.target_growth", lang, growth=f"{params.growth:.0%}")
    cap = ""
    if params.budget_cap is not None:
        cap = t("budget_table.cap", lang, cap=f"¥{params.budget_cap:,.2f}")
    elif params.cap_factor is not None:
        cap = t("budget_table.cap", lang, cap=t("budget_table.cap_factor", lang, factor=params.cap_factor))
    specs = params.specs()
    return t("budget_table.describe", lang, filter=filter_clause(params.filter, lang, params.dataset),
             by=column_label(params.by, lang, params.dataset), breakeven=params.breakeven_roi, target=target,
             cap=cap, columns=sep.join(specs[c].label(c).render(lang) for c in COLUMNS))


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """The table is uploaded; its line column identifies rows, the asked columns carry their decimals."""
    decimals = tuple((c, s.precision) for c, s in params.specs().items() if s.precision is not None)
    return AnswerForm((Upload(dataset=params.dataset, key_columns=(params.by,), precision=decimals),))
