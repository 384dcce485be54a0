"""``choice``: single, multiple and 判断 (true/false) questions whose right option comes from the data.

Question templates (``question``):

- ``top_by_metric`` (single): which ``entity`` has the highest (``order: max``) or lowest metric;
  the options are entities labelled A, B, C … (at most ``max_options``, always the leader and the
  runner-up, the rest spread over the ranking, listed in id order).
- ``above_threshold`` (multiple): which entities have metric ≥ ``threshold`` — a number, or
  ``breakeven_roi``: each campaign's own 保本ROI from its orders' goods cost (``ad_orders`` ×
  ``products``). The last option, ``none``, is right when no entity qualifies. Score:
  (right picks − wrong picks) ÷ number of right options, never below 0.
- ``compare`` (判断): "X's metric is higher than Y's" (X, Y from params, else the first two entities).
- ``same_leader`` (判断): the entity leading on ``metric`` also leads on ``metric2``
  (e.g. 支付ROI vs 签收ROI).

Robust keys (:data:`MARGIN`): the right option wins by at least 2% of its value, which survives any
rounding to three significant figures. Options never include an entity within that margin of the
leader (or of the threshold, when it does not qualify); every qualifying entity of ``above_threshold``
is an option. When the data leave no robust question (a qualifying entity within the margin of the
threshold, two leaders tied for ``same_leader``, X and Y tied for ``compare``), :func:`fragile` says why,
and the trainee's datasets are re-drawn deterministically (``simulator.assessment.datasets``).

Metrics are ratios of each entity's sums. The key records which option each common mistake leads to
(mean of daily ratios, a wrong formula variant, the order reversed, ranking by the numerator alone),
so feedback can name it (for ``compare`` only the mean of daily ratios, a true/false answer being
too weak a clue for more). Options are shown to trainees; the key's ``value`` is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from simulator.core import misconceptions
from simulator.core.forms import AnswerForm, Choice, Option, Text, YesNo
from simulator.core.i18n import msg, t
from simulator.engine import grouping, metrics, parsing
from simulator.engine.labels import column_label
from simulator.engine.margins import MARGIN
from simulator.engine.selection import (
    DATE_COLUMNS,
    ENTITY_ALIASES,
    PERIODS,
    Filter,
    apply_filter,
    check_columns,
    check_metrics,
    filter_clause,
    formula_text,
    frame,
    has_column,
    known_metric,
    needed_datasets,
    with_periods,
)
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams

KIND = "choice"
MAX_ANSWER_CHARS = 1_000
"""Characters an answer may have (a typed answer; longer input is refused unread)."""
NONE_OPTION = "none"
Question = Literal["top_by_metric", "above_threshold", "compare", "same_leader"]
LETTERS = "ABCDEFGHIJ"


class Params(TaskParams):
    """A question about entities ranked by a metric (see the module docstring for the templates)."""

    question: Question = Field(description="top_by_metric, above_threshold, compare or same_leader")
    dataset: str = Field(description="dataset, e.g. ad_delivery")
    entity: str = Field(description="the column naming the entities compared, e.g. campaign_name")
    metric: str = Field(description="canonical metric name, e.g. signed_roi")
    metric2: str | None = Field(None, description="same_leader: the second metric")
    order: Literal["max", "min"] = Field("max", description="top_by_metric: highest or lowest")
    threshold: float | Literal["breakeven_roi"] | None = Field(
        None, description="above_threshold: a number in the metric's unit, or breakeven_roi")
    shipping: float = Field(0.0, ge=0, description="breakeven_roi: shipping cost per order, yuan")
    fee_rate: float = Field(0.0, ge=0, lt=1, description="breakeven_roi: platform fee as a share of GMV")
    x: str | None = Field(None, description="compare: entity X (default: the first entity)")
    y: str | None = Field(None, description="compare: entity Y (default: the second entity)")
    filter: Filter = Field(default_factory=dict, description="column → value, list, or {from, to} dates")
    max_options: int = Field(5, ge=2, le=len(LETTERS), description="most options shown")

    @field_validator("entity")
    @classmethod
    def _alias(cls, entity: str) -> str:
        return ENTITY_ALIASES.get(entity, entity)

    @field_validator("threshold", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        """``"3%"``, ``"1,500"`` → numbers (the metric's canonical unit: ratios as fractions)."""
        if isinstance(value, str) and value.strip() != "breakeven_roi":
            try:
                return parsing.parse_number(value).value
            except AnswerFormatError:
                return value
        return value

    @field_validator("metric", "metric2")
    @classmethod
    def _known(cls, name: str | None) -> str | None:
        return None if name is None else known_metric(name)

    @model_validator(mode="after")
    def _needs(self) -> Params:
        check_columns(self.dataset, list(self.filter), "filter")
        check_columns(self.dataset, [self.entity], "entity")
        check_metrics(self.dataset, [m for m in (self.metric, self.metric2) if m])
        if self.question == "same_leader" and not self.metric2:
            raise ValueError("same_leader needs metric2")
        if self.question == "above_threshold" and self.threshold is None:
            raise ValueError("above_threshold needs threshold (a number or breakeven_roi)")
        if self.threshold == "breakeven_roi" and (self.dataset != "ad_delivery" or self.metric not in (
                "roi", "net_roi", "signed_roi") or self.entity not in ("campaign_id", "campaign_name")):
            raise ValueError("threshold breakeven_roi needs dataset ad_delivery, an ROI metric and "
                             "entity campaign_id or campaign_name")
        return self

    def datasets(self) -> list[str]:
        out = needed_datasets(self.dataset, [self.metric, self.metric2 or ""], list(self.filter))
        if self.threshold == "breakeven_roi":
            out += [d for d in ("ad_orders", "products") if d not in out]
        return out


# --------------------------------------------------------------------------- ranking

@dataclass
class Ranking:
    """The rows grouped by entity, with the sums every metric, variant and trap of the task reads."""

    groups: grouping.Groups
    """Groups by ``p.entity`` (rows without an entity form one group, shown as ``nan``)."""
    sums: dict[str, np.ndarray]
    """Per-entity sums of those columns."""
    variants: list[metrics.Variant]
    """The metric's variants whose columns the dataset has."""


def ranking(sub: pd.DataFrame, p: Params) -> Ranking:
    """Groups ``sub`` by entity and sums, in one pass, every column the task's values come from."""
    variants = [v for v in metrics.variants_for(p.metric)
                if all(has_column(sub, c, p.dataset) for c in v.formula.columns)]
    columns = [c for name in (p.metric, p.metric2) if name for c in metrics.METRICS[name].columns]
    columns += [c for v in variants for c in v.formula.columns]
    groups = grouping.group_rows(sub, [p.entity])
    return Ranking(groups, metrics.group_sums(sub, groups, columns, p.dataset), variants)


def per_entity(sub: pd.DataFrame, p: Params, name: str, ranked: Ranking | None = None) -> pd.Series:
    """``name`` per entity (ratio of the entity's sums), undefined ones dropped, indexed by entity text."""
    ranked = ranked or ranking(sub, p)
    value = metrics.group_values(sub, ranked.groups, [metrics.METRICS[name]], p.dataset, ranked.sums)[0]
    series = pd.Series(value, index=ranked.groups.keys[p.entity].astype(str))
    return series[np.isfinite(series)]


def _traps(sub: pd.DataFrame, p: Params, ranked: Ranking | None = None) -> dict[str, pd.Series]:
    """Per misconception key: the per-entity values that mistake ranks by."""
    ranked = ranked or ranking(sub, p)
    m = metrics.METRICS[p.metric]
    out: dict[str, pd.Series] = {}
    if not m.is_sum and any(c in sub.columns for c in DATE_COLUMNS):
        daily = metrics.period_means(with_periods(sub, ["day"]), [p.entity], [p.metric], "day",
                                     dataset=p.dataset, groups=ranked.groups)
        out["choice.mean_of_ratios"] = pd.Series(daily[p.metric].to_numpy(dtype=float),
                                                 index=daily[p.entity].astype(str))
    keep = ranked.groups.complete  # as groupby's default: no group for rows without an entity
    entities = ranked.groups.dropna().keys[p.entity].astype(str)
    values = metrics.group_values(sub, ranked.groups, [v.formula for v in ranked.variants], p.dataset,
                                  ranked.sums)
    for v, value in zip(ranked.variants, values, strict=True):
        out[v.message.key] = pd.Series(value[keep], index=entities)
    if not m.is_sum:
        sums = metrics.group_sums(sub, ranked.groups, list(m.numerator), p.dataset)
        out["choice.numerator_only"] = pd.Series(np.sum(list(sums.values()), axis=0)[keep], index=entities)
    return out


def _leader(values: pd.Series, order: str) -> str:
    ranked = values.sort_values(ascending=order == "min", kind="stable")
    return str(ranked.index[0])


def _gap(a: float | np.ndarray, b: float | np.ndarray) -> np.ndarray:
    """|a − b| relative to the larger magnitude (0 when both are 0).

    >>> bool(_gap(0.1921, 0.1917) < MARGIN < _gap(0.20, 0.19))
    True
    """
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.divide(np.abs(np.subtract(a, b)), scale, out=np.zeros(np.shape(scale)), where=scale > 0)


def _clear_of(values: pd.Series, target: float) -> pd.Series:
    """The entities whose value is at least MARGIN away from ``target``."""
    return values[_gap(values.to_numpy(dtype=float), target) >= MARGIN]


def _pick_options(values: pd.Series, order: str, k: int) -> list[str]:
    """At most ``k`` entities: the leader, the runner-up and others spread over the ranking, in id order.

    Entities within MARGIN of the leader are left out, so the right option wins clearly.
    """
    leader = _leader(values, order)
    rest = _clear_of(values.drop(leader), float(values[leader]))
    ranked = [leader] + list(rest.sort_values(ascending=order == "min", kind="stable").index)
    if len(ranked) > k:
        idx = sorted({0, *np.linspace(1, len(ranked) - 1, k - 1).round().astype(int).tolist()})
        ranked = [ranked[i] for i in idx]
    return sorted(ranked)


def _threshold_of(threshold: pd.Series | float, entity: str) -> float:
    return threshold if isinstance(threshold, float) else float(threshold.get(entity, np.inf))


def _above_options(values: pd.Series, threshold: pd.Series | float, k: int) -> list[str]:
    """Every qualifying entity, then non-qualifying ones clear of the threshold, up to ``k`` in all."""
    cut = pd.Series({e: _threshold_of(threshold, e) for e in values.index}, dtype=float)
    qualifying = values[values >= cut]
    below = values[(values < cut) & (_gap(values.to_numpy(dtype=float), cut.to_numpy()) >= MARGIN)]
    chosen = list(qualifying.index)
    if len(chosen) < k and len(below):
        ranked = list(below.sort_values(ascending=False, kind="stable").index)
        room = k - len(chosen)
        idx = np.linspace(0, len(ranked) - 1, min(room, len(ranked))).round().astype(int)
        chosen += [ranked[i] for i in sorted(set(idx.tolist()))]
    return sorted(chosen)[:len(LETTERS) - 1]


def fragile(params: Params, data: Mapping[str, pd.DataFrame]) -> str | None:
    """Why these data give no robust question (the right option would not win by MARGIN), or None.

    Cheaper than :func:`make` (no misconceptions, periods only where the filter needs them): it runs on
    every draw of a trainee's datasets.
    """
    periods = [c for c in params.filter if c in PERIODS]
    sub = apply_filter(frame(data, params, periods) if periods else frame(data, params), params.filter)
    ranked = ranking(sub, params)
    values = per_entity(sub, params, params.metric, ranked)
    if len(values) < 2:
        return None  # make() reports this as a scenario problem
    if params.question == "top_by_metric":
        if len(_pick_options(values, params.order, params.max_options)) < 2:
            return f"every other {params.entity} is within {MARGIN:.0%} of the leader on {params.metric}"
        return None
    if params.question == "above_threshold":
        threshold = breakeven_by_entity(data, params) if params.threshold == "breakeven_roi" \
            else float(params.threshold)  # type: ignore[arg-type]
        cut = np.array([_threshold_of(threshold, e) for e in values.index])
        close = (values.to_numpy() >= cut) & (_gap(values.to_numpy(dtype=float), cut) < MARGIN)
        if close.any():
            return f"{values.index[np.argmax(close)]} qualifies within {MARGIN:.0%} of the threshold"
        return None
    if params.question == "compare":
        x, y = _entity_pair(values, params)
        return None if _gap(values[x], values[y]) >= MARGIN else f"{x} and {y} are within {MARGIN:.0%}"
    for name in (params.metric, params.metric2):
        series = per_entity(sub, params, name, ranked).sort_values(ascending=False)  # type: ignore[arg-type]
        if len(series) > 1 and _gap(series.iloc[0], series.iloc[1]) < MARGIN:
            return f"the two leaders on {name} are within {MARGIN:.0%}"
    return None


def breakeven_by_entity(data: Mapping[str, pd.DataFrame], p: Params) -> pd.Series:
    """Each campaign's 保本ROI from its orders: 1 ÷ ((Σamount − Σunit_cost×qty − shipping×orders
    − fee×Σamount) ÷ Σamount), via :func:`metrics.breakeven_roi`; indexed by ``p.entity``."""
    costs = data["products"][["product_id", "unit_cost"]]
    orders = data["ad_orders"].merge(costs, on="product_id", how="left")
    qty = orders["quantity"] if "quantity" in orders.columns else 1
    orders = orders.assign(goods=orders["unit_cost"] * qty, n=1)
    per = orders.groupby(orders["campaign_id"].astype(str), observed=True)[["amount", "goods", "n"]].sum()
    be = pd.Series({cid: metrics.breakeven_roi(r.amount, r.goods, p.shipping * r.n, p.fee_rate)
                    for cid, r in per.iterrows() if r.amount > 0}, dtype=float)
    if p.entity == "campaign_name":
        names = data["ad_delivery"][["campaign_id", "campaign_name"]].drop_duplicates().astype(str)
        be = be.rename(index=dict(zip(names["campaign_id"], names["campaign_name"], strict=True)))
    return be


# --------------------------------------------------------------------------- keys per template

def _labels(entities: list[str]) -> dict[str, str]:
    return {LETTERS[i]: e for i, e in enumerate(entities)}


def _top(values: pd.Series, traps: dict[str, pd.Series], p: Params) -> dict[str, Any]:
    options = _labels(_pick_options(values, p.order, p.max_options))
    label_of = {e: lab for lab, e in options.items()}
    shown = list(options.values())
    found = {k: label_of.get(_leader(s.reindex(shown).dropna(), p.order)) for k, s in traps.items()
             if s.reindex(shown).notna().any()}
    reverse = "min" if p.order == "max" else "max"
    found["choice.reversed_order"] = label_of[_leader(values.reindex(shown), reverse)]
    return {"value": label_of[_leader(values, p.order)], "options": options,
            "misconceptions": {k: v for k, v in found.items() if v is not None}}


def _above(values: pd.Series, traps: dict[str, pd.Series], threshold: pd.Series | float, p: Params) -> dict[str, Any]:
    entities = _above_options(values, threshold, p.max_options - 1)
    options = _labels(entities + [NONE_OPTION])
    none_label = LETTERS[len(entities)]

    def chosen(series: pd.Series) -> list[str]:
        ok = []
        for lab, e in options.items():
            cut = _threshold_of(threshold, e)
            if e in series.index and series[e] >= cut:
                ok.append(lab)
        return ok or [none_label]
    traps_out = {k: chosen(s.reindex(entities).dropna()) for k, s in traps.items()}
    return {"value": chosen(values.reindex(entities)), "options": options, "misconceptions": traps_out}


def _entity_pair(values: pd.Series, p: Params) -> tuple[str, str]:
    ordered = sorted(values.index)
    x, y = p.x or ordered[0], p.y or next(e for e in ordered if e != (p.x or ordered[0]))
    missing = [e for e in (x, y) if e not in values.index]
    if missing:
        raise ValueError(f"choice task: entity {missing[0]!r} not found (or its {p.metric} is undefined)")
    return x, y


def question(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """The options alone (the page's path): they are drawn with the key, so the key is made and dropped."""
    return make(params, data, ctx).question


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> Made:
    """The key (:func:`_key`); the question is its options (letter → entity), never the right one."""
    key = _key(params, data, ctx)
    return Made({"options": dict(key["options"])}, key)


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """``{"value": label | [labels] | bool, "options": {label: entity}, "misconceptions": {key: value}}``."""
    df = frame(data, params)
    sub = apply_filter(frame(data, params, ["day"]) if any(c in df.columns for c in DATE_COLUMNS) else df,
                       params.filter)
    ranked = ranking(sub, params)
    values = per_entity(sub, params, params.metric, ranked)
    if len(values) < 2:
        raise ValueError(f"choice task: fewer than two {params.entity} values with a defined {params.metric}")
    traps = _traps(sub, params, ranked)
    if params.question == "top_by_metric":
        return _top(values, traps, params)
    if params.question == "above_threshold":
        threshold = breakeven_by_entity(data, params) if params.threshold == "breakeven_roi" \
            else float(params.threshold)  # type: ignore[arg-type]
        return _above(values, traps, threshold, params)
    if params.question == "compare":
        x, y = _entity_pair(values, params)
        found = {k: bool(s[x] > s[y]) for k, s in traps.items()
                 if k == "choice.mean_of_ratios" and x in s.index and y in s.index}
        return {"value": bool(values[x] > values[y]), "options": {"X": x, "Y": y}, "misconceptions": found}
    second = per_entity(sub, params, params.metric2, ranked)  # type: ignore[arg-type]
    return {"value": _leader(values, "max") == _leader(second, "max"), "options": {}, "misconceptions": {}}


# --------------------------------------------------------------------------- answers

def _is_bool(params: Params) -> bool:
    return params.question in ("compare", "same_leader")


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> Any:
    """A letter (``"b"``, ``"B."``), letters (``"A、C"``, ``["A", "C"]``) or 对/错 → "B", ["A","C"], bool."""
    if isinstance(raw, Mapping):
        raw = raw.get("value")
    if _is_bool(params):
        return parsing.parse_bool(raw)
    multiple = params.question == "above_threshold"
    letters = list(LETTERS if multiple else LETTERS[:params.max_options])  # every qualifying entity is shown
    picked = parsing.parse_choice(raw, letters, multiple=multiple)
    return picked if params.question == "above_threshold" else picked[0]


def _named(answer: dict[str, Any], parsed: Any) -> list[Any]:
    """The mistakes the picked option corresponds to, in the shared catalog's words."""
    key = answer["value"]
    norm = (lambda v: sorted(v)) if isinstance(key, list) else (lambda v: v)
    return [misconceptions.message(k) for k, v in answer.get("misconceptions", {}).items()
            if norm(v) != norm(key) and norm(v) == norm(parsed)]


def check(answer: dict[str, Any], parsed: Any, params: Params, ctx: TaskContext | None = None) -> Check:
    """Single/判断: all or nothing. Multiple: (right − wrong picks) ÷ right options, floor 0."""
    key, options = answer["value"], answer.get("options", {})
    if isinstance(key, list):
        right, wrong = set(parsed) & set(key), set(parsed) - set(key)
        fraction = max(0.0, (len(right) - len(wrong)) / len(key))
        feedback = [msg("choice.correct")] if fraction == 1 else [msg(
            "choice.partial", right=len(right), wrong=len(wrong), missed=len(set(key) - set(parsed)))]
    else:
        fraction = 1.0 if parsed == key else 0.0
        feedback = [msg("choice.correct" if fraction else "choice.wrong")]
    stray = [lab for lab in (parsed if isinstance(parsed, list) else [parsed])
             if isinstance(lab, str) and options and lab not in options]
    feedback += [msg("choice.no_such_option", label=lab) for lab in stray]
    return Check(fraction, feedback + (_named(answer, parsed) if fraction < 1 else []))


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> str:
    """``"B"``, ``"A、C"`` or ``"对"``/``"错"``."""
    key = answer["value"]
    if isinstance(key, bool):
        return "对" if key else "错"
    return "、".join(key) if isinstance(key, list) else key


def perturb(answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator) -> Any:
    """Another option, one option toggled, or the negation."""
    key, labels = answer["value"], list(answer.get("options", {}))
    if isinstance(key, bool):
        return not key
    if isinstance(key, list):
        flip = labels[int(rng.integers(len(labels)))]
        return sorted(set(key) ^ {flip}) or [lab for lab in labels if lab not in key][:1]
    return str(rng.choice([lab for lab in labels if lab != key]))


def malformed(params: Params) -> str:
    return "也许吧" if _is_bool(params) else "第三个?"


def describe(params: Params, lang: str = "zh") -> str:
    """The question in words with its scoring rule."""
    m = metrics.METRICS[params.metric]
    args = {"dataset": params.dataset, "entity": column_label(params.entity, lang, params.dataset),
            "metric": m.label(lang), "formula": formula_text(m, lang, params.dataset),
            "filter": filter_clause(params.filter, lang, params.dataset)}
    if params.question == "top_by_metric":
        return t("choice.describe_top", lang, order=t(f"choice.order.{params.order}", lang), **args)
    if params.question == "above_threshold":
        return t("choice.describe_above", lang, threshold=_threshold_text(params, lang), **args)
    if params.question == "compare":
        return t("choice.describe_compare", lang, **args)
    m2 = metrics.METRICS[params.metric2]  # type: ignore[index]
    return t("choice.describe_same", lang, metric2=m2.label(lang),
             formula2=formula_text(m2, lang, params.dataset), **args)


def _threshold_text(params: Params, lang: str) -> str:
    if params.threshold != "breakeven_roi":
        value = float(params.threshold)  # type: ignore[arg-type]
        return f"{value * 100:g}%" if metrics.METRICS[params.metric].unit == "ratio" else f"{value:g}"
    extra = t("choice.breakeven_extra", lang, shipping=f"{params.shipping:g}", fee=f"{params.fee_rate:g}") \
        if params.shipping or params.fee_rate else ""
    return t("choice.breakeven", lang, extra=extra)


__all__ = ["KIND", "Params", "make", "parse", "check", "as_raw", "perturb", "malformed", "describe", "form",
           "fragile", "AnswerFormatError"]


JUDGE = ("compare", "same_leader")
"""Questions answered 对/错 (a judgement about the named options)."""


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """Radio for one option, multiselect for several, 对/错 for a judgement (the options noted above it).

    Options come from the public question (letter → entity); without them the letters are typed.
    """
    options = {str(k): str(v) for k, v in (question.get("options") or {}).items()}
    if params.question in JUDGE:
        listed = " ; ".join(f"{k} = {v}" for k, v in options.items())
        note = msg("form.choice.judge_options", options=listed) if options else None
        return AnswerForm((YesNo(None, ("judge",), msg("ui.choice.judge"), words="ui.choice"),), note=note)
    if not options:
        return AnswerForm((Text(None, ("letters",), msg("ui.choice.letters"), multiline=False,
                                hint="ui.choice.letters_hint"),))
    shown = tuple(Option(k, msg("ui.choice.none") if v == NONE_OPTION else v) for k, v in options.items())
    if params.question == "above_threshold":
        return AnswerForm((Choice(None, ("many",), msg("ui.choice.many"), shown, multiple=True),))
    return AnswerForm((Choice(None, ("one",), msg("ui.choice.one"), shown),))
