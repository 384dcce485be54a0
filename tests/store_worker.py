"""A stand-in app process for the store's multi-process tests: JSON commands on stdin, JSON on stdout.

Run as ``python tests/store_worker.py DATABASE_URL``. Each input line is a command::

    {"op": "join", "code": C, "trainee": T}                 -> {"ok": true}
    {"op": "save", "code": C, "trainee": T, "task": K, "value": V} -> {"ok": true}
    {"op": "read", "code": C, "trainee": T}                 -> {"answers": {task: value}}
    {"op": "flood", "code": C, "trainee": T, "tasks": [..], "n": N}
        -> {"ack": i, "task": K} after each committed save (value i), then {"done": true}

A line is printed only after the store call returned, i.e. after the transaction committed.
"""

from __future__ import annotations

import json
import sys

from simulator import exams
from simulator.store import Store


def _reply(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def handle(store: Store, cmd: dict) -> None:
    """Runs one command against the store and prints its reply line(s)."""
    op, code, trainee = cmd["op"], cmd.get("code", ""), cmd.get("trainee", "")
    if op == "join":
        exams.join(code, trainee, cmd.get("name", ""), store=store)
        _reply({"ok": True})
    elif op == "save":
        exams.save_answer(code, trainee, cmd["task"], cmd["value"], store=store)
        _reply({"ok": True})
    elif op == "read":
        saved = exams.saved_answers(code, trainee, store=store)
        _reply({"answers": {task: a.value for task, a in saved.items()}})
    elif op == "flood":
        tasks = cmd["tasks"]
        for i in range(int(cmd["n"])):
            task = tasks[i % len(tasks)]
            exams.save_answer(code, trainee, task, i, store=store)
            _reply({"ack": i, "task": task})
        _reply({"done": True})
    else:
        _reply({"error": f"unknown op {op!r}"})


def main() -> None:
    store = Store(sys.argv[1])
    _reply({"ready": True})
    for line in sys.stdin:
        if line.strip():
            handle(store, json.loads(line))


if __name__ == "__main__":
    main()
