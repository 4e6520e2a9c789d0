"""Values about the owner's own data file, worked out once per process for every session (its description, its
suggested questions), behind a lock and a bound."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
KEPT_VERSIONS = 2  # the file's current version and the one before (a session may still read it)


class OwnerFileMemo(Generic[T]):
    """One value per version of a file (path, modification time, size); the newest ``KEPT_VERSIONS`` are kept.
    Two sessions asking at once may both compute it; one value is kept."""

    def __init__(self, kept: int = KEPT_VERSIONS) -> None:
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[str, float, int], T] = OrderedDict()
        self._kept = kept

    def get(self, source: Path, compute: Callable[[], T]) -> T:
        stat = source.stat()
        key = (str(source), stat.st_mtime, stat.st_size)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()  # outside the lock: a slow description holds up no other file's reader
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._kept:
                self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)
