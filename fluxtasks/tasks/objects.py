"""Tasks on one Flux object through the flux CLI: `flux.suspend`, `flux.resume`, `flux.reconcile`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke.context import Context

from ._cluster import ClusterOptions, cluster_task, open_connection, seconds
from ._edge import say, warn

if TYPE_CHECKING:
    from ..cluster.connection import Connection
    from ..config.model import Config
    from ..flux import FluxKind

OBJECT_HELP = {
    "kind": "helmrelease|hr, kustomization|ks, gitrepository|git, helmrepository|helm, ocirepository|oci.",
    "resource": "Name of the object.",
    "namespace": "Namespace of the object; default: where config/flux.yaml declares it, else flux-system.",
}


def _open(
    c: Context, opts: ClusterOptions, kind: str, resource: str, namespace: str | None
) -> tuple[Connection, FluxKind, str]:
    """Connect, with an unknown KIND or a name no Kubernetes object can have refused
    (exit 4) before the cluster is touched; then the kind and the namespace to use."""
    from ..cluster.objects import check_names, declared_namespace
    from ..flux import DEFAULT_NAMESPACE, resolve_kind

    def check(config: Config, cluster: str) -> None:
        resolve_kind(kind)
        check_names(resource, namespace)

    config, conn = open_connection(c, opts, ("kubectl", "flux"), check)
    flux_kind = resolve_kind(kind)
    found = namespace or declared_namespace(config.declared(), flux_kind.kind, resource)
    return conn, flux_kind, found or DEFAULT_NAMESPACE


@cluster_task(**OBJECT_HELP)
def suspend(
    c: Context, kind: str, resource: str, namespace: str | None = None, *, opts: ClusterOptions
) -> None:
    """Suspend one Flux object (flux suspend); a missing object is exit 1."""
    from ..cluster.objects import suspend as suspend_object

    conn, flux_kind, ns = _open(c, opts, kind, resource, namespace)
    message = suspend_object(conn, flux_kind, resource, ns)
    if not opts.dry_run:
        say(message)


@cluster_task(
    **OBJECT_HELP,
    timeout="How long to wait for Ready after resuming (Go duration); exit 124 after. Default 5m.",
    interval="Time between status polls (Go duration). Default 2s.",
)
def resume(
    c: Context,
    kind: str,
    resource: str,
    namespace: str | None = None,
    timeout: str = "5m",
    interval: str = "2s",
    *,
    opts: ClusterOptions,
) -> None:
    """Resume one Flux object, then wait for Ready by reading its status (exit 1 if it fails)."""
    from ..cluster.connection import Wait
    from ..cluster.objects import resume as resume_object
    from ..cluster.watch import report_outcome

    wait = Wait(seconds(timeout, "--timeout"), seconds(interval, "--interval"))
    conn, flux_kind, ns = _open(c, opts, kind, resource, namespace)
    report_outcome(resume_object(conn, flux_kind, resource, ns, wait), timeout, say)


@cluster_task(
    **OBJECT_HELP,
    with_source="Reconcile the object's source first (helmrelease and kustomization only).",
    timeout="Passed to flux as --timeout (Go duration); flux's default is 5m.",
)
def reconcile(
    c: Context,
    kind: str,
    resource: str,
    namespace: str | None = None,
    with_source: bool = False,
    timeout: str | None = None,
    *,
    opts: ClusterOptions,
) -> None:
    """Ask Flux to reconcile one object now (flux reconcile) and wait for the result."""
    from ..cluster.objects import reconcile as reconcile_object

    if timeout is not None:
        seconds(timeout, "--timeout")
    conn, flux_kind, ns = _open(c, opts, kind, resource, namespace)
    reconcile_object(
        conn, flux_kind, resource, ns, with_source=with_source, timeout=timeout, progress=warn
    )
