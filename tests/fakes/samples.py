"""Realistic Flux objects for the fakes' state (stdlib only; see README.md beside this file).

Objects as helm-controller v1.x, kustomize-controller v1.x and source-controller write them
(Flux 2.3+): the conditions that hold the real cause, status.history, failure counters,
HelmCharts, static OCI HelmRepositories, inventories. Tests import it as
`from fakes import samples` and put the results in the state file (samples_diag.py has
events, logs, Deployments and multi-cluster states).
"""

from __future__ import annotations

from typing import Any

SHA = "main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9"
T0 = "2024-06-01T11:00:00Z"  # when the samples' conditions last changed


def cond(
    type_: str, status: str, reason: str, message: str, generation: int = 1, at: str = T0
) -> dict[str, Any]:
    return {
        "lastTransitionTime": at,
        "message": message,
        "observedGeneration": generation,
        "reason": reason,
        "status": status,
        "type": type_,
    }


def meta(name: str, namespace: str, generation: int) -> dict[str, Any]:
    return {"generation": generation, "name": name, "namespace": namespace}


def history(
    name: str, namespace: str, chart: str, *entries: tuple[int, str, str, str]
) -> list[dict[str, Any]]:
    """status.history, newest first, from (helm release version, chart version, status, action)."""
    return [
        {
            "action": action,
            "appVersion": chart_version,
            "chartName": chart,
            "chartVersion": chart_version,
            "configDigest": f"sha256:{version:064x}",
            "digest": f"sha256:{version + 100:064x}",
            "firstDeployed": "2024-05-01T10:00:00Z",
            "lastDeployed": f"2024-06-01T1{min(version, 9)}:00:00Z",
            "name": name,
            "namespace": namespace,
            "status": status,
            "version": version,
        }
        for version, chart_version, status, action in entries
    ]


def helm_release(
    name: str,
    namespace: str = "kube-system",
    *,
    chart: str | None = None,
    version: str = "1.0.2",
    source: tuple[str, str, str] = ("HelmRepository", "karpenter", "flux-system"),
    generation: int = 1,
    conditions: list[dict[str, Any]] | None = None,
    status: dict[str, Any] | None = None,
    suspend: bool = False,
) -> dict[str, Any]:
    """A HelmRelease; Ready (upgrade succeeded, history of two releases) unless told otherwise."""
    chart = chart or name
    kind, source_name, source_ns = source
    release = f"{namespace}/{name}"
    body: dict[str, Any] = {
        "helmChart": f"{source_ns}/{namespace}-{name}",
        "history": history(
            name,
            namespace,
            chart,
            (2, version, "deployed", "upgrade"),
            (1, "1.0.1", "superseded", "install"),
        ),
        "lastAttemptedConfigDigest": "sha256:" + "2" * 64,
        "lastAttemptedGeneration": generation,
        "lastAttemptedReleaseAction": "upgrade",
        "lastAttemptedRevision": version,
        "observedGeneration": generation,
        "storageNamespace": namespace,
    }
    body["conditions"] = (
        conditions
        if conditions is not None
        else [
            cond(
                "Ready",
                "True",
                "UpgradeSucceeded",
                f"Helm upgrade succeeded for release {release}.v2 with chart {chart}@{version}",
                generation,
            ),
            cond(
                "Released",
                "True",
                "UpgradeSucceeded",
                f"Helm upgrade succeeded for release {release}.v2 with chart {chart}@{version}",
                generation,
            ),
        ]
    )
    body.update(status or {})
    spec: dict[str, Any] = {
        "chart": {
            "spec": {
                "chart": chart,
                "reconcileStrategy": "ChartVersion",
                "sourceRef": {"kind": kind, "name": source_name, "namespace": source_ns},
                "version": version,
            }
        },
        "interval": "5m0s",
    }
    if suspend:
        spec["suspend"] = True
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": meta(name, namespace, generation),
        "spec": spec,
        "status": body,
    }


def upgrade_rolled_back(
    name: str,
    namespace: str = "kube-system",
    *,
    chart: str | None = None,
    good: str = "1.0.1",
    bad: str = "1.0.2",
    error: str = "timed out waiting for the condition",
    generation: int = 3,
) -> dict[str, Any]:
    """Retries exhausted after a failed upgrade that was rolled back: Stalled says only
    "Failed to upgrade after 1 attempt(s)", Ready shows the rollback, the Helm error sits
    in Released."""
    chart = chart or name
    release = f"{namespace}/{name}"
    rolled_back = (
        f"Helm rollback to previous release {release}.v4 with chart {chart}@{good} succeeded"
    )
    return helm_release(
        name,
        namespace,
        chart=chart,
        version=bad,
        generation=generation,
        conditions=[
            cond(
                "Stalled",
                "True",
                "RetriesExceeded",
                "Failed to upgrade after 1 attempt(s)",
                generation,
            ),
            cond("Ready", "False", "RollbackSucceeded", rolled_back, generation),
            cond(
                "Released",
                "False",
                "UpgradeFailed",
                f"Helm upgrade failed for release {release} with chart {chart}@{bad}: {error}",
                generation,
            ),
            cond("Remediated", "True", "RollbackSucceeded", rolled_back, generation),
        ],
        status={
            "failures": 1,
            "upgradeFailures": 1,
            "lastAttemptedRevision": bad,
            "history": history(
                name,
                namespace,
                chart,
                (6, good, "deployed", "rollback"),
                (5, bad, "failed", "upgrade"),
                (4, good, "superseded", "upgrade"),
            ),
        },
    )


def install_failed(
    name: str,
    namespace: str = "kube-system",
    *,
    chart: str | None = None,
    version: str = "1.0.2",
    error: str = "context deadline exceeded",
    generation: int = 1,
) -> dict[str, Any]:
    """An install that failed and was uninstalled (remediation), retries exhausted."""
    chart = chart or name
    release = f"{namespace}/{name}"
    uninstalled = f"Helm uninstall for release {release}.v1 with chart {chart}@{version} succeeded"
    return helm_release(
        name,
        namespace,
        chart=chart,
        version=version,
        generation=generation,
        conditions=[
            cond(
                "Stalled",
                "True",
                "RetriesExceeded",
                "Failed to install after 1 attempt(s)",
                generation,
            ),
            cond("Ready", "False", "UninstallSucceeded", uninstalled, generation),
            cond(
                "Released",
                "False",
                "InstallFailed",
                f"Helm install failed for release {release} with chart {chart}@{version}: {error}",
                generation,
            ),
            cond("Remediated", "True", "UninstallSucceeded", uninstalled, generation),
        ],
        status={
            "failures": 1,
            "installFailures": 1,
            "lastAttemptedReleaseAction": "install",
            "history": history(name, namespace, chart, (1, version, "uninstalled", "install")),
        },
    )


def helm_test_failed(
    name: str, namespace: str = "kube-system", *, chart: str | None = None, version: str = "1.0.2"
) -> dict[str, Any]:
    chart = chart or name
    message = (
        f"Helm test failed for release {namespace}/{name}.v2 with chart {chart}@{version}: "
        f"1 error occurred:\n\t* pod {name}-test-connection failed"
    )
    obj = helm_release(name, namespace, chart=chart, version=version)
    obj["status"]["conditions"] = [
        cond("Ready", "False", "TestFailed", message),
        cond(
            "Released",
            "True",
            "UpgradeSucceeded",
            f"Helm upgrade succeeded for release {namespace}/{name}.v2 with chart {chart}@{version}",
        ),
        cond("TestSuccess", "False", "TestFailed", message),
    ]
    obj["status"]["history"][0]["testHooks"] = {
        f"{name}-test-connection": {"phase": "Failed", "lastStarted": T0, "lastCompleted": T0}
    }
    return obj


def values_error(name: str, namespace: str = "kube-system", configmap: str = "") -> dict[str, Any]:
    """The per-cluster values ConfigMap is missing (flux.apply-values was not run)."""
    configmap = configmap or f"{name}-helm-values"
    message = (
        f"could not resolve ConfigMap chart values reference '{namespace}/{configmap}' "
        f"with key 'values.yaml': configmaps \"{configmap}\" not found"
    )
    obj = helm_release(name, namespace, generation=2)
    obj["status"]["conditions"] = [cond("Ready", "False", "ValuesError", message, 2)]
    return obj


def upgrading(
    name: str, namespace: str = "kube-system", since: str = "2024-06-01T11:58:20Z"
) -> dict[str, Any]:
    """An upgrade in progress: Reconciling says what runs and with which timeout."""
    running = "Running 'upgrade' action with timeout of 5m0s"
    obj = helm_release(name, namespace, generation=2)
    obj["status"]["conditions"] = [
        cond("Reconciling", "True", "Progressing", running, 2, since),
        cond("Ready", "Unknown", "Progressing", running, 2, since),
    ]
    return obj


def helm_chart(
    hr_name: str,
    hr_namespace: str = "kube-system",
    *,
    chart: str | None = None,
    version: str = "1.0.2",
    source: tuple[str, str, str] = ("HelmRepository", "karpenter", "flux-system"),
    ready: bool = True,
    message: str = "",
) -> dict[str, Any]:
    """The HelmChart helm-controller creates for a release: `<hrNamespace>-<hrName>` in the
    namespace of the chart's source."""
    chart = chart or hr_name
    kind, source_name, source_ns = source
    message = message or (
        f"pulled '{chart}' chart with version '{version}'"
        if ready
        else f"chart pull error: failed to get chart version for remote reference: {chart}:{version} not found"
    )
    status: dict[str, Any] = {
        "conditions": [
            cond(
                "Ready",
                "True" if ready else "False",
                "ChartPullSucceeded" if ready else "ChartPullError",
                message,
            )
        ],
        "observedChartName": chart,
        "observedGeneration": 1,
        "observedSourceArtifactRevision": "sha256:" + "3" * 64,
    }
    if ready:
        status["artifact"] = {
            "revision": version,
            "path": f"helmchart/{source_ns}/{hr_namespace}-{hr_name}/{chart}-{version}.tgz",
        }
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmChart",
        "metadata": meta(f"{hr_namespace}-{hr_name}", source_ns, 1),
        "spec": {
            "chart": chart,
            "interval": "5m0s",
            "reconcileStrategy": "ChartVersion",
            "sourceRef": {"kind": kind, "name": source_name},
            "version": version,
        },
        "status": status,
    }


def oci_helm_repository(
    name: str, namespace: str = "flux-system", url: str = "oci://public.ecr.aws/karpenter"
) -> dict[str, Any]:
    """Static from Flux 2.2: no reconciler, so no conditions and no artifact."""
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": meta(name, namespace, 1),
        "spec": {"interval": "5m0s", "type": "oci", "url": url},
        "status": {},
    }


def helm_repository(
    name: str, namespace: str = "flux-system", url: str = "https://charts.example.com"
) -> dict[str, Any]:
    """A Ready HTTPS HelmRepository: reconciled by source-controller, with an index artifact."""
    revision = "sha256:" + "5" * 64
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": meta(name, namespace, 1),
        "spec": {"interval": "5m0s", "url": url},
        "status": {
            "artifact": {"revision": revision},
            "conditions": [
                cond("Ready", "True", "Succeeded", f"stored artifact: revision '{revision}'")
            ],
            "observedGeneration": 1,
        },
    }


def git_repository(
    name: str, namespace: str = "flux-system", *, ready: bool = True, message: str = ""
) -> dict[str, Any]:
    message = message or (
        f"stored artifact for revision '{SHA}'"
        if ready
        else "failed to checkout and determine revision: unable to clone 'https://github.com/x/y': authentication required"
    )
    status: dict[str, Any] = {
        "conditions": [
            cond(
                "Ready",
                "True" if ready else "False",
                "Succeeded" if ready else "GitOperationFailed",
                message,
            )
        ],
        "observedGeneration": 1,
    }
    if ready:
        status["artifact"] = {"revision": SHA}
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": meta(name, namespace, 1),
        "spec": {
            "interval": "5m0s",
            "ref": {"branch": "main"},
            "url": f"https://github.com/kubernetes/{name}",
        },
        "status": status,
    }


def kustomization(
    name: str,
    namespace: str = "flux-system",
    *,
    source: str = "k8s-io",
    depends_on: tuple[str, ...] = (),
    inventory: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A Ready Kustomization with an inventory (`ns_name_group_Kind` ids) and a history."""
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": meta(name, namespace, 1),
        "spec": {
            "dependsOn": [{"name": d} for d in depends_on],
            "interval": "5m0s",
            "path": f"./resources/{name}",
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": source},
        },
        "status": {
            "conditions": [
                cond("Ready", "True", "ReconciliationSucceeded", f"Applied revision: {SHA}")
            ],
            "history": [
                {
                    "digest": "sha256:" + "4" * 64,
                    "firstReconciled": "2024-05-01T10:00:00Z",
                    "lastReconciled": T0,
                    "lastReconciledDuration": "1.2s",
                    "lastReconciledStatus": "ReconciliationSucceeded",
                    "metadata": {"revision": SHA},
                    "totalReconciliations": 12,
                }
            ],
            "inventory": {"entries": [{"id": i, "v": "v1"} for i in inventory]},
            "lastAppliedRevision": SHA,
            "lastAttemptedRevision": SHA,
            "observedGeneration": 1,
        },
    }


def failing_health_check(
    name: str,
    namespace: str = "flux-system",
    *,
    waiting_on: str = "HelmRelease/kube-system/karpenter",
    generation: int = 2,
) -> dict[str, Any]:
    """Never Stalled: Ready=False with the specific reason, Reconciling/ProgressingWithRetry."""
    obj = kustomization(name, namespace)
    obj["metadata"]["generation"] = generation
    message = (
        f"health check failed after 2m0s: timeout waiting for: [{waiting_on} status: 'Failed']"
    )
    obj["status"].update(
        observedGeneration=generation,
        conditions=[
            cond(
                "Reconciling",
                "True",
                "ProgressingWithRetry",
                f"Detecting drift for revision {SHA} with a timeout of 2m0s",
                generation,
            ),
            cond("Ready", "False", "HealthCheckFailed", message, generation),
            cond("Healthy", "False", "HealthCheckFailed", message, generation),
        ],
    )
    return obj
