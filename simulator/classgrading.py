"""Grading a class: one answers file per trainee (the id is the file name) → a gradebook (CSV + XLSX).

Files that cannot be read do not stop the run: they get a row marked invalid and a line on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from simulator import gradebook
from simulator.grading import GradeResult, grade_detailed
from simulator.i18n import render_all
from simulator.scenario import Scenario

ANSWER_SUFFIXES = (".yaml", ".yml", ".json")


def answer_files(folder: Path) -> list[Path]:
    """Answers files in ``folder`` (not recursive), sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ANSWER_SUFFIXES)


def task_infos(scenario: Scenario) -> list[gradebook.TaskInfo]:
    return [gradebook.TaskInfo(t.id, t.kind, t.points, tuple(t.skills)) for t in scenario.tasks]


def row_for(result: GradeResult, lang: str) -> gradebook.GradebookRow:
    """A gradebook row from one trainee's grade, scores scaled so the total is out of 100."""
    factor = 100 / result.total_points if result.total_points else 1.0
    grades = {t.id: gradebook.TaskGrade(t.id, round(t.score * factor, 2), round(t.max_score * factor, 2),
                                        t.status, render_all(t.feedback, lang)) for t in result.tasks}
    pending = any(t.status == "ungraded" for t in result.tasks)
    return gradebook.GradebookRow(result.trainee, "", "submitted", None, None, grades, result.score, 100.0,
                                  result.passed, pending)


def _progress(done: int, total: int, name: str) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:30]:<30}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def grade_folder(scenario: Scenario, folder: Path, out_stem: Path, lang: str = "zh",
                 progress: bool = True) -> list[Path]:
    """Grades every answers file in ``folder``; writes ``<out_stem>.csv`` and ``.xlsx``; returns both paths."""
    from simulator.cli import BadInput, read_answers

    files = answer_files(folder)
    if not files:
        raise BadInput(f"{folder}: no answers files (*.yaml, *.yml, *.json)")
    rows = []
    show = progress and sys.stderr.isatty()
    for i, path in enumerate(files, start=1):
        try:
            result = grade_detailed(scenario, path.stem, read_answers(path), base_dir=path.parent, lang=lang)
            rows.append(row_for(result, lang))
        except BadInput as exc:
            sys.stderr.write(f"\n{exc}\n")
            rows.append(gradebook.GradebookRow(path.stem, "", "submitted", None, None, {}, None, 100.0, None))
        if show:
            _progress(i, len(files), path.name)
    infos = task_infos(scenario)
    paths = [out_stem.with_suffix(".csv"), out_stem.with_suffix(".xlsx")]
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    for path in paths:
        gradebook.write_gradebook(path, rows, infos, lang)
    return paths
