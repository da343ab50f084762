"""Tasks on one Flux object through the flux CLI: `flux.suspend`, `flux.resume`, `flux.reconcile`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from invoke.context import Context

from ._cluster import ClusterOptions, cluster_task, open_connection
from ._edge import say, seconds, warn

if TYPE_CHECKING:
    from ..cluster.connection import Connection
    from ..config.model import Config
    from ..flux import FluxKind

OBJECT_HELP = {
    "kind": "helmrelease|hr, kustomization|ks, gitrepository|git, helmrepository|helm, ocirepository|oci.",
    "resource": "Name of the object.",
    "namespace": "Namespace of the object; default: where config/flux.yaml declares it, else flux-system.",
}
# suspend and resume take several objects of one kind, as flux does.
OBJECTS_HELP = {
    **OBJECT_HELP,
    "resource": "Name of the object; several: comma-separated (a,b).",
    "namespace": "Namespace of the objects; default: where config/flux.yaml declares each, else flux-system.",
}


@dataclass(frozen=True)
class ObjectArgs:
    """KIND RESOURCE [-n NAMESPACE], as given."""

    kind: str
    resource: str
    namespace: str | None = None

    @property
    def names(self) -> list[str]:
        """RESOURCE as several names (`a,b`), each once, in the order given."""
        return list(dict.fromkeys(n.strip() for n in self.resource.split(",")))


def one_object(body: Callable[..., None]) -> Callable[..., None]:
    """Under `cluster_task`: Invoke is shown KIND and RESOURCE (positional) and --namespace
    first, then the body's own parameters; the body gets the three as one ObjectArgs."""

    def run(
        c: Context, kind: str, resource: str, namespace: str | None = None, **kwargs: Any
    ) -> None:
        body(c, ObjectArgs(kind, resource, namespace), **kwargs)

    leading = list(inspect.signature(run).parameters.values())[:4]
    own = list(inspect.signature(body).parameters.values())[2:]
    functools.update_wrapper(run, body)
    run.__dict__["__signature__"] = inspect.Signature([*leading, *own])
    return run


def _open(c: Context, opts: ClusterOptions, obj: ObjectArgs) -> tuple[Connection, FluxKind, str]:
    """Connect, with an unknown KIND or a name no Kubernetes object can have refused
    (exit 4) before the cluster is touched; then the kind and the namespace to use."""
    conn, kind, targets = _open_many(
        c, opts, ObjectArgs(obj.kind, obj.resource, obj.namespace), one=True
    )
    return conn, kind, targets[0][0]


def _open_many(
    c: Context, opts: ClusterOptions, obj: ObjectArgs, *, one: bool = False
) -> tuple[Connection, FluxKind, list[tuple[str, str]]]:
    """`_open` for RESOURCE naming several objects (a,b): (namespace, name) of each, a
    name's namespace where config/flux.yaml declares it unless -n is given."""
    from ..cluster.objects import check_names, declared_namespace
    from ..flux import DEFAULT_NAMESPACE, resolve_kind

    names = [obj.resource] if one else obj.names

    def check(config: Config, cluster: str) -> None:
        resolve_kind(obj.kind)
        for name in names:
            check_names(name, obj.namespace)

    config, conn = open_connection(c, opts, ("kubectl", "flux"), check)
    kind = resolve_kind(obj.kind)
    targets = [
        (
            obj.namespace
            or declared_namespace(config.declared(), kind.kind, n)
            or DEFAULT_NAMESPACE,
            n,
        )
        for n in names
    ]
    return conn, kind, targets


@cluster_task(**OBJECTS_HELP)
@one_object
def suspend(c: Context, obj: ObjectArgs, *, opts: ClusterOptions) -> None:
    """Suspend Flux objects (flux suspend); a missing object or a failed patch is exit 1.

    invoke flux.suspend KIND RESOURCE[,RESOURCE...] [-n NAMESPACE] --cluster CLUSTER
    KIND: hr, ks, git, helm, oci. Example: invoke flux.suspend hr karpenter --cluster canary
    """
    from ..cluster.objects import report_patched
    from ..cluster.objects import suspend as suspend_objects

    conn, kind, targets = _open_many(c, opts, obj)
    report_patched(suspend_objects(conn, kind, targets), "suspended", say, dry_run=opts.dry_run)


@cluster_task(
    **OBJECTS_HELP,
    timeout="How long to wait for Ready after resuming (Go duration); exit 124 after. Default 5m.",
    interval="Time between status polls (Go duration). Default 2s.",
)
@one_object
def resume(
    c: Context, obj: ObjectArgs, timeout: str = "5m", interval: str = "2s", *, opts: ClusterOptions
) -> None:
    """Resume Flux objects, then wait for Ready by reading their status (exit 1 if one fails).

    invoke flux.resume KIND RESOURCE[,RESOURCE...] [-n NAMESPACE] --cluster CLUSTER
    KIND: hr, ks, git, helm, oci. Example: invoke flux.resume hr karpenter --cluster canary
    """
    from ..cluster.connection import Wait
    from ..cluster.objects import report_resumed
    from ..cluster.objects import resume as resume_objects

    wait = Wait(seconds(timeout, "--timeout"), seconds(interval, "--interval"))
    conn, kind, targets = _open_many(c, opts, obj)
    report_resumed(*resume_objects(conn, kind, targets, wait), timeout, say)


@cluster_task(
    **OBJECT_HELP,
    with_source="Reconcile the object's source first (helmrelease and kustomization only).",
    timeout="Passed to flux as --timeout (Go duration); flux's default is 5m.",
)
@one_object
def reconcile(
    c: Context,
    obj: ObjectArgs,
    with_source: bool = False,
    timeout: str | None = None,
    *,
    opts: ClusterOptions,
) -> None:
    """Ask Flux to reconcile one object now (flux reconcile) and wait for the result.

    invoke flux.reconcile KIND RESOURCE [-n NAMESPACE] [--with-source] --cluster CLUSTER
    KIND: hr, ks, git, helm, oci. Example: invoke flux.reconcile ks apps --with-source --cluster canary
    """
    from ..cluster.objects import reconcile as reconcile_object

    if timeout is not None:
        seconds(timeout, "--timeout")
    conn, kind, namespace = _open(c, opts, obj)
    outcome = reconcile_object(
        conn, kind, obj.resource, namespace, with_source=with_source, timeout=timeout, progress=warn
    )
    if not opts.dry_run:
        say(outcome)
