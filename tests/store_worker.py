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
import os
import signal
import subprocess
import sys
from pathlib import Path

from simulator.service import exams
from simulator.service.store import Store


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


class Worker:
    """Parent side: starts ``store_worker.py`` on ``url`` and exchanges JSON lines with it.

    Starting does not wait, so several workers boot in parallel; the first command waits for "ready".
    """

    def __init__(self, url: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )  # fmt: skip
        self._ready = False

    def send(self, **cmd) -> None:
        if not self._ready:
            assert self.recv() == {"ready": True}
            self._ready = True
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker ended (exit code {self.proc.poll()})")
        return json.loads(line)

    def call(self, **cmd) -> dict:
        self.send(**cmd)
        return self.recv()

    def close(self) -> None:
        """Ends the worker (end of input, or a kill if it is stuck) and closes its pipes."""
        if self.proc.poll() is None and self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe and not pipe.closed:
                pipe.close()

    def kill(self) -> None:
        """SIGKILL, as a crash or ``kill -9`` would: no clean-up runs in the worker."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.close()
