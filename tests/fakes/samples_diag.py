"""Realistic diagnosis content for the fakes' state (stdlib only; see README.md beside this
file): Events in the short form the fakes expand, controller log lines with the fields
controller-runtime and the Flux reconcilers log, Flux's Deployments, and multi-cluster
states. Tests import it as `from fakes import samples_diag`.
"""

from __future__ import annotations

import hashlib
from typing import Any

NOW = "2024-06-01T12:00:00Z"  # a "now" for the state, so ages and --since are exact
CONTROLLERS = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
)


def event(
    obj: str,
    reason: str,
    message: str,
    *,
    type_: str = "Normal",
    age: str = "1m",
    count: int = 1,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The fakes' short form of an Event about `Kind/namespace/name`."""
    out: dict[str, Any] = {
        "object": obj,
        "type": type_,
        "reason": reason,
        "message": message,
        "age": age,
        "count": count,
    }
    if annotations:
        out["annotations"] = annotations
    return out


def upgrade_failed_event(
    name: str,
    namespace: str = "kube-system",
    *,
    chart: str | None = None,
    version: str = "1.0.2",
    age: str = "2m",
) -> dict[str, Any]:
    """The Warning event of a failed upgrade: the only place with Helm's own log."""
    chart = chart or name
    message = (
        f"Helm upgrade failed for release {namespace}/{name} with chart {chart}@{version}: "
        f"timed out waiting for the condition\n\nLast Helm logs:\n\n"
        f"preparing upgrade for {name}\nperforming update for {name}\ncreating upgraded release for {name}\n"
        f"waiting for release {name} resources (created: 0 updated: 3  deleted: 0)\n"
        f"beginning wait for 3 resources with timeout of 5m0s\n"
        f"Deployment is not ready: {namespace}/{name}. 0 out of 2 expected pods are ready"
    )
    return event(
        f"HelmRelease/{namespace}/{name}",
        "UpgradeFailed",
        message,
        type_="Warning",
        age=age,
        annotations={
            "helm.toolkit.fluxcd.io/revision": version,
            "helm.toolkit.fluxcd.io/token": "a1b2c3d4",
        },
    )


def log(
    kind: str,
    name: str,
    namespace: str,
    msg: str,
    *,
    level: str = "info",
    error: str = "",
    age: str = "1m",
    controller_group: str = "",
) -> dict[str, Any]:
    """A controller log line about one object, with controller-runtime's fields in zap's order."""
    group = controller_group or {
        "HelmRelease": "helm.toolkit.fluxcd.io",
        "Kustomization": "kustomize.toolkit.fluxcd.io",
    }.get(kind, "source.toolkit.fluxcd.io")
    out: dict[str, Any] = {
        "level": level,
        "age": age,
        "msg": msg,
        "controller": kind.lower(),
        "controllerGroup": group,
        "controllerKind": kind,
        kind: {"name": name, "namespace": namespace},
        "namespace": namespace,
        "name": name,
        "reconcileID": _reconcile_id(kind, name, namespace, msg),
    }
    if error:
        out["error"] = error
    return out


def _reconcile_id(*parts: str) -> str:
    h = hashlib.sha1("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def helm_controller_logs(
    name: str, namespace: str = "kube-system", *, chart: str | None = None, version: str = "1.0.2"
) -> list[Any]:
    """helm-controller's log around a failed upgrade of `namespace/name`, mixed with lines
    about other releases (one of the same name in another namespace) and startup lines."""
    chart = chart or name
    failure = f"Helm upgrade failed for release {namespace}/{name} with chart {chart}@{version}: timed out waiting for the condition"
    return [
        '{"level":"info","ts":"2024-06-01T09:00:00.000Z","logger":"setup","msg":"starting manager"}',
        "I0601 09:00:01.000000       1 leaderelection.go:250] attempting to acquire leader lease flux-system/helm-controller-leader-election...",
        log("HelmRelease", "podinfo", "apps", "release in-sync with desired state", age="30m"),
        log("HelmRelease", name, "flux-system", "release in-sync with desired state", age="20m"),
        log(
            "HelmRelease",
            name,
            namespace,
            "release out-of-sync with desired state: chart version changed",
            age="10m",
        ),
        log(
            "HelmRelease",
            name,
            namespace,
            "running 'upgrade' action with timeout of 5m0s",
            age="9m",
        ),
        log(
            "HelmRelease",
            name,
            namespace,
            "Reconciler error",
            level="error",
            error=failure,
            age="4m",
        ),
        log(
            "HelmRelease",
            "podinfo",
            "apps",
            "Reconciler error",
            level="error",
            error="dependency 'apps/redis' is not ready",
            age="3m",
        ),
        log("HelmRelease", name, namespace, "rolled back release to previous version", age="2m"),
    ]


def flux_deployments(namespace: str = "flux-system", **states: str) -> dict[str, Any]:
    """The "deployments" map of a Flux install: every controller ready unless told, e.g.
    flux_deployments(**{"helm-controller": "crashloop"})."""
    return {f"{namespace}/{c}": states.get(c, "ready") for c in CONTROLLERS}


def two_clusters(
    canary: dict[str, Any],
    prod: dict[str, Any],
    *,
    current: str = "prow-canary-cluster",
    canary_context: str = "prow-canary-cluster",
    prod_context: str = "prow-build-cluster",
    flux_version: str = "v2.3.0",
) -> dict[str, Any]:
    """A state with one cluster per kube context, e.g. two_clusters({"objects": [...]},
    {"unreachable": "refused"})."""
    return {
        "context": current,
        "fluxVersion": flux_version,
        "now": NOW,
        "clusters": {canary_context: canary, prod_context: prod},
    }
