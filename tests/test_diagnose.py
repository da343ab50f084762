"""The diagnosis engine behind `flux.why`: realistic objects, events, controller logs and
Deployments (tests/fakes/samples*.py, expanded by the fakes' own code to what kubectl
prints) in; phase, cause, the exact `next:` command, the text report and the JSON out.

Time is injected everywhere: "now" is the fakes' state clock, never the real one.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakes import samples as s
from fakes import samples_diag as d

from fluxtasks.cluster.advice import Cause
from fluxtasks.cluster.diagnose import Diagnosis, diagnose, object_progress, progress_text
from fluxtasks.cluster.evidence import gather
from fluxtasks.cluster.status import Phase
from fluxtasks.cluster.status import Ref, list_items, read_object
from fluxtasks.cluster.why import why_reads
from fluxtasks.cluster.why_report import render_json, render_text, to_json

FAKES = Path(__file__).resolve().parent / "fakes"
sys.path.insert(0, str(FAKES))  # the fakes' own modules import each other by plain name
import fakediag  # noqa: E402

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)  # = samples_diag.NOW
STATE = {"now": d.NOW, "fluxVersion": "v2.3.0"}
HR = Ref("HelmRelease", "kube-system", "karpenter")
KS_INFRA = Ref("Kustomization", "flux-system", "infra")
KS_APPS = Ref("Kustomization", "flux-system", "apps")


def karpenter_sources(**chart: Any) -> list[dict[str, Any]]:
    return [s.helm_chart("karpenter", **chart), s.oci_helm_repository("karpenter")]


def why(
    ref: Ref,
    objects: list[dict[str, Any]],
    *,
    events: list[dict[str, Any]] | None = None,
    logs: dict[str, list[Any]] | None = None,
    deployments: dict[str, Any] | None = None,
    event_ttl: str | None = None,
    events_read: bool = True,
    logs_error: str = "",
    declared: bool = True,
) -> Diagnosis:
    """Diagnose `ref` on canary, with the cluster content expanded as the fake kubectl
    prints it (Events with timestamps, Deployments with readiness, zap log lines)."""
    cluster: dict[str, Any] = {
        "objects": objects,
        "events": events or [],
        "deployments": d.flux_deployments() if deployments is None else deployments,
        "logs": logs or {},
    }
    if event_ttl:
        cluster["eventTTL"] = event_ttl
    items = copy.deepcopy(objects) + fakediag.deployments(STATE, cluster)
    controller = {"HelmRelease": "helm-controller", "Kustomization": "kustomize-controller"}
    lines = fakediag.log_lines(STATE, cluster, controller.get(ref.kind, "source-controller"))
    evidence = gather(
        ref,
        items,
        fakediag.events(STATE, cluster) if events_read else None,
        None if logs_error else lines,
        logs_error=logs_error,
    )
    return diagnose(evidence, cluster="canary", now=NOW, declared=declared)


def report(diagnosis: Diagnosis) -> str:
    return "\n".join(render_text(diagnosis))


def next_line(diagnosis: Diagnosis) -> str:
    assert diagnosis.advice is not None
    return diagnosis.advice.line()


def hr_not_ready(reason: str, message: str, generation: int = 2) -> dict[str, Any]:
    obj = s.helm_release("karpenter", generation=generation)
    obj["status"]["conditions"] = [s.cond("Ready", "False", reason, message, generation)]
    return obj


# ------------------------------------------------------------------ reason -> advice


def test_retries_exhausted_shows_the_helm_error_and_recover_hr() -> None:
    dg = why(
        HR,
        [s.upgrade_rolled_back("karpenter"), *karpenter_sources()],
        events=[d.upgrade_failed_event("karpenter")],
        logs={"helm-controller": d.helm_controller_logs("karpenter")},
    )
    assert dg.phase is Phase.FAILED
    assert dg.finding is not None and dg.finding.cause is Cause.RETRIES_EXHAUSTED
    assert next_line(dg) == "next: invoke flux.recover-hr karpenter -n kube-system --cluster canary"
    assert dg.advice is not None and "--strategy reset" in dg.advice.note
    text = render_text(dg)
    assert (
        text[0] == "HelmRelease kube-system/karpenter on canary: FAILED (Stalled/RetriesExceeded)"
    )
    # the Helm error from Released, not the Stalled summary
    assert text[1] == (
        "Cause: Helm upgrade failed for release kube-system/karpenter with chart "
        "karpenter@1.0.2: timed out waiting for the condition"
    )
    assert text[2] == "  from: Released condition"
    assert text[3] == (
        "  Helm log: Deployment is not ready: kube-system/karpenter. 0 out of 2 expected pods are ready"
    )
    assert "  Stalled     True   RetriesExceeded    Failed to upgrade after 1 attempt(s)" in text
    assert "Failures: failures 1, upgradeFailures 1" in text
    assert any(line.startswith("Revision: attempted 1.0.2, last applied 1.0.1") for line in text)
    history = text.index("History:")
    assert text[history + 1].split() == [
        "v6",
        "karpenter@1.0.1",
        "deployed",
        "rollback",
        "2024-06-01T16:00:00Z",
    ]
    assert text[history + 2].split()[:3] == ["v5", "karpenter@1.0.2", "failed"]
    events = text.index("Events (oldest first):")
    assert text[events + 1] == (
        "  2m ago  Warning  UpgradeFailed: Helm upgrade failed for release kube-system/karpenter "
        "with chart karpenter@1.0.2: timed out waiting for the condition"
    )
    assert text[events + 2] == "      Last Helm logs:"
    assert text[events + 3] == "        preparing upgrade for karpenter"
    assert text[events + 8] == (
        "        Deployment is not ready: kube-system/karpenter. 0 out of 2 expected pods are ready"
    )
    assert text[-1].strip().startswith("fix the cause first")


def test_retries_exhausted_before_flux_2_2_does_not_offer_reset() -> None:
    obj = hr_not_ready("UpgradeFailed", "upgrade retries exhausted", generation=3)
    obj["apiVersion"] = "helm.toolkit.fluxcd.io/v2beta1"
    dg = why(HR, [obj, *karpenter_sources()])
    assert dg.phase is Phase.FAILED
    assert next_line(dg) == "next: invoke flux.recover-hr karpenter -n kube-system --cluster canary"
    assert dg.advice is not None and "--strategy reset" not in dg.advice.note
    assert "suspend-resume" in dg.advice.note
    assert (
        render_text(dg)[0]
        == "HelmRelease kube-system/karpenter on canary: FAILED (Ready/UpgradeFailed)"
    )


def test_failed_install_shows_the_install_error() -> None:
    dg = why(HR, [s.install_failed("karpenter"), *karpenter_sources()])
    assert dg.finding is not None and dg.finding.cause is Cause.RETRIES_EXHAUSTED
    assert dg.finding.message.startswith("Helm install failed for release kube-system/karpenter")
    assert next_line(dg) == "next: invoke flux.recover-hr karpenter -n kube-system --cluster canary"


def test_other_stalled_reason_still_recovers_the_release() -> None:
    obj = s.upgrade_rolled_back("karpenter")
    stalled = obj["status"]["conditions"][0]
    stalled.update(
        reason="MissingRollbackTarget",
        message="Failed to perform remediation: missing target release for rollback: cannot remediate failed release",
    )
    dg = why(HR, [obj, *karpenter_sources()])
    assert dg.finding is not None and dg.finding.cause is Cause.STALLED
    assert dg.finding.message.startswith("Failed to perform remediation")
    assert next_line(dg) == "next: invoke flux.recover-hr karpenter -n kube-system --cluster canary"


def test_chart_that_cannot_be_fetched_reconciles_with_its_source() -> None:
    obj = hr_not_ready(
        "SourceNotReady",
        "HelmChart 'flux-system/kube-system-karpenter' is not ready: chart pull error",
    )
    dg = why(HR, [obj, *karpenter_sources(ready=False)])
    assert dg.phase is Phase.FAILING
    assert dg.finding is not None and dg.finding.cause is Cause.SOURCE_NOT_READY
    assert next_line(dg) == (
        "next: invoke flux.reconcile hr karpenter -n kube-system --with-source --cluster canary"
    )
    text = report(dg)
    assert (
        "Cause: chart pull error: failed to get chart version for remote reference: karpenter:1.0.2 not found"
        in text
    )
    assert "  from: HelmChart flux-system/kube-system-karpenter" in text
    chain = render_text(dg)[render_text(dg).index("Source chain:") + 1 :][:2]
    assert chain[0].startswith(
        "  > HelmChart flux-system/kube-system-karpenter  failing  ChartPullError"
    )
    assert chain[0].endswith("karpenter:1.0.2 not found  <- first not Ready")
    assert chain[1].startswith("    HelmRepository flux-system/karpenter")
    assert "ready" in chain[1].split()


def test_broken_repository_behind_the_chart_is_the_cause() -> None:
    repo = s.helm_repository("karpenter", url="https://charts.karpenter.sh")
    repo["status"]["conditions"] = [
        s.cond(
            "Ready",
            "False",
            "IndexationFailed",
            "failed to fetch Helm repository index: 401 Unauthorized",
        )
    ]
    chart = s.helm_chart(
        "karpenter",
        ready=False,
        message="no artifact available for HelmRepository source 'karpenter'",
    )
    obj = hr_not_ready(
        "SourceNotReady", "HelmChart 'flux-system/kube-system-karpenter' is not ready"
    )
    dg = why(HR, [obj, chart, repo])
    assert dg.finding is not None
    assert dg.finding.message == "failed to fetch Helm repository index: 401 Unauthorized"
    assert dg.finding.source == "HelmRepository flux-system/karpenter"
    assert [link.marked for link in dg.chain] == [True, False]  # the first link not Ready
    assert dg.advice is not None
    assert (
        dg.advice.note
        == "why the source fails: invoke flux.why helm karpenter -n flux-system --cluster canary"
    )


def test_kustomization_whose_git_source_fails() -> None:
    ks = s.kustomization("apps")
    ks["status"]["conditions"] = [
        s.cond("Ready", "False", "ArtifactFailed", "Source artifact not found, retrying in 30s")
    ]
    dg = why(KS_APPS, [ks, s.git_repository("k8s-io", ready=False)])
    assert dg.finding is not None and dg.finding.cause is Cause.SOURCE_NOT_READY
    assert dg.finding.message.startswith("failed to checkout and determine revision")
    assert next_line(dg) == (
        "next: invoke flux.reconcile ks apps -n flux-system --with-source --cluster canary"
    )


def test_suspended_release_is_resumed() -> None:
    dg = why(HR, [s.helm_release("karpenter", suspend=True), *karpenter_sources()])
    assert dg.phase is Phase.SUSPENDED
    assert render_text(dg)[0] == "HelmRelease kube-system/karpenter on canary: SUSPENDED"
    assert next_line(dg) == "next: invoke flux.resume hr karpenter -n kube-system --cluster canary"


def test_dependency_not_ready_points_at_the_dependency() -> None:
    apps = s.kustomization("apps", depends_on=("infra",))
    apps["status"]["conditions"] = [
        s.cond(
            "Ready", "False", "DependencyNotReady", "dependency 'flux-system/infra' is not ready"
        )
    ]
    dg = why(KS_APPS, [apps, s.failing_health_check("infra"), s.git_repository("k8s-io")])
    assert dg.phase is Phase.IN_PROGRESS  # it waits; the dependency is what fails
    assert dg.finding is not None and dg.finding.cause is Cause.DEPENDENCY_NOT_READY
    assert next_line(dg) == "next: invoke flux.why ks infra -n flux-system --cluster canary"
    text = render_text(dg)
    blocked = text[text.index("Dependencies not Ready:") + 1]
    assert blocked.split()[:4] == [
        "Kustomization",
        "flux-system/infra",
        "failing",
        "HealthCheckFailed",
    ]


def test_dependency_found_failing_without_the_reason() -> None:
    hr = s.upgrading("karpenter")
    hr["spec"]["dependsOn"] = [{"name": "karpenter-crd"}]
    crd = s.install_failed("karpenter-crd")
    dg = why(HR, [hr, crd, *karpenter_sources()])
    assert dg.finding is not None and dg.finding.cause is Cause.DEPENDENCY_NOT_READY
    assert dg.finding.message.startswith("HelmRelease kube-system/karpenter-crd is failed")
    assert next_line(dg) == "next: invoke flux.why hr karpenter-crd -n kube-system --cluster canary"


def test_missing_values_configmap_applies_values() -> None:
    dg = why(HR, [s.values_error("karpenter"), *karpenter_sources()])
    assert dg.phase is Phase.FAILING
    assert dg.finding is not None and dg.finding.cause is Cause.VALUES_ERROR
    assert next_line(dg) == "next: invoke flux.apply-values --release karpenter --cluster canary"
    assert 'configmaps "karpenter-helm-values" not found' in render_text(dg)[1]


def test_kustomization_build_failure_is_validated_offline() -> None:
    ks = s.kustomization("apps")
    ks["status"]["conditions"] = [
        s.cond(
            "Ready",
            "False",
            "BuildFailed",
            "kustomize build failed: accumulating resources: 'deploy.yaml': no such file",
        )
    ]
    dg = why(KS_APPS, [ks, s.git_repository("k8s-io")])
    assert dg.phase is Phase.FAILING
    assert next_line(dg) == "next: invoke flux.validate"
    assert (
        render_text(dg)[0]
        == "Kustomization flux-system/apps on canary: FAILING (Ready/BuildFailed)"
    )


def test_controller_not_ready_reinstalls_flux() -> None:
    dg = why(
        HR,
        [s.upgrading("karpenter"), *karpenter_sources()],
        deployments=d.flux_deployments(**{"helm-controller": "crashloop"}),
    )
    assert dg.finding is not None and dg.finding.cause is Cause.CONTROLLER_NOT_READY
    assert next_line(dg) == "next: invoke flux.install --cluster canary"
    assert (
        "Controller flux-system/helm-controller: 0/1 replicas ready "
        "(Deployment does not have minimum availability.)" in render_text(dg)
    )


def test_source_controller_down_blocks_a_release_with_a_chain() -> None:
    dg = why(
        HR,
        [s.upgrading("karpenter"), *karpenter_sources()],
        deployments=d.flux_deployments(**{"source-controller": "stuck"}),
    )
    assert dg.finding is not None and dg.finding.cause is Cause.CONTROLLER_NOT_READY
    assert dg.finding.source == "Deployment flux-system/source-controller"


def test_upgrade_in_progress_is_watched_with_its_progress() -> None:
    dg = why(HR, [s.upgrading("karpenter"), *karpenter_sources()])
    assert dg.phase is Phase.IN_PROGRESS
    assert dg.progress == "running 'upgrade' 1m40s of 5m0s"
    assert next_line(dg) == "next: invoke flux.watch --cluster canary"
    text = render_text(dg)
    assert (
        text[0]
        == "HelmRelease kube-system/karpenter on canary: IN PROGRESS (Reconciling/Progressing)"
    )
    assert "Progress: running 'upgrade' 1m40s of 5m0s" in text


def test_declared_but_missing_object() -> None:
    dg = why(HR, [])
    assert dg.phase is Phase.MISSING
    assert next_line(dg) == (
        "next: invoke flux.update --check, then invoke flux.apply --dry-run --cluster canary"
    )
    assert dg.advice is not None
    assert [list(step) for step in dg.advice.steps] == [
        ["invoke", "flux.update", "--check"],
        ["invoke", "flux.apply", "--dry-run", "--cluster", "canary"],
    ]
    assert render_text(dg)[:2] == [
        "HelmRelease kube-system/karpenter on canary: MISSING",
        "Cause: declared in config/flux.yaml, not found in the cluster",
    ]


def test_missing_and_undeclared_object_has_no_next_command() -> None:
    dg = why(HR, [], declared=False)
    assert dg.finding is not None and dg.finding.cause is Cause.NOT_FOUND
    assert dg.advice is None
    assert not any(line.startswith("next:") for line in render_text(dg))


def test_kustomization_failing_health_check_is_failing_at_once() -> None:
    dg = why(KS_INFRA, [s.failing_health_check("infra"), s.git_repository("k8s-io")])
    # never Stalled: Ready=False + Reconciling/ProgressingWithRetry on the current generation
    assert dg.phase is Phase.FAILING
    assert dg.finding is not None and dg.finding.cause is Cause.HEALTH_CHECK_FAILED
    assert next_line(dg) == "next: invoke flux.why hr karpenter -n kube-system --cluster canary"
    text = render_text(dg)
    assert text[0] == "Kustomization flux-system/infra on canary: FAILING (Ready/HealthCheckFailed)"
    assert text[1] == (
        "Cause: health check failed after 2m0s: timeout waiting for: "
        "[HelmRelease/kube-system/karpenter status: 'Failed']"
    )


def test_failure_of_an_older_generation_is_still_in_progress() -> None:
    ks = s.failing_health_check("infra", generation=2)
    ks["metadata"]["generation"] = 3  # a new spec the controller has not tried yet
    dg = why(KS_INFRA, [ks, s.git_repository("k8s-io")])
    assert dg.phase is Phase.IN_PROGRESS


def test_kustomization_apply_failure_is_reconciled() -> None:
    ks = s.kustomization("apps")
    ks["status"]["conditions"] = [
        s.cond(
            "Ready",
            "False",
            "ReconciliationFailed",
            'Deployment/apps/web dry-run failed: admission webhook "x" denied the request',
        )
    ]
    dg = why(KS_APPS, [ks, s.git_repository("k8s-io")])
    assert dg.finding is not None and dg.finding.cause is Cause.RECONCILE_FAILED
    assert next_line(dg) == "next: invoke flux.reconcile ks apps -n flux-system --cluster canary"


def test_failed_helm_test_is_shown_with_its_test_hook() -> None:
    dg = why(HR, [s.helm_test_failed("karpenter"), *karpenter_sources()])
    assert dg.phase is Phase.FAILING
    assert dg.finding is not None and dg.finding.cause is Cause.RELEASE_FAILED
    assert dg.finding.source == "TestSuccess condition"
    assert dg.failed_tests == ("karpenter-test-connection",)
    assert next_line(dg) == "next: invoke flux.watch --cluster canary"
    assert dg.advice is not None
    assert dg.advice.note.endswith(
        "invoke flux.recover-hr karpenter -n kube-system --cluster canary"
    )
    text = render_text(dg)
    assert "Failed tests: karpenter-test-connection" in text
    # the multi-line condition message stays on one line
    assert text[1].endswith("1 error occurred: * pod karpenter-test-connection failed")


def test_ready_release_has_no_cause_and_no_next() -> None:
    dg = why(HR, [s.helm_release("karpenter"), *karpenter_sources()])
    assert dg.ok and dg.finding is None and dg.advice is None
    text = render_text(dg)
    assert text[0] == "HelmRelease kube-system/karpenter on canary: READY (Ready/UpgradeSucceeded)"
    assert not any(line.startswith(("next:", "Cause:")) for line in text)


# ------------------------------------------------------------------ events, logs, JSON


def test_expired_events_are_said_to_have_expired() -> None:
    dg = why(
        HR,
        [s.upgrade_rolled_back("karpenter"), *karpenter_sources()],
        events=[d.upgrade_failed_event("karpenter", age="3h")],
        event_ttl="1h",
    )
    assert dg.evidence.events == () and dg.events_expired
    assert (
        "Events: none left about HelmRelease kube-system/karpenter (they expire after about 1h); "
        "the conditions and the controller log still hold the cause" in render_text(dg)
    )
    assert to_json(dg)["eventsExpired"] is True
    # the cause survives the expiry: it is read from the conditions
    assert dg.finding is not None and dg.finding.source == "Released condition"


def test_events_not_read_are_not_called_expired() -> None:
    dg = why(HR, [s.upgrade_rolled_back("karpenter")], events_read=False)
    assert not dg.events_expired
    assert "Events: not read" in render_text(dg)


def test_log_lines_are_about_this_object_only() -> None:
    dg = why(
        HR,
        [s.upgrade_rolled_back("karpenter"), *karpenter_sources()],
        logs={"helm-controller": d.helm_controller_logs("karpenter")},
    )
    # the same name in flux-system, other releases and startup lines are left out
    assert [(line.level, line.msg) for line in dg.evidence.logs] == [
        ("info", "release out-of-sync with desired state: chart version changed"),
        ("info", "running 'upgrade' action with timeout of 5m0s"),
        ("error", "Reconciler error"),
        ("info", "rolled back release to previous version"),
    ]
    text = render_text(dg)
    start = text.index("Controller log (helm-controller, about kube-system/karpenter):")
    assert text[start + 3] == (
        "  2024-06-01T11:56:00.000Z error Reconciler error: Helm upgrade failed for release "
        "kube-system/karpenter with chart karpenter@1.0.2: timed out waiting for the condition"
    )
    assert "in-sync" not in "\n".join(text)


def test_log_limit_keeps_the_newest_error() -> None:
    lines = d.helm_controller_logs("karpenter") + [
        d.log("HelmRelease", "karpenter", "kube-system", f"tick {i}", age="30s") for i in range(12)
    ]
    dg = why(HR, [s.upgrade_rolled_back("karpenter")], logs={"helm-controller": lines})
    logs = dg.evidence.logs
    assert len(logs) == 10
    assert logs[0].level == "error" and logs[-1].msg == "tick 11"


def test_unreadable_controller_log_is_a_fact_not_an_error() -> None:
    error = 'Error from server (BadRequest): container "manager" in pod "helm-controller-x" is waiting to start: ContainerCreating'
    dg = why(HR, [s.upgrade_rolled_back("karpenter")], logs_error=error)
    assert f"Controller log (helm-controller): not read: {error}" in render_text(dg)


def test_cluster_text_cannot_drive_the_terminal() -> None:
    hostile = "bad\x1b[2J\x1b]0;owned\x07 value\nsecond line\r"
    obj = hr_not_ready("ValuesError", hostile)
    event = d.event(
        "HelmRelease/kube-system/karpenter",
        "UpgradeFailed",
        "x\x1b[31m\n\nLast Helm logs:\n\nlog \x1b[0m\tline",
        type_="Warning",
    )
    dg = why(HR, [obj], events=[event])
    text = report(dg)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "Cause: bad\\x1b[2J\\x1b]0;owned\\x07 value second line" in text
    assert "        log \\x1b[0m    line" in text.splitlines()
    out = render_json(dg)
    assert out.isascii() and "\x1b" not in out
    assert json.loads(out)["cause"]["message"] == hostile


JSON_KEYS = [
    "schemaVersion", "object", "phase", "cause", "progress", "conditions", "counters",
    "revisions", "history", "failedTests", "chain", "dependencies", "events", "eventsExpired",
    "logs", "logsError", "controllers", "next",
]  # fmt: skip


def test_json_document_has_the_documented_shape() -> None:
    dg = why(
        HR,
        [s.upgrade_rolled_back("karpenter"), *karpenter_sources()],
        events=[d.upgrade_failed_event("karpenter")],
        logs={"helm-controller": d.helm_controller_logs("karpenter")},
    )
    doc = json.loads(render_json(dg))
    assert list(doc) == JSON_KEYS
    assert doc["schemaVersion"] == 1
    assert doc["object"] == {
        "kind": "HelmRelease", "namespace": "kube-system", "name": "karpenter",
        "cluster": "canary", "generation": 3, "observedGeneration": 3, "suspended": False,
    }  # fmt: skip
    assert doc["phase"] == "failed"
    assert doc["cause"] == {
        "kind": "retries-exhausted",
        "reason": "RetriesExceeded",
        "message": "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: timed out waiting for the condition",
        "source": "Released condition",
        "detail": "Deployment is not ready: kube-system/karpenter. 0 out of 2 expected pods are ready",
    }
    assert [c["type"] for c in doc["conditions"]] == ["Stalled", "Ready", "Released", "Remediated"]
    assert set(doc["conditions"][0]) == {
        "type",
        "status",
        "reason",
        "message",
        "lastTransitionTime",
        "observedGeneration",
    }
    assert doc["counters"] == {"failures": 1, "upgradeFailures": 1}
    assert doc["revisions"]["attempted"] == "1.0.2" and doc["revisions"]["applied"] == "1.0.1"
    assert doc["history"][1] == {
        "revision": "1.0.2", "status": "failed", "when": "2024-06-01T15:00:00Z",
        "action": "upgrade", "release": 5, "chart": "karpenter@1.0.2", "failedTests": [], "count": None,
    }  # fmt: skip
    assert doc["chain"] == [
        {"kind": "HelmChart", "namespace": "flux-system", "name": "kube-system-karpenter", "phase": "ready",
         "reason": "ChartPullSucceeded", "message": "pulled 'karpenter' chart with version '1.0.2'", "firstNotReady": False},
        {"kind": "HelmRepository", "namespace": "flux-system", "name": "karpenter", "phase": "ready",
         "reason": "", "message": "static OCI repository (never reconciled)", "firstNotReady": False},
    ]  # fmt: skip
    assert doc["dependencies"] == []
    event = doc["events"][0]
    assert event["reason"] == "UpgradeFailed" and event["lastSeen"] == "2024-06-01T11:58:00Z"
    assert event["message"].endswith("timed out waiting for the condition")
    assert event["helmLog"][-1].startswith("Deployment is not ready")
    assert doc["eventsExpired"] is False
    assert doc["logs"][2] == {
        "ts": "2024-06-01T11:56:00.000Z",
        "level": "error",
        "msg": "Reconciler error",
        "error": "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: timed out waiting for the condition",
    }
    assert doc["logsError"] == ""
    assert doc["controllers"][0] == {
        "name": "helm-controller", "namespace": "flux-system", "ready": True, "message": "1/1 replicas ready",
    }  # fmt: skip
    assert doc["next"] == {
        "command": "invoke flux.recover-hr karpenter -n kube-system --cluster canary",
        "argv": [
            "invoke",
            "flux.recover-hr",
            "karpenter",
            "-n",
            "kube-system",
            "--cluster",
            "canary",
        ],
        "then": [],
        "note": dg.advice.note if dg.advice else "",
    }


def test_json_of_a_ready_object_has_null_cause_and_next() -> None:
    doc = to_json(why(HR, [s.helm_release("karpenter"), *karpenter_sources()]))
    assert doc["phase"] == "ready" and doc["cause"] is None and doc["next"] is None


# ------------------------------------------------------------------ heartbeat progress


def test_progress_reads_the_reconciling_condition_at_an_injected_time() -> None:
    message = "Running 'upgrade' action with timeout of 5m0s"
    assert progress_text(message, "2024-06-01T11:58:20Z", NOW) == "running 'upgrade' 1m40s of 5m0s"
    assert progress_text(message, "2024-06-01T11:58:20Z", NOW + dt.timedelta(minutes=2)) == (
        "running 'upgrade' 3m40s of 5m0s"
    )
    assert (
        object_progress(read_object(s.upgrading("karpenter")), NOW)
        == "running 'upgrade' 1m40s of 5m0s"
    )
    assert object_progress(read_object(s.helm_release("karpenter")), NOW) is None


def test_progress_of_a_kustomization_health_check() -> None:
    message = f"Running health checks for revision {s.SHA} with a timeout of 2m0s"
    assert (
        progress_text(message, "2024-06-01T11:59:30Z", NOW) == "running health checks 30s of 2m0s"
    )


def test_progress_without_a_timeout_or_a_readable_time() -> None:
    assert (
        progress_text("Waiting for\nthe source", "2024-06-01T11:59:00Z", NOW)
        == "waiting for the source, for 1m0s"
    )
    assert (
        progress_text("Running 'install' action with timeout of 10m0s", "", NOW)
        == "running 'install' (timeout 10m0s)"
    )
    # a clock behind the cluster never shows a negative time
    assert (
        progress_text("Running 'install' action with timeout of 10m0s", "2024-06-01T12:00:05Z", NOW)
        == "running 'install' 0s of 10m0s"
    )


# ------------------------------------------------------------------ the reads


def test_three_fixed_reads_whatever_the_object() -> None:
    reads = why_reads(HR)
    assert reads.objects == (
        "get",
        "helmreleases.helm.toolkit.fluxcd.io,kustomizations.kustomize.toolkit.fluxcd.io,"
        "gitrepositories.source.toolkit.fluxcd.io,helmrepositories.source.toolkit.fluxcd.io,"
        "ocirepositories.source.toolkit.fluxcd.io,helmcharts.source.toolkit.fluxcd.io,deployments.apps",
        "-A", "-o", "json",
    )  # fmt: skip
    assert reads.events == (
        "get", "events", "-n", "kube-system",
        "--field-selector", "involvedObject.kind=HelmRelease,involvedObject.name=karpenter",
        "-o", "json",
    )  # fmt: skip
    assert reads.logs == (
        "logs", "deploy/helm-controller", "-n", "flux-system", "-c", "manager", "--since=1h",
    )  # fmt: skip
    assert why_reads(KS_APPS, since="30m").logs[1::5] == (
        "deploy/kustomize-controller",
        "--since=30m",
    )
    assert (
        why_reads(Ref("GitRepository", "flux-system", "k8s-io")).logs[1]
        == "deploy/source-controller"
    )


def test_reads_against_the_fake_kubectl_give_the_same_diagnosis(tmp_path: Path) -> None:
    """The argv pieces run as they are by the fake kubectl (as the wiring will run them),
    and the diagnosis of its output equals the one built in process."""
    objects = [
        s.upgrade_rolled_back("karpenter"),
        *karpenter_sources(),
        s.helm_release("karpenter", "flux-system"),
    ]
    events = [
        d.upgrade_failed_event("karpenter"),
        d.upgrade_failed_event("karpenter", "flux-system"),
    ]
    logs = {"helm-controller": d.helm_controller_logs("karpenter")}
    state = {
        "context": "prow-canary-cluster", "fluxVersion": "v2.3.0", "now": d.NOW,
        "objects": objects, "events": events, "deployments": d.flux_deployments(), "logs": logs,
    }  # fmt: skip
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLUXTASKS_FAKE_")}
    env["FLUXTASKS_FAKE_STATE"] = str(state_file)

    def kubectl(args: tuple[str, ...]) -> str:
        argv = [sys.executable, str(FAKES / "kubectl"), *args, "--context", "prow-canary-cluster"]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    reads = why_reads(HR)
    items = list_items(kubectl(reads.objects), "objects")
    listed = list_items(kubectl(reads.events), "events")
    assert [e["involvedObject"]["namespace"] for e in listed] == ["kube-system"]
    evidence = gather(HR, items, listed, kubectl(reads.logs).splitlines())
    from_fake = diagnose(evidence, cluster="canary", now=NOW)
    in_process = why(HR, objects, events=events, logs=logs)
    assert render_text(from_fake) == render_text(in_process)
    assert to_json(from_fake) == to_json(in_process)


def test_unparsable_kubectl_output_is_a_tool_error() -> None:
    from fluxtasks.errors import ToolError

    with pytest.raises(ToolError, match="kubectl get events printed something that is not JSON"):
        list_items("E0601 memcache.go:265] oops", "events")
    assert list_items('{"kind": "List", "items": [{"kind": "Event"}, 3]}', "events") == [
        {"kind": "Event"}
    ]


def test_own_failure_comes_before_a_chain_link_that_is_absent() -> None:
    """A release that says ValuesError is told so, though its HelmChart was not listed."""
    dg = why(HR, [s.values_error("karpenter")])
    assert dg.finding is not None and dg.finding.cause is Cause.VALUES_ERROR
    assert [(link.ref.kind, link.phase, link.marked) for link in dg.chain] == [
        ("HelmChart", Phase.MISSING, True),
        ("HelmRepository", Phase.MISSING, False),
    ]


def test_ready_dependencies_are_summed_up() -> None:
    apps = s.kustomization("apps", depends_on=("infra",))
    dg = why(KS_APPS, [apps, s.kustomization("infra"), s.git_repository("k8s-io")])
    assert dg.ok
    assert "Dependencies: all 1 Ready" in render_text(dg)


def test_events_of_the_chain_are_tagged_and_others_left_out() -> None:
    events = [
        d.event(
            "HelmChart/flux-system/kube-system-karpenter",
            "ChartPullSucceeded",
            "pulled 'karpenter' chart with version '1.0.2'",
            age="5m",
        ),
        d.event("HelmRelease/apps/podinfo", "UpgradeSucceeded", "not about karpenter", age="1m"),
        d.upgrade_failed_event("karpenter"),
    ]
    dg = why(HR, [s.upgrade_rolled_back("karpenter"), *karpenter_sources()], events=events)
    assert [(e.about.kind, e.reason) for e in dg.evidence.events] == [
        ("HelmChart", "ChartPullSucceeded"),
        ("HelmRelease", "UpgradeFailed"),
    ]
    text = render_text(dg)
    assert (
        "  5m ago  Normal  ChartPullSucceeded [HelmChart flux-system/kube-system-karpenter]: "
        "pulled 'karpenter' chart with version '1.0.2'" in text
    )
    assert "not about karpenter" not in "\n".join(text)
