"""flux.why, flux.status and flux.watch end to end, as an admin runs them: `invoke` as a
subprocess against the fake kubectl (tests/fakes), one cluster or `--cluster all`.

Every reason -> advice row of flux.why is run through the task; every suggested command must
carry the `--cluster` in use. Outcomes are asserted, never durations.
"""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakecluster import CANARY, PROD, FakeCluster, write_project
from fakes import samples as s
from fakes import samples_diag as d

HR = ("hr", "karpenter")


@dataclass
class Env:
    fake: FakeCluster
    config: Path

    def run(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return self.fake.invoke(*args, config=self.config, env=env)

    def seed(self, objects: list[dict[str, Any]], **extra: Any) -> None:
        extra.setdefault("deployments", d.flux_deployments())
        self.fake.seed(objects, **extra)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(FakeCluster(tmp_path / "fake"), write_project(tmp_path / "project"))


def healthy() -> list[dict[str, Any]]:
    """Every object config/flux.yaml (fakecluster.CONFIG) declares, Ready."""
    return [
        s.git_repository("k8s-io"),
        s.oci_helm_repository("karpenter"),
        s.kustomization("apps"),
        s.helm_release("karpenter"),
        s.helm_chart("karpenter"),
    ]


def replaced(*new: dict[str, Any]) -> list[dict[str, Any]]:
    def key(o: dict[str, Any]) -> tuple[str, str, str]:
        return (o["kind"], o["metadata"]["namespace"], o["metadata"]["name"])

    changed = {key(o): o for o in new}
    return [changed.get(key(o), o) for o in healthy()] + [
        o for o in new if key(o) not in {key(h) for h in healthy()}
    ]


def next_line(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith("next: ")]
    assert len(lines) == 1, stdout
    return lines[0]


def hr_ready_false(reason: str, message: str) -> dict[str, Any]:
    obj = s.helm_release("karpenter", generation=2)
    obj["status"]["conditions"] = [s.cond("Ready", "False", reason, message, 2)]
    return obj


def ks_ready_false(name: str, reason: str, message: str, **kw: Any) -> dict[str, Any]:
    obj = s.kustomization(name, **kw)
    obj["status"]["conditions"] = [s.cond("Ready", "False", reason, message)]
    return obj


# ---------------------------------------------------------------- flux.why: reason -> advice


def _row_retries() -> dict[str, Any]:
    return {"objects": replaced(s.upgrade_rolled_back("karpenter")),
            "events": [d.upgrade_failed_event("karpenter")]}  # fmt: skip


def _row_source() -> dict[str, Any]:
    hr = hr_ready_false(
        "SourceNotReady", "HelmChart 'flux-system/kube-system-karpenter' is not ready"
    )
    return {"objects": replaced(hr, s.helm_chart("karpenter", ready=False))}


def _row_dependency() -> dict[str, Any]:
    apps = ks_ready_false(
        "apps", "DependencyNotReady", "dependency 'flux-system/infra' is not ready",
        depends_on=("infra",),
    )  # fmt: skip
    return {"objects": replaced(apps, s.failing_health_check("infra"))}


def _row_controller() -> dict[str, Any]:
    return {
        "objects": replaced(s.upgrading("karpenter")),
        "deployments": d.flux_deployments(**{"helm-controller": "crashloop"}),
    }


WHY_ROWS = [
    pytest.param(HR, _row_retries, "FAILED (Stalled/RetriesExceeded)",
                 "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2",
                 "invoke flux.recover-hr karpenter -n kube-system --cluster canary",
                 id="retries-exhausted-recover-hr"),
    pytest.param(HR, _row_source, "FAILING (Ready/SourceNotReady)",
                 "chart pull error: failed to get chart version for remote reference",
                 "invoke flux.reconcile hr karpenter -n kube-system --with-source --cluster canary",
                 id="source-fetch-failed-reconcile-with-source"),
    pytest.param(HR, lambda: {"objects": replaced(s.helm_release("karpenter", suspend=True))},
                 "SUSPENDED", "spec.suspend is true",
                 "invoke flux.resume hr karpenter -n kube-system --cluster canary",
                 id="suspended-resume"),
    pytest.param(("ks", "apps"), _row_dependency, "IN PROGRESS (Ready/DependencyNotReady)",
                 "dependency 'flux-system/infra' is not ready",
                 "invoke flux.why ks infra -n flux-system --cluster canary",
                 id="dependency-not-ready-why-on-it"),
    pytest.param(HR, lambda: {"objects": replaced(s.values_error("karpenter"))},
                 "FAILING (Ready/ValuesError)", 'configmaps "karpenter-helm-values" not found',
                 "invoke flux.apply-values --release karpenter --cluster canary",
                 id="values-error-apply-values"),
    pytest.param(("ks", "apps"),
                 lambda: {"objects": replaced(ks_ready_false("apps", "BuildFailed", "kustomize build failed: no such file"))},
                 "FAILING (Ready/BuildFailed)", "kustomize build failed: no such file",
                 "invoke flux.validate", id="build-failed-validate"),
    pytest.param(HR, _row_controller, "IN PROGRESS (Reconciling/Progressing)",
                 "helm-controller is not ready: 0/1 replicas ready",
                 "invoke flux.install --cluster canary", id="controller-not-ready-install"),
    pytest.param(("ks", "apps"),
                 lambda: {"objects": replaced(s.failing_health_check("apps"))},
                 "FAILING (Ready/HealthCheckFailed)", "health check failed after 2m0s",
                 "invoke flux.why hr karpenter -n kube-system --cluster canary",
                 id="health-check-failed-why-on-the-workload"),
    pytest.param(HR, lambda: {"objects": replaced(s.upgrading("karpenter"))},
                 "IN PROGRESS (Reconciling/Progressing)", "Running 'upgrade' action with timeout of 5m0s",
                 "invoke flux.watch --cluster canary", id="in-progress-watch"),
    pytest.param(HR, lambda: {"objects": [o for o in healthy() if o["kind"] != "HelmRelease"]},
                 "MISSING", "declared in config/flux.yaml, not found in the cluster",
                 "invoke flux.update --check, then invoke flux.apply --dry-run --cluster canary",
                 id="declared-but-missing-update-then-apply"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "state", "headline", "cause", "command"), WHY_ROWS)
def test_why_names_the_cause_and_the_next_command(
    env: Env, what: tuple[str, str], state: Any, headline: str, cause: str, command: str
) -> None:
    seeded = state()
    env.seed(seeded.pop("objects"), **seeded)
    result = env.run("flux.why", *what, "--cluster", "canary")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"on canary: {headline}")
    assert lines[1].startswith("Cause: ") and cause in lines[1]
    assert next_line(result.stdout) == f"next: {command}"
    assert "not ready on cluster canary" in result.stderr
    assert "Traceback" not in result.stderr


def test_why_of_a_ready_object_is_exit_0_without_next(env: Env) -> None:
    env.seed(healthy())
    result = env.run("flux.why", *HR, "--cluster", "canary")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "HelmRelease kube-system/karpenter on canary: READY (Ready/UpgradeSucceeded)"
    )
    assert "next:" not in result.stdout


def test_why_reads_three_times_with_the_namespace_from_the_config(env: Env) -> None:
    env.seed(healthy())
    env.run("flux.why", *HR, "--cluster", "canary")
    calls = env.fake.calls()
    assert [c[:3] for c in calls] == [
        ["kubectl", "config", "current-context"],
        ["kubectl", "get", calls[1][2]],
        ["kubectl", "get", "events"],
        ["kubectl", "logs", "deploy/helm-controller"],
    ]
    assert "helmcharts.source.toolkit.fluxcd.io" in calls[1][2]
    assert calls[2][3:5] == ["-n", "kube-system"]


def test_why_finds_an_undeclared_object_in_its_only_namespace(env: Env) -> None:
    env.seed([*healthy(), s.install_failed("podinfo", "apps")])
    result = env.run("flux.why", "hr", "podinfo", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stdout.startswith("HelmRelease apps/podinfo on canary: FAILED")


def test_why_of_an_object_nowhere_is_one_line_with_a_did_you_mean(env: Env) -> None:
    env.seed(healthy())
    result = env.run("flux.why", "hr", "karpentr", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "HelmRelease flux-system/karpentr not found on cluster canary (context "
        "prow-canary-cluster), nor declared in config/flux.yaml (did you mean 'karpenter'?)"
    )


def test_why_in_the_wrong_namespace_says_where_it_is(env: Env) -> None:
    env.seed(healthy())
    result = env.run("flux.why", "hr", "karpenter", "-n", "flux-system", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "; it exists in namespace kube-system: pass -n kube-system"
    )


def test_why_json_is_one_document_with_the_next_argv(env: Env) -> None:
    env.seed(replaced(s.values_error("karpenter")))
    result = env.run("flux.why", *HR, "--cluster", "canary", "-o", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["phase"] == "failing" and doc["cause"]["kind"] == "values-error"
    assert doc["next"]["argv"] == [
        "invoke", "flux.apply-values", "--release", "karpenter", "--cluster", "canary",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["hrr", "karpenter"], id="unknown-kind"),
        pytest.param(["hr", "Not_A_Name"], id="invalid-name"),
        pytest.param(["hr", "karpenter", "-o", "yaml"], id="unknown-output"),
        pytest.param(["hr", "karpenter", "--since", "an hour"], id="bad-duration"),
    ],
)
def test_why_refuses_bad_input_with_exit_4_before_the_cluster(env: Env, args: list[str]) -> None:
    env.seed(healthy())
    result = env.run("flux.why", *args, "--cluster", "canary")
    assert result.returncode == 4, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert env.fake.calls() == []


# ---------------------------------------------------------------- flux.status


def test_status_shows_the_cause_not_the_stalled_summary(env: Env) -> None:
    env.seed(replaced(s.upgrade_rolled_back("karpenter")))
    result = env.run("flux.status", "--cluster", "canary", "--wide")
    assert result.returncode == 1
    row = next(line for line in result.stdout.splitlines() if "kube-system/karpenter" in line)
    assert row.split()[3:6] == ["False", "failed", "1.0.1"]
    assert row.endswith(
        "Helm upgrade failed for release kube-system/karpenter with chart karpenter@1.0.2: "
        "timed out waiting for the condition"
    )
    assert "Failed to upgrade after" not in result.stdout


def test_status_cuts_the_message_to_the_terminal_width(env: Env) -> None:
    env.seed(replaced(s.upgrade_rolled_back("karpenter")))
    narrow = env.run("flux.status", "--cluster", "canary", env={"COLUMNS": "110"})
    assert all(len(line) <= 110 for line in narrow.stdout.splitlines()[:-1]), narrow.stdout
    assert "…" in narrow.stdout
    wide = env.run("flux.status", "--cluster", "canary", "--wide", env={"COLUMNS": "100"})
    assert "…" not in wide.stdout and "timed out waiting for the condition" in wide.stdout


def test_status_failed_kind_and_namespace_filters(env: Env) -> None:
    env.seed(replaced(s.values_error("karpenter"), s.git_repository("k8s-io", ready=False)))
    failed = env.run("flux.status", "--cluster", "canary", "--failed")
    assert [line.split()[1] for line in failed.stdout.splitlines()[1:-1]] == [
        "GitRepository", "HelmRelease",
    ]  # fmt: skip
    kind = env.run("flux.status", "--cluster", "canary", "-k", "hr")
    assert [line.split()[1] for line in kind.stdout.splitlines()[1:-1]] == ["HelmRelease"]
    namespace = env.run("flux.status", "--cluster", "canary", "-n", "kube-system", "--failed")
    assert [line.split()[2] for line in namespace.stdout.splitlines()[1:-1]] == [
        "kube-system/karpenter"
    ]
    assert kind.returncode == namespace.returncode == failed.returncode == 1


def test_status_lists_declared_objects_that_are_missing(env: Env) -> None:
    env.seed([o for o in healthy() if o["kind"] != "Kustomization"])
    result = env.run("flux.status", "--cluster", "canary")
    assert result.returncode == 1
    row = next(line for line in result.stdout.splitlines() if "flux-system/apps" in line)
    assert row.split()[:6] == ["*", "Kustomization", "flux-system/apps", "-", "missing", "-"]


def test_status_json_has_the_documented_shape(env: Env) -> None:
    env.seed(replaced(s.upgrade_rolled_back("karpenter")))
    result = env.run("flux.status", "--cluster", "canary", "-o", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert list(doc) == ["schemaVersion", "clusters", "items", "summary"]
    assert doc["clusters"] == [
        {"name": "canary", "context": CANARY, "reachable": True, "error": None}
    ]
    hr = next(i for i in doc["items"] if i["kind"] == "HelmRelease")
    assert list(hr) == [
        "cluster", "kind", "namespace", "name", "declared", "phase", "ready", "suspended",
        "revision", "message", "cause", "next",
    ]  # fmt: skip
    assert hr["phase"] == "failed" and hr["cause"]["kind"] == "retries-exhausted"
    assert hr["next"]["command"] == "invoke flux.recover-hr karpenter -n kube-system --cluster canary"
    assert doc["summary"] == {"declared": 4, "ready": 3, "notReady": 1, "unreachable": 0}


# ---------------------------------------------------------------- unreachable clusters


@pytest.mark.parametrize(
    ("mode", "advice"),
    [
        pytest.param("refused", "nothing answers at the cluster's API server", id="refused"),
        pytest.param("unauthorized", "refused your credentials", id="credentials"),
        pytest.param("no-context", "the kubeconfig has no context prow-canary-cluster", id="no-context"),
        pytest.param("bad-kubeconfig", "the kubeconfig cannot be read", id="bad-kubeconfig"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("task", [["flux.status"], ["flux.watch"], ["flux.why", *HR]])
def test_an_unreachable_cluster_is_exit_5_with_advice_that_fits(
    env: Env, mode: str, advice: str, task: list[str]
) -> None:
    env.fake.state_file.write_text(json.dumps(d.two_clusters({"unreachable": mode}, {})))
    result = env.run(*task, "--cluster", "canary")
    assert result.returncode == 5, result.stderr
    error = result.stderr.strip().splitlines()
    assert len(error) == 1
    assert error[0].startswith("cannot reach cluster canary (context prow-canary-cluster): ")
    assert advice in error[0]


def test_an_unreachable_cluster_during_apply_is_exit_5_too(env: Env) -> None:
    env.fake.state_file.write_text(json.dumps(d.two_clusters({"unreachable": "refused"}, {})))
    result = env.run("flux.apply-values", "--cluster", "canary")
    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith("cannot reach cluster canary (context prow-canary-cluster)")


# ---------------------------------------------------------------- --cluster all


def two(canary: dict[str, Any], prod: dict[str, Any]) -> str:
    return json.dumps(d.two_clusters(canary, prod))


def test_status_all_with_one_cluster_down_shows_the_other(env: Env) -> None:
    canary = {"objects": replaced(s.values_error("karpenter")), "deployments": d.flux_deployments()}
    env.fake.state_file.write_text(two(canary, {"unreachable": "refused"}))
    result = env.run("flux.status", "--cluster", "all", "--wide")
    assert result.returncode == 5
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["CLUSTER", "KIND"]
    assert {line.split()[0] for line in lines[1:-1]} == {"canary", "prod"}
    prod = next(line for line in lines if line.startswith("prod"))
    assert prod.split()[1:6] == ["-", "-", "-", "unreachable", "-"]
    assert "next" not in result.stderr
    assert result.stderr.strip().startswith("cannot reach cluster prod (context prow-build-cluster)")
    assert lines[-1] == "* declared in config/flux.yaml: canary 3 of 4 ready, prod unreachable"
    # each cluster through its own context, and no current-context check
    calls = env.fake.calls()
    assert {call[call.index("--context") + 1] for call in calls} == {CANARY, PROD}
    assert ["kubectl", "config", "current-context"] not in calls


def test_status_all_on_healthy_clusters_is_exit_0(env: Env) -> None:
    ready = {"objects": healthy()}
    env.fake.state_file.write_text(two(ready, ready))
    result = env.run("flux.status", "-o", "json", env={"PROW_ENV": "all"})
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [c["name"] for c in doc["clusters"]] == ["canary", "prod"]
    assert {i["cluster"] for i in doc["items"]} == {"canary", "prod"}


def test_why_all_names_each_cluster_in_its_next_command(env: Env) -> None:
    canary = {"objects": replaced(s.values_error("karpenter")), "deployments": d.flux_deployments()}
    prod = {"objects": replaced(s.upgrade_rolled_back("karpenter")), "deployments": d.flux_deployments()}
    env.fake.state_file.write_text(two(canary, prod))
    result = env.run("flux.why", *HR, "--cluster", "all")
    assert result.returncode == 1
    nexts = [line for line in result.stdout.splitlines() if line.startswith("next: ")]
    assert nexts == [
        "next: invoke flux.apply-values --release karpenter --cluster canary",
        "next: invoke flux.recover-hr karpenter -n kube-system --cluster prod",
    ]


def test_watch_all_with_one_cluster_down_waits_for_the_other(env: Env) -> None:
    env.fake.state_file.write_text(two({"objects": healthy()}, {"unreachable": "no-context"}))
    result = env.run("flux.watch", "--cluster", "all", "--interval", "10ms", "--timeout", "30s")
    assert result.returncode == 5, result.stderr
    assert "canary: ready after" in result.stdout
    assert "] cannot reach cluster prod (context prow-build-cluster)" in result.stdout
    assert result.stderr.strip().startswith("cannot reach cluster prod (context prow-build-cluster)")


@pytest.mark.parametrize(
    "task",
    [["flux.apply"], ["flux.suspend", *HR], ["flux.recover-hr", "karpenter"], ["flux.install"]],
)
def test_tasks_that_change_a_cluster_refuse_all_with_exit_3(env: Env, task: list[str]) -> None:
    env.seed(healthy())
    result = env.run(*task, "--cluster", "all")
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("this task changes one cluster at a time")
    assert env.fake.calls() == []


def test_all_with_context_is_exit_4(env: Env) -> None:
    result = env.run("flux.status", "--cluster", "all", "--context", CANARY)
    assert result.returncode == 4
    assert env.fake.calls() == []


# ---------------------------------------------------------------- flux.watch


def test_watch_fail_fast_ends_at_a_failing_kustomization(env: Env) -> None:
    env.seed(replaced(s.failing_health_check("apps")))
    result = env.run(
        "flux.watch", "--cluster", "canary", "--interval", "10ms", "--timeout", "30s",
        "--fail-fast",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Kustomization flux-system/apps: failing - health check failed" in result.stdout
    assert next_line(result.stdout) == (
        "next: invoke flux.why hr karpenter -n kube-system --cluster canary"
    )
    assert result.stderr.startswith("Kustomization flux-system/apps failing: health check failed")


def test_watch_without_fail_fast_reports_failing_once_and_runs_to_its_timeout(env: Env) -> None:
    env.seed(replaced(s.failing_health_check("apps")))
    result = env.run("flux.watch", "--cluster", "canary", "--interval", "10ms", "--timeout", "300ms")
    assert result.returncode == 124, result.stderr
    assert result.stdout.count("Kustomization flux-system/apps: failing") == 1
    assert "  Kustomization flux-system/apps: failing - health check failed" in result.stderr


def test_why_all_as_json_is_one_document_naming_the_cluster_that_is_down(env: Env) -> None:
    canary = {"objects": replaced(s.values_error("karpenter")), "deployments": d.flux_deployments()}
    env.fake.state_file.write_text(two(canary, {"unreachable": "timeout"}))
    result = env.run("flux.why", *HR, "--cluster", "all", "-o", "json")
    assert result.returncode == 5
    doc = json.loads(result.stdout)
    assert [(c["cluster"], c["reachable"]) for c in doc["clusters"]] == [
        ("canary", True), ("prod", False),
    ]  # fmt: skip
    assert doc["clusters"][0]["diagnosis"]["cause"]["kind"] == "values-error"
    assert doc["clusters"][1]["diagnosis"] is None
    assert doc["clusters"][1]["error"].startswith("cannot reach cluster prod")


def test_why_of_a_failing_source_reconciles_it(env: Env) -> None:
    env.seed(replaced(s.git_repository("k8s-io", ready=False)))
    result = env.run("flux.why", "git", "k8s-io", "--cluster", "canary")
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].startswith(
        "Cause: failed to checkout and determine revision"
    )
    assert next_line(result.stdout) == (
        "next: invoke flux.reconcile git k8s-io -n flux-system --cluster canary"
    )


def test_dry_run_on_all_clusters_prints_each_read_once_in_order(env: Env) -> None:
    env.fake.state_file.write_text(two({"objects": healthy()}, {"objects": healthy()}))
    for task in (["flux.status"], ["flux.watch"], ["flux.why", *HR]):
        result = env.run(*task, "--cluster", "all", "--dry-run")
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert all(line.startswith("would run: kubectl ") for line in lines), lines
        contexts = [line.rsplit("--context ", 1)[1] for line in lines]
        assert contexts == sorted(contexts, key=[CANARY, PROD].index)  # canary's, then prod's
        assert set(contexts) == {CANARY, PROD}
    assert env.fake.calls() == []


def _gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_ctrl_c_during_all_ends_at_once_and_leaves_no_kubectl_behind(env: Env) -> None:
    """The other clusters are read in other threads, which no signal reaches: the task kills
    their commands itself (a kubectl that hangs there, with a child of its own)."""
    env.fake.state_file.write_text(two({"objects": healthy()}, {"objects": healthy()}))
    hang = {"FLUXTASKS_FAKE_HANG": f"kubectl get @{PROD}", "FLUXTASKS_FAKE_HANG_AT": "start",
            "FLUXTASKS_FAKE_HANG_CHILD": "1", "FLUXTASKS_FAKE_HANG_MAX": "60"}  # fmt: skip
    proc = env.fake.start("flux.status", "--cluster", "all", config=env.config, env=hang)
    try:
        for _ in range(2000):  # the hanging kubectl says so in its marker file
            if env.fake.marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert env.fake.marker.exists(), "kubectl never hung"
        hung = [int(pid) for pid in env.fake.marker.read_text().split()]
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in the terminal: our process group only
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    for _ in range(500):  # SIGKILLed by the task; the child is reaped by init soon after
        if all(_gone(pid) for pid in hung):
            break
        time.sleep(0.01)
    assert len(hung) == 2 and all(_gone(pid) for pid in hung), hung
