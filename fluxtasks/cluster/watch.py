"""Wait for Flux objects by polling their status ourselves (one kubectl call per poll).

Used by `flux.watch` (every declared object), `flux.resume` and `flux.recover-hr` (the
objects they touched). The flux CLI's own waits cannot be relied on: `flux resume` exits 0
after a failed wait before Flux 2.9, and `flux reconcile` hangs until its timeout on a
stalled object in Flux 2.2–2.8.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from ..cluster.status import ObjectKey, Phase, Snapshot, read_status, ready_message
from ..cluster.target import ClusterTarget
from ..errors import CheckFailed
from ..runner import Runner

MISSING = "missing"
MIN_INTERVAL = 0.01  # seconds: an `--interval 0s` must not spin the API server


@dataclass(frozen=True)
class Observation:
    """What one poll said about one object; `phase` is a Phase value or "missing"."""

    key: ObjectKey
    phase: str
    message: str
    suspended: bool = False
    ready_message: str = ""  # the Ready condition's message, for summaries

    @property
    def display(self) -> str:
        kind, namespace, name = self.key
        return f"{kind} {namespace}/{name}"

    def describe(self) -> str:
        state = self.phase + (" (suspended)" if self.suspended else "")
        return f"{self.display}: {state}" + (f" - {self.message}" if self.message else "")


class Outcome(Enum):
    READY = "ready"  # every object ready
    FAILED = "failed"  # at least one failed (kstatus Stalled)
    TIMEOUT = "timeout"  # the deadline passed with objects still pending
    DRY_RUN = "dry-run"  # nothing was read


@dataclass(frozen=True)
class WaitResult:
    outcome: Outcome
    elapsed: float
    final: Mapping[ObjectKey, Observation]

    def with_phase(self, *phases: str) -> list[Observation]:
        return [obs for obs in self.final.values() if obs.phase in phases]

    @property
    def failed(self) -> list[Observation]:
        return self.with_phase(Phase.FAILED.value)

    @property
    def pending(self) -> list[Observation]:
        return [
            obs
            for obs in self.final.values()
            if obs.phase not in (Phase.READY.value, Phase.FAILED.value)
        ]


def observe(
    key: ObjectKey, snapshot: Snapshot, handled_before: Mapping[ObjectKey, str | None]
) -> Observation:
    obj = snapshot.get(key)
    if obj is None:
        return Observation(key, MISSING, "not found in the cluster")
    health = obj.health
    ready = ready_message(obj)
    if key in handled_before and obj.last_handled_reconcile_at == handled_before[key]:
        waiting = "reconcile request not handled yet"
        return Observation(key, Phase.IN_PROGRESS.value, waiting, obj.suspended, ready)
    return Observation(key, health.phase.value, health.message, obj.suspended, ready)


def elapsed_label(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s" if minutes else f"{secs:.1f}s"


def wait_for(
    target: ClusterTarget,
    runner: Runner,
    keys: Iterable[ObjectKey],
    *,
    timeout: float,
    interval: float,
    stop_on_failure: bool = True,
    handled_before: Mapping[ObjectKey, str | None] | None = None,
    say: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    retries: int = 3,
) -> WaitResult:
    """Poll until every key is ready, one fails (`stop_on_failure`) or every key has
    settled (ready or failed), or `timeout` seconds pass. Each change of an object's state
    is passed to `say` once, with the elapsed time.

    `handled_before` maps keys to their `status.lastHandledReconcileAt` before a reconcile
    request: until that value changes the object counts as in progress, so a stale
    status is never taken for the answer. Up to `retries` failed polls in a row after
    the first good one are reported and retried (a flaky API server); more end the wait.
    """
    wanted = list(dict.fromkeys(keys))
    handled = dict(handled_before or {})
    start = clock()
    deadline = start + timeout
    shown: dict[ObjectKey, tuple[str, str, bool]] = {}
    final: dict[ObjectKey, Observation] = {}
    failures = 0
    polled_once = False
    while True:
        try:
            snapshot = read_status(target, runner)
        except CheckFailed as exc:
            failures += 1
            if not polled_once or failures > retries:
                raise
            say(
                f"[{elapsed_label(clock() - start)}] poll failed ({failures} of {retries} in a row allowed): {exc.lines[0]}"
            )
            snapshot = None
        if runner.dry_run:
            return WaitResult(Outcome.DRY_RUN, 0.0, {})
        elapsed = clock() - start
        if snapshot is not None:
            if failures and polled_once:
                say(f"[{elapsed_label(elapsed)}] polling again after {failures} failed poll(s)")
            failures = 0
            polled_once = True
            for key in wanted:
                obs = observe(key, snapshot, handled)
                final[key] = obs
                state = (obs.phase, obs.message, obs.suspended)
                if shown.get(key) != state:
                    shown[key] = state
                    say(f"[{elapsed_label(elapsed)}] {obs.describe()}")
            phases = [final[key].phase for key in wanted]
            if all(p == Phase.READY.value for p in phases):
                return WaitResult(Outcome.READY, elapsed, dict(final))
            failed = any(p == Phase.FAILED.value for p in phases)
            settled = all(p in (Phase.READY.value, Phase.FAILED.value) for p in phases)
            if failed and (stop_on_failure or settled):
                return WaitResult(Outcome.FAILED, elapsed, dict(final))
        if clock() >= deadline:
            return WaitResult(Outcome.TIMEOUT, clock() - start, dict(final))
        sleep(max(0.0, min(max(interval, MIN_INTERVAL), deadline - clock())))
