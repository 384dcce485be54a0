"""One bounded, thread-safe cache for every cache in the engine and the app.

A value is made once per key and kept until the cache is full, then the least recently used is dropped.
Keys are *content*: the scenario's id and digest, the trainee, the scale and what else the value depends
on, never ``id(obj)`` (an id is reused once an object is freed). Callers never share a mutable value:
a cache either holds values that cannot change (frozen dataclasses, tuples, strings) or hands out a
copy made by ``copy`` on every hit.

>>> made = []
>>> squares = BoundedCache("squares", size=2, copy=None)
>>> squares.get(3, lambda: made.append(3) or 9)
9
>>> squares.get(3, lambda: made.append(3) or 9), made
(9, [3])
>>> squares.get(4, lambda: 16), squares.get(5, lambda: 25), len(squares)
(16, 25, 2)
>>> 3 in squares
False
>>> doc = BoundedCache("docs", size=4)
>>> first = doc.get("k", lambda: {"rows": [1, 2]})
>>> first["rows"].append(99)
>>> doc.get("k", lambda: {})
{'rows': [1, 2]}
"""

from __future__ import annotations

import copy as _copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

if TYPE_CHECKING:
    import pandas as pd

K = TypeVar("K")
V = TypeVar("V")
FrameT = TypeVar("FrameT", bound="pd.DataFrame")

_ALL: list[BoundedCache[object]] = []
_ALL_LOCK = threading.Lock()


def deep_copy(value: V) -> V:
    """The default ``copy``: a deep copy, so no caller can change what the next one receives."""
    return _copy.deepcopy(value)


class BoundedCache(Generic[V]):
    """A least-recently-used mapping of content keys to values, safe to share between threads.

    ``copy`` is applied to the value on every return (the default deep-copies); pass ``None`` only for
    values that cannot be changed. Making a value runs outside the lock, so a slow ``make`` does not
    hold other keys up; two threads missing the same key at once may both make it, and the first one
    stored wins (every make of a key gives an equal value, so callers cannot tell).
    """

    def __init__(self, name: str, size: int, copy: Callable[[V], V] | None = deep_copy) -> None:
        if size < 1:
            raise ValueError(f"cache {name!r}: size must be at least 1, not {size}")
        self.name = name
        """What the cache holds, for logs and :func:`stats`."""
        self.size = size
        """Most values kept."""
        self._copy = copy
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        with _ALL_LOCK:
            _ALL.append(self)  # type: ignore[arg-type]

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value of ``key``, made by ``make()`` on a miss (and then kept)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._out(self._items[key])
            self.misses += 1
        value = make()
        with self._lock:
            stored = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return self._out(stored)

    def peek(self, key: Hashable) -> V | None:
        """The value of ``key`` if it is kept, else None (never makes one)."""
        with self._lock:
            return self._out(self._items[key]) if key in self._items else None

    def clear(self) -> None:
        """Drops every value (tests, and an instructor replacing a scenario file)."""
        with self._lock:
            self._items.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _out(self, value: V) -> V:
        return self._copy(value) if self._copy is not None else value


_IMMUTABLE = (str, int, float, bool, bytes, type(None))


def plain_copy(value: V) -> V:
    """A deep copy of JSON-like data (dicts, lists, numbers, text), several times faster than
    :func:`deep_copy`; any other value inside (a tuple, an array, a dataclass) is deep-copied.

    >>> doc = {"tasks": [{"answer": {"ctr": 0.05}}], "n": (1, [2])}
    >>> out = plain_copy(doc)
    >>> out == doc, out["tasks"][0] is doc["tasks"][0], out["n"][1] is doc["n"][1]
    (True, False, False)
    """
    kind = type(value)
    if kind is dict:
        return {k: plain_copy(v) for k, v in value.items()}  # type: ignore[attr-defined,return-value]
    if kind is list:
        return [plain_copy(v) for v in value]  # type: ignore[attr-defined,return-value]
    if isinstance(value, _IMMUTABLE):  # numpy's float64 is a float: as immutable
        return value
    return _copy.deepcopy(value)


class KeyedDict(dict[K, V]):
    """A dict that names its content: ``content_key`` says what it holds until it is changed.

    A cache keyed by what a mapping holds can use ``content_key`` instead of hashing the values; any
    change to the mapping drops the key to None, so a changed mapping is never mistaken for the original.
    Values changed in place are not noticed: hand out values nobody changes (or copies of them).

    >>> frames = KeyedDict(("sc", "digest", "t-1"), {"a": 1})
    >>> frames.content_key, frames == {"a": 1}
    (('sc', 'digest', 't-1'), True)
    >>> frames["b"] = 2
    >>> frames.content_key is None
    True
    """

    def __init__(self, content_key: Hashable, items: Mapping[K, V]) -> None:
        super().__init__(items)
        self.content_key: Hashable | None = content_key

    def __setitem__(self, key: K, value: V) -> None:
        self.content_key = None
        super().__setitem__(key, value)

    def __delitem__(self, key: K) -> None:
        self.content_key = None
        super().__delitem__(key)

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        self.content_key = None
        return super().__ior__(other)

    def clear(self) -> None:
        self.content_key = None
        super().clear()

    def pop(self, *args: Any) -> Any:
        self.content_key = None
        return super().pop(*args)

    def popitem(self) -> tuple[K, V]:
        self.content_key = None
        return super().popitem()

    def setdefault(self, key: K, default: Any = None) -> Any:
        self.content_key = None
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.content_key = None
        super().update(*args, **kwargs)


def frame_copy(frame: FrameT) -> FrameT:
    """A copy of a pandas DataFrame that no change can leak out of, as cheap as pandas allows.

    Under copy-on-write (``mode.copy_on_write``, switched on by :mod:`simulator.assessment.datasets`) a
    shallow copy is isolated and costs no data copy; without it the copy is deep.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2]})
    >>> out = frame_copy(df)
    >>> out["a"] = [9, 9]
    >>> df["a"].tolist(), out is df
    ([1, 2], False)
    """
    import pandas as pd

    return frame.copy(deep=not pd.get_option("mode.copy_on_write"))  # type: ignore[no-any-return]


def stats() -> dict[str, dict[str, int]]:
    """Every cache's size, limit, hits and misses (for benchmarks and the health page).

    >>> "squares" in stats() or True
    True
    """
    with _ALL_LOCK:
        caches = list(_ALL)
    return {c.name: {"size": len(c), "limit": c.size, "hits": c.hits, "misses": c.misses} for c in caches}


def clear_all() -> None:
    """Empties every cache (tests that swap scenario files between runs)."""
    with _ALL_LOCK:
        caches = list(_ALL)
    for c in caches:
        c.clear()
