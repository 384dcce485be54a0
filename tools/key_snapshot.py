"""Snapshot of what every shipped scenario gives 5 trainees: answer keys, task sheets (zh, en) and the
grade of the key written as a trainee would submit it.

``tests/test_key_snapshot.py`` compares the engine with the snapshot saved in
``tests/data/key_snapshot.json.gz``: a refactor must leave it bit-identical (floats are compared by their
exact ``repr``). Regenerate only when keys change on purpose, and say why in the commit::

    python tools/key_snapshot.py --write
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "data" / "key_snapshot.json.gz"
TRAINEES = ("t-1", "2024001", "张三", "snap-4", "X9")


def snapshot() -> dict[str, dict]:
    """``{scenario id: {trainee: {"key", "sheet_zh", "sheet_en", "grade"}}}`` for every shipped scenario."""
    from simulator import answer_key, generate_datasets, grade, load_scenario
    from simulator.assessment import tasksheet
    from simulator.assessment.grading import _context
    from simulator.assessment.scenario import shipped_paths
    from simulator.tasks import get

    out: dict[str, dict] = {}
    for path in shipped_paths():
        sc = load_scenario(path)
        per: dict[str, dict] = {}
        for trainee in TRAINEES:
            key = answer_key(sc, trainee)
            frames = generate_datasets(sc, trainee)
            options = tasksheet.public_options(sc, trainee)
            ctx = _context(sc)
            raw = {}
            for task, entry in zip(sc.tasks, key["tasks"], strict=True):
                module = get(task.kind)
                params = module.Params(**task.params)
                raw[task.id] = module.as_raw(entry["answer"], params, ctx)
            per[trainee] = {"key": key, "options": options,
                            "sheet_zh": tasksheet.render(sc, frames, "zh", options),
                            "sheet_en": tasksheet.render(sc, frames, "en", options),
                            "grade": grade(sc, trainee, raw)}
        out[sc.id] = per
    return out



def canonical(doc: object) -> str:
    """JSON with floats written by ``repr`` (exact), keys sorted."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, default=_default, indent=0)


def _default(value: object) -> object:
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {"columns": [str(c) for c in value.columns], "rows": value.astype(object).values.tolist()}
    return repr(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the snapshot (keys changed on purpose)")
    args = parser.parse_args(argv)
    now = snapshot()
    if args.write:
        text = canonical(now)
        SNAPSHOT.write_bytes(gzip.compress(text.encode(), mtime=0))
        print(f"wrote {SNAPSHOT.relative_to(ROOT)} ({len(text):,} characters)")
        return 0
    saved = json.loads(gzip.decompress(SNAPSHOT.read_bytes()))
    current = json.loads(canonical(now))
    changed = sorted(sid for sid in saved if current.get(sid) != saved[sid])
    added = sorted(set(current) - set(saved))
    print("identical" if not changed else f"DIFFERENT: {', '.join(changed)}",
          f"(not in the snapshot: {', '.join(added)})" if added else "")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
