"""``matrix_review``: 传播矩阵效果评估与优化 (L2/4.3.2–4.3.3), 传播效果报告 → 策略优化 (L2/3.3.1–3.3.2).

Several accounts across platforms (``accounts_daily`` or ``posts``). Per account: its total of the
contribution ``metric`` (plays, new followers …) and its share of the matrix; the concentration of the
matrix (the top account's share, the top-``top_n`` share, the Herfindahl index Σ share²), the leading
platform and its share; and an ``efficiency`` rate (ratio of sums, e.g. engagement rate). The
recommendation is checked against the data: **grow** the most efficient account; **cut** the least
efficient of the accounts whose share is below the average share (1 ÷ number of accounts), never the
one to grow.

>>> df = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "platform": ["抖音", "快手", "抖音"],
...                    "plays": [600, 300, 100], "likes": [30, 30, 2], "comments": [0, 0, 0], "shares": [0, 0, 0]})
>>> key = make(Params(), {"accounts_daily": df}).key
>>> key["top_account"], key["top_share"], key["grow"], key["cut"], round(key["hhi"], 2)
('A1', 0.6, 'A2', 'A3', 0.46)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from simulator.core.forms import AnswerForm, spec_fields
from simulator.core.i18n import msg, register, t
from simulator.engine import checking, metrics
from simulator.engine.checking import FieldSpec
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams
from simulator.tasks.choice import MARGIN
from simulator.tasks.metric import (
    PERIODS,
    Filter,
    apply_filter,
    check_columns,
    check_metrics,
    filter_clause,
    frame,
    known_metric,
    needed_datasets,
)

KIND = "matrix_review"
FIELDS = ("total", "ranking", "top_account", "top_share", "top_n_share", "hhi", "top_platform", "top_platform_share",
          "grow", "cut")
TEXT = ("ranking", "top_account", "top_platform", "grow", "cut")
_SEPARATORS = re.compile(r"[\s,，、>＞;；/|]+")
_DATE = {"accounts_daily": "date", "posts": "publish_date"}

register({
    "matrix_review.field.total": {"zh": "矩阵合计", "en": "Matrix total"},
    "matrix_review.field.ranking": {"zh": "账号贡献排名", "en": "Ranking by contribution"},
    "matrix_review.field.top_account": {"zh": "贡献最大的账号", "en": "Top account"},
    "matrix_review.rank_by_efficiency": {
        "zh": "排名看起来是按效率指标排的;本题的排名按各账号的贡献({metric}合计)从高到低。",
        "en": "The ranking seems to follow the efficiency rate; rank by each account's {metric} total."},
    "matrix_review.field.top_share": {"zh": "最大账号占比", "en": "Top account's share"},
    "matrix_review.field.top_n_share": {"zh": "前N账号合计占比", "en": "Top-N share"},
    "matrix_review.field.hhi": {"zh": "集中度HHI", "en": "Concentration (HHI)"},
    "matrix_review.field.top_platform": {"zh": "贡献最大的平台", "en": "Top platform"},
    "matrix_review.field.top_platform_share": {"zh": "最大平台占比", "en": "Top platform's share"},
    "matrix_review.field.grow": {"zh": "建议加码的账号", "en": "Account to grow"},
    "matrix_review.field.cut": {"zh": "建议收缩的账号", "en": "Account to cut"},
    "matrix_review.grow_by_share": {
        "zh": "加码账号看起来是按贡献份额选的;本题要求选效率指标最高的账号(份额大不等于效率高)。",
        "en": "The account to grow seems chosen by share; grow the account with the best efficiency rate."},
    "matrix_review.cut_by_share": {
        "zh": "收缩账号看起来是按份额最小选的;本题要求在份额低于平均的账号中选效率最低者。",
        "en": "The account to cut seems the smallest by share; cut the least efficient of the "
              "below-average-share accounts."},
    "matrix_review.mean_of_daily": {
        "zh": "效率看起来是按每天比率的平均算的;各账号效率应为 分子合计 ÷ 分母合计。",
        "en": "Efficiency looks like a mean of daily rates; use each account's summed numerator ÷ "
              "summed denominator."},
    "matrix_review.hhi_points": {
        "zh": "HHI 用百分数的平方(如 3600)表示了;本题要求用份额小数的平方和(0~1之间,如 0.36)。",
        "en": "HHI was written in percentage points squared (e.g. 3600); give Σ share² of fractions "
              "(0–1, e.g. 0.36)."},
    "matrix_review.unknown_account": {
        "zh": "“{field}”填写的“{value}”不是数据中的账号;请填写账号ID(如 A01)或账号名称。",
        "en": "“{value}” in “{field}” is not an account in the data; give an account ID (e.g. A01) or name."},
    "matrix_review.not_mapping": {
        "zh": "请按字段作答,每个字段一行,例如 top_account: A01、top_share: 35.20%、grow: A03、cut: A05。",
        "en": "Answer per field, one per line, e.g. top_account: A01, top_share: 35.20%, grow: A03, cut: A05."},
    "matrix_review.describe": {
        "zh": "根据数据表 {dataset}{filter},评估由各账号组成的传播矩阵。以“{metric}”衡量各账号的贡献:"
              "账号占比 = 该账号{metric}合计 ÷ 全部账号合计;HHI = 各账号占比(小数)的平方和;前N账号合计占比"
              "取贡献最大的 {n} 个账号;账号贡献排名按{metric}合计从高到低列出全部账号ID(用“、”或“>”分隔);"
              "平台占比按平台汇总后计算。效率指标为“{efficiency}”(按各账号的合计计算)。"
              "建议加码:效率最高的账号;建议收缩:占比低于平均占比(1 ÷ 账号数)的账号中效率最低者(不含加码账号)。"
              "请填写:{fields}。占比与HHI保留4位小数(或百分数2位),{metric}合计取整;账号填写账号ID。",
        "en": "From table {dataset}{filter}, review the matrix of accounts. Contribution is measured by "
              "“{metric}”: an account's share = its total ÷ all accounts' total; HHI = the sum of the "
              "squared shares (fractions); the top-N share covers the {n} largest accounts; the ranking lists every "
              "account ID from the largest total to the smallest (separated by commas or >); platform shares come "
              "from totals per platform. Efficiency is “{efficiency}” (from each account's totals). Grow: "
              "the most efficient account; cut: the least efficient of the accounts whose share is below "
              "the average share (1 ÷ number of accounts), other than the one to grow. Give: {fields}. "
              "Shares and HHI to 4 decimals (or percent to 2), the total as a whole number; accounts by ID."},
})


class Params(TaskParams):
    """A matrix review: contribution ``metric`` (a sum), ``efficiency`` (a rate), ``top_n``, ``ask``."""

    dataset: Literal["accounts_daily", "posts"] = "accounts_daily"
    metric: str = Field("plays", description="contribution metric (a plain sum), e.g. plays, new_followers")
    efficiency: str = Field("engagement_rate", description="efficiency rate, e.g. engagement_rate")
    top_n: int = Field(3, ge=2, le=10, description="accounts in the top-N share")
    filter: Filter = Field(default_factory=dict, description="column → value(s) or {from, to} dates")
    ask: list[Literal[FIELDS]] | None = None  # type: ignore[valid-type]

    @field_validator("metric", "efficiency")
    @classmethod
    def _known(cls, name: str) -> str:
        return known_metric(name)

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        check_metrics(self.dataset, [self.metric, self.efficiency])
        check_columns(self.dataset, list(self.filter), "filter")
        if not metrics.METRICS[self.metric].is_sum:
            raise ValueError(f"metric: {self.metric} is a rate; contribution needs a sum such as plays")
        if metrics.METRICS[self.efficiency].is_sum:
            raise ValueError(f"efficiency: {self.efficiency} is a sum; give a rate such as engagement_rate")
        if self.dataset == "posts" and any(f in (self.ask or FIELDS) for f in ("top_platform",
                                                                               "top_platform_share")):
            raise ValueError("posts has no platform column: leave top_platform out of ask")
        return self

    def fields(self) -> list[str]:
        return list(dict.fromkeys(self.ask)) if self.ask else list(FIELDS)

    def datasets(self) -> list[str]:
        return needed_datasets(self.dataset, [self.metric, self.efficiency], ["account_id", *self.filter])


def specs(params: Params, answer: dict[str, Any] | None = None) -> dict[str, FieldSpec]:
    """How each field is checked (text for accounts and platforms), with the HHI-in-points trap."""
    alts = (answer or {}).get("variants", {})
    units = {"total": ("count", 0), "top_share": ("ratio", 4), "top_n_share": ("ratio", 4), "hhi": ("ratio", 4),
             "top_platform_share": ("ratio", 4)}
    out = {}
    for f in params.fields():
        if f in TEXT:
            out[f] = FieldSpec(kind="text", label_key=f"matrix_review.field.{f}")
        else:
            unit, p = units[f]
            if f == "total" and metrics.METRICS[params.metric].unit == "money":
                unit, p = "money", 2
            named = {k: v[f] for k, v in alts.items() if f in v}
            out[f] = FieldSpec(unit=unit, precision=p, label_key=f"matrix_review.field.{f}",
                               alternatives=named or None)
    return out


# --------------------------------------------------------------------------- key

def _per_account(params: Params, sub: pd.DataFrame) -> pd.DataFrame:
    table = metrics.table(sub, ["account_id"], [params.metric, params.efficiency], params.dataset)
    return table.dropna(subset=["account_id"]).reset_index(drop=True)


def _choose(ids: list[str], share: np.ndarray, eff: np.ndarray) -> tuple[str, str]:
    """(grow, cut) by the task's rule."""
    order = np.nan_to_num(eff, nan=-np.inf)
    grow = ids[int(np.argmax(order))]
    small = [i for i, s in enumerate(share) if s < 1 / len(ids) and ids[i] != grow]
    pool = small or [i for i in range(len(ids)) if ids[i] != grow] or [0]
    cut = ids[min(pool, key=lambda i: np.nan_to_num(eff[i], nan=np.inf))]
    return grow, cut


def _gap(a: float, b: float) -> float:
    """|a − b| relative to the larger magnitude (NaN counts as far)."""
    scale = max(abs(a), abs(b))
    return 1.0 if not scale or np.isnan(scale) else abs(a - b) / scale


def fragile(params: Params, data: Mapping[str, pd.DataFrame]) -> str | None:
    """Why the recommendation would not be robust on these data (``choice.MARGIN``), or None.

    The account to grow must beat the next efficiency, the account to cut must trail the next one in its
    pool, the top account must lead the next share, and no share may sit at the average share (which
    decides the cut pool) within the margin; otherwise the trainee's data are re-drawn.
    """
    periods = [c for c in params.filter if c in PERIODS]
    acc = _per_account(params, apply_filter(frame(data, params, periods), params.filter))
    if len(acc) < 2:
        return None  # make() reports this as a scenario problem
    ids = [checking.norm_key(a) for a in acc["account_id"]]
    values = acc[params.metric].to_numpy(dtype=float)
    share = values / values.sum()
    eff = acc[params.efficiency].to_numpy(dtype=float)
    grow, _ = _choose(ids, share, eff)
    best = np.sort(np.nan_to_num(eff, nan=-np.inf))[::-1]
    if _gap(best[0], best[1]) < MARGIN:
        return f"the two most efficient accounts are within {MARGIN:.0%} on {params.efficiency}"
    top = np.sort(share)[::-1]
    if _gap(top[0], top[1]) < MARGIN:
        return f"the two largest accounts are within {MARGIN:.0%} on {params.metric}"
    if any(_gap(x, 1 / len(ids)) < MARGIN for x in share):
        return f"an account's share is within {MARGIN:.0%} of the average share"
    pool = sorted(e for i, e in enumerate(eff) if share[i] < 1 / len(ids) and ids[i] != grow and not np.isnan(e))
    if len(pool) > 1 and _gap(pool[0], pool[1]) < MARGIN:
        return f"the two least efficient small accounts are within {MARGIN:.0%} on {params.efficiency}"
    return None


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """The fields, plus ``accounts`` (id → name) and ``variants`` (what the usual mistakes give)."""
    periods = [c for c in params.filter if c in PERIODS]
    sub = apply_filter(frame(data, params, periods), params.filter)
    acc = _per_account(params, sub)
    if len(acc) < 2:
        raise ValueError("matrix_review needs at least 2 accounts in the filter")
    ids = [checking.norm_key(a) for a in acc["account_id"]]
    values = acc[params.metric].to_numpy(dtype=float)
    total = float(values.sum())
    share = values / total
    order = np.argsort(-share, kind="stable")
    eff = acc[params.efficiency].to_numpy(dtype=float)
    grow, cut = _choose(ids, share, eff)
    key: dict[str, Any] = {"total": total, "top_account": ids[order[0]], "top_share": float(share[order[0]]),
                           "top_n_share": float(share[order[: params.top_n]].sum()),
                           "hhi": float((share**2).sum()), "grow": grow, "cut": cut,
                           "ranking": " > ".join(ids[i] for i in order)}
    if "platform" in sub.columns:
        plat = metrics.table(sub, ["platform"], [params.metric], params.dataset)
        plat_share = plat[params.metric].to_numpy(dtype=float) / total
        key["top_platform"] = checking.norm_key(plat["platform"].iloc[int(np.argmax(plat_share))])
        key["top_platform_share"] = float(plat_share.max())
    names = {}
    if "account_name" in sub.columns:
        first = sub.drop_duplicates("account_id")
        names = {checking.norm_key(a): str(n) for a, n in zip(first["account_id"], first["account_name"],
                                                              strict=True)}
    return {**key, "accounts": names or {i: i for i in ids}, "shares": dict(zip(ids, share.tolist(), strict=True)),
            "efficiency_values": dict(zip(ids, eff.tolist(), strict=True)),
            "variants": _variants(params, sub, ids, share, eff, key)}


def _variants(params: Params, sub: pd.DataFrame, ids: list[str], share: np.ndarray, eff: np.ndarray,
              key: dict[str, Any]) -> dict[str, dict[str, Any]]:
    order = np.argsort(share, kind="stable")
    out: dict[str, dict[str, Any]] = {"matrix_review.hhi_points": {"hhi": key["hhi"] * 10000},
                            "matrix_review.grow_by_share": {"grow": ids[order[-1]]},
                            "matrix_review.cut_by_share": {"cut": ids[order[0]]}}
    by_eff = np.argsort(-np.nan_to_num(eff, nan=-np.inf), kind="stable")
    out["matrix_review.rank_by_efficiency"] = {"ranking": " > ".join(ids[i] for i in by_eff)}
    date = _DATE[params.dataset]
    if date in sub.columns:
        daily = metrics.table(sub, ["account_id", date], [params.efficiency], params.dataset)
        mean = daily.groupby("account_id", observed=True)[params.efficiency].mean()
        mean.index = [checking.norm_key(a) for a in mean.index]
        daily_eff = np.array([mean.get(a, np.nan) for a in ids], dtype=float)
        grow, cut = _choose(ids, share, daily_eff)
        out["matrix_review.mean_of_daily"] = {"grow": grow, "cut": cut}
    return out


# --------------------------------------------------------------------------- answers

def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """A mapping field → value (canonical names or zh/en labels); accounts as ID or name."""
    if not isinstance(raw, Mapping):
        raise AnswerFormatError(msg("matrix_review.not_mapping"))
    parsed = checking.parse_fields(raw, specs(params))
    if all(v is None for v in parsed.values()):
        raise AnswerFormatError(msg("matrix_review.not_mapping"))
    return parsed


def _as_id(value: Any, names: Mapping[str, str]) -> Any:
    if value is None:
        return None
    text = checking.norm_key(value)
    by_name = {checking.norm_key(n).casefold(): i for i, n in names.items()}
    by_id = {i.casefold(): i for i in names}
    return by_id.get(text.casefold()) or by_name.get(text.casefold()) or text


def check(answer: dict[str, Any], parsed: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> Check:
    """Per-field credit; names share-based choices, mean-of-daily efficiency and HHI in points."""
    names = answer.get("accounts", {})
    given = dict(parsed)
    extra = []
    for f in ("top_account", "grow", "cut"):
        if f in given and given[f] is not None:
            given[f] = _as_id(given[f], names)
            if given[f] not in names:
                extra.append(msg("matrix_review.unknown_account", field=msg(f"matrix_review.field.{f}"),
                                 value=str(parsed[f])))
    if given.get("ranking") is not None:
        given["ranking"] = " > ".join(str(_as_id(a, names)) for a in _SEPARATORS.split(str(given["ranking"])) if a)
    result = checking.check_fields(given, answer, specs(params, answer), tolerance=ctx.tolerance if ctx else 0.005)
    for f in ("grow", "cut", "ranking"):
        if f not in given or given[f] is None or given[f] == answer[f]:
            continue
        for k, v in answer.get("variants", {}).items():
            if v.get(f) == given[f] and v.get(f) != answer[f]:
                result.feedback.append(msg(k, metric=metrics.METRICS[params.metric].label(ctx.lang if ctx else "zh")))
    result.feedback += extra
    return result


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """The key as typed: Chinese labels, shares as percents, the top account by name."""
    out: dict[str, Any] = {}
    for f in params.fields():
        label = t(f"matrix_review.field.{f}", "zh")
        value = answer[f]
        if f == "top_account":
            value = answer["accounts"].get(value, value)
        elif f == "ranking":
            value = "、".join(value.split(" > "))
        elif f in ("top_share", "top_n_share", "top_platform_share"):
            value = f"{value * 100:.2f}%"
        elif f == "hhi":
            value = round(value, 4)
        elif f == "total":
            value = f"{value:,.0f}" if metrics.METRICS[params.metric].unit != "money" else f"{value:,.2f}"
        out[label] = value
    return out


def perturb(
    answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator
) -> dict[str, Any]:
    """The key with the share-based recommendation (or a different account, or a shifted share)."""
    wrong = dict(answer)
    field = params.fields()[int(rng.integers(len(params.fields())))]
    ids = list(answer["accounts"])
    if field == "ranking":
        ranked = answer["ranking"].split(" > ")
        wrong[field] = " > ".join(ranked[1:] + ranked[:1])
    elif field in ("grow", "cut", "top_account"):
        wrong[field] = next(i for i in ids[::-1] if i != answer[field])
    elif field == "top_platform":
        wrong[field] = answer[field] + "X"
    else:
        wrong[field] = answer[field] * (1.2 if rng.random() < 0.5 else 0.8)
    return as_raw(wrong, params, ctx)


def malformed(params: Params) -> Any:
    number = next((f for f in params.fields() if f not in TEXT), None)
    return {number: "很集中"} if number else "A01 A02"


def describe(params: Params, lang: str = "zh") -> str:
    """The instruction: contribution and efficiency metrics, the rule for grow/cut, fields and rounding."""
    sep = "、" if lang == "zh" else ", "
    fields = sep.join(t(f"matrix_review.field.{f}", lang) for f in params.fields())
    return t("matrix_review.describe", lang, dataset=params.dataset,
             filter=filter_clause(params.filter, lang, params.dataset),
             metric=metrics.METRICS[params.metric].label(lang),
             efficiency=metrics.METRICS[params.efficiency].label(lang), n=params.top_n, fields=fields)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One input per asked field: numbers with their unit and decimals, text for accounts and platforms."""
    return AnswerForm(spec_fields(specs(params)))
