"""出题 Authoring: a YAML editor with line-level validation, preview, selftest, versions, export, clone.

Validation is :func:`simulator.assessment.scenario.parse_scenario` on every change of the editor; its problems
read ``scenario.yaml:12: tasks[0].params.metric: …`` as ``simulator validate`` prints them. Saving
stores a new version in the store (:func:`simulator.service.exams.save_scenario_version`); exams can then be
created from it. The key preview is for the instructor only (this page is behind the login).

Data files a scenario brings (``sources:``) are attached beside the editor (:mod:`simulator.service.attachments`):
validation, preview and self-test read them from a private folder; saving keeps them in the stored
version; export gives a zip (YAML + files) when there are any, and such a zip can be imported.

>>> clone_text("# note\\nid: l4-ads\\ntitle: x\\n", "l4-ads-copy")
'# note\\nid: l4-ads-copy\\ntitle: x\\n'
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from simulator.app.ui import (
    catalog,
    session,
)
from simulator.app.ui.widgets import fmt_points, guard, md_escape
from simulator.assessment.datasets import generate_datasets, load_source
from simulator.assessment.grading import answer_key, selftest
from simulator.assessment.scenario import Problem, Scenario, ScenarioError, load_scenario, parse_scenario
from simulator.core.i18n import t
from simulator.service import attachments
from simulator.service.scenario_source import list_scenario_versions, save_scenario_version, scenario_version_yaml

log = logging.getLogger("simulator.app.ui")
NS = "instructor"
EDITOR_KEY = session.key(NS, "yaml")
DRAFT_KEY = session.key(NS, "yaml_draft")
"""A copy of the editor's text that survives switching sections (widget state does not)."""
ORIGIN_KEY = session.key(NS, "origin")
"""The file a clone came from: data files a scenario brings are found beside it."""
FILES_KEY = session.key(NS, "files")
"""The attached data files: name as ``sources`` writes it → bytes."""
UPLOAD_NONCE = session.key(NS, "upload_nonce")
"""Bumped after each upload is taken, so the uploader starts empty again."""
NOTICE_KEY = session.key(NS, "attach_notice")
"""(kind, catalog key, params) of the last attach/import outcome, shown once."""
FILE_NAME = "scenario.yaml"
PREVIEW_ROWS = 200
_ID_LINE = re.compile(r"^id:[^\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class Shipped:
    """A scenario file the app knows (shipped, or in ``SIMULATOR_SCENARIO_DIRS``)."""

    id: str
    title: str
    path: Path
    duration_minutes: int | None


def shipped_scenarios() -> dict[str, Shipped]:
    """Every loadable scenario file by id (exam scenarios included), first occurrence wins."""
    out: dict[str, Shipped] = {}
    for path in catalog.scenario_paths():
        try:
            sc = load_scenario(path)
        except (ScenarioError, OSError, ValueError):
            log.warning("scenario %s skipped: it does not load", path)
            continue
        out.setdefault(sc.id, Shipped(sc.id, sc.title.get("zh"), path, sc.duration_minutes))
    return out


def clone_text(text: str, new_id: str) -> str:
    """The scenario text with its top-level ``id:`` line replaced (a clone must not shadow the original)."""
    return _ID_LINE.sub(f"id: {new_id}", text, count=1)


def validate(text: str, origin: str | None = None, files: dict[str, bytes] | None = None
             ) -> tuple[Scenario | None, list[Problem]]:
    """The parsed scenario, or the problems (``file:line: field: message``) that stop it.

    With ``files`` (the editor's attachments) the text is checked in a folder holding them, so a
    ``sources:`` file that is not attached, or that cannot be read, is reported at once.
    """
    if not text.strip():
        return None, []
    try:
        if files is None:
            return parse_scenario(text, FILE_NAME, Path(origin) if origin else None), []
        scenario = parse_scenario(text, FILE_NAME)
        if not scenario.sources:  # nothing to read from a folder: no need to write one
            return scenario, []
        scenario = parse_scenario(text, FILE_NAME, attachments.materialise(text, files))
    except ScenarioError as exc:
        return None, list(exc.problems)
    except attachments.AttachmentError:
        return None, [Problem(FILE_NAME, 1, "sources", "an attached file has a name that cannot be used")]
    problems: list[Problem] = []
    for dataset in scenario.sources:
        try:
            load_source(scenario, dataset)
        except ScenarioError as exc:
            problems += [Problem(FILE_NAME, p.line, p.field, p.message) for p in exc.problems]
    return (None, problems) if problems else (scenario, [])


def _files() -> dict[str, bytes]:
    return dict(session.get(FILES_KEY) or {})


def _source_files(path: Path, text: str) -> dict[str, bytes]:
    """The data files a scenario file brings (``sources:``), read from beside it."""
    try:
        sc = parse_scenario(text, FILE_NAME, path)
    except ScenarioError:
        return {}
    out = {}
    for source in sc.sources.values():
        candidate = path.parent / source.file
        if candidate.is_file():
            out[source.file] = candidate.read_bytes()
    return out


def _load_shipped(item: Shipped) -> None:
    text = item.path.read_text("utf-8-sig")
    session.put(EDITOR_KEY, clone_text(text, f"{item.id}-copy"))
    session.put(FILES_KEY, _source_files(item.path, text))
    session.put(ORIGIN_KEY, None)


def _load_version(scenario_id: str, version: int) -> None:
    text, files = attachments.split(scenario_version_yaml(scenario_id, version))
    session.put(EDITOR_KEY, text)
    session.put(FILES_KEY, files)
    session.put(ORIGIN_KEY, None)


def _take_uploads(widget: str) -> None:
    """Adds the uploaded CSV/XLSX files to the attachments (replacing one of the same name)."""
    files = _files()
    added = []
    try:
        for upload in st.session_state.get(widget) or []:
            data = upload.getvalue()
            files[attachments.check_file(upload.name, data)] = data
            added.append(upload.name)
    except attachments.AttachmentError as err:
        session.put(NOTICE_KEY, ("error", err.key, {"name": err.name}))
    else:
        session.put(NOTICE_KEY, ("success", "instructor.author.attached", {"names": ", ".join(added)}))
    session.put(FILES_KEY, files)
    session.put(UPLOAD_NONCE, int(session.get(UPLOAD_NONCE) or 0) + 1)


def _take_zip(widget: str) -> None:
    """Replaces the editor's text and attachments with an imported zip's."""
    upload = st.session_state.get(widget)
    if upload is not None:
        try:
            text, files = attachments.from_zip(upload.getvalue())
        except attachments.AttachmentError as err:
            session.put(NOTICE_KEY, ("error", err.key, {"name": err.name}))
        else:
            session.put(EDITOR_KEY, text)
            session.put(FILES_KEY, files)
            session.put(ORIGIN_KEY, None)
            session.put(NOTICE_KEY, ("success", "instructor.author.imported", {"n": len(files)}))
    session.put(UPLOAD_NONCE, int(session.get(UPLOAD_NONCE) or 0) + 1)


def _remove(name: str) -> None:
    files = _files()
    files.pop(name, None)
    session.put(FILES_KEY, files)


def _attachments(lang: str) -> None:
    """The attached data files: upload CSV/XLSX, list with remove buttons, import a zip."""
    nonce = int(session.get(UPLOAD_NONCE) or 0)
    left, right = st.columns(2)
    with left:
        widget = session.key(NS, "attach_upload", nonce)
        st.file_uploader(t("instructor.author.attach", lang), type=["csv", "xlsx"], accept_multiple_files=True,
                         key=widget, help=t("instructor.author.attach_help", lang),
                         on_change=_take_uploads, args=(widget,))
    with right:
        widget_zip = session.key(NS, "import_zip", nonce)
        st.file_uploader(t("instructor.author.import_zip", lang), type=["zip"], key=widget_zip,
                         on_change=_take_zip, args=(widget_zip,))
    notice = session.get(NOTICE_KEY)
    if notice:
        kind, key, params = notice
        (st.error if kind == "error" else st.success)(t(key, lang, **params))
        session.put(NOTICE_KEY, None)
    for i, (name, data) in enumerate(sorted(_files().items())):
        a, b = st.columns([5, 1])
        a.caption(t("instructor.author.file_row", lang, name=md_escape(name), kb=f"{len(data) / 1024:.1f}"))
        b.button(t("instructor.author.remove", lang), key=session.key(NS, "remove", i), on_click=_remove,
                 args=(name,), icon=":material/delete:")


def _sources(lang: str) -> None:
    """Clone a shipped scenario, or open a saved version, into the editor."""
    shipped = shipped_scenarios()
    versions = list_scenario_versions()
    left, right = st.columns(2)
    with left:
        pick = st.selectbox(
            t("instructor.author.shipped", lang),
            list(shipped),
            key=session.key(NS, "clone_id"),
            format_func=lambda i: f"{i} · {shipped[i].title}",
            index=None,
            placeholder=t("instructor.author.choose", lang),
        )
        st.button(
            t("instructor.author.clone", lang),
            key=session.key(NS, "clone"),
            disabled=pick is None,
            on_click=lambda: _load_shipped(shipped[pick]) if pick else None,
            icon=":material/content_copy:",
        )
    with right:
        labels = {f"{v.scenario_id}@{v.version}": v for v in versions}
        chosen = st.selectbox(
            t("instructor.author.saved", lang),
            list(labels),
            index=None,
            key=session.key(NS, "open_version"),
            placeholder=t("instructor.author.choose", lang),
            format_func=lambda k: t(
                "instructor.author.version_label", lang, id=labels[k].scenario_id, v=labels[k].version
            ),
        )
        st.button(
            t("instructor.author.open", lang),
            key=session.key(NS, "open"),
            disabled=chosen is None,
            on_click=lambda: _load_version(labels[chosen].scenario_id, labels[chosen].version) if chosen else None,
            icon=":material/folder_open:",
        )


def show_problems(problems: list[Problem], lang: str) -> None:
    """One line per problem, as ``simulator validate`` prints them (``file:line: field: message``)."""
    st.error(t("instructor.author.invalid", lang, n=len(problems)), icon=":material/error:")
    st.code("\n".join(str(p) for p in problems), language=None)


def _preview(scenario: Scenario, lang: str) -> None:
    sample = (
        session.clean_id(
            st.text_input(t("instructor.author.sample_id", lang), value="sample-001", key=session.key(NS, "sample_id"))
        )
        or "sample-001"
    )
    if not st.toggle(t("instructor.author.show_preview", lang), key=session.key(NS, "preview_on")):
        return
    with guard("instructor.author.preview_failed"), st.spinner(t("ui.practice.generating", lang)):
        frames = generate_datasets(scenario, sample)
        name = st.selectbox(t("ui.data.pick", lang), list(frames), key=session.key(NS, "preview_ds"))
        if name:
            st.caption(t("ui.data.size", lang, rows=len(frames[name]), cols=len(frames[name].columns)))
            st.dataframe(frames[name].head(PREVIEW_ROWS), hide_index=True, height=280)
        with st.expander(t("instructor.author.key", lang, id=sample), icon=":material/key:"):
            st.json(answer_key(scenario, sample), expanded=2)


def _selftest(scenario: Scenario, lang: str) -> None:
    if not st.button(t("instructor.author.selftest", lang), key=session.key(NS, "selftest"), icon=":material/rule:"):
        return
    with guard("instructor.author.selftest_failed"), st.spinner(t("instructor.author.selftesting", lang)):
        report = selftest(scenario, seeds=3)
        if report.ok:
            st.success(t("instructor.author.selftest_ok", lang, n=report.seeds), icon=":material/verified:")
        else:
            st.error(t("instructor.author.selftest_bad", lang, n=len(report.failures)))
            st.code("\n".join(report.failures), language=None)


def _save_export(text: str, scenario: Scenario, lang: str) -> None:
    left, right = st.columns(2)
    with left:
        author = st.text_input(t("instructor.author.author", lang), key=session.key(NS, "author"), max_chars=100)
        if st.button(
            t("instructor.author.save", lang),
            key=session.key(NS, "save"),
            type="primary",
            icon=":material/save:",
        ):
            with guard("instructor.author.save_failed"):
                info = save_scenario_version(attachments.embed(text, _files()), author.strip())
                st.success(
                    t("instructor.author.saved_as", lang, id=info.scenario_id, v=info.version),
                    icon=":material/check_circle:",
                )
    with right:
        files = _files()
        st.download_button(
            t("instructor.author.export", lang),
            data=attachments.to_zip(text, files, scenario.id) if files else text.encode("utf-8"),
            file_name=f"{scenario.id}.zip" if files else f"{scenario.id}.yaml",
            mime="application/zip" if files else "application/x-yaml",
            key=session.key(NS, "export"),
            icon=":material/download:",
            help=t("instructor.author.export_zip", lang) if files else None,
        )


def versions_table(lang: str) -> None:
    versions = list_scenario_versions()
    if not versions:
        st.caption(t("instructor.author.no_versions", lang))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("instructor.col.scenario", lang): v.scenario_id,
                    t("instructor.col.version", lang): v.version,
                    t("instructor.author.author", lang): v.author,
                    t("instructor.col.created", lang): v.created_at,
                }
                for v in versions
            ]
        ),
        hide_index=True,
    )


def render(lang: str) -> None:
    """The authoring section."""
    st.caption(t("instructor.author.intro", lang))
    _sources(lang)
    if EDITOR_KEY not in st.session_state and session.get(DRAFT_KEY):
        session.put(EDITOR_KEY, session.get(DRAFT_KEY))
    text = st.text_area(
        t("instructor.author.editor", lang),
        key=EDITOR_KEY,
        height=420,
        placeholder="id: my-scenario\ntitle: {zh: …, en: …}\n…",
    )
    session.put(DRAFT_KEY, text)
    _attachments(lang)
    origin = session.get(ORIGIN_KEY)
    scenario, problems = validate(text, origin, None if origin else _files())
    if problems:
        show_problems(problems, lang)
        if any(p.field.startswith("sources") for p in problems):
            st.info(t("instructor.author.attach_hint", lang), icon=":material/attach_file:")
    if scenario is None:
        return
    st.success(
        t(
            "instructor.author.valid",
            lang,
            id=md_escape(scenario.id),
            n=len(scenario.tasks),
            points=fmt_points(scenario.total_points),
        ),
        icon=":material/check_circle:",
    )
    _preview(scenario, lang)
    _selftest(scenario, lang)
    _save_export(text, scenario, lang)
    with st.expander(t("instructor.author.versions", lang), icon=":material/history:"):
        versions_table(lang)
