"""练习 Practice page: pick a scenario, identify, read the task sheet, explore and download the data,
answer, check, retry; the best score per task is kept in the store.

Run by the router (:mod:`simulator.app.ui`); ``render()`` draws the page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from simulator.app.ui import catalog, picker, session
from simulator.app.ui.widgets import fmt_points, guard, md_escape, status_label
from simulator.assessment.datasets import generate_datasets
from simulator.assessment.grading import answer_key
from simulator.assessment.scenario import Scenario, ScenarioError
from simulator.assessment.tasksheet import dataset_lines, task_title
from simulator.core import standard
from simulator.core.i18n import t

log = logging.getLogger("simulator.app.ui")
NS = "practice"
VIEWS = ("tasks", "data", "progress")


def load_chosen(entry: catalog.Entry, lang: str) -> Scenario | None:
    """The chosen scenario, validated; a broken file is a plain message for the trainee."""
    try:
        return entry.load()
    except ScenarioError as exc:
        log.warning("scenario %s does not load: %s", entry.path, exc)
    except Exception:  # noqa: BLE001 - a plain message instead of a traceback
        log.exception("scenario %s does not load", entry.path)
    st.error(t("ui.error.scenario_file", lang), icon=":material/warning:")
    return None


def load_frames(scenario: Scenario, trainee_id: str, lang: str) -> Mapping[str, pd.DataFrame] | None:
    """The trainee's datasets (made once, then cached by the engine), with the key warmed for fast checks."""
    try:
        with st.spinner(t("ui.practice.generating", lang)):
            frames = generate_datasets(scenario, trainee_id)
            answer_key(scenario, trainee_id)  # computed and cached server-side only; never kept here
        return frames
    except ScenarioError:
        log.exception("scenario %s has a data problem", scenario.id)
        st.error(t("ui.error.scenario_data", lang), icon=":material/warning:")
    except Exception:  # noqa: BLE001 - a plain message instead of a traceback
        log.exception("could not make data for %s", scenario.id)
        st.error(t("ui.error.generate", lang), icon=":material/warning:")
    return None


def sheet_header(scenario: Scenario, frames: Mapping[str, pd.DataFrame], lang: str) -> None:
    """Title, level and direction, the 百分制 rule, the context and the data description."""
    level = catalog.level_label(scenario.level, lang)
    direction = catalog.direction_label(scenario.direction, lang)
    st.subheader(md_escape(scenario.title.get(lang)), anchor=False)
    st.caption(t("ui.sheet.meta", lang, level=level, direction=direction, n=len(scenario.tasks),
                 pass_mark=fmt_points(scenario.pass_mark)))
    with st.expander(t("sheet.context", lang), expanded=True, icon=":material/business_center:"):
        st.markdown(md_escape(scenario.context.get(lang)))
    with st.expander(t("sheet.data", lang), icon=":material/table_chart:"), guard():
        st.markdown("\n".join(dataset_lines(dict(frames), lang)))
        st.caption(t("ui.sheet.data_note", lang))


def progress_table(scenario: Scenario, trainee_id: str, lang: str) -> tuple[pd.DataFrame, float]:
    """One row per task with best score and checks; and the best total out of 100."""
    from simulator.app.ui.task_card import saved_progress

    saved = saved_progress(scenario.id, trainee_id)
    rows, earned = [], 0.0
    for task in scenario.tasks:
        record = saved.get(task.id)
        best = record.best_score if record else 0.0
        earned += best
        rows.append({t("ui.progress.task", lang): f"{task.id}. {task_title(task, lang)}",
                     t("ui.progress.points", lang): fmt_points(task.points),
                     t("ui.progress.best", lang): fmt_points(best),
                     t("ui.progress.checks", lang): record.attempts if record else 0,
                     t("ui.progress.last", lang): status_label(record.last_status, lang)
                     if record and record.last_status else "—"})
    total = round(100 * earned / scenario.total_points, 1) if scenario.total_points else 0.0
    return pd.DataFrame(rows), total


def progress_view(scenario: Scenario, trainee_id: str, lang: str) -> None:
    from simulator.app.ui.task_card import saved_progress

    table, total = progress_table(scenario, trainee_id, lang)
    done = sum(1 for v in saved_progress(scenario.id, trainee_id).values() if v.best_score >= v.max_score > 0)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("ui.progress.total", lang), f"{fmt_points(total)} / 100")
    c2.metric(t("ui.progress.done", lang), f"{done} / {len(scenario.tasks)}")
    passed = "ui.answer.yes" if total >= scenario.pass_mark else "ui.answer.no"
    c3.metric(t("ui.progress.pass", lang), t(passed, lang))
    st.dataframe(table, hide_index=True)
    st.caption(t("ui.progress.note", lang))


def tasks_view(scenario: Scenario, trainee_id: str, frames: Mapping[str, pd.DataFrame], lang: str) -> None:
    from simulator.app.ui.task_card import task_card  # views load their modules when first shown

    sheet_header(scenario, frames, lang)
    st.caption(t("ui.task.how", lang))
    for task in scenario.tasks:
        with guard("ui.error.task"):
            task_card(scenario, trainee_id, task, frames)


def render() -> None:
    """The practice page."""
    lang = session.lang()
    st.title(t("ui.practice.title", lang), anchor=False)
    st.caption(t("ui.practice.intro", lang, levels=" / ".join(standard.LEVELS)))
    entries = []
    with guard("ui.error.catalog"):
        entries = catalog.practice_entries()
    if not entries:
        st.info(t("ui.pick.no_scenarios", lang), icon=":material/folder_open:")
        return
    entry = picker.pick_scenario(entries, lang)
    who = picker.identify(lang)
    if session.get(picker.STORE_WARNING):
        st.warning(t("ui.error.store", lang), icon=":material/warning:")
    if entry is None or who is None:
        return
    scenario = load_chosen(entry, lang)
    frames = load_frames(scenario, who.id, lang) if scenario is not None else None
    if scenario is None or frames is None:
        return
    view = st.segmented_control(t("ui.view.label", lang), VIEWS, key=session.key(NS, "view"), required=True,
                                default="tasks", format_func=lambda v: t(f"ui.view.{v}", lang),
                                label_visibility="collapsed")
    if view == "data":
        from simulator.app.ui import explore

        explore.render(scenario, who.id, frames, lang)
    elif view == "progress":
        progress_view(scenario, who.id, lang)
    else:
        tasks_view(scenario, who.id, frames, lang)


if __name__ == "__main__":
    render()
