"""Writes docs/metrics.md (the metric glossary) from simulator/metrics.py, so formulas live in one place.

Run ``python tools/make_metrics_doc.py``; ``tests/test_docs.py`` fails when the glossary is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import metrics  # noqa: E402

INTRO = """# Metric glossary 指标词典

Every metric the simulator computes, by its canonical name (used in scenario files, answer keys and
report-table headers), with its Chinese name, unit and formula. All of them are computed once, in
`simulator/metrics.py`; this page is generated from it by `python tools/make_metrics_doc.py`.

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
    out += ["", "## 保本ROI (break-even ROI)", "",
            "`breakeven_roi = 1 / gross margin rate = price / (price − all unit variable costs)`; with returns",
            "counted, `1 / (margin × (1 − return rate))`. Example: price 100, goods 40, shipping 8, platform fee",
            "5% → margin 0.47 → 2.1277. Keep adding budget while the marginal ROI is at least the break-even ROI.",
            ""]
    return "\n".join(out)


if __name__ == "__main__":
    (ROOT / "docs" / "metrics.md").write_text(render(), encoding="utf-8")
    print("wrote docs/metrics.md")
