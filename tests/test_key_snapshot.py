"""Keys are bit-identical to the snapshot saved before the architecture change (issue 14).

The snapshot (``tests/data/key_snapshot.json.gz``, written by ``tools/key_snapshot.py --write``) holds, for
every shipped scenario and 5 trainees, the answer key, the public choice options, both task sheets and the
grade of the key as a trainee would type it. Floats are compared by exact ``repr``: a refactor that moves
one rounding step shows here.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("key_snapshot", ROOT / "tools" / "key_snapshot.py")
assert _spec and _spec.loader
key_snapshot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(key_snapshot)

SAVED = json.loads(gzip.decompress(key_snapshot.SNAPSHOT.read_bytes()))
ADDED_SINCE = {"l4-period-compare": "the scenario of the period_change kind, added after the snapshot to "
                                    "prove docs/architecture.md's list for adding a task kind"}
"""Scenarios shipped after the snapshot was saved, each with the reason (any other new one fails)."""


@pytest.fixture(scope="module")
def current():
    return json.loads(key_snapshot.canonical(key_snapshot.snapshot()))


def test_the_snapshot_covers_every_shipped_scenario(current):
    assert sorted(current) == sorted([*SAVED, *ADDED_SINCE])
    assert len(SAVED) >= 10 and all(len(per) == 5 for per in SAVED.values())


@pytest.mark.parametrize("scenario", sorted(SAVED))
@pytest.mark.parametrize("part", ["key", "options", "sheet_zh", "sheet_en", "grade"])
def test_keys_sheets_and_grades_are_bit_identical(current, scenario, part):
    for trainee, doc in SAVED[scenario].items():
        saved, now = doc[part], current[scenario][trainee][part]
        if part == "key":
            for old, new in zip(saved["tasks"], now["tasks"], strict=True):
                assert new == old, f"{scenario} {trainee} task {old['id']} key changed"
        assert now == saved, f"{scenario} {trainee} {part} changed"


def test_the_full_key_grades_full_marks_on_every_auto_graded_task():
    for scenario, per in SAVED.items():
        for trainee, doc in per.items():
            for task in doc["grade"]["tasks"]:
                assert task["status"] in ("correct", "ungraded"), (scenario, trainee, task["id"], task["status"])
