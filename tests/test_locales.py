"""The locale files under simulator/locales/: well formed, one home per key, the same placeholders in
zh and en, and every task kind's literal keys in its own file."""

from __future__ import annotations

import ast
import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import tasks
from simulator.core import i18n
from simulator.core.i18n import LANGS, CatalogFile, catalog_files, merge_catalogs

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "simulator" / "locales"
MODULE_FILES = sorted(LOCALES.glob("*/*.json"))


def _placeholders(text: str) -> set[str]:
    """The names of the ``{fields}`` in ``text`` (``{{`` escapes are not fields)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text)
            if name is not None}


def _every_entry() -> list[tuple[str, str, dict[str, str]]]:
    """(file, key, texts) for every message: the per-module files and the UI pair zh.json/en.json."""
    ui = {lang: json.loads((LOCALES / f"{lang}.json").read_text("utf-8")) for lang in LANGS}
    entries = [("zh.json+en.json", key, {lang: ui[lang][key] for lang in LANGS})
               for key in ui["zh"] if key in ui["en"]]
    for path in MODULE_FILES:
        for key, texts in json.loads(path.read_text("utf-8")).items():
            entries.append((path.relative_to(LOCALES).as_posix(), key, texts))
    return entries


def test_there_is_a_file_per_catalog_and_every_file_parses():
    assert len(MODULE_FILES) >= 27
    for path in [LOCALES / "zh.json", LOCALES / "en.json", *MODULE_FILES]:
        data = json.loads(path.read_text("utf-8"))
        assert isinstance(data, dict) and data, path


def test_every_entry_has_zh_and_en_text():
    for name, key, texts in _every_entry():
        assert isinstance(texts, dict) and sorted(texts) == sorted(LANGS), (name, key)
        assert all(isinstance(text, str) and text.strip() for text in texts.values()), (name, key)


def test_no_key_is_in_two_files():
    seen: dict[str, str] = {}
    clashes = []
    for name, key, _ in _every_entry():
        if key in seen:
            clashes.append(f"{key}: {seen[key]} and {name}")
        seen[key] = name
    assert not clashes, "\n".join(clashes)


def test_zh_and_en_have_the_same_placeholders():
    differ = [f"{name} {key}: zh {sorted(_placeholders(texts['zh']))} en {sorted(_placeholders(texts['en']))}"
              for name, key, texts in _every_entry()
              if _placeholders(texts["zh"]) != _placeholders(texts["en"])]
    assert not differ, "\n".join(differ)


def test_placeholders_and_brace_escapes_survive_the_move():
    assert _placeholders(i18n.t("parse.not_a_choice", "zh")) == {"text", "letters"}
    hint = i18n.t("five_a_map.not_mapping", "en")
    assert "A1>A2: 30" in hint and "{" not in hint


def test_the_loader_names_both_files_of_a_duplicate_key(tmp_path):
    for sub, text in (("kinds", "一"), ("engine", "一")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "demo.json").write_text(json.dumps({"demo.key": {"zh": text, "en": "one"}}), "utf-8")
    with pytest.raises(ValueError, match=r"'demo.key' is in two locale files: engine/demo.json and kinds/demo.json"):
        merge_catalogs(catalog_files(tmp_path))


def test_the_loader_refuses_an_entry_without_both_languages(tmp_path):
    (tmp_path / "kinds").mkdir()
    (tmp_path / "kinds" / "demo.json").write_text(json.dumps({"demo.key": {"zh": "一"}}), "utf-8")
    with pytest.raises(ValueError, match=r"kinds/demo.json: message 'demo.key'"):
        catalog_files(tmp_path)


def test_the_shipped_files_load_into_the_catalog():
    files = catalog_files()
    assert [f.name for f in files] == [p.relative_to(LOCALES).as_posix() for p in MODULE_FILES]
    for catalog in files:
        for key, texts in catalog.messages.items():
            assert i18n._CATALOG[key] == texts, (catalog.name, key)
    merged = merge_catalogs([CatalogFile("x.json", {"a": {"zh": "甲", "en": "A"}}),
                             CatalogFile("y.json", {"b": {"zh": "乙", "en": "B"}})])
    assert merged == {"a": {"zh": "甲", "en": "A"}, "b": {"zh": "乙", "en": "B"}}


def test_every_kind_has_a_locale_file_with_only_its_own_keys():
    files = {p.stem for p in (LOCALES / "kinds").glob("*.json")}
    assert files == set(tasks.kinds())
    for kind in tasks.kinds():
        keys = json.loads((LOCALES / "kinds" / f"{kind}.json").read_text("utf-8"))
        assert all(key.startswith(f"{kind}.") for key in keys), kind


def _literal_keys(source: str, kind: str) -> set[str]:
    """String constants in ``source`` shaped like ``<kind>.word[.word…]`` (not parts of f-strings)."""
    tree = ast.parse(source)
    in_fstrings = {id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                   for value in node.values}
    shape = re.compile(rf"^{re.escape(kind)}(\.[A-Za-z0-9_]+)+$")
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in in_fstrings and shape.match(node.value)}


def test_the_key_scan_finds_literal_keys_only():
    source = 'msg("demo.field.a")\nf"demo.field.{x}"\n"demo."\n"demo.csv file"\n'
    assert _literal_keys(source, "demo") == {"demo.field.a"}


@pytest.mark.parametrize("kind", tasks.kinds())
def test_every_literal_key_of_a_kind_is_in_its_file(kind):
    used = _literal_keys((ROOT / "simulator" / "tasks" / f"{kind}.py").read_text("utf-8"), kind)
    keys = json.loads((LOCALES / "kinds" / f"{kind}.json").read_text("utf-8"))
    assert used, kind
    assert not used - set(keys), sorted(used - set(keys))


def test_a_kinds_messages_exist_before_its_module_is_imported():
    code = ("import sys\nfrom simulator.core import i18n\n"
            "assert not [m for m in sys.modules if m.startswith('simulator.tasks.')], sorted(sys.modules)\n"
            "print(i18n.t('ab_test.field.p_value', 'en'), i18n.t('kpi_tree.col.target_gmv', 'zh'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["p-value", "目标GMV"]


def test_every_metric_variant_has_its_message_in_the_metrics_file():
    from simulator.engine import metrics

    keys = json.loads((LOCALES / "engine" / "metrics.json").read_text("utf-8"))
    names = {v.name for by_name in metrics.VARIANTS.values() for v in by_name.values()}
    assert len(names) >= 16
    assert {f"metrics.variant.{name}" for name in names} <= set(keys)
    cpa = metrics.VARIANTS["cpa"]["cpa_orders"].message
    assert cpa.render("en") == "CPA was divided by orders; it is cost / conversions"


def test_no_module_registers_a_literal_catalog_any_more():
    """Catalogs live in locale files: a ``register({...})`` of literal texts in code is a regression."""
    inline = []
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "register"
                    and node.args and isinstance(node.args[0], ast.Dict)):
                try:
                    ast.literal_eval(node.args[0])
                except ValueError:
                    continue
                inline.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not inline, inline


def test_i18n_doctests():
    import doctest

    result = doctest.testmod(i18n)
    assert result.attempted >= 3 and result.failed == 0
