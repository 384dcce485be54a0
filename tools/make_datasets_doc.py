"""Writes docs/datasets.md from the generators' COLUMNS and the ranges their defaults produce.

Run ``python tools/make_datasets_doc.py`` after changing a generator; ``tests/test_docs.py`` fails when
the file is out of date with the documented columns.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.generators import FAMILIES, profiles  # noqa: E402
from simulator.assessment.datasets import CONTRACT_COLUMNS  # noqa: E402
from simulator.core.seeding import family_rng  # noqa: E402

TRAINEES = [f"docs-{i}" for i in range(5)]
UNIT_ZH = {"count": "个/次", "money": "元", "ratio": "比例(小数)", "seconds": "秒", "minutes": "分钟",
           "date": "日期", "datetime": "时间", "text": "文本", "id": "编号", "flag": "0/1", "multiple": "倍"}


def _range(values: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(values):
        return f"{values.min():%Y-%m-%d} … {values.max():%Y-%m-%d}"
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        lo, hi = np.nanmin(values), np.nanmax(values)
        fmt = (lambda v: f"{v:,.0f}") if float(hi) >= 100 else (lambda v: f"{v:.4g}")
        return f"{fmt(lo)} … {fmt(hi)}"
    distinct = pd.unique(values.astype(str))
    if len(distinct) <= 6:
        return ", ".join(sorted(distinct))
    return f"{len(distinct)} distinct, e.g. {distinct[0]}"


def family_frames(name: str) -> dict[str, pd.DataFrame]:
    module = FAMILIES[name]
    parts = [module.generate(family_rng("docs", 0, t, 1.0, name), module.Params(), 1.0).frames for t in TRAINEES]
    return {ds: pd.concat([p[ds] for p in parts], ignore_index=True) for ds in parts[0]}


def _pct(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 100:g}–{pair[1] * 100:g}%"


def _num(pair: tuple[float, float], unit: str = "") -> str:
    if unit == "ratio":
        return _pct(pair)
    return f"{pair[0]:,.4g}–{pair[1]:,.4g}"


def render_profiles() -> str:
    """The calibrated profiles (``data/generators/profiles.py``) and their sources, as Markdown."""
    out = ["## Calibrated profiles", "",
           "The generators draw from one table, `data/generators/profiles.py`; this section prints it, and",
           "`tests/generators/test_realism.py` checks the outcome bands below over 50 trainee ids of every",
           "shipped scenario. Scenario parameters override the profile bands (e.g. `live: {product_ctr: [0.05,",
           "0.1]}`, `ads: {sign_rate_range: [0.6, 0.9]}`, `accounts: {account_types: {growing: 1}}`).", "",
           "### Product categories", "",
           "| category | items (price band, ¥) | gross margin | 直播 商品点击率 | 直播 点击成交率 | 广告 CVR "
           "| 直播 退款率 | 广告 签收率 |", "|---|---|---|---|---|---|---|---|"]
    for name, c in profiles.CATEGORY_PROFILES.items():
        items = "; ".join(f"{noun} {lo:g}–{hi:g}" for noun, lo, hi in c.items)
        out.append(f"| {name} | {items} | {_pct(c.margin)} | {_pct(c.live_ctr)} | {_pct(c.live_click_to_buy)} "
                   f"| {_pct(c.ad_cvr)} | {_pct(c.refund)} | {_pct(c.sign)} |")
    out += ["", "### 巨量引擎 placements (relative to 抖音信息流)", "", "| placement | CPM × | CTR × |",
            "|---|---|---|"]
    out += [f"| {name} | {pl.cpm:g} | {pl.ctr:g} |" for name, pl in profiles.PLACEMENT_PROFILES.items()]
    out += ["", "### Account life stages (accounts)", "",
            "| type | default share | reach (plays per post ÷ followers) | follows per play | churn "
            "(unfollows ÷ new followers) |", "|---|---|---|---|---|"]
    out += [f"| {name} | {profiles.ACCOUNT_TYPE_MIX[name]:.0%} | {_pct(a.reach)} | {_pct(a.follow_rate)} "
            f"| {a.churn[0]:g}–{a.churn[1]:g} |" for name, a in profiles.ACCOUNT_TYPES.items()]
    out += ["", "### Livestream room types (live)", "",
            "| type | default share | 停留 (s) | 互动率 | 转粉率 | UV ÷ PV | 商品曝光率 |",
            "|---|---|---|---|---|---|---|"]
    out += [f"| {name} | {profiles.LIVE_TYPE_MIX[name]:.0%} | {_num(t.avg_watch_seconds)} | "
            f"{_pct(t.interaction_rate)} | {_pct(t.follow_rate)} | {_pct(t.viewer_ratio)} | {_pct(t.exposure_rate)} |"
            for name, t in profiles.LIVE_TYPES.items()]
    out += ["", "### Outcome bands (checked over 50 trainees per shipped scenario)", "",
            "| outcome | median within | 5–95% range within | source |", "|---|---|---|---|"]
    out += [f"| {b.label} | {_num(b.median, b.unit)} | {_num(b.outer, b.unit)} | [{b.source}](#source-{b.source}) |"
            for b in profiles.BANDS.values()]
    out += ["", f"At least {profiles.GAINING_SHARE:.0%} of growing and mature accounts gain followers over the "
            "period.", "", "### Sources and reasoning", ""]
    for key, text in profiles.SOURCES.items():
        out += [f'<a id="source-{key}"></a>**{key}** — {text}', ""]
    return "\n".join(out)


def render() -> str:
    out = ["# Datasets", "",
           "Every dataset a scenario can generate (or bring as a file), with each column's canonical English",
           "name (used with `--lang en`, in answer keys and report tables), its Chinese header (`--lang zh`, the",
           "default), unit and meaning. *Range* is what the generators' default parameters produced for five",
           "sample trainees; scenarios change sizes, dates and rates through their `datasets:` parameters.",
           "Columns marked **contract** are guaranteed (`contract.md`); the others are extras.",
           "", "Generated by `python tools/make_datasets_doc.py`.", "", render_profiles(), ""]
    for name in FAMILIES:
        module = FAMILIES[name]
        frames = family_frames(name)
        out += [f"## Family `{name}`", "", (module.__doc__ or "").strip().splitlines()[0], ""]
        for dataset, columns in module.COLUMNS.items():
            df = frames[dataset]
            out += [f"### `{dataset}` ({len(df) // len(TRAINEES):,} rows per trainee at scale 1)", "",
                    "| column | 中文 | unit | meaning | range (defaults) | |", "|---|---|---|---|---|---|"]
            for col, spec in columns.items():
                tag = "contract" if col in CONTRACT_COLUMNS.get(dataset, ()) else ""
                unit = f"{spec.unit} ({UNIT_ZH.get(spec.unit, '')})"
                out.append(f"| `{col}` | {spec.zh} | {unit} | {spec.meaning} | {_range(df[col])} | {tag} |")
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "datasets.md").write_text(render(), encoding="utf-8")
    print("wrote docs/datasets.md")
