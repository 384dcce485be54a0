"""``simulator exam create|results|list|status|release|regrade`` and ``simulator rater add``:
administrators scripting mock exams on the same store as the app.

A refused regrade (another scenario id, tasks removed or changed without ``--confirm-tasks``) exits 2 with
one line saying why; ``--dry-run`` prints the differences and changes nothing; ``--undo`` puts back the
exam as it was before its latest regrade.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.assessment.answers import BadInput
from simulator.cli.common import EXIT_OK

if TYPE_CHECKING:
    from simulator.service.exam_regrade import RegradePlan
    from simulator.service.exams import ExamInfo


def read_roster(path: Path) -> dict[str, str]:
    """A roster file: CSV/TSV/plain text, one trainee per line as ``id[,name]`` (a header line is allowed)."""
    if not path.is_file():
        raise BadInput(f"{path}: roster file not found")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadInput(f"{path}: roster file is neither UTF-8 nor GBK text")
    first = text.strip().splitlines()[0] if text.strip() else ""
    dialect = "excel-tab" if "\t" in first else "excel"
    roster: dict[str, str] = {}
    for row in csv.reader(text.splitlines(), dialect=dialect):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].lower() in ("id", "trainee_id", "学号", "考生号"):
            continue
        roster[cells[0]] = cells[1] if len(cells) > 1 else ""
    if not roster:
        raise BadInput(f"{path}: roster file lists no trainees")
    return roster


def create(args: argparse.Namespace) -> int:
    from simulator.assessment.scenario import load_scenario, resolve
    from simulator.service import exam_admin

    sc = load_scenario(args.scenario)
    if args.minutes is not None and not 1 <= args.minutes <= 600:
        raise BadInput("--minutes must be between 1 and 600")
    roster = read_roster(Path(args.roster)) if args.roster else None
    info = exam_admin.create_exam(
        str(resolve(args.scenario)), minutes=args.minutes, roster=roster, title=sc.title.zh, created_by="cli"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "code": info.code,
                    "scenario": info.scenario_id,
                    "minutes": info.duration_minutes,
                    "roster": len(info.roster or {}),
                },
                ensure_ascii=False,
            )
        )
    else:
        print(info.code)
    return EXIT_OK


def results(args: argparse.Namespace) -> int:
    from simulator.service import exam_admin, exams, gradebook

    try:
        info = exam_admin.get_exam(args.code)
    except exams.ExamError as exc:
        raise BadInput(f"{args.code}: {exc.message.render('en')}") from None
    rows = exam_admin.results(info.code)
    if args.out:
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise BadInput(f"{out}: --out must end in .csv or .xlsx")
        gradebook.write_gradebook(out, rows, info.tasks, "zh")
        print(out)
    elif args.json:
        headers, records = gradebook.table(rows, info.tasks, None)
        print(json.dumps([dict(zip(headers, r, strict=True)) for r in records], ensure_ascii=False, indent=2))
    else:
        headers, records = gradebook.table(rows, info.tasks, "zh")
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(records)
    return EXIT_OK


def _exam(code: str) -> ExamInfo:
    from simulator.service import exam_admin, exams

    try:
        return exam_admin.get_exam(code)
    except exams.ExamError as exc:
        raise BadInput(f"{code}: {exc.message.render('en')}") from None


def _when(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def list_exams(args: argparse.Namespace) -> int:
    from simulator.service import exam_admin

    items = exam_admin.list_exams()
    docs = [{"code": e.code, "title": e.title, "scenario": e.scenario_id, "version": e.scenario_version,
             "minutes": e.duration_minutes, "opens_at": _when(e.opens_at), "closes_at": _when(e.closes_at),
             "feedback_policy": e.feedback_policy, "released": e.released,
             "roster": len(e.roster) if e.roster is not None else None} for e in items]  # fmt: skip
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=2))
        return EXIT_OK
    for d in docs:
        released = "released" if d["released"] else "hidden"
        print(
            f"{d['code']}\t{d['scenario']} v{d['version']}\t{d['minutes']} min\t{d['feedback_policy']}/{released}"
            f"\t{d['title']}"
        )
    return EXIT_OK


def status(args: argparse.Namespace) -> int:
    from simulator.service import exam_admin, exam_grading, exam_regrade

    info = _exam(args.code)
    rows = exam_admin.roster_status(info.code)
    states = ("not_started", "in_progress", "submitted", "timed_out")
    counts = {s: sum(1 for r in rows if r.status == s) for s in states}
    book = exam_admin.results(info.code)
    doc = {"code": info.code, "title": info.title, "scenario": info.scenario_id, "version": info.scenario_version,
           "released": info.released, "feedback_policy": info.feedback_policy, **counts,
           "graded": sum(1 for r in book if r.total is not None),
           "awaiting_grading": exam_grading.ungraded_count(info.code),
           "awaiting_raters": sum(1 for r in book if r.pending_manual),
           "regrades": len([r for r in exam_regrade.regrade_history(info.code) if r.kind == "regrade"])}  # fmt: skip
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for key, value in doc.items():
            print(f"{key}: {value}")
    return EXIT_OK


def release(args: argparse.Namespace) -> int:
    from simulator.service import exam_admin

    info = exam_admin.release_results(_exam(args.code).code, not args.hide)
    print(f"{info.code}: results {'released' if info.released else 'hidden'}")
    return EXIT_OK


def _plan_doc(plan: RegradePlan) -> dict[str, Any]:
    return {
        "code": plan.code, "from": list(plan.old_scenario), "to": list(plan.new_scenario),
        "added": list(plan.added), "removed": list(plan.removed), "changed": list(plan.changed),
        "needs_confirmation": list(plan.needs_confirmation),
        "grade_changes": [vars(c) for c in plan.changes], "total_changes": [vars(c) for c in plan.totals],
    }  # fmt: skip


def regrade(args: argparse.Namespace) -> int:
    from simulator.service import exam_regrade, exams
    from simulator.service.scenario_source import ScenarioSourceError

    info = _exam(args.code)
    if args.undo:
        try:
            record = exam_regrade.undo_regrade(info.code, by="cli")
        except exams.ExamError as exc:
            raise BadInput(f"{info.code}: {exc.message.render('en')}") from None
        print(json.dumps({"undone": record.summary.get("undoes")}) if args.json else
              f"{info.code}: regrade {record.summary.get('undoes')} undone")  # fmt: skip
        return EXIT_OK
    ref = None
    if args.scenario:
        path = Path(args.scenario)
        ref = str(path.resolve()) if path.is_file() else args.scenario
    try:
        plan = exam_regrade.plan_regrade(info.code, ref)
    except ScenarioSourceError as exc:
        raise BadInput(f"{args.scenario}: {exc.message.render('en')}") from None
    except exams.ExamError as exc:
        raise BadInput(f"{info.code}: regrade refused: {exc.message.render('en')}") from None
    doc = _plan_doc(plan)
    confirm = [t.strip() for t in (args.confirm_tasks or "").split(",") if t.strip()]
    missing = [t for t in plan.needs_confirmation if t not in confirm]
    if not args.dry_run and missing:
        raise BadInput(
            f"{info.code}: regrade refused: it removes or changes tasks {', '.join(missing)}; "
            f"check with --dry-run, then pass --confirm-tasks {','.join(plan.needs_confirmation)}"
        )
    if not args.dry_run:
        try:
            exam_regrade.apply_regrade(plan, confirm, by="cli")
        except exams.ExamError as exc:
            raise BadInput(f"{info.code}: regrade refused: {exc.message.render('en')}") from None
    doc["applied"] = not args.dry_run
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    print(
        f"{info.code}: {'dry run, nothing changed' if args.dry_run else 'regraded'}: "
        f"{doc['from'][0]} v{doc['from'][1]} -> {doc['to'][0]} v{doc['to'][1]}"
    )
    for label in ("added", "removed", "changed"):
        if doc[label]:
            print(f"tasks {label}: {', '.join(doc[label])}")
    print(f"task grades changed: {len(plan.changes)}; totals changed: {len(plan.totals)}")
    for c in plan.totals:
        print(f"  {c.trainee_id}\t{c.old_total} -> {c.new_total}")
    return EXIT_OK


def rater_add(args: argparse.Namespace) -> int:
    from simulator.service import auth, raters

    try:
        password = raters.reset_password(args.name) if args.reset else raters.add_rater(args.name)
    except auth.AuthError as exc:
        raise BadInput(exc.message.render("en")) from None
    print(f"rater {args.name.strip()}: one-time password {password}")
    print(
        "(shown once; give it to the rater in person. `simulator rater add NAME --reset` makes a new one.)",
        file=sys.stderr,
    )
    return EXIT_OK


COMMANDS = {"create": create, "results": results, "list": list_exams, "status": status, "release": release,
            "regrade": regrade}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if getattr(args, "command", None) == "rater":
        return rater_add(args)
    return COMMANDS[args.exam_command](args)


def add_admin_parsers(exam: argparse._SubParsersAction[argparse.ArgumentParser],
                      sub: argparse._SubParsersAction[argparse.ArgumentParser],
                      func: Callable[[argparse.Namespace], int]) -> None:
    """``exam list|status|release|regrade`` and ``rater add`` on the CLI's parser."""
    e = exam.add_parser("list", help="every exam, newest first")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=func)
    e = exam.add_parser("status", help="who has started, handed in, been graded; pending marks")
    e.add_argument("code")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=func)
    e = exam.add_parser("release", help="show results to trainees (release policy)")
    e.add_argument("code")
    e.add_argument("--hide", action="store_true", help="hide them again")
    e.set_defaults(func=func)
    e = exam.add_parser("regrade", help="regrade every finished attempt, optionally with a fixed version")
    e.add_argument("code")
    e.add_argument("--scenario", help="a fixed version of the exam's own scenario (path or id)")
    e.add_argument("--dry-run", action="store_true", help="show the differences, change nothing")
    e.add_argument("--confirm-tasks", help="comma-separated ids of the removed/changed tasks")
    e.add_argument("--undo", action="store_true", help="undo the latest regrade")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=func)
    r = sub.add_parser("rater", help="rater accounts")
    rater = r.add_subparsers(dest="rater_command", required=True)
    e = rater.add_parser("add", help="create a rater account and print its one-time password")
    e.add_argument("name")
    e.add_argument("--reset", action="store_true", help="a new password for an existing account")
    e.set_defaults(func=func)
