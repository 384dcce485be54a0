"""The fuzz suite's imports: ``tests/hostile.py`` (shared with the hardening tests) and the settings."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_profiles  # noqa: E402,F401 - registers and loads the Hypothesis profile
