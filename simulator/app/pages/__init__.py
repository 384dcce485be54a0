"""The app's pages, one Streamlit script each, run by the router in :mod:`simulator.app.ui`.

A page file is executed by Streamlit as ``__main__`` each time it is shown; it defines ``render()`` and
ends with ``if __name__ == "__main__": render()``, so tests can also import it as a module.
To add a page: one file here and one :class:`PageSpec` line in :data:`PAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    """One entry of the navigation."""

    file: str
    """Script file name in this folder."""
    title_key: str
    """Catalog key of the page title (``locales/*.json``)."""
    icon: str
    """Material icon shown before the title."""
    url_path: str
    """Path in the address bar (``/exam``)."""

    @property
    def path(self) -> Path:
        return FOLDER / self.file


PAGES: tuple[PageSpec, ...] = (
    PageSpec("practice.py", "ui.nav.practice", ":material/edit_note:", "practice"),
    PageSpec("exam.py", "ui.nav.exam", ":material/timer:", "exam"),
    PageSpec("instructor.py", "ui.nav.instructor", ":material/school:", "instructor"),
)
"""Navigation order; the first page is the default."""
