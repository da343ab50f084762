"""A fake monotonic clock for the library's waits: sleeping advances it, so a wait of
minutes takes no real time and its elapsed labels are exact."""

from __future__ import annotations


class FakeClock:
    def __init__(self, start: float = 100.0) -> None:
        self.time = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds

    def advance(self, seconds: float) -> None:
        """Time passing while a command runs (no sleep of ours)."""
        self.time += seconds
