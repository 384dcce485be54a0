"""Dataset families, one module each. ``FAMILIES`` maps a family name to its module.

>>> sorted(FAMILIES)
['accounts', 'ads', 'audience', 'experiment', 'live']
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from data.generators.base import Column

_MODULES = ("accounts", "live", "ads", "audience", "experiment")


class _Families(dict[str, ModuleType]):
    """Imports family modules on first use so a broken module names itself clearly."""

    def __missing__(self, name: str) -> ModuleType:
        if name not in _MODULES:
            raise KeyError(name)
        module = importlib.import_module(f"data.generators.{name}")
        self[name] = module
        return module

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)

    def __contains__(self, name: object) -> bool:
        return name in _MODULES

    def keys(self) -> list[str]:  # type: ignore[override]
        return list(_MODULES)


FAMILIES: dict[str, ModuleType] = _Families()


def family_of(dataset: str) -> str | None:
    """The family producing ``dataset`` (``family_of("ad_orders") == "ads"``), or None."""
    for name in _MODULES:
        if dataset in FAMILIES[name].DATASETS:
            return name
    return None


def all_columns() -> dict[str, dict[str, Column]]:
    """Every dataset's documented columns: ``{dataset: {column: Column}}``."""
    out: dict[str, dict[str, Column]] = {}
    for name in _MODULES:
        out.update(FAMILIES[name].COLUMNS)
    return out
