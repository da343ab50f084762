"""Tasks that push the tree to a cluster: `flux.install`, the four apply tasks, `flux.apply-values`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from invoke.context import Context
from invoke.tasks import Task

from ._cluster import ClusterOptions, cluster_task, open_connection
from ._edge import say, seconds

if TYPE_CHECKING:
    from ..config.model import Config


@cluster_task(
    timeout="How long to wait for the controllers to become ready (Go duration). Default 5m.",
    server_dry_run="Apply with --dry-run=server (the API server validates, nothing changes) and do not wait.",
)
def install(
    c: Context, timeout: str = "5m", server_dry_run: bool = False, *, opts: ClusterOptions
) -> None:
    """Server-side apply the committed Flux components, then wait for the controllers.

    Example: invoke flux.install --cluster canary
    """
    from ..cluster.connection import Wait
    from ..cluster.install import install as install_components
    from ..cluster.install import require_components

    wait = Wait(seconds(timeout, "--timeout"))
    config, conn = open_connection(c, opts, precheck=lambda cfg, _: require_components(cfg))
    install_components(config, conn, wait, server_dry_run=server_dry_run)


_APPLY_HELP = {
    "server_dry_run": "Pass --dry-run=server: the API server validates everything, nothing changes.",
    "allow_drift": "Apply even when generated files differ from what config/flux.yaml renders.",
}


def _apply_task(name: str, groups: tuple[str, ...], doc: str) -> Task[Any]:
    """One apply task per group set: Invoke needs a function per task, the work is shared."""

    def body(
        c: Context, server_dry_run: bool = False, allow_drift: bool = False, *, opts: ClusterOptions
    ) -> None:
        from ..cluster.apply import apply_groups, check_drift

        def no_drift(config: Config, _cluster: str) -> None:
            check_drift(config, allow_drift=allow_drift, dry_run=opts.dry_run, say=say)

        config, conn = open_connection(c, opts, precheck=no_drift)
        apply_groups(config, conn, groups, server_dry_run=server_dry_run)

    task_name = name.replace("_", "-")
    body.__doc__ = f"{doc}\n\n    Example: invoke flux.{task_name} --cluster canary\n    "
    body.__name__ = body.__qualname__ = name
    return cluster_task(**_APPLY_HELP)(body)


apply_sources = _apply_task(
    "apply_sources",
    ("sources",),
    "Server-side apply every flux-source-*.yaml under resources/ (one kubectl call).",
)
apply_kustomizations = _apply_task(
    "apply_kustomizations",
    ("kustomizations",),
    "Server-side apply every flux-ks-*.yaml under resources/ (one kubectl call).",
)
apply_helm_releases = _apply_task(
    "apply_helm_releases",
    ("helm-releases",),
    "Server-side apply every flux-hr-*.yaml under resources/ (one kubectl call).",
)
apply = _apply_task(
    "apply",
    ("sources", "kustomizations", "helm-releases"),
    "Apply sources, then Kustomizations, then HelmReleases (one kubectl call each).",
)


@cluster_task(
    release="Only the HelmRelease of this name (default: every release with clusterValues).",
    server_dry_run="Apply with --dry-run=server: the API server validates, nothing changes.",
)
def apply_values(
    c: Context, release: str | None = None, server_dry_run: bool = False, *, opts: ClusterOptions
) -> None:
    """Push each HelmRelease's per-cluster values file (clusterValues) into its ConfigMap.

    Example: invoke flux.apply-values --cluster canary --release karpenter
    """
    from ..cluster.values import apply_values as push_values
    from ..cluster.values import plan_values

    def values_exist(config: Config, cluster: str) -> None:
        plan_values(config, cluster, release)

    config, conn = open_connection(c, opts, precheck=values_exist)
    push_values(config, conn, release=release, server_dry_run=server_dry_run)
