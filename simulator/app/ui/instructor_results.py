"""成绩 Results: score distribution, item analysis, mastery per skill code, each trainee's answers with
feedback, and the gradebook as CSV (UTF-8 with BOM, formula-safe) and XLSX.

Attempts are graded in the background when handed in or when their time runs out; this section only
reads stored grades (a finished attempt not graded yet shows 评分中 and is queued). Marks still waiting
for raters are labelled 待评分 and keep 是否通过 open; mastery leaves them out and shows them apart.
Feedback is shown in the reader's language; times on screen are in the browser's zone (labelled), the
downloads keep UTC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from simulator.app.ui import (
    catalog,
    exam_clock,
    session,
)
from simulator.app.ui.explore import safe_name
from simulator.app.ui.instructor_exams import browser_zone
from simulator.app.ui.widgets import fmt_points, md_escape, status_box, status_label
from simulator.core.i18n import t
from simulator.service import exam_admin, exam_grading, exams, gradebook
from simulator.service.gradebook import GradebookRow, TaskInfo

NS = "instructor"


def gradebook_files(rows: Sequence[GradebookRow], tasks: Sequence[TaskInfo], lang: str) -> dict[str, bytes]:
    """``{"csv": …, "xlsx": …}``: the gradebook with headers in ``lang``."""
    return {
        "csv": gradebook.to_csv_bytes(rows, tasks, lang),
        "xlsx": gradebook.to_xlsx_bytes(rows, tasks, lang),
    }


def summary(rows: Sequence[GradebookRow], lang: str) -> None:
    done = gradebook.graded(rows)
    totals = [r.total or 0.0 for r in done]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("instructor.results.graded", lang), f"{len(done)} / {len(rows)}")
    c2.metric(t("instructor.results.mean", lang), fmt_points(sum(totals) / len(totals)) if totals else "—")
    passed = sum(1 for r in done if r.passed)
    c3.metric(t("instructor.results.pass_rate", lang), f"{100 * passed / len(done):.0f}%" if done else "—")
    c4.metric(t("instructor.results.pending", lang), sum(1 for r in done if r.pending_manual))
    waiting = sum(1 for r in rows if r.total is None and r.status in gradebook.FINISHED)
    if waiting:
        st.info(t("instructor.results.still_grading", lang, n=waiting), icon=":material/hourglass_top:")
    if any(r.pending_manual for r in done):
        st.caption(t("instructor.results.provisional_note", lang))


def distribution_chart(rows: Sequence[GradebookRow], lang: str) -> go.Figure:
    """Bars of totals in 10-point bins, the pass mark marked."""
    bins = gradebook.score_distribution(rows)
    fig = go.Figure(
        go.Bar(
            x=[f"{lo:g}–{hi:g}" for lo, hi, _ in bins],
            y=[n for *_, n in bins],
            marker_color=["#cf1322" if hi <= gradebook.PASS_MARK else "#1668dc" for _, hi, _ in bins],
        )
    )
    fig.update_layout(
        title=t("instructor.results.distribution", lang),
        height=320,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title=t("gradebook.col.total", lang),
        yaxis_title=t("instructor.results.count", lang),
    )
    return fig


def item_table(rows: Sequence[GradebookRow], tasks: Sequence[TaskInfo], lang: str) -> pd.DataFrame:
    """Per task: kind, points, mean, share with full marks, discrimination index (upper − lower 27 %)."""
    points = {task.id: task for task in tasks}

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{100 * x:.0f}%"

    return pd.DataFrame(
        [
            {
                t("ui.progress.task", lang): s.task_id,
                t("instructor.col.kind", lang): t(f"ui.kind.{points[s.task_id].kind}", lang),
                t("ui.progress.points", lang): fmt_points(points[s.task_id].points),
                t("instructor.results.n", lang): s.n,
                t("instructor.results.mean", lang): "—" if s.mean is None else fmt_points(s.mean),
                t("instructor.results.share_correct", lang): pct(s.share_correct),
                t("instructor.results.discrimination", lang): "—"
                if s.discrimination is None
                else f"{s.discrimination:.2f}",
            }
            for s in gradebook.item_analysis(rows, tasks)
        ]
    )


def skill_name(code: str, lang: str) -> str:
    """``"L3/6.1.4 完成A/B测试"`` in zh, ``"L3/6.1.4 Run an A/B test"`` in en."""
    from simulator.core.standard import SKILLS_EN

    if lang == "en" and code in SKILLS_EN:
        return f"{code} {SKILLS_EN[code]}"
    return catalog.skill_label(code)


def mastery_chart(rows: Sequence[GradebookRow], tasks: Sequence[TaskInfo], lang: str) -> go.Figure | None:
    """Share of settled points earned per skill; points still waiting for raters drawn apart (grey)."""
    mastery = gradebook.skill_mastery(rows, tasks)
    waiting = gradebook.skill_pending(rows, tasks)
    codes = sorted(set(mastery) | {c for c, v in waiting.items() if v > 0})
    if not codes:
        return None
    labels = [skill_name(code, lang) for code in codes]
    settled_share = [1 - waiting.get(c, 0.0) for c in codes]
    fig = go.Figure()
    fig.add_bar(
        x=[100 * mastery.get(c, 0.0) * share for c, share in zip(codes, settled_share, strict=True)],
        y=labels,
        orientation="h",
        name=t("instructor.results.earned", lang),
        text=[f"{100 * mastery[c]:.0f}%" if c in mastery else "" for c in codes],
        marker_color="#1668dc",
    )
    if any(waiting.get(c, 0.0) > 0 for c in codes):
        fig.add_bar(
            x=[100 * waiting.get(c, 0.0) for c in codes],
            y=labels,
            orientation="h",
            base=[100 * s for s in settled_share],
            name=t("gradebook.pending", lang),
            text=[f"{t('gradebook.pending', lang)} {100 * waiting[c]:.0f}%" if waiting.get(c) else "" for c in codes],
            marker_color="#bfbfbf",
        )
    fig.update_layout(
        title=t("instructor.results.mastery", lang),
        height=140 + 32 * len(codes),
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(range=[0, 100], ticksuffix="%"),
        yaxis=dict(autorange="reversed"),
        barmode="overlay",
        showlegend=any(waiting.get(c, 0.0) > 0 for c in codes),
    )
    return fig


def downloads(code: str, rows: Sequence[GradebookRow], tasks: Sequence[TaskInfo], lang: str) -> None:
    """CSV and XLSX buttons; each file is made when its button is clicked (the page does not wait)."""
    stem = f"gradebook-{safe_name(code)}"
    rows, tasks = list(rows), list(tasks)
    left, right = st.columns(2)
    left.download_button(
        t("instructor.results.csv", lang),
        data=lambda: gradebook.to_csv_bytes(rows, tasks, lang),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=session.key(NS, "dl_csv"),
        icon=":material/download:",
    )
    right.download_button(
        t("instructor.results.xlsx", lang),
        data=lambda: gradebook.to_xlsx_bytes(rows, tasks, lang),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=session.key(NS, "dl_xlsx"),
        icon=":material/download:",
    )


def display_frame(headers: list[str], records: list[list[object]]) -> pd.DataFrame:
    """The gradebook for the screen: a column mixing numbers and labels (待评分) is shown as text."""
    frame = pd.DataFrame(records, columns=headers)
    for column in frame.columns:
        values = [v for v in frame[column] if v is not None]
        if any(isinstance(v, str) for v in values) and any(isinstance(v, int | float) for v in values):
            frame[column] = [
                "" if v is None else (fmt_points(v) if isinstance(v, int | float) else str(v)) for v in frame[column]
            ]
    return frame


def answer_text(answer: exams.SavedAnswer | None, lang: str) -> str:
    """A stored answer as the instructor reads it (a file by its name)."""
    if answer is None or (answer.file_bytes is None and answer.value in (None, "")):
        return t("instructor.results.no_answer", lang)
    if answer.file_bytes is not None:
        return t(
            "instructor.results.file",
            lang,
            name=answer.filename or "upload",
            kb=len(answer.file_bytes) // 1024,
        )
    value = answer.value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def instructor_feedback(grade: gradebook.TaskGrade, lang: str) -> str:
    """The feedback in ``lang``, with trainee-worded notes (已收到你的作答…) in the instructor's words."""
    from simulator.core.i18n import Msg, has

    if not grade.feedback_msgs:
        return grade.feedback
    lines = []
    for m in grade.feedback_msgs:
        own = f"instructor.feedback.{m.key}"
        lines.append(Msg(own, m.args).render(lang) if has(own) else m.render(lang))
    return "\n".join(lines)


def trainee_detail(code: str, row: GradebookRow, tasks: Sequence[TaskInfo], lang: str) -> None:
    """Each task: the trainee's answer as submitted, score, status and feedback; raters' marks if any."""
    saved = exams.saved_answers(code, row.trainee_id)
    for task in tasks:
        grade = row.tasks.get(task.id)
        with st.container(border=True):
            st.markdown(f"**{md_escape(task.id)}** · {t(f'ui.kind.{task.kind}', lang)}")
            answer = saved.get(task.id)
            st.code(answer_text(answer, lang), language=None, wrap_lines=True)
            if answer is not None and answer.file_bytes is not None:
                st.download_button(
                    t("instructor.results.download_file", lang),
                    data=answer.file_bytes,
                    file_name=answer.filename or "upload",
                    key=session.key(NS, "file", row.trainee_id, task.id),
                )
            if grade is None:
                st.caption(t("instructor.results.not_graded", lang))
                continue
            head = t(
                "ui.result.headline",
                lang,
                status=status_label(grade.status, lang),
                score=fmt_points(grade.score),
                max=fmt_points(grade.max_score),
            )
            feedback = instructor_feedback(grade, lang)
            status_box(grade.status, head + (f"\n\n{md_escape(feedback)}" if feedback else ""))
            if grade.manual is not None and grade.manual.scores:
                st.caption(
                    t(
                        "instructor.grading.raters_line",
                        lang,
                        scores=", ".join(f"{r}: {fmt_points(s)}" for r, s in grade.manual.scores.items()),
                    )
                )


def render(exam: exams.ExamInfo, lang: str) -> None:
    """The results section of one exam."""
    rows = exam_admin.results(exam.code, exam_clock.now())
    if any(r.total is None and r.status in gradebook.FINISHED for r in rows):
        exam_grading.grade_due_soon(exam_clock.now(), code=exam.code)  # queued; this page does not wait
    tasks = list(exam.tasks)
    summary(rows, lang)
    left, right = st.columns(2)
    left.plotly_chart(distribution_chart(rows, lang), key=session.key(NS, "dist"), config={"displayModeBar": False})
    mastery = mastery_chart(rows, tasks, lang)
    if mastery is not None:
        right.plotly_chart(mastery, key=session.key(NS, "mastery"), config={"displayModeBar": False})
    st.markdown(f"**{t('instructor.results.items', lang)}**")
    st.dataframe(item_table(rows, tasks, lang), hide_index=True)
    st.caption(t("instructor.results.items_note", lang))
    st.markdown(f"**{t('instructor.results.gradebook', lang)}**")
    headers, records = gradebook.table(rows, tasks, lang, browser_zone())
    st.dataframe(display_frame(headers, records), hide_index=True)
    downloads(exam.code, rows, tasks, lang)
    by_id = {r.trainee_id: r for r in rows if r.status != "not_started"}
    if by_id:
        who = st.selectbox(
            t("instructor.results.trainee", lang),
            list(by_id),
            key=session.key(NS, "detail"),
            format_func=lambda i: f"{i} {by_id[i].name}".strip(),
        )
        if who:
            trainee_detail(exam.code, by_id[who], tasks, lang)
