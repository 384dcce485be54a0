"""Scenario files: YAML validated by pydantic models, with errors as ``file:line: field: message``.

A scenario says who it is for (level, direction), what trainees are told (context), which datasets it
needs with their parameters (``datasets:`` keyed by family, or ``sources:`` pointing at files beside the
scenario), and its tasks. See ``docs/authoring.md`` for a complete annotated example.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from data.generators import FAMILIES, family_of
from simulator import tasks as task_registry
from simulator.core import safeyaml, standard
from simulator.core.cache import BoundedCache

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MAX_SCENARIO_BYTES = 1_000_000
"""Size limit of a scenario file (the longest shipped one is under 20 KB)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Text(_Strict):
    """A text in both languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Source(_Strict):
    """A dataset brought as a file beside the scenario instead of generated."""

    file: str = Field(min_length=1, description="CSV or XLSX path, relative to the scenario file")
    sheet: str | None = Field(None, description="XLSX sheet name (default: the first sheet)")
    columns: dict[str, str] = Field(default_factory=dict,
                                    description="extra header → canonical column mappings")


class TaskSpec(_Strict):
    """One task: its kind's params are validated against that kind's ``Params`` model."""

    id: str = Field(pattern=ID_PATTERN)
    kind: str
    points: float = Field(gt=0, le=100)
    skills: list[str] = Field(min_length=1)
    title: Text | None = None
    prompt: Text | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in task_registry.kinds():
            raise ValueError(f"unknown task kind {kind!r}; known: {', '.join(task_registry.kinds())}")
        return kind

    @field_validator("skills")
    @classmethod
    def _known_skills(cls, skills: list[str]) -> list[str]:
        unknown = [s for s in skills if s not in standard.SKILLS]
        if unknown:
            raise ValueError(f"unknown skill code(s) {', '.join(unknown)}; write them like L3/6.1.4")
        return skills


class Scenario(_Strict):
    """A validated scenario. ``path`` and ``digest`` are set by the loader."""

    id: str = Field(pattern=ID_PATTERN)
    version: int = Field(1, ge=1)
    title: Text
    level: Literal["L4", "L3", "L2", "L1"]
    direction: Literal["创意策划", "视听运营", "直播运营", "流量运营", "数据分析"]
    context: Text
    seed: int = Field(ge=0, lt=2**63)
    tolerance: float = Field(0.005, gt=0, le=0.2, description="default relative tolerance for numbers")
    precision_rule: Literal["strict", "relaxed"] = Field(
        "strict", description="strict: an answer must round to the key at the precision a task states; "
        "relaxed (practice only): the relative tolerance is accepted too. Exams are always strict.")
    pass_mark: float = Field(standard.PASS_MARK, gt=0, le=100)
    duration_minutes: int | None = Field(None, ge=1, le=600, description="exam length; None for practice")
    datasets: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sources: dict[str, Source] = Field(default_factory=dict)
    tasks: list[TaskSpec] = Field(min_length=1)

    path: Path | None = Field(None, exclude=True)
    digest: str = Field("", exclude=True)

    def family_params(self, family: str) -> Any:
        """The validated ``Params`` of a family (defaults when the family is only implied)."""
        return FAMILIES[family].Params(**self.datasets.get(family, {}))

    def task_params(self, task: TaskSpec) -> Any:
        return task_registry.get(task.kind).Params(**task.params)

    @property
    def total_points(self) -> float:
        return sum(t.points for t in self.tasks)

    def provided_datasets(self) -> set[str]:
        names = set(self.sources)
        for family in self.datasets:
            if family in FAMILIES:
                names.update(FAMILIES[family].DATASETS)
        return names

    def needed_families(self) -> list[str]:
        """Families to generate: those listed, plus those implied by tasks' datasets (not sourced)."""
        families = list(self.datasets)
        for task in self.tasks:
            for name in self.task_params(task).datasets():
                fam = family_of(name)
                if name not in self.sources and fam and fam not in families:
                    families.append(fam)
        return families


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ScenarioError(Exception):
    """A scenario that could not be loaded; ``problems`` has one entry per mistake."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


# --------------------------------------------------------------------------- line numbers from YAML

_KeyPath = tuple[str | int, ...]
"""A key path into the YAML document (``("tasks", 2, "params")``), as pydantic's ``loc`` spells it."""


def _line_map(text: str) -> dict[_KeyPath, int]:
    """Maps each key path (``("tasks", 2, "params")``) to the 1-based line where it appears."""
    root = safeyaml.compose(text)
    lines: dict[_KeyPath, int] = {}
    yaml = safeyaml.yaml

    def walk(node: yaml.Node, path: _KeyPath) -> None:
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key.value, str):  # a complex key: no line of its own
                    continue
                lines[path + (key.value,)] = key.start_mark.line + 1
                walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return lines


def _line_for(lines: dict[_KeyPath, int], loc: _KeyPath) -> int:
    for cut in range(len(loc), -1, -1):
        if tuple(loc[:cut]) in lines:
            return lines[tuple(loc[:cut])]
    return 1


def _field_name(loc: _KeyPath) -> str:
    """``("tasks", 2, "params", "metric")`` → ``tasks[2].params.metric``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _plain_message(err: ErrorDetails) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/authoring.md for the allowed keys)"
    if kind == "missing":
        return "required but missing"
    if kind.startswith("value_error"):
        return msg.removeprefix("Value error, ")
    return msg[0].lower() + msg[1:] if msg else kind


# --------------------------------------------------------------------------- loading

def parse_scenario(text: str, name: str = "<scenario>", path: Path | None = None) -> Scenario:
    """Parses and validates scenario YAML text; raises :class:`ScenarioError` listing every problem."""
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError([Problem(name, 1, "(file)", f"the file is larger than the limit of "
                                                         f"{MAX_SCENARIO_BYTES / 1e6:g} MB")])
    if "\x00" in text:
        raise ScenarioError([Problem(name, text[:text.index("\x00")].count("\n") + 1, "(file)",
                                     "contains a NUL character; save the file as plain UTF-8 text")])
    try:
        data = safeyaml.load(text, finite=True)
        lines = _line_map(text)
    except safeyaml.yaml.YAMLError as exc:
        line, reason = safeyaml.describe(exc)
        raise ScenarioError([Problem(name, line, "(yaml)", f"YAML syntax error: {reason}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem(name, 1, "(top level)", "a scenario must be a YAML mapping of keys")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, lines, name) + _part_problems(data, lines, name)) from None
    problems = _cross_check(scenario, lines, name, path)
    if problems:
        raise ScenarioError(problems)
    scenario.path = path
    scenario.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return scenario


def _problems(exc: ValidationError, lines: dict[_KeyPath, int], name: str, prefix: _KeyPath = ()) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        out.append(Problem(name, _line_for(lines, loc), _field_name(loc), _plain_message(err)))
    return out


def valid_parts(data: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[tuple[int, TaskSpec]]]:
    """The dataset families and the tasks (with their index) of a raw scenario mapping that are valid on
    their own, params included, so that one mistake elsewhere does not hide the checks of the rest."""
    families: dict[str, dict[str, Any]] = {}
    datasets = data.get("datasets")
    for family, params in (datasets.items() if isinstance(datasets, dict) else ()):
        try:
            if family in FAMILIES and isinstance(params, dict | None):
                FAMILIES[family].Params(**(params or {}))
                families[family] = params or {}
        except (ValidationError, TypeError):  # TypeError: keys that are not names
            continue
    tasks: list[tuple[int, TaskSpec]] = []
    raw_tasks = data.get("tasks")
    for i, raw in enumerate(raw_tasks if isinstance(raw_tasks, list) else ()):
        try:
            task = TaskSpec.model_validate(raw)
            task_registry.get(task.kind).Params(**task.params)
        except (ValidationError, TypeError):
            continue
        tasks.append((i, task))
    return families, tasks


def _part_problems(data: dict[str, Any], lines: dict[_KeyPath, int], name: str) -> list[Problem]:
    """Problems inside family and task params, found although the file as a whole failed its schema."""
    problems: list[Problem] = []
    datasets, tasks = data.get("datasets"), data.get("tasks")
    for family, params in (datasets.items() if isinstance(datasets, dict) else ()):
        if family in FAMILIES and isinstance(params, dict) and all(isinstance(k, str) for k in params):
            try:
                FAMILIES[family].Params(**params)
            except ValidationError as exc:
                problems += _problems(exc, lines, name, ("datasets", family))
    for i, raw in enumerate(tasks if isinstance(tasks, list) else ()):
        try:
            task = TaskSpec.model_validate(raw)
        except ValidationError:  # already reported by the schema
            continue
        try:
            task_registry.get(task.kind).Params(**task.params)
        except ValidationError as exc:
            problems += _problems(exc, lines, name, ("tasks", i, "params"))
    return problems


FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
"""Dates the generated data may span (pandas' own range ends in 1677 and 2262)."""


def _date_problem(params: Any) -> str | None:
    """Why a family's dates fall outside :data:`FIRST_DATE` … :data:`LAST_DATE`, or None."""
    start = getattr(params, "start_date", None)
    if not isinstance(start, dt.date):
        return None
    days = getattr(params, "days", 0)  # daily families; snapshot families: snapshots × interval (a month: 31)
    days += getattr(params, "snapshots", 0) * (getattr(params, "interval_days", None) or 31)
    if start < FIRST_DATE or start > LAST_DATE - dt.timedelta(days=days):
        return f"dates must lie between {FIRST_DATE} and {LAST_DATE} (got {start} for {days} days)"
    return None


def _cross_check(sc: Scenario, lines: dict[_KeyPath, int], name: str, path: Path | None) -> list[Problem]:
    """Checks that need the registries: family params, task params, duplicate ids, dataset coverage."""
    problems: list[Problem] = []

    def add(loc: _KeyPath, message: str) -> None:
        problems.append(Problem(name, _line_for(lines, loc), _field_name(loc), message))

    for family, params in sc.datasets.items():
        if family not in FAMILIES:
            hint = f" (that is a dataset of family {family_of(family)!r})" if family_of(family) else ""
            add(("datasets", family), f"unknown dataset family{hint}; known: {', '.join(FAMILIES)}")
            continue
        try:
            span = _date_problem(FAMILIES[family].Params(**(params or {})))
            if span:
                add(("datasets", family, "start_date"), span)
        except ValidationError as exc:
            problems += _problems(exc, lines, name, ("datasets", family))
        except TypeError:
            add(("datasets", family), "parameters must be a mapping of keys")
    for dataset, source in sc.sources.items():
        outside = source_problem(source.file, path.parent if path is not None else None)
        if family_of(dataset) is None:
            add(("sources", dataset), "unknown dataset name; see docs/datasets.md")
        elif outside:
            add(("sources", dataset, "file"), outside)
        elif path is not None and not (path.parent / source.file).is_file():
            add(("sources", dataset, "file"), f"file not found next to the scenario: {source.file}")
    seen: dict[str, int] = {}
    provided = sc.provided_datasets()
    for i, task in enumerate(sc.tasks):
        if task.id in seen:
            add(("tasks", i, "id"), f"duplicate task id {task.id!r} (first used by tasks[{seen[task.id]}])")
        seen.setdefault(task.id, i)
        try:
            params = sc.task_params(task)
        except ValidationError as exc:
            problems += _problems(exc, lines, name, ("tasks", i, "params"))
            continue
        for dataset in params.datasets():
            if family_of(dataset) is None:
                add(("tasks", i, "params"), f"unknown dataset {dataset!r}; see docs/datasets.md")
            elif provided and dataset not in provided and family_of(dataset) not in sc.datasets:
                add(("tasks", i, "params"), f"dataset {dataset!r} is not listed under datasets: or sources:")
    if not problems:
        from simulator.core.sizing import size_problem

        too_big = size_problem(sc)
        if too_big:
            add(("datasets",), too_big)
    return problems


def source_problem(file: str, folder: Path | None) -> str | None:
    """Why a ``sources:`` file may not be read: it must be a relative path that stays inside the
    scenario's folder, also once symbolic links are followed. None when it is fine.

    >>> source_problem("../../etc/passwd", None)
    "must stay inside the scenario's folder (no '..')"
    """
    if "\x00" in file:
        return "contains a NUL character"
    if PurePosixPath(file).is_absolute() or PureWindowsPath(file).is_absolute() or PureWindowsPath(file).drive \
            or file.startswith("~"):
        return "must be a path relative to the scenario's folder, not an absolute path"
    if ".." in PurePosixPath(file.replace("\\", "/")).parts:
        return "must stay inside the scenario's folder (no '..')"
    if folder is not None:
        base = folder.resolve()
        try:
            target = (folder / file).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            return "cannot be resolved (a symbolic link loop?)"
        if not target.is_relative_to(base):
            return "leads outside the scenario's folder (through a symbolic link)"
    return None


def shipped_dir() -> Path:
    """The folder of shipped scenario files (inside the installed ``scenarios`` package)."""
    return Path(str(resources.files("scenarios")))


def shipped_paths() -> list[Path]:
    return sorted(shipped_dir().glob("*.yaml"))


def resolve(path_or_id: str | Path) -> Path:
    """A scenario path, or a shipped scenario id → its file. Raises ScenarioError when neither."""
    candidate = Path(path_or_id)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError([Problem(str(candidate), 1, "(file)", "file not found")])
        return candidate
    for path in shipped_paths():
        if path.stem == str(path_or_id) or _declared_id(path) == str(path_or_id):
            return path
    known = ", ".join(p.stem for p in shipped_paths())
    raise ScenarioError([Problem(str(path_or_id), 1, "(id)", f"no shipped scenario with this id; known: {known}")])


def _declared_id(path: Path) -> str | None:
    match = re.search(r"^id:\s*['\"]?([^'\"\s#]+)", path.read_text("utf-8"), re.MULTILINE)
    return match.group(1) if match else None


def read_text(path: Path) -> str:
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise ScenarioError([Problem(str(path), 1, "(file)", f"the file is larger than the limit of "
                                                              f"{MAX_SCENARIO_BYTES / 1e6:g} MB")])
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), 1, "(file)", "not UTF-8 text; save the file as UTF-8")]) from None


_CACHE: BoundedCache[Scenario] = BoundedCache("scenario.loaded", size=128, copy=None)
"""Parsed scenario files by (resolved path, modification time, size); shared, treated as read-only."""


def load_scenario(path_or_id: Scenario | str | Path) -> Scenario:
    """Loads a scenario by shipped id or file path (validated; cached by path and modification time)."""
    if isinstance(path_or_id, Scenario):
        return path_or_id
    path = resolve(path_or_id)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    return _CACHE.get(key, lambda: parse_scenario(read_text(path), str(path), path))
