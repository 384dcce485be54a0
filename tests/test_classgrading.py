"""Grading a class folder: the worker processes give the same gradebook as grading in one process."""

from __future__ import annotations

import pandas as pd
import yaml

from simulator import load_scenario
from simulator.assessment.grading import answer_key
from simulator.service.classgrading import MIN_FILES_PER_POOL, default_workers, grade_folder
from simulator.tasks import get

SCENARIO = "l4-traffic-ads"


def test_default_workers_is_one_or_two():
    assert default_workers() in (1, 2)


def test_worker_processes_grade_like_one_process(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    key = answer_key(SCENARIO, "s00")
    full = {e["id"]: get(e["kind"]).as_raw(e["answer"], get(e["kind"]).Params(**e["params"]), None)
            for e in key["tasks"] if e["kind"] in ("metric", "choice")}
    for i in range(MIN_FILES_PER_POOL):
        answers = full if i == 0 else {"t1": f"{i}%", "t7": "B"}
        (folder / f"s{i:02d}.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    sc = load_scenario(SCENARIO)
    books = {}
    for workers in (1, 2):
        csv, _ = grade_folder(sc, folder, tmp_path / f"book{workers}", progress=False, workers=workers)
        books[workers] = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    pd.testing.assert_frame_equal(books[1], books[2])
    assert len(books[1]) == MIN_FILES_PER_POOL
    assert float(books[1].set_index("学号").loc["s00", "总分"]) >= 40
