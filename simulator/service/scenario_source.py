"""Where an exam's scenario comes from, and the instructor's scenario versions kept in the store.

A scenario reference is YAML text, a file path, an id with versions saved in the store (the newest, or
the one asked for), or a shipped scenario id (``scenarios/<id>.yaml`` or a shipped file with that
``id:``). The engine (:func:`simulator.assessment.scenario.parse_scenario`, :func:`simulator.grade`) is imported
only when a task list or a grade is needed, so tests may inject their own.

>>> src = resolve_scenario("id: demo\\ntitle: Demo\\ntasks: []\\n")
>>> (src.scenario_id, src.version, src.title)
('demo', 1, 'Demo')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from simulator.core import safeyaml
from simulator.core.i18n import Msg, msg
from simulator.service.gradebook import TaskInfo
from simulator.service.store import ScenarioVersion, Store, get_store, utcnow


class ScenarioSourceError(ValueError):
    """A scenario reference that leads nowhere; ``message`` is a catalog :class:`Msg`."""

    def __init__(self, message: Msg):
        super().__init__(message.key)
        self.message = message


@dataclass(frozen=True)
class ScenarioSource:
    """A scenario file's text and what it says about itself."""

    scenario_id: str
    version: int | None
    """Store version for an instructor-authored scenario, else the file's own ``version:`` (default 1)."""
    yaml_text: str
    title: str
    path: Path | None = None
    """The file it was read from, when there is one (relative data files resolve against it)."""
    duration_minutes: int | None = None
    """The exam length the file asks for, if any."""


@dataclass(frozen=True)
class ScenarioVersionInfo:
    """One saved version of an instructor's scenario."""

    scenario_id: str
    version: int
    author: str
    created_at: datetime


def _parse_head(yaml_text: str) -> tuple[str, str, int | None, int | None]:
    """``(id, title, version, duration_minutes)`` read from a scenario file's top level."""
    try:
        doc = safeyaml.load(yaml_text)
    except safeyaml.yaml.YAMLError:
        doc = None
    if not isinstance(doc, dict) or not str(doc.get("id") or "").strip():
        raise ScenarioSourceError(msg("scenario_source.bad_yaml"))
    title = doc.get("title") or doc["id"]
    if isinstance(title, dict):
        title = title.get("zh") or next(iter(title.values()), doc["id"])
    version, minutes = doc.get("version", 1), doc.get("duration_minutes")
    return (
        str(doc["id"]).strip(), str(title), version if isinstance(version, int) else None,
        minutes if isinstance(minutes, int) else None,
    )  # fmt: skip


def resolve_scenario(ref: str, *, version: int | None = None, store: Store | None = None) -> ScenarioSource:
    """The :class:`ScenarioSource` for ``ref``: YAML text, a file path, a stored id, a shipped id."""
    ref = str(ref)
    if "\n" in ref:
        scenario_id, title, file_version, minutes = _parse_head(ref)
        return ScenarioSource(scenario_id, file_version, ref, title, None, minutes)
    path = Path(ref).expanduser()
    if not (path.suffix.lower() in (".yaml", ".yml") and path.is_file()):
        stored = _stored_version(ref, version, store or get_store())
        if stored is not None:
            _, title, _, minutes = _parse_head(stored.yaml_text)
            return ScenarioSource(stored.scenario_id, stored.version, stored.yaml_text, title, None, minutes)
        path = _shipped(ref)
    text = path.read_text("utf-8-sig")
    scenario_id, title, file_version, minutes = _parse_head(text)
    return ScenarioSource(scenario_id, file_version, text, title, path.resolve(), minutes)


def _shipped(scenario_id: str) -> Path:
    from simulator.assessment.scenario import ScenarioError, resolve

    try:
        return resolve(scenario_id)
    except ScenarioError:
        raise ScenarioSourceError(msg("scenario_source.unknown", ref=scenario_id[:100])) from None


def _stored_version(scenario_id: str, version: int | None, store: Store) -> ScenarioVersion | None:
    with store.read() as s:
        query = select(ScenarioVersion).where(ScenarioVersion.scenario_id == scenario_id)
        if version is not None:
            return s.scalar(query.where(ScenarioVersion.version == version))
        return s.scalar(query.order_by(ScenarioVersion.version.desc()).limit(1))


def save_scenario_version(
    yaml_text: str, author: str = "", now: datetime | None = None, *, store: Store | None = None
) -> ScenarioVersionInfo:
    """Stores ``yaml_text`` as the next version of its scenario id (1, 2, …); validate it first."""
    store, now = store or get_store(), utcnow(now)
    scenario_id = _parse_head(yaml_text)[0]
    for attempt in range(5):
        try:
            with store.write() as s:
                latest = s.scalar(
                    select(func.max(ScenarioVersion.version)).where(
                        ScenarioVersion.scenario_id == scenario_id
                    )
                )
                row = ScenarioVersion(
                    scenario_id=scenario_id, version=(latest or 0) + 1, yaml_text=yaml_text,
                    created_at=now, author=author[:100],
                )  # fmt: skip
                s.add(row)
            return ScenarioVersionInfo(row.scenario_id, row.version, row.author, row.created_at)
        except IntegrityError:  # two saves at once on PostgreSQL: take the next number
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def list_scenario_versions(
    scenario_id: str | None = None, *, store: Store | None = None
) -> list[ScenarioVersionInfo]:
    """Saved versions (all scenarios, or one), by scenario id then version."""
    store = store or get_store()
    with store.read() as s:
        query = select(ScenarioVersion).order_by(ScenarioVersion.scenario_id, ScenarioVersion.version)
        if scenario_id is not None:
            query = query.where(ScenarioVersion.scenario_id == scenario_id)
        return [
            ScenarioVersionInfo(r.scenario_id, r.version, r.author, r.created_at) for r in s.scalars(query)
        ]


def scenario_version_yaml(scenario_id: str, version: int | None = None, *, store: Store | None = None) -> str:
    """The text of a saved version (newest when ``version`` is ``None``), e.g. to export it as a file."""
    row = _stored_version(scenario_id, version, store or get_store())
    if row is None:
        raise ScenarioSourceError(msg("scenario_source.unknown", ref=f"{scenario_id} v{version}"))
    return row.yaml_text


def load_source(yaml_text: str, path: str | Path | None = None) -> Any:
    """The engine's validated :class:`simulator.Scenario` for frozen text (its data files: by ``path``)."""
    from simulator.assessment.scenario import parse_scenario
    from simulator.service import attachments

    where = Path(path) if path else None
    if where is None and attachments.MARK in yaml_text:  # saved in the app with its data files
        where = attachments.materialise(yaml_text, {})
    return parse_scenario(yaml_text, str(where or "<exam scenario>"), where)


def describe_tasks(source: ScenarioSource) -> list[TaskInfo]:
    """Id, kind, points and skills of each task (what the exam and gradebook need; no answers)."""
    scenario = load_source(source.yaml_text, source.path)
    return [TaskInfo(t.id, t.kind, float(t.points), tuple(t.skills)) for t in scenario.tasks]


def default_grader(
    yaml_text: str, trainee_id: str, answers: dict[str, Any], base_dir: Path, path: str | None = None
) -> dict[str, Any]:
    """Grades with the engine: :func:`simulator.grade` on the exam's frozen scenario text.

    ``answers`` maps task id to the raw value, or to a file name inside ``base_dir`` for uploads.
    """
    from simulator import grade

    return grade(load_source(yaml_text, path), trainee_id, answers, base_dir=base_dir, exam=True)
