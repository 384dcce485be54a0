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
>>> key = make(Params(), {"experiment": df}, None).key
>>> round(key["statistic"], 6), round(key["p_value"], 6), key["significant"]
(2.411915, 0.015869, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from simulator.core.cache import BoundedCache
from simulator.core.forms import AnswerForm, spec_fields
from simulator.core.i18n import Msg, msg, t
from simulator.engine import checking, stats
from simulator.engine.answer_fields import read_fields
from simulator.engine.checking import FieldKind, FieldSpec
from simulator.tasks.base import Check, Made, TaskContext, TaskParams

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


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> dict[str, Any]:
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


def _swapped(key: dict[str, Any], params: Params) -> dict[str, float]:
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


def _other_test(key: dict[str, Any], params: Params, **change: Any) -> stats.DiffTest:
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


def alternatives(key: dict[str, Any], params: Params) -> dict[str, dict[str, float]]:
    """Field → {misconception catalog key → the value that misconception gives} (cached per key)."""
    summary = tuple(key.get(k) for k in _SUMMARY)
    return _alternatives_cache.get((summary, params.model_dump_json()),
                                   lambda: _alternatives(dict(zip(_SUMMARY, summary, strict=True)), params))


_alternatives_cache: BoundedCache[dict[str, dict[str, float]]] = BoundedCache("alternatives of ab_test", size=512)
"""Misconception values by (the key's summary numbers, the params' JSON); each caller gets a copy."""


def _alternatives(key: dict[str, Any], params: Params) -> dict[str, dict[str, float]]:
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


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """A mapping field → value (canonical names or zh/en labels) as floats and bools."""
    return read_fields(raw, specs(params), msg("ab_test.not_mapping"))


def check(answer: dict[str, Any], parsed: dict[str, Any], params: Params, ctx: TaskContext) -> Check:
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


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
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


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """The key as typed: Chinese labels for the arms' fields, canonical names for the rest."""
    out = {}
    for field in params.fields():
        name = t(label_key(field, params), "zh") if field.startswith(("n_", "rate_")) else field
        out[name] = _typed(field, answer[field], params)
    return out


def perturb(
    answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator
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


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One input per asked field: numbers with their unit and decimals, 是/否 for the verdicts."""
    return AnswerForm(spec_fields(specs(params)))
