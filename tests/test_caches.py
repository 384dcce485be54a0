"""Every cache is a BoundedCache keyed by content, and no caller can change what the next one gets."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pandas as pd

from simulator import answer_key, generate_datasets, load_scenario
from simulator.core import cache
from simulator.core.cache import KeyedDict

ROOT = Path(__file__).resolve().parents[1] / "simulator"
CACHE_CALLS = {"OrderedDict", "lru_cache", "cache", "WeakValueDictionary"}


def _called_name(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else None


def _hand_written_caches(path: Path) -> list[str]:
    """Module-level ``OrderedDict()`` values and ``lru_cache``/``cache`` decorators in one file."""
    found = []
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            if _called_name(node.value) in CACHE_CALLS:
                found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [f"{path.name}:{node.lineno}" for d in node.decorator_list if _called_name(d) in CACHE_CALLS]
    return found


def test_no_module_level_cache_is_hand_written():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel != "core/cache.py":
            offenders += _hand_written_caches(path)
    assert offenders == []
    assert _hand_written_caches(ROOT / "core" / "cache.py") == []  # the helper itself keeps its dict inside


def test_stats_lists_every_engine_cache():
    import simulator.app.ui.exam_session  # noqa: F401 - registers the exam scenario cache
    import simulator.tasks.ab_test  # noqa: F401

    names = set(cache.stats())
    assert {"grading.keys", "datasets.bundles", "metrics.prepared", "alternatives of ab_test", "scenario.loaded",
            "labels.dataset_columns", "labels.header_index", "value_labels.reverse",
            "exam_session.scenarios"} <= names
    assert all(isinstance(c, cache.BoundedCache) for c in cache._ALL)


def test_a_caller_changing_its_key_does_not_change_the_next_callers():
    sc = load_scenario("l1-finance-risk")
    first = answer_key(sc, "cache-t1")
    pristine = copy.deepcopy(first)
    first["tasks"][0]["answer"] = {"tampered": True}
    first["tasks"].pop()
    first["total_points"] = -1
    again = answer_key(sc, "cache-t1")
    assert again == pristine and again is not first
    assert again["tasks"][0]["answer"] != {"tampered": True}


def test_frames_handed_out_are_each_callers_own():
    sc = load_scenario("l1-finance-risk")
    data = generate_datasets(sc, "cache-t2")
    name = next(iter(data))
    before = data[name].copy(deep=True)
    assert isinstance(data, KeyedDict) and data.content_key is not None
    data[name].iloc[0, 0] = None  # changed in place …
    data[name]["extra"] = 1  # … and a column added
    pd.testing.assert_frame_equal(generate_datasets(sc, "cache-t2")[name], before)
    data[name] = before.head(1)  # replacing a frame drops the mapping's content key
    assert data.content_key is None


def test_keyed_dict_drops_its_key_on_every_change():
    for change in (lambda d: d.update(b=2), lambda d: d.pop("a"), lambda d: d.setdefault("c", 3), lambda d: d.clear(),
                   lambda d: d.popitem(), lambda d: d.__delitem__("a"), lambda d: d.__ior__({"z": 0})):
        d = KeyedDict("k", {"a": 1})
        change(d)
        assert d.content_key is None


def test_doctests():
    import doctest

    from simulator.engine import metrics

    assert doctest.testmod(cache).failed == 0
    assert doctest.testmod(metrics).failed == 0


def test_frames_read_from_data_files_carry_no_content_key():
    fixture = Path(__file__).resolve().parent / "fixtures" / "byo" / "byo.yaml"
    data = generate_datasets(load_scenario(fixture), "cache-t3")
    assert isinstance(data, KeyedDict) and data.content_key is None  # a file may change under the same text
