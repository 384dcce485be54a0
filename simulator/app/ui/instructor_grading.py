"""人工评分 Manual grading of rater-graded (written) answers and 重新评分 regrading after a scenario fix.

Each written answer is marked against the task's rubric by three or more raters (an odd number, as the
national assessments require), each signed in with their own account (:mod:`simulator.service.raters`); a mark
is signed with the session's rater, and a rater may correct or withdraw only their own (the audit trail
keeps every step). The final score is the median. A spread of more than :data:`LARGE_SPREAD_SHARE` of
the task's points is highlighted for discussion. A further mark that would make a settled (odd) number
of raters even asks for confirmation first.

Regrading offers only versions of the exam's own scenario, previews the differences (tasks added,
removed or changed; every trainee whose total moves) before anything changes, asks for the removed or
changed tasks by name, and can be undone in one step.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from simulator import tasks as registry
from simulator.app.ui import (
    exam_clock,
    exam_session,
    instructor_auth,
    session,
)
from simulator.app.ui.answer_forms import declared_form
from simulator.app.ui.instructor_authoring import shipped_scenarios
from simulator.app.ui.widgets import fmt_points, md_escape, render_msg, status_label
from simulator.assessment.scenario import TaskSpec
from simulator.assessment.tasksheet import task_title
from simulator.core.i18n import msg, t
from simulator.service import exam_admin, exam_marks, exam_regrade, exams, raters
from simulator.service.gradebook import ManualSummary, TaskGrade
from simulator.service.scenario_source import list_scenario_versions

NS = "instructor"
FINISHED = ("submitted", "timed_out")
LARGE_SPREAD_SHARE = 0.25
"""Raters' spread (highest minus lowest) above this share of the task's points is highlighted."""
FLASH_KEY = session.key(NS, "grading_flash")
PLAN_KEY = session.key(NS, "regrade_plan")


def rubric_lines(task: TaskSpec, lang: str) -> list[str]:
    """``"- 指出点击率偏低(2 分)"`` for each criterion of a free-text task."""
    params = registry.get(task.kind).Params(**task.params)
    return [
        f"- {md_escape(getattr(c.criterion, lang))} ({fmt_points(c.points)})" for c in getattr(params, "rubric", [])
    ]


def large_spread(summary: ManualSummary, points: float) -> bool:
    """True when the raters disagree by more than :data:`LARGE_SPREAD_SHARE` of the task's points."""
    return summary.spread is not None and points > 0 and summary.spread > LARGE_SPREAD_SHARE * points + 1e-9


def rater_name(name: str, lang: str) -> str:
    return t("rater.admin", lang) if name == exam_marks.ADMIN_RATER else name


def summary_frame(summaries: dict[str, ManualSummary], lang: str, points: float = 0.0,
                  names: dict[str, str] | None = None) -> pd.DataFrame:  # fmt: skip
    """One line per trainee: the raters' scores, the final median (odd ≥ 3 raters), the spread and a flag
    when the spread is large (see :func:`large_spread`)."""
    names = names or {}
    return pd.DataFrame(
        [
            {
                t("gradebook.col.trainee_id", lang): tid,
                t("gradebook.col.name", lang): names.get(tid, ""),
                t("instructor.grading.raters", lang): len(s.scores),
                t("instructor.grading.scores", lang): ", ".join(
                    f"{rater_name(r, lang)}: {fmt_points(v)}" for r, v in s.scores.items()
                ),
                t("instructor.grading.final", lang): "—" if s.final is None else fmt_points(s.final),
                t("instructor.grading.spread", lang): "—" if s.spread is None else fmt_points(s.spread),
                t("instructor.grading.discuss", lang): t("instructor.grading.discuss_yes", lang)
                if large_spread(s, points)
                else "",
            }
            for tid, s in summaries.items()
        ]
    )


def _style_spread(frame: pd.DataFrame, lang: str):
    flag = t("instructor.grading.discuss", lang)

    def paint(row: pd.Series) -> list[str]:
        return ["background-color: #fff1b8" if row[flag] else "" for _ in row]

    return frame.style.apply(paint, axis=1)


def _flash(lang: str) -> None:
    note = st.session_state.pop(FLASH_KEY, None)
    if note:
        kind, text = note
        (st.success if kind == "ok" else st.warning)(text)


def _rate_form(code: str, trainee_id: str, task: TaskSpec, who: raters.Identity, summary: ManualSummary,
               lang: str) -> None:  # fmt: skip
    token = session.get(instructor_auth.TOKEN_KEY)
    mine = summary.scores.get(who.signature)
    st.caption(t("instructor.grading.signed_as", lang, name=rater_name(who.signature, lang)))
    unsettles = mine is None and len(summary.scores) >= 3 and len(summary.scores) % 2 == 1
    with st.form(session.key(NS, "rate", code, trainee_id, task.id), clear_on_submit=False):
        score = st.number_input(
            t("instructor.grading.score", lang, max=fmt_points(task.points)),
            min_value=0.0,
            max_value=float(task.points),
            step=0.5,
            value=float(mine) if mine is not None else 0.0,
            key=session.key(NS, "score", trainee_id),
        )
        comment = st.text_input(t("instructor.grading.comment", lang), key=session.key(NS, "comment", trainee_id))
        sure = False
        if unsettles:
            st.warning(render_msg(msg("exam.mark_unfinalises", n=len(summary.scores)), lang))
            sure = st.checkbox(t("instructor.grading.unsettle_ok", lang), key=session.key(NS, "unsettle", trainee_id))
        label = "instructor.grading.correct" if mine is not None else "instructor.grading.submit"
        if st.form_submit_button(t(label, lang), type="primary"):
            try:
                result = raters.mark(token, code, trainee_id, task.id, score, comment, exam_clock.now(),
                                     confirm_unfinalise=sure)  # fmt: skip
            except (exams.ExamError, raters.auth.AuthError) as exc:
                st.error(render_msg(exc.message, lang))
                return
            key = "instructor.grading.final_now" if result.complete else "instructor.grading.need_more"
            session.put(FLASH_KEY, ("ok", t(key, lang, n=len(result.scores), final=fmt_points(result.final or 0))))
            st.rerun()  # the summary above shows the new mark at once
    if mine is not None and st.button(
        t("instructor.grading.withdraw", lang), key=session.key(NS, "withdraw", trainee_id, task.id),
        icon=":material/undo:",
    ):  # fmt: skip
        try:
            raters.withdraw(token, code, trainee_id, task.id, now=exam_clock.now())
        except (exams.ExamError, raters.auth.AuthError) as exc:
            st.error(render_msg(exc.message, lang))
            return
        session.put(FLASH_KEY, ("warn", t("instructor.grading.withdrawn", lang)))
        st.rerun()


def auto_check_line(grade: TaskGrade | None, lang: str) -> str:
    """What the automatic check said about the answer (too short, empty …), in ``lang``."""
    if grade is None:
        return t("instructor.results.not_graded", lang)
    from simulator.app.ui.instructor_results import instructor_feedback

    text = instructor_feedback(grade, lang).strip()
    return t("instructor.grading.auto_check", lang, status=status_label(grade.status, lang), feedback=text or "—")


def _trail(code: str, trainee_id: str, task_id: str, lang: str) -> None:
    entries = exam_marks.mark_log(code, trainee_id, task_id)
    if not entries:
        return
    with st.expander(t("instructor.grading.trail", lang), icon=":material/history:"):
        tz = exam_clock.zone(getattr(st.context, "timezone", None))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("instructor.grading.rater", lang): rater_name(e.rater, lang),
                        t("instructor.grading.action", lang): t(f"instructor.grading.action.{e.action}", lang),
                        t("instructor.regrade.old_score", lang): "—"
                        if e.old_score is None
                        else fmt_points(e.old_score),
                        t("instructor.regrade.new_score", lang): "—"
                        if e.new_score is None
                        else fmt_points(e.new_score),
                        t("instructor.grading.comment", lang): e.comment,
                        zone_header(t("instructor.grading.when", lang), tz): e.at.astimezone(tz).strftime(
                            "%Y-%m-%d %H:%M:%S"
                        ),
                    }
                    for e in entries
                ]
            ),
            hide_index=True,
        )


def zone_header(label: str, tz) -> str:
    """``"时间(Asia/Shanghai)"``: a column of times says which zone its values are in."""
    from simulator.app.ui.instructor_exams import zone_name

    return f"{label} ({zone_name(tz)})"


def manual(exam: exams.ExamInfo, lang: str) -> None:
    """Pick a written task and a trainee, read the answer against the rubric, record a signed score."""
    who = raters.identity(session.get(instructor_auth.TOKEN_KEY), now=exam_clock.now())
    if who is None:
        return
    scenario = exam_session.exam_scenario(exam.code)
    written = [task for task in scenario.tasks if declared_form(task).graded_by == "rater"]
    if not written:
        st.info(t("instructor.grading.none", lang), icon=":material/info:")
        return
    st.caption(t("instructor.grading.rule", lang, share=f"{100 * LARGE_SPREAD_SHARE:.0f}%"))
    by_id = {task.id: task for task in written}
    task_id = st.selectbox(
        t("ui.progress.task", lang),
        list(by_id),
        key=session.key(NS, "grade_task"),
        format_func=lambda i: f"{i}. {task_title(by_id[i], lang)}",
    )
    task = by_id.get(task_id) if task_id else None
    if task is None:
        return
    with st.expander(t("instructor.grading.rubric", lang), expanded=True, icon=":material/checklist:"):
        st.markdown("\n".join(rubric_lines(task, lang)))
    finished = [r for r in exam_admin.roster_status(exam.code, exam_clock.now()) if r.status in FINISHED]
    if not finished:
        st.info(t("instructor.grading.nobody", lang))
        return
    _flash(lang)
    names = {r.trainee_id: r.name for r in finished}
    all_summaries = exam_marks.manual_summaries(exam.code, task.id)
    summaries = {tid: all_summaries[tid] for tid in names if tid in all_summaries}
    st.dataframe(_style_spread(summary_frame(summaries, lang, task.points, names), lang), hide_index=True)
    who_id = st.selectbox(
        t("instructor.results.trainee", lang),
        list(names),
        key=session.key(NS, "grade_who"),
        format_func=lambda i: f"{i} {names.get(i, '')}".strip(),
    )
    if who_id is None:
        return
    answer = exams.saved_answers(exam.code, who_id).get(task.id)
    text = answer.value if answer is not None and isinstance(answer.value, str) else ""
    st.text_area(
        t("instructor.grading.answer", lang),
        value=text or t("instructor.results.no_answer", lang),
        disabled=True,
        height=200,
        key=session.key(NS, "answer_view", who_id, task.id),
    )
    st.caption(auto_check_line(exam_marks.auto_grades(exam.code, task.id).get(who_id), lang))
    summary = summaries.get(who_id) or exam_marks.manual_summary(exam.code, who_id, task.id)
    if large_spread(summary, task.points):
        st.warning(t("instructor.grading.discuss_note", lang, spread=fmt_points(summary.spread or 0)),
                   icon=":material/forum:")  # fmt: skip
    _rate_form(exam.code, who_id, task, who, summary, lang)
    _trail(exam.code, who_id, task.id, lang)


def _fix_sources(exam: exams.ExamInfo) -> dict[str, tuple[str | None, int | None, str]]:
    """The frozen copy, then saved and shipped versions of the exam's own scenario id only."""
    out: dict[str, tuple[str | None, int | None, str]] = {"frozen": (None, None, "")}
    for v in list_scenario_versions():
        if v.scenario_id == exam.scenario_id:
            out[f"saved:{v.scenario_id}@{v.version}"] = (v.scenario_id, v.version, f"{v.scenario_id} v{v.version}")
    for item in shipped_scenarios().values():
        if item.id == exam.scenario_id:
            out[f"file:{item.id}"] = (str(item.path), None, f"{item.id} · {item.title}")
    return out


def changes_frame(changes: Sequence[exam_regrade.GradeChange], lang: str) -> pd.DataFrame:
    def score(x: float | None) -> str:
        return "—" if x is None else fmt_points(x)

    def status(x: str | None) -> str:
        return "—" if x is None else t(f"ui.status.{x}", lang)

    return pd.DataFrame(
        [
            {
                t("gradebook.col.trainee_id", lang): c.trainee_id,
                t("ui.progress.task", lang): c.task_id,
                t("instructor.regrade.old_score", lang): score(c.old_score),
                t("instructor.regrade.new_score", lang): score(c.new_score),
                t("instructor.regrade.old_status", lang): status(c.old_status),
                t("instructor.regrade.new_status", lang): status(c.new_status),
            }
            for c in changes
        ]
    )


def totals_frame(totals: Sequence[exam_regrade.TotalChange], lang: str) -> pd.DataFrame:
    def yes_no(x: bool | None) -> str:
        return "—" if x is None else t("gradebook.yes" if x else "gradebook.no", lang)

    return pd.DataFrame(
        [
            {
                t("gradebook.col.trainee_id", lang): c.trainee_id,
                t("gradebook.col.name", lang): c.name,
                t("instructor.regrade.old_total", lang): "—" if c.old_total is None else fmt_points(c.old_total),
                t("instructor.regrade.new_total", lang): "—" if c.new_total is None else fmt_points(c.new_total),
                t("instructor.regrade.old_passed", lang): yes_no(c.old_passed),
                t("instructor.regrade.new_passed", lang): yes_no(c.new_passed),
            }
            for c in totals
        ]
    )


def _preview(plan: exam_regrade.RegradePlan, lang: str) -> None:
    """The differences a regrade would make, before anything changes."""
    st.markdown(f"**{t('instructor.regrade.preview', lang)}**")
    for key, ids in (
        ("instructor.regrade.tasks_added", plan.added),
        ("instructor.regrade.tasks_removed", plan.removed),
        ("instructor.regrade.tasks_changed", plan.changed),
    ):
        if ids:
            st.markdown(t(key, lang, tasks=", ".join(ids)))
    if not (plan.added or plan.removed or plan.changed):
        st.caption(t("instructor.regrade.same_tasks", lang))
    if plan.totals:
        st.caption(t("instructor.regrade.totals", lang, n=len(plan.totals)))
        st.dataframe(totals_frame(plan.totals, lang), hide_index=True)
    if plan.changes:
        st.dataframe(changes_frame(plan.changes, lang), hide_index=True)
    else:
        st.caption(t("instructor.regrade.no_change", lang))


def _history(exam: exams.ExamInfo, lang: str) -> None:
    records = exam_regrade.regrade_history(exam.code)
    if not records:
        return
    tz = exam_clock.zone(getattr(st.context, "timezone", None))
    st.markdown(f"**{t('instructor.regrade.history', lang)}**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    zone_header(t("instructor.grading.when", lang), tz): r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                    t("instructor.regrade.kind", lang): t(f"instructor.regrade.kind.{r.kind}", lang),
                    t("instructor.regrade.by", lang): rater_name(r.by, lang),
                    t("instructor.regrade.what", lang): " → ".join(
                        f"{x[0]} v{x[1]}" for x in (r.summary.get("from"), r.summary.get("to")) if x
                    ),
                    t("instructor.regrade.undone", lang): t("gradebook.yes", lang) if r.undone_at else "",
                }
                for r in records
            ]
        ),
        hide_index=True,
    )
    if any(r.kind == "regrade" and r.undone_at is None for r in records) and st.button(
        t("instructor.regrade.undo", lang), key=session.key(NS, "regrade_undo"), icon=":material/undo:"
    ):
        try:
            exam_regrade.undo_regrade(exam.code, by=exam_marks.ADMIN_RATER, now=exam_clock.now())
        except exams.ExamError as exc:
            st.error(render_msg(exc.message, lang))
            return
        st.session_state.pop(PLAN_KEY, None)
        session.put(FLASH_KEY, ("ok", t("instructor.regrade.undone_note", lang)))
        st.rerun()


def regrade(exam: exams.ExamInfo, lang: str) -> None:
    """Preview a regrade against a version of the exam's own scenario, confirm, apply; undo."""
    st.caption(t("instructor.regrade.intro", lang))
    _flash(lang)
    sources = _fix_sources(exam)
    pick = st.selectbox(
        t("instructor.regrade.source", lang),
        list(sources),
        key=session.key(NS, "fix_source"),
        format_func=lambda k: sources[k][2] or t("instructor.regrade.frozen", lang),
    )
    ref, version, _ = sources[pick or "frozen"]
    if st.button(
        t("instructor.regrade.check", lang), key=session.key(NS, "regrade_check"), icon=":material/difference:"
    ):
        try:
            with st.spinner(t("instructor.results.grading", lang)):
                plan = exam_regrade.plan_regrade(exam.code, ref, version=version, now=exam_clock.now())
        except exams.ExamError as exc:
            st.error(render_msg(exc.message, lang))
            return
        session.put(PLAN_KEY, (exam.code, pick, plan))
    held = session.get(PLAN_KEY)
    if held is not None and held[:2] == (exam.code, pick):
        plan = held[2]
        _preview(plan, lang)
        sure = st.checkbox(t("instructor.regrade.confirm", lang), key=session.key(NS, "regrade_sure"))
        named = True
        if plan.needs_confirmation:
            named = st.checkbox(
                t("instructor.regrade.confirm_tasks", lang, tasks=", ".join(plan.needs_confirmation)),
                key=session.key(NS, "regrade_named", ",".join(plan.needs_confirmation)),
            )
        if st.button(
            t("instructor.regrade.run", lang),
            key=session.key(NS, "regrade"),
            disabled=not (sure and named),
            type="primary",
            icon=":material/published_with_changes:",
        ):
            confirm = plan.needs_confirmation if named else ()
            try:
                changes = exam_regrade.apply_regrade(plan, confirm, by=exam_marks.ADMIN_RATER, now=exam_clock.now())
            except exams.ExamError as exc:
                st.error(render_msg(exc.message, lang))
                return
            st.session_state.pop(PLAN_KEY, None)
            note = ("ok", t("instructor.regrade.changed", lang, n=len(changes))) if changes else (
                "ok", t("instructor.regrade.no_change", lang))  # fmt: skip
            session.put(FLASH_KEY, note)
            st.rerun()
    _history(exam, lang)
