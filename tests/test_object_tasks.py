"""End to end: flux.suspend, flux.resume and flux.reconcile never take flux's exit 0 for
success (the flux CLI's behaviour as the fake follows it: a failed patch of one of several
names, a suspended object under --with-source, a static OCI HelmRepository, a resume of
several names that flux itself does not wait for)."""

from __future__ import annotations

from typing import Any

from fakecluster import CANARY, cond, flux, flux_object, ready_obj, recovers_on, stalled_hr
from test_cluster_tasks import CC, GET, Env, declared_ready, env, replace, template  # noqa: F401

HRS = ("HelmRelease", "kube-system")
DENIED = 'admission webhook "policy.example.com" denied the request: suspend is not allowed here'


def with_crd(*, suspend: bool = False) -> list[dict[str, Any]]:
    """The declared objects plus karpenter-crd, both releases (un)suspended."""
    objects = declared_ready() + [ready_obj("HelmRelease", "karpenter-crd", "kube-system", suspend=suspend)]
    return replace(objects, ready_obj("HelmRelease", "karpenter", "kube-system", suspend=suspend))


def suspended(env: Env, name: str) -> bool:
    obj = env.fake.obj(*HRS, name)
    assert obj is not None
    return bool(obj["spec"].get("suspend"))


# ---------------------------------------------------------------- suspend


def test_suspend_with_a_failed_patch_is_exit_1_with_flux_s_line(env: Env) -> None:
    env.fake.seed(with_crd(), apiErrors={"HelmRelease/kube-system/karpenter": DENIED})
    result = env.run("flux.suspend", "hr", "karpenter,karpenter-crd", "-n", "kube-system", "--cluster", "canary")
    assert result.returncode == 1  # flux itself exits 0 here
    assert env.fake.calls() == [CC, flux("suspend", "helmrelease", "karpenter", "karpenter-crd", "-n", "kube-system")]
    assert result.stdout == "suspended HelmRelease kube-system/karpenter-crd\n"
    assert result.stderr == (
        "HelmRelease kube-system/karpenter: failed suspending HelmRelease karpenter in kube-system namespace: "
        f"{DENIED}\n"
    )
    assert not suspended(env, "karpenter") and suspended(env, "karpenter-crd")


def test_suspend_of_several_names_takes_each_declared_namespace(env: Env) -> None:
    env.fake.seed([*with_crd(), ready_obj("HelmRelease", "other"), ready_obj("HelmRelease", "more")])
    result = env.run("flux.suspend", "hr", "other,karpenter,more", "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    # karpenter is declared in kube-system; the others are not: flux-system. One call per namespace.
    assert env.fake.calls() == [
        CC,
        flux("suspend", "helmrelease", "other", "more", "-n", "flux-system"),
        flux("suspend", "helmrelease", "karpenter", "-n", "kube-system"),
    ]
    assert result.stdout.splitlines() == [
        "suspended HelmRelease flux-system/other",
        "suspended HelmRelease flux-system/more",
        "suspended HelmRelease kube-system/karpenter",
    ]


def test_suspend_of_one_missing_name_among_several(env: Env) -> None:
    env.fake.seed(with_crd())
    result = env.run("flux.suspend", "hr", "karpenter,nope", "-n", "kube-system", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stdout == "suspended HelmRelease kube-system/karpenter\n"
    assert result.stderr == "HelmRelease kube-system/nope not found on cluster canary (context prow-canary-cluster)\n"


# ---------------------------------------------------------------- resume


def test_resume_of_several_names_waits_for_every_one_itself(env: Env) -> None:
    installing = flux_object("HelmRelease", "karpenter-crd", "kube-system", suspend=True,
                             conditions=[cond("Ready", "Unknown", "Progressing", "Running 'install' action")])  # fmt: skip
    env.fake.seed(
        replace(with_crd(suspend=True), installing),
        script=[recovers_on("resume", "HelmRelease", "karpenter", "kube-system"), recovers_on("resume", "HelmRelease", "karpenter-crd", "kube-system", after=3)],
    )
    result = env.run("flux.resume", "hr", "karpenter,karpenter-crd", "-n", "kube-system", "--cluster", "canary",
                     "--interval", "10ms")  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = env.fake.calls()
    # flux is told not to wait (it would not for several names anyway); we poll status
    assert calls[:2] == [CC, flux("resume", "helmrelease", "karpenter", "karpenter-crd", "-n", "kube-system", "--wait=false")]
    assert calls[2:] == [GET] * (len(calls) - 2) and len(calls) >= 5  # until the second is ready too
    assert result.stdout.startswith(
        "resumed HelmRelease kube-system/karpenter, kube-system/karpenter-crd; waiting for them to become ready\n"
    )
    assert result.stdout.splitlines()[-1].startswith("ready after ")
    assert not suspended(env, "karpenter") and not suspended(env, "karpenter-crd")


def test_resume_of_several_names_fails_when_one_stays_stalled(env: Env) -> None:
    objects = with_crd(suspend=True)
    objects = replace(objects, stalled_hr("karpenter-crd", suspend=True))
    env.fake.seed(objects, script=[recovers_on("resume", "HelmRelease", "karpenter", "kube-system")])
    result = env.run("flux.resume", "hr", "karpenter,karpenter-crd", "-n", "kube-system", "--cluster", "canary",
                     "--interval", "10ms")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("HelmRelease kube-system/karpenter-crd failed: ")
    assert not suspended(env, "karpenter") and not suspended(env, "karpenter-crd")


def test_resume_with_one_missing_name_still_waits_for_the_other_and_is_exit_1(env: Env) -> None:
    env.fake.seed(with_crd(suspend=True), script=[recovers_on("resume", "HelmRelease", "karpenter", "kube-system")])
    result = env.run("flux.resume", "hr", "karpenter,nope", "-n", "kube-system", "--cluster", "canary",
                     "--interval", "10ms")  # fmt: skip
    assert result.returncode == 1
    assert env.fake.calls()[1:3] == [flux("resume", "helmrelease", "karpenter", "nope", "-n", "kube-system", "--wait=false"), GET]
    assert result.stdout.splitlines()[-1].startswith("ready after ")
    assert result.stderr == "HelmRelease kube-system/nope not found on cluster canary (context prow-canary-cluster)\n"


# ---------------------------------------------------------------- reconcile


def test_reconcile_with_source_of_a_suspended_object_says_resume_first_and_leaves_the_source(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), ready_obj("Kustomization", "apps", suspend=True)))
    result = env.run("flux.reconcile", "ks", "apps", "--with-source", "--cluster", "canary")
    assert result.returncode == 1
    assert env.fake.calls() == [CC, flux("reconcile", "kustomization", "apps", "-n", "flux-system", "--with-source")]
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Kustomization flux-system/apps: resource is suspended; "
        "resume it first: invoke flux.resume kustomization apps -n flux-system --cluster canary"
    )
    source = env.fake.obj("GitRepository", "flux-system", "k8s-io")
    assert source is not None and "annotations" not in source["metadata"]  # flux stopped before the source


def test_reconcile_of_an_oci_helm_repository_is_reported_as_not_reconciled(env: Env) -> None:
    env.fake.seed(declared_ready())  # HelmRepository karpenter has spec.type oci
    result = env.run("flux.reconcile", "helm", "karpenter", "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, flux("reconcile", "source", "helm", "karpenter", "-n", "flux-system")]
    assert "✔ reconciliation not supported by the object" in result.stderr
    assert result.stdout == (
        "HelmRepository flux-system/karpenter was not reconciled: flux says reconciliation not supported by the "
        "object (a HelmRepository of type oci is static: its charts are fetched by the HelmCharts that use it)\n"
    )
    repo = env.fake.obj("HelmRepository", "flux-system", "karpenter")
    assert repo is not None and "annotations" not in repo["metadata"]


def test_reconcile_says_what_it_reconciled(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.reconcile", "ks", "apps", "--cluster", "canary", env={"FLUXTASKS_FAKE_POLL": "0.001"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "reconciled Kustomization flux-system/apps\n"


def test_reconcile_with_source_through_an_oci_helm_repository_says_the_source_was_not(env: Env) -> None:
    chart_spec = {"chart": "karpenter", "sourceRef": {"kind": "HelmRepository", "name": "karpenter", "namespace": "flux-system"}}
    chart = ready_obj("HelmRepository", "kube-system-karpenter", spec={"sourceRef": {"kind": "HelmRepository", "name": "karpenter"}})
    chart.update(kind="HelmChart", apiVersion="source.toolkit.fluxcd.io/v1")
    release = ready_obj("HelmRelease", "karpenter", "kube-system", spec={"chart": {"spec": chart_spec}})
    env.fake.seed([*replace(declared_ready(), release), chart], fluxVersion="v2.3.0")
    result = env.run("flux.reconcile", "hr", "karpenter", "--with-source", "--cluster", "canary",
                     env={"FLUXTASKS_FAKE_POLL": "0.001"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "reconciled HelmRelease kube-system/karpenter; its source was not (reconciliation not supported by the "
        "object: a static OCI HelmRepository, whose charts are fetched by the HelmChart)\n"
    )
    assert "► annotating HelmChart kube-system-karpenter in flux-system namespace" in result.stderr
    for kind, namespace, name in (("HelmChart", "flux-system", "kube-system-karpenter"), ("HelmRelease", "kube-system", "karpenter")):
        obj = env.fake.obj(kind, namespace, name)
        assert obj is not None and "reconcile.fluxcd.io/requestedAt" in obj["metadata"]["annotations"], kind


def test_several_names_are_for_suspend_and_resume_only(env: Env) -> None:
    result = env.run("flux.reconcile", "ks", "apps,infra", "--cluster", "canary")
    assert result.returncode == 4
    assert result.stderr.startswith("'apps,infra' is not a valid object name")
    assert env.fake.calls() == []


def test_names_are_checked_before_the_cluster_is_touched(env: Env) -> None:
    result = env.run("flux.resume", "hr", "karpenter,--all", "--cluster", "canary")
    assert result.returncode == 4
    assert result.stderr == "'--all' is not a valid object name (RFC 1123: a-z, 0-9, '-', '.')\n"
    assert env.fake.calls() == []


assert CANARY  # the fake state's default context, which every call above reaches
