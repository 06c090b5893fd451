"""Time for the model: injected, never read from the system inside model code."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch."""

    def now(self) -> float: ...


class SystemClock:
    """The real time, for a running server."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock tests move by hand."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, when: float) -> None:
        self._now = when


class OffsetClock:
    """The real time plus an offset the control API moves (``clock advance``/``clock set``).

    ``fakevirt serve`` runs on it: everything the model derives from the clock (CPU time, stats,
    job progress, lease expiry) moves with the offset.
    """

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def set(self, when: float) -> None:
        self.offset = when - time.time()
