"""``kpi_tree``: 团队业务目标分解 / KPI (L2/4.1.1–4.1.2), 财务目标分解 (L1/3.1.1), 货品销售计划 (L1/1.3.3).

GMV is a product of a traffic node and rate nodes, per group (channel, account, week, category …):

- ``live_sessions``: GMV = 累计观看人数 × 观看-成交率 × 客单价 (viewers × buyers/viewers × GMV/buyers);
- ``live_products``: GMV = 商品曝光人数 × 商品曝光-点击率 × 商品点击-成交率 × 客单价.

Every node is the ratio of the group's sums, so the identity holds exactly per group and for the 合计 row.
The target (actual total GMV × (1 + ``growth``), or ``target_gmv``) is split over the groups by their
share of actual GMV; the traffic each group then needs is its target ÷ (its rate nodes, each raised by
``lift``). The trainee uploads the tree as a table: one row per group plus 合计.

>>> df = pd.DataFrame({"account_id": ["A", "A", "B"], "viewers": [100, 300, 200], "buyers": [4, 8, 10],
...                    "gmv": [400.0, 800.0, 1000.0]})
>>> key = make(Params(by="account_id", growth=0.1), {"live_sessions": df}).key
>>> [(r["account_id"], round(r["watch_to_buy_rate"], 4), r["target_gmv"]) for r in key["rows"]]
[('A', 0.03, 1320.0), ('B', 0.05, 1100.0), ('合计', 0.0367, 2420.0)]
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
from simulator.tasks.metric import (
    ENTITY_ALIASES,
    PERIODS,
    Filter,
    apply_filter,
    check_columns,
    filter_clause,
    frame,
    has_column,
    needed_datasets,
)
from simulator.tasks.report_table import malformed as malformed  # same unreadable table
from simulator.tasks.report_table import read_upload

KIND = "kpi_tree"
TREES: dict[str, tuple[str, ...]] = {
    "live_sessions": ("viewers", "watch_to_buy_rate", "avg_order_value"),
    "live_products": ("product_exposure_users", "product_ctr", "click_to_buy_rate", "avg_order_value"),
}
"""Dataset → the tree's nodes: the traffic count first, then the rates whose product with it is GMV."""

register({
    "kpi_tree.col.target_gmv": {"zh": "目标GMV", "en": "Target GMV"},
    "kpi_tree.col.target_traffic": {"zh": "目标流量", "en": "Target traffic"},
    "kpi_tree.mean_of_ratios": {
        "zh": "合计行的比率看起来是各组比率的平均;合计行应按全部数据的合计重新计算(分子合计 ÷ 分母合计)。",
        "en": "The total row's rate looks like the mean of the groups' rates; compute it from the totals "
              "(summed numerator ÷ summed denominator)."},
    "kpi_tree.even_split": {
        "zh": "目标看起来是平均分给各组的;本题要求按各组实际GMV占比分解总目标。",
        "en": "The target seems split evenly; split it by each group's share of actual GMV."},
    "kpi_tree.lift_ignored": {
        "zh": "目标流量看起来没有考虑转化指标的提升;应为 目标GMV ÷(提升后的各比率之积)。",
        "en": "The target traffic ignores the rate improvements; divide the target GMV by the product "
              "of the improved rates."},
    "kpi_tree.lift_added": {
        "zh": "目标流量看起来是把提升加到了流量上;提升作用于比率,流量需求应相应减少。",
        "en": "The improvement seems applied to traffic; it raises the rates, so less traffic is needed."},
    "kpi_tree.identity": {
        "zh": "第 {rows} 行的各节点相乘不等于该行的GMV(允许2%舍入误差);请检查拆解公式 GMV = {formula}。",
        "en": "In row(s) {rows} the nodes do not multiply to the row's GMV (2% rounding allowed); check "
              "the identity GMV = {formula}."},
    "kpi_tree.describe": {
        "zh": "根据数据表 {dataset}{filter},按{by}拆解GMV指标树:GMV = {formula}。每组一行,并加一行“合计”"
              "(合计行的比率按全部数据的合计计算)。列出:{columns}。"
              "总目标GMV为{target};按各组实际GMV占比分解到各组(合计行填总目标)。{lift}"
              "目标流量 = 该组目标GMV ÷ {rates}{lifted},合计行为各组目标流量之和。"
              "{rounding}{periods}上传 CSV 或 XLSX 文件,表头可用中文或英文。",
        "en": "From table {dataset}{filter}, break GMV down by {by}: GMV = {formula}. One row per group "
              "plus a 合计 (Total) row, whose rates come from the overall totals. Columns: {columns}. "
              "The total target GMV is {target}; split it over the groups by their share of actual GMV "
              "(the total row holds the whole target). {lift}Target traffic = the group's target GMV ÷ "
              "{rates}{lifted}; the total row holds the sum of the groups' target traffic. {rounding}"
              "{periods}Upload a CSV or XLSX file; headers may be Chinese or English."},
    "kpi_tree.target_growth": {"zh": "实际总GMV × (1 + {growth})", "en": "actual total GMV × (1 + {growth})"},
    "kpi_tree.lift": {"zh": "下一期{items}。", "en": "Next period {items}. "},
    "kpi_tree.lift_item": {"zh": "{label}相对提升 {pct}", "en": "{label} improves by {pct} (relative)"},
    "kpi_tree.lifted": {"zh": "(按提升后的比率)", "en": " (at the improved rates)"},
    "kpi_tree.rounding": {
        "zh": "比率保留4位小数(或百分数2位),金额保留2位小数,人数取整。",
        "en": "Rates to 4 decimals (or percent to 2), money to 2 decimals, people as whole numbers. "},
    "kpi_tree.periods": {
        "zh": "周列填写该周周一的日期(YYYY-MM-DD),月列填写 YYYY-MM。",
        "en": "Write a week as its Monday's date (YYYY-MM-DD), a month as YYYY-MM. "},
})


class Params(TaskParams):
    """A GMV tree by one group column, with a target split by GMV share and rate improvements."""

    dataset: Literal["live_sessions", "live_products"] = "live_sessions"
    by: str = Field(description="group column (account_id, category …) or week/month")
    filter: Filter = Field(default_factory=dict, description="column → value(s) or {from, to} dates")
    growth: float | None = Field(None, gt=-1, description="target = actual total GMV × (1 + growth)")
    target_gmv: float | None = Field(None, gt=0, description="instead of growth: the total target, yuan")
    lift: dict[str, float] = Field(default_factory=dict, description="rate node → relative improvement")

    @field_validator("by", mode="before")
    @classmethod
    def _alias(cls, by: Any) -> Any:
        return ENTITY_ALIASES.get(by, by) if isinstance(by, str) else by

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        check_columns(self.dataset, [self.by, *self.filter], "by/filter")
        if (self.growth is None) == (self.target_gmv is None):
            raise ValueError("give exactly one of growth and target_gmv")
        rates = self.nodes()[1:]
        bad = [k for k in self.lift if k not in rates]
        if bad:
            raise ValueError(f"lift: {', '.join(bad)} not a rate of the tree ({', '.join(rates)})")
        if any(v <= -1 for v in self.lift.values()):
            raise ValueError("lift: an improvement must be above -100%")
        return self

    def nodes(self) -> tuple[str, ...]:
        return TREES[self.dataset]

    def traffic(self) -> str:
        return self.nodes()[0]

    def columns(self) -> list[str]:
        """Value columns in order: the nodes, gmv, target_gmv, target_traffic."""
        return [*self.nodes(), "gmv", "target_gmv", "target_traffic"]

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, [*self.nodes(), "gmv"], [self.by, *self.filter])

    def specs(self) -> dict[str, FieldSpec]:
        out = {n: FieldSpec(unit=metrics.METRICS[n].unit, precision=metrics.METRICS[n].precision)
               for n in (*self.nodes(), "gmv")}
        out["target_gmv"] = FieldSpec(unit="money", precision=2, label_key="kpi_tree.col.target_gmv")
        out["target_traffic"] = FieldSpec(unit="count", precision=0, label_key="kpi_tree.col.target_traffic")
        return out


# --------------------------------------------------------------------------- key

def _rows(params: Params, data: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    periods = [c for c in (params.by, *params.filter) if c in PERIODS]
    sub = apply_filter(frame(data, params, periods), params.filter)
    if sub.empty:
        raise ValueError(f"kpi_tree task: the filter leaves no rows of {params.dataset}")
    return sub


def _targets(params: Params, gmv: np.ndarray, rates: dict[str, np.ndarray], share: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, float]:
    """Per group: target GMV (by ``share``) and the traffic it needs at the improved rates; the total."""
    total = params.target_gmv if params.target_gmv is not None else float(gmv.sum()) * (1 + (params.growth or 0.0))
    target = total * share
    improved = np.prod([rates[n] * (1 + params.lift.get(n, 0.0)) for n in params.nodes()[1:]], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # a group without buyers: no defined traffic
        return target, target / improved, float(total)


def _table(keys: pd.DataFrame, values: dict[str, np.ndarray], total: dict[str, float], by: str) -> list[dict[str, Any]]:
    rows = plantables.records(metrics.keyed(keys, values))
    return rows + [{by: plantables.TOTAL, **total}]


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"columns", "rows" (groups, then 合计), "target_total", "misconceptions"}`` (full precision)."""
    sub = _rows(params, data)
    groups = grouping.group_rows(sub, [params.by], dropna=True)
    defs = [metrics.METRICS[n] for n in (*params.nodes(), "gmv")]
    values = dict(zip([d.name for d in defs], metrics.group_values(sub, groups, defs, params.dataset),
                      strict=True))
    pooled = metrics.table(sub, [], [d.name for d in defs], params.dataset).iloc[0].to_dict()
    gmv, rates = values["gmv"], {n: values[n] for n in params.nodes()[1:]}
    target, traffic, total = _targets(params, gmv, rates, gmv / gmv.sum())
    cols = {**values, "target_gmv": target, "target_traffic": traffic}
    totals = {**{k: float(v) for k, v in pooled.items()}, "target_gmv": total,
              "target_traffic": float(np.nansum(traffic))}
    return {"columns": [params.by, *params.columns()], "rows": _table(groups.keys, cols, totals, params.by),
            "target_total": total, "misconceptions": _misconceptions(params, groups, sub, cols, totals)}


def _misconceptions(params: Params, groups: grouping.Groups, sub: pd.DataFrame, cols: dict[str, np.ndarray],
                    totals: dict[str, float]) -> dict[str, list[dict[str, Any]]]:
    """Catalog key → the rows each known mistake gives (only the columns it changes)."""
    rates = {n: cols[n] for n in params.nodes()[1:]}
    n = len(cols["gmv"])
    even, even_traffic, _ = _targets(params, cols["gmv"], rates, np.full(n, 1 / n))
    with np.errstate(divide="ignore", invalid="ignore"):
        plain = cols["target_gmv"] / np.prod(list(rates.values()), axis=0)
    lift = np.prod([1 + params.lift.get(r, 0.0) for r in rates])
    out: dict[str, dict[str, Any]] = {
        "kpi_tree.even_split": {"target_gmv": even, "target_traffic": even_traffic},
        "kpi_tree.mean_of_ratios": {},
    }
    if params.lift:
        out["kpi_tree.lift_ignored"] = {"target_traffic": plain}
        out["kpi_tree.lift_added"] = {"target_traffic": plain * lift}
    for m in params.nodes()[1:]:
        for v in metrics.variants_for(m):
            if all(has_column(sub, c, params.dataset) for c in v.formula.columns):
                value = metrics.group_values(sub, groups, [v.formula], params.dataset)[0]
                out.setdefault(v.message.key, {})[m] = value
    rows = {k: plantables.records(metrics.keyed(groups.keys, cols_)) for k, cols_ in out.items()}
    rows["kpi_tree.mean_of_ratios"] = [{params.by: plantables.TOTAL,
                                        **{r: float(np.nanmean(cols[r])) for r in rates}}]
    rows["kpi_tree.even_split"].append({params.by: plantables.TOTAL,
                                        "target_traffic": float(np.nansum(even_traffic))})
    return {k: v for k, v in rows.items() if v}


# --------------------------------------------------------------------------- answers

def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The uploaded tree (path, bytes, DataFrame or ``{"columns", "rows"}``) with canonical columns."""
    table = plantables.metric_names(read_upload(raw, params.dataset, ctx), params.dataset, params.nodes())
    table = plantables.with_total_label(table, [params.by])
    return checking.prepare_table(table, [params.by], params.specs())


def _identity_breaks(parsed: pd.DataFrame, params: Params) -> list[str]:
    """Rows whose own node cells do not multiply to their own GMV cell (2% allowed for rounding)."""
    cols = [*params.nodes(), "gmv"]
    if any(c not in parsed.columns for c in cols):
        return []
    out = []
    for rec in parsed.to_dict("records"):
        values = [rec[c] for c in cols]
        if any(v is None or pd.isna(v) for v in values) or values[-1] == 0:
            continue
        if abs(float(np.prod(values[:-1])) / values[-1] - 1) > 0.02:
            out.append(checking.norm_key(rec[params.by]))
    return out


def formula(params: Params, lang: str) -> str:
    return " × ".join(metrics.METRICS[n].label(lang) for n in params.nodes())


def check(answer: dict[str, Any], parsed: pd.DataFrame, params: Params, ctx: TaskContext | None = None) -> Check:
    """Per-cell credit (total row included); names the mistakes and rows where the identity breaks."""
    result = checking.check_table(parsed, answer["rows"], key_columns=[params.by], value_columns=params.specs(),
                                  tolerance=ctx.tolerance if ctx else 0.005,
                                  alternatives=answer.get("misconceptions"))
    if not plantables.has_total_row(parsed, [params.by]):
        result.feedback.append(msg("plan.total_row_missing"))
    broken = _identity_breaks(parsed, params)
    if broken:
        result.feedback.append(msg("kpi_tree.identity", rows=plantables.rows_listing(broken),
                                   formula=formula(params, (ctx.lang if ctx else "zh"))))
    return result


def _labels(params: Params) -> dict[str, str]:
    return {"target_gmv": t("kpi_tree.col.target_gmv", "zh"), "target_traffic": t("kpi_tree.col.target_traffic", "zh")}


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The key as a trainee's sheet (Chinese headers, rows reversed, 合计 last becomes first)."""
    return plantables.typed_sheet(answer["rows"], answer["columns"], params.specs(), params.dataset,
                                  labels=_labels(params))


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> pd.DataFrame:
    """The key with one cell moved 10–40%."""
    return plantables.shifted(answer["rows"], params.columns(), rng, params.specs())


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: tree, grouping, target rule, improvements, columns and rounding."""
    sep = "、" if lang == "zh" else ", "
    if params.target_gmv is not None:
        target = f"¥{params.target_gmv:,.2f}"
    else:
        target = t("kpi_tree.target_growth", lang, growth=f"{params.growth:.0%}")
    lift = ""
    if params.lift:
        items = sep.join(t("kpi_tree.lift_item", lang, label=metrics.METRICS[n].label(lang), pct=f"{v:.0%}")
                         for n, v in params.lift.items())
        lift = t("kpi_tree.lift", lang, items=items)
    spec = params.specs()
    columns = sep.join(spec[c].label(c).render(lang) for c in params.columns())
    rates = "(" + " × ".join(metrics.METRICS[n].label(lang) for n in params.nodes()[1:]) + ")"
    return t("kpi_tree.describe", lang, dataset=params.dataset,
             filter=filter_clause(params.filter, lang, params.dataset),
             by=column_label(params.by, lang, params.dataset), formula=formula(params, lang), columns=columns,
             target=target, lift=lift, rates=rates, lifted=t("kpi_tree.lifted", lang) if params.lift else "",
             rounding=t("kpi_tree.rounding", lang),
             periods=t("kpi_tree.periods", lang) if params.by in PERIODS else "")


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """The table is uploaded; its line column identifies rows, the asked columns carry their decimals."""
    decimals = tuple((c, s.precision) for c, s in params.specs().items() if s.precision is not None)
    return AnswerForm((Upload(dataset=params.dataset, key_columns=(params.by,), precision=decimals),))
