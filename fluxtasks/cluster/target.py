"""Which cluster a task talks to, and the guard that keeps canary config off prod.

A task names its cluster with `--cluster` (else `PROW_ENV`, as the old scripts did). Before
touching it we read `kubectl config current-context` and refuse when that is not the
cluster's context, unless `--context` says which context to use. Every kubectl/flux argv is
then built by `ClusterTarget`, so each call carries `--context` (and `--kubeconfig`)
explicitly and never depends on whatever the current context becomes meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..config.model import Cluster, Config
from ..errors import ClusterSelectionError, CommandFailed
from ..runner import Runner
from .reach import unreachable

CLUSTER_ENV = "PROW_ENV"


@dataclass(frozen=True)
class ClusterTarget:
    """The selected cluster and the kube context every command is pinned to."""

    cluster: str  # name in config/flux.yaml, e.g. "canary"
    context: str
    kubeconfig: str | None = None

    def kubectl(self, *args: str) -> list[str]:
        return ["kubectl", *args, *self._globals()]

    def flux(self, *args: str) -> list[str]:
        return ["flux", *args, *self._globals()]

    def apply(self, *source: str, server_dry_run: bool = False) -> list[str]:
        """`kubectl apply --server-side` of `source` (`-f FILE`..., `-k FOLDER`, or `-f -` for
        stdin); with `server_dry_run` the API server validates and changes nothing."""
        dry_run = ["--dry-run=server"] if server_dry_run else []
        return self.kubectl("apply", "--server-side", *source, *dry_run)

    def describe(self) -> str:
        return f"cluster {self.cluster} (context {self.context})"

    def _globals(self) -> list[str]:
        out = ["--context", self.context]
        if self.kubeconfig:
            out += ["--kubeconfig", self.kubeconfig]
        return out


def select_cluster(config: Config, cluster: str | None, environ: Mapping[str, str]) -> Cluster:
    """The cluster named by `--cluster`, else by PROW_ENV; exit 3 with a hint otherwise."""
    names = ", ".join(sorted(config.clusters)) or "none declared"
    origin = "--cluster"
    if not cluster:
        cluster = environ.get(CLUSTER_ENV) or None
        origin = CLUSTER_ENV
    if not cluster:
        raise ClusterSelectionError(
            f"no cluster selected: pass --cluster NAME or set {CLUSTER_ENV} (clusters: {names})"
        )
    if cluster not in config.clusters:
        raise ClusterSelectionError(
            f"unknown cluster {cluster!r} from {origin} (clusters: {names})"
        )
    return config.clusters[cluster]


def _refuse_other_clusters_context(config: Config, selected: Cluster, context: str) -> None:
    """`--context` picks how to reach the selected cluster, never another declared one:
    `--cluster canary --context <prod's context>` would run canary's task on prod."""
    if context == selected.context:
        return
    others = sorted(c.name for c in config.clusters.values() if c.context == context)
    if others:
        raise ClusterSelectionError(
            f"refusing --context {context!r} for cluster {selected.name}: it is the context of "
            f"cluster {others[0]} in config/flux.yaml; pass --cluster {others[0]} to work on "
            f"{others[0]}, or a context that reaches {selected.name}"
        )


def current_context_argv(kubeconfig: str | None = None) -> list[str]:
    argv = ["kubectl", "config", "current-context"]
    if kubeconfig:
        argv += ["--kubeconfig", kubeconfig]
    return argv


def connect(
    config: Config,
    runner: Runner,
    *,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClusterTarget:
    """Select the cluster and check the kube context (skipped when `context` overrides it)."""
    selected = select_cluster(config, cluster, os.environ if environ is None else environ)
    if context:
        _refuse_other_clusters_context(config, selected, context)
        return ClusterTarget(selected.name, context, kubeconfig)
    try:
        result = runner.run(current_context_argv(kubeconfig))
    except CommandFailed as exc:
        # an unreadable kubeconfig is exit 5 with its own advice, as for every other call
        found = unreachable(exc, ClusterTarget(selected.name, selected.context, kubeconfig))
        if found is not None:
            raise found from None
        raise ClusterSelectionError(
            f"cannot read the current kube context ({exc.detail}): "
            f"run `kubectl config use-context {selected.context}` or pass --context"
        ) from None
    if runner.dry_run:
        return ClusterTarget(selected.name, selected.context, kubeconfig)
    current = result.stdout.strip()
    if current != selected.context:
        raise ClusterSelectionError(
            f"refusing to touch cluster {selected.name}: the current kube context is {current!r}, "
            f"not {selected.context!r}; run `kubectl config use-context {selected.context}`, "
            "or pass --context to name the context to use"
        )
    return ClusterTarget(selected.name, selected.context, kubeconfig)
