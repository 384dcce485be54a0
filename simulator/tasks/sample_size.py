"""``sample_size``: A/B test planning (L3/6.1.4) — users per arm, or the MDE for a given size.

For proportions the formula is chosen by ``method`` (``reference/metrics.md``; p1 0.04, δ 0.01, α 0.05
two-sided, power 0.8 → ``pbar`` 6745, ``evan_miller`` 6239, ``unpooled`` 6743, ``cohens_h`` 6726); for
means n = 2(z₁₋α/₂ + z₁₋β)²σ²/Δ² (σ 30, Δ 5 → 566). n is rounded up. The baseline may come from the
trainee's ``experiment`` data (the control arm's conversion rate, rounded to ``baseline_decimals``)
so every trainee gets a different number. Feedback names the formula, sidedness or total-vs-per-arm
mistake that gives the trainee's number.

>>> make(Params(baseline=0.04, mde=0.01), {}, None).key["n_per_arm"]
6745
>>> make(Params(baseline=0.04, mde=0.25, mde_type="relative", method="evan_miller"), {}, None).key["n_per_arm"]
6239
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from simulator.core.forms import AnswerForm, Number
from simulator.core.i18n import Msg, msg, t
from simulator.engine import checking, stats
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams

KIND = "sample_size"
MAX_ANSWER_CHARS = 1_000
"""Characters an answer may have (a typed answer; longer input is refused unread)."""
Method = Literal["pbar", "evan_miller", "unpooled", "cohens_h"]


class Params(TaskParams):
    """Params of a ``sample_size`` task."""

    metric: Literal["proportion", "mean"] = Field("proportion", description="conversion rate or a mean")
    baseline: float | None = Field(
        None, gt=0, lt=1, description="control rate p1 (None: from experiment data)"
    )
    baseline_decimals: int = Field(4, ge=1, le=8, description="rounding of a baseline taken from the data")
    sigma: float | None = Field(None, gt=0, description="SD of the metric (means)")
    mde: float | None = Field(None, gt=0, description="minimum detectable effect (for n_per_arm)")
    mde_type: Literal["absolute", "relative"] = Field("absolute", description="MDE as Δ or as Δ/p1")
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, gt=0.5, lt=1)
    sides: Literal[1, 2] = 2
    method: Method = Field("pbar", description="proportions formula")
    n_per_arm: int | None = Field(None, ge=2, description="given size: the task asks for the MDE instead")
    dataset: Literal["experiment"] | None = Field(None, description="where the baseline comes from")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if (self.mde is None) == (self.n_per_arm is None):
            raise ValueError("give exactly one of mde (→ n_per_arm) and n_per_arm (→ mde)")
        if self.metric == "mean":
            if self.sigma is None or self.mde_type != "absolute":
                raise ValueError("a mean needs sigma and an absolute mde")
        elif self.baseline is None and self.dataset is None:
            raise ValueError("a proportion needs baseline or dataset: experiment")
        return self

    @property
    def asks_mde(self) -> bool:
        return self.n_per_arm is not None


def baseline_of(params: Params, data: Mapping[str, pd.DataFrame]) -> float:
    """p1: given, or the control arm's conversion rate in the data rounded to ``baseline_decimals``."""
    if params.baseline is not None:
        return params.baseline
    df = data["experiment"]
    codes, labels = pd.factorize(df["variant"])
    is_control = np.array([str(v).strip().lower() == "control" for v in labels] + [False])[codes]
    control = df.loc[is_control, "converted"].dropna()
    return round(float(control.mean()), params.baseline_decimals)


def _n(settings: dict[str, Any], delta: float) -> float:
    """Unrounded n per arm for one setting: method/means, sides, baseline, α, power."""
    if settings["method"] == "means":
        return stats.sample_size_means(
            settings["sigma"], delta, settings["alpha"], settings["power"], settings["sides"]
        )
    return stats.sample_size_proportions(
        settings["baseline"],
        delta,
        settings["alpha"],
        settings["power"],
        settings["sides"],
        settings["method"],
    )


def _mde(settings: dict[str, Any], n: float) -> float:
    """Absolute MDE with ``n`` per arm for one setting."""
    if settings["method"] == "means":
        return stats.mde_means(settings["sigma"], n, settings["alpha"], settings["power"], settings["sides"])
    return stats.mde_proportions(
        settings["baseline"], n, settings["alpha"], settings["power"], settings["sides"], settings["method"]
    )


def _settings(params: Params, baseline: float | None, **change: Any) -> dict[str, Any]:
    base = {
        "method": "means" if params.metric == "mean" else params.method,
        "sigma": params.sigma,
        "baseline": baseline,
        "alpha": params.alpha,
        "power": params.power,
        "sides": params.sides,
    }
    return {**base, **change}


def _delta(params: Params, baseline: float | None, mde_type: str | None = None) -> float:
    kind = mde_type or params.mde_type
    assert params.mde is not None
    return params.mde * baseline if kind == "relative" and baseline else params.mde


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> Made:
    """The key (:func:`_key`); no public question beyond the params."""
    key = _key(params, data, ctx)
    return Made({}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> dict[str, Any]:
    """``{"n_per_arm": int}`` (rounded up; ``n_exact`` unrounded), or in MDE mode also ``mde`` (absolute)
    and ``mde_relative``, with ``baseline`` echoed."""
    baseline = None if params.metric == "mean" else baseline_of(params, data)
    settings = _settings(params, baseline)
    if params.n_per_arm is not None:
        mde = _mde(settings, params.n_per_arm)
        out = {"n_per_arm": params.n_per_arm, "mde": mde}
        if baseline:
            out["mde_relative"] = mde / baseline
    else:
        exact = _n(settings, _delta(params, baseline))
        out = {"n_per_arm": math.ceil(exact - 1e-9), "n_exact": exact}
    return {**out, "baseline": baseline}


# ----------------------------------------------------------------------------- misconceptions


def _combos(params: Params, baseline: float | None) -> list[tuple[list[Msg], dict[str, Any], str, int]]:
    """Every (differences from the task, settings, mde_type, multiplier) a trainee might have used,
    fewest differences first."""
    methods = ["means"] if params.metric == "mean" else list(stats.SS_METHODS)
    others = [] if params.metric == "mean" else [k for k in ("absolute", "relative") if k != params.mde_type]
    kinds = [str(params.mde_type), *others]
    wanted = "means" if params.metric == "mean" else params.method
    out: list[tuple[list[Msg], dict[str, Any], str, int]] = []
    for method in methods:
        for sides in (params.sides, 3 - params.sides):
            for kind in kinds:
                for mult in (1, 2) if not params.asks_mde else (1,):
                    diffs = []
                    if method != wanted:
                        diffs.append(
                            msg(
                                "sample_size.used_method",
                                method=msg(f"sample_size.method.{method}"),
                                wanted=msg(f"sample_size.method.{wanted}"),
                            )
                        )
                    if sides != params.sides:
                        diffs.append(_sides_msg(params))
                    if kind != params.mde_type:
                        diffs.append(
                            msg("sample_size.mde_type", kind=msg(f"sample_size.kind.{params.mde_type}"))
                        )
                    if mult == 2:
                        diffs.append(msg("sample_size.total"))
                    out.append((diffs, _settings(params, baseline, method=method, sides=sides), kind, mult))
    return sorted(out, key=lambda c: len(c[0]))[1:]


def _sides_msg(params: Params) -> Msg:
    sides = "sample_size.two_sided" if params.sides == 2 else "sample_size.one_sided"
    return msg("sample_size.sides", sides=msg(sides), half="/2" if params.sides == 2 else "")


def _combo_value(
    params: Params, baseline: float | None, settings: dict[str, Any], kind: str, mult: int
) -> float | None:
    """The number a combination gives: unrounded n (× mult), or the MDE in the task's own terms."""
    try:
        if params.n_per_arm is not None:
            mde = _mde(settings, params.n_per_arm)
            if kind == "relative":
                return mde / baseline if baseline else None
            return mde
        return mult * _n(settings, _delta(params, baseline, kind))
    except (ValueError, ZeroDivisionError, ArithmeticError):
        return None


def _graded(answer: dict[str, Any], params: Params) -> float:
    if not params.asks_mde:
        return float(answer["n_per_arm"])
    return float(answer["mde_relative"] if params.mde_type == "relative" else answer["mde"])


def _precision(params: Params) -> int:
    return 2 if params.metric == "mean" else 4


def answer_precision(params: Params) -> int | None:
    """Decimals the answer is asked to: an MDE's; ``None`` for a size (a whole number, rounded up)."""
    return _precision(params) if params.asks_mde else None


def _same(given: float, value: float, params: Params, ctx: TaskContext) -> bool:
    if params.asks_mde:
        return checking.number_matches(given, value, tolerance=ctx.tolerance, precision=_precision(params),
                                       strict=ctx.strict_precision)
    return given in (math.ceil(value - 1e-9), round(value))  # rounded up, or to nearest


def diagnose(answer: dict[str, Any], given: float, params: Params, ctx: TaskContext) -> list[Msg]:
    """Messages naming what the trainee's number corresponds to (empty when nothing matches)."""
    baseline = answer.get("baseline")
    key = _graded(answer, params)
    if not params.asks_mde and abs(given * 2 - key) <= 2:
        return [msg("sample_size.half")]
    for diffs, settings, kind, mult in _combos(params, baseline):
        value = _combo_value(params, baseline, settings, kind, mult)
        if value is None:
            continue
        same_as_key = _same(key, value, params, ctx) if params.asks_mde else key == math.ceil(value - 1e-9)
        if same_as_key:
            continue
        if _same(given, value, params, ctx) or (mult == 2 and given == 2 * math.ceil(value / 2 - 1e-9)):
            return diffs  # a total typed as twice the rounded-up size per arm is named too
    return []


# ----------------------------------------------------------------------------- parsing and checking


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> float:
    """A number, or a mapping with ``n_per_arm`` (每组样本量) / ``mde``."""
    if isinstance(raw, Mapping):
        names = {"n_per_arm", "每组样本量", "样本量", "n", "mde", "最小可检测效应"}
        raw = next((v for k, v in raw.items() if str(k).strip().casefold() in names), None)
        if raw is None:
            raise AnswerFormatError(msg("parse.empty"))
    return checking.to_float(raw)


def check(answer: dict[str, Any], parsed: float, params: Params, ctx: TaskContext) -> Check:
    """n per arm must equal the rounded-up key (rounded down: half credit); an MDE within tolerance."""
    key = _graded(answer, params)
    if params.asks_mde:
        if checking.number_matches(parsed, key, tolerance=ctx.tolerance, precision=_precision(params),
                                   strict=ctx.strict_precision):
            return Check(1.0, [msg("check.correct")])
    elif parsed == key:
        return Check(1.0, [msg("check.correct")])
    elif parsed == math.floor(answer["n_exact"]) and abs(parsed - answer["n_exact"]) < 1:
        return Check(0.5, [msg("sample_size.round_up")])
    named = diagnose(answer, parsed, params, ctx)
    return Check(
        0.0,
        named or [msg("sample_size.too_high" if parsed > key else "sample_size.too_low")],
        details={"named": [m.key for m in named]},
    )


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """The graded number with what each combination of mistakes gives (selftest checks they separate)."""
    baseline = answer.get("baseline")
    lists: dict[str, list[float]] = {}
    for diffs, settings, kind, mult in _combos(params, baseline):
        value = _combo_value(params, baseline, settings, kind, mult)
        if value is not None:
            typed = value if params.asks_mde else float(math.ceil(value - 1e-9))
            lists.setdefault("+".join(m.key for m in diffs), []).append(typed)
    unit = ("money" if params.metric == "mean" else "ratio") if params.asks_mde else "count"
    alts: dict[str, float | list[float]] = {k: v for k, v in lists.items()}
    spec = checking.FieldSpec(unit=unit, precision=answer_precision(params), alternatives=alts)
    return [checking.Probe("mde" if params.asks_mde else "n_per_arm", _graded(answer, params), spec)]


# ----------------------------------------------------------------------------- selftest helpers


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> Any:
    """The key as typed: ``"6,745"``; an MDE of a proportion as a percentage."""
    if not params.asks_mde:
        return f"{answer['n_per_arm']:,}"
    value = _graded(answer, params)
    return f"{value * 100:.2f}%" if params.metric == "proportion" else round(value, 2)


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> Any:
    """Another formula's, the other sidedness', or the total's number."""
    ctx = ctx or TaskContext()
    baseline, key = answer.get("baseline"), _graded(answer, params)
    combos = _combos(params, baseline)
    for i in rng.permutation(len(combos)):
        diffs, settings, kind, mult = combos[int(i)]
        value = _combo_value(params, baseline, settings, kind, mult)
        gap = 0.02 * abs(key) if params.asks_mde else 2.0
        if len(diffs) == 1 and value is not None and abs(value - key) > gap:
            return math.ceil(value) if not params.asks_mde else value
    return key * 1.2 + 10


def malformed(params: Params) -> Any:
    """Words where the number belongs."""
    return "六千多人"


def describe(params: Params, lang: str = "zh") -> str:
    """The task sheet's instruction: inputs, formula, sidedness and rounding."""
    if params.metric == "mean":
        baseline = t("sample_size.sigma_given", lang, s=params.sigma)
    elif params.baseline is not None:
        baseline = t("sample_size.baseline_given", lang, p=params.baseline)
    else:
        baseline = t("sample_size.baseline_data", lang, d=params.baseline_decimals)
    method = t("sample_size.method." + ("means" if params.metric == "mean" else params.method), lang)
    kind = "means" if params.metric == "mean" else params.mde_type
    common = {
        "baseline": baseline,
        "alpha": params.alpha,
        "power": params.power,
        "method": method,
        "sides": t("sample_size.two_sided" if params.sides == 2 else "sample_size.one_sided", lang),
        "kind": t(f"sample_size.kind.{kind}", lang),
    }
    if params.asks_mde:
        rounding = t(
            "sample_size.round_money" if params.metric == "mean" else "sample_size.round_ratio", lang
        )
        return t("sample_size.describe_mde", lang, n=params.n_per_arm, rounding=rounding, **common)
    return t("sample_size.describe_n", lang, mde=params.mde, **common)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """One number: users per group (a count), or an MDE (a rate, to its decimals)."""
    unit = "ratio" if params.asks_mde else "count"
    return AnswerForm((Number(None, ("value",), msg("ui.answer.value"), unit=unit,
                              precision=answer_precision(params)),))
