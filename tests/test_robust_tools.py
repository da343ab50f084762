"""Hung and noisy tools, the wrong cluster, nonsense values — for every cluster task.

* a kubectl or flux call that hangs (with a child of its own, like a kubeconfig
  credential plugin) is killed at its time limit with its whole process group: the task
  ends in one line, and no process it started outlives it;
* megabytes of warnings on a tool's stderr reach the user as head, tail and a note;
* a tool's error of several lines is shown whole, indented;
* JSON from kubectl nested deeper than Python can read is one line, not a traceback;
* `--context` naming another declared cluster's context is refused (exit 3), nothing runs;
* an interval or timeout of zero or less, in the config or as an option, is exit 4.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
import pytest
from fakecluster import CANARY, PROD, FakeCluster, stalled_hr
from test_cluster_tasks import TASKS, Env, declared_ready, env, replace, template
from test_robust_cluster import ended

from conftest import MINIMAL_CONFIG, Tree

__all__ = ["env", "template"]  # fixtures, imported for pytest

HANG = {
    "FLUXTASKS_FAKE_HANG": "kubectl;flux",
    "FLUXTASKS_FAKE_HANG_AT": "start",
    "FLUXTASKS_FAKE_HANG_CHILD": "1",
    "INVOKE_FLUX_COMMAND_TIMEOUT": "2s",  # a fake starting on a loaded machine still fits
}


def test_every_cluster_task_ends_when_its_tool_hangs_and_leaves_nothing_running(
    template: Path, tmp_path: Path
) -> None:
    """All tasks at once (each with its own fake cluster): the hung calls sleep, so this
    takes about one time limit, not one per task."""
    runs: dict[str, tuple[FakeCluster, subprocess.Popen[str]]] = {}
    for task, args in TASKS.items():
        if task == "reconcile":  # flux reconcile's limit is its own --timeout and as much again
            args = [*args, "--timeout", "2s"]
        root = tmp_path / task / "project"
        shutil.copytree(template, root, symlinks=True)
        fake = FakeCluster(tmp_path / task / "fake")
        fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
        config = root / "config" / "flux.yaml"
        runs[task] = fake, fake.start(*args, "--cluster", "canary", "--context", CANARY, config=config, env=HANG)
    for task, (fake, proc) in runs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 124, (task, err)
        assert "Traceback" not in err and re.search(r"no answer within [24]s; killed", err), (task, err)
        assert len([line for line in err.splitlines() if not line.startswith(" ")]) == 1, (task, err)
        hung = [int(pid) for pid in fake.marker.read_text().split()]
        assert len(hung) == 2 and all(ended(pid) for pid in hung), (task, hung)


def test_megabytes_of_warnings_are_cut_to_head_and_tail(env: Env) -> None:
    """flux reconcile's progress is passed through as it comes: 20 MB of klog warnings
    before it must not be (nor kept in memory)."""
    env.fake.seed(declared_ready())
    noise = {"FLUXTASKS_FAKE_NOISE": "flux reconcile", "FLUXTASKS_FAKE_NOISE_MB": "20"}
    result = env.run("flux.reconcile", "ks", "apps", "--cluster", "canary", env=noise)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(result.stderr) < 40_000 and len(lines) < 130
    cut = [line for line in lines if line.startswith("… ") and line.endswith(" cut …")]
    assert len(cut) == 1 and "MB) cut" in cut[0]
    assert lines[-1].startswith("✔ applied revision")  # the tail, where the verdict is


def test_a_noisy_failure_is_one_line_naming_the_cause(env: Env) -> None:
    env.fake.seed(declared_ready())
    noisy = {"FLUXTASKS_FAKE_NOISE": "kubectl get", "FLUXTASKS_FAKE_NOISE_MB": "50", "FLUXTASKS_FAKE_FAIL": "kubectl get"}
    result = env.run("flux.status", "--cluster", "canary", env=noisy)
    assert result.returncode == 1
    assert result.stderr == f"cannot read Flux objects from cluster canary (context {CANARY}): error: simulated failure\n"


def test_a_multi_line_tool_error_is_shown_whole_and_indented(env: Env) -> None:
    env.fake.seed(declared_ready())
    failing = {"FLUXTASKS_FAKE_FAIL": "kubectl apply", "FLUXTASKS_FAKE_FAIL_STYLE": "multiline"}
    result = env.run("flux.apply-helm-releases", "--cluster", "canary", env=failing)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "kubectl apply --server-side: Error from server (Invalid): error when applying patch:",
        '  {"spec":{"interval":"5"}}',
        "  to:",
        '  Resource: "helm.toolkit.fluxcd.io/v2, Resource=helmreleases", GroupVersionKind: "helm.toolkit.fluxcd.io/v2, Kind=HelmRelease"',
        '  Name: "karpenter", Namespace: "kube-system"',
        '  for: "STDIN": error when patching "STDIN": HelmRelease.helm.toolkit.fluxcd.io "karpenter" is invalid: '
        "spec.interval: Invalid value: \"5\": spec.interval in body should match '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$'",
    ]


@pytest.mark.parametrize("task", ["flux.status", "flux.watch"])
def test_json_nested_too_deep_is_one_line(env: Env, task: str) -> None:
    env.fake.seed(declared_ready())
    result = env.run(task, "--cluster", "canary", env={"FLUXTASKS_FAKE_DEEP_JSON": "kubectl get"})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert "nested too deep" in result.stderr or "not JSON" in result.stderr


# ---------------------------------------------------------------- the wrong cluster


def run_together(env: Env, runs: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Start every run at once (they only start up and refuse), then collect exit and stderr."""
    procs = {name: env.fake.start(*args, config=env.config) for name, args in runs.items()}
    out = {}
    for name, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        out[name] = (proc.returncode, err)
    return out


def test_the_context_of_another_declared_cluster_is_refused_by_every_task(env: Env) -> None:
    """--cluster canary with prod's context would run canary's task on prod."""
    env.fake.seed(declared_ready())
    runs = {task: [*args, "--cluster", "canary", "--context", PROD] for task, args in TASKS.items()}
    refusal = (
        f"refusing --context '{PROD}' for cluster canary: it is the context of cluster prod in "
        f"config/flux.yaml; pass --cluster prod to work on prod, or a context that reaches canary\n"
    )
    assert run_together(env, runs) == {task: (3, refusal) for task in TASKS}
    assert env.fake.calls() == []


def test_a_context_no_cluster_declares_is_still_taken(env: Env) -> None:
    env.fake.seed(declared_ready(), contexts=[CANARY, "canary-admin"])
    result = env.run("flux.suspend", "hr", "karpenter", "--cluster", "canary", "--context", "canary-admin")
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- nonsense values


@pytest.mark.parametrize(("written", "value"), [("-5m", "-5m"), ("0s", "0s"), ('"0"', "0")])
def test_an_interval_of_zero_or_less_in_the_config_is_refused_at_its_line(tree: Tree, written: str, value: str) -> None:
    tree.write_config(MINIMAL_CONFIG.replace("interval: 5m", f"interval: {written}"))
    before = tree.snapshot()
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert done.stderr == (
        f"config/flux.yaml:6:13: defaults.interval: '{value}' is not a positive duration: use e.g. 30s, 5m, 1h30m\n"
    )
    assert tree.snapshot() == before


def test_a_kustomization_timeout_of_zero_is_refused_at_its_line(tree: Tree) -> None:
    tree.write_config(MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, wait: true, timeout: 0s}"))
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert done.stderr == (
        "config/flux.yaml:12:39: kustomizations[0].timeout: '0s' is not a positive duration: use e.g. 30s, 5m, 1h30m\n"
    )


ZERO_OR_LESS = [
    (["flux.watch"], "--timeout", "0s"),
    (["flux.watch"], "--interval", "-1m"),
    (["flux.resume", "hr", "karpenter"], "--timeout", "0s"),
    (["flux.resume", "hr", "karpenter"], "--interval", "0ms"),
    (["flux.reconcile", "ks", "apps"], "--timeout", "-1s"),
    (["flux.install"], "--timeout", "0s"),
    (["flux.recover-hr", "karpenter"], "--timeout", "-5m"),
    (["flux.recover-failed"], "--interval", "0s"),
]


def test_a_timeout_or_interval_of_zero_or_less_is_refused_before_the_cluster(env: Env) -> None:
    env.fake.seed(declared_ready())
    runs = {f"{a[0]} {o} {v}": [*a, "--cluster", "canary", o, v] for a, o, v in ZERO_OR_LESS}
    assert run_together(env, runs) == {
        f"{a[0]} {o} {v}": (4, f"{o}: must be a positive duration (e.g. 30s, 5m), got {v!r}\n")
        for a, o, v in ZERO_OR_LESS
    }
    assert env.fake.calls() == []


def test_every_timeout_and_interval_option_is_checked() -> None:
    """Unit level, every pair: the option parser every task uses."""
    from fluxtasks.errors import InputError
    from fluxtasks.tasks._edge import seconds

    for value in ("0s", "0", "-1m", "-0.5s", "0.0h"):
        with pytest.raises(InputError):
            seconds(value, "--timeout")
    assert seconds("1ms", "--interval") == 0.001

