"""Unit tests of the app's helpers: catalog, progress, tables, charts, locales, pages."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from app_helpers import ROOT, SCENARIOS

from simulator import generate_datasets, load_scenario
from simulator.app.pages import PAGES
from simulator.app.ui import catalog, explore, overview, progress, session, tables, widgets
from simulator.assessment.grading import TaskResult
from simulator.service.store import Store


def test_coarse_keeps_two_significant_digits():
    assert overview.coarse([123456, 0.012345, 0, -987, float("nan")]) == [120000.0, 0.012, 0.0, -990.0, 0.0]


def test_charts_carry_no_exact_totals():
    frames = generate_datasets(load_scenario(SCENARIOS / "app-ads.yaml"), "X-001")
    ads = frames["ad_delivery"]
    funnel = overview.ad_funnel(ads, "zh")
    exact = [ads[c].sum() for c in ("impressions", "clicks", "conversions")]
    assert list(funnel.data[0].x) == overview.coarse(exact)
    assert list(funnel.data[0].y) == ["展示数", "点击数", "转化数"]
    for fig in overview.figures("ad_delivery", ads, "en"):
        assert fig.layout.hovermode is False


def test_five_a_charts_from_the_trainees_data():
    frames = generate_datasets(load_scenario(SCENARIOS / "app-5a.yaml"), "X-001")
    bars, sankey = overview.figures("audience_5a", frames["audience_5a"], "zh")
    assert all(v == overview.coarse([v])[0] for v in sankey.data[0].link.value)
    assert bars.data[0].name == "T0"


def test_wrong_mask_marks_cells_by_row_key_and_column():
    table = pd.DataFrame({"campaign_id": ["C02", "C01"], "cost": [1.0, 2.0], "ctr": [0.1, 0.2]})
    mask = tables.wrong_mask(table, [["C01", "ctr"]], ["campaign_id"])
    assert mask.to_numpy().tolist() == [[False, False, False], [False, False, True]]
    guessed = tables.wrong_mask(table, [["C02", "cost"], ["C02", "ctr"]])
    assert guessed.to_numpy().tolist() == [[False, True, True], [False, False, False]]
    dated = pd.DataFrame({"date": ["2024-11-01", "2024/11/2"], "ctr": [0.1, 0.2]})
    assert tables.wrong_mask(dated, [["2024-11-02", "ctr"]], ["date"])["ctr"].tolist() == [False, True]


def test_read_upload_explains_bad_files():
    table, problem = tables.read_upload("计划ID,点击率\nC01,3.45%\n".encode("gbk"), "a.csv", "ad_delivery")
    assert problem is None and table["ctr"].tolist() == [0.0345]
    table, problem = tables.read_upload(b"", "empty.csv")
    assert table is None and problem.render("zh") == "文件 empty.csv 是空的"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_catalog_skips_exam_scenarios_and_broken_files(tmp_path, monkeypatch):
    base = (SCENARIOS / "app-5a.yaml").read_text("utf-8")
    _write(tmp_path, "exam.yaml", base.replace("id: app-5a", "id: an-exam") + "duration_minutes: 100\n")
    _write(tmp_path, "broken.yaml", "id: [unclosed\n")
    _write(tmp_path, "copy.yaml", base.replace("id: app-5a", "id: another-5a"))
    monkeypatch.setenv(catalog.ENV_DIRS, str(tmp_path))
    ids = [e.id for e in catalog.practice_entries()]
    assert "another-5a" in ids and "an-exam" not in ids
    entries = catalog.practice_entries(sorted(SCENARIOS.glob("*.yaml")))
    assert [e.id for e in entries] == ["app-ads", "app-mixed", "app-5a"]  # L4 before L3, then by id
    assert [e.id for e in catalog.filter_entries(entries, skills=["L3/6.1.1"])] == ["app-5a"]
    chosen = catalog.filter_entries(entries, levels=["L4"], directions=["视听运营"])
    assert [e.id for e in chosen] == ["app-mixed"]


def test_progress_keeps_the_best_score_and_ignores_format_problems():
    store = Store("sqlite://")
    progress.remember_trainee("T1", "李雷", store)
    assert progress.known_name("T1", store) == "李雷" and progress.known_name("T2", store) is None
    progress.record_check("T1", "sc", TaskResult("t1", 6.0, 10.0, "partial"), store)
    progress.record_check("T1", "sc", TaskResult("t1", 0.0, 10.0, "invalid"), store)
    progress.record_check("T1", "sc", TaskResult("t1", 2.0, 10.0, "wrong"), store)
    saved = progress.load_progress("T1", "sc", store)["t1"]
    assert (saved.best_score, saved.attempts, saved.last_status) == (6.0, 2, "wrong")
    assert progress.load_progress("T1", "other", store) == {}


def test_small_text_helpers():
    assert session.clean_id("  T 001\t") == "T001" and len(session.clean_id("x" * 99)) == session.MAX_ID_CHARS
    assert session.key("practice", "ans", "sc", "t1") == "practice.ans.sc.t1"
    assert explore.safe_name("T 001/李") == "T_001_李"
    assert widgets.md_escape("$5") == "\\$5" and widgets.fmt_points(33.3333) == "33.33"


def _locale(lang: str) -> dict[str, str]:
    return json.loads((ROOT / "simulator" / "locales" / f"{lang}.json").read_text("utf-8"))


def test_locales_have_the_same_keys_and_placeholders():
    zh, en = _locale("zh"), _locale("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_ui_key_used_in_the_code_exists():
    """Each ``"ui.…"`` literal in the app's modules is in the catalog (locale files or registered)."""
    import importlib

    from simulator.core.i18n import has

    used: set[str] = set()
    families: set[str] = set()
    for folder in ("app/ui", "app/pages"):
        for path in (ROOT / "simulator" / folder).glob("*.py"):
            importlib.import_module(f"simulator.{folder.replace('/', '.')}.{path.stem}".removesuffix(".__init__"))
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and re.fullmatch(r"ui\.[a-z_0-9]+\.[a-z_0-9.]*[a-z_0-9]", text):
                    used.add(text)
                if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant) and \
                        str(node.values[0].value).startswith("ui."):
                    families.add(str(node.values[0].value))
    assert sorted(k for k in used if not has(k)) == []
    keys = _locale("zh").keys()
    for prefix in families:
        assert any(k.startswith(prefix) for k in [*keys, *used]), prefix


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.url_path)
def test_each_page_file_has_render_and_a_main_guard(spec):
    source = spec.path.read_text("utf-8")
    assert "def render() -> None:" in source
    assert source.rstrip().endswith('if __name__ == "__main__":\n    render()')
    assert spec.title_key in _locale("zh") and spec.title_key in _locale("en")


def test_streamlit_config_hides_errors_caps_uploads_and_keeps_xsrf():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["showErrorDetails"] in ("none", False)
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["server"]["enableXsrfProtection"] is True
    assert 1 <= config["server"]["maxUploadSize"] <= 20
    assert tables.MAX_UPLOAD_BYTES == config["server"]["maxUploadSize"] * 1024 * 1024


def test_the_installed_entry_point_runs_the_same_router():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "simulator" / "app" / "entry.py"), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "练习"
    at.switch_page("pages/exam.py").run()
    assert not at.exception and at.title[0].value == "考试"
