"""The shared misconception catalog, and every message catalog rendered without template leftovers."""

from __future__ import annotations

import importlib
import pkgutil
import string

import pandas as pd
import pytest

import simulator
from simulator.core import i18n, misconceptions
from simulator.core.i18n import LANGS, t


def _import_everything() -> None:
    """Imports every module that registers messages (engine, task kinds, UI helpers; not the pages)."""
    for info in pkgutil.walk_packages(simulator.__path__, "simulator."):
        if not any(part in info.name for part in (".pages", ".migrations", "__main__", "app_entry")):
            importlib.import_module(info.name)


class Sample:
    """A sample value for any placeholder: a number under a format spec, else a word."""

    def __format__(self, spec: str) -> str:
        return format(3.4512, spec) if spec else "示例"


def _fields(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_renders_in_both_languages_without_braces_left():
    _import_everything()
    assert len(i18n._CATALOG) > 500
    bad = []
    for key, texts in i18n._CATALOG.items():
        for lang in LANGS:
            args = {name: Sample() for name in _fields(texts[lang])}
            rendered = t(key, lang, **args)
            if "{" in rendered or "}" in rendered:
                bad.append(f"{key} [{lang}]: {rendered}")
    assert not bad, "\n".join(bad)


def test_the_five_a_map_format_hint_shows_no_braces():
    from simulator.tasks import five_a_map  # noqa: F401 — registers the hint

    for lang in LANGS:
        hint = t("five_a_map.not_mapping", lang)
        assert "A1>A2: 30" in hint and "{" not in hint and "}" not in hint


@pytest.mark.parametrize("grain, zh, en", [("day", "每天", "daily"), ("week", "每周", "weekly"),
                                          ("month", "每月", "monthly"), ("row", "每一行", "row")])
def test_mean_of_ratios_carries_the_period_word(grain, zh, en):
    text = misconceptions.message(misconceptions.mean_of_ratios_key(grain))
    assert f"先算{zh}的比率" in text.render("zh") and f"mean of the {en} ratios" in text.render("en")


def test_older_keys_render_in_the_catalog_words():
    assert misconceptions.message("report_table.mean_of_ratios").render("en") == t(
        "misc.mean_of_ratios.day", "en")
    assert misconceptions.canonical("metric.filter_ignored") == "misc.filter_ignored"
    assert misconceptions.canonical("metrics.variant.cpa_orders") == "metrics.variant.cpa_orders"


@pytest.mark.parametrize("dates, grain", [
    (["2024-01-01", "2024-02-01", "2024-04-01"], "month"),
    (["2024-01-15", "2024-02-15", "2024-03-15"], "month"),
    (["2024-11-04", "2024-11-11", "2024-11-25"], "week"),
    (["2024-11-01", "2024-11-02", "2024-11-02", "2024-11-05"], "day"),
    (["2024-11-01"], "day"),
])
def test_date_grain(dates, grain):
    assert misconceptions.date_grain(pd.Series(pd.to_datetime(dates))) == grain
