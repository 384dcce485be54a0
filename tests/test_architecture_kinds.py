"""No module outside ``simulator/tasks/`` dispatches on a task kind's name.

Every page, the restore of a saved answer, the grading view and the task sheet draw any kind from what
the kind declares (its form, its question); a comparison with a kind's name (``kind == "metric"``,
``task.kind in ("report_table", …)``, a ``{"metric": …}`` dispatch table) would mean a new kind has
to be taught to that module too. The checker walks each module's syntax tree and flags a string
literal equal to a registered kind name (:func:`simulator.tasks.kinds`) when it is compared, tested
for membership, or used as a dict key / in a collection that is compared against. Other things called
"kind" (``dtype.kind``, ``spec.kind == "number"``, a record kind ``"regrade"``) are not kind names and
do not trip it: the literal's value decides — except that a field spec's kind ``"choice"`` shares its
name with a task kind, so ``spec.kind`` compared with field-kind names is let through.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator import tasks as registry

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulator"
EXEMPT = PACKAGE / "tasks"
"""The kinds themselves may name themselves and each other's parts."""

FIELD_SPEC_KINDS = frozenset({"number", "bool", "choice", "text"})
"""A graded field's kind (``FieldSpec.kind`` in the engine); ``"choice"`` shares its name with the choice
task kind, so ``spec.kind == "choice"`` compares a field kind, not a task kind. Only that subject and only
these values are let through: ``spec.kind == "metric"`` is still caught."""
FIELD_SPEC_SUBJECT = "spec.kind"


PENDING: set[tuple[str, str]] = set()
"""Kind-name dispatch allowed outside simulator/tasks/ for now: none. (The kinds declare rater grading,
report tables and answer-size limits themselves.) An entry must still exist, so the list only shrinks."""


@dataclass(frozen=True)
class Finding:
    """One kind-name comparison: where, and the expression's source text."""

    path: str
    line: int
    source: str


def _kind_literals(node: ast.AST, names: frozenset[str]) -> bool:
    """Whether ``node`` is, or directly holds, a string literal that is a kind name."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in names
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_kind_literals(e, names) for e in node.elts)
    if isinstance(node, ast.Dict):
        return any(k is not None and _kind_literals(k, names) for k in node.keys)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("frozenset", "set",
                                                                                          "tuple", "dict"):
        return any(_kind_literals(a, names) for a in node.args)
    return False


def _field_spec_kind(node: ast.Compare) -> bool:
    """``spec.kind == "choice"`` (or ``!=``, ``in``): a field spec's kind compared with field-kind names."""
    sides = [node.left, *node.comparators]
    subjects = [side for side in sides if not isinstance(side, ast.Constant)]
    literals = [side.value for side in sides if isinstance(side, ast.Constant)]
    return (len(subjects) == 1 and ast.unparse(subjects[0]) == FIELD_SPEC_SUBJECT and bool(literals)
            and all(isinstance(v, str) and v in FIELD_SPEC_KINDS for v in literals))


def _flagged(node: ast.AST, names: frozenset[str]) -> bool:
    """A comparison/membership test with a kind name, a match case on one, or a collection of kind
    names (a dispatch table or a set of kinds), wherever it stands."""
    if isinstance(node, ast.Compare):
        if _field_spec_kind(node):
            return False
        return any(_kind_literals(side, names) for side in (node.left, *node.comparators))
    if isinstance(node, ast.MatchValue):
        return _kind_literals(node.value, names)
    if isinstance(node, ast.Dict | ast.Set):
        return _kind_literals(node, names)
    if isinstance(node, ast.Tuple | ast.List):
        return sum(_kind_literals(e, names) for e in node.elts) >= 2
    return isinstance(node, ast.Call) and _kind_literals(node, names)


def findings(source: str, path: str, names: frozenset[str]) -> list[Finding]:
    """Every kind-name dispatch in one module's source (outermost expressions only).

    >>> kinds = frozenset({"metric", "choice"})
    >>> [f.source for f in findings('if task.kind == "metric":\\n    pass\\n', "m.py", kinds)]
    ['task.kind == "metric"']
    >>> findings('ok = spec.kind == "number" or dtype.kind in "iu"\\n', "m.py", kinds)
    []
    """
    tree = ast.parse(source, path)
    out: list[Finding] = []
    skip: set[int] = set()
    for node in ast.walk(tree):
        if id(node) in skip or not _flagged(node, names):
            continue
        skip.update(id(inner) for inner in ast.walk(node))
        text = ast.get_source_segment(source, node) or ast.dump(node)
        out.append(Finding(path, getattr(node, "lineno", 0), " ".join(text.split())))
    return out


def repo_findings() -> list[Finding]:
    """Kind-name dispatch in every module of the package outside ``simulator/tasks/``."""
    names = frozenset(registry.kinds())
    out: list[Finding] = []
    for file in sorted(PACKAGE.rglob("*.py")):
        if EXEMPT in file.parents:
            continue
        out += findings(file.read_text("utf-8"), file.relative_to(ROOT).as_posix(), names)
    return out


def test_no_module_outside_the_tasks_dispatches_on_a_kind_name() -> None:
    found = repo_findings()
    new = [f for f in found if (f.path, f.source) not in PENDING]
    assert not new, "\n".join(f"{f.path}:{f.line}: {f.source}" for f in new)


def test_every_listed_exception_still_exists() -> None:
    found = {(f.path, f.source) for f in repo_findings()}
    stale = PENDING - found
    assert not stale, f"fixed — remove from the list: {sorted(stale)}"


def test_the_app_names_no_kind_at_all() -> None:
    assert not [f for f in repo_findings() if f.path.startswith("simulator/app/")]


PLANTED = '''
FORMS = {"metric": number, "report_table": upload}
UPLOADS = ("report_table", "kpi_tree")

def draw(fc, dtype, spec, record):
    if fc.task.kind == "metric":
        return 1
    if kind in ("report_table", "kpi_tree"):
        return 2
    if "free_text" != task.kind:
        return 3
    match kind:
        case "choice":
            return 4
    if dtype.kind == "f" or spec.kind == "number" or record.kind == "regrade" or spec.kind == "choice":
        return 5
    if spec.kind == "metric":
        return 6
    return {"value": 1}["value"]
'''


@pytest.mark.parametrize("needle", [
    '{"metric": number, "report_table": upload}',
    '("report_table", "kpi_tree")',
    'fc.task.kind == "metric"',
    'kind in ("report_table", "kpi_tree")',
    '"free_text" != task.kind',
    '"choice"',
    'spec.kind == "metric"',
])
def test_the_checker_catches_planted_dispatch(needle: str) -> None:
    found = [f.source for f in findings(PLANTED, "planted.py", frozenset(registry.kinds()))]
    assert needle in found, found


def test_the_checker_ignores_other_kinds_of_kind() -> None:
    found = findings(PLANTED, "planted.py", frozenset(registry.kinds()))
    assert len(found) == 7, found
    assert not any("dtype" in f.source or "regrade" in f.source or '"value"' in f.source for f in found)
    assert 'spec.kind == "choice"' not in [f.source for f in found]  # a field kind, not a task kind
