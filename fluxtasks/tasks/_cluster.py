"""The options every cluster task shares, defined once, and the connection they open.

`cluster_task(**help)` is `@task` for a body that takes `opts: ClusterOptions`: Invoke is
shown the body's own parameters followed by `cluster, context, kubeconfig, dry_run`
(always in this order, which fixes their short flags) and the body gets them as one
ClusterOptions.
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

from ._edge import edge, load, runner, say

if TYPE_CHECKING:
    from ..cluster.connection import Connection
    from ..config.model import Config

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
    klass: type[Task[Any]] = Task, /, **help: str
) -> Callable[[Callable[..., None]], Task[Any]]:
    """`@task(help=...)` for a cluster task (made a `klass`); see the module docstring."""

    def make(body: Callable[..., None]) -> Task[Any]:
        def run(c: Context, **kwargs: Any) -> None:
            shared = {p.name: kwargs.pop(p.name, p.default) for p in _SHARED}
            body(c, opts=ClusterOptions(**shared), **kwargs)

        functools.update_wrapper(run, body)
        own = [p for p in inspect.signature(body).parameters.values() if p.name != "opts"]
        # what Invoke reads (edge's wrapper copies it): the body's parameters, then ours
        run.__dict__["__signature__"] = inspect.Signature([*own, *_SHARED])
        made: Task[Any] = task(klass=klass, help={**help, **CLUSTER_HELP})(edge(run))
        return made

    return make


def open_connection(
    c: Context,
    opts: ClusterOptions,
    tools: tuple[str, ...] = ("kubectl",),
    precheck: Callable[[Config, str], None] | None = None,
) -> tuple[Config, Connection]:
    """Load the config, select the cluster, run the offline `precheck(config, cluster)`,
    make sure the tools exist, then check the kube context: every local problem is
    reported before anything touches a cluster."""
    from ..cluster.connection import Connection
    from ..cluster.target import connect, select_cluster

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
