"""Writes docs/metrics.md (the metric glossary) from simulator/engine/metrics.py, so formulas live in one place.

Run ``python tools/make_metrics_doc.py``; ``tests/test_docs.py`` fails when the glossary is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.engine import metrics  # noqa: E402

INTRO = """# Metric glossary 指标词典

Every metric the simulator computes, by its canonical name (used in scenario files, answer keys and
report-table headers), with its Chinese name, unit and formula. All of them are computed once, in
`simulator/engine/metrics.py`; this page is generated from it by `python tools/make_metrics_doc.py`.

**The aggregation rule.** A ratio over a group (a campaign, a week, a whole month) is the ratio of the
group's *sums* — Σclicks / Σimpressions — never the mean of the daily ratios. Example: three months of
(impressions, clicks) = (50000, 2500), (25000, 3000), (80000, 5000) give CTR 10500 / 155000 = 6.77%,
while the mean of the monthly CTRs (7.75%) is the trap the checker recognises and names.

**Units.** Ratios are fractions in keys (0.0345); trainees may type `3.45%` or `0.0345`. Money is in yuan.
`multiple` is an ROI-style "times" value (3.0 = ¥3 of GMV per ¥1 of spend).
"""

TRAPS = """
## Variants the checker recognises

Where the industry or common mistakes use another formula, the checker computes it too and, when an
answer matches it, says so in the feedback (the answer is still marked wrong unless the task asked for
that variant):

| metric | variant | formula |
|---|---|---|
"""


CHECKING = """
## How answers are checked

**A stated precision is part of the answer.** Where a task states one (保留N位小数, 取整, 百分数保留N位;
a ratio with 4 decimals as a fraction is 2 decimals as a percent), an answer written to that precision
or finer is right when it lies within one unit of the last asked decimal of the exact key: half a unit
for rounding plus half a unit of slack for the rounding direction. For a key of 9999.585…, `9999.59`,
`9999.58`, `9,999.59`, `9999.594` and `0.999959万` are right. An answer written more coarsely must be
the correctly rounded key with its trailing zeros dropped (`9999.6` for 9999.5962, `7%` for 0.070012).
An answer that matches only after coarser rounding — `1万`, `10000` or `9990` for 9999.59, `5.29万` for
52917.58, `0.02` for 0.019899 at 4 decimals — is wrong, and the feedback says which precision to give
("请保留2位小数"), not "too high" or "too low".

**No stated precision.** The answer must be within the scenario's relative `tolerance` (default 0.5%)
of the key; whole-number counts must match exactly.

**Practice may relax it.** A scenario may set `precision_rule: relaxed`; then an answer within the
relative tolerance is right too. Exams are always strict: a scenario with `duration_minutes`, and every
exam attempt graded from the store, ignore the field.

**Mistakes are named only when made.** A key records what each common mistake gives on the trainee's
data (the mean of ratios, another formula, the filter ignored, the other sidedness …), in one shared
catalog (`simulator/core/misconceptions.py`), so the same mistake has the same words in every task kind.
Feedback names a mistake only when the answer matches that mistake's value under the same rule as
above, and names at most one per field or table column (the closest). The mean-of-ratios message takes
its period word from the data: 每天, 每周, 每月 or 每一行 (when each row is one period, it is one mistake
and one message). A mistake whose value equals the key at the asked precision cannot be told apart for
that trainee: it is not tested there and never named. `simulator selftest SCENARIO --seeds N` prints,
per task, how many mistake values are told apart, the smallest margin (distance from the key ÷ the
accepting width) and how often each mistake is not tested.
"""


def formula(m: metrics.Metric) -> str:
    def side(terms: dict[str, float]) -> str:
        parts = []
        for col, coef in terms.items():
            sign = "−" if coef < 0 else "+"
            parts.append(f"{sign} Σ{col}" if parts or coef < 0 else f"Σ{col}")
        text = " ".join(parts)
        return f"({text})" if len(terms) > 1 else text

    if m.denominator is None:
        return side(m.numerator)
    factor = {1000: " × 1000", 1 / 60: " ÷ 60"}.get(m.factor, "" if m.factor == 1 else f" × {m.factor:g}")
    return f"{side(m.numerator)} / {side(m.denominator)}{factor}"


def render() -> str:
    out = [INTRO, "| name | 中文 | English | unit | formula | datasets |", "|---|---|---|---|---|---|"]
    for m in metrics.METRICS.values():
        out.append(f"| `{m.name}` | {m.zh} | {m.en} | {m.unit} | {formula(m)} | {', '.join(m.datasets)} |")
    out.append(TRAPS.rstrip("\n"))
    for name, variants in metrics.VARIANTS.items():
        for vname, variant in variants.items():
            out.append(f"| `{name}` | `{vname}` | {formula(variant.formula)} |")
    out.append(CHECKING.rstrip("\n"))
    out += ["", "## 保本ROI (break-even ROI)", "",
            "`breakeven_roi = 1 / gross margin rate = price / (price − all unit variable costs)`; with returns",
            "counted, `1 / (margin × (1 − return rate))`. Example: price 100, goods 40, shipping 8, platform fee",
            "5% → margin 0.47 → 2.1277. Keep adding budget while the marginal ROI is at least the break-even ROI.",
            ""]
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "metrics.md").write_text(render(), encoding="utf-8")
    print("wrote docs/metrics.md")
