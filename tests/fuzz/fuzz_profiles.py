"""Hypothesis settings of the fuzz suite: a fixed, quick run in CI and a larger nightly one.

``SIMULATOR_FUZZ=nightly`` (e.g. in a scheduled job) runs 20× the examples with fresh randomness;
``SIMULATOR_FUZZ_EXAMPLES=N`` sets the examples per test directly. The default is derandomised (the same
examples every run), so CI results are reproducible and stay well under two minutes.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "database": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", derandomize=True, max_examples=40, **_COMMON)
settings.register_profile("nightly", derandomize=False, max_examples=800, **_COMMON)
settings.load_profile(os.environ.get("SIMULATOR_FUZZ", "ci"))
if os.environ.get("SIMULATOR_FUZZ_EXAMPLES"):
    settings.register_profile("custom", parent=settings.get_profile(os.environ.get("SIMULATOR_FUZZ", "ci")),
                              max_examples=int(os.environ["SIMULATOR_FUZZ_EXAMPLES"]))
    settings.load_profile("custom")


def examples(share: float) -> int:
    """Examples for one test: ``share`` of the profile's number (at least 5)."""
    return max(5, int(settings.default.max_examples * share))
