"""The options every cluster task shares, defined once, and the connections they open.

`cluster_task(**help)` is `@task` for a body that takes `opts: ClusterOptions`: Invoke is
shown the body's own parameters followed by `cluster, context, kubeconfig, dry_run`
(always in this order) and the body gets them as one ClusterOptions.

`--cluster all` (or PROW_ENV=all) names every declared cluster: the read-only tasks made
with `fleet_task` (status, watch, why) open one connection per cluster with
`open_connections`, each pinned to its own declared context; every other task refuses it
(exit 3). A kubectl or flux call that cannot reach its cluster is exit 5, whichever task
made it.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from invoke.context import Context
from invoke.tasks import Task, task

from ..errors import ClusterSelectionError, CommandFailed, InputError
from ._edge import edge, load, runner, say
from ._invoke_compat import FluxTask

if TYPE_CHECKING:
    from ..cluster.connection import Connection
    from ..config.model import Config

FLEET_HELP = (
    "Cluster from config/flux.yaml (e.g. canary, prod), or all: every declared cluster at once, "
    "each through its own context; default: the PROW_ENV environment variable."
)
CLUSTER_HELP = {
    "cluster": "Cluster from config/flux.yaml (e.g. canary, prod); default: the PROW_ENV environment variable.",
    "context": "Kube context to use instead of the cluster's own; skips the current-context check.",
    "kubeconfig": "Kubeconfig file passed to every kubectl and flux call.",
    "dry-run": "Print every command it would run (the context check included), run nothing, exit 0.",
}


@dataclass(frozen=True)
class ClusterOptions:
    cluster: str | None = None
    context: str | None = None
    kubeconfig: str | None = None
    dry_run: bool = False


_SHARED = [
    inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=f.default)
    for f in fields(ClusterOptions)
]


def cluster_task(
    klass: type[Task[Any]] = FluxTask, /, **help: str
) -> Callable[[Callable[..., None]], Task[Any]]:
    """`@task(help=...)` for a cluster task (made a `klass`); see the module docstring."""
    return _cluster_task(klass, help, CLUSTER_HELP)


def fleet_task(**help: str) -> Callable[[Callable[..., None]], Task[Any]]:
    """`cluster_task` for a read-only task that also takes `--cluster all`."""
    return _cluster_task(FluxTask, help, {**CLUSTER_HELP, "cluster": FLEET_HELP})


def _cluster_task(
    klass: type[Task[Any]], help: dict[str, str], shared_help: dict[str, str]
) -> Callable[[Callable[..., None]], Task[Any]]:
    def make(body: Callable[..., None]) -> Task[Any]:
        def run(c: Context, **kwargs: Any) -> None:
            shared = {p.name: kwargs.pop(p.name, p.default) for p in _SHARED}
            try:
                body(c, opts=ClusterOptions(**shared), **kwargs)
            except CommandFailed as exc:
                raise unreachable_call(exc, shared["cluster"]) or exc from None

        functools.update_wrapper(run, body)
        own = [p for p in inspect.signature(body).parameters.values() if p.name != "opts"]
        # what Invoke reads (edge's wrapper copies it): the body's parameters, then ours
        run.__dict__["__signature__"] = inspect.Signature([*own, *_SHARED])
        made: Task[Any] = task(klass=klass, help={**help, **shared_help})(edge(run))
        return made

    return make


def unreachable_call(exc: CommandFailed, cluster: str | None) -> Exception | None:
    """A failed kubectl/flux call that could not reach its cluster, as exit 5 naming the
    cluster and the context it was pinned to; None for any other failure."""
    from ..cluster.reach import unreachable
    from ..cluster.target import CLUSTER_ENV, ClusterTarget

    argv = exc.argv
    context = argv[argv.index("--context") + 1] if "--context" in argv[:-1] else "(current)"
    name = cluster or os.environ.get(CLUSTER_ENV) or "(selected)"
    return unreachable(exc, ClusterTarget(name, context))


def _refuse_all(opts: ClusterOptions) -> None:
    from ..cluster.fleet import wants_all

    if wants_all(opts.cluster, os.environ):
        raise ClusterSelectionError(
            "this task changes one cluster at a time: --cluster all (or PROW_ENV=all) is for "
            "flux.status, flux.watch and flux.why; name the cluster, e.g. --cluster canary"
        )


def open_connection(
    c: Context,
    opts: ClusterOptions,
    tools: tuple[str, ...] = ("kubectl",),
    precheck: Callable[[Config, str], None] | None = None,
) -> tuple[Config, Connection]:
    """Load the config, select the cluster, run the offline `precheck(config, cluster)`,
    make sure the tools exist, then check the kube context: every local problem is
    reported before anything touches a cluster. `--cluster all` is refused (exit 3)."""
    from ..cluster.connection import Connection
    from ..cluster.target import connect, select_cluster

    _refuse_all(opts)
    config = load(c)
    selected = select_cluster(config, opts.cluster, os.environ)  # exit 3 before anything else
    if precheck is not None:
        precheck(config, selected.name)
    commands = runner(c, dry_run=opts.dry_run)
    if not opts.dry_run:
        for tool in tools:
            commands.which(tool)
    target = connect(
        config, commands, cluster=opts.cluster, context=opts.context, kubeconfig=opts.kubeconfig
    )
    return config, Connection(target, commands, say=say)


def open_connections(
    c: Context, opts: ClusterOptions, tools: tuple[str, ...] = ("kubectl",)
) -> tuple[Config, list[Connection], bool]:
    """`open_connection` for a read-only task, or with `--cluster all` one connection per
    declared cluster, each pinned to its declared context (nothing depends on the current
    one, so there is nothing to check). The flag says whether it was `all`."""
    from ..cluster.connection import Connection
    from ..cluster.fleet import fleet_targets, wants_all

    if not wants_all(opts.cluster, os.environ):
        config, conn = open_connection(c, opts, tools)
        return config, [conn], False
    if opts.context:
        raise InputError(
            "--context names one context; with --cluster all each cluster uses its own "
            "context from config/flux.yaml"
        )
    config = load(c)
    commands = runner(c, dry_run=opts.dry_run)
    if not opts.dry_run:
        for tool in tools:
            commands.which(tool)
    targets = fleet_targets(config, opts.kubeconfig)
    if not targets:
        raise ClusterSelectionError("--cluster all: config/flux.yaml declares no cluster")
    return config, [Connection(target, commands, say=say) for target in targets], True
