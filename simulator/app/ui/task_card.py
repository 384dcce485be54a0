"""One practice task: its text, the answer inputs, 检查 (check), the result and the best score so far.

Each card is an ``st.fragment``: typing, uploading and checking rerun only that card. Grading happens on
the server with :func:`simulator.assessment.grading.grade_detailed`; only the resulting ``TaskResult`` (status,
points, feedback, wrong-cell positions) is kept in the session, never the key. Each check replaces the
card's one feedback box, and the answer and result are saved in the store: after a reload the card
shows the last answer typed and the last feedback again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
import streamlit as st

from simulator import tasks as registry
from simulator.app.ui import exam_restore, progress, results, session
from simulator.app.ui.answer_forms import Collected, FormContext, answer_inputs, task_form
from simulator.app.ui.widgets import fmt_points, guard, md_escape
from simulator.assessment.grading import TaskResult, grade_detailed
from simulator.assessment.scenario import Scenario, TaskSpec
from simulator.assessment.tasksheet import task_text, task_title
from simulator.core import forms
from simulator.core.i18n import t

log = logging.getLogger("simulator.app.ui")
NS = "practice"
SLOW_CHECK_SECONDS = 0.3
KEPT_DETAILS = ("wrong_cells", "missing_columns", "wrong_fields")
"""The only grading details kept in the session: positions and names, never values or rubrics."""


def result_key(scenario_id: str, trainee_id: str, task_id: str) -> str:
    return session.key(NS, "result", scenario_id, trainee_id, task_id)


def progress_key(scenario_id: str, trainee_id: str) -> str:
    return session.key(NS, "progress", scenario_id, trainee_id)


def saved_progress(scenario_id: str, trainee_id: str) -> dict[str, progress.TaskProgress]:
    """The trainee's progress on a scenario, read from the store once per session."""
    name = progress_key(scenario_id, trainee_id)
    if name not in st.session_state:
        try:
            st.session_state[name] = progress.load_progress(trainee_id, scenario_id)
        except Exception:  # noqa: BLE001 - practice goes on without saved progress
            log.exception("could not read practice progress")
            st.session_state[name] = {}
    return st.session_state[name]


def check(scenario: Scenario, trainee_id: str, task: TaskSpec, raw: object, lang: str) -> TaskResult:
    """Grades one answer on the server (the key never leaves this function)."""
    started = time.perf_counter()
    graded = grade_detailed(scenario, trainee_id, {task.id: raw}, lang=lang)
    elapsed = time.perf_counter() - started
    if elapsed > SLOW_CHECK_SECONDS:
        log.warning("check of %s/%s took %.0f ms", scenario.id, task.id, elapsed * 1000)
    result = next(r for r in graded.tasks if r.id == task.id)
    return replace(result, details={k: result.details[k] for k in KEPT_DETAILS if k in result.details})


def _record(scenario: Scenario, trainee_id: str, result: TaskResult, collected: Collected) -> None:
    saved = saved_progress(scenario.id, trainee_id)
    try:
        saved[result.id] = progress.record_check(trainee_id, scenario.id, result, raw=collected.raw,
                                                 filename=collected.filename)
    except Exception:  # noqa: BLE001 - the check result is still shown
        log.exception("could not save practice progress")
        old = saved.get(result.id)
        best = max(result.score, old.best_score if old else 0.0)
        tries = (old.attempts if old else 0) + (result.status != "invalid")
        saved[result.id] = progress.TaskProgress(result.id, best, result.max_score, tries, result.status)
        st.warning(t("ui.error.store", session.lang()), icon=":material/warning:")


def dirty_key(scenario_id: str, trainee_id: str, task_id: str) -> str:
    return session.key(NS, "dirty", scenario_id, trainee_id, task_id)


def _save_draft(scenario: Scenario, trainee_id: str, task: TaskSpec, collected: Collected) -> None:
    """An answer typed but not checked yet is kept too, so a reload shows it (a failure only logs)."""
    try:
        progress.save_draft(trainee_id, scenario.id, task.id, float(task.points), collected.raw)
    except Exception:  # noqa: BLE001 - typing goes on without the draft being kept
        log.exception("could not save a practice draft")


def restore_last(scenario: Scenario, trainee_id: str, fc: FormContext) -> FormContext:
    """On a card's first draw in a session: the last checked answer into its inputs, its result back.

    Returns the context the inputs are drawn with (grids start from the saved answer).
    """
    saved = saved_progress(scenario.id, trainee_id).get(fc.task.id)
    if saved is None:
        return fc
    flag = session.key(NS, "restored", scenario.id, trainee_id, fc.task.id)
    if flag not in st.session_state:
        st.session_state[flag] = True
        if saved.last_answer is not None:
            exam_restore.restore(fc, saved.last_answer)
        rkey = result_key(scenario.id, trainee_id, fc.task.id)
        if saved.last_result is not None and rkey not in st.session_state:
            st.session_state[rkey] = saved.last_result
    return replace(fc, initial=saved.last_answer) if saved.last_answer is not None else fc


def _last_file(scenario: Scenario, trainee_id: str, task_id: str, collected: Collected, lang: str) -> None:
    """Under an empty uploader: the name of the file the shown feedback is about."""
    saved = saved_progress(scenario.id, trainee_id).get(task_id)
    if collected.filename is None and saved is not None and saved.last_filename:
        st.caption(t("ui.task.last_file", lang, name=saved.last_filename))


def table_keys(upload: forms.Upload | None) -> list[str] | None:
    """The columns that identify a row of a table answer (from the form's upload field), if any."""
    return list(upload.key_columns) if upload is not None and upload.key_columns else None


def table_decimals(upload: forms.Upload | None) -> dict[str, int]:
    """Column → decimals the task asks for (the form's upload field), for showing its numbers."""
    return dict(upload.precision) if upload is not None else {}


def _header(task: TaskSpec, lang: str) -> None:
    st.markdown(f"#### {md_escape(task.id)}. {md_escape(task_title(task, lang))}")
    st.caption(t("ui.task.meta", lang, points=fmt_points(task.points), kind=t(f"ui.kind.{task.kind}", lang),
                 skills=", ".join(task.skills)))
    with guard("ui.error.task_text"):
        st.markdown(md_escape(task_text(task, lang)))


def _best_line(saved: progress.TaskProgress | None, lang: str) -> None:
    if saved is not None and saved.attempts:
        st.caption(t("ui.task.best", lang, best=fmt_points(saved.best_score), max=fmt_points(saved.max_score),
                     n=saved.attempts))


@st.fragment
def task_card(scenario: Scenario, trainee_id: str, task: TaskSpec,
              frames: Mapping[str, pd.DataFrame]) -> None:
    """The card of one task (rerun on its own when its inputs change)."""
    lang = session.lang()
    with st.container(border=True):
        _header(task, lang)
        params = registry.get(task.kind).Params(**task.params)
        dirty = dirty_key(scenario.id, trainee_id, task.id)
        fc = FormContext(task, params, frames, lang, session.key(NS, "ans", scenario.id, task.id),
                         scenario=scenario, trainee_id=trainee_id,
                         on_change=lambda: st.session_state.__setitem__(dirty, True))
        with guard("ui.error.inputs"):
            fc = restore_last(scenario, trainee_id, fc)
        collected = None
        with guard("ui.error.inputs"):
            collected = answer_inputs(fc)
        if collected is None:
            return
        if st.session_state.pop(dirty, False):
            _save_draft(scenario, trainee_id, task, collected)
        rkey = result_key(scenario.id, trainee_id, task.id)
        if st.button(t("ui.answer.check", lang), key=session.key(NS, "check", scenario.id, task.id),
                     type="primary", icon=":material/fact_check:"):
            st.session_state.pop(rkey, None)  # one feedback box: this check's, never an older one
            if collected.raw is None:
                why = "ui.answer.empty" if collected.problem is None else "ui.answer.fix_upload"
                st.warning(t(why, lang))
            else:
                with guard("ui.error.check"):
                    st.session_state[rkey] = check(scenario, trainee_id, task, collected.raw, lang)
                    _record(scenario, trainee_id, st.session_state[rkey], collected)
        _last_file(scenario, trainee_id, task.id, collected, lang)
        result = st.session_state.get(rkey)
        if result is not None:
            upload = task_form(fc).upload
            results.show(result, lang, collected.table, key_columns=table_keys(upload),
                         decimals=table_decimals(upload))
        _best_line(saved_progress(scenario.id, trainee_id).get(task.id), lang)
