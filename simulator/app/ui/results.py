"""Showing a checked answer: status, points, feedback messages and, for tables, the wrong cells.

Only the grader's :class:`~simulator.assessment.grading.TaskResult` is used: feedback explains without revealing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from simulator.app.ui import tables
from simulator.app.ui.widgets import fmt_points, render_msg, status_box, status_label
from simulator.assessment.grading import TaskResult
from simulator.core.i18n import t


def headline(result: TaskResult, lang: str) -> str:
    """``"正确 · 得分 10 / 10"``; a written answer waiting for a rater shows no score (``"待评阅 · 本题 10 分…"``)."""
    if result.status == "ungraded":
        return t("ui.result.headline_pending", lang, status=status_label(result.status, lang),
                 max=fmt_points(result.max_score))
    return t("ui.result.headline", lang, status=status_label(result.status, lang),
             score=fmt_points(result.score), max=fmt_points(result.max_score))


def show(result: TaskResult, lang: str, table: pd.DataFrame | None = None,
         key_columns: Sequence[str] | None = None, decimals: Mapping[str, int] | None = None) -> None:
    """Status box with points, one line per feedback message, and the wrong cells of an uploaded table."""
    lines = [render_msg(m, lang) for m in result.feedback if render_msg(m, lang).strip()]
    body = headline(result, lang) + ("\n\n" + "\n".join(f"- {line}" for line in lines) if lines else "")
    status_box(result.status, body)
    if result.status == "invalid":
        st.caption(t("ui.result.invalid_free", lang))
    if table is not None and result.details.get("wrong_cells"):
        tables.show_wrong_cells(table, result.details, lang, key_columns, decimals)
