"""Several clusters at once (`--cluster all`): one connection per declared cluster, each
pinned to its own context, and their reads run side by side, so a report over every cluster
takes about as long as the slowest cluster, not the sum of them.

Each cluster's work runs in a daemon thread of its own: Ctrl-C reaches the main thread,
which stops waiting at once and kills the commands still running in the workers (each runs
in a process group of its own, which the terminal's Ctrl-C does not reach): nothing
outlives the task. Results come back in the order of the clusters, an exception as the result of the
cluster that raised it, so one unreachable cluster never hides the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..config.model import ALL_CLUSTERS, Config
from ..errors import ClusterUnreachable, FluxTasksError
from ..runner import kill_running
from .connection import Connection
from .target import ClusterTarget

ALL = ALL_CLUSTERS  # --cluster all, PROW_ENV=all
T = TypeVar("T")
U = TypeVar("U")


def wants_all(cluster: str | None, environ: Mapping[str, str]) -> bool:
    """--cluster all, or PROW_ENV=all without --cluster."""
    from .target import CLUSTER_ENV

    return (cluster or environ.get(CLUSTER_ENV) or None) == ALL


def fleet_targets(config: Config, kubeconfig: str | None = None) -> list[ClusterTarget]:
    """Every declared cluster, in the config's order, each pinned to its declared context
    (so no current-context check is needed: nothing depends on the current one)."""
    return [
        ClusterTarget(cluster.name, cluster.context, kubeconfig)
        for cluster in config.clusters.values()
    ]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one cluster's work gave: a value, or the error it raised."""

    conn: Connection
    value: T | None = None
    error: FluxTasksError | None = None

    @property
    def cluster(self) -> str:
        return self.conn.target.cluster

    @property
    def unreachable(self) -> bool:
        return isinstance(self.error, ClusterUnreachable)


def parallel(
    work: Callable[[T], U], items: Sequence[T], *, in_turn: bool = False
) -> list[U | BaseException]:
    """`work(item)` for every item, side by side; each result or exception in item order.
    One item, or `in_turn` (a dry run: its printed commands must not interleave), runs in
    this thread, one after another."""
    if len(items) == 1 or in_turn:
        out: list[U | BaseException] = []
        for item in items:
            try:
                out.append(work(item))
            except Exception as exc:  # handed back as that item's result
                out.append(exc)
        return out
    results: list[U | BaseException] = [RuntimeError("not run")] * len(items)

    def run(i: int, item: T) -> None:
        try:
            results[i] = work(item)
        except BaseException as exc:  # handed back as that item's result
            results[i] = exc

    threads = [
        threading.Thread(target=run, args=(i, item), daemon=True) for i, item in enumerate(items)
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C reaches this thread only: end the others' commands
        kill_running()
        raise
    return results


def each_cluster(conns: Sequence[Connection], work: Callable[[Connection], T]) -> list[Outcome[T]]:
    """`work(conn)` on every cluster side by side. A FluxTasksError becomes that cluster's
    Outcome; anything else (a bug, Ctrl-C) is raised."""
    out: list[Outcome[T]] = []
    in_turn = any(conn.dry_run for conn in conns)
    for conn, result in zip(conns, parallel(work, list(conns), in_turn=in_turn), strict=True):
        if isinstance(result, FluxTasksError):
            out.append(Outcome(conn, error=result))
        elif isinstance(result, BaseException):
            raise result
        else:
            out.append(Outcome(conn, value=result))
    return out


def failure_of(outcomes: Iterable[Outcome[T]]) -> FluxTasksError | None:
    """The error a fleet task ends with: every unreachable cluster's line (exit 5), else
    the other clusters' errors (the first one's exit code), else None."""
    unreachable: list[str] = []
    other: list[FluxTasksError] = []
    for outcome in outcomes:
        if isinstance(outcome.error, ClusterUnreachable):
            unreachable += outcome.error.lines
        elif outcome.error is not None:
            other.append(outcome.error)
    if unreachable:
        return ClusterUnreachable(*unreachable)
    if not other:
        return None
    combined = FluxTasksError(*(line for error in other for line in error.lines))
    combined.exit_code = other[0].exit_code
    return combined
