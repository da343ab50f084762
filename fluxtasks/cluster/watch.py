"""Wait for Flux objects by polling their status ourselves (one kubectl call per poll).

Used by `flux.watch` (every declared object), `flux.resume` and `flux.recover-hr` (the
objects they touched). The flux CLI's own waits cannot be relied on: `flux resume` exits 0
after a failed wait before Flux 2.9, and `flux reconcile` hangs until its timeout on a
stalled object in Flux 2.2–2.8.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from ..errors import CheckFailed, WatchTimeout
from .connection import Connection, Say, Wait
from .status import ObjectKey, Phase, Snapshot, StatusTimedOut, read_status, ready_message

MIN_INTERVAL = 0.01  # seconds: an `--interval 0s` must not spin the API server
SETTLED = (Phase.READY, Phase.FAILED)


@dataclass(frozen=True)
class Observation:
    """What one poll said about one object."""

    key: ObjectKey
    phase: Phase
    message: str
    suspended: bool = False
    ready_message: str = ""  # the Ready condition's message, for summaries

    @property
    def display(self) -> str:
        kind, namespace, name = self.key
        return f"{kind} {namespace}/{name}"

    def describe(self) -> str:
        state = self.phase.value + (" (suspended)" if self.suspended else "")
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

    @property
    def failed(self) -> list[Observation]:
        return [obs for obs in self.final.values() if obs.phase is Phase.FAILED]

    @property
    def pending(self) -> list[Observation]:
        return [obs for obs in self.final.values() if obs.phase not in SETTLED]


def observe(
    key: ObjectKey, snapshot: Snapshot, handled_before: Mapping[ObjectKey, str | None]
) -> Observation:
    obj = snapshot.get(key)
    if obj is None:
        return Observation(key, Phase.MISSING, "not found in the cluster")
    health = obj.health
    ready = ready_message(obj)
    if key in handled_before and obj.last_handled_reconcile_at == handled_before[key]:
        waiting = "reconcile request not handled yet"
        return Observation(key, Phase.IN_PROGRESS, waiting, obj.suspended, ready)
    return Observation(key, health.phase, health.message, obj.suspended, ready)


def elapsed_label(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s" if minutes else f"{secs:.1f}s"


def wait_for(
    conn: Connection,
    keys: Iterable[ObjectKey],
    wait: Wait,
    *,
    stop_on_failure: bool = True,
    handled_before: Mapping[ObjectKey, str | None] | None = None,
    retries: int = 3,
) -> WaitResult:
    """Poll until every key is ready, one fails (`stop_on_failure`) or every key has
    settled (ready or failed), or `wait.timeout` seconds pass. Each change of an object's
    state is passed to `conn.say` once, with the elapsed time.

    `handled_before` maps keys to their `status.lastHandledReconcileAt` before a reconcile
    request: until that value changes the object counts as in progress, so a stale
    status is never taken for the answer. Up to `retries` failed polls in a row after
    the first good one are reported and retried (a flaky API server); more end the wait.
    Each poll may only take the time left, so a hanging kubectl cannot hold the wait past
    its deadline: a poll killed there ends the wait as a timeout.
    """
    wanted = list(dict.fromkeys(keys))
    handled = dict(handled_before or {})
    clock, say = conn.clock, conn.say
    start = clock.now()
    deadline = start + wait.timeout
    shown: dict[ObjectKey, tuple[Phase, str, bool]] = {}
    final: dict[ObjectKey, Observation] = {}
    failures = 0
    polled_once = False
    while True:
        try:
            snapshot = read_status(conn, timeout=conn.time_left(deadline))
        except CheckFailed as exc:
            if polled_once and isinstance(exc, StatusTimedOut) and clock.now() >= deadline:
                return WaitResult(Outcome.TIMEOUT, clock.now() - start, dict(final))
            failures += 1
            if not polled_once or failures > retries:
                raise
            say(
                f"[{elapsed_label(clock.now() - start)}] poll failed ({failures} of {retries} in a row allowed): {exc.lines[0]}"
            )
            snapshot = None
        if conn.dry_run:
            return WaitResult(Outcome.DRY_RUN, 0.0, {})
        elapsed = clock.now() - start
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
            if all(p is Phase.READY for p in phases):
                return WaitResult(Outcome.READY, elapsed, dict(final))
            failed = Phase.FAILED in phases
            if failed and (stop_on_failure or all(p in SETTLED for p in phases)):
                return WaitResult(Outcome.FAILED, elapsed, dict(final))
        if clock.now() >= deadline:
            return WaitResult(Outcome.TIMEOUT, clock.now() - start, dict(final))
        clock.sleep(max(0.0, min(max(wait.interval, MIN_INTERVAL), deadline - clock.now())))


def _hint(obs: Observation) -> str:
    kind, namespace, name = obs.key
    if kind == "HelmRelease":
        return f" (if its retries are exhausted: invoke flux.recover-hr {name} -n {namespace})"
    return ""


def report_outcome(result: WaitResult, shown_timeout: str, say: Say) -> None:
    """A wait's outcome as the documented exit: ready says so (0), a failed object is
    CheckFailed (1), a timeout WatchTimeout listing what is pending (124)."""
    if result.outcome is Outcome.FAILED:
        raise CheckFailed(
            *(f"{obs.display} failed: {obs.message}{_hint(obs)}" for obs in result.failed)
        )
    if result.outcome is Outcome.TIMEOUT:
        raise WatchTimeout(
            f"timed out after {shown_timeout}; still pending:",
            *(f"  {obs.describe()}" for obs in result.pending),
        )
    if result.outcome is Outcome.READY:
        say(f"ready after {elapsed_label(result.elapsed)}")


def watch(conn: Connection, keys: Iterable[ObjectKey], wait: Wait, shown_timeout: str) -> None:
    """`flux.watch`: wait for every declared object and report the outcome."""
    wanted = list(keys)
    if not wanted:
        conn.say("config/flux.yaml declares no Flux objects: nothing to wait for")
        return
    report_outcome(wait_for(conn, wanted, wait), shown_timeout, conn.say)
