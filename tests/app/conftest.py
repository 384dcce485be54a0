"""Fixtures for the Streamlit AppTest tests: an isolated store and the app-test scenarios."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_helpers import SCENARIOS

from simulator.app.ui import catalog
from simulator.service.store import reset_stores


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulator-data")


@pytest.fixture(autouse=True)
def app_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Iterator[None]:
    """Every app test uses one throwaway SQLite store and sees only the app-test scenarios.

    (Tests of the shipped scenarios put :func:`simulator.assessment.scenario.shipped_paths` back.)
    """
    monkeypatch.setattr(catalog, "shipped_paths", list)
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(data_dir))
    monkeypatch.delenv("SIMULATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("SIMULATOR_SCENARIO_DIRS", str(SCENARIOS))
    monkeypatch.setenv("SIMULATOR_GRADING_SWEEP_SECONDS", "0")  # no sweeper thread outliving a test
    yield
    reset_stores()
