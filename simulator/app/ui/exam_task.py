"""One exam task: its text, the shared answer inputs, and a save to the store on every change.

Each card is an ``st.fragment``. An input's ``on_change`` only marks the task as changed; the card's
run then builds the raw answer with :func:`simulator.app.ui.answer_forms.answer_inputs` and stores it with
:func:`simulator.service.exams.save_answer`. 已保存 with the time is shown only after the store committed it;
until then the browser shows 正在保存… (:mod:`simulator.app.ui.exam_saving`). An answer in the inputs that
differs from the last acknowledged one (a save that failed, or one lost with a dropped connection) is
saved again on the card's next run; a failing store is retried a few times before the card says so.
The server refuses a save after the deadline or hand-in; the card then says so and the page locks.
Nothing here grades: no key is computed or kept for the trainee.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import pandas as pd
import streamlit as st

from simulator import tasks as registry
from simulator.app.ui import (
    exam_clock,
    exam_restore,
    exam_saving,
    exam_session,
    session,
)
from simulator.app.ui.answer_forms import Collected, FormContext, answer_inputs
from simulator.app.ui.widgets import fmt_points, guard, md_escape, render_msg
from simulator.assessment.scenario import Scenario, TaskSpec
from simulator.assessment.tasksheet import task_text, task_title
from simulator.core.i18n import t
from simulator.service import exams

log = logging.getLogger("simulator.app.ui")
NS = "exam"
RETRY_DELAYS = (0.2, 0.6)
"""Seconds to wait before the second and third try of a save the store failed (not a refusal)."""


@dataclass(frozen=True)
class Sitting:
    """What every card of one attempt needs (server-side objects; never stored in the session)."""

    code: str
    trainee_id: str
    scenario: Scenario
    frames: Mapping[str, pd.DataFrame]
    locked: bool
    lang: str
    tz: tzinfo

    def key(self, *parts: object) -> str:
        """A session key of this attempt: ``exam.<part>.<code>.<trainee>…``."""
        return session.key(NS, parts[0], self.code, self.trainee_id, *parts[1:])


def form_context(sit: Sitting, task: TaskSpec, initial: Any = None) -> FormContext:
    """The inputs' context: keys ``exam.ans.<code>.<trainee>.<task>…``, saving on change."""
    params = registry.get(task.kind).Params(**task.params)
    return FormContext(
        task,
        params,
        sit.frames,
        sit.lang,
        sit.key("ans", task.id),
        disabled=sit.locked,
        on_change=lambda: session.put(sit.key("dirty", task.id), True),
        scenario=sit.scenario,
        trainee_id=sit.trainee_id,
        initial=initial,
    )


def saved_key(sit: Sitting, task_id: str) -> str:
    """Session key of the last acknowledged save time of a task (a datetime, nothing else)."""
    return sit.key("saved", task_id)


def _header(task: TaskSpec, lang: str) -> None:
    st.markdown(f"#### {md_escape(task.id)}. {md_escape(task_title(task, lang))}")
    st.caption(
        t(
            "ui.task.meta",
            lang,
            points=fmt_points(task.points),
            kind=t(f"ui.kind.{task.kind}", lang),
            skills=", ".join(task.skills),
        )
    )
    with guard("ui.error.task_text"):
        st.markdown(md_escape(task_text(task, lang)))


def _refused(sit: Sitting, fc: FormContext, exc: exams.ExamError) -> None:
    """A save the server refused: say why; when time is up, drop the unsaved input and lock the page."""
    st.error(render_msg(exc.message, sit.lang), icon=":material/lock_clock:")
    if isinstance(exc, exams.ExamClosed):
        session.drop_prefix(fc.prefix + ".")
        exam_session.notice("exam.page.late_refused")
        st.rerun(scope="app")


def fingerprint(raw: Any) -> str:
    """A short digest of an answer as entered, to tell whether it is the acknowledged one.

    >>> fingerprint("3.45%") == fingerprint("3.45%") != fingerprint("3.46%")
    True
    >>> fingerprint({"b": "1", "a": ("x",)}) == fingerprint({"a": ["x"], "b": "1"})
    True
    """
    if isinstance(raw, bytes):
        data = raw
    else:  # as the store keeps it (JSON), so a restored answer matches the one typed
        data = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def unsaved(sit: Sitting, task_id: str, collected: Collected, stored: exams.SavedAnswer | None) -> bool:
    """The inputs hold an answer that is not the last acknowledged one (this session's, else the store's)."""
    if collected.raw is None or collected.problem is not None:
        return False
    acked = session.get(sit.key("acked", task_id))
    if acked is None and stored is not None:
        acked = fingerprint(stored.file_bytes if stored.file_bytes is not None else stored.value)
    return fingerprint(collected.raw) != acked


def _store(sit: Sitting, fc: FormContext, collected: Collected) -> exams.SavedAck:
    """:func:`simulator.service.exams.save_answer`, tried again after a failure of the store (not a refusal)."""
    raw = collected.raw
    for delay in (*RETRY_DELAYS, None):
        try:
            return exams.save_answer(sit.code, sit.trainee_id, fc.task.id, raw, exam_clock.now(),
                                     filename=collected.filename if isinstance(raw, bytes) else None)
        except exams.ExamError:
            raise
        except Exception:
            if delay is None:
                raise
            log.warning("saving %s/%s/%s failed; trying again", sit.code, sit.trainee_id, fc.task.id)
            time.sleep(delay)
    raise AssertionError("unreachable")


def save(sit: Sitting, fc: FormContext, collected: Collected) -> datetime | None:
    """Stores the entered answer; returns the acknowledged save time, or None when not saved."""
    if collected.problem is not None:
        st.warning(t("exam.page.not_saved_fix", sit.lang), icon=":material/warning:")
        return None
    raw = collected.raw
    try:
        ack = _store(sit, fc, collected)
    except exams.ExamError as exc:
        _refused(sit, fc, exc)
        return None
    except Exception:  # noqa: BLE001 - the trainee must know the answer is not stored yet
        log.exception("saving %s/%s/%s failed", sit.code, sit.trainee_id, fc.task.id)
        session.put(sit.key("dirty", fc.task.id), True)
        st.error(t("exam.page.save_failed", sit.lang), icon=":material/sync_problem:")
        st.button(t("exam.page.retry_save", sit.lang), key=sit.key("retry", fc.task.id), icon=":material/refresh:")
        return None
    session.put(saved_key(sit, fc.task.id), ack.saved_at)
    session.put(sit.key("acked", fc.task.id), fingerprint(raw))
    session.put(sit.key("file", fc.task.id), collected.filename if isinstance(raw, bytes) else None)
    return ack.saved_at


def _saved_line(sit: Sitting, task_id: str, stored: exams.SavedAnswer | None, filename: str | None) -> None:
    """✓ 已保存 09:42:07 (and the stored file's name for a table answer)."""
    times = [w for w in (session.get(saved_key(sit, task_id)), stored.saved_at if stored else None) if w]
    if not times:
        st.caption(t("exam.page.not_answered", sit.lang))
        return
    text = t("exam.page.saved", sit.lang, time=exam_clock.clock_text(max(times), sit.tz))
    if filename:
        text += " · " + t("exam.page.saved_file", sit.lang, name=filename)
    st.markdown(f":green[:material/check_circle: {md_escape(text)}]")


def _file_name(sit: Sitting, fc: FormContext, stored: exams.SavedAnswer | None) -> str | None:
    """The name of the stored table for an upload task: this session's last save, else the store's."""
    if not exam_restore.is_upload(fc):
        return None
    acked = sit.key("file", fc.task.id)
    if acked in st.session_state:
        return session.get(acked)
    return stored.filename if stored is not None else None


@st.fragment
def task_card(sit: Sitting, task: TaskSpec, stored: exams.SavedAnswer | None) -> None:
    """The card of one task; reruns on its own when an input changes, saving the new answer."""
    with st.container(border=True, key=sit.key("card", task.id)):
        _header(task, sit.lang)
        initial = stored.value if stored is not None and stored.file_bytes is None else None
        fc = form_context(sit, task, initial)
        collected = None
        with guard("ui.error.inputs"):
            collected = answer_inputs(fc)
        if collected is None:
            return
        dirty = st.session_state.pop(sit.key("dirty", task.id), False)
        if dirty or (not sit.locked and unsaved(sit, task.id, collected, stored)):
            save(sit, fc, collected)
        with st.container(key=exam_saving.status_key(sit.key("card", task.id))):
            _saved_line(sit, task.id, stored, _file_name(sit, fc, stored))
