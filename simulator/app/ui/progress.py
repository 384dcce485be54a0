"""Practice progress for the practice pages: the trainee's name, best scores, last answers and results.

A door to :mod:`simulator.service.practice`, which owns the queries; the pages import from here so that
the store (SQLAlchemy) loads on first use, not with the page.
"""

from __future__ import annotations

from simulator.service.practice import (
    TaskProgress,
    answer_to_json,
    known_name,
    load_progress,
    record_check,
    remember_trainee,
    result_from_json,
    result_to_json,
    save_draft,
)

__all__ = ["TaskProgress", "answer_to_json", "known_name", "load_progress", "record_check", "remember_trainee",
           "result_from_json", "result_to_json", "save_draft"]
