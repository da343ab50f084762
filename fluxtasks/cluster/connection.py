"""What every cluster operation is handed: the cluster, a runner, a clock and a line sink.

The tasks layer builds one `Connection` per task; library functions take it (and a `Wait`
when they wait) instead of carrying target, runner, clock, sleep and say one by one. Tests
build it with a scripted runner and a fake clock, so no wait takes real time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..clock import SYSTEM_CLOCK, Clock
from ..runner import Runner
from .target import ClusterTarget

Say = Callable[[str], None]

# A poll started at its deadline (the last one of a wait) still gets this long to answer.
MIN_CALL_TIMEOUT = 1.0


def ignore(line: str) -> None:
    """The default `say`: the caller does not want progress lines."""


@dataclass(frozen=True)
class Connection:
    target: ClusterTarget
    runner: Runner
    clock: Clock = SYSTEM_CLOCK
    say: Say = ignore

    @property
    def dry_run(self) -> bool:
        return self.runner.dry_run

    def time_left(self, deadline: float) -> float:
        """The time limit of a command that should be done by `deadline` (on this clock):
        the time left, at least MIN_CALL_TIMEOUT, at most the runner's own limit."""
        left = deadline - self.clock.now()
        return min(max(left, MIN_CALL_TIMEOUT), self.runner.timeout)


@dataclass(frozen=True)
class Wait:
    """How long a wait may take and how often it polls, in seconds."""

    timeout: float
    interval: float = 2.0
