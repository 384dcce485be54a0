"""``five_a_map``: 编制5A关系资产图 — stage counts at T0 and T1, flows, 流转率, 新增 and 流失 (L3/6.1.1).

Definitions (``reference/metrics.md`` §5A). The 5A asset is A1…A5; O (机会人群) and ``none`` (no row
on that date) are outside it. ``flows["A1>A2"]`` = users in A1 at T0 and A2 at T1; ``"none>A1"`` entered
from outside the data, ``"A3>none"`` left it. 流转率(i→j) = flow(i→j) / users in i at T0 (the T0 base).
新增 = in the asset at T1 but O or absent at T0; 流失 = in the asset at T0 but O or absent at T1, so that
asset(T1) = asset(T0) + 新增 − 流失. A user with several rows on a date counts once, in the deepest stage.
Optionally per segment (gender, age_band or city_tier, 人群细分 L3/5.3.1): asset size at T0 and T1, 新增,
流失, and 渗透率 = asset users at T1 / the platform's users in that segment (given in the params).
The counting on the snapshot frame is :mod:`simulator.engine.five_a`; this module adds the params,
parsing, partial credit, named mistakes and the answer form.

>>> import pandas as pd
>>> days = pd.to_datetime(["2024-10-01", "2024-11-01", "2024-10-01", "2024-11-01"])
>>> df = pd.DataFrame({"user_id": [1, 1, 2, 3], "stage": ["A1", "A2", "O", "A3"], "snapshot_date": days})
>>> key = make(Params(), {"audience_5a": df}, None).key
>>> key["flows"]["A1>A2"], key["flows"]["none>A3"], key["flows"]["O>none"], key["new"], key["lost"]
(1, 1, 1, 1, 0)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from simulator.core import forms
from simulator.core.forms import AnswerForm, Grid, Group, Number
from simulator.core.i18n import Msg, msg, t
from simulator.engine import checking
from simulator.engine.five_a import ASSET, STAGES, STATES, asset_summary, snapshot_dates, transitions, user_states
from simulator.tasks.base import AnswerFormatError, Check, Made, TaskContext, TaskParams

KIND = "five_a_map"
SEGMENTS = ("gender", "age_band", "city_tier")
FieldName = Literal[
    "counts_t0", "counts_t1", "flows", "flow_rates", "new", "lost", "by_segment", "penetration"
]
SEGMENT_METRICS = ("asset_t0", "asset_t1", "new", "lost")


_STAGE_WORDS = {
    "o": "O",
    "机会": "O",
    "机会人群": "O",
    "opportunity": "O",
    "a1": "A1",
    "了解": "A1",
    "aware": "A1",
    "a2": "A2",
    "吸引": "A2",
    "appeal": "A2",
    "a3": "A3",
    "问询": "A3",
    "ask": "A3",
    "a4": "A4",
    "行动": "A4",
    "购买": "A4",
    "act": "A4",
    "a5": "A5",
    "拥护": "A5",
    "复购": "A5",
    "advocate": "A5",
    "none": "none",
    "无": "none",
    "资产外": "none",
    "外部": "none",
    "outside": "none",
    "absent": "none",
    "null": "none",
    "-": "none",
}
_SEGMENT_WORDS = {
    "t0资产人数": "asset_t0",
    "t1资产人数": "asset_t1",
    "新增": "new",
    "新增人数": "new",
    "流失": "lost",
    "流失人数": "lost",
}
_ARROW = re.compile(r"\s*(?:->|→|=>|>|—>|至|到)\s*")


class Params(TaskParams):
    """Params of a ``five_a_map`` task."""

    dataset: Literal["audience_5a"] = "audience_5a"
    t0: dt.date | None = Field(None, description="first snapshot date (default: the earliest)")
    t1: dt.date | None = Field(None, description="second snapshot date (default: the latest)")
    segment: Literal["gender", "age_band", "city_tier"] | None = Field(
        None, description="segment column for 人群细分 (adds by_segment)"
    )
    platform_population: dict[str, int] | None = Field(
        None, description="platform users per level of `segment` at T1, for 渗透率"
    )
    ask: list[FieldName] | None = Field(None, description="graded fields (default: all available)")
    precision: int = Field(4, ge=1, le=8, description="decimals of rates as fractions")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.platform_population is not None and self.segment is None:
            raise ValueError("platform_population needs a segment")
        for name in self.ask or []:
            if name == "by_segment" and self.segment is None:
                raise ValueError("ask by_segment needs a segment")
            if name == "penetration" and self.platform_population is None:
                raise ValueError("ask penetration needs platform_population")
        return self

    def fields(self) -> list[str]:
        """The graded fields, in answer order."""
        if self.ask:
            return list(dict.fromkeys(self.ask))
        out = ["counts_t0", "counts_t1", "flows", "flow_rates", "new", "lost"]
        out += ["by_segment"] if self.segment else []
        return out + (["penetration"] if self.platform_population else [])


# ----------------------------------------------------------------------------- key


def make(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> Made:
    """The key (:func:`_key`); the question holds the segment and platform levels the form shows."""
    key = _key(params, data, ctx)
    return Made(_question(params, data), key)


def question(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None = None) -> dict[str, Any]:
    """The public question alone, without the key (the page's cheap path): :func:`_question`."""
    return _question(params, data)


def _question(params: Params, data: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The levels a trainee answers per: of ``segment`` in the data, and of the platform population."""
    question: dict[str, Any] = {}
    df = data.get(params.dataset)
    if params.segment and df is not None and params.segment in df:
        question["segment_levels"] = sorted(map(str, df[params.segment].dropna().unique()))
    if params.platform_population:
        question["platform_levels"] = list(params.platform_population)
    return question


def _key(params: Params, data: Mapping[str, pd.DataFrame], ctx: TaskContext | None) -> dict[str, Any]:
    """The 5A map key: counts, flows, rates on the T0 base, 新增, 流失 (and segments when asked)."""
    df = data[params.dataset]
    t0, t1 = snapshot_dates(df, params.t0, params.t1)
    states = user_states(df, t0, t1, params.segment)
    moves = transitions(states)
    summary = asset_summary(states)
    answer: dict[str, Any] = {
        "t0": t0.strftime("%Y-%m-%d"),
        "t1": t1.strftime("%Y-%m-%d"),
        "counts_t0": moves.counts_t0,
        "counts_t1": moves.counts_t1,
        "flows": moves.flows,
        "flow_rates": moves.flow_rates,
        "new": summary["new"],
        "lost": summary["lost"],
    }
    if params.segment:
        answer["by_segment"] = {
            str(level): asset_summary(group) for level, group in states.groupby("segment", sort=True)
        }
    if params.platform_population:
        seg = answer["by_segment"]
        answer["penetration"] = {
            lv: seg.get(lv, {"asset_t1": 0})["asset_t1"] / pop
            for lv, pop in params.platform_population.items()
            if pop > 0
        }
    return answer


# ----------------------------------------------------------------------------- parsing


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def stage_of(token: Any) -> str | None:
    """A typed stage as O, A1…A5 or none: ``"a2"``, ``"A2 吸引"``, ``"资产外"`` … (None if unknown).

    >>> stage_of(" a3 "), stage_of("吸引"), stage_of("A5 拥护"), stage_of("X")
    ('A3', 'A2', 'A5', None)
    """
    text = _norm(token).casefold()
    if text in _STAGE_WORDS:
        return _STAGE_WORDS[text]
    head = re.match(r"^(a[1-5]|o)\b", text)
    return head.group(1).upper() if head else None


def flow_of(token: Any) -> str | None:
    """A typed flow as ``"A1>A2"``: ``"A1→A2"``, ``"a1 -> a2"``, ``"了解>吸引"``, ``"无>A1"``.

    >>> flow_of("a1 → A2"), flow_of("资产外>O"), flow_of("A1"), flow_of("none>none")
    ('A1>A2', 'none>O', None, None)
    """
    parts = _ARROW.split(_norm(token))
    if len(parts) != 2:
        return None
    a, b = stage_of(parts[0]), stage_of(parts[1])
    return f"{a}>{b}" if a and b and not (a == b == "none") else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {}


def _label(name: str) -> Msg:
    return msg(f"five_a_map.field.{name}")


def _number(value: Any, name: str, entry: str) -> float:
    try:
        return checking.to_float(value)
    except AnswerFormatError as err:
        raise AnswerFormatError(
            msg("five_a_map.bad_value", field=_label(name), entry=entry, detail=err.message)
        ) from err


def _entry_key(name: str, token: Any, params: Params) -> str | None:
    if name in ("flows", "flow_rates"):
        return flow_of(token)
    if name in ("counts_t0", "counts_t1"):
        stage = stage_of(token)
        return stage if stage in STAGES else None
    return _norm(token)


def _parse_map(name: str, value: Any, params: Params) -> dict[str, Any]:
    """A dict field: entries keyed canonically (flows also as a nested T0 → T1 matrix)."""
    if not isinstance(value, Mapping):
        raise AnswerFormatError(msg("five_a_map.bad_entry", field=_label(name), entry=_norm(value)[:40]))
    out: dict[str, Any] = {}
    for token, item in value.items():
        if name in ("flows", "flow_rates") and isinstance(item, Mapping) and stage_of(token):
            for inner, v in item.items():
                out.update(_parse_map(name, {f"{token}>{inner}": v}, params))
            continue
        entry = _entry_key(name, token, params)
        if entry is None:
            raise AnswerFormatError(msg("five_a_map.bad_entry", field=_label(name), entry=_norm(token)))
        if name == "by_segment":
            inner = item if isinstance(item, Mapping) else {}
            if not inner:
                raise AnswerFormatError(msg("five_a_map.bad_entry", field=_label(name), entry=entry))
            out[entry] = {
                _SEGMENT_WORDS.get(_norm(k).casefold(), _norm(k).casefold()): _number(v, name, f"{entry}.{k}")
                for k, v in inner.items()
            }
        else:
            out[entry] = _number(item, name, entry)
    return out


def _top_field(token: Any) -> str | None:
    """Top-level field name from a canonical name or its zh/en label."""
    text = _norm(token).casefold()
    for name in ("counts_t0", "counts_t1", "flows", "flow_rates", "new", "lost", "by_segment", "penetration"):
        labels = {
            name,
            t(f"five_a_map.field.{name}", "zh").casefold(),
            t(f"five_a_map.field.{name}", "en").casefold(),
        }
        if text in labels:
            return name
    return None


def _unflatten(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{"flows.A1>A2": 3}`` → ``{"flows": {"A1>A2": 3}}``; other keys are kept."""
    out: dict[str, Any] = {}
    for k, v in raw.items():
        head, _, rest = str(k).partition(".")
        if rest and _top_field(head) and _top_field(k) is None:
            out.setdefault(head, {})[rest] = v
        else:
            out[k] = v
    return out


def parse(raw: Any, params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """A mapping field → value (dict fields nested or flattened as ``"flows.A1>A2"``) as floats."""
    if not isinstance(raw, Mapping):
        raise AnswerFormatError(msg("five_a_map.not_mapping"))
    out: dict[str, Any] = {}
    for token, value in _unflatten(raw).items():
        name = _top_field(token)
        if name is None or name not in params.fields() or _blank(value):
            continue
        if name in ("new", "lost"):
            out[name] = _number(value, name, str(token))
        else:
            out[name] = _parse_map(name, value, params)
    if not out and params.fields():
        raise AnswerFormatError(msg("five_a_map.not_mapping"))
    return out


# ----------------------------------------------------------------------------- checking


def _units(name: str) -> str:
    return "ratio" if name in ("flow_rates", "penetration") else "count"


def _flat(name: str, value: Any) -> dict[str, float]:
    """A field as entry → number (by_segment flattened to ``"level/metric"``)."""
    if name == "by_segment":
        return {
            f"{lv}/{m}": float(v)
            for lv, inner in value.items()
            for m, v in inner.items()
            if m in SEGMENT_METRICS
        }
    if isinstance(value, Mapping):
        return {str(k): float(v) for k, v in value.items()}
    return {name: float(value)}


def _matches(given: float, key: float, name: str, params: Params, ctx: TaskContext) -> bool:
    score, _ = checking.diagnose(
        given,
        key,
        unit=_units(name),
        tolerance=ctx.tolerance,
        precision=params.precision if _units(name) == "ratio" else None,
        strict=ctx.strict_precision,
    )
    return score >= 1


def _alternatives(name: str, answer: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Misconception key → the entries that misconception gives, computed from the key itself."""
    flows, c0, c1 = answer["flows"], answer["counts_t0"], answer["counts_t1"]
    if name == "flow_rates":
        return {
            "five_a_map.t1_base": {
                f: flows[f] / c1[f.split(">")[1]]
                for f in answer["flow_rates"]
                if f.split(">")[1] != "none" and c1[f.split(">")[1]] > 0
            }
        }
    if name == "flows":
        return {
            "five_a_map.reversed": {f"{a}>{b}": flows[f"{b}>{a}"] for f in flows for a, b in [f.split(">")]}
        }
    entered = sum(flows[f"none>{a}"] for a in ASSET)
    left = sum(flows[f"{a}>none"] for a in ASSET)
    if name == "new":
        return {
            "five_a_map.new_absent_only": {"new": entered},
            "five_a_map.new_with_o": {"new": answer["new"] + flows["none>O"]},
            "five_a_map.new_net": {"new": sum(c1[a] for a in ASSET) - sum(c0[a] for a in ASSET)},
        }
    if name == "lost":
        return {
            "five_a_map.lost_absent_only": {"lost": left},
            "five_a_map.lost_with_o": {"lost": answer["lost"] + flows["O>none"]},
        }
    return {}


def probes(answer: dict[str, Any], params: Params) -> list[checking.Probe]:
    """Each asked entry with what each misconception gives for it (selftest checks they separate)."""
    out = []
    for name in params.fields():
        key = _flat(name, answer[name])
        traps = _alternatives(name, answer)
        precision = params.precision if _units(name) == "ratio" else None
        for entry, value in key.items():
            alts: dict[str, float | list[float]] = {k: alt[entry] for k, alt in traps.items() if entry in alt}
            spec = checking.FieldSpec(unit=_units(name), precision=precision, alternatives=alts)
            out.append(checking.Probe(f"{name} {entry}" if entry != name else name, value, spec))
    return out


def _check_field(
    name: str, answer: dict[str, Any], given: Any, params: Params, ctx: TaskContext
) -> tuple[float, list[Msg], list[str]]:
    """Score of one field, its messages and its wrong entries (names only, never values)."""
    key = _flat(name, answer[name])
    got = _flat(name, given) if given is not None else {}
    wrong = [e for e, v in key.items() if not _matches(got.get(e, 0.0), v, name, params, ctx)]
    missing = [e for e in wrong if e not in got]
    notes: list[Msg] = []
    bad = [e for e in wrong if e in got]
    for alt_key, alt in _alternatives(name, answer).items():
        hits = [
            e
            for e in bad
            if e in alt
            and not _matches(alt[e], key[e], name, params, ctx)
            and _matches(got[e], alt[e], name, params, ctx)
        ]
        if hits and len(hits) * 2 >= len(bad) and not notes:  # one diagnosis per field
            notes.append(msg(alt_key))
    if bad and not notes and name in ("new", "lost", "flow_rates", "penetration"):
        high = sum(got[e] > key[e] for e in bad) * 2 > len(bad)
        notes.append(msg("check.too_high" if high else "check.too_low"))
    out: list[Msg] = []
    if bad and name in ("new", "lost"):
        out.append(msg("five_a_map.value_wrong", field=_label(name)))
    elif bad:
        out.append(msg("five_a_map.entries_wrong", field=_label(name), n=len(bad), entries=_listing(bad)))
    if missing:
        out.append(
            msg("five_a_map.entries_missing", field=_label(name), n=len(missing), entries=_listing(missing))
        )
    return 1 - len(wrong) / max(len(key), 1), out + notes, wrong


def _listing(entries: list[str], most: int = 8) -> str:
    return ", ".join(entries[:most]) + (" …" if len(entries) > most else "")


def check(answer: dict[str, Any], parsed: dict[str, Any], params: Params, ctx: TaskContext) -> Check:
    """Per-field partial credit (each asked field weighs the same; dict fields by share of entries)."""
    scores: dict[str, float] = {}
    feedback: list[Msg] = []
    wrong_entries: dict[str, list[str]] = {}
    for name in params.fields():
        if name not in parsed:
            scores[name] = 0.0
            feedback.append(msg("check.field_missing", field=_label(name)))
            continue
        scores[name], notes, wrong = _check_field(name, answer, parsed[name], params, ctx)
        feedback += notes
        if wrong:
            wrong_entries[name] = wrong
    right = sum(1 for s in scores.values() if s >= 1 - 1e-12)
    feedback.insert(0, msg("check.fields_summary", right=right, total=len(scores)))
    fraction = sum(scores.values()) / max(len(scores), 1)
    return Check(fraction, feedback, details={"fields": scores, "wrong_entries": wrong_entries})


# ----------------------------------------------------------------------------- selftest helpers


def _pct(value: float, params: Params) -> str:
    return f"{round(value * 100, params.precision - 2):.{params.precision - 2}f}%"


def as_raw(answer: dict[str, Any], params: Params, ctx: TaskContext | None = None) -> dict[str, Any]:
    """The key as a trainee would type it: Chinese field names, “→” arrows, rates as percentages."""
    out: dict[str, Any] = {}
    for name in params.fields():
        label, value = t(f"five_a_map.field.{name}", "zh"), answer[name]
        if name in ("flows", "flow_rates"):
            out[label] = {
                f.replace(">", "→"): (_pct(v, params) if name == "flow_rates" else v)
                for f, v in value.items()
            }
        elif name == "penetration":
            out[label] = {lv: _pct(v, params) for lv, v in value.items()}
        else:
            out[label] = value
    return out


def perturb(
    answer: dict[str, Any], params: Params, ctx: TaskContext | None, rng: np.random.Generator
) -> dict[str, Any]:
    """A plausible wrong answer: one asked field replaced by a misconception's value or shifted."""
    wrong = {k: (dict(v) if isinstance(v, dict) else v) for k, v in answer.items()}
    name = params.fields()[int(rng.integers(len(params.fields())))]
    alts = [
        a
        for a in _alternatives(name, answer).values()
        if any(abs(a[e] - v) > 1e-6 for e, v in _flat(name, answer[name]).items() if e in a)
    ]
    if alts and name in ("new", "lost"):
        wrong[name] = int(alts[int(rng.integers(len(alts)))][name])
    elif alts:
        wrong[name] = {**answer[name], **alts[0]}
    elif name in ("new", "lost"):
        wrong[name] = answer[name] + max(2, answer[name] // 10)
    elif name == "by_segment":
        level = sorted(answer[name])[0]
        wrong[name] = {
            **answer[name],
            level: {**answer[name][level], "asset_t1": answer[name][level]["asset_t1"] + 3},
        }
    else:
        entry = max(answer[name], key=lambda e: answer[name][e])
        bump = 0.05 if _units(name) == "ratio" else max(2, answer[name][entry] // 10)
        wrong[name] = {**answer[name], entry: answer[name][entry] + bump}
    return as_raw(wrong, params, ctx)


def malformed(params: Params) -> Any:
    """A submission ``parse`` must reject: a word where a count belongs."""
    name = params.fields()[0]
    label = t(f"five_a_map.field.{name}", "zh")
    if name in ("new", "lost"):
        return {label: "很多"}
    if name == "by_segment":
        return {label: {"女": "不知道"}}
    return {label: {"A1→A2" if name.startswith("flow") else "A1": "约一百"}}


def describe(params: Params, lang: str = "zh") -> str:
    """The task sheet's instruction: dates, the definitions the asked fields need, units and rounding."""
    sep = "、" if lang == "zh" else ", "
    asked = set(params.fields())
    fields = sep.join(t(f"five_a_map.field.{n}", lang) for n in params.fields())
    t0 = params.t0.isoformat() if params.t0 else t("five_a_map.first_snapshot", lang)
    t1 = params.t1.isoformat() if params.t1 else t("five_a_map.last_snapshot", lang)
    text = t("five_a_map.describe", lang, t0=t0, t1=t1, fields=fields)
    if asked & {"flows", "flow_rates"}:
        text += t("five_a_map.describe_flows", lang)
    if "flow_rates" in asked:
        text += t("five_a_map.describe_rates", lang)
    if asked & {"new", "lost", "by_segment"}:
        text += t("five_a_map.describe_new_lost", lang)
    if params.segment:
        pen = ""
        if params.platform_population:
            population = sep.join(f"{k} {v}" for k, v in params.platform_population.items())
            pen = t("five_a_map.describe_penetration", lang, population=population)
        segment = t(f"five_a_map.segment.{params.segment}", lang)
        text += t("five_a_map.describe_segment", lang, segment=segment, pen=pen)
    return text + t("five_a_map.describe_rounding", lang, decimals=params.precision, pct=params.precision - 2)


def _stage_msg(state: str) -> Msg:
    return msg(f"five_a_map.stage.{state}")


def _flow_grid(name: str) -> Grid:
    """A T0 × T1 grid of flows (rates have no row for users new at T1)."""
    rows = tuple((s, msg("form.five_a_map.t0_row", stage=_stage_msg(s))) for s in STATES
                 if not (name == "flow_rates" and s == "none"))
    columns = tuple((s, _stage_msg(s)) for s in STATES)
    return Grid(name, (name,), msg(f"five_a_map.field.{name}"), rows, columns, help=msg("ui.five_a.grid_help"),
                skip=(("none", "none"),))


def _field(name: str, params: Params, question: Mapping[str, Any]) -> forms.Field:
    label = msg(f"five_a_map.field.{name}")
    if name in ("counts_t0", "counts_t1"):
        return Group(name, (name,), label, tuple((s, _stage_msg(s)) for s in STAGES))
    if name in ("flows", "flow_rates"):
        return _flow_grid(name)
    if name == "by_segment":
        levels = tuple((str(lv), str(lv)) for lv in question.get("segment_levels") or ())
        columns = tuple((c, msg(f"ui.five_a.{c}")) for c in SEGMENT_METRICS)
        return Grid(name, (name,), label, levels, columns, help=msg("ui.five_a.segment_help"), joined=False,
                    row_values=params.segment)
    if name == "penetration":
        return Group(name, (name,), label, tuple((str(lv), str(lv)) for lv in question.get("platform_levels") or ()))
    return Number(name, (name,), label)


def form(params: Params, question: Mapping[str, Any]) -> AnswerForm:
    """Inputs for each asked field: stage counts, flow grids, segment grid, penetration per level, numbers.

    Segment levels and platform levels come from the public question (the trainee's data and params).
    """
    return AnswerForm(tuple(_field(name, params, question) for name in params.fields()))
