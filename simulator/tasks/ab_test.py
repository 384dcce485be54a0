"""``ab_test``: 完成A/B测试 (L3/6.1.4) — lift, test statistic, p-value, CI, decision and SRM check.

A 0/1 metric (``converted``) uses the pooled two-proportion z-test (statsmodels ``proportions_ztest``)
and the CI of the difference by ``ci_method`` (Wald by default, statsmodels
``confint_proportions_2indep``); ``revenue`` (mean per assigned user) uses Welch's t-test and its CI
(scipy). Differences are treatment − control; the CI is two-sided at 1 − α whatever the test's
alternative. ``srm_p_value`` is the χ² goodness of fit of the arm sizes against the planned split
(a sample-ratio mismatch is flagged when it is below 0.001).

>>> import pandas as pd
>>> df = pd.DataFrame({"variant": ["control"] * 5000 + ["treatment"] * 5000,
...                    "converted": [1] * 200 + [0] * 4800 + [1] * 250 + [0] * 4750})
>>> key = make(Params(), {"experiment": df}, None)
>>> round(key["statistic"], 6), round(key["p_value"], 6), key["significant"]
(2.411915, 0.015869, True)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from simulator.core.cache import BoundedCache
from simulator.core.i18n import Msg, msg, register, t
from simulator.engine import checking, parsing, stats
from simulator.engine.checking import FieldKind, FieldSpec
from simulator.tasks.base import AnswerFormatError, Check, TaskContext, TaskParams

KIND = "ab_test"
FIELDS = (
    "n_control",
    "n_treatment",
    "rate_control",
    "rate_treatment",
    "abs_lift",
    "rel_lift",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "significant",
    "srm_p_value",
)
FieldName = Literal[
    "n_control",
    "n_treatment",
    "rate_control",
    "rate_treatment",
    "abs_lift",
    "rel_lift",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "significant",
    "srm_p_value",
    "srm_detected",
]

register(
    {
        "ab_test.field.n_control": {"zh": "对照组样本量", "en": "Control users"},
        "ab_test.field.n_treatment": {"zh": "实验组样本量", "en": "Treatment users"},
        "ab_test.field.rate_control": {"zh": "对照组转化率", "en": "Control conversion rate"},
        "ab_test.field.rate_treatment": {"zh": "实验组转化率", "en": "Treatment conversion rate"},
        "ab_test.field.mean_control": {"zh": "对照组人均收入", "en": "Control revenue per user"},
        "ab_test.field.mean_treatment": {"zh": "实验组人均收入", "en": "Treatment revenue per user"},
        "ab_test.field.abs_lift": {"zh": "绝对提升", "en": "Absolute lift"},
        "ab_test.field.rel_lift": {"zh": "相对提升", "en": "Relative lift"},
        "ab_test.field.statistic": {"zh": "检验统计量", "en": "Test statistic"},
        "ab_test.field.p_value": {"zh": "P值", "en": "p-value"},
        "ab_test.field.ci_low": {"zh": "置信区间下限", "en": "CI lower bound"},
        "ab_test.field.ci_high": {"zh": "置信区间上限", "en": "CI upper bound"},
        "ab_test.field.significant": {"zh": "是否显著", "en": "Significant"},
        "ab_test.field.srm_p_value": {"zh": "SRM检验P值", "en": "SRM p-value"},
        "ab_test.field.srm_detected": {"zh": "是否存在样本比例失衡(SRM)", "en": "Sample-ratio mismatch"},
        "ab_test.unpooled": {
            "zh": "看起来用了非合并(unpooled)标准误;本题要求合并比例(pooled)的双比例z检验。",
            "en": "This looks like the unpooled standard error; the task asks for the pooled two-proportion "
            "z-test.",
        },
        "ab_test.one_sided_given": {
            "zh": "给出的是单侧检验的P值;本题为双侧检验(约为单侧P值的2倍)。",
            "en": "That is a one-sided p-value; the task asks for a two-sided test (about twice the "
            "one-sided p).",
        },
        "ab_test.two_sided_given": {
            "zh": "给出的是双侧检验的P值;本题为单侧检验(备择假设:实验组更高)。",
            "en": "That is a two-sided p-value; the task asks for a one-sided test (treatment larger).",
        },
        "ab_test.arms_swapped": {
            "zh": "对照组与实验组弄反了(差值符号相反);差值应为 实验组 − 对照组,相对提升以对照组为基数。",
            "en": "Control and treatment are swapped (the sign is flipped); use treatment − control, and "
            "the relative lift over control.",
        },
        "ab_test.rel_over_treatment": {
            "zh": "相对提升的分母用了实验组;应为 (实验组 − 对照组) ÷ 对照组。",
            "en": "The relative lift divides by the treatment arm; it is (treatment − control) ÷ control.",
        },
        "ab_test.yates": {
            "zh": "看起来用了带Yates连续性校正的卡方检验;本题不做连续性校正。",
            "en": "This looks like the χ² test with Yates' continuity correction; the task uses none.",
        },
        "ab_test.student_t": {
            "zh": "看起来用了等方差的Student t检验;本题要求Welch t检验(不假设方差相等)。",
            "en": "This looks like Student's t-test (equal variances); the task asks for Welch's t-test.",
        },
        "ab_test.ci_method.wald": {
            "zh": "置信区间用了Wald法;请按题目指定的方法计算。",
            "en": "The CI is the Wald interval; use the method the task names.",
        },
        "ab_test.ci_method.newcomb": {
            "zh": "置信区间用了Newcombe法;请按题目指定的方法计算。",
            "en": "The CI is Newcombe's interval; use the method the task names.",
        },
        "ab_test.ci_method.agresti-caffo": {
            "zh": "置信区间用了Agresti-Caffo法;请按题目指定的方法计算。",
            "en": "The CI is the Agresti-Caffo interval; use the method the task names.",
        },
        "ab_test.ci_method.score": {
            "zh": "置信区间用了score法;请按题目指定的方法计算。",
            "en": "The CI is the score interval; use the method the task names.",
        },
        "ab_test.ci_level": {
            "zh": "置信水平不对:本题要求置信水平为 1 − α 的双侧区间。",
            "en": "Wrong confidence level: the task asks for the two-sided 1 − α interval.",
        },
        "ab_test.srm_even": {
            "zh": "SRM检验的期望比例用了50/50;应按计划分流比例计算期望人数。",
            "en": "The SRM test used a 50/50 split; expected counts follow the planned split.",
        },
        "ab_test.srm_statistic": {
            "zh": "SRM一项给出的是卡方统计量;本题要P值。",
            "en": "For SRM you gave the χ² statistic; the task asks for the p-value.",
        },
        "ab_test.decision": {
            "zh": "显著性结论与P值不一致:P值小于α时才判定为显著。",
            "en": "The decision does not follow from the p-value: significant only when p < α.",
        },
        "ab_test.not_mapping": {
            "zh": "请按字段作答,每个字段一行,例如 p_value: 0.0159 和 significant: 是。",
            "en": "Answer per field, one field a line, e.g. p_value: 0.0159 and significant: yes.",
        },
        "ab_test.describe": {
            "zh": "数据集 experiment 为一次A/B测试(分对照组、实验组,计划分流:"
            "实验组占{split})。指标:{metric}。{test}显著性水平 α = {alpha},{sides}。差值一律为 实验组 − "
            "对照组,相对提升 = 差值 ÷ 对照组;置信区间为差值的 {level} 双侧区间({ci})。",
            "en": "Dataset experiment holds an A/B test (arms control and treatment; planned share in "
            "treatment {split}). Metric: {metric}. {test}Significance level α = {alpha}, {sides}. "
            "Differences are treatment − control, relative lift = difference ÷ control; the CI is the "
            "two-sided {level} interval of the difference ({ci}).",
        },
        "ab_test.describe_srm": {
            "zh": "另做样本比例失衡(SRM)检验:按计划分流比例做卡方拟合优度检验,P < 0.001 视为存在SRM。",
            "en": " Also check for a sample-ratio mismatch: χ² goodness of fit against the planned split, "
            "SRM when p < 0.001.",
        },
        "ab_test.describe_fields": {
            "zh": "请填写:{fields}。比率与P值保留4位小数(或百分数2位),金额保留2位小数,统计量保留3位小数。",
            "en": " Give: {fields}. Rates and p-values to 4 decimals (or 2 as a percentage), money to 2 "
            "decimals, statistics to 3 decimals.",
        },
        "ab_test.metric.converted": {
            "zh": "转化率(converted 的均值)",
            "en": "conversion rate (mean of converted)",
        },
        "ab_test.metric.revenue": {
            "zh": "人均收入(revenue 按进组用户平均,未转化记0)",
            "en": "revenue per assigned user (non-converters count as 0)",
        },
        "ab_test.test.converted": {
            "zh": "用合并比例(pooled)的双比例z检验,不做连续性校正。",
            "en": "Use the pooled two-proportion z-test, no continuity correction. ",
        },
        "ab_test.test.revenue": {
            "zh": "用Welch t检验(不假设方差相等)。",
            "en": "Use Welch's t-test (unequal variances). ",
        },
        "ab_test.sides.two-sided": {"zh": "双侧检验", "en": "two-sided test"},
        "ab_test.sides.larger": {
            "zh": "单侧检验(备择假设:实验组更高)",
            "en": "one-sided test (alternative: treatment larger)",
        },
        "ab_test.ci.wald": {"zh": "Wald法", "en": "Wald"},
        "ab_test.ci.newcomb": {"zh": "Newcombe法", "en": "Newcombe"},
        "ab_test.ci.agresti-caffo": {"zh": "Agresti-Caffo法", "en": "Agresti-Caffo"},
        "ab_test.ci.score": {"zh": "score法", "en": "score"},
        "ab_test.ci.welch": {"zh": "Welch t区间", "en": "Welch t interval"},
    }
)

_SIG_WORDS = {
    "显著": True,
    "不显著": False,
    "significant": True,
    "not significant": False,
    "存在": True,
    "不存在": False,
    "有": True,
    "没有": False,
    "无": False,
}


class Params(TaskParams):
    """Params of an ``ab_test`` task."""

    dataset: Literal["experiment"] = "experiment"
    metric: Literal["converted", "revenue"] = Field("converted", description="0/1 conversion or revenue")
    alternative: Literal["two-sided", "larger"] = Field("two-sided", description="test's alternative")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="significance level")
    ci_method: Literal["wald", "agresti-caffo", "newcomb", "score"] = Field(
        "wald", description="CI of a difference of proportions (statsmodels confint_proportions_2indep)"
    )
    planned_split: float = Field(0.5, gt=0, lt=1, description="planned share of users in treatment")
    ask: list[FieldName] | None = Field(None, description="graded fields (default: the 12 contract fields)")
    precision: int = Field(4, ge=1, le=8, description="decimals of rates and p-values as fractions")

    def fields(self) -> list[str]:
        """The graded fields."""
        return list(dict.fromkeys(self.ask)) if self.ask else list(FIELDS)


# ----------------------------------------------------------------------------- key


def _arms(params: Params, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(treatment values, control values) of the metric, rows with a missing value dropped."""
    rows = df[df[params.metric].notna()]
    codes, labels = pd.factorize(rows["variant"])
    names = np.array([str(v).strip().lower() for v in labels] + [""])[codes]  # code −1 (missing) → ""
    values = rows[params.metric].to_numpy(dtype=float)
    return values[names == "treatment"], values[names == "control"]


def _test(params: Params, treat: np.ndarray, ctrl: np.ndarray) -> stats.DiffTest:
    if params.metric == "converted":
        return stats.two_proportions(
            int(treat.sum()),
            len(treat),
            int(ctrl.sum()),
            len(ctrl),
            params.alternative,
            params.alpha,
            True,
            params.ci_method,
        )
    return stats.means_test(treat, ctrl, params.alternative, params.alpha)


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> dict:
    """The A/B key: arm sizes and rates (or means), lifts, test, CI, decision and SRM p-value.

    Extras for feedback and charts: conversions per arm (``converted``), SDs and df (``revenue``).
    """
    treat, ctrl = _arms(params, data[params.dataset])
    res = _test(params, treat, ctrl)
    srm = stats.srm_p_value([len(ctrl), len(treat)], [1 - params.planned_split, params.planned_split])
    key: dict[str, Any] = {
        "n_control": len(ctrl),
        "n_treatment": len(treat),
        "rate_control": res.mean_control,
        "rate_treatment": res.mean_treatment,
        "abs_lift": res.diff,
        "rel_lift": res.rel_lift,
        "statistic": res.statistic,
        "p_value": res.p_value,
        "ci_low": res.ci_low,
        "ci_high": res.ci_high,
        "significant": bool(res.p_value < params.alpha),
        "srm_p_value": srm,
        "srm_detected": bool(srm < stats.SRM_THRESHOLD),
    }
    if params.metric == "converted":
        key.update(x_control=int(ctrl.sum()), x_treatment=int(treat.sum()))
    else:
        key.update(
            sd_control=float(np.std(ctrl, ddof=1)), sd_treatment=float(np.std(treat, ddof=1)), df=res.df
        )
    return key


# ----------------------------------------------------------------------------- misconceptions


def _swapped(key: dict, params: Params) -> dict[str, float]:
    """What a trainee who took control as the treatment would report."""
    out = {
        "n_control": key["n_treatment"],
        "n_treatment": key["n_control"],
        "rate_control": key["rate_treatment"],
        "rate_treatment": key["rate_control"],
        "abs_lift": -key["abs_lift"],
        "statistic": -key["statistic"],
        "ci_low": -key["ci_high"],
        "ci_high": -key["ci_low"],
    }
    if key["rate_treatment"]:
        out["rel_lift"] = -key["abs_lift"] / key["rate_treatment"]
    if params.alternative == "larger":
        out["p_value"] = 1 - key["p_value"]
    return out


def _other_test(key: dict, params: Params, **change: Any) -> stats.DiffTest:
    """The key's test recomputed from the key's own summaries with one setting changed."""
    alt = change.get("alternative", params.alternative)
    if params.metric == "converted":
        return stats.two_proportions(
            key["x_treatment"],
            key["n_treatment"],
            key["x_control"],
            key["n_control"],
            alt,
            change.get("alpha", params.alpha),
            change.get("pooled", True),
            change.get("ci_method"),
        )
    return stats.means_test_from_stats(
        key["rate_treatment"],
        key["sd_treatment"],
        key["n_treatment"],
        key["rate_control"],
        key["sd_control"],
        key["n_control"],
        alt,
        change.get("alpha", params.alpha),
        change.get("equal_var", False),
    )


_SUMMARY = (
    "n_control",
    "n_treatment",
    "rate_control",
    "rate_treatment",
    "abs_lift",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "x_control",
    "x_treatment",
    "sd_control",
    "sd_treatment",
)


def alternatives(key: dict, params: Params) -> dict[str, dict[str, float]]:
    """Field → {misconception catalog key → the value that misconception gives} (cached per key)."""
    summary = tuple(key.get(k) for k in _SUMMARY)
    return _alternatives_cache.get((summary, params.model_dump_json()),
                                   lambda: _alternatives(dict(zip(_SUMMARY, summary, strict=True)), params))


_alternatives_cache: BoundedCache[dict[str, dict[str, float]]] = BoundedCache("ab_test.alternatives", size=512)
"""Misconception values by (the key's summary numbers, the params' JSON); each caller gets a copy."""


def _alternatives(key: dict, params: Params) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {f: {} for f in (*FIELDS, "srm_detected")}
    for field, value in _swapped(key, params).items():
        out[field]["ab_test.arms_swapped"] = value
    if key["rate_treatment"]:
        out["rel_lift"]["ab_test.rel_over_treatment"] = key["abs_lift"] / key["rate_treatment"]
    other = "larger" if params.alternative == "two-sided" else "two-sided"
    sides_key = "ab_test.one_sided_given" if other == "larger" else "ab_test.two_sided_given"
    out["p_value"][sides_key] = _other_test(key, params, alternative=other).p_value
    if params.metric == "converted":
        unpooled = _other_test(key, params, pooled=False)
        out["statistic"]["ab_test.unpooled"], out["p_value"]["ab_test.unpooled"] = (
            unpooled.statistic,
            unpooled.p_value,
        )
        if params.alternative == "two-sided":
            _, out["p_value"]["ab_test.yates"] = stats.chi2_no_yates(
                key["x_treatment"], key["n_treatment"], key["x_control"], key["n_control"], correction=True
            )
        for method in stats.CI_METHODS:
            if method != params.ci_method:
                ci = _other_test(key, params, ci_method=method)
                out["ci_low"][f"ab_test.ci_method.{method}"] = ci.ci_low
                out["ci_high"][f"ab_test.ci_method.{method}"] = ci.ci_high
    else:
        student = _other_test(key, params, equal_var=True)
        for field in ("statistic", "p_value", "ci_low", "ci_high"):
            out[field]["ab_test.student_t"] = getattr(student, field)
    level = _other_test(key, params, alpha=2 * params.alpha, ci_method=params.ci_method)
    out["ci_low"]["ab_test.ci_level"], out["ci_high"]["ab_test.ci_level"] = level.ci_low, level.ci_high
    counts = [key["n_control"], key["n_treatment"]]
    if abs(params.planned_split - 0.5) > 1e-9:
        out["srm_p_value"]["ab_test.srm_even"] = stats.srm_p_value(counts, [0.5, 0.5])
    out["srm_p_value"]["ab_test.srm_statistic"] = stats.srm_statistic(
        counts, [1 - params.planned_split, params.planned_split]
    )
    return out


# ----------------------------------------------------------------------------- parsing and checking


def _unit(field: str, params: Params) -> str:
    if field in ("n_control", "n_treatment"):
        return "count"
    if field in ("rate_control", "rate_treatment", "abs_lift", "ci_low", "ci_high"):
        return "money" if params.metric == "revenue" else "ratio"
    return "multiple" if field == "statistic" else "ratio"


def _precision(field: str, params: Params) -> int | None:
    unit = _unit(field, params)
    return {"count": None, "money": 2, "multiple": 3}.get(unit, params.precision)


def label_key(field: str, params: Params) -> str:
    """Catalog key of a field's display name (revenue arms are 人均收入, not 转化率)."""
    if params.metric == "revenue" and field in ("rate_control", "rate_treatment"):
        return "ab_test.field." + field.replace("rate", "mean")
    return f"ab_test.field.{field}"


def specs(params: Params, alts: dict[str, dict[str, float]] | None = None) -> dict[str, FieldSpec]:
    """How each graded field is checked, with the misconceptions it recognises (see :func:`alternatives`)."""
    alts = alts or {}
    out = {}
    for field in params.fields():
        kind: FieldKind = "bool" if field in ("significant", "srm_detected") else "number"
        named: dict[str, float | list[float]] = dict(alts.get(field) or {})
        out[field] = FieldSpec(
            kind=kind,
            unit=_unit(field, params),
            precision=_precision(field, params),
            label_key=label_key(field, params),
            alternatives=named or None,
        )
    return out


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def read_fields(raw: Any, field_specs: dict[str, FieldSpec], not_mapping: Msg) -> dict[str, Any]:
    """Finds each field by name or zh/en label and parses it (numbers as floats, 是/否 as bools).

    Fields left blank are omitted; an unreadable value raises :class:`AnswerFormatError` naming the field.
    Shared by the multi-field analytics kinds.
    """
    if not isinstance(raw, Mapping):
        raise AnswerFormatError(not_mapping)
    given = {_norm(k): v for k, v in raw.items()}
    out: dict[str, Any] = {}
    for name, spec in field_specs.items():
        names = {_norm(name)} | {_norm(spec.label(name).render(lang)) for lang in ("zh", "en")}
        value = next((given[n] for n in names if n in given), None)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            if spec.kind == "bool":
                word = _SIG_WORDS.get(_norm(value)) if isinstance(value, str) else None
                out[name] = word if word is not None else parsing.parse_bool(value)
            else:
                out[name] = checking.to_float(value)
        except AnswerFormatError as err:
            raise AnswerFormatError(
                msg("check.field_format", field=spec.label(name), detail=err.message)
            ) from err
    if not out:
        raise AnswerFormatError(not_mapping)
    return out


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """A mapping field → value (canonical names or zh/en labels) as floats and bools."""
    return read_fields(raw, specs(params), msg("ab_test.not_mapping"))


def check(answer: dict, parsed: dict[str, Any], params: Params, ctx: TaskContext) -> Check:
    """Per-field partial credit; names swapped arms, pooled/unpooled, sides, CI method, SRM mistakes."""
    alts = alternatives(answer, params)
    result = checking.check_fields(parsed, answer, specs(params, alts), tolerance=ctx.tolerance,
                                   strict=ctx.strict_precision)
    notes: list[Msg] = []
    if (
        "significant" in parsed
        and "p_value" in parsed
        and parsed["significant"] != bool(parsed["p_value"] < params.alpha)
    ):
        notes.append(msg("ab_test.decision"))
    result.feedback.extend(notes)
    return result


def probes(answer: dict, params: Params) -> list[checking.Probe]:
    """Each graded number with the misconceptions it recognises (selftest checks they separate)."""
    return [checking.Probe(f, float(answer[f]), spec)
            for f, spec in specs(params, alternatives(answer, params)).items() if spec.kind == "number"]


# ----------------------------------------------------------------------------- selftest helpers


def _typed(field: str, value: Any, params: Params) -> Any:
    """A key value as a trainee would type it (rates as percentages, 是/否, rounded as asked)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    unit, prec = _unit(field, params), _precision(field, params)
    if unit == "count":
        return int(value)
    if unit == "ratio" and field in ("rate_control", "rate_treatment", "rel_lift") and abs(value) >= 1e-4:
        return f"{value * 100:.{params.precision - 2}f}%"
    return float(f"{value:.{prec}f}") if prec and abs(value) >= 10.0**-prec else value


def as_raw(answer: dict, params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """The key as typed: Chinese labels for the arms' fields, canonical names for the rest."""
    out = {}
    for field in params.fields():
        name = t(label_key(field, params), "zh") if field.startswith(("n_", "rate_")) else field
        out[name] = _typed(field, answer[field], params)
    return out


def perturb(
    answer: dict, params: Params, ctx: TaskContext | None, rng: np.random.Generator
) -> dict[str, Any]:
    """A plausible wrong answer: arms swapped, the other sidedness, or one field shifted."""
    wrong = dict(answer)
    fields = params.fields()
    field = fields[int(rng.integers(len(fields)))]
    options = {
        k: v
        for k, v in alternatives(answer, params).get(field, {}).items()
        if abs(v - answer[field]) > max(0.05 * abs(answer[field]), 10.0 ** -(_precision(field, params) or 0))
    }
    if field in ("significant", "srm_detected"):
        wrong[field] = not answer[field]
    elif options:
        wrong[field] = list(options.values())[int(rng.integers(len(options)))]
    else:
        wrong[field] = answer[field] * 1.5 + (10 if _unit(field, params) in ("count", "money") else 0.01)
    return as_raw(wrong, params, ctx)


def malformed(params: Params) -> Any:
    """A submission ``parse`` must reject: words where a number belongs."""
    field = next((f for f in params.fields() if f not in ("significant", "srm_detected")), params.fields()[0])
    return {field: "大约显著" if field in ("significant", "srm_detected") else "很小"}


def describe(params: Params, lang: str = "zh") -> str:
    """The task sheet's instruction: metric, test, α, sidedness, CI, SRM, fields and rounding."""
    sep = "、" if lang == "zh" else ", "
    fields = sep.join(t(label_key(f, params), lang) for f in params.fields())
    ci = "welch" if params.metric == "revenue" else params.ci_method
    text = t(
        "ab_test.describe",
        lang,
        split=f"{params.planned_split:.0%}",
        metric=t(f"ab_test.metric.{params.metric}", lang),
        test=t(f"ab_test.test.{params.metric}", lang),
        alpha=params.alpha,
        sides=t(f"ab_test.sides.{params.alternative}", lang),
        level=f"{1 - params.alpha:.0%}",
        ci=t(f"ab_test.ci.{ci}", lang),
    )
    if {"srm_p_value", "srm_detected"} & set(params.fields()):
        text += t("ab_test.describe_srm", lang)
    return text + t("ab_test.describe_fields", lang, fields=fields)
