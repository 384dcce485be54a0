"""Plotly figures for the analytics tasks: the 5A Sankey and stage bars, the ROI curve, A/B lift.

Builders take the task's answer (or the parts named) and a language, and return a ``go.Figure``; the
app renders them with ``st.plotly_chart``. Nothing here computes a statistic: values come from the key.

>>> fig = sankey_5a({"A1>A2": 30, "A1>A1": 50, "none>A1": 20}, "en")
>>> list(fig.data[0].link.value)
[20, 50, 30]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from simulator.core.i18n import t
from simulator.engine import stats
from simulator.engine.five_a import STAGES, STATES

STAGE_COLORS = {
    "none": "#b0b0b0",
    "O": "#8fb8de",
    "A1": "#5b9bd5",
    "A2": "#4472c4",
    "A3": "#ffc000",
    "A4": "#ed7d31",
    "A5": "#c00000",
}


def _stage_label(state: str, lang: str) -> str:
    return t(f"five_a_map.stage.{state}", lang)


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def sankey_links(flows: Mapping[str, float]) -> list[tuple[str, str, float]]:
    """(T0 state, T1 state, users) for every positive flow, in state order.

    >>> sankey_links({"A2>A1": 3, "A1>A2": 5, "O>none": 0})
    [('A1', 'A2', 5), ('A2', 'A1', 3)]
    """
    out = []
    for a in STATES:
        for b in STATES:
            value = flows.get(f"{a}>{b}", 0)
            if value and value > 0:
                out.append((a, b, value))
    return out


def sankey_5a(answer_or_flows: Mapping[str, Any], lang: str = "zh") -> go.Figure:
    """Sankey of a five_a_map key (or its ``flows``): T0 states on the left, T1 states on the right.

    Node i is T0 state ``STATES[i]``, node 7 + j is T1 state ``STATES[j]``; links are the positive flows.
    """
    flows = answer_or_flows.get("flows", answer_or_flows)
    links = sankey_links(flows)
    labels = [f"{t('charts.t0', lang)} · {_stage_label(s, lang)}" for s in STATES]
    labels += [f"{t('charts.t1', lang)} · {_stage_label(s, lang)}" for s in STATES]
    n = len(STATES)
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "pad": 12,
                "thickness": 16,
                "color": [STAGE_COLORS[s] for s in STATES] * 2,
            },
            link={
                "source": [STATES.index(a) for a, _, _ in links],
                "target": [n + STATES.index(b) for _, b, _ in links],
                "value": [v for _, _, v in links],
                "color": [_rgba(STAGE_COLORS[b], 0.35) for _, b, _ in links],
            },
        )
    )
    fig.update_layout(title_text=t("charts.sankey_title", lang), font_size=12)
    return fig


def stage_bars(counts_t0: Mapping[str, int], counts_t1: Mapping[str, int], lang: str = "zh") -> go.Figure:
    """Grouped bars of users per stage (O, A1…A5) at T0 and T1.

    >>> fig = stage_bars({"A1": 5}, {"A1": 7}, "en")
    >>> [list(bar.y) for bar in fig.data][1][1]
    7
    """
    x = [_stage_label(s, lang) for s in STAGES]
    fig = go.Figure(
        [
            go.Bar(
                name=t("charts.t0", lang),
                x=x,
                y=[counts_t0.get(s, 0) for s in STAGES],
                marker_color="#9dc3e6",
            ),
            go.Bar(
                name=t("charts.t1", lang),
                x=x,
                y=[counts_t1.get(s, 0) for s in STAGES],
                marker_color="#2f5597",
            ),
        ]
    )
    fig.update_layout(
        barmode="group",
        title_text=t("charts.bars_title", lang),
        xaxis_title=t("charts.stage", lang),
        yaxis_title=t("charts.users", lang),
    )
    return fig


def roi_curve(answer: Mapping[str, Any], budget: float | None = None, lang: str = "zh") -> go.Figure:
    """Daily (spend, GMV) points, the fitted curve, the forecast at ``budget`` and the break-even line.

    ``answer`` is a roi_forecast key (``daily``, ``model``, ``coef_a``, ``coef_b``, ``forecast_gmv``,
    ``budget``, optional ``breakeven_roi``); ``budget`` defaults to the key's.
    """
    budget = float(answer["budget"] if budget is None else budget)
    fit = stats.CurveFit(answer["model"], answer["coef_a"], answer["coef_b"])
    cost = np.asarray(answer["daily"]["cost"], dtype=float)
    grid = np.linspace(max(cost.min() * 0.8, 1e-6), max(cost.max(), budget) * 1.1, 120)
    fig = go.Figure(
        [
            go.Scatter(
                x=cost,
                y=answer["daily"]["gmv"],
                mode="markers",
                name=t("charts.days", lang),
                text=answer["daily"].get("date"),
                marker={"color": "#5b9bd5", "size": 7},
            ),
            go.Scatter(
                x=grid,
                y=[fit.predict(s) for s in grid],
                mode="lines",
                name=t("charts.fit", lang),
                line={"color": "#c00000"},
            ),
            go.Scatter(
                x=[budget],
                y=[answer["forecast_gmv"]],
                mode="markers",
                name=t("charts.forecast", lang),
                marker={"color": "#ed7d31", "size": 13, "symbol": "star"},
            ),
        ]
    )
    be = answer.get("breakeven_roi")
    if be is not None and np.isfinite(be):
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=grid * be,
                mode="lines",
                name=t("charts.breakeven", lang),
                line={"color": "#7f7f7f", "dash": "dash"},
            )
        )
    fig.update_layout(
        title_text=t("charts.roi_title", lang),
        xaxis_title=t("charts.spend", lang),
        yaxis_title=t("charts.gmv", lang),
    )
    return fig


def ab_lift(answer: Mapping[str, Any], lang: str = "zh") -> go.Figure:
    """The arms' rates (or means) as bars, and the difference with its CI as a point with error bars."""
    diff, low, high = answer["abs_lift"], answer["ci_low"], answer["ci_high"]
    fig = go.Figure(
        [
            go.Bar(
                x=[t("charts.control", lang), t("charts.treatment", lang)],
                y=[answer["rate_control"], answer["rate_treatment"]],
                marker_color=["#9dc3e6", "#2f5597"],
                showlegend=False,
                xaxis="x",
                yaxis="y",
            ),
            go.Scatter(
                x=[diff],
                y=[t("charts.difference", lang)],
                mode="markers",
                showlegend=False,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [high - diff],
                    "arrayminus": [diff - low],
                },
                marker={"color": "#c00000", "size": 11},
                xaxis="x2",
                yaxis="y2",
            ),
        ]
    )
    fig.update_layout(
        title_text=t("charts.ab_title", lang),
        xaxis={"domain": [0, 0.45]},
        xaxis2={"domain": [0.55, 1], "zeroline": True},
        yaxis2={"anchor": "x2"},
    )
    fig.add_vline(x=0, line_dash="dot", line_color="#7f7f7f", xref="x2")
    return fig


def sample_size_curve(
    baseline: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 2,
    methods: tuple[str, ...] = stats.SS_METHODS,
    lang: str = "zh",
) -> go.Figure:
    """Users per arm against the relative MDE (5%…50%) for each sample-size formula."""
    rel = np.linspace(0.05, 0.5, 46)
    fig = go.Figure(
        [
            go.Scatter(
                x=rel,
                y=[
                    stats.sample_size_proportions(baseline, baseline * r, alpha, power, sides, m) for r in rel
                ],
                mode="lines",
                name=m,
            )
            for m in methods
            if all(baseline * (1 + r) < 1 for r in rel)
        ]
    )
    fig.update_layout(
        title_text=t("charts.ss_title", lang),
        xaxis_title=t("charts.mde_rel", lang),
        yaxis_title=t("charts.n_per_arm", lang),
        yaxis_type="log",
        xaxis_tickformat=".0%",
    )
    return fig
