"""Time as the waits see it: injected, so tests advance a fake clock instead of sleeping.

Two readings: `now()` is monotonic (deadlines, elapsed times), `wall()` is the date and time
in UTC, compared with the timestamps the API server writes (a condition's
lastTransitionTime, an event's lastTimestamp), e.g. "running 'upgrade' 1m40s of 5m0s".
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale: only differences mean anything."""
        ...

    def wall(self) -> dt.datetime:
        """The current date and time, timezone-aware, in UTC."""
        ...

    def sleep(self, seconds: float) -> None: ...


class _SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Clock = _SystemClock()
