"""``simulator`` command line: thin — parse arguments, call the API, print.

Exit codes: 0 success; 2 bad input (one plain line per problem, never a traceback); 1 only for a bug.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from simulator.assessment.scenario import Scenario, ScenarioError

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A problem with what the user gave us, reported as one line and exit code 2."""


def _scenario(ref: str) -> Scenario:
    from simulator.assessment.scenario import load_scenario

    return load_scenario(ref)


def _print_json(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))


# --------------------------------------------------------------------------- commands

def cmd_list(args: argparse.Namespace) -> int:
    from simulator.assessment.scenario import shipped_paths

    rows: list[dict[str, Any]] = []
    loaded: list[Scenario] = []
    for path in shipped_paths():
        sc = _scenario(str(path))
        loaded.append(sc)
        rows.append({"id": sc.id, "title": sc.title.model_dump(), "level": sc.level, "direction": sc.direction,
                     "version": sc.version, "duration_minutes": sc.duration_minutes,
                     "tasks": [{"id": t.id, "kind": t.kind, "points": t.points, "skills": t.skills}
                               for t in sc.tasks]})
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            kinds = ", ".join(sorted({t["kind"] for t in row["tasks"]}))
            print(f"{row['id']:<28} {row['level']} {row['direction']:<5} {row['title']['zh']}  [{kinds}]")
        _print_coverage(loaded)
    return EXIT_OK


def _print_coverage(scenarios: list[Scenario]) -> None:
    """Per level: how many of the data-computable skill codes auto-graded tasks train, and which."""
    from simulator.assessment import coverage
    from simulator.core import standard

    print("\nauto-graded skill coverage (trained / data-computable codes of the standard):")
    for level, row in coverage.report(scenarios).items():
        codes = " ".join(row["trained"]) or "-"  # type: ignore[arg-type]
        print(f"  {level} {standard.LEVEL_NAMES[level]:<8} {row['count']:>2}/{row['of']:<2} {codes}")


def cmd_validate(args: argparse.Namespace) -> int:
    from simulator.assessment.scenario import ScenarioError, read_text
    from simulator.assessment.validation import problems_in

    failed = False
    for ref in args.paths:
        path = Path(ref)
        try:
            if not path.is_file():
                raise BadInput(f"{ref}:1: (file): file not found")
            problems = problems_in(read_text(path), str(path), path)
        except ScenarioError as exc:
            problems = exc.problems
        except BadInput as exc:
            failed = True
            print(exc)
            continue
        except OSError as exc:
            failed = True
            print(f"{ref[:200]}:1: (file): cannot read: {exc.strerror or exc}")
            continue
        failed |= bool(problems)
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{ref}: ok")
    return EXIT_BAD_INPUT if failed else EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    from simulator.assessment import tasksheet
    from simulator.assessment.datasets import generate_datasets, write_datasets
    from simulator.core.sizing import scale_problem, size_problem

    problem = scale_problem(args.scale)
    if problem:
        raise BadInput(problem)
    sc = _scenario(args.scenario)
    problem = size_problem(sc, args.scale)
    if problem:
        raise BadInput(f"{args.scenario}: {problem}")
    frames = generate_datasets(sc, args.trainee, args.scale)
    out = Path(args.out)
    paths = write_datasets(frames, out, lang=args.lang, fmt=args.format)
    sheet = out / "tasks.md"
    options = tasksheet.public_options(sc, args.trainee) if args.scale == 1 else {}
    sheet.write_text(tasksheet.render(sc, frames, args.lang, options), encoding="utf-8")
    for path in [*paths, sheet]:
        print(path)
    return EXIT_OK


def cmd_key(args: argparse.Namespace) -> int:
    from simulator.assessment.grading import answer_key

    key = answer_key(_scenario(args.scenario), args.trainee)
    if args.json:
        _print_json(key)
    else:
        for task in key["tasks"]:
            answer = json.dumps(task["answer"], ensure_ascii=False)
            print(f"{task['id']} ({task['kind']}, {task['points']:g}): {answer}")
    return EXIT_OK


ANSWERS_MAX_BYTES = 20_000_000
"""Size limit of an answers file (answers are short; tables are separate files beside it)."""


def _json_int(text: str) -> int | float:
    if len(text.lstrip("-")) > 100:
        raise ValueError("a number longer than 100 digits")
    return int(text)


def _json_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number")


def _parse_answers(path: Path, text: str) -> Any:
    """The document of an answers file, or :class:`BadInput` naming the line and the problem."""
    from simulator.core import safeyaml

    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, parse_int=_json_int, parse_constant=_json_constant,
                              object_pairs_hook=_unique_pairs)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{exc.lineno}: cannot read answers file (not valid JSON: {exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:100]
            raise BadInput(f"{path}: cannot read answers file ({reason})") from None
    try:
        return safeyaml.load(text)
    except safeyaml.yaml.YAMLError as exc:
        line, reason = safeyaml.describe(exc)
        raise BadInput(f"{path}:{line}: cannot read answers file (not valid YAML: {reason})") from None


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def read_answers(path: Path) -> dict[str, Any]:
    """An answers file (YAML or JSON mapping of task id → answer)."""
    if not path.is_file():
        raise BadInput(f"{path}: answers file not found")
    size = path.stat().st_size
    if size > ANSWERS_MAX_BYTES:
        raise BadInput(f"{path}: answers file too large ({size / 1e6:.1f} MB; the limit is "
                       f"{ANSWERS_MAX_BYTES / 1e6:g} MB)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: cannot read answers file (not UTF-8 text)") from None
    doc = _parse_answers(path, text)
    if not isinstance(doc, dict):
        raise BadInput(f"{path}: answers file must map task ids to answers")
    return {str(k)[:200]: v for k, v in doc.items()}


def cmd_grade(args: argparse.Namespace) -> int:
    from simulator.assessment.grading import grade

    sc = _scenario(args.scenario)
    if args.answers_dir:
        return _grade_class(sc, Path(args.answers_dir), args)
    if not (args.trainee and args.answers):
        raise BadInput("give --trainee ID --answers FILE, or --answers-dir DIR for a class")
    path = Path(args.answers)
    doc = grade(sc, args.trainee, read_answers(path), base_dir=path.parent, lang=args.lang)
    if args.json:
        _print_json(doc)
    else:
        for task in doc["tasks"]:
            print(f"{task['id']}: {task['score']:g}/{task['max_score']:g} {task['status']} {task['feedback']}")
        print(f"score {doc['score']:g}/100 {'passed' if doc['passed'] else 'not passed'}")
    return EXIT_OK


def _grade_class(sc: Scenario, folder: Path, args: argparse.Namespace) -> int:
    from simulator.service.classgrading import grade_folder

    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")
    written = grade_folder(sc, folder, Path(args.out) if args.out else folder / "gradebook", lang=args.lang)
    for path in written:
        print(path)
    return EXIT_OK


def cmd_selftest(args: argparse.Namespace) -> int:
    from simulator.assessment.grading import selftest

    if not 1 <= args.seeds <= 1000:
        raise BadInput(f"--seeds must be a whole number from 1 to 1000 (got {args.seeds})")
    failed = False
    for ref in args.scenarios:
        report = selftest(_scenario(ref), seeds=args.seeds)
        status = "ok" if report.ok else f"{len(report.failures)} problem(s)"
        print(f"{report.scenario}: {report.seeds} trainee ids: {status}")
        for line in report.failures:
            print(f"  {line}")
        for margin in report.margins.values():
            print(f"  {margin.line()}")
        failed |= not report.ok
    return EXIT_BUG if failed else EXIT_OK


# The settings of .streamlit/config.toml, passed as flags so an installed copy behaves the same.
SERVE_FLAGS = ("--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
               "--server.maxUploadSize", "10", "--server.enableXsrfProtection", "true",
               "--browser.gatherUsageStats", "false", "--runner.magicEnabled", "false",
               "--runner.postScriptGC", "false",
               "--theme.base", "light", "--theme.primaryColor", "#1668dc")


def cmd_serve(args: argparse.Namespace) -> int:
    """Starts the app; data folder, database and scenario folders come from SIMULATOR_* variables."""
    import subprocess

    app = Path(__file__).resolve().parents[1] / "app" / "entry.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port), *SERVE_FLAGS]
    if args.headless:
        cmd += ["--server.headless", "true"]
    print(f"simulator: http://localhost:{args.port}  (Ctrl+C to stop)", file=sys.stderr)
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def cmd_exam(args: argparse.Namespace) -> int:
    from simulator.cli import exam as examcli

    return examcli.run(args)


# --------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="simulator", description="全媒体运营师 operations-analytics simulator")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("list", help="shipped scenarios")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("validate", help="check scenario files")
    s.add_argument("paths", nargs="+")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("generate", help="write a trainee's datasets and task sheet")
    s.add_argument("scenario")
    s.add_argument("--trainee", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--lang", choices=["zh", "en"], default="zh")
    s.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    s.add_argument("--scale", type=float, default=1.0)
    s.set_defaults(func=cmd_generate)

    s = sub.add_parser("key", help="the answer key (instructors only)")
    s.add_argument("scenario")
    s.add_argument("--trainee", required=True)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_key)

    s = sub.add_parser("grade", help="grade an answers file, or a folder of them (--answers-dir)")
    s.add_argument("scenario")
    s.add_argument("--trainee")
    s.add_argument("--answers")
    s.add_argument("--answers-dir")
    s.add_argument("--out", help="gradebook path stem for --answers-dir (writes .csv and .xlsx)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--lang", choices=["zh", "en"], default="zh")
    s.set_defaults(func=cmd_grade)

    s = sub.add_parser("selftest", help="check that keys, perturbed keys and malformed answers grade as expected")
    s.add_argument("scenarios", nargs="+")
    s.add_argument("--seeds", type=int, default=5)
    s.set_defaults(func=cmd_selftest)

    s = sub.add_parser("serve", help="start the app (same as streamlit run app.py)")
    s.add_argument("--port", type=int, default=8501)
    s.add_argument("--headless", action="store_true")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("exam", help="mock exams in the store")
    exam = s.add_subparsers(dest="exam_command", required=True)
    e = exam.add_parser("create", help="create a mock exam and print its code")
    e.add_argument("scenario")
    e.add_argument("--minutes", type=int, default=None)
    e.add_argument("--roster")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_exam)
    e = exam.add_parser("results", help="an exam's gradebook")
    e.add_argument("code")
    e.add_argument("--out")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_exam)
    from simulator.cli import exam as examcli

    examcli.add_admin_parsers(exam, sub, cmd_exam)
    return p


class _NotLoaded(Exception):
    """Stands in for ScenarioError while the engine is not loaded (store-only commands start faster)."""


def _scenario_error() -> type[Exception]:
    """``ScenarioError`` if the engine was loaded (it is the only one raising it), else a stand-in."""
    scenario = sys.modules.get("simulator.assessment.scenario")
    return scenario.ScenarioError if scenario is not None else _NotLoaded


def _guard(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except _scenario_error() as exc:  # evaluated when an exception arrives
        for problem in cast("ScenarioError", exc).problems:  # _NotLoaded is never raised
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a path given on the command line: missing, too long, not a folder, no permission
        where = str(exc.filename)[:200] if exc.filename else "file"
        print(f"{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so in one line unless debugging
        if os.environ.get("SIMULATOR_DEBUG"):
            raise
        print(f"internal error ({type(exc).__name__}): {exc}. Set SIMULATOR_DEBUG=1 for details.",
              file=sys.stderr)
        return EXIT_BUG


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return _guard(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
