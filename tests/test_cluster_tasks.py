"""End to end: `invoke flux.<task>` as a subprocess, the fake flux/kubectl first on PATH.

Each test seeds the fakes' cluster state, runs one task, and checks the exact argv
sequence the task issued (from the fakes' call log), its exit code and the state after.
The project is a small tree (config, values files, generated files, components file)
built once per session with `invoke flux.update --components` and copied per test.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakecluster import (
    CANARY,
    CURRENT_CONTEXT,
    PROD,
    VALUES,
    FakeCluster,
    cond,
    flux,
    flux_object,
    get_status,
    kubectl,
    ready_obj,
    recovers_on,
    stalled_hr,
    write_project,
)

EXTRA_SOURCE = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: extra
  namespace: flux-system
spec:
  interval: 5m0s
  ref:
    branch: main
  url: https://github.com/kubernetes/test-infra
"""


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project tree every test copies: generated with the real `flux.update`."""
    base = tmp_path_factory.mktemp("template")
    root = base / "project"
    config = write_project(root)
    (root / "resources" / "flux").mkdir(parents=True)
    (root / "resources" / "flux" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n- gotk-components.yaml\n"
    )
    made = FakeCluster(base / "fake").invoke("flux.update", "--components", config=config)
    assert made.returncode == 0, made.stderr
    # A hand-written file that follows the naming convention is applied too.
    (root / "resources" / "apps" / "flux-source-git-extra.yaml").write_text(EXTRA_SOURCE)
    return root


@dataclass
class Env:
    root: Path
    fake: FakeCluster

    @property
    def config(self) -> Path:
        return self.root / "config" / "flux.yaml"

    def run(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return self.fake.invoke(*args, config=self.config, env=env)

    def path(self, rel: str) -> str:
        return str(self.root / rel)


@pytest.fixture
def env(template: Path, tmp_path: Path) -> Env:
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    return Env(root, FakeCluster(tmp_path / "fake"))


def declared_ready() -> list[dict[str, Any]]:
    return [
        ready_obj("GitRepository", "k8s-io"),
        flux_object("HelmRepository", "karpenter", spec={"type": "oci"}),
        ready_obj(
            "Kustomization", "apps", spec={"sourceRef": {"kind": "GitRepository", "name": "k8s-io"}}
        ),
        ready_obj("HelmRelease", "karpenter", "kube-system"),
        ready_obj("Kustomization", "flux-system"),  # not declared: listed after the declared
    ]


def replace(objects: list[dict[str, Any]], new: dict[str, Any]) -> list[dict[str, Any]]:
    key = (new["kind"], new["metadata"]["namespace"], new["metadata"]["name"])
    return [
        new if (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) == key else o
        for o in objects
    ]


GET = get_status()
CC = CURRENT_CONTEXT
SUSPEND_KARPENTER = flux("suspend", "helmrelease", "karpenter", "-n", "kube-system")
WHY_OBJECTS = kubectl(
    "get",
    "helmreleases.helm.toolkit.fluxcd.io,kustomizations.kustomize.toolkit.fluxcd.io,"
    "gitrepositories.source.toolkit.fluxcd.io,helmrepositories.source.toolkit.fluxcd.io,"
    "ocirepositories.source.toolkit.fluxcd.io,helmcharts.source.toolkit.fluxcd.io,deployments.apps",
    "-A", "-o", "json",
)  # fmt: skip
RESUME_KARPENTER = flux("resume", "helmrelease", "karpenter", "-n", "kube-system", "--wait=false")


# ---------------------------------------------------------------- guards, for every task

TASKS = {
    "install": ["flux.install"],
    "apply": ["flux.apply"],
    "apply-sources": ["flux.apply-sources"],
    "apply-kustomizations": ["flux.apply-kustomizations"],
    "apply-helm-releases": ["flux.apply-helm-releases"],
    "apply-values": ["flux.apply-values"],
    "status": ["flux.status"],
    "watch": ["flux.watch"],
    "why": ["flux.why", "hr", "karpenter"],
    "suspend": ["flux.suspend", "hr", "karpenter"],
    "resume": ["flux.resume", "hr", "karpenter"],
    "reconcile": ["flux.reconcile", "ks", "apps"],
    "recover-hr": ["flux.recover-hr", "karpenter"],
    "recover-failed": ["flux.recover-failed"],
}


def dry_run_argv(task: str, root: Path) -> list[list[str]]:
    """Every argv each task prints under --dry-run, in order."""
    res = root / "resources"
    sources = [res / "apps/flux-source-git-extra.yaml", res / "flux-system/flux-source-git-k8s-io.yaml",
               res / "flux-system/flux-source-helm-karpenter.yaml"]  # fmt: skip
    groups = {
        "apply-sources": [kubectl("apply", "--server-side", *sum((["-f", str(p)] for p in sources), []))],
        "apply-kustomizations": [kubectl("apply", "--server-side", "-f", str(res / "flux-system/flux-ks-apps.yaml"))],
        "apply-helm-releases": [kubectl("apply", "--server-side", "-f", str(res / "kube-system/flux-hr-karpenter.yaml"))],
    }  # fmt: skip
    controllers = [
        "source-controller",
        "kustomize-controller",
        "helm-controller",
        "notification-controller",
    ]
    return [CC] + {
        "install": [kubectl("apply", "--server-side", "-k", str(res / "flux"))]
        + [kubectl("rollout", "status", f"deployment/{c}", "-n", "flux-system", "--timeout=5m0s") for c in controllers],
        "apply": groups["apply-sources"] + groups["apply-kustomizations"] + groups["apply-helm-releases"],
        **groups,
        "apply-values": [
            kubectl("create", "configmap", "karpenter-helm-values",
                    f"--from-file=values.yaml={root / 'config/values/karpenter-canary.yaml'}",
                    "-n", "kube-system", "--dry-run=client", "-o", "yaml"),
            kubectl("apply", "--server-side", "-f", "-"),
        ],
        "status": [GET],
        "watch": [GET],
        "why": [
            WHY_OBJECTS,
            kubectl("get", "events", "-n", "kube-system", "--field-selector",
                    "involvedObject.kind=HelmRelease,involvedObject.name=karpenter", "-o", "json"),
            kubectl("logs", "deploy/helm-controller", "-n", "flux-system", "-c", "manager", "--since=1h"),
        ],
        "suspend": [SUSPEND_KARPENTER],
        "resume": [RESUME_KARPENTER, GET],
        "reconcile": [flux("reconcile", "kustomization", "apps", "-n", "flux-system")],
        "recover-hr": [GET, SUSPEND_KARPENTER, RESUME_KARPENTER, GET],
        "recover-failed": [GET],
    }[task]  # fmt: skip


@pytest.mark.parametrize("task", TASKS)
def test_dry_run_prints_every_command_and_calls_nothing(env: Env, task: str) -> None:
    env.fake.seed([stalled_hr("karpenter")])
    result = env.run(*TASKS[task], "--cluster", "canary", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == []
    printed = [
        shlex.split(line[len("would run: ") :])
        for line in result.stderr.splitlines()
        if line.startswith("would run: ")
    ]
    assert printed == dry_run_argv(task, env.root)
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter") == stalled_hr("karpenter")
    if task in ("status", "watch", "why"):  # nothing was read: nothing to report either
        assert result.stdout == ""


@pytest.mark.parametrize("task", TASKS)
def test_wrong_context_is_refused_before_anything_else(env: Env, task: str) -> None:
    env.fake.seed([stalled_hr("karpenter")], context=PROD)
    before = env.fake.state()["objects"]
    result = env.run(*TASKS[task], "--cluster", "canary")
    assert result.returncode == 3
    assert env.fake.calls() == [CC]
    assert (
        "refusing to touch cluster canary: the current kube context is 'prow-build-cluster'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert env.fake.state()["objects"] == before


@pytest.mark.parametrize("task", ["status", "apply", "recover-hr"])
def test_no_cluster_selected_is_exit_3_with_a_hint(env: Env, task: str) -> None:
    result = env.run(*TASKS[task])
    assert result.returncode == 3
    assert (
        result.stderr.strip()
        == "no cluster selected: pass --cluster NAME or set PROW_ENV (clusters: canary, prod)"
    )
    assert env.fake.calls() == []


def test_prow_env_selects_the_cluster(env: Env) -> None:
    env.fake.seed(declared_ready(), context=PROD)
    result = env.run("flux.status", env={"PROW_ENV": "prod"})
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, get_status(PROD)]


def test_context_override_skips_the_check_and_pins_every_call(env: Env) -> None:
    env.fake.seed(declared_ready(), context="someone-elses-context")
    result = env.run(
        "flux.status", "--cluster", "prod", "--context", "admin@prod", "--kubeconfig", "kubeconfigs/prod.yaml"
    )
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [get_status("admin@prod") + ["--kubeconfig", "kubeconfigs/prod.yaml"]]


@pytest.mark.parametrize(
    ("tools", "task", "missing"),
    [
        pytest.param(("flux",), "status", "kubectl", id="status-without-kubectl"),
        pytest.param(("kubectl",), "suspend", "flux", id="suspend-without-flux"),
        pytest.param(("kubectl",), "recover-hr", "flux", id="recover-hr-without-flux"),
    ],
)
def test_missing_tool_is_exit_2_naming_it(
    env: Env, tmp_path: Path, tools: tuple[str, ...], task: str, missing: str
) -> None:
    fake = FakeCluster(tmp_path / "partial", tools=tools)
    result = fake.invoke(*TASKS[task], "--cluster", "canary", config=env.config)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{missing}: command not found; install")
    assert fake.calls() == []


# ---------------------------------------------------------------- status


def test_status_all_ready(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.status", "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, GET]
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["KIND", "NAMESPACE/NAME", "READY"]
    assert [line.split()[:3] for line in lines[1:5]] == [
        ["*", "GitRepository", "flux-system/k8s-io"],
        ["*", "HelmRepository", "flux-system/karpenter"],
        ["*", "Kustomization", "flux-system/apps"],
        ["*", "HelmRelease", "kube-system/karpenter"],
    ]
    assert lines[5].split()[:2] == ["Kustomization", "flux-system/flux-system"]
    assert lines[-1] == "* declared in config/flux.yaml: 4 of 4 ready"


def test_status_not_ready_is_exit_1(env: Env) -> None:
    objects = [
        o
        for o in replace(declared_ready(), stalled_hr("karpenter"))
        if o["metadata"]["name"] != "apps"
    ]
    env.fake.seed(objects)
    result = env.run("flux.status", "--cluster", "canary")
    assert result.returncode == 1
    # the cause, not the Stalled summary ("Failed to upgrade after 1 attempt(s)")
    assert (
        "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: boom"
        in result.stdout
    )
    assert "flux-system/apps" in result.stdout and "missing" in result.stdout
    assert (
        result.stderr.strip()
        == "2 of 4 declared object(s) not ready on cluster canary (context prow-canary-cluster)"
    )


@pytest.mark.parametrize(
    ("state", "code", "message"),
    [
        pytest.param(
            {"missingCrds": ["ocirepositories.source.toolkit.fluxcd.io"]}, 1,
            "Flux is not installed on cluster canary (context prow-canary-cluster) (error: the "
            "server doesn't have a resource type \"ocirepositories\"): "
            "run `invoke flux.install --cluster canary` first",
            id="missing-crd",
        ),
        pytest.param(
            {"unreachable": True}, 5,
            "cannot reach cluster canary (context prow-canary-cluster): Unable to connect to the "
            "server: dial tcp 10.0.0.1:443: i/o timeout",
            id="unreachable",
        ),
    ],
)  # fmt: skip
def test_status_cluster_errors_are_one_line(
    env: Env, state: dict[str, Any], code: int, message: str
) -> None:
    env.fake.seed(declared_ready(), **state)
    result = env.run("flux.status", "--cluster", "canary")
    assert result.returncode == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- watch

WATCH = ("flux.watch", "--cluster", "canary", "--interval", "10ms")


def test_watch_exits_0_when_all_ready_printing_each_change_once(env: Env) -> None:
    objects = replace(
        declared_ready(), flux_object("Kustomization", "apps", generation=2, observed=1)
    )
    env.fake.seed(
        objects,
        script=[{**recovers_on("tick", "Kustomization", "apps", "flux-system", after=3),
                 "set": {"status": {**ready_obj("Kustomization", "apps", generation=2)["status"]}}}],
    )  # fmt: skip
    result = env.run(*WATCH)
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, GET, GET, GET]
    apps = [line for line in result.stdout.splitlines() if "Kustomization flux-system/apps" in line]
    assert [line.split("] ", 1)[1].split(" - ")[0] for line in apps] == [
        "Kustomization flux-system/apps: in progress",
        "Kustomization flux-system/apps: ready",
    ]
    assert (
        sum("HelmRelease kube-system/karpenter" in line for line in result.stdout.splitlines()) == 1
    )
    assert result.stdout.splitlines()[-1].startswith("ready after ")


def test_watch_exits_1_on_a_stalled_object(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
    result = env.run(*WATCH)
    assert result.returncode == 1
    # the poll, then one read of everything the summary of the failed release needs
    assert env.fake.calls() == [CC, GET, WHY_OBJECTS]
    helm_error = "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: boom"
    assert result.stderr.strip() == (
        f"HelmRelease kube-system/karpenter failed: {helm_error} "
        "(if its retries are exhausted: invoke flux.recover-hr karpenter -n kube-system --cluster canary)"
    )
    assert result.stdout.splitlines()[-3:] == [
        "HelmRelease kube-system/karpenter on canary: FAILED (Stalled/RetriesExceeded)",
        f"Cause: {helm_error}",
        "next: invoke flux.recover-hr karpenter -n kube-system --cluster canary",
    ]


def test_watch_exits_124_on_timeout_listing_what_is_pending(env: Env) -> None:
    building = flux_object(
        "Kustomization",
        "apps",
        conditions=[cond("Ready", "False", "BuildFailed", "kustomize build failed")],
    )
    env.fake.seed([o for o in replace(declared_ready(), building) if o["kind"] != "GitRepository"])
    result = env.run(*WATCH, "--timeout", "100ms")
    assert result.returncode == 124
    assert result.stderr.splitlines() == [
        "timed out after 100ms; still pending:",
        "  GitRepository flux-system/k8s-io: missing - not found in the cluster",
        "  Kustomization flux-system/apps: failing - kustomize build failed",
    ]
    # no time is left for another read: the summaries come from the last poll
    assert all(call == GET for call in env.fake.calls()[1:])
    assert "next: invoke flux.validate" in result.stdout  # a build failure is reproduced offline


def test_watch_rides_out_a_transient_kubectl_failure(env: Env) -> None:
    env.fake.seed(
        replace(declared_ready(), flux_object("Kustomization", "apps", generation=1, observed=None)),
        failGets=[2],
        script=[{**recovers_on("tick", "Kustomization", "apps", "flux-system", after=3),
                 "set": {"status": ready_obj("Kustomization", "apps")["status"]}}],
    )  # fmt: skip
    result = env.run(*WATCH)
    assert result.returncode == 0, result.stderr
    assert "poll failed (1 of 3 in a row allowed)" in result.stdout
    assert env.fake.calls() == [CC, GET, GET, GET, GET]  # the 2nd failed; the 4th sees it ready


# ---------------------------------------------------------------- suspend / resume / reconcile


def test_suspend_uses_the_declared_namespace(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.suspend", "hr", "karpenter", "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, SUSPEND_KARPENTER]
    assert result.stdout.strip() == "suspended HelmRelease kube-system/karpenter"
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter")["spec"]["suspend"] is True  # type: ignore[index]


def test_suspend_of_a_missing_object_is_exit_1(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.suspend", "ks", "nope", "-n", "apps", "--cluster", "canary")
    assert result.returncode == 1  # flux itself exits 0 here
    assert env.fake.calls() == [CC, flux("suspend", "kustomization", "nope", "-n", "apps")]
    assert (
        result.stderr.strip()
        == "Kustomization apps/nope not found on cluster canary (context prow-canary-cluster)"
    )


def test_resume_waits_with_its_own_status_reading(env: Env) -> None:
    suspended = ready_obj("HelmRelease", "karpenter", "kube-system", suspend=True)
    env.fake.seed(
        replace(declared_ready(), suspended),
        script=[recovers_on("resume", "HelmRelease", "karpenter", "kube-system")],
    )
    result = env.run(
        "flux.resume", "helmrelease", "karpenter", "--cluster", "canary", "--interval", "10ms"
    )
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, RESUME_KARPENTER, GET]
    after = env.fake.obj("HelmRelease", "kube-system", "karpenter")
    assert after is not None and "suspend" not in after["spec"]


@pytest.mark.parametrize("version", ["v2.3.0", "v2.9.4"])
def test_resume_of_a_release_that_stays_stalled_is_exit_1(env: Env, version: str) -> None:
    env.fake.seed(
        replace(declared_ready(), stalled_hr("karpenter", suspend=True)), fluxVersion=version
    )
    result = env.run("flux.resume", "hr", "karpenter", "--cluster", "canary", "--interval", "10ms")
    assert result.returncode == 1
    assert env.fake.calls() == [CC, RESUME_KARPENTER, GET]
    assert result.stderr.startswith(  # the cause, not the Stalled summary
        "HelmRelease kube-system/karpenter failed: Helm upgrade failed for release "
        "kube-system/karpenter with chart karpenter@1.0.2: boom"
    )


def test_resume_timeout_is_exit_124(env: Env) -> None:
    env.fake.seed(
        replace(declared_ready(), stalled_hr("karpenter", suspend=True)), controllerLag=1000
    )
    result = env.run(
        "flux.resume",
        "hr",
        "karpenter",
        "--cluster",
        "canary",
        "--interval",
        "10ms",
        "--timeout",
        "50ms",
    )
    assert result.returncode == 124
    assert (
        "HelmRelease kube-system/karpenter: in progress - generation 4 not yet observed"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            [], flux("reconcile", "kustomization", "apps", "-n", "flux-system"), id="plain"
        ),
        pytest.param(
            ["--with-source"],
            flux("reconcile", "kustomization", "apps", "-n", "flux-system", "--with-source"),
            id="with-source",
        ),
        pytest.param(
            ["--timeout", "1m"],
            flux("reconcile", "kustomization", "apps", "-n", "flux-system", "--timeout", "1m"),
            id="timeout",
        ),
    ],
)
def test_reconcile(env: Env, args: list[str], expected: list[str]) -> None:
    env.fake.seed(declared_ready())
    result = env.run(
        "flux.reconcile",
        "ks",
        "apps",
        "--cluster",
        "canary",
        *args,
        env={"FLUXTASKS_FAKE_POLL": "0.001"},
    )
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, expected]
    annotations = env.fake.obj("Kustomization", "flux-system", "apps")["metadata"]["annotations"]  # type: ignore[index]
    assert "reconcile.fluxcd.io/requestedAt" in annotations
    assert "✔ applied revision main@sha1:" in result.stderr


def test_reconcile_of_a_suspended_object_says_resume_first(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), ready_obj("Kustomization", "apps", suspend=True)))
    result = env.run("flux.reconcile", "ks", "apps", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Kustomization flux-system/apps: resource is suspended; "
        "resume it first: invoke flux.resume kustomization apps -n flux-system --cluster canary"
    )


def test_unknown_kind_is_exit_4_before_touching_the_cluster(env: Env) -> None:
    result = env.run("flux.suspend", "deployment", "x", "--cluster", "canary")
    assert result.returncode == 4
    assert result.stderr.startswith("unknown kind 'deployment'")
    assert env.fake.calls() == []


# ---------------------------------------------------------------- recover-hr / recover-failed

RECOVER = ("flux.recover-hr", "karpenter", "--cluster", "canary", "--interval", "10ms")


def test_recover_hr_suspend_resume_recovers(env: Env) -> None:
    env.fake.seed(
        replace(declared_ready(), stalled_hr("karpenter")),
        script=[recovers_on("resume", "HelmRelease", "karpenter", "kube-system")],
    )
    result = env.run(*RECOVER)
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER, GET]
    assert "recovered      HelmRelease kube-system/karpenter" in result.stdout
    after = env.fake.obj("HelmRelease", "kube-system", "karpenter")
    assert (
        after is not None
        and "suspend" not in after["spec"]
        and after["metadata"]["generation"] == 5
    )


def test_recover_hr_still_failing_is_exit_1_and_resumed(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
    result = env.run(*RECOVER)
    assert result.returncode == 1
    assert env.fake.calls() == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER, GET]
    assert (
        "still failing  HelmRelease kube-system/karpenter: "
        "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: boom"
    ) in result.stdout
    assert (
        result.stderr.strip()
        == "1 HelmRelease(s) still failing on cluster canary (context prow-canary-cluster)"
    )
    assert "suspend" not in env.fake.obj("HelmRelease", "kube-system", "karpenter")["spec"]  # type: ignore[index]


def test_recover_hr_reset_strategy(env: Env) -> None:
    env.fake.seed(
        replace(declared_ready(), stalled_hr("karpenter")),
        script=[recovers_on("reset", "HelmRelease", "karpenter", "kube-system")],
    )
    result = env.run(*RECOVER, "--strategy", "reset", env={"FLUXTASKS_FAKE_POLL": "0.001"})
    assert result.returncode == 0, result.stderr
    reset = flux(
        "reconcile", "helmrelease", "karpenter", "-n", "kube-system", "--reset", "--timeout", "5m0s"
    )
    assert env.fake.calls() == [CC, GET, reset, GET]
    annotations = env.fake.obj("HelmRelease", "kube-system", "karpenter")["metadata"]["annotations"]  # type: ignore[index]
    assert (
        annotations["reconcile.fluxcd.io/resetAt"] == annotations["reconcile.fluxcd.io/requestedAt"]
    )
    assert "recovered      HelmRelease kube-system/karpenter" in result.stdout


def test_recover_hr_reset_needs_flux_2_2(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")), fluxVersion="v2.1.2")
    result = env.run(*RECOVER, "--strategy", "reset")
    assert result.returncode == 2
    assert "needs Flux >= v2.2" in result.stderr


@pytest.mark.parametrize(
    ("obj", "code", "message"),
    [
        pytest.param(ready_obj("HelmRelease", "karpenter", "kube-system"), 0, "skipped        HelmRelease kube-system/karpenter: already ready", id="already-ready"),
        pytest.param(stalled_hr("karpenter", suspend=True), 1, "is suspended, and recover-hr only resumes what it suspended itself", id="suspended-by-someone"),
    ],
)  # fmt: skip
def test_recover_hr_leaves_alone(env: Env, obj: dict[str, Any], code: int, message: str) -> None:
    env.fake.seed(replace(declared_ready(), obj))
    result = env.run(*RECOVER)
    assert result.returncode == code
    assert message in result.stdout + result.stderr
    assert env.fake.calls() == [CC, GET]
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter") == obj


def test_recover_hr_interrupted_between_suspend_and_resume_still_resumes(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
    proc = env.fake.start(*RECOVER, config=env.config, env={"FLUXTASKS_FAKE_HANG": "flux suspend"})
    try:
        deadline = time.monotonic() + 20
        while not env.fake.marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert env.fake.marker.exists(), "flux suspend never ran"
        assert env.fake.obj("HelmRelease", "kube-system", "karpenter")["spec"]["suspend"] is True  # type: ignore[index]
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole process group
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130
    assert env.fake.calls() == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER]
    assert (
        "resumed HelmRelease kube-system/karpenter, which this task had suspended (interrupted)"
        in out
    )
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    assert "suspend" not in env.fake.obj("HelmRelease", "kube-system", "karpenter")["spec"]  # type: ignore[index]


def many_releases() -> list[dict[str, Any]]:
    legacy = flux_object(
        "HelmRelease", "legacy", "apps", generation=2, observed=2,
        conditions=[cond("Ready", "False", "UpgradeFailed", "upgrade retries exhausted", 2)],
    )  # fmt: skip
    return [
        stalled_hr("karpenter"),
        stalled_hr("other", "apps"),
        legacy,
        ready_obj("HelmRelease", "good", "apps"),
        stalled_hr("paused", "apps", suspend=True),
        flux_object("HelmRelease", "retrying", "apps",
                    conditions=[cond("Reconciling", "True", "ProgressingWithRetry"), cond("Ready", "False", "UpgradeFailed")]),
        ready_obj("Kustomization", "apps"),
    ]  # fmt: skip


def recover_script() -> list[dict[str, Any]]:
    return [recovers_on("resume", "HelmRelease", name, ns) for ns, name in
            (("kube-system", "karpenter"), ("apps", "other"), ("apps", "legacy"))]  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["flux.recover-failed"], id="recover-failed"),
        pytest.param(["flux.recover-hr", "--all-failed"], id="recover-hr-all-failed"),
    ],
)
def test_recover_all_failed_leaves_healthy_releases_alone(env: Env, args: list[str]) -> None:
    env.fake.seed(many_releases(), script=recover_script())
    before = {o["metadata"]["name"]: o for o in env.fake.state()["objects"]}
    result = env.run(*args, "--cluster", "canary", "--interval", "10ms")
    assert result.returncode == 0, result.stderr
    kicks = [[verb, name, ns] for ns, name in (("apps", "legacy"), ("apps", "other"), ("kube-system", "karpenter"))
             for verb in ("suspend", "resume")]  # fmt: skip
    expected = [CC, GET] + [
        flux(verb, "helmrelease", name, "-n", ns, *(["--wait=false"] if verb == "resume" else [])) for verb, name, ns in kicks
    ] + [GET]  # fmt: skip
    assert env.fake.calls() == expected
    after = {o["metadata"]["name"]: o for o in env.fake.state()["objects"]}
    for untouched in ("good", "paused", "retrying", "apps"):
        assert after[untouched] == before[untouched]
    assert (
        "skipped        HelmRelease apps/paused: suspended by someone else; left alone"
        in result.stdout
    )
    assert sum(line.strip().startswith("recovered") for line in result.stdout.splitlines()) == 3


def test_recover_failed_limited_to_a_namespace(env: Env) -> None:
    env.fake.seed(many_releases(), script=recover_script())
    result = env.run(
        "flux.recover-failed", "-n", "kube-system", "--cluster", "canary", "--interval", "10ms"
    )
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER, GET]


def test_recover_failed_with_nothing_failing(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.recover-failed", "--cluster", "canary")
    assert result.returncode == 0
    assert "no failing HelmRelease in any namespace" in result.stdout
    assert env.fake.calls() == [CC, GET]


def test_recover_hr_release_and_all_failed_conflict(env: Env) -> None:
    result = env.run("flux.recover-hr", "karpenter", "--all-failed", "--cluster", "canary")
    assert result.returncode == 4
    assert env.fake.calls() == []


def test_recover_hr_help_explains_both_strategies(env: Env) -> None:
    result = env.run("--help", "flux.recover-hr")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "suspend-resume (default): flux suspend, then flux resume --wait=false" in text
    assert "Use it on any Flux version, and when unsure" in text
    assert "reset: flux reconcile helmrelease NAME --reset" in text
    assert "Needs Flux >= 2.2; use it when the release must not be suspended" in text
    assert "--all-failed" in text and "--strategy" in text


# ---------------------------------------------------------------- install


def test_install_applies_the_components_folder_and_waits(env: Env) -> None:
    env.fake.seed([])
    result = env.run("flux.install", "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == dry_run_argv("install", env.root)
    state = env.fake.state()
    assert state["deployments"] == {f"flux-system/{c}": "ready" for c in
                                    ("source-controller", "kustomize-controller", "helm-controller", "notification-controller")}  # fmt: skip
    assert (
        "customresourcedefinition.apiextensions.k8s.io/helmreleases.helm.toolkit.fluxcd.io serverside-applied"
        in result.stdout
    )


def test_install_with_stuck_controllers_is_exit_1(env: Env) -> None:
    env.fake.seed([], newDeployments="stuck")
    result = env.run(
        "flux.install",
        "--cluster",
        "canary",
        "--timeout",
        "1s",
        env={"FLUXTASKS_FAKE_POLL": "0.05"},
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "source-controller is not ready on cluster canary (context prow-canary-cluster): "
        "error: timed out waiting for the condition"
    )


def test_install_without_components_file_is_exit_4(env: Env) -> None:
    (env.root / "resources" / "flux" / "gotk-components.yaml").unlink()
    result = env.run("flux.install", "--cluster", "canary")
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "resources/flux/gotk-components.yaml is missing: generate it with `invoke flux.update --components` "
        "(needs the flux CLI v2.3.0 on PATH), then commit it"
    )
    assert env.fake.calls() == []


# ---------------------------------------------------------------- apply


@pytest.mark.parametrize(
    "task", ["apply", "apply-sources", "apply-kustomizations", "apply-helm-releases"]
)
def test_apply_groups_one_call_each_sorted(env: Env, task: str) -> None:
    env.fake.seed([])
    result = env.run(*TASKS[task], "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == dry_run_argv(task, env.root)
    applied = [(a["kind"], a["name"]) for a in env.fake.state()["applied"]]
    if task == "apply":
        assert applied == [("GitRepository", "extra"), ("GitRepository", "k8s-io"), ("HelmRepository", "karpenter"),
                           ("Kustomization", "apps"), ("HelmRelease", "karpenter")]  # fmt: skip
    assert "serverside-applied" in result.stdout


def test_apply_server_dry_run(env: Env) -> None:
    env.fake.seed([])
    result = env.run("flux.apply", "--cluster", "canary", "--server-dry-run")
    assert result.returncode == 0, result.stderr
    calls = env.fake.calls()
    assert [c[:3] for c in calls[1:]] == [["kubectl", "apply", "--server-side"]] * 3
    assert all(c[-3:] == ["--dry-run=server", "--context", CANARY] for c in calls[1:])
    state = env.fake.state()
    assert all(a["dryRun"] for a in state["applied"]) and state["objects"] == []


def test_apply_refuses_drift_unless_allowed(env: Env) -> None:
    hr = env.root / "resources" / "kube-system" / "flux-hr-karpenter.yaml"
    hr.write_text(hr.read_text().replace("version: 1.0.2", "version: 0.9.9"))
    result = env.run("flux.apply", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "refusing to apply: generated files are out of date with config/flux.yaml:",
        "  resources/kube-system/flux-hr-karpenter.yaml: would be updated",
        "run `invoke flux.update` and commit, or pass --allow-drift",
    ]
    assert env.fake.calls() == []
    result = env.run("flux.apply", "--cluster", "canary", "--allow-drift")
    assert result.returncode == 0, result.stderr
    assert len(env.fake.calls()) == 4


# ---------------------------------------------------------------- apply-values


@pytest.mark.parametrize(("cluster", "context"), [("canary", CANARY), ("prod", PROD)])
def test_apply_values_pushes_the_selected_clusters_file(
    env: Env, cluster: str, context: str
) -> None:
    env.fake.seed([], context=context)
    result = env.run("flux.apply-values", "--cluster", cluster)
    assert result.returncode == 0, result.stderr
    values = env.root / f"config/values/karpenter-{cluster}.yaml"
    assert env.fake.calls() == [
        CC,
        kubectl("create", "configmap", "karpenter-helm-values", f"--from-file=values.yaml={values}",
                "-n", "kube-system", "--dry-run=client", "-o", "yaml", context=context),
        kubectl("apply", "--server-side", "-f", "-", context=context),
    ]  # fmt: skip
    assert env.fake.state()["configMaps"] == {
        "kube-system/karpenter-helm-values": {"values.yaml": VALUES[cluster]}
    }
    assert "configmap/karpenter-helm-values serverside-applied" in result.stdout


def test_apply_values_unknown_release_is_exit_4(env: Env) -> None:
    result = env.run("flux.apply-values", "--cluster", "canary", "--release", "nope")
    assert result.returncode == 4
    assert (
        "no HelmRelease 'nope' with clusterValues (releases with clusterValues: karpenter)"
        in result.stderr
    )
    assert env.fake.calls() == []


def test_recover_hr_whose_resume_fails_says_how_to_resume(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
    result = env.run(*RECOVER, env={"FLUXTASKS_FAKE_FAIL": "flux resume"})
    assert result.returncode == 1
    assert env.fake.calls() == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER]
    assert (
        "HelmRelease kube-system/karpenter may still be suspended (flux resume helmrelease: "
        "✗ simulated failure); resume it with: "
        "flux resume helmrelease karpenter -n kube-system --context prow-canary-cluster"
    ) in result.stdout
    assert "still failing  HelmRelease kube-system/karpenter: still suspended" in result.stdout
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter")["spec"]["suspend"] is True  # type: ignore[index]


def test_resume_of_a_missing_object_is_exit_1(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.resume", "hr", "nope", "-n", "apps", "--cluster", "canary")
    assert result.returncode == 1  # flux itself exits 0 here
    assert env.fake.calls() == [
        CC,
        flux("resume", "helmrelease", "nope", "-n", "apps", "--wait=false"),
    ]
    assert (
        result.stderr.strip()
        == "HelmRelease apps/nope not found on cluster canary (context prow-canary-cluster)"
    )
