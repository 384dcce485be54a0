"""YAML for files people hand us (answers, scenarios, the app's editors), with bounded cost.

PyYAML's ``SafeLoader`` never runs code, but it happily builds an alias "billion laughs" whose expanded
size is exponential, recurses until Python's stack gives out on deep nesting, lets a repeated key
silently win, and turns a 5,000-digit integer into a ``ValueError`` outside :class:`yaml.YAMLError`.
:func:`load` refuses all of these as :class:`YamlLimitError` (a ``yaml.YAMLError``) with the line.

>>> load("a: 1\\nb: [x, y]\\n")
{'a': 1, 'b': ['x', 'y']}
>>> try:
...     load("a: 1\\na: 2\\n")
... except yaml.YAMLError as exc:
...     print(exc)
line 2: duplicate key 'a' (first on line 1)
"""

from __future__ import annotations

import math
from typing import Any

import yaml as yaml  # re-exported: callers catch safeyaml.yaml.YAMLError

MAX_NODES = 200_000
"""Nodes of the document once every alias is expanded (a long scenario has ~5,000)."""
MAX_ALIASES = 1_000
"""Alias uses (``*name``) in one document."""
MAX_DEPTH = 64
"""Nesting depth of mappings and lists."""
MAX_NUMBER_CHARS = 100
"""Characters of one number literal (Python refuses int strings over 4,300 digits)."""


class YamlLimitError(yaml.YAMLError):
    """A document over one of the limits above, or with a duplicate key; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem
        self.problem_mark = None


def _line(node_or_mark: Any) -> int:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return (mark.line + 1) if mark is not None else 1


class BoundedLoader(yaml.SafeLoader):
    """A ``SafeLoader`` that counts nodes, aliases and depth while composing and rejects duplicate keys."""

    finite_only = False
    """When True, ``.inf``/``.nan`` and floats that overflow (``1e999``) are errors too."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._start()

    def _start(self) -> None:
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(_line(self.peek_event()),  # type: ignore[no-untyped-call]
                                     f"more than {MAX_ALIASES} aliases (*name)")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(_line(self.peek_event()),  # type: ignore[no-untyped-call]
                                 f"nested more than {MAX_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None and self._expanded(node) > MAX_NODES:
            raise YamlLimitError(_line(node), f"more than {MAX_NODES:,} values once aliases are expanded")
        return node

    def _expanded(self, node: Any) -> int:
        """Size of ``node`` with aliases expanded, memoised per node so the walk stays linear."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        self._sizes[id(node)] = MAX_NODES + 1  # a node reached again while being sized: a cycle
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            total += self._expanded(child)
            if total > MAX_NODES:
                break
        self._sizes[id(node)] = total
        return total

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                if key in seen:
                    raise YamlLimitError(_line(key_node),
                                         f"duplicate key {str(key)[:40]!r} (first on line {seen[key]})")
                seen[key] = _line(key_node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> Any:
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            raise YamlLimitError(_line(node), f"a number longer than {MAX_NUMBER_CHARS} digits")
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            raise YamlLimitError(_line(node), f"a number longer than {MAX_NUMBER_CHARS} characters")
        value = super().construct_yaml_float(node)
        if self.finite_only and not math.isfinite(value):
            raise YamlLimitError(_line(node), f"{str(node.value)[:40]} is not a finite number")
        return value

    def construct_yaml_timestamp(self, node: Any) -> Any:
        """A date-like scalar that is no real date (``2024-13-45``) stays text, for the reader to judge."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return str(node.value)


BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp)
BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
BoundedLoader.add_constructor("tag:yaml.org,2002:float", BoundedLoader.construct_yaml_float)


if hasattr(yaml, "CSafeLoader"):
    from yaml._yaml import CParser

    class _FastLoader(CParser, BoundedLoader):
        """libyaml's scanner and parser (the pure-Python scanner needs ~1 s per MB) under the counting
        composer above: only the event stream comes from C, so every limit still applies."""

        get_single_node = yaml.composer.Composer.get_single_node
        get_node = yaml.composer.Composer.get_node
        check_node = yaml.composer.Composer.check_node

        def __init__(self, stream: Any):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._start()

    Loader: type = _FastLoader
else:  # pragma: no cover - PyYAML built without libyaml
    Loader = BoundedLoader


class FiniteLoader(Loader):  # type: ignore[misc]
    """The loader that also refuses infinite and NaN floats (scenario files)."""

    finite_only = True


def load(text: str, *, finite: bool = False) -> Any:
    """The document in ``text``; :class:`yaml.YAMLError` (often :class:`YamlLimitError`) when refused."""
    try:
        return yaml.load(text, Loader=FiniteLoader if finite else Loader)  # noqa: S506 - safe loader
    except RecursionError:
        raise YamlLimitError(1, f"nested more than {MAX_DEPTH} levels deep") from None


def compose(text: str) -> Any:
    """The node tree of ``text`` (for line numbers), under the same limits as :func:`load`."""
    try:
        return yaml.compose(text, Loader=Loader)  # noqa: S506 - safe loader
    except RecursionError:
        raise YamlLimitError(1, f"nested more than {MAX_DEPTH} levels deep") from None


def describe(exc: yaml.YAMLError) -> tuple[int, str]:
    """``(line, reason)`` of a YAML error, for ``file:line: …`` messages (never the document's text)."""
    if isinstance(exc, YamlLimitError):
        return exc.line, exc.problem
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return (mark.line + 1 if mark else 1), str(reason)[:200]
