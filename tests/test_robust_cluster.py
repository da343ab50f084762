"""Cluster faults with the fake flux/kubectl, beyond tests/test_cluster_tasks.py (which
covers a single transient kubectl failure during a watch, an unreachable cluster for
status, and a failing resume after recover-hr's suspend):

* kubectl failing for good in the middle of a watch, or from its first poll;
* objects disappearing during a watch (and coming back, or not);
* every failing release of recover-failed left suspended by a failing resume, each with
  the exact command to resume it, which works as printed (quoted) when run by hand;
* a release deleted between the suspend and the resume;
* Ctrl-C while a watch waits on kubectl;
* hostile names reaching flux/kubectl only as single argv entries, never a shell.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fakecluster import CANARY, PROD, flux_object, ready_obj, stalled_hr
from test_cluster_tasks import (  # the shared project tree and its fixtures
    CC,
    GET,
    RESUME_KARPENTER,
    SUSPEND_KARPENTER,
    WATCH,
    Env,
    declared_ready,
    env,
    replace,
    template,
)

from fluxtasks.cluster.objects import check_names
from fluxtasks.errors import InputError

__all__ = ["env", "template"]  # fixtures, imported for pytest


def in_progress(kind: str, name: str, namespace: str = "flux-system") -> dict[str, Any]:
    return flux_object(kind, name, namespace, generation=2, observed=1)


def ready_status(kind: str, name: str, namespace: str = "flux-system") -> dict[str, Any]:
    return {"status": ready_obj(kind, name, namespace, generation=2)["status"]}


def no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stdout + result.stderr


# ---------------------------------------------------------------- kubectl failing mid-watch


def test_watch_gives_up_when_kubectl_keeps_failing(env: Env) -> None:
    env.fake.seed(
        replace(declared_ready(), in_progress("Kustomization", "apps")), failGets=[2, 3, 4, 5, 6]
    )
    result = env.run(*WATCH)
    assert result.returncode == 5  # the cluster cannot be reached: not an object that fails
    no_traceback(result)
    assert env.fake.calls() == [CC] + [GET] * 5  # one good poll, 3 failures allowed, the 4th ends it
    polls = [line.split("] ", 1)[1] for line in result.stdout.splitlines() if "poll failed" in line]
    assert [p.split(":", 1)[0] for p in polls] == [
        f"poll failed ({n} of 3 in a row allowed)" for n in (1, 2, 3)
    ]
    error = result.stderr.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("cannot reach cluster canary"), error


def test_watch_counts_failures_in_a_row_only(env: Env) -> None:
    """Failures separated by good polls never add up to the limit."""
    env.fake.seed(
        replace(declared_ready(), in_progress("Kustomization", "apps")),
        failGets=[2, 3, 5, 6],
        script=[{"object": "Kustomization/flux-system/apps", "on": "tick", "after": 4,
                 "set": ready_status("Kustomization", "apps")}],
    )  # fmt: skip
    result = env.run(*WATCH)
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [CC] + [GET] * 8  # failing polls do not advance the fake's time
    assert result.stdout.count("polling again after 2 failed poll(s)") == 2


def test_watch_on_an_unreachable_cluster_is_one_error_line(env: Env) -> None:
    env.fake.seed(declared_ready(), unreachable=True)
    result = env.run(*WATCH)
    assert result.returncode == 5
    no_traceback(result)
    assert env.fake.calls() == [CC, GET]
    assert len(result.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- objects disappearing


def test_object_deleted_then_recreated_during_a_watch(env: Env) -> None:
    env.fake.seed(
        replace(declared_ready(), in_progress("Kustomization", "apps")),
        script=[
            {"object": "Kustomization/flux-system/apps", "on": "tick", "after": 2, "delete": True},
            {"object": "Kustomization/flux-system/apps", "on": "tick", "after": 4,
             "set": {"metadata": {"generation": 2}, **ready_status("Kustomization", "apps")}},
        ],
    )  # fmt: skip
    result = env.run(*WATCH)
    assert result.returncode == 0, result.stderr
    states = [
        line.split("] ", 1)[1].split(" - ")[0]
        for line in result.stdout.splitlines()
        if "Kustomization flux-system/apps" in line
    ]
    assert states == [
        "Kustomization flux-system/apps: in progress",
        "Kustomization flux-system/apps: missing",
        "Kustomization flux-system/apps: ready",
    ]


def test_object_deleted_for_good_times_out_listing_it_as_missing(env: Env) -> None:
    """Deleted as the first poll reads: whatever the number of polls a loaded machine fits
    into the timeout, each of them finds it missing (deleted after the 2nd poll, a slow
    first poll used to leave no time for a 2nd, and the test saw it "in progress")."""
    env.fake.seed(
        replace(declared_ready(), in_progress("Kustomization", "apps")),
        script=[{"object": "Kustomization/flux-system/apps", "on": "tick", "after": 1, "delete": True}],
    )
    result = env.run(*WATCH, "--timeout", "300ms")
    assert result.returncode == 124
    no_traceback(result)
    assert result.stderr.splitlines() == [
        "timed out after 300ms; still pending:",
        "  Kustomization flux-system/apps: missing - not found in the cluster",
    ]


def test_release_deleted_between_suspend_and_resume(env: Env) -> None:
    """flux resume of a missing object prints ✗ but exits 0: the task must not call that
    a success, and must not wait for a release that is gone."""
    env.fake.seed(
        replace(declared_ready(), stalled_hr("karpenter")),
        script=[{"object": "HelmRelease/kube-system/karpenter", "on": "suspend", "after": 0, "delete": True}],
    )
    result = env.run("flux.recover-hr", "karpenter", "--cluster", "canary", "--interval", "10ms",
                     "--timeout", "300ms")  # fmt: skip
    assert result.returncode == 1
    no_traceback(result)
    assert env.fake.calls()[:4] == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER]
    assert "still failing  HelmRelease kube-system/karpenter" in result.stdout
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter") is None


# ---------------------------------------------------------------- suspend ok, resume fails


def test_recover_failed_reports_every_release_left_suspended_with_its_command(env: Env) -> None:
    objects = [*declared_ready(), stalled_hr("other", "apps")]
    env.fake.seed(replace(objects, stalled_hr("karpenter")))
    result = env.run("flux.recover-failed", "--cluster", "canary", "--interval", "10ms",
                     env={"FLUXTASKS_FAKE_FAIL": "flux resume"})  # fmt: skip
    assert result.returncode == 1
    no_traceback(result)
    for namespace, name in (("apps", "other"), ("kube-system", "karpenter")):
        command = f"flux resume helmrelease {name} -n {namespace} --context {CANARY}"
        assert f"HelmRelease {namespace}/{name} may still be suspended" in result.stdout
        assert f"resume it with: {command}" in result.stdout
        assert f"still failing  HelmRelease {namespace}/{name}: still suspended" in result.stdout
        assert env.fake.obj("HelmRelease", namespace, name)["spec"]["suspend"] is True  # type: ignore[index]
    assert result.stderr.strip() == f"2 HelmRelease(s) still failing on cluster canary (context {CANARY})"


def test_printed_resume_command_works_as_is_even_with_an_odd_kubeconfig(env: Env, tmp_path: Path) -> None:
    """The command is shell-quoted: pasted into a shell it resumes the release."""
    kubeconfig = tmp_path / "my configs" / "kube $HOME 'prod'.yaml"
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
    result = env.run("flux.recover-hr", "karpenter", "--cluster", "canary", "--interval", "10ms",
                     "--kubeconfig", str(kubeconfig), env={"FLUXTASKS_FAKE_FAIL": "flux resume"})  # fmt: skip
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if "resume it with: " in line)
    command = line.split("resume it with: ", 1)[1]
    assert shlex.split(command) == [
        "flux", "resume", "helmrelease", "karpenter", "-n", "kube-system",
        "--context", CANARY, "--kubeconfig", str(kubeconfig),
    ]  # fmt: skip
    by_hand = subprocess.run(
        ["/bin/sh", "-c", command], env=env.fake.full_env(None), capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert by_hand.returncode == 0, by_hand.stderr
    assert "suspend" not in env.fake.obj("HelmRelease", "kube-system", "karpenter")["spec"]  # type: ignore[index]


# ---------------------------------------------------------------- several clusters


def test_a_task_changes_only_the_cluster_of_its_context(env: Env) -> None:
    """Both clusters in one fake state (a `clusters` map keyed by kube context)."""
    env.fake.seed(context=PROD, clusters={CANARY: {"objects": declared_ready()}, PROD: {"objects": declared_ready()}})
    result = env.run("flux.suspend", "hr", "karpenter", "--cluster", "prod")
    assert result.returncode == 0, result.stderr
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter", context=PROD)["spec"]["suspend"] is True  # type: ignore[index]
    assert env.fake.obj("HelmRelease", "kube-system", "karpenter", context=CANARY) == ready_obj("HelmRelease", "karpenter", "kube-system")
    assert env.fake.cluster() == env.fake.cluster(PROD)  # by default, the current context's


# ---------------------------------------------------------------- kubectl hanging


def ended(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet: either way it runs no more."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def test_watch_returns_at_its_timeout_while_kubectl_hangs(env: Env) -> None:
    """A poll may only take the time left of the wait: a kubectl get that hangs (with a child
    of its own, like a kubeconfig credential plugin) is killed with its whole process group
    at the deadline, and the watch ends as a timeout with what the last good poll saw."""
    env.fake.seed(replace(declared_ready(), in_progress("Kustomization", "apps")))
    hang = {"FLUXTASKS_FAKE_HANG": "kubectl get", "FLUXTASKS_FAKE_HANG_SKIP": "1",
            "FLUXTASKS_FAKE_HANG_AT": "start", "FLUXTASKS_FAKE_HANG_CHILD": "1"}  # fmt: skip
    # 3s: the first poll may take up to that long on a loaded machine; the hang outlives
    # the run's 60s limit
    result = env.run(*WATCH, "--timeout", "3s", env=hang)
    assert result.returncode == 124, result.stderr
    no_traceback(result)
    assert result.stderr.splitlines() == [
        "timed out after 3s; still pending:",
        "  Kustomization flux-system/apps: in progress - generation 2 not yet observed (observed: 1)",
    ]
    assert env.fake.calls() == [CC, GET, GET]
    hung = [int(pid) for pid in env.fake.marker.read_text().split()]
    assert len(hung) == 2 and all(ended(pid) for pid in hung), hung


def test_a_command_outliving_the_configured_limit_is_exit_124_naming_the_cluster(env: Env) -> None:
    """Outside a wait each command gets the runner's limit, which Invoke's config
    `flux.command_timeout` (here INVOKE_FLUX_COMMAND_TIMEOUT) replaces."""
    env.fake.seed(declared_ready())
    hang = {"FLUXTASKS_FAKE_HANG": "kubectl get", "FLUXTASKS_FAKE_HANG_AT": "start"}
    result = env.run("flux.status", "--cluster", "canary", env={**hang, "INVOKE_FLUX_COMMAND_TIMEOUT": "1s"})
    assert result.returncode == 124
    assert result.stderr == (
        f"cannot read Flux objects from cluster canary (context {CANARY}): no answer within 1s; killed\n"
    )
    assert all(ended(int(pid)) for pid in env.fake.marker.read_text().split())


def test_an_invalid_command_timeout_is_exit_4_before_the_cluster(env: Env) -> None:
    env.fake.seed(declared_ready())
    result = env.run("flux.status", "--cluster", "canary", env={"INVOKE_FLUX_COMMAND_TIMEOUT": "soon"})
    assert result.returncode == 4
    assert result.stderr == "flux.command_timeout: invalid duration 'soon' (Go form, e.g. 30s, 5m, 1h30m)\n"
    assert env.fake.calls() == []


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_while_watch_waits_on_kubectl_is_exit_130(env: Env) -> None:
    env.fake.seed(replace(declared_ready(), in_progress("Kustomization", "apps")))
    proc = env.fake.start(*WATCH, config=env.config, env={"FLUXTASKS_FAKE_HANG": "kubectl get"})
    try:
        deadline = time.monotonic() + 20
        while not env.fake.marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert env.fake.marker.exists(), "kubectl get never ran"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err and "poll failed" not in out


# ---------------------------------------------------------------- hostile names


HOSTILE_NAMES = ["--all", "-n", "x; touch pwned", "$(touch pwned)", "`touch pwned`", "a b", "x\ny", "Web", ""]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_names_no_object_can_have_are_input_errors(name: str) -> None:
    with pytest.raises(InputError) as caught:
        check_names(name, None)
    assert caught.value.lines == [f"{name!r} is not a valid object name (RFC 1123: a-z, 0-9, '-', '.')"]
    with pytest.raises(InputError):
        check_names("web", name)
    check_names("web.v2", "apps")


@pytest.mark.parametrize("task", ["flux.suspend", "flux.resume", "flux.reconcile"])
def test_flag_like_name_is_refused_before_the_cluster(env: Env, task: str) -> None:
    """`flux suspend hr --all` would suspend every release: a name must be a name."""
    env.fake.seed(declared_ready())
    result = env.run(task, "hr", "--resource=--all", "-n", "apps", "--cluster", "canary")
    assert result.returncode == 4, result.stderr
    no_traceback(result)
    assert result.stderr == "'--all' is not a valid object name (RFC 1123: a-z, 0-9, '-', '.')\n"
    result = env.run(task, "hr", "web", "--namespace=--all-namespaces", "--cluster", "canary")
    assert result.returncode == 4 and "is not a valid namespace" in result.stderr
    assert env.fake.calls() == []


def test_free_text_options_reach_the_clis_as_single_arguments(env: Env, tmp_path: Path) -> None:
    context = "$(touch pwned); `touch pwned` --all"
    kubeconfig = str(tmp_path / "dir with spaces" / "$HOME;x.yaml")
    env.fake.seed(declared_ready())
    result = env.run("flux.suspend", "hr", "karpenter", "--cluster", "canary",
                     "--context", context, "--kubeconfig", kubeconfig)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert env.fake.calls() == [
        ["flux", "suspend", "helmrelease", "karpenter", "-n", "kube-system",
         "--context", context, "--kubeconfig", kubeconfig],
    ]  # fmt: skip
    for folder in (env.root, env.fake.base, tmp_path, Path.cwd()):
        assert not (folder / "pwned").exists()


def test_hostile_context_from_the_config_is_compared_never_run(env: Env, tmp_path: Path) -> None:
    config = env.config.read_text().replace(
        "canary: {context: prow-canary-cluster}", "canary: {context: '$(touch pwned); --kubeconfig=/etc/passwd'}"
    )
    env.config.write_text(config)
    env.fake.seed(declared_ready())
    result = env.run("flux.status", "--cluster", "canary")
    assert result.returncode == 3
    no_traceback(result)
    assert "refusing to touch cluster canary" in result.stderr
    assert env.fake.calls() == [CC]
    assert not (env.root / "pwned").exists() and not (env.fake.base / "pwned").exists()
