"""Speed benchmark: data generation against bare numpy, peak memory, and grading time.

Run ``python benchmarks/bench.py`` (add ``--json`` for machine-readable output). It reports:

- bare numpy: seconds to fill a DataFrame of ``CELLS`` random float64 values (the yardstick);
- ``generate_datasets`` of the every-dataset scenario at the scale that yields about the same number of
  cells, its rows per second, and the ratio to the yardstick (the target is ≤ 3);
- the every-dataset scenario at scale 1 (target < 1 s) and the peak memory of the large run (< 1 GiB);
- grading one trainee's whole scenario once data are cached (< 200 ms) and a class of 40 answers files
  (< 10 s).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CELLS = 14_000_000
TOUR = "tour-all-datasets"
GRADED = "l4-traffic-ads"


def timed(func, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def bare_numpy(cells: int) -> float:
    rng = np.random.default_rng(0)
    cols = 14
    return timed(lambda: pd.DataFrame({f"c{i}": rng.random(cells // cols) for i in range(cols)}))


def cells_of(frames: dict[str, pd.DataFrame]) -> int:
    return sum(df.size for df in frames.values())


def generation(scenario, scale: float) -> tuple[float, int, int]:
    """Seconds (fresh trainee ids, so no cache), cells and rows at ``scale``."""
    from simulator.assessment.datasets import _build

    frames = _build(scenario, "bench-warm", scale).frames
    seconds = timed(lambda: _build(scenario, f"bench-{time.perf_counter_ns()}", scale))
    return seconds, cells_of(frames), sum(len(df) for df in frames.values())


PEAK_RSS_CODE = """
import resource
try:  # VmHWM belongs to this process image; ru_maxrss would carry the forking parent's peak over exec
    with open("/proc/self/status") as f:
        print(next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")))
except (OSError, StopIteration):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory_mib(scale: float) -> float:
    """Peak resident memory of a fresh process generating the tour at ``scale`` (its own, not ours)."""
    code = ("import simulator; from simulator.assessment.datasets import _build; "
            f"_build(simulator.load_scenario({TOUR!r}), 'mem', {scale})\n" + PEAK_RSS_CODE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def grading_times() -> tuple[float, float]:
    """(one trainee's whole scenario with data cached, a class of 40 answers files) in seconds."""
    import yaml

    from simulator import load_scenario
    from simulator.assessment.grading import answer_key, grade
    from simulator.service.classgrading import grade_folder
    from simulator.tasks import get

    sc = load_scenario(GRADED)

    def answers_for(trainee: str, folder: Path | None = None) -> dict:
        """The key as a trainee would submit it; tables as DataFrames, or as CSV files in ``folder``."""
        key = answer_key(sc, trainee)
        out = {}
        for task, entry in zip(sc.tasks, key["tasks"], strict=True):
            module = get(task.kind)
            raw = module.as_raw(entry["answer"], module.Params(**task.params), None)
            if isinstance(raw, pd.DataFrame) and folder is not None:
                name = f"{trainee}-{task.id}.csv"
                (folder / name).write_bytes(raw.to_csv(index=False).encode("gbk"))
                raw = name
            out[task.id] = raw
        return out

    answers = answers_for("bench-1")
    one = timed(lambda: grade(sc, "bench-1", answers), repeat=5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(40):
            trainee = f"class-{i + 1:02d}"
            tables = folder / "tables"
            tables.mkdir(exist_ok=True)
            answers = {k: (f"tables/{v}" if isinstance(v, str) and v.endswith(".csv") else v)
                       for k, v in answers_for(trainee, tables).items()}
            (folder / f"{trainee}.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True))
        from simulator.assessment import datasets, grading

        datasets._cache.clear()  # BoundedCache.clear: the class is graded from cold caches
        grading._keys.clear()
        start = time.perf_counter()
        grade_folder(sc, folder, folder / "gradebook", progress=False)
        whole_class = time.perf_counter() - start
    return one, whole_class


def scale_for(scenario, cells: int) -> float:
    """The scale that yields about ``cells`` cells: a guess from scale 1, refined by one build at the guess.

    Sizes need not grow in proportion to the scale (at scale 1 a family may hold only a handful of
    campaigns, whose draws decide the row count), so the guess alone can miss by a third.
    """
    from simulator.assessment.datasets import _build

    guess = cells / cells_of(_build(scenario, "bench-warm", 1.0).frames)
    return guess * cells / cells_of(_build(scenario, "bench-warm", guess).frames)


def at_cells(scenario_id: str, cells: int) -> dict:
    """Generation of ``scenario_id`` at the scale that yields about ``cells`` cells, against numpy."""
    from simulator import load_scenario

    sc = load_scenario(scenario_id)
    scale = scale_for(sc, cells)
    seconds, big_cells, rows = generation(sc, scale)
    numpy_s = bare_numpy(big_cells)
    return {"scale": round(scale, 2), "cells": big_cells, "rows": rows, "generate_s": round(seconds, 3),
            "numpy_fill_s": round(numpy_s, 3), "ratio_to_numpy": round(seconds / numpy_s, 2),
            "rows_per_s": round(rows / seconds)}


def run(cells: int = CELLS, with_grading: bool = True) -> dict:
    """Every measurement as one dictionary (``cells`` smaller for a quick check)."""
    from simulator import load_scenario

    tour = at_cells(TOUR, cells)
    small_s, _, small_rows = generation(load_scenario(TOUR), 1.0)
    result = {"tour": tour, "ads_only": at_cells(GRADED, cells),
              "tour_scale1_s": round(small_s, 3), "tour_scale1_rows": small_rows,
              "peak_memory_mib": round(peak_memory_mib(tour["scale"]), 1)}
    if with_grading:
        one, whole_class = grading_times()
        result |= {"grade_one_trainee_ms": round(one * 1000, 1), "grade_class_of_40_s": round(whole_class, 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1M cells, no grading (a smoke test)")
    args = parser.parse_args()
    result = run(1_000_000, with_grading=False) if args.quick else run()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, value in result.items():
        if isinstance(value, dict):
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        else:
            print(f"{name}: {value}")
    print(f"(ru_maxrss of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
