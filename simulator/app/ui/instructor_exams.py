"""考试 Exams and 监考 Monitoring: create an exam, list exams, release results, watch the roster.

An exam is created from a scenario file (shipped or a class folder) or a saved version, with a
duration (default: the scenario's own, else 100 minutes), an opening window, an optional roster and a
feedback policy. Times are entered in the instructor's browser time zone and stored in UTC.

>>> parse_roster("学号,姓名\\nT001,李雷\\nT002\\n".encode("gbk"), "roster.csv")
{'T001': '李雷', 'T002': ''}
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import pandas as pd
import streamlit as st

from simulator.app.ui import (
    exam_clock,
    session,
)
from simulator.app.ui.instructor_authoring import shipped_scenarios
from simulator.app.ui.widgets import guard, render_msg
from simulator.core.i18n import t
from simulator.service import exam_admin, exam_grading, exams
from simulator.service.scenario_source import list_scenario_versions

NS = "instructor"
EXAM_KEY = session.key(NS, "exam")
HEADER_WORDS = {"id", "trainee_id", "学号", "考生号", "准考证号"}
DEFAULT_MINUTES = 100


def browser_zone() -> tzinfo:
    return exam_clock.zone(getattr(st.context, "timezone", None))


def zone_name(tz: tzinfo) -> str:
    """``"Asia/Shanghai"`` (IANA name when known) or ``"UTC"``: the zone a column's times are in."""
    return str(getattr(tz, "key", None) or tz.tzname(None) or "UTC")


def timed(label: str, tz: tzinfo) -> str:
    """A column header that says its zone: ``"开考时间 (Asia/Shanghai)"``."""
    return f"{label} ({zone_name(tz)})"


def when(value: datetime | None, tz: tzinfo) -> str:
    """``"2025-03-01 09:00"`` in ``tz``; ``"—"`` for none."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-16" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return text
    raise ValueError("roster: not UTF-8, UTF-16 or GBK text")


def parse_roster(data: bytes, filename: str) -> dict[str, str]:
    """``{id: name}`` from a CSV/TXT (``id[,name]`` per line, a header allowed) or an XLSX roster."""
    if filename.lower().endswith(".xlsx"):
        frame = pd.read_excel(io.BytesIO(data), header=None, dtype=str)
        rows = frame.fillna("").astype(str).values.tolist()
    else:
        text = _decode(data)
        first = text.strip().splitlines()[0] if text.strip() else ""
        rows = list(csv.reader(text.splitlines(), dialect="excel-tab" if "\t" in first else "excel"))
    roster: dict[str, str] = {}
    for row in rows:
        cells = [str(c).strip() for c in row if str(c).strip()]
        if cells and cells[0].lower() not in HEADER_WORDS:
            roster[session.clean_id(cells[0])] = cells[1] if len(cells) > 1 else ""
    return roster


def _moment(label: str, day_key: str, tz: tzinfo, lang: str) -> datetime:
    """A date and a time input → an aware datetime in ``tz``."""
    today = exam_clock.now().astimezone(tz)
    c1, c2 = st.columns(2)
    day = c1.date_input(timed(label, tz), value=today.date(), key=session.key(NS, day_key, "day"))
    clock = c2.time_input(
        t("instructor.exams.time", lang),
        value=time(today.hour, 0),
        key=session.key(NS, day_key, "time"),
        step=timedelta(minutes=5),
    )
    return datetime.combine(day if isinstance(day, date) else today.date(), clock, tzinfo=tz)


def _source_options() -> dict[str, tuple[str, int | None, int | None, str]]:
    """Choice key → (reference for create_exam, version, duration, label)."""
    out: dict[str, tuple[str, int | None, int | None, str]] = {}
    for item in shipped_scenarios().values():
        out[f"file:{item.id}"] = (str(item.path), None, item.duration_minutes, f"{item.id} · {item.title}")
    for v in list_scenario_versions():
        out[f"saved:{v.scenario_id}@{v.version}"] = (
            v.scenario_id,
            v.version,
            None,
            f"{v.scenario_id} v{v.version}",
        )
    return out


def _roster_input(lang: str) -> dict[str, str] | None:
    file = st.file_uploader(
        t("instructor.exams.roster", lang),
        type=["csv", "txt", "xlsx"],
        key=session.key(NS, "roster_file"),
        help=t("instructor.exams.roster_help", lang),
    )
    if file is None:
        return None
    try:
        roster = parse_roster(file.getvalue(), file.name)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same plain message
        roster = {}
    if not roster:
        st.error(t("instructor.exams.roster_bad", lang), icon=":material/warning:")
        return None
    st.caption(t("instructor.exams.roster_ok", lang, n=len(roster)))
    return roster


def _window(lang: str) -> tuple[datetime | None, datetime | None]:
    """Opening (``None``: now) and closing (``None``: no closing time) in the browser's time zone."""
    tz = browser_zone()
    opens = closes = None
    if not st.checkbox(t("instructor.exams.open_now", lang), value=True, key=session.key(NS, "open_now")):
        opens = _moment(t("instructor.exams.opens", lang), "opens", tz, lang)
    if st.checkbox(t("instructor.exams.set_close", lang), key=session.key(NS, "set_close")):
        closes = _moment(t("instructor.exams.closes", lang), "closes", tz, lang)
    return opens, closes


def _create(ref: str, version: int | None, settings: dict[str, Any], lang: str) -> None:
    """Creates the exam (``settings``: create_exam's keyword arguments) and shows its code."""
    try:
        info = exam_admin.create_exam(ref, version=version, created_by="instructor", now=exam_clock.now(), **settings)
    except exams.ExamError as exc:
        st.error(render_msg(exc.message, lang))
        return
    session.put(EXAM_KEY, info.code)
    st.success(t("instructor.exams.created", lang, code=info.code), icon=":material/check_circle:")
    st.code(info.code, language=None)


def create_form(lang: str) -> None:
    """Scenario, duration, title, window, roster and feedback policy; shows the exam code once created."""
    sources = _source_options()
    pick = st.selectbox(
        t("instructor.exams.source", lang),
        list(sources),
        key=session.key(NS, "source"),
        format_func=lambda k: sources[k][3],
    )
    if pick is None:
        st.info(t("instructor.exams.no_sources", lang))
        return
    ref, version, duration, _ = sources[pick]
    minutes = st.number_input(
        t("instructor.exams.minutes", lang),
        min_value=1,
        max_value=24 * 60,
        step=5,
        value=duration or DEFAULT_MINUTES,
        key=session.key(NS, "minutes", pick),
    )
    title = st.text_input(t("instructor.exams.title", lang), key=session.key(NS, "exam_title"), max_chars=200)
    opens, closes = _window(lang)
    roster = _roster_input(lang)
    policy = st.radio(
        t("instructor.exams.policy", lang),
        exams.FEEDBACK_POLICIES,
        horizontal=True,
        key=session.key(NS, "policy"),
        format_func=lambda p: t(f"instructor.policy.{p}", lang),
    )
    if st.button(
        t("instructor.exams.create", lang), key=session.key(NS, "create"), type="primary", icon=":material/add_circle:"
    ):
        settings = dict(
            minutes=int(minutes),
            opens_at=opens,
            closes_at=closes,
            roster=roster,
            feedback_policy=policy,
            title=title.strip() or None,
        )
        _create(ref, version, settings, lang)


def exams_table(items: list[exams.ExamInfo], lang: str) -> pd.DataFrame:
    tz = browser_zone()
    return pd.DataFrame(
        [
            {
                t("instructor.col.code", lang): e.code,
                t("instructor.col.title", lang): e.title,
                t("instructor.col.scenario", lang): e.scenario_id,
                t("instructor.col.version", lang): e.scenario_version,
                t("instructor.col.minutes", lang): e.duration_minutes,
                timed(t("instructor.col.opens", lang), tz): when(e.opens_at, tz),
                timed(t("instructor.col.closes", lang), tz): when(e.closes_at, tz),
                t("instructor.col.policy", lang): t(f"instructor.policy.{e.feedback_policy}", lang),
                t("instructor.col.released", lang): t("ui.answer.yes" if e.released else "ui.answer.no", lang),
                t("instructor.col.roster", lang): len(e.roster) if e.roster is not None else "—",
            }
            for e in items
        ]
    )


def pick_exam(lang: str) -> exams.ExamInfo | None:
    """The exam the monitoring, results and grading sections work on (newest first)."""
    items = {e.code: e for e in exam_admin.list_exams()}
    if not items:
        st.info(t("instructor.exams.none", lang), icon=":material/event_busy:")
        return None
    if session.get(EXAM_KEY) not in items:
        session.put(EXAM_KEY, next(iter(items)))
    code = st.selectbox(
        t("instructor.exams.pick", lang),
        list(items),
        key=EXAM_KEY,
        format_func=lambda c: f"{c} · {items[c].title}",
    )
    return items.get(code) if code else None


def release_control(exam: exams.ExamInfo, lang: str) -> None:
    """发布成绩 / 撤回 for the ``release`` policy (``instant`` shows results at hand-in anyway)."""
    if exam.feedback_policy == "instant":
        st.caption(t("instructor.exams.instant_note", lang))
        return
    label = "instructor.exams.unrelease" if exam.released else "instructor.exams.release"
    if st.button(t(label, lang), key=session.key(NS, "release", exam.code), icon=":material/campaign:"):
        exam_admin.release_results(exam.code, not exam.released)
        st.rerun()
    st.caption(t("instructor.exams.released" if exam.released else "instructor.exams.hidden", lang))


def raters_panel(lang: str) -> None:
    """The administrator's rater accounts: who exists, and a new account with its one-time password."""
    from simulator.service import auth, raters

    with st.expander(t("instructor.raters.title", lang), icon=":material/group:"):
        names = raters.list_raters()
        st.caption(t("instructor.raters.list", lang, names=", ".join(names) if names else "—"))
        with st.form(session.key(NS, "rater_form"), clear_on_submit=True):
            name = st.text_input(t("instructor.raters.name", lang), key=session.key(NS, "rater_name"), max_chars=50)
            added = st.form_submit_button(t("instructor.raters.add", lang), icon=":material/person_add:")
        if added:
            try:
                password = raters.add_rater(name, now=exam_clock.now())
            except auth.AuthError as exc:
                st.error(render_msg(exc.message, lang))
                return
            st.success(t("instructor.raters.added", lang, name=name.strip()), icon=":material/key:")
            st.code(password, language=None)


def render(lang: str) -> None:
    """Create, list and release; rater accounts."""
    with st.expander(t("instructor.exams.new", lang), expanded=not exam_admin.list_exams(), icon=":material/add:"):
        with guard():
            create_form(lang)
    items = exam_admin.list_exams()
    if items:
        st.dataframe(exams_table(items, lang), hide_index=True)
    exam = pick_exam(lang)
    if exam is not None:
        release_control(exam, lang)
    raters_panel(lang)


def roster_frame(rows: list[exam_admin.RosterRow], lang: str) -> pd.DataFrame:
    tz = browser_zone()
    return pd.DataFrame(
        [
            {
                t("gradebook.col.trainee_id", lang): r.trainee_id,
                t("gradebook.col.name", lang): r.name,
                t("gradebook.col.status", lang): render_msg(r.label, lang),
                t("instructor.col.left", lang): exam_clock.countdown_text(r.seconds_left)
                if r.status == "in_progress" and r.seconds_left is not None
                else "—",
                t("instructor.col.answered", lang): r.answered,
                timed(t("instructor.col.started", lang), tz): when(r.started_at, tz),
                timed(t("gradebook.col.handed_in", lang), tz): when(r.submitted_at, tz),
            }
            for r in rows
        ]
    )


@st.fragment(run_every=5)
def monitor(code: str, lang: str) -> None:
    """Roster status (未开始 / 进行中 / 已交卷) and time left, refreshed every 5 seconds."""
    rows = exam_admin.roster_status(code, exam_clock.now())
    # attempts whose time just ran out: graded in the background
    exam_grading.grade_due_soon(exam_clock.now(), code=code)
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("not_started", "in_progress", "submitted")}
    counts["submitted"] += sum(1 for r in rows if r.status == "timed_out")
    for column, (status, n) in zip(st.columns(3), counts.items(), strict=True):
        column.metric(t(f"exam.status.{status}", lang), n)
    if rows:
        st.dataframe(roster_frame(rows, lang), hide_index=True)
    tz = browser_zone()
    now_text = f"{exam_clock.clock_text(exam_clock.now(), tz)} ({zone_name(tz)})"
    st.caption(t("instructor.monitor.note", lang, time=now_text))
