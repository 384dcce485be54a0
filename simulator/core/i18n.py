"""Message catalogs: zh (default) and en, looked up by key.

Every message lives in a locale file under ``simulator/locales/`` (see its README.md), all loaded
once when this module is imported, so a task kind's messages are there before its module is:
``locales/zh.json`` and ``locales/en.json`` hold the app's UI strings (one file per language), and
each source module's catalog is one file ``locales/<folder>/<module>.json`` holding
``{key: {"zh": ..., "en": ...}}`` (task kinds in ``kinds/``). A key in two files is an error.
Only messages derived from other data (column display names) are added by code with
:func:`register`. A :class:`Msg` carries a key and arguments and is rendered late, in the reader's
language.

>>> register({"demo.hello": {"zh": "你好,{name}", "en": "Hello, {name}"}})
>>> t("demo.hello", "en", name="Li")
'Hello, Li'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
_CATALOG: dict[str, dict[str, str]] = {}


def register(messages: dict[str, dict[str, str]]) -> None:
    """Adds ``{key: {"zh": ..., "en": ...}}`` entries; a key registered twice must not change."""
    for key, texts in messages.items():
        missing = [lang for lang in LANGS if lang not in texts]
        if missing:
            raise ValueError(f"message {key!r} lacks {missing}")
        old = _CATALOG.get(key)
        if old is not None and old != texts:
            raise ValueError(f"message {key!r} registered twice with different texts")
        _CATALOG[key] = dict(texts)


UI_FILES = tuple(f"{lang}.json" for lang in LANGS)
"""The app's UI catalogs, one file per language, directly in ``locales/``."""


@dataclass(frozen=True)
class CatalogFile:
    """One locale file's messages: ``name`` is its path under ``locales/`` (``kinds/ab_test.json``)."""

    name: str
    messages: dict[str, dict[str, str]]


def locales_folder() -> Traversable:
    """The installed ``simulator/locales`` folder (works from a checkout and from a wheel)."""
    return resources.files("simulator") / "locales"


def _checked(name: str, data: object) -> dict[str, dict[str, str]]:
    """``data`` as ``{key: {"zh": str, "en": str}}``; ``ValueError`` naming ``name`` otherwise."""
    if not isinstance(data, dict):
        raise ValueError(f"locale file {name}: expected an object of messages")
    for key, texts in data.items():
        if not isinstance(texts, dict) or sorted(texts) != sorted(LANGS) or not all(
                isinstance(text, str) for text in texts.values()):
            raise ValueError(f"locale file {name}: message {key!r} must map exactly {list(LANGS)} to text")
    return data


def _ui_catalog(folder: Traversable) -> CatalogFile:
    """``zh.json`` and ``en.json`` merged into one catalog (keys in only one language are skipped)."""
    merged: dict[str, dict[str, str]] = {}
    for lang, file_name in zip(LANGS, UI_FILES, strict=True):
        path = folder / file_name
        if path.is_file():
            for key, text in json.loads(path.read_text("utf-8")).items():
                merged.setdefault(key, {})[lang] = text
    return CatalogFile("+".join(UI_FILES), {k: v for k, v in merged.items() if all(lang in v for lang in LANGS)})


def catalog_files(folder: Traversable | None = None) -> list[CatalogFile]:
    """Every per-module locale file ``<subfolder>/<module>.json`` under ``folder``, sorted by name."""
    folder = folder if folder is not None else locales_folder()
    found: list[CatalogFile] = []
    for sub in sorted((entry for entry in folder.iterdir() if entry.is_dir()), key=lambda e: e.name):
        for path in sorted((p for p in sub.iterdir() if p.name.endswith(".json")), key=lambda p: p.name):
            name = f"{sub.name}/{path.name}"
            found.append(CatalogFile(name, _checked(name, json.loads(path.read_text("utf-8")))))
    return found


def merge_catalogs(files: list[CatalogFile]) -> dict[str, dict[str, str]]:
    """All files' messages in one dict; a key in two files is a ``ValueError`` naming both.

    >>> merge_catalogs([CatalogFile("a.json", {"k": {"zh": "一", "en": "one"}}),
    ...                 CatalogFile("b.json", {"k": {"zh": "一", "en": "one"}})])
    Traceback (most recent call last):
    ValueError: message 'k' is in two locale files: a.json and b.json
    """
    merged: dict[str, dict[str, str]] = {}
    source: dict[str, str] = {}
    for catalog in files:
        for key, texts in catalog.messages.items():
            if key in source:
                raise ValueError(f"message {key!r} is in two locale files: {source[key]} and {catalog.name}")
            source[key] = catalog.name
            merged[key] = texts
    return merged


def _load_locale_files() -> None:
    folder = locales_folder()
    register(merge_catalogs([_ui_catalog(folder), *catalog_files(folder)]))


def normalise_lang(lang: str | None) -> str:
    """'zh-CN', 'ZH', None → 'zh'; 'en-US' → 'en'."""
    if not lang:
        return DEFAULT_LANG
    code = lang.lower().split("-")[0].split("_")[0]
    return code if code in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = None, /, **kwargs: Any) -> str:
    """The text of ``key`` in ``lang`` with ``kwargs`` filled in; an unknown key returns itself."""
    texts = _CATALOG.get(key)
    if texts is None:
        return key
    text = texts[normalise_lang(lang)]
    return text.format_map(_KeepMissing(kwargs))


class _KeepMissing(dict[str, Any]):
    """Format arguments that leave a placeholder nobody filled as it is, so ``{{`` always renders as ``{``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def has(key: str) -> bool:
    return key in _CATALOG


@dataclass(frozen=True)
class Msg:
    """A message to render later: catalog key plus format arguments."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str | None = None) -> str:
        args = {k: (v.render(lang) if isinstance(v, Msg) else v) for k, v in self.args.items()}
        return t(self.key, lang, **args)


def msg(key: str, **kwargs: Any) -> Msg:
    return Msg(key, kwargs)


def render_all(messages: list[Msg], lang: str | None = None, sep: str = " ") -> str:
    return sep.join(m.render(lang) for m in messages)


_load_locale_files()
