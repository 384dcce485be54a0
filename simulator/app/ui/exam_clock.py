"""The clock the exam and instructor pages read: the server's UTC time, replaceable in tests.

Pages never use the browser's clock: deadlines, time left and lateness are decided on the server
(:mod:`simulator.service.exams` takes ``now`` from here). Tests inject a clock with :func:`use_clock`; nothing
a browser sends can change it.

>>> from datetime import UTC, datetime
>>> with use_clock(lambda: datetime(2025, 3, 1, 1, 0, tzinfo=UTC)):
...     now().isoformat()
'2025-03-01T01:00:00+00:00'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_override: Callable[[], datetime] | None = None


def now() -> datetime:
    """The current server time (aware, UTC), or the injected test clock's."""
    value = _override() if _override is not None else datetime.now(UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replaces the clock (``None`` restores the real one); for tests and demos only."""
    global _override
    _override = clock


@contextmanager
def use_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    """The clock is ``clock`` inside the block, the previous one afterwards."""
    previous = _override
    set_clock(clock)
    try:
        yield
    finally:
        set_clock(previous)


def zone(name: object) -> tzinfo:
    """The browser's time zone by IANA name, for display only; UTC when unknown.

    >>> zone("Asia/Shanghai").key, zone(None).tzname(None)
    ('Asia/Shanghai', 'UTC')
    """
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def clock_text(when: datetime, tz: tzinfo) -> str:
    """``"09:42:07"`` in ``tz`` (time of a save, shown beside 已保存)."""
    return when.astimezone(tz).strftime("%H:%M:%S")


def countdown_text(seconds: float) -> str:
    """``5999.2`` → ``"1:39:59"``; ``59`` → ``"0:59"``; never negative.

    >>> countdown_text(6000), countdown_text(59.9), countdown_text(-3)
    ('1:40:00', '0:59', '0:00')
    """
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
