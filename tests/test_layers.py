"""The layers only point down: a walk over every import in ``simulator/`` (and ``data/``).

Layers, bottom to top, by path (each may import itself and the ones below it):

====  ==========================  =====================================================
rank  where                       note
====  ==========================  =====================================================
0     ``simulator/core/``         shared types, i18n, seeding; imports nothing above
1     ``data/``                   dataset generators; import only ``simulator.core``
2     ``simulator/engine/``       metrics, parsing, uploads, checking
3     ``simulator/tasks/``        one module per task kind (kinds never import kinds)
4     ``simulator/assessment/``   scenario, datasets, grading, answers files
5     ``simulator/service/``      store, exams, gradebook
6     ``simulator/cli/``          ``cli`` and ``app`` are side by side: neither imports
6     ``simulator/app/``          the other
7     ``simulator/__init__.py``   the public API and ``__main__``: the top entry
====  ==========================  =====================================================

Every import counts, at module level or inside a function (a lazy import still makes the module depend
on the other one), and so does ``TYPE_CHECKING``. The rules:

1. no import of a higher layer (nor between ``cli`` and ``app``);
2. no import cycle between modules (strongly connected components of the import graph);
3. no task kind imports another task kind (``tasks/base.py`` and the registry are not kinds);
4. no module-level ``def __getattr__`` (a facade that hides where a name lives), except the lazy public
   API in ``simulator/__init__.py``.

The checker's functions are tested on small synthetic graphs, so each rule is shown to be able to fail.
"""

from __future__ import annotations

import ast
import doctest
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("simulator", "data")

RANKS = {
    "simulator.core": 0,
    "data": 1,
    "simulator.engine": 2,
    "simulator.tasks": 3,
    "simulator.assessment": 4,
    "simulator.service": 5,
    "simulator.cli": 6,
    "simulator.app": 6,
    "simulator": 7,
}
"""Rank of each layer by module-name prefix (the longest matching prefix wins)."""

SIDE_BY_SIDE = ({"simulator.cli", "simulator.app"},)
"""Layers of one rank that must not import each other."""

FACADE_ALLOWED = {"simulator"}
"""The one module allowed a module ``__getattr__``: the lazy public API."""

KINDS_PACKAGE = "simulator.tasks"
NOT_KINDS = {"simulator.tasks", "simulator.tasks.base"}

ALLOWED_CYCLES: list[list[str]] = []
"""Known cycles, each to be removed with the change that ends it (a test fails once it is gone). None now."""

ALLOWED_KIND_IMPORTS = ["task kind simulator.tasks.summary_report imports task kind simulator.tasks.report_table"]
"""Known kind-to-kind imports, to be removed like :data:`ALLOWED_CYCLES`.

``summary_report`` is several ``report_table`` sheets: it builds on that kind's params, key, parse and
check, not on a helper that could move to the engine."""


@dataclass(frozen=True)
class Module:
    """One parsed source file."""

    name: str
    """Dotted module name, e.g. ``simulator.engine.parsing`` (a package is its ``__init__``)."""
    path: Path
    is_package: bool
    tree: ast.Module


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    """Dotted name of a source file under ``root`` and whether it is a package ``__init__``.

    >>> module_name(Path("/r/simulator/engine/parsing.py"), Path("/r"))
    ('simulator.engine.parsing', False)
    >>> module_name(Path("/r/simulator/tasks/__init__.py"), Path("/r"))
    ('simulator.tasks', True)
    """
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def load_modules(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Module]:
    """Every ``.py`` file under the given top-level packages, parsed."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name, is_package = module_name(path, root)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            modules[name] = Module(name, path, is_package, tree)
    return modules


def imported_names(module: Module, known: Iterable[str]) -> set[str]:
    """The known modules a module imports anywhere in its body (at module level or in a function).

    ``from a import b`` names the module ``a.b`` when there is one, else ``a`` (``b`` is a name in it);
    relative imports are resolved against the module's package.
    """
    known = set(known)
    names: set[str] = set()
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            names.update(filter(None, (resolve(alias.name, known) for alias in node.names)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                target = resolve(f"{base}.{alias.name}", known) if alias.name != "*" else None
                names.add(target if target == f"{base}.{alias.name}" else resolve(base, known) or "")
    names.discard("")
    return names


def resolve(name: str, known: Iterable[str]) -> str | None:
    """The known module an imported dotted name refers to: itself, or the nearest enclosing known module
    (``simulator.engine.parsing.parse_number`` → ``simulator.engine.parsing``); ``None`` if outside.

    >>> resolve("simulator.engine.parsing.parse_number", {"simulator.engine.parsing", "simulator"})
    'simulator.engine.parsing'
    >>> resolve("pandas", {"simulator"}) is None
    True
    """
    known = set(known)
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def import_graph(modules: Mapping[str, Module]) -> dict[str, set[str]]:
    """Module → the other known modules it imports (a package is its ``__init__``)."""
    return {name: imported_names(module, modules) - {name} for name, module in modules.items()}


def rank(name: str) -> tuple[int, str]:
    """The layer of a module: (rank, the layer's prefix).

    >>> rank("simulator.engine.parsing")
    (2, 'simulator.engine')
    >>> rank("simulator.__main__")
    (7, 'simulator')
    >>> rank("data.generators.ads")
    (1, 'data')
    """
    best = max((p for p in RANKS if name == p or name.startswith(p + ".")), key=len)
    return RANKS[best], best


def upward_imports(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every edge to a higher layer or to a side-by-side layer, as readable lines."""
    problems = []
    for source, targets in sorted(graph.items()):
        (source_rank, source_layer) = rank(source)
        for target in sorted(targets):
            target_rank, target_layer = rank(target)
            if target_rank > source_rank:
                problems.append(f"{source} (layer {source_layer}) imports higher {target}")
            elif target_rank == source_rank and source_layer != target_layer:
                if any({source_layer, target_layer} <= pair for pair in SIDE_BY_SIDE):
                    problems.append(f"{source} imports side-by-side {target}")
    return problems


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative), each sorted.

    >>> cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]})
    [['a', 'b', 'c']]
    >>> cycles({"a": ["b"], "b": []})
    []
    """
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    edges = {n: sorted(graph.get(n, ())) for n in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:  # returning to the caller: pass the low-link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def kind_imports(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every edge from one task kind module to another."""

    def is_kind(name: str) -> bool:
        return name.startswith(KINDS_PACKAGE + ".") and name not in NOT_KINDS

    return [f"task kind {s} imports task kind {t}" for s, ts in sorted(graph.items()) if is_kind(s)
            for t in sorted(ts) if is_kind(t)]  # fmt: skip


def facades(modules: Mapping[str, Module]) -> list[str]:
    """Modules defining a module-level ``__getattr__`` (other than the allowed ones)."""
    return sorted(
        name
        for name, module in modules.items()
        if name not in FACADE_ALLOWED
        and any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "__getattr__"
                for n in module.tree.body)
    )  # fmt: skip


# --- the project ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return load_modules()


@pytest.fixture(scope="module")
def graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    return import_graph(modules)


def test_the_walk_sees_the_project(modules: dict[str, Module], graph: dict[str, set[str]]) -> None:
    assert {"simulator.core.results", "simulator.assessment.answers", "simulator.tasks.metric"} <= set(modules)
    assert "simulator.core.results" in graph["simulator.engine.parsing"]
    assert "simulator.assessment.answers" in graph["simulator.cli.main"]
    assert "simulator.service.exam_grading" in graph["simulator.service.exams"]  # inside submit()
    assert "simulator.engine.metrics" in graph["simulator.engine.plantables"]  # inside a function
    assert all(rank(name) for name in modules)


def test_no_upward_import(graph: dict[str, set[str]]) -> None:
    assert upward_imports(graph) == []


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    assert [c for c in cycles(graph) if c not in ALLOWED_CYCLES] == []


def test_no_task_kind_imports_another(graph: dict[str, set[str]]) -> None:
    assert [line for line in kind_imports(graph) if line not in ALLOWED_KIND_IMPORTS] == []


def test_allowed_exceptions_are_still_needed(graph: dict[str, set[str]]) -> None:
    """An allowance whose cycle or import is gone must be deleted, so it cannot hide a new one later."""
    gone = [c for c in ALLOWED_CYCLES if c not in cycles(graph)]
    gone += [line for line in ALLOWED_KIND_IMPORTS if line not in kind_imports(graph)]
    assert gone == [], "remove these from ALLOWED_CYCLES / ALLOWED_KIND_IMPORTS in tests/test_layers.py"


def test_no_module_getattr_facade(modules: dict[str, Module]) -> None:
    assert facades(modules) == []
    assert any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__" for n in modules["simulator"].tree.body)


# --- the checker on synthetic code --------------------------------------------------------------------


def test_the_checkers_examples() -> None:
    result = doctest.testmod(sys.modules[__name__])
    assert result.failed == 0 and result.attempted >= 8


def _fake(tmp_path: Path, files: Mapping[str, str]) -> dict[str, Module]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_modules(tmp_path, ("simulator",))


_PACKAGES = {f"simulator/{p}/__init__.py": "" for p in ("core", "engine", "tasks", "cli", "app", "service")}


def test_checker_catches_an_upward_import_even_inside_a_function(tmp_path: Path) -> None:
    modules = _fake(tmp_path, {
        **_PACKAGES,
        "simulator/__init__.py": "",
        "simulator/core/low.py": "def f():\n    from simulator.engine.high import g\n",
        "simulator/engine/high.py": "from simulator.core import low\n",
        "simulator/cli/main.py": "from ..app import page\n",
        "simulator/app/page.py": "",
    })  # fmt: skip
    graph = import_graph(modules)
    assert graph["simulator.engine.high"] == {"simulator.core.low"}
    assert upward_imports(graph) == [
        "simulator.cli.main imports side-by-side simulator.app.page",
        "simulator.core.low (layer simulator.core) imports higher simulator.engine.high",
    ]
    assert cycles(graph) == [["simulator.core.low", "simulator.engine.high"]]


def test_checker_catches_a_cycle_within_one_layer(tmp_path: Path) -> None:
    modules = _fake(tmp_path, {
        **_PACKAGES,
        "simulator/service/a.py": "import simulator.service.b\n",
        "simulator/service/b.py": "from simulator.service.c import x\n",
        "simulator/service/c.py": "def f():\n    from simulator.service import a\n",
        "simulator/service/d.py": "from simulator.service import a\n",
    })  # fmt: skip
    graph = import_graph(modules)
    assert upward_imports(graph) == []
    assert cycles(graph) == [["simulator.service.a", "simulator.service.b", "simulator.service.c"]]


def test_checker_catches_a_kind_importing_a_kind(tmp_path: Path) -> None:
    modules = _fake(tmp_path, {
        **_PACKAGES,
        "simulator/tasks/base.py": "",
        "simulator/tasks/one.py": "from simulator.tasks.base import X\nfrom simulator.tasks import two\n",
        "simulator/tasks/two.py": "from simulator.tasks import base\n",
    })  # fmt: skip
    graph = import_graph(modules)
    assert kind_imports(graph) == ["task kind simulator.tasks.one imports task kind simulator.tasks.two"]
    assert cycles(graph) == []


def test_checker_catches_a_facade(tmp_path: Path) -> None:
    modules = _fake(tmp_path, {
        **_PACKAGES,
        "simulator/__init__.py": "def __getattr__(name):\n    raise AttributeError(name)\n",
        "simulator/service/hub.py": "def __getattr__(name):\n    raise AttributeError(name)\n",
        "simulator/service/ok.py": "class A:\n    def __getattr__(self, name):\n        return 1\n",
    })  # fmt: skip
    assert facades(modules) == ["simulator.service.hub"]
