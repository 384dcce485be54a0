"""``simulator exam create|results``: administrators scripting mock exams on the same store as the app."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from simulator.cli import EXIT_OK, BadInput


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
    from simulator import exams
    from simulator.scenario import load_scenario, resolve

    sc = load_scenario(args.scenario)
    if args.minutes is not None and not 1 <= args.minutes <= 600:
        raise BadInput("--minutes must be between 1 and 600")
    roster = read_roster(Path(args.roster)) if args.roster else None
    info = exams.create_exam(str(resolve(args.scenario)), minutes=args.minutes, roster=roster,
                             title=sc.title.zh, created_by="cli")
    if args.json:
        print(json.dumps({"code": info.code, "scenario": info.scenario_id, "minutes": info.duration_minutes,
                          "roster": len(info.roster or {})}, ensure_ascii=False))
    else:
        print(info.code)
    return EXIT_OK


def results(args: argparse.Namespace) -> int:
    from simulator import exams, gradebook

    try:
        info = exams.get_exam(args.code)
    except exams.ExamError as exc:
        raise BadInput(f"{args.code}: {exc.message.render('en')}") from None
    rows = exams.results(info.code)
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


def run(args: argparse.Namespace) -> int:
    return create(args) if args.exam_command == "create" else results(args)
