"""Reading a trainee's answers file (YAML or JSON mapping of task id → answer), for the CLI and class grading.

Every problem is a :class:`BadInput`: one plain line naming the file (and the line when known), never a
traceback. Nothing here loads the engine (pandas), so the store-only commands stay quick.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> (folder / "t-1.yaml").write_text("t1: 3.45%\\nt2: [A, C]\\n", encoding="utf-8")
21
>>> read_answers(folder / "t-1.yaml")
{'t1': '3.45%', 't2': ['A', 'C']}
>>> (folder / "t-2.json").write_text('{"t1": 1, "t1": 2}', encoding="utf-8")
18
>>> try:
...     read_answers(folder / "t-2.json")
... except BadInput as exc:
...     print(str(exc).removeprefix(str(folder)))
/t-2.json: cannot read answers file (duplicate key 't1')
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ANSWERS_MAX_BYTES = 20_000_000
"""Size limit of an answers file (answers are short; tables are separate files beside it)."""


class BadInput(Exception):
    """A problem with what the user gave us, reported as one line and exit code 2."""


def _json_int(text: str) -> int | float:
    """A JSON integer, refusing absurdly long ones (``int()`` of a huge string is slow).

    >>> _json_int("-12")
    -12
    """
    if len(text.lstrip("-")) > 100:
        raise ValueError("a number longer than 100 digits")
    return int(text)


def _json_constant(name: str) -> float:
    """``NaN`` and ``Infinity`` are not answers."""
    raise ValueError(f"{name} is not a number")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (the later one would silently win).

    >>> _unique_pairs([("a", 1), ("b", 2)])
    {'a': 1, 'b': 2}
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def _parse_answers(path: Path, text: str) -> Any:
    """The document of an answers file, or :class:`BadInput` naming the line and the problem."""
    import yaml

    from simulator.core import safeyaml

    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, parse_int=_json_int, parse_constant=_json_constant,
                              object_pairs_hook=_unique_pairs)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{exc.lineno}: cannot read answers file (not valid JSON: {exc.msg})") from None
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:100]
            raise BadInput(f"{path}: cannot read answers file ({reason})") from None
    try:
        return safeyaml.load(text)
    except yaml.YAMLError as exc:
        line, reason = safeyaml.describe(exc)
        raise BadInput(f"{path}:{line}: cannot read answers file (not valid YAML: {reason})") from None


def read_answers(path: Path) -> dict[str, Any]:
    """An answers file (YAML or JSON mapping of task id → answer)."""
    if not path.is_file():
        raise BadInput(f"{path}: answers file not found")
    size = path.stat().st_size
    if size > ANSWERS_MAX_BYTES:
        raise BadInput(f"{path}: answers file too large ({size / 1e6:.1f} MB; the limit is "
                       f"{ANSWERS_MAX_BYTES / 1e6:g} MB)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: cannot read answers file (not UTF-8 text)") from None
    doc = _parse_answers(path, text)
    if not isinstance(doc, dict):
        raise BadInput(f"{path}: answers file must map task ids to answers")
    return {str(k)[:200]: v for k, v in doc.items()}


__all__ = ["ANSWERS_MAX_BYTES", "BadInput", "read_answers"]
