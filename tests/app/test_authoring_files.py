"""Authoring with data files through AppTest: a scenario naming a CSV is invalid until the CSV is
attached; then preview and self-test read it, saving keeps it in the store, reopening restores it,
and the export is a zip that imports back."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_helpers import Clock, new_app

from simulator.app.ui import exam_clock
from simulator.core.i18n import t
from simulator.service import attachments
from simulator.service.scenario_source import list_scenario_versions, scenario_version_yaml

ROOT = Path(__file__).resolve().parents[2]
CSV = (ROOT / "tests" / "fixtures" / "byo" / "ad_delivery_zh.csv").read_bytes()
PASSWORD = "teacher-pass-1"
TEXT = """id: byo-editor
title: {zh: 自带数据, en: Own data}
level: L4
direction: 流量运营
context: {zh: 教师的千川导出。, en: An ad export.}
seed: 3
sources:
  ad_delivery: {file: delivery.csv}
tasks:
  - {id: t1, kind: metric, points: 60, skills: [L4/5.2.1], params: {dataset: ad_delivery, metric: ctr}}
  - {id: t2, kind: report_table, points: 40, skills: [L4/6.1.1],
     params: {dataset: ad_delivery, by: [creative_id], metrics: [cost, ctr]}}
"""


@pytest.fixture(autouse=True)
def login_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("SIMULATOR_INSTRUCTOR_PASSWORD", PASSWORD)
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    with exam_clock.use_clock(Clock()):
        yield


def author_page():
    at = new_app().run()
    at.switch_page("simulator/app/pages/instructor.py").run()
    at.text_input(key="instructor.login_pw").input(PASSWORD)
    at.form_submit_button[0].click().run()
    at.segmented_control(key="instructor.section").set_value("author").run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    kinds = ("markdown", "caption", "success", "warning", "error", "info", "code")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def uploader(at, name: str):
    return next(u for u in at.file_uploader if u.key.startswith(f"instructor.{name}."))


def test_attach_validate_preview_selftest_save_reopen_and_zip():
    at = author_page()
    at.text_area(key="instructor.yaml").input(TEXT).run()
    assert "file not found next to the scenario: delivery.csv" in texts(at)
    assert t("instructor.author.attach_hint", "zh") in texts(at)
    uploader(at, "attach_upload").set_value(("delivery.csv", CSV, "text/csv")).run()
    assert not at.exception, at.exception
    assert t("instructor.author.attached", "zh", names="delivery.csv") in texts(at)
    assert t("instructor.author.valid", "zh", id="byo-editor", n=2, points="100") in texts(at)
    at.toggle(key="instructor.preview_on").set_value(True).run()
    assert len(at.dataframe[0].value) == CSV.count(b"\n") - 1  # the attached rows, not generated ones
    at.button(key="instructor.selftest").click().run()
    assert t("instructor.author.selftest_ok", "zh", n=3) in texts(at)
    at.button(key="instructor.save").click().run()
    assert t("instructor.author.saved_as", "zh", id="byo-editor", v=1) in texts(at)
    stored = scenario_version_yaml("byo-editor", 1)
    assert attachments.split(stored) == (TEXT, {"delivery.csv": CSV})
    assert [v.scenario_id for v in list_scenario_versions()] == ["byo-editor"]
    export = at.get("download_button")[0]
    assert export.proto.label == t("instructor.author.export", "zh")

    fresh = author_page()  # another session opens the saved version: the file comes with it
    fresh.selectbox(key="instructor.open_version").set_value("byo-editor@1").run()
    fresh.button(key="instructor.open").click().run()
    assert fresh.text_area(key="instructor.yaml").value == TEXT
    assert t("instructor.author.valid", "zh", id="byo-editor", n=2, points="100") in texts(fresh)
    fresh.button(key="instructor.remove.0").click().run()
    assert "file not found next to the scenario: delivery.csv" in texts(fresh)


def test_import_a_zip_and_a_bad_upload_is_explained():
    at = author_page()
    data = attachments.to_zip(TEXT, {"delivery.csv": CSV}, "byo-editor")
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == ["byo-editor.yaml", "delivery.csv"]
    uploader(at, "import_zip").set_value(("byo.zip", data, "application/zip")).run()
    assert not at.exception, at.exception
    assert t("instructor.author.imported", "zh", n=1) in texts(at)
    assert at.text_area(key="instructor.yaml").value == TEXT
    assert t("instructor.author.valid", "zh", id="byo-editor", n=2, points="100") in texts(at)
    uploader(at, "import_zip").set_value(("bad.zip", b"not a zip", "application/zip")).run()
    assert t("instructor.attach.bad_zip", "zh") in texts(at)
    assert at.text_area(key="instructor.yaml").value == TEXT  # nothing lost
    broken = CSV.replace(b"1200.50", b"abc")
    uploader(at, "attach_upload").set_value(("delivery.csv", broken, "text/csv")).run()
    assert "sources.ad_delivery" in texts(at)  # the unreadable cell is reported at once
