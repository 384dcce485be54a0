"""The generated docs are up to date, and the guides exist with what a newcomer needs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from data.generators import all_columns

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_metric_glossary_is_generated_from_metrics_py():
    assert (ROOT / "docs" / "metrics.md").read_text("utf-8") == _tool("make_metrics_doc").render()


def test_datasets_doc_lists_every_column_with_its_chinese_label():
    text = (ROOT / "docs" / "datasets.md").read_text("utf-8")
    for dataset, columns in all_columns().items():
        assert f"### `{dataset}`" in text, dataset
        for col, spec in columns.items():
            assert f"| `{col}` | {spec.zh} |" in text, (dataset, col)


def test_datasets_doc_prints_the_calibrated_profiles_and_their_sources():
    from data.generators.profiles import BANDS, SOURCES

    text = (ROOT / "docs" / "datasets.md").read_text("utf-8")
    assert _tool("make_datasets_doc").render_profiles() in text
    assert all(band.label in text for band in BANDS.values()) and all(s in text for s in SOURCES.values())


def test_authoring_guide_example_is_a_valid_scenario(tmp_path):
    from simulator.assessment.scenario import parse_scenario

    text = (ROOT / "docs" / "authoring.md").read_text("utf-8")
    example = text.split("```yaml", 1)[1].split("```", 1)[0]
    sc = parse_scenario(example, "docs/authoring.md")
    assert len(sc.tasks) >= 3
    from simulator.assessment.grading import selftest

    report = selftest(sc, seeds=2)
    assert report.ok, report.failures



def test_deploy_guide_shows_the_nginx_configuration_the_replica_test_runs():
    """Each directive of ``tools/nginx.py`` (but the test's own addresses and debug header) is in the guide."""
    text = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    block = text.split("```nginx", 1)[1].split("```", 1)[0]
    shown = {line.split("#", 1)[0].strip() for line in block.splitlines()}
    site = _tool("nginx").site_config(["127.0.0.1:1"], "127.0.0.1:2")
    for line in (raw.strip() for raw in site.splitlines()):
        if line and not line.startswith(("server 127.", "listen ", "add_header X-Simulator-Upstream")):
            assert line in shown, line
