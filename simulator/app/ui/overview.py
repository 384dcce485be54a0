"""Overview charts of a trainee's own data: trends, the ad funnel 展示→点击→转化, traffic sources, 5A flows.

Charts are for orientation, not answers: aggregated values are rounded to two significant digits
before they leave the server and hover values are off, so no chart (nor the figure data the browser
receives) gives away a total, rate or flow that a task asks for. Only charts of datasets present are made.

>>> coarse([123456, 0.012345, 0])
[120000.0, 0.012, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go

from simulator.core.i18n import t
from simulator.core.value_labels import value_label
from simulator.engine.labels import column_label

SIGNIFICANT = 2


def coarse(values: Iterable[float], digits: int = SIGNIFICANT) -> list[float]:
    """Each value rounded to ``digits`` significant digits (0 stays 0)."""
    out = []
    for v in values:
        v = float(v)
        if v == 0 or not math.isfinite(v):
            out.append(0.0)
        else:
            out.append(round(v, digits - 1 - int(math.floor(math.log10(abs(v))))))
    return out


def _finish(fig: go.Figure, title: str) -> go.Figure:
    fig.update_traces(hoverinfo="skip")
    fig.update_layout(title_text=title, hovermode=False, height=340,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.15})
    return fig


DATE_TICKS = {"zh": "%-m月%-d日", "en": "%b %-d"}
"""Date-axis tick format per language (numeric in zh, so no English month names reach a zh page)."""


def _levels(df: pd.DataFrame, by: str, lang: str) -> pd.Series:
    """The values of ``by`` as text in the reader's language (已签收, not signed, on a zh page)."""
    return df[by].astype(object).map(lambda v: str(value_label(by, v, lang)))


def _daily(df: pd.DataFrame, date_col: str, value_col: str, by: str | None = None,
           lang: str = "zh") -> pd.DataFrame:
    keys = [pd.to_datetime(df[date_col]).dt.normalize()] + ([_levels(df, by, lang)] if by else [])
    return df.groupby(keys, observed=True)[value_col].sum().reset_index()


def trend(df: pd.DataFrame, dataset: str, date_col: str, value_cols: list[str], lang: str,
          by: str | None = None) -> go.Figure:
    """Daily totals of ``value_cols`` (one line each), or of one column split by ``by``."""
    fig = go.Figure()
    if by:
        daily = _daily(df, date_col, value_cols[0], by, lang)
        for level, part in daily.groupby(by, observed=True):
            fig.add_trace(go.Scatter(x=part[date_col], y=coarse(part[value_cols[0]]), mode="lines",
                                     name=str(level)))
    else:
        for col in value_cols:
            daily = _daily(df, date_col, col)
            fig.add_trace(go.Scatter(x=daily[date_col], y=coarse(daily[col]), mode="lines",
                                     name=column_label(col, lang, dataset)))
    names = "、".join(column_label(c, lang, dataset) for c in value_cols) if lang == "zh" else \
        ", ".join(value_cols)
    fig.update_xaxes(type="date", tickformat=DATE_TICKS.get(lang, DATE_TICKS["en"]))
    return _finish(fig, t("ui.chart.trend", lang, what=names))


def ad_funnel(df: pd.DataFrame, lang: str) -> go.Figure:
    """展示 → 点击 → 转化 totals as a funnel (coarse)."""
    stages = ["impressions", "clicks", "conversions"]
    fig = go.Figure(go.Funnel(y=[column_label(c, lang, "ad_delivery") for c in stages],
                              x=coarse(df[c].sum() for c in stages), textinfo="none",
                              marker={"color": ["#9dc3e6", "#5b9bd5", "#2f5597"]}))
    return _finish(fig, t("ui.chart.funnel", lang))


def breakdown(df: pd.DataFrame, dataset: str, by: str, value_col: str | None, lang: str) -> go.Figure:
    """Horizontal bars of ``value_col`` totals (or row counts) per level of ``by``, largest first."""
    levels = _levels(df, by, lang)
    grouped = df.groupby(levels)[value_col].sum() if value_col else levels.value_counts()
    grouped = grouped.sort_values()
    fig = go.Figure(go.Bar(x=coarse(grouped.to_numpy()), y=list(grouped.index), orientation="h",
                           marker_color="#5b9bd5"))
    what = column_label(value_col, lang, dataset) if value_col else t("ui.chart.rows", lang)
    return _finish(fig, t("ui.chart.breakdown", lang, what=what, by=column_label(by, lang, dataset)))


def five_a(df: pd.DataFrame, lang: str) -> list[go.Figure]:
    """Stage bars and the Sankey between the first and last snapshot (coarse)."""
    from simulator.app.ui import charts
    from simulator.tasks import five_a_map

    if df["snapshot_date"].nunique() < 2:
        return []
    key = five_a_map.make(five_a_map.Params.model_validate({}), {"audience_5a": df}, None).key
    c0 = dict(zip(key["counts_t0"], coarse(key["counts_t0"].values()), strict=True))
    c1 = dict(zip(key["counts_t1"], coarse(key["counts_t1"].values()), strict=True))
    flows = dict(zip(key["flows"], coarse(key["flows"].values()), strict=True))
    bars = _finish(charts.stage_bars(c0, c1, lang), t("charts.bars_title", lang))
    sankey = charts.sankey_5a(flows, lang)
    sankey.update_traces(node_hoverinfo="none", link_hoverinfo="none")
    sankey.update_layout(height=420, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return [bars, sankey]


def _figures(name: str, df: pd.DataFrame, lang: str) -> list[go.Figure]:
    builders: dict[str, Callable[[], list[go.Figure]]] = {
        "accounts_daily": lambda: [trend(df, name, "date", ["plays"], lang, by="platform"),
                                   trend(df, name, "date", ["new_followers", "unfollows"], lang)],
        "posts": lambda: [trend(df, name, "publish_date", ["plays"], lang)],
        "live_sessions": lambda: [trend(df, name, "start_time", ["gmv"], lang),
                                  trend(df, name, "start_time", ["views", "viewers"], lang)],
        "live_traffic": lambda: [breakdown(df, name, "source", "views", lang)],
        "live_products": lambda: [breakdown(df, name, "category", "gmv", lang)],
        "ad_delivery": lambda: [trend(df, name, "date", ["cost", "gmv"], lang), ad_funnel(df, lang),
                                breakdown(df, name, "placement", "cost", lang)],
        "ad_orders": lambda: [breakdown(df, name, "status", None, lang)],
        "audience_5a": lambda: five_a(df, lang),
        "experiment": lambda: [breakdown(df, name, "variant", None, lang)],
    }
    return builders[name]() if name in builders else []


def figures(name: str, df: pd.DataFrame, lang: str) -> list[go.Figure]:
    """The overview charts of dataset ``name`` (none for a dataset without one or without the columns)."""
    try:
        return _figures(name, df, lang)
    except KeyError:
        return []
