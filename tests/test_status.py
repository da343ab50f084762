"""Status reading: parsing `kubectl get … -o json` and the kstatus classification rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakecluster import cond, flux_object, ready_obj, stalled_hr

from fluxtasks.cluster.status import (
    STATUS_RESOURCES,
    Phase,
    Snapshot,
    classify,
    parse_list,
    parse_object,
)
from fluxtasks.cluster.status_report import shorten_hashes
from fluxtasks.errors import ToolError


def parsed(obj: dict[str, Any]):  # type: ignore[no-untyped-def]
    result = parse_object(obj)
    assert result is not None
    return result


# Every row of the kstatus rules (evaluated in this order), plus the cases around them.
CLASSIFY = [
    pytest.param(
        flux_object("Kustomization", "a", deleting=True, conditions=[cond("Ready", "True")]),
        Phase.TERMINATING,
        "deletion in progress",
        id="1-deletion-timestamp-is-terminating",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            generation=4,
            observed=3,
            conditions=[cond("Ready", "True", "", "ok")],
        ),
        Phase.IN_PROGRESS,
        "generation 4 not yet observed (observed: 3)",
        id="2-stale-generation-is-in-progress-even-if-ready",
    ),
    pytest.param(
        flux_object("Kustomization", "a", generation=2, observed=None),
        Phase.IN_PROGRESS,
        "generation 2 not yet observed (observed: none)",
        id="2-never-observed-is-in-progress",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            conditions=[
                cond("Reconciling", "True", "ProgressingWithRetry", "retrying"),
                cond("Ready", "False"),
            ],
        ),
        Phase.IN_PROGRESS,
        "retrying",
        id="3-reconciling-true-is-in-progress",
    ),
    pytest.param(
        stalled_hr("x"),
        Phase.FAILED,
        "Failed to upgrade after 1 attempt(s)",
        id="4-stalled-true-is-failed-with-stalled-message",
    ),
    pytest.param(
        flux_object(
            "HelmRelease",
            "x",
            conditions=[
                cond("Reconciling", "True", "", "working"),
                cond("Stalled", "True", "", "stuck"),
            ],
        ),
        Phase.IN_PROGRESS,
        "working",
        id="3-4-reconciling-listed-first-wins",
    ),
    pytest.param(
        flux_object(
            "HelmRelease",
            "x",
            conditions=[
                cond("Stalled", "True", "", "stuck"),
                cond("Reconciling", "True", "", "working"),
            ],
        ),
        Phase.FAILED,
        "stuck",
        id="3-4-stalled-listed-first-wins",
    ),
    pytest.param(
        flux_object(
            "HelmRelease",
            "x",
            conditions=[cond("Stalled", "False"), cond("Ready", "True", "", "fine")],
        ),
        Phase.READY,
        "fine",
        id="4-stalled-false-is-ignored",
    ),
    pytest.param(
        ready_obj("Kustomization", "a"),
        Phase.READY,
        "Applied revision: main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9",
        id="5-ready-true-is-ready",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            conditions=[cond("Ready", "False", "BuildFailed", "kustomize build failed")],
        ),
        Phase.FAILING,
        "kustomize build failed",
        id="5-ready-false-with-a-reason-of-its-own-is-failing",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            conditions=[
                cond("Reconciling", "True", "ProgressingWithRetry", "retrying"),
                cond("Ready", "False", "HealthCheckFailed", "health check failed"),
            ],
        ),
        Phase.FAILING,
        "health check failed",
        id="failing-kustomization-that-retries-is-failing-not-in-progress",
    ),
    pytest.param(
        flux_object(
            "HelmRelease",
            "a",
            conditions=[
                cond("Reconciling", "True", "Progressing", "Running 'upgrade' action"),
                cond("Ready", "False", "UpgradeFailed", "an earlier attempt failed"),
            ],
        ),
        Phase.IN_PROGRESS,
        "Running 'upgrade' action",
        id="a-new-attempt-running-is-in-progress",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            generation=3,
            observed=3,
            conditions=[cond("Ready", "False", "BuildFailed", "old failure", 2)],
        ),
        Phase.IN_PROGRESS,
        "old failure",
        id="a-failure-of-an-older-generation-is-in-progress",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            conditions=[cond("Ready", "False", "DependencyNotReady", "dependency 'x/y' is not ready")],
        ),
        Phase.IN_PROGRESS,
        "dependency 'x/y' is not ready",
        id="waiting-for-a-dependency-is-in-progress",
    ),
    pytest.param(
        flux_object(
            "HelmRelease",
            "a",
            conditions=[cond("Ready", "False", "UpgradeFailed", "upgrade retries exhausted")],
        ),
        Phase.FAILED,
        "upgrade retries exhausted",
        id="flux-2.1-retries-exhausted-is-failed",
    ),
    pytest.param(
        flux_object("HelmRelease", "a", conditions=[cond("Ready", "True", "", "ok")], deleting=True, suspend=True),
        Phase.TERMINATING,
        "deletion in progress",
        id="terminating-before-suspended",
    ),
    pytest.param(
        flux_object("GitRepository", "a", conditions=[cond("Ready", "Unknown", "Progressing", "")]),
        Phase.IN_PROGRESS,
        "Ready=Unknown",
        id="5-ready-unknown-is-in-progress",
    ),
    pytest.param(
        flux_object(
            "Kustomization",
            "a",
            generation=3,
            observed=3,
            conditions=[cond("Ready", "True", "", "old", 2)],
        ),
        Phase.IN_PROGRESS,
        "Ready condition is from generation 2",
        id="5-ready-condition-of-an-older-generation-is-in-progress",
    ),
    pytest.param(
        flux_object("Kustomization", "a"),
        Phase.READY,
        "",
        id="6-no-conditions-is-current",
    ),
    pytest.param(
        flux_object("GitRepository", "a", conditions=[cond("ArtifactInStorage", "True")]),
        Phase.READY,
        "",
        id="6-no-ready-condition-is-current",
    ),
    pytest.param(
        flux_object(
            "HelmRepository", "karpenter", generation=1, observed=None, spec={"type": "oci"}
        ),
        Phase.READY,
        "Helm repository is Ready",
        id="oci-helmrepository-is-static-and-ready",
    ),
]


@pytest.mark.parametrize(("obj", "phase", "message"), CLASSIFY)
def test_classify(obj: dict[str, Any], phase: Phase, message: str) -> None:
    health = classify(parsed(obj))
    assert (health.phase, health.message) == (phase, message)


def test_suspended_is_a_phase_of_its_own() -> None:
    """Flux leaves a suspended object alone: whatever it last said is not an answer."""
    obj = parsed(ready_obj("HelmRelease", "x", "apps", suspend=True))
    assert obj.suspended
    assert obj.health.phase is Phase.SUSPENDED
    assert obj.ready_status == "True"  # the Ready condition is still shown as it is


@pytest.mark.parametrize(
    ("obj", "revision"),
    [
        pytest.param(
            ready_obj("Kustomization", "a"),
            "main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9",
            id="ks-lastAppliedRevision",
        ),
        pytest.param(ready_obj("HelmRelease", "a"), "1.0.2", id="hr-history-chartVersion"),
        pytest.param(stalled_hr("a"), "1.0.2", id="hr-lastAttemptedRevision"),
        pytest.param(
            flux_object("HelmRelease", "a", status={"lastAppliedRevision": "0.9.0"}),
            "0.9.0",
            id="hr-v2beta1-lastAppliedRevision",
        ),
        pytest.param(
            ready_obj("GitRepository", "a"),
            "main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9",
            id="source-artifact-revision",
        ),
        pytest.param(flux_object("OCIRepository", "a"), "", id="none-yet"),
    ],
)
def test_revision(obj: dict[str, Any], revision: str) -> None:
    assert parsed(obj).revision == revision


def test_parse_list_shape_and_unknown_kinds() -> None:
    items = [
        ready_obj("Kustomization", "a"),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    ]
    text = json.dumps(
        {"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}
    )
    snapshot = parse_list(text)
    assert [o.key for o in snapshot.objects] == [("Kustomization", "flux-system", "a")]


def test_parse_single_object() -> None:
    assert parse_list(json.dumps(stalled_hr("x"))).objects[0].key == (
        "HelmRelease",
        "kube-system",
        "x",
    )


@pytest.mark.parametrize(
    "text", ["", "not json", "[1, 2]x"], ids=["empty", "text", "trailing-garbage"]
)
def test_parse_garbage_is_a_tool_error(text: str) -> None:
    with pytest.raises(ToolError):
        parse_list(text)


def test_parse_tolerates_odd_fields() -> None:
    obj = {"kind": "HelmRelease", "metadata": {"name": "x", "namespace": "n", "generation": "3"},
           "spec": {"suspend": "yes"}, "status": {"conditions": ["junk", {"type": "Ready"}]}}  # fmt: skip
    parsed_obj = parsed(obj)
    assert parsed_obj.generation is None
    assert parsed_obj.suspended is False
    assert parsed_obj.conditions[0].status == "Unknown"


def test_one_get_covers_all_five_kinds_in_order() -> None:
    assert list(STATUS_RESOURCES) == [
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "helmreleases.helm.toolkit.fluxcd.io",
        "gitrepositories.source.toolkit.fluxcd.io",
        "helmrepositories.source.toolkit.fluxcd.io",
        "ocirepositories.source.toolkit.fluxcd.io",
    ]


def test_shorten_hashes_like_flux_get() -> None:
    assert (
        shorten_hashes("main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9") == "main@sha1:67e2c98a"
    )
    assert shorten_hashes("short 1234abcd") == "short 1234abcd"


