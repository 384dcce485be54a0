"""The server's settings for a class: the same in ``.streamlit/config.toml`` and ``simulator serve``."""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path

from simulator.app.ui import server_gc
from simulator.cli.main import SERVE_FLAGS

ROOT = Path(__file__).resolve().parents[1]


def test_post_script_gc_is_off_for_streamlit_run_and_for_simulator_serve():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["runner"]["postScriptGC"] is False
    flags = dict(zip(SERVE_FLAGS[::2], SERVE_FLAGS[1::2], strict=True))
    assert flags["--runner.postScriptGC"] == "false"
    for section, values in config.items():  # every other value of the file is passed by serve as well
        for name, value in values.items():
            if f"--{section}.{name}" in flags:
                assert flags[f"--{section}.{name}"] == str(value).lower(), (section, name)


def test_start_up_objects_are_frozen_once_per_process(monkeypatch):
    monkeypatch.setattr(server_gc, "_frozen", False)
    before = gc.get_freeze_count()
    try:
        assert server_gc.freeze_once() is True
        assert gc.get_freeze_count() > before  # the objects alive now are out of the collector's sight
        assert server_gc.freeze_once() is False
    finally:
        gc.unfreeze()
