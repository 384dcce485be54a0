"""Message catalogs: zh (default) and en, looked up by key.

Modules register their own messages with :func:`register`; UI strings live in ``locales/*.json``.
A :class:`Msg` carries a key and arguments and is rendered late, in the reader's language.

>>> register({"demo.hello": {"zh": "你好,{name}", "en": "Hello, {name}"}})
>>> t("demo.hello", "en", name="Li")
'Hello, Li'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
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


def _load_locale_files() -> None:
    folder = resources.files("simulator") / "locales"
    merged: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        path = folder / f"{lang}.json"
        if not path.is_file():
            continue
        for key, text in json.loads(path.read_text("utf-8")).items():
            merged.setdefault(key, {})[lang] = text
    register({k: v for k, v in merged.items() if all(lang in v for lang in LANGS)})


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
