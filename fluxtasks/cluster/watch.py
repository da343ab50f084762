"""Wait for Flux objects by polling their status ourselves: one kubectl call per poll and
cluster, the clusters of `--cluster all` side by side.

Used by `flux.watch` (every declared object), `flux.resume` and `flux.recover-hr` (the
objects they touched). The flux CLI's own waits cannot be relied on: `flux resume` exits 0
after a failed wait before Flux 2.9, and `flux reconcile` hangs until its timeout on a
stalled object in Flux 2.2–2.8, or on a failing Kustomization in any version.

Each change of an object's state is said once, with its cause when it is not Ready. When
nothing has been said for HEARTBEAT seconds (of the injected clock), one line says what is
still pending, since when, and how far its controller has got ("running 'upgrade' 1m40s of
5m0s"), so a long wait never looks hung.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from ..durations import format_duration
from ..errors import CheckFailed, ClusterUnreachable, FluxTasksError, WatchTimeout
from .connection import Connection, Say, Wait
from .diagnose import diagnose_polled, object_progress
from .fleet import parallel
from .status import (
    ObjectKey,
    Phase,
    Ref,
    Snapshot,
    StatusTimedOut,
    classify,
    read_status,
    ready_message,
)

MIN_INTERVAL = 0.01  # seconds: an `--interval 0s` must not spin the API server
HEARTBEAT = 15.0  # seconds of quiet after which a wait says what it still waits for
SETTLED = (Phase.READY, Phase.FAILED, Phase.SUSPENDED)  # will not change by waiting
NOT_HANDLED = "reconcile request not handled yet"


class Observation(NamedTuple):
    """What one poll said about one object (a NamedTuple: one per object and poll)."""

    key: ObjectKey
    phase: Phase
    message: str
    suspended: bool = False
    ready_message: str = ""  # the Ready condition's message, for summaries
    cluster: str = ""  # named in lines when several clusters are watched
    progress: str | None = None  # the controller's progress at that poll (not a change)

    @property
    def display(self) -> str:
        kind, namespace, name = self.key
        return f"{kind} {namespace}/{name}"

    def describe(self, with_cluster: bool = False) -> str:
        where = f"{self.cluster}: " if with_cluster and self.cluster else ""
        detail = f" - {self.message}" if self.message else ""
        return f"{where}{self.display}: {self.phase.word}{detail}"


class Outcome(Enum):
    READY = "ready"  # every object ready
    FAILED = "failed"  # one failed (Stalled; failing under fail-fast), or all settled not ready
    TIMEOUT = "timeout"  # the deadline passed with objects still pending
    DRY_RUN = "dry-run"  # nothing was read
    UNREACHABLE = "unreachable"  # --cluster all: this cluster could not be read
    STOPPED = "stopped"  # --cluster all --fail-fast: another cluster failed first


@dataclass(frozen=True)
class WaitResult:
    outcome: Outcome
    elapsed: float
    final: Mapping[ObjectKey, Observation]
    cluster: str = ""
    error: FluxTasksError | None = None  # why an UNREACHABLE cluster could not be read
    snapshot: Snapshot | None = None  # the last poll

    @property
    def failed(self) -> list[Observation]:
        """What keeps the wait from succeeding by itself: failed, failing, suspended."""
        bad = (Phase.FAILED, Phase.FAILING, Phase.SUSPENDED)
        return [obs for obs in self.final.values() if obs.phase in bad]

    @property
    def pending(self) -> list[Observation]:
        return [obs for obs in self.final.values() if obs.phase not in SETTLED]


def elapsed_label(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s" if minutes else f"{secs:.1f}s"


def _duration(seconds: float) -> str:
    return format_duration(int(seconds) * 1_000_000_000)


@dataclass
class _Track:
    """One cluster's side of a wait."""

    conn: Connection
    keys: list[ObjectKey]
    declared: frozenset[ObjectKey]
    handled: Mapping[ObjectKey, str | None]
    shown: dict[ObjectKey, tuple[Phase, str, bool]] = field(default_factory=dict)
    final: dict[ObjectKey, Observation] = field(default_factory=dict)
    since: dict[ObjectKey, float] = field(default_factory=dict)  # pending since (clock time)
    snapshot: Snapshot | None = None
    failures: int = 0
    polled: bool = False
    result: WaitResult | None = None

    @property
    def cluster(self) -> str:
        return self.conn.target.cluster

    def observe(self, key: ObjectKey, snapshot: Snapshot, now: dt.datetime) -> Observation:
        """One key in one poll; `now` (wall time) dates the diagnosis of what is not Ready."""
        cluster = self.conn.target.cluster
        obj = snapshot.get(key)
        if obj is None:
            return Observation(key, Phase.MISSING, "not found in the cluster", cluster=cluster)
        health = classify(obj)
        ready = ready_message(obj)
        if key in self.handled and obj.last_handled_reconcile_at == self.handled[key]:
            return Observation(key, Phase.IN_PROGRESS, NOT_HANDLED, obj.suspended, ready, cluster)
        message = health.message
        if health.phase is not Phase.READY and health.phase is not Phase.IN_PROGRESS:
            # the cause (the Helm error, a failing source...), not the Stalled summary
            found = diagnose_polled(
                snapshot, Ref(*key), cluster=cluster, now=now, declared=key in self.declared
            ).finding
            message = found.message if found is not None else message
        return Observation(key, health.phase, message, obj.suspended, ready, cluster)

    def done(self, outcome: Outcome, elapsed: float, error: FluxTasksError | None = None) -> None:
        self.result = WaitResult(
            outcome, elapsed, dict(self.final), self.cluster, error, self.snapshot
        )


@dataclass
class _Waiter:
    tracks: list[_Track]
    wait: Wait
    stop_on_failure: bool
    fail_fast: bool
    retries: int
    heartbeat: float
    fleet: bool  # several clusters: name them in each line, never raise for one of them
    start: float = 0.0
    said: float = 0.0  # when the last line was said

    @property
    def conn(self) -> Connection:
        return self.tracks[0].conn

    def say(self, line: str) -> None:
        self.said = self.conn.clock.now()
        self.conn.say(f"[{elapsed_label(self.said - self.start)}] {line}")

    def run(self) -> list[WaitResult]:
        clock = self.conn.clock
        self.start = self.said = clock.now()
        deadline = self.start + self.wait.timeout
        next_poll = self.start
        while True:
            live = [t for t in self.tracks if t.result is None]
            if clock.now() >= next_poll or clock.now() >= deadline:
                self.poll(live, deadline)
                if self.conn.dry_run:
                    return [WaitResult(Outcome.DRY_RUN, 0.0, {}, t.cluster) for t in self.tracks]
                next_poll = clock.now() + max(self.wait.interval, MIN_INTERVAL)
            live = [t for t in self.tracks if t.result is None]
            if not live:
                return [t.result for t in self.tracks if t.result is not None]
            if clock.now() >= deadline:
                for track in live:
                    track.done(Outcome.TIMEOUT, clock.now() - self.start)
                continue
            if clock.now() - self.said >= self.heartbeat:
                self.say(self.heartbeat_line(live))
            wake = min(next_poll, self.said + self.heartbeat, deadline)
            clock.sleep(max(0.0, wake - clock.now()))

    def poll(self, live: list[_Track], deadline: float) -> None:
        def read(track: _Track) -> Snapshot:
            return read_status(track.conn, timeout=track.conn.time_left(deadline))

        in_turn = self.conn.dry_run  # printed commands must not interleave
        results = parallel(read, live, in_turn=in_turn)
        if self.conn.dry_run:
            return  # nothing was read: nothing to observe
        for track, got in zip(live, results, strict=True):
            if isinstance(got, CheckFailed | ClusterUnreachable):
                self.failed_poll(track, got, deadline)
            elif isinstance(got, BaseException):
                raise got
            else:
                self.observed(track, got)

    def failed_poll(self, track: _Track, exc: FluxTasksError, deadline: float) -> None:
        clock = self.conn.clock
        if track.polled and isinstance(exc, StatusTimedOut) and clock.now() >= deadline:
            track.done(Outcome.TIMEOUT, clock.now() - self.start)
            return
        track.failures += 1
        if not track.polled or track.failures > self.retries:
            if not self.fleet:
                raise exc
            self.say(" ".join(exc.lines))
            track.done(Outcome.UNREACHABLE, clock.now() - self.start, exc)
            return
        where = f"{track.cluster}: " if self.fleet else ""
        self.say(
            f"{where}poll failed ({track.failures} of {self.retries} in a row allowed): {exc.lines[0]}"
        )

    def observed(self, track: _Track, snapshot: Snapshot) -> None:
        clock = self.conn.clock
        if track.failures and track.polled:
            where = f"{track.cluster}: " if self.fleet else ""
            self.say(f"{where}polling again after {track.failures} failed poll(s)")
        track.failures, track.polled, track.snapshot = 0, True, snapshot
        now, wall = clock.now(), clock.wall()
        changes = []
        for key in track.keys:  # one dict lookup per key: linear in the objects
            obs = track.observe(key, snapshot, wall)
            track.final[key] = obs
            if obs.phase is Phase.READY:
                track.since.pop(key, None)
            else:
                track.since.setdefault(key, now)
            state = (obs.phase, obs.message, obs.suspended)
            if track.shown.get(key) != state:
                track.shown[key] = state
                changes.append(obs.describe(self.fleet))
        if changes:
            self.said = now
            stamp = f"[{elapsed_label(now - self.start)}] "
            for line in changes:
                self.conn.say(stamp + line)
        phases = [track.final[key].phase for key in track.keys]
        elapsed = clock.now() - self.start
        failed = self.stop_on_failure and Phase.FAILED in phases
        failing = self.fail_fast and Phase.FAILING in phases
        if all(p is Phase.READY for p in phases):
            track.done(Outcome.READY, elapsed)
        elif failed or failing or all(p in SETTLED for p in phases):
            track.done(Outcome.FAILED, elapsed)
        if self.fail_fast and track.result is not None and track.result.outcome is Outcome.FAILED:
            for other in self.tracks:  # --fail-fast ends every cluster's wait
                if other.result is None:
                    other.done(Outcome.STOPPED, elapsed)

    def heartbeat_line(self, live: list[_Track]) -> str:
        """`still waiting for 2 of 9 after 45s: HelmRelease kube-system/karpenter for 45s
        (running 'upgrade' 40s of 5m0s), …`; the longest waiting first, three at most."""
        now = self.conn.clock.now()
        waiting = [
            (track.since.get(key, now), track, track.final[key])
            for track in live
            for key in track.keys
            if key in track.final and track.final[key].phase is not Phase.READY
        ]
        total = sum(len(t.keys) for t in live)
        if not waiting:
            return f"still waiting for the first answer after {_duration(now - self.start)}"
        waiting.sort(key=lambda item: item[0])
        shown = []
        wall = self.conn.clock.wall()
        for since, track, obs in waiting[:3]:
            name = f"{obs.cluster}: {obs.display}" if self.fleet else obs.display
            obj = track.snapshot.get(obs.key) if track.snapshot else None
            progress = object_progress(obj, wall) if obj is not None else None  # as of now
            extra = progress or (obs.phase.word if obs.phase is not Phase.IN_PROGRESS else "")
            shown.append(f"{name} for {_duration(now - since)}" + (f" ({extra})" if extra else ""))
        more = f", and {len(waiting) - 3} more" if len(waiting) > 3 else ""
        head = f"still waiting for {len(waiting)} of {total} after {_duration(now - self.start)}"
        return f"{head}: {', '.join(shown)}{more}"


def wait_for(
    conn: Connection,
    keys: Iterable[ObjectKey],
    wait: Wait,
    *,
    stop_on_failure: bool = True,
    fail_fast: bool = False,
    handled_before: Mapping[ObjectKey, str | None] | None = None,
    retries: int = 3,
    declared: Iterable[ObjectKey] = (),
    heartbeat: float = HEARTBEAT,
) -> WaitResult:
    """Poll until every key is ready, one fails (`stop_on_failure`; a failing one too under
    `fail_fast`) or every key has settled (ready, failed or suspended), or `wait.timeout`
    seconds pass. Each change of an object's state is passed to `conn.say` once, with the
    elapsed time; a heartbeat line after `heartbeat` seconds of quiet.

    `handled_before` maps keys to their `status.lastHandledReconcileAt` before a reconcile
    request: until that value changes the object counts as in progress, so a stale
    status is never taken for the answer. Up to `retries` failed polls in a row after
    the first good one are reported and retried (a flaky API server); more end the wait.
    Each poll may only take the time left, so a hanging kubectl cannot hold the wait past
    its deadline: a poll killed there ends the wait as a timeout.
    """
    track = _Track(conn, list(dict.fromkeys(keys)), frozenset(declared), dict(handled_before or {}))
    waiter = _Waiter([track], wait, stop_on_failure, fail_fast, retries, heartbeat, fleet=False)
    return waiter.run()[0]


def wait_fleet(
    conns: Sequence[Connection],
    keys: Sequence[ObjectKey],
    wait: Wait,
    *,
    fail_fast: bool = False,
    fleet: bool = True,
    heartbeat: float = HEARTBEAT,
) -> list[WaitResult]:
    """`wait_for` on several clusters at once (`fleet`), the same keys on each: their polls
    run side by side, each line names its cluster, and a cluster that cannot be read ends as
    UNREACHABLE (its error kept) while the others go on. Without `fleet` (one cluster) a
    poll error is raised, as `wait_for` does."""
    tracks = [_Track(conn, list(dict.fromkeys(keys)), frozenset(keys), {}) for conn in conns]
    return _Waiter(tracks, wait, True, fail_fast, 3, heartbeat, fleet=fleet).run()


def _hint(obs: Observation) -> str:
    kind, namespace, name = obs.key
    if kind == "HelmRelease" and obs.phase is Phase.FAILED:
        where = f" --cluster {obs.cluster}" if obs.cluster else ""
        return (
            f" (if its retries are exhausted: invoke flux.recover-hr {name} -n {namespace}{where})"
        )
    return ""


def failure_lines(result: WaitResult) -> list[str]:
    """`Kind ns/name failed: <cause>` for each object that keeps the wait from succeeding."""
    return [f"{obs.display} {obs.phase.word}: {obs.message}{_hint(obs)}" for obs in result.failed]


def pending_lines(result: WaitResult, shown_timeout: str) -> list[str]:
    return [
        f"timed out after {shown_timeout}; still pending:",
        *(f"  {obs.describe()}" for obs in result.pending),
    ]


def report_outcome(result: WaitResult, shown_timeout: str, say: Say) -> None:
    """A wait's outcome as the documented exit: ready says so (0), a failed object is
    CheckFailed (1), a timeout WatchTimeout listing what is pending (124)."""
    if result.outcome is Outcome.FAILED:
        raise CheckFailed(*failure_lines(result))
    if result.outcome is Outcome.TIMEOUT:
        raise WatchTimeout(*pending_lines(result, shown_timeout))
    if result.outcome is Outcome.READY:
        say(f"ready after {elapsed_label(result.elapsed)}")
