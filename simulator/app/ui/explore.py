"""The data view: a trainee's own datasets as tables with Chinese headers, overview charts, downloads.

Downloads are made only when clicked (CSV UTF-8 with BOM per dataset, one XLSX workbook, the task sheet).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.app.ui import overview, session
from simulator.app.ui.widgets import guard
from simulator.assessment import tasksheet
from simulator.assessment.datasets import csv_bytes, for_export, xlsx_bytes
from simulator.assessment.scenario import Scenario
from simulator.core.i18n import has, t
from simulator.engine.labels import dataset_columns

MAX_SHOWN_ROWS = 5_000
CHART_CACHE = 48


def dataset_title(name: str, lang: str) -> str:
    """``"ad_delivery"`` → ``"广告投放明细 ad_delivery"`` (the name alone when no title is known)."""
    key = f"ui.dataset.{name}"
    return f"{t(key, lang)} ({name})" if has(key) else name


def safe_name(text: str) -> str:
    """Text usable in a file name: ``"T 001/李"`` → ``"T_001_李"``."""
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "data"


def downloads(scenario: Scenario, trainee_id: str, frames: Mapping[str, pd.DataFrame], lang: str) -> None:
    """Buttons for the whole workbook, the task sheet and each dataset as CSV."""
    stem = f"{safe_name(scenario.id)}-{safe_name(trainee_id)}"
    left, right = st.columns(2)
    with left:
        st.download_button(t("ui.data.download_xlsx", lang), data=lambda: xlsx_bytes(dict(frames), lang),
                           file_name=f"{stem}.xlsx", on_click="ignore", icon=":material/download:",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key=session.key("practice", "dl", "xlsx"))
    with right:
        st.download_button(t("ui.data.download_sheet", lang),
                           data=lambda: tasksheet.render(scenario, dict(frames), lang).encode("utf-8"),
                           file_name=f"{stem}-tasks.md", mime="text/markdown", on_click="ignore",
                           icon=":material/description:", key=session.key("practice", "dl", "sheet"))
    cols = st.columns(min(4, max(1, len(frames))))
    for i, (name, df) in enumerate(frames.items()):
        with cols[i % len(cols)]:
            st.download_button(f"{name}.csv", data=partial(csv_bytes, df, name, lang),
                               file_name=f"{name}.csv", mime="text/csv", on_click="ignore",
                               key=session.key("practice", "dl", "csv", name), width="stretch")
    st.caption(t("ui.data.csv_note", lang))


def glossary(name: str, df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per column: Chinese label, canonical name, unit (and the meaning in English)."""
    docs = dataset_columns().get(name, {})
    rows = []
    for col in df.columns:
        doc = docs.get(col)
        unit = getattr(doc, "unit", "")
        row = {t("ui.data.col_label", lang): getattr(doc, "zh", col), t("ui.data.col_name", lang): col,
               t("ui.data.col_unit", lang): t(f"ui.unit.{unit}", lang) if has(f"ui.unit.{unit}") else unit}
        if lang == "en":
            row["meaning"] = getattr(doc, "meaning", "")
        rows.append(row)
    return pd.DataFrame(rows)


@st.cache_data(max_entries=CHART_CACHE, show_spinner=False)
def _charts(token: tuple, name: str, lang: str, _df: pd.DataFrame) -> list[go.Figure]:
    """Overview figures of one dataset, cached per (scenario, trainee, dataset, language)."""
    return overview.figures(name, _df, lang)


def table_view(token: tuple, name: str, df: pd.DataFrame, lang: str) -> None:
    """The dataset (first rows), its column glossary and its overview charts."""
    shown = df.head(MAX_SHOWN_ROWS)
    st.caption(t("ui.data.size", lang, rows=len(df), cols=len(df.columns)) +
               (" " + t("ui.data.truncated", lang, n=MAX_SHOWN_ROWS) if len(df) > MAX_SHOWN_ROWS else ""))
    st.dataframe(for_export(shown, name, lang), hide_index=True, height=360)
    with st.expander(t("ui.data.glossary", lang)):
        st.dataframe(glossary(name, df, lang), hide_index=True)
    with guard("ui.error.charts"), st.spinner(t("ui.data.charting", lang)):
        figures = _charts(token, name, lang, df)
    if figures:
        st.caption(t("ui.data.chart_note", lang))
        cols = st.columns(2)
        for i, fig in enumerate(figures):
            with cols[i % 2]:
                st.plotly_chart(fig, key=session.key("practice", "chart", name, i),
                                config={"displayModeBar": False})


def render(scenario: Scenario, trainee_id: str, frames: Mapping[str, pd.DataFrame], lang: str) -> None:
    """The whole data view."""
    st.subheader(t("ui.data.download", lang), anchor=False)
    with guard("ui.error.download"):
        downloads(scenario, trainee_id, frames, lang)
    st.subheader(t("ui.data.explore", lang), anchor=False)
    names = list(frames)
    name = st.selectbox(t("ui.data.pick", lang), names, format_func=lambda n: dataset_title(n, lang),
                        placeholder=t("ui.pick.choose", lang),
                        key=session.key("practice", "dataset", scenario.id))
    if name is not None:
        table_view((scenario.id, scenario.digest, trainee_id), name, frames[name], lang)
