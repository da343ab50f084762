"""`flux.watch`: wait for every declared object on one cluster or all of them, then say how
it ended. A wait that ends in a failure or a timeout first prints the `flux.why` summary of
each object that held it up — headline, cause and the `next:` command with its `--cluster`
— from one more objects read per cluster (HelmCharts and controllers included), then ends
with the documented exit code:

| how it ended | exit |
| --- | --- |
| every object Ready on every cluster | 0 |
| an object failed (Stalled, failing under --fail-fast, or settled and not Ready) | 1 |
| the deadline passed with objects still pending | 124 |
| a cluster could not be read (--cluster all: the others are still waited for) | 5 |

When several apply, the highest in this order wins: 5, then 124, then 1.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from ..errors import CheckFailed, ClusterUnreachable, FluxTasksError, WatchTimeout
from .connection import Connection, Wait
from .diagnose import Diagnosis, diagnose_polled
from .status import ObjectKey, Ref
from .watch import (
    Outcome,
    WaitResult,
    elapsed_label,
    failure_lines,
    pending_lines,
    wait_fleet,
)
from .why import diagnose_all
from .why_report import summary

SUMMARIES = 5  # objects summarised per cluster; the rest are counted


def _held_up(result: WaitResult) -> list[ObjectKey]:
    if result.outcome is Outcome.FAILED:
        return [obs.key for obs in result.failed]
    if result.outcome is Outcome.TIMEOUT:
        return [obs.key for obs in result.pending]
    return []


def _diagnoses(
    conn: Connection, result: WaitResult, keys: Sequence[ObjectKey], deadline: float
) -> list[Diagnosis]:
    """The objects that held the wait up: from one more read, within what is left of the
    wait; from the last poll alone after a timeout (no time is left) or when that read
    fails."""
    refs = [Ref(*key) for key in _held_up(result)[:SUMMARIES]]
    if result.outcome is not Outcome.TIMEOUT:
        with contextlib.suppress(FluxTasksError):
            return diagnose_all(conn, refs, keys, timeout=conn.time_left(deadline))
    if result.snapshot is None:
        return []
    now = conn.clock.wall()
    cluster = conn.target.cluster
    return [
        diagnose_polled(result.snapshot, ref, cluster=cluster, now=now, declared=True)
        for ref in refs
    ]


def _summarise(
    conn: Connection, result: WaitResult, keys: Sequence[ObjectKey], deadline: float
) -> None:
    held = _held_up(result)
    if not held:
        return
    for diagnosis in _diagnoses(conn, result, keys, deadline):
        for line in ["", *summary(diagnosis)]:
            conn.say(line)
    if len(held) > SUMMARIES:
        more = f"invoke flux.status --failed --cluster {conn.target.cluster}"
        conn.say(f"... and {len(held) - SUMMARIES} more: {more}")


def _ending(
    results: Sequence[WaitResult], shown_timeout: str, fleet: bool
) -> FluxTasksError | None:
    """The error the watch ends with (module docstring); None when every object is ready."""
    unreachable = [line for r in results if r.error is not None for line in r.error.lines]
    if unreachable:
        return ClusterUnreachable(*unreachable)

    def where(r: WaitResult) -> str:
        return f"{r.cluster}: " if fleet else ""

    timeouts = [r for r in results if r.outcome is Outcome.TIMEOUT]
    if timeouts:
        lines = [f"{where(r)}{line}" for r in timeouts for line in pending_lines(r, shown_timeout)]
        return WatchTimeout(*lines)
    failed = [f"{where(r)}{line}" for r in results for line in failure_lines(r)]
    failed_results = [r for r in results if r.outcome is Outcome.FAILED]
    return CheckFailed(*failed) if failed_results else None


def watch(
    conns: Sequence[Connection],
    keys: Sequence[ObjectKey],
    wait: Wait,
    shown_timeout: str,
    *,
    fail_fast: bool = False,
    fleet: bool = False,
) -> None:
    """`flux.watch`: wait for every declared object on each cluster, summarise what held the
    wait up, end with the exit code of the module docstring."""
    say = conns[0].say
    if not keys:
        say("config/flux.yaml declares no Flux objects: nothing to wait for")
        return
    deadline = conns[0].clock.now() + wait.timeout
    results = wait_fleet(conns, keys, wait, fail_fast=fail_fast, fleet=fleet)
    if any(r.outcome is Outcome.DRY_RUN for r in results):
        return
    for conn, result in zip(conns, results, strict=True):
        _summarise(conn, result, keys, deadline)
    for r in results:
        if r.outcome is Outcome.READY:
            say(f"{r.cluster}: " * fleet + f"ready after {elapsed_label(r.elapsed)}")
    ending = _ending(results, shown_timeout, fleet)
    if ending is not None:
        raise ending
