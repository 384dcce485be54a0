"""simulator/service/attachments.py: files kept in a scenario's text, materialised for the engine, and zipped;
an exam's frozen text with attached files loads its data (scenario_source.load_source)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from simulator import generate_datasets
from simulator.assessment.scenario import ScenarioError, parse_scenario
from simulator.service import attachments
from simulator.service.scenario_source import load_source

ROOT = Path(__file__).resolve().parents[1]
CSV = (ROOT / "tests" / "fixtures" / "byo" / "ad_delivery_zh.csv").read_bytes()
TEXT = """id: byo-editor
title: {zh: 自带数据, en: Own data}
level: L4
direction: 流量运营
context: {zh: 教师的千川导出。, en: An ad export.}
seed: 3
sources:
  ad_delivery: {file: delivery.csv}
tasks:
  - {id: t1, kind: metric, points: 100, skills: [L4/5.2.1], params: {dataset: ad_delivery, metric: ctr}}
"""


def test_embed_split_round_trip_keeps_binary_files_and_a_valid_scenario(tmp_path):
    xlsx = bytes(range(256)) * 50
    text = attachments.embed(TEXT, {"delivery.csv": CSV, "more/extra.xlsx": xlsx})
    assert text.startswith(TEXT.rstrip("\n")) and attachments.MARK in text
    body, files = attachments.split(text)
    assert body == TEXT and files == {"delivery.csv": CSV, "more/extra.xlsx": xlsx}
    assert attachments.split(attachments.embed(text, {"delivery.csv": b"x"}))[1] == {"delivery.csv": b"x"}
    assert attachments.embed(text, {}) == TEXT
    parse_scenario(text, "scenario.yaml")  # the comment block leaves the YAML valid


@pytest.mark.parametrize("name", ["../x.csv", "/etc/x.csv", "C:/x.csv", "notes.txt", "", "a/../../b.xlsx"])
def test_unsafe_or_unknown_names_are_refused(name):
    with pytest.raises(attachments.AttachmentError):
        attachments.safe_name(name)


def test_materialise_writes_once_and_validation_sees_the_files(tmp_path):
    path = attachments.materialise(TEXT, {"delivery.csv": CSV}, tmp_path)
    assert path.name == "scenario.yaml" and (path.parent / "delivery.csv").read_bytes() == CSV
    assert attachments.materialise(TEXT, {"delivery.csv": CSV}, tmp_path) == path
    assert attachments.materialise(TEXT, {"delivery.csv": CSV + b"\n"}, tmp_path) != path
    sc = parse_scenario(TEXT, "scenario.yaml", path)
    frames = generate_datasets(sc, "anyone")
    assert len(frames["ad_delivery"]) == CSV.count(b"\n") - 1
    with pytest.raises(ScenarioError) as err:
        parse_scenario(TEXT, "scenario.yaml", attachments.materialise(TEXT, {}, tmp_path))
    assert "file not found next to the scenario: delivery.csv" in str(err.value.problems[0])


def test_zip_round_trip_and_bad_zips():
    data = attachments.to_zip(attachments.embed(TEXT, {"delivery.csv": CSV}), {}, "byo-editor")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sorted(names) == ["byo-editor.yaml", "delivery.csv"]
    assert attachments.from_zip(data) == (TEXT, {"delivery.csv": CSV})
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as z:
        z.writestr("pack/s.yaml", TEXT)
        z.writestr("pack/delivery.csv", CSV)
    assert attachments.from_zip(nested.getvalue()) == (TEXT, {"delivery.csv": CSV})
    with pytest.raises(attachments.AttachmentError, match="bad_zip"):
        attachments.from_zip(b"not a zip")
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.yaml", TEXT)
        z.writestr("b.yml", TEXT)
    with pytest.raises(attachments.AttachmentError, match="zip_yaml"):
        attachments.from_zip(two.getvalue())
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("a.yaml", TEXT)
        z.writestr("../../evil.csv", CSV)
    with pytest.raises(attachments.AttachmentError, match="bad_name"):
        attachments.from_zip(evil.getvalue())


def test_an_exams_frozen_text_with_files_loads_its_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path))
    sc = load_source(attachments.embed(TEXT, {"delivery.csv": CSV}))
    assert sc.path is not None and sc.path.is_relative_to(tmp_path)
    assert len(generate_datasets(sc, "t1")["ad_delivery"]) == CSV.count(b"\n") - 1


def test_an_exam_from_a_saved_version_with_files_grades_from_them(tmp_path):
    from datetime import UTC, datetime, timedelta

    from simulator import answer_key
    from simulator.service import exams
    from simulator.service.exam_grading import grade_attempt
    from simulator.service.scenario_source import save_scenario_version
    from simulator.service.store import Store

    store = Store(f"sqlite:///{tmp_path / 'exam.db'}")
    try:
        save_scenario_version(attachments.embed(TEXT, {"delivery.csv": CSV}), "王老师", store=store)
        t0 = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
        code = exams.create_exam("byo-editor", now=t0, store=store).code
        key = answer_key(load_source(attachments.embed(TEXT, {"delivery.csv": CSV})), "S1")["tasks"][0]["answer"]
        exams.join(code, "S1", "学员", t0, store=store)
        exams.save_answer(code, "S1", "t1", f"{key['value'] * 100:.2f}%", t0 + timedelta(minutes=1), store=store)
        exams.submit(code, "S1", t0 + timedelta(minutes=2), store=store)
        row = grade_attempt(code, "S1", t0 + timedelta(minutes=3), store=store)
        assert row.total == 100
    finally:
        store.dispose()
