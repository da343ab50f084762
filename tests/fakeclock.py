"""A fake clock for the library's waits: sleeping advances it, so a wait of minutes takes no
real time and its elapsed labels are exact. Its wall time moves with it, from WALL_START
unless told otherwise."""

from __future__ import annotations

import datetime as dt

WALL_START = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)  # = fakes.samples_diag.NOW


class FakeClock:
    def __init__(self, start: float = 100.0, wall: dt.datetime = WALL_START) -> None:
        self.time = start
        self.start = start
        self.wall_start = wall
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def wall(self) -> dt.datetime:
        return self.wall_start + dt.timedelta(seconds=self.time - self.start)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    def advance(self, seconds: float) -> None:
        """Time passing while a command runs (no sleep of ours)."""
        self.time += seconds
