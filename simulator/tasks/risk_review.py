"""``risk_review``: 评估资源利用率 (L1/1.2.3) and 项目风险评估 under the risk rules (L1/3.2.2).

Per line of ``ad_delivery`` (campaign, placement …): budget utilisation = spend ÷ planned budget, where
the plan is ``daily_budget`` for each day the line delivered; refund rate = refunds ÷ GMV; ROI = GMV ÷
spend (ratios of sums). Each breached rule adds its weight to the line's risk score — refund rate above
``refund_max``, utilisation above ``utilisation_max`` (overspend) or below ``utilisation_min`` (idle
budget), ROI below ``roi_min`` — and a line whose score reaches ``flag_at`` is flagged (预警).

>>> df = pd.DataFrame({"date": pd.to_datetime(["2024-11-01", "2024-11-02", "2024-11-01"]),
...                    "campaign_id": ["C1", "C1", "C2"], "cost": [150.0, 100, 30], "gmv": [300.0, 200, 90],
...                    "refunds": [60.0, 0, 0]})
>>> key = make(Params(daily_budget=100, roi_min=2.5), {"ad_delivery": df}).key
>>> [(r["campaign_id"], r["utilisation"], r["risk_score"], r["flagged"]) for r in key["rows"]]
[('C1', 1.25, 3.0, 1.0), ('C2', 0.3, 1.0, 0.0)]
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

KIND = "risk_review"
COLUMNS = ("utilisation", "refund_rate", "roi", "risk_score", "flagged")
RULES = ("refund", "overrun", "idle", "roi")

register({
    "risk_review.col.utilisation": {"zh": "预算利用率", "en": "Budget utilisation"},
    "risk_review.col.risk_score": {"zh": "风险分", "en": "Risk score"},
    "risk_review.col.flagged": {"zh": "是否预警", "en": "Flagged"},
    "risk_review.rule.refund": {"zh": "退款金额占比 > {v}", "en": "refund rate > {v}"},
    "risk_review.rule.overrun": {"zh": "预算利用率 > {v}(超支)", "en": "utilisation > {v} (overspend)"},
    "risk_review.rule.idle": {"zh": "预算利用率 < {v}(资源闲置)", "en": "utilisation < {v} (idle budget)"},
    "risk_review.rule.roi": {"zh": "支付ROI < {v}", "en": "ROI < {v}"},
    "risk_review.rule_item": {"zh": "{rule} 记 {w} 分", "en": "{rule}: {w} point(s)"},
    "risk_review.calendar_days": {
        "zh": "计划预算看起来按统计期的全部天数计算;应只按该计划实际有投放的天数 × 日预算。",
        "en": "The planned budget seems to use every day of the period; use only the days the line "
              "delivered × the daily budget."},
    "risk_review.mean_of_daily": {
        "zh": "看起来是先算每天的比率再取平均;各计划的比率应为 分子合计 ÷ 分母合计。",
        "en": "This looks like the mean of daily rates; use each line's summed numerator ÷ summed "
              "denominator."},
    "risk_review.unweighted": {
        "zh": "风险分看起来是触发规则的条数;每条规则应按题目给定的分值计分。",
        "en": "The risk score looks like a count of breached rules; each rule scores its given weight."},
    "risk_review.flag_inconsistent": {
        "zh": "第 {rows} 行的“是否预警”与该行自己的风险分不一致:风险分 ≥ {flag_at} 时预警。",
        "en": "In row(s) {rows} the flag does not follow the row's own risk score: flag when the score "
              "≥ {flag_at}."},
    "risk_review.describe": {
        "zh": "根据数据表 ad_delivery{filter},按{by}评估资源利用率与风险。各{by}的计划预算 = 日预算 {budget} × "
              "该{by}有投放记录的天数;预算利用率 = 消耗合计 ÷ 计划预算;退款金额占比 = 退款金额合计 ÷ 成交金额合计;"
              "支付ROI = 成交金额合计 ÷ 消耗合计。风控规则:{rules}。风险分为所触发规则的分值之和,风险分 ≥ {flag_at} "
              "时预警。每个{by}一行,列出:{columns}(是否预警填 是/否)。比率保留4位小数(或百分数2位),ROI保留2位"
              "小数。上传 CSV 或 XLSX 文件,表头可用中文或英文。",
        "en": "From table ad_delivery{filter}, assess resource utilisation and risk by {by}. Each line's "
              "planned budget = the daily budget {budget} × the days it has delivery rows; utilisation = "
              "summed cost ÷ planned budget; refund rate = summed refunds ÷ summed GMV; ROI = summed GMV ÷ "
              "summed cost. Risk rules: {rules}. The risk score is the sum of the breached rules' points; "
              "flag the line when it is ≥ {flag_at}. One row per line with: {columns} (flag as 是/否 or "
              "yes/no). Rates to 4 decimals (or percent to 2), ROI to 2 decimals. Upload a CSV or XLSX "
              "file; headers may be Chinese or English."},
})


class Params(TaskParams):
    """Utilisation against a daily budget, and a weighted risk score from thresholds."""

    dataset: Literal["ad_delivery"] = "ad_delivery"
    by: str = Field("campaign_id", description="line column: campaign_id, placement …")
    filter: Filter = Field(default_factory=dict, description="column → value(s) or {from, to} dates")
    daily_budget: float = Field(gt=0, description="planned budget per line per delivering day, yuan")
    refund_max: float | None = Field(0.1, ge=0, description="refund rate above this breaches")
    utilisation_max: float | None = Field(1.1, gt=0, description="utilisation above this breaches")
    utilisation_min: float | None = Field(0.5, ge=0, description="utilisation below this breaches")
    roi_min: float | None = Field(None, gt=0, description="ROI below this breaches (e.g. 保本ROI)")
    weights: dict[Literal["refund", "overrun", "idle", "roi"], float] = Field(
        default_factory=dict, description="rule → points (default 1 each)")
    flag_at: float = Field(2, gt=0, description="flag a line whose score is at least this")

    @field_validator("by", mode="before")
    @classmethod
    def _alias(cls, by: Any) -> Any:
        return ENTITY_ALIASES.get(by, by) if isinstance(by, str) else by

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        check_columns(self.dataset, [self.by, *self.filter], "by/filter")
        if not self.rules():
            raise ValueError("give at least one threshold (refund_max, utilisation_max/min, roi_min)")
        if (self.utilisation_max is not None and self.utilisation_min is not None
                and self.utilisation_min >= self.utilisation_max):
            raise ValueError("utilisation_min must be below utilisation_max")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("weights: points must be positive")
        return self

    def rules(self) -> dict[str, float]:
        """Active rule → threshold."""
        limits = {"refund": self.refund_max, "overrun": self.utilisation_max, "idle": self.utilisation_min,
                  "roi": self.roi_min}
        return {k: v for k, v in limits.items() if v is not None}

    def weight(self, rule: str) -> float:
        return float(self.weights.get(rule, 1.0))  # type: ignore[call-overload]

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, ["cost", "gmv", "refunds"], [self.by, "date", *self.filter])

    def specs(self) -> dict[str, FieldSpec]:
        return {"utilisation": FieldSpec(unit="ratio", precision=4, label_key="risk_review.col.utilisation"),
                "refund_rate": FieldSpec(unit="ratio", precision=4),
                "roi": FieldSpec(unit="multiple", precision=2),
                "risk_score": FieldSpec(unit="count", precision=2, label_key="risk_review.col.risk_score"),
                "flagged": FieldSpec(unit="count", precision=0, label_key="risk_review.col.flagged")}


# --------------------------------------------------------------------------- key

def _scores(params: Params, util: np.ndarray, refund: np.ndarray, roi: np.ndarray,
            weighted: bool = True) -> np.ndarray:
    breached = {"refund": lambda v: refund > v, "overrun": lambda v: util > v, "idle": lambda v: util < v,
                "roi": lambda v: roi < v}
    score = np.zeros(len(util))
    for rule, limit in params.rules().items():
        hit = np.nan_to_num(breached[rule](limit).astype(float))
        score += hit * (params.weight(rule) if weighted else 1.0)
    return score


def _columns(params: Params, util: np.ndarray, refund: np.ndarray, roi: np.ndarray) -> dict[str, np.ndarray]:
    score = _scores(params, util, refund, roi)
    return {"utilisation": util, "refund_rate": refund, "roi": roi, "risk_score": score,
            "flagged": (score >= params.flag_at).astype(float)}


def _lines(params: Params, data: Mapping[str, pd.DataFrame]) -> tuple[
        pd.DataFrame, grouping.Groups, dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """(filtered rows, line groups, sums, utilisation, refund rate, ROI) per line, ratios of sums."""
    periods = [c for c in (params.by, *params.filter) if c in PERIODS]
    sub = apply_filter(frame(data, params, periods), params.filter)
    if sub.empty:
        raise ValueError("risk_review task: the filter leaves no rows of ad_delivery")
    groups = grouping.group_rows(sub, [params.by], dropna=True)
    sums = metrics.group_sums(sub, groups, ["cost", "gmv", "refunds"], params.dataset)
    days = grouping.group_rows(sub, [params.by, "date"], dropna=True).parent(groups)
    active = np.bincount(days, minlength=groups.size).astype(float)
    refund, roi = [np.asarray(v, dtype=float) for v in metrics.group_values(
        sub, groups, [metrics.METRICS["refund_rate"], metrics.METRICS["roi"]], params.dataset, sums)]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = sums["cost"] / (params.daily_budget * active)
    return sub, groups, sums, util, refund, roi


def fragile(params: Params, data: Mapping[str, pd.DataFrame]) -> str | None:
    """Why these data give no robust flags (a line's rate within ``choice.MARGIN`` of a threshold), or None.

    A rate that close to its limit could breach or not depending on rounding, so the trainee's data are
    re-drawn (the choice-margin rule of the distinct-answers work, applied to the risk rules).
    """
    _, groups, _, util, refund, roi = _lines(params, data)
    values = {"refund": refund, "overrun": util, "idle": util, "roi": roi}
    for rule, limit in params.rules().items():
        v = values[rule]
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.abs(v - limit) / np.maximum(np.abs(v), abs(limit))
        close = np.nan_to_num(gap, nan=1.0) < MARGIN
        if close.any():
            line = checking.norm_key(groups.keys[params.by].iloc[int(np.argmax(close))])
            return f"{line}: {rule} {v[int(np.argmax(close))]:.4f} within {MARGIN:.0%} of the limit {limit}"
    return None


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"columns", "rows", "flagged_lines", "misconceptions"}`` (full precision, flags as 1/0)."""
    sub, groups, sums, util, refund, roi = _lines(params, data)
    cols = _columns(params, util, refund, roi)
    rows = plantables.records(metrics.keyed(groups.keys, cols))
    flagged = [checking.norm_key(k) for k, f in zip(groups.keys[params.by], cols["flagged"], strict=True) if f]
    return {"columns": [params.by, *COLUMNS], "rows": rows, "flagged_lines": flagged,
            "misconceptions": _misconceptions(params, sub, groups, sums, cols)}


def _misconceptions(params: Params, sub: pd.DataFrame, groups: grouping.Groups, sums: dict[str, np.ndarray],
                    cols: dict[str, np.ndarray]) -> dict[str, list[dict[str, Any]]]:
    calendar = sub["date"].nunique()
    out: dict[str, dict[str, np.ndarray]] = {
        "risk_review.calendar_days": {"utilisation": sums["cost"] / (params.daily_budget * calendar)},
        "risk_review.unweighted": {"risk_score": _scores(params, cols["utilisation"], cols["refund_rate"],
                                                         cols["roi"], weighted=False)},
    }
    daily = metrics.table(sub, [params.by, "date"], ["refund_rate", "roi"], params.dataset)
    means = daily.groupby(params.by, observed=True)[["refund_rate", "roi"]].mean()
    lookup = {checking.norm_key(k): v for k, v in means.iterrows()}
    keys = [checking.norm_key(k) for k in groups.keys[params.by]]
    out["risk_review.mean_of_daily"] = {m: np.array([lookup[k][m] if k in lookup else np.nan for k in keys])
                                        for m in ("refund_rate", "roi")}
    for m in ("refund_rate", "roi"):
        for v in metrics.variants_for(m):
            if all(c in sub.columns for c in v.formula.columns):
                value = metrics.group_values(sub, groups, [v.formula], params.dataset)[0]
                out.setdefault(v.message.key, {})[m] = value
    return {k: plantables.records(metrics.keyed(groups.keys, v)) for k, v in out.items()}


# --------------------------------------------------------------------------- answers

def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The uploaded table (path, bytes, DataFrame or ``{"columns", "rows"}``); 是/否 flags as 1/0."""
    table = read_upload(raw, params.dataset, ctx)
    table = plantables.yes_no_column(table, "flagged", params.specs()["flagged"])
    return checking.prepare_table(table, [params.by], params.specs())


def _inconsistent(parsed: pd.DataFrame, params: Params) -> list[str]:
    if "risk_score" not in parsed.columns or "flagged" not in parsed.columns:
        return []
    out = []
    for rec in parsed.to_dict("records"):
        score, flag = rec["risk_score"], rec["flagged"]
        if pd.isna(score) or pd.isna(flag):
            continue
        if bool(flag) != bool(score >= params.flag_at - 1e-9):
            out.append(checking.norm_key(rec[params.by]))
    return out


def check(answer: dict[str, Any], parsed: pd.DataFrame, params: Params, ctx: TaskContext | None = None) -> Check:
    """Per-cell credit; names day-count, mean-of-daily and unweighted-score mistakes and bad flags."""
    result = checking.check_table(parsed, answer["rows"], key_columns=[params.by], value_columns=params.specs(),
                                  tolerance=ctx.tolerance if ctx else 0.005,
                                  alternatives=answer.get("misconceptions"))
    rows = _inconsistent(parsed, params)
    if rows:
        result.feedback.append(msg("risk_review.flag_inconsistent", rows=plantables.rows_listing(rows),
                                   flag_at=params.flag_at))
    return result


def _labels() -> dict[str, str]:
    return {c: t(f"risk_review.col.{c}", "zh") for c in ("utilisation", "risk_score", "flagged")}


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> pd.DataFrame:
    """The key as a trainee's sheet: Chinese headers, percents, 是/否 flags."""
    return plantables.typed_sheet(answer["rows"], answer["columns"], params.specs(), params.dataset,
                                  yes_no=("flagged",), labels=_labels())


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> pd.DataFrame:
    """The key with one rate cell moved 10–40%."""
    return plantables.shifted(answer["rows"], ["utilisation", "refund_rate", "roi"], rng, params.specs())


def _num(v: float) -> str:
    return f"{v:g}"


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: the plan, the ratios, the rules with points, the flag and rounding."""
    sep = ";" if lang == "zh" else "; "
    rules = sep.join(t("risk_review.rule_item", lang, rule=t(f"risk_review.rule.{r}", lang, v=_num(v)),
                       w=_num(params.weight(r))) for r, v in params.rules().items())
    specs = params.specs()
    columns = ("、" if lang == "zh" else ", ").join(specs[c].label(c).render(lang) for c in COLUMNS)
    return t("risk_review.describe", lang, filter=filter_clause(params.filter, lang, params.dataset),
             by=column_label(params.by, lang, params.dataset), budget=f"¥{params.daily_budget:,.2f}",
             rules=rules, flag_at=_num(params.flag_at), columns=columns)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """The table is uploaded; its line column identifies rows, the asked columns carry their decimals."""
    decimals = tuple((c, s.precision) for c, s in params.specs().items() if s.precision is not None)
    return AnswerForm((Upload(dataset=params.dataset, key_columns=(params.by,), precision=decimals),))
