"""The cluster library without Invoke: cluster selection, the exact argv of every command,
waiting, and recovery — with an in-process runner that records argv and answers from a
script."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from fakecluster import (
    CANARY,
    CURRENT_CONTEXT,
    PROD,
    STATUS_KINDS,
    cond,
    flux_object,
    get_status,
    list_json,
    make_config,
    make_runner,
    ready_obj,
    stalled_hr,
)

from fluxtasks.cluster import apply as apply_mod
from fluxtasks.cluster.install import components_source, install
from fluxtasks.cluster.objects import reconcile, resume, suspend
from fluxtasks.cluster.recover import (
    InterruptShield,
    Strategy,
    is_failing_release,
    recover,
    recover_all_failed,
    select_failing,
    suspend_then_resume,
)
from fluxtasks.cluster.status import parse_object
from fluxtasks.cluster.target import ClusterTarget, connect, select_cluster
from fluxtasks.cluster.values import apply_values, plan_values
from fluxtasks.cluster.watch import Outcome, wait_for
from fluxtasks.config.model import ClusterValues, HelmRelease, ObjectRef
from fluxtasks.errors import (
    CheckFailed,
    ClusterSelectionError,
    CommandFailed,
    InputError,
    ToolError,
)
from fluxtasks.flux import KINDS, resolve_kind

TARGET = ClusterTarget("canary", CANARY)


class Clock:
    """Fake monotonic time: sleeping advances it, so waits take no real time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def polls(*answers: Any) -> Any:
    """A responder answering the status `kubectl get` with one answer per poll (the last
    repeats): a list of objects, or an exception to raise; anything else succeeds empty."""
    queue = list(answers)

    def respond(argv: list[str], input: str | None) -> tuple[int, str, str]:
        if STATUS_KINDS in argv:
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(answer, Exception):
                raise answer
            return 0, list_json(*answer), ""
        return 0, "", ""

    return respond


# ---------------------------------------------------------------- cluster selection


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        pytest.param("prod", {"PROW_ENV": "canary"}, "prod", id="option-wins-over-PROW_ENV"),
        pytest.param(None, {"PROW_ENV": "canary"}, "canary", id="PROW_ENV-fallback"),
        pytest.param("", {"PROW_ENV": "prod"}, "prod", id="empty-option-falls-back"),
    ],
)
def test_select_cluster(
    tmp_path: Path, option: str | None, env: dict[str, str], expected: str
) -> None:
    assert select_cluster(make_config(tmp_path), option, env).name == expected


@pytest.mark.parametrize(
    ("option", "env", "message"),
    [
        pytest.param(
            None,
            {},
            "no cluster selected: pass --cluster NAME or set PROW_ENV (clusters: canary, prod)",
            id="none",
        ),
        pytest.param(None, {"PROW_ENV": ""}, "no cluster selected", id="empty-PROW_ENV"),
        pytest.param(
            "staging",
            {},
            "unknown cluster 'staging' from --cluster (clusters: canary, prod)",
            id="unknown-option",
        ),
        pytest.param(
            None, {"PROW_ENV": "dev"}, "unknown cluster 'dev' from PROW_ENV", id="unknown-env"
        ),
    ],
)
def test_select_cluster_refuses_with_exit_3(
    tmp_path: Path, option: str | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ClusterSelectionError) as err:
        select_cluster(make_config(tmp_path), option, env)
    assert err.value.exit_code == 3
    assert message in err.value.lines[0]


def test_connect_checks_the_current_context(tmp_path: Path) -> None:
    runner = make_runner(lambda argv, _: (0, f"{CANARY}\n", ""))
    target = connect(make_config(tmp_path), runner, cluster="canary", environ={})
    assert target == TARGET
    assert runner.calls == [tuple(CURRENT_CONTEXT)]


def test_connect_refuses_another_context(tmp_path: Path) -> None:
    runner = make_runner(lambda argv, _: (0, f"{PROD}\n", ""))
    with pytest.raises(ClusterSelectionError) as err:
        connect(make_config(tmp_path), runner, cluster="canary", environ={})
    assert (
        "current kube context is 'prow-build-cluster', not 'prow-canary-cluster'"
        in err.value.lines[0]
    )
    assert "kubectl config use-context prow-canary-cluster" in err.value.lines[0]


def test_connect_without_current_context(tmp_path: Path) -> None:
    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        return 1, "", "error: current-context is not set\n"

    with pytest.raises(ClusterSelectionError) as err:
        connect(make_config(tmp_path), make_runner(respond), cluster="canary", environ={})
    assert "current-context is not set" in err.value.lines[0]


def test_context_override_skips_the_check_and_kubeconfig_is_passed(tmp_path: Path) -> None:
    runner = make_runner()
    target = connect(
        make_config(tmp_path),
        runner,
        cluster="prod",
        context="admin@prod",
        kubeconfig="/k",
        environ={},
    )
    assert runner.calls == []
    assert target.kubectl("get", "ns") == [
        "kubectl",
        "get",
        "ns",
        "--context",
        "admin@prod",
        "--kubeconfig",
        "/k",
    ]
    assert target.flux("version") == [
        "flux",
        "version",
        "--context",
        "admin@prod",
        "--kubeconfig",
        "/k",
    ]


def test_kubeconfig_reaches_the_context_check(tmp_path: Path) -> None:
    runner = make_runner(lambda argv, _: (0, f"{CANARY}\n", ""))
    connect(make_config(tmp_path), runner, cluster="canary", kubeconfig="/k", environ={})
    assert runner.calls == [("kubectl", "config", "current-context", "--kubeconfig", "/k")]


def test_dry_run_prints_the_context_check_and_trusts_it(tmp_path: Path) -> None:
    runner = make_runner(dry_run=True)
    assert connect(make_config(tmp_path), runner, cluster="canary", environ={}) == TARGET
    assert runner.calls == [tuple(CURRENT_CONTEXT)]


# ---------------------------------------------------------------- exact argv

HR = KINDS["HelmRelease"]
KS = KINDS["Kustomization"]
GIT = KINDS["GitRepository"]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(
            lambda r: suspend(TARGET, r, HR, "karpenter", "kube-system"),
            [
                [
                    "flux",
                    "suspend",
                    "helmrelease",
                    "karpenter",
                    "-n",
                    "kube-system",
                    "--context",
                    CANARY,
                ]
            ],
            id="suspend-helmrelease",
        ),
        pytest.param(
            lambda r: suspend(TARGET, r, GIT, "k8s-io", "flux-system"),
            [
                [
                    "flux",
                    "suspend",
                    "source",
                    "git",
                    "k8s-io",
                    "-n",
                    "flux-system",
                    "--context",
                    CANARY,
                ]
            ],
            id="suspend-source-git",
        ),
        pytest.param(
            lambda r: resume(TARGET, r, KS, "apps", "flux-system", timeout=0, interval=0),
            [
                [
                    "flux",
                    "resume",
                    "kustomization",
                    "apps",
                    "-n",
                    "flux-system",
                    "--wait=false",
                    "--context",
                    CANARY,
                ],
                get_status(),
            ],
            id="resume-passes-wait-false-then-reads-status",
        ),
        pytest.param(
            lambda r: reconcile(TARGET, r, KS, "apps", "flux-system"),
            [
                [
                    "flux",
                    "reconcile",
                    "kustomization",
                    "apps",
                    "-n",
                    "flux-system",
                    "--context",
                    CANARY,
                ]
            ],
            id="reconcile-kustomization",
        ),
        pytest.param(
            lambda r: reconcile(
                TARGET, r, HR, "karpenter", "kube-system", with_source=True, timeout="2m"
            ),
            [
                [
                    "flux",
                    "reconcile",
                    "helmrelease",
                    "karpenter",
                    "-n",
                    "kube-system",
                    "--with-source",
                    "--timeout",
                    "2m",
                    "--context",
                    CANARY,
                ]
            ],
            id="reconcile-with-source-and-timeout",
        ),
        pytest.param(
            lambda r: suspend_then_resume(TARGET, r, "karpenter", "kube-system", lambda _: None),
            [
                [
                    "flux",
                    "suspend",
                    "helmrelease",
                    "karpenter",
                    "-n",
                    "kube-system",
                    "--context",
                    CANARY,
                ],
                [
                    "flux",
                    "resume",
                    "helmrelease",
                    "karpenter",
                    "-n",
                    "kube-system",
                    "--wait=false",
                    "--context",
                    CANARY,
                ],
            ],
            id="recover-suspend-resume",
        ),
    ],
)
def test_exact_argv(call: Any, expected: list[list[str]]) -> None:
    runner = make_runner(polls([ready_obj("Kustomization", "apps")]))
    call(runner)
    assert [list(c) for c in runner.calls] == expected


def test_reset_argv_carries_the_timeout() -> None:
    handled = {"lastHandledReconcileAt": "2024-01-01T00:00:00Z"}
    runner = make_runner(
        polls([ready_obj("HelmRelease", "karpenter", "kube-system", status=handled)])
    )
    obj = parse_object(stalled_hr("karpenter"))
    assert obj is not None
    recover(TARGET, runner, [obj], strategy=Strategy.RESET, timeout=90, interval=0)
    assert [list(c) for c in runner.calls] == [
        [
            "flux",
            "reconcile",
            "helmrelease",
            "karpenter",
            "-n",
            "kube-system",
            "--reset",
            "--timeout",
            "1m30s",
            "--context",
            CANARY,
        ],
        get_status(),
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("hr", "HelmRelease"), ("HelmRelease", "HelmRelease"), ("ks", "Kustomization"), ("git", "GitRepository"),
     ("source git", "GitRepository"), ("helm", "HelmRepository"), ("OCIRepository", "OCIRepository")],
)  # fmt: skip
def test_resolve_kind(text: str, kind: str) -> None:
    assert resolve_kind(text).kind == kind


def test_unknown_kind_is_input_error() -> None:
    with pytest.raises(InputError) as err:
        resolve_kind("deployment")
    assert err.value.exit_code == 4


def test_with_source_only_for_ks_and_hr() -> None:
    with pytest.raises(InputError):
        reconcile(TARGET, make_runner(), GIT, "k8s-io", "flux-system", with_source=True)


# ---------------------------------------------------------------- flux's exit-0 failures


@pytest.mark.parametrize(
    ("verb", "stderr"),
    [
        pytest.param("suspend", "✗ HelmRelease nope not found in apps namespace\n", id="suspend"),
        pytest.param(
            "resume", "✗ HelmRelease object 'nope' not found in apps namespace\n", id="resume-v2.5"
        ),
        pytest.param(
            "resume", "✗ no HelmRelease objects found in apps namespace\n", id="resume-before-v2.5"
        ),
    ],
)
def test_missing_object_with_exit_0_is_a_failure(verb: str, stderr: str) -> None:
    runner = make_runner(lambda argv, _: (0, "", stderr))
    with pytest.raises(CheckFailed) as err:
        if verb == "suspend":
            suspend(TARGET, runner, HR, "nope", "apps")
        else:
            resume(TARGET, runner, HR, "nope", "apps", timeout=0, interval=0)
    assert err.value.lines == [
        "HelmRelease apps/nope not found on cluster canary (context prow-canary-cluster)"
    ]
    assert len(runner.calls) == 1  # no wait after a failed resume


def test_reconcile_failure_passes_progress_and_hints() -> None:
    seen: list[str] = []
    runner = make_runner(lambda argv, _: (1, "", "► annotating\n✗ resource is suspended\n"))
    with pytest.raises(CheckFailed) as err:
        reconcile(TARGET, runner, HR, "karpenter", "kube-system", progress=seen.append)
    assert seen == ["► annotating", "✗ resource is suspended"]
    assert (
        "resume it first: invoke flux.resume helmrelease karpenter -n kube-system"
        in err.value.lines[0]
    )


# ---------------------------------------------------------------- waiting


def test_wait_prints_each_change_once_and_polls_once_per_round() -> None:
    clock = Clock()
    in_progress = flux_object("Kustomization", "apps", generation=2, observed=1)
    runner = make_runner(
        polls([in_progress], [in_progress], [ready_obj("Kustomization", "apps", generation=2)])
    )
    lines: list[str] = []
    result = wait_for(TARGET, runner, [("Kustomization", "flux-system", "apps")], timeout=60, interval=5,
                      say=lines.append, clock=clock, sleep=clock.sleep)  # fmt: skip
    assert result.outcome is Outcome.READY
    assert len(runner.calls) == 3
    assert lines == [
        "[0.0s] Kustomization flux-system/apps: in progress - generation 2 not yet observed (observed: 1)",
        "[10.0s] Kustomization flux-system/apps: ready - Applied revision: main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9",
    ]


def test_wait_stops_at_the_first_failure() -> None:
    clock = Clock()
    runner = make_runner(
        polls([stalled_hr("a"), flux_object("Kustomization", "apps", generation=2, observed=1)])
    )
    keys = [("HelmRelease", "kube-system", "a"), ("Kustomization", "flux-system", "apps")]
    result = wait_for(TARGET, runner, keys, timeout=60, interval=5, clock=clock, sleep=clock.sleep)
    assert result.outcome is Outcome.FAILED
    assert [o.message for o in result.failed] == ["Failed to upgrade after 1 attempt(s)"]
    assert len(runner.calls) == 1


def test_wait_times_out_with_the_pending_list() -> None:
    clock = Clock()
    runner = make_runner(
        polls(
            [
                flux_object(
                    "Kustomization", "apps", conditions=[cond("Ready", "False", "", "building")]
                )
            ]
        )
    )
    keys = [("Kustomization", "flux-system", "apps"), ("GitRepository", "flux-system", "gone")]
    result = wait_for(TARGET, runner, keys, timeout=12, interval=5, clock=clock, sleep=clock.sleep)
    assert result.outcome is Outcome.TIMEOUT
    assert [(o.key[2], o.phase, o.message) for o in result.pending] == [
        ("apps", "in progress", "building"),
        ("gone", "missing", "not found in the cluster"),
    ]
    assert clock.sleeps == [5, 5, 2]  # never sleeps past the deadline


def test_settle_mode_waits_for_every_object() -> None:
    clock = Clock()
    pending = flux_object("HelmRelease", "b", "kube-system", generation=2, observed=1)
    runner = make_runner(
        polls(
            [stalled_hr("a"), pending],
            [stalled_hr("a"), ready_obj("HelmRelease", "b", "kube-system")],
        )
    )
    keys = [("HelmRelease", "kube-system", "a"), ("HelmRelease", "kube-system", "b")]
    result = wait_for(
        TARGET,
        runner,
        keys,
        timeout=60,
        interval=1,
        stop_on_failure=False,
        clock=clock,
        sleep=clock.sleep,
    )
    assert result.outcome is Outcome.FAILED
    assert result.final[keys[1]].phase == "ready"
    assert len(runner.calls) == 2


def test_unhandled_reconcile_request_is_not_an_answer() -> None:
    clock = Clock()
    before = stalled_hr("a", status={"lastHandledReconcileAt": "t0"})
    after = ready_obj("HelmRelease", "a", "kube-system", status={"lastHandledReconcileAt": "t1"})
    runner = make_runner(polls([before], [after]))
    key = ("HelmRelease", "kube-system", "a")
    result = wait_for(
        TARGET,
        runner,
        [key],
        timeout=60,
        interval=1,
        handled_before={key: "t0"},
        clock=clock,
        sleep=clock.sleep,
    )
    assert result.outcome is Outcome.READY
    assert len(runner.calls) == 2


def test_transient_poll_failures_are_retried_then_fatal() -> None:
    clock = Clock()
    flaky = CheckFailed("cannot read Flux objects: i/o timeout")
    in_progress = flux_object("Kustomization", "apps", generation=2, observed=1)
    lines: list[str] = []
    runner = make_runner(polls([in_progress], flaky, [ready_obj("Kustomization", "apps")]))
    result = wait_for(TARGET, runner, [("Kustomization", "flux-system", "apps")], timeout=60, interval=1,
                      say=lines.append, clock=clock, sleep=clock.sleep)  # fmt: skip
    assert result.outcome is Outcome.READY
    assert any("poll failed (1 of 3 in a row allowed)" in line for line in lines)

    runner = make_runner(polls([in_progress], flaky, flaky, flaky, flaky))
    with pytest.raises(CheckFailed):
        wait_for(TARGET, runner, [("Kustomization", "flux-system", "apps")], timeout=60, interval=1,
                 clock=clock, sleep=clock.sleep)  # fmt: skip
    assert len(runner.calls) == 5


def test_first_poll_failure_is_fatal() -> None:
    runner = make_runner(polls(CheckFailed("Flux is not installed")))
    with pytest.raises(CheckFailed):
        wait_for(TARGET, runner, [("Kustomization", "flux-system", "apps")], timeout=60, interval=1)


def test_read_status_explains_missing_crds() -> None:
    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        return 1, "", 'error: the server doesn\'t have a resource type "ocirepositories"\n'

    with pytest.raises(CheckFailed) as err:
        wait_for(
            TARGET,
            make_runner(respond),
            [("Kustomization", "flux-system", "apps")],
            timeout=0,
            interval=0,
        )
    assert "Flux is not installed on cluster canary" in err.value.lines[0]
    assert "invoke flux.install" in err.value.lines[0]


# ---------------------------------------------------------------- recovery


@pytest.mark.parametrize(
    ("obj", "failing"),
    [
        pytest.param(stalled_hr("a"), True, id="stalled-retries-exceeded"),
        pytest.param(
            flux_object("HelmRelease", "a", conditions=[cond("Ready", "False", "UpgradeFailed", "upgrade retries exhausted")]),
            True, id="flux-2.1-upgrade-retries-exhausted",
        ),
        pytest.param(
            flux_object("HelmRelease", "a", conditions=[cond("Ready", "False", "InstallFailed", "install retries exhausted")]),
            True, id="flux-2.1-install-retries-exhausted",
        ),
        pytest.param(
            flux_object("HelmRelease", "a", conditions=[cond("Reconciling", "True", "ProgressingWithRetry"),
                                                        cond("Ready", "False", "UpgradeFailed")]),
            False, id="still-retrying",
        ),
        pytest.param(
            flux_object("HelmRelease", "a", conditions=[cond("Stalled", "True", "MissingRollbackTarget"), cond("Ready", "False")]),
            False, id="other-stall-reason",
        ),
        pytest.param(
            flux_object("HelmRelease", "a", generation=2, observed=1, conditions=[cond("Ready", "False", "UpgradeFailed")]),
            False, id="new-generation-not-yet-tried",
        ),
        pytest.param(ready_obj("HelmRelease", "a"), False, id="healthy"),
        pytest.param(stalled_hr("a", deleting=True), False, id="being-deleted"),
        pytest.param(ready_obj("Kustomization", "a"), False, id="not-a-release"),
    ],
)  # fmt: skip
def test_is_failing_release(obj: dict[str, Any], failing: bool) -> None:
    parsed = parse_object(obj)
    assert parsed is not None
    assert is_failing_release(parsed) is failing


def test_select_failing_leaves_healthy_and_suspended_alone() -> None:
    objects = [parse_object(o) for o in (stalled_hr("b", "x"), ready_obj("HelmRelease", "ok", "x"),
                                          stalled_hr("s", "x", suspend=True), stalled_hr("a", "y"))]  # fmt: skip
    chosen, skipped = select_failing([o for o in objects if o], None)
    assert [o.name for o in chosen] == ["b", "a"]
    assert [(r.key[2], r.outcome) for r in skipped] == [("s", "skipped")]
    chosen, _ = select_failing([o for o in objects if o], "y")
    assert [o.name for o in chosen] == ["a"]


def test_recover_all_failed_touches_only_failing_releases() -> None:
    runner = make_runner(
        polls(
            [stalled_hr("bad"), ready_obj("HelmRelease", "good", "kube-system")],
            [
                ready_obj("HelmRelease", "bad", "kube-system", generation=5),
                ready_obj("HelmRelease", "good", "kube-system"),
            ],
        )
    )
    results = recover_all_failed(
        TARGET, runner, None, strategy=Strategy.SUSPEND_RESUME, timeout=10, interval=0
    )
    assert [(r.key[2], r.outcome) for r in results] == [("bad", "recovered")]
    flux_calls = [c for c in runner.calls if c[0] == "flux"]
    assert all("good" not in c for c in flux_calls)
    assert [c[1] for c in flux_calls] == ["suspend", "resume"]


def test_interrupt_shield_defers_sigint() -> None:
    with InterruptShield() as shield:
        os.kill(os.getpid(), signal.SIGINT)
        reached = True
    assert reached and shield.received == signal.SIGINT
    with pytest.raises(KeyboardInterrupt):
        shield.reraise()


def _suspend_responder(on_suspend: Any) -> Any:
    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        if argv[1] == "suspend":
            return on_suspend()  # type: ignore[no-any-return]
        return 0, "", "► resuming helmrelease x\n✔ helmrelease resumed\n"

    return respond


def test_resume_runs_even_when_suspend_fails() -> None:
    lines: list[str] = []

    def boom() -> tuple[int, str, str]:
        raise CommandFailed(["flux", "suspend"], 1, "✗ Unauthorized")

    runner = make_runner(_suspend_responder(boom))
    problem = suspend_then_resume(TARGET, runner, "x", "apps", lines.append)
    assert [c[1] for c in runner.calls] == ["suspend", "resume"]
    assert problem is not None and "suspend failed" in problem
    assert lines[-1].startswith("resumed HelmRelease apps/x, which this task had suspended")


def test_ctrl_c_during_suspend_still_resumes_then_interrupts() -> None:
    lines: list[str] = []

    def interrupted() -> tuple[int, str, str]:
        os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C while flux suspend runs
        return 0, "", "✔ helmrelease suspended\n"

    runner = make_runner(_suspend_responder(interrupted))
    with pytest.raises(KeyboardInterrupt):
        suspend_then_resume(TARGET, runner, "x", "apps", lines.append)
    assert [c[1] for c in runner.calls] == ["suspend", "resume"]
    assert lines[-1] == "resumed HelmRelease apps/x, which this task had suspended (interrupted)"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_failed_resume_says_how_to_resume() -> None:
    lines: list[str] = []

    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        if argv[1] == "resume":
            raise CommandFailed(argv, 1, "✗ the server is currently unable to handle the request")
        return 0, "", "✔ helmrelease suspended\n"

    problem = suspend_then_resume(TARGET, make_runner(respond), "x", "apps", lines.append)
    assert problem is not None and problem.startswith("still suspended")
    assert lines[-1].endswith(
        "resume it with: flux resume helmrelease x -n apps --context prow-canary-cluster"
    )


def test_reset_on_old_flux_is_a_tool_error() -> None:
    runner = make_runner(lambda argv, _: (1, "", "✗ unknown flag: --reset\n"))
    obj = parse_object(stalled_hr("a"))
    assert obj is not None
    with pytest.raises(ToolError):
        recover(TARGET, runner, [obj], strategy=Strategy.RESET, timeout=1, interval=0)


# ---------------------------------------------------------------- install, apply, values


def test_install_argv_uses_the_kustomization_when_there_is_one(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "resources" / "flux").mkdir(parents=True)
    (tmp_path / "resources" / "flux" / "gotk-components.yaml").write_text("---\n")
    folder = str(tmp_path / "resources" / "flux")
    assert components_source(config) == ["-f", folder + "/gotk-components.yaml"]
    (tmp_path / "resources" / "flux" / "kustomization.yaml").write_text(
        "resources: [gotk-components.yaml]\n"
    )
    assert TARGET.apply(*components_source(config), server_dry_run=True) == [
        "kubectl", "apply", "--server-side", "-k", folder, "--dry-run=server", "--context", CANARY,
    ]  # fmt: skip


def test_install_waits_for_each_controller_within_the_timeout(tmp_path: Path) -> None:
    config = make_config(tmp_path, components_extra=("image-reflector-controller",))
    (tmp_path / "resources" / "flux").mkdir(parents=True)
    (tmp_path / "resources" / "flux" / "gotk-components.yaml").write_text("---\n")
    runner = make_runner()
    install(config, TARGET, runner, timeout=300)
    waits = [list(c) for c in runner.calls[1:]]
    assert waits[0] == ["kubectl", "rollout", "status", "deployment/source-controller", "-n", "flux-system",
                        "--timeout=5m0s", "--context", CANARY]  # fmt: skip
    assert [w[3] for w in waits] == [
        "deployment/source-controller", "deployment/kustomize-controller", "deployment/helm-controller",
        "deployment/notification-controller", "deployment/image-reflector-controller",
    ]  # fmt: skip


def test_install_without_components_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        install(make_config(tmp_path), TARGET, make_runner(), timeout=1)
    assert "resources/flux/gotk-components.yaml is missing" in err.value.lines[0]
    assert "invoke flux.update --components" in err.value.lines[0]


def test_discovery_is_sorted_and_skips_symlinks(tmp_path: Path) -> None:
    res = tmp_path / "resources"
    for rel in ("b/flux-ks-b.yaml", "a/flux-ks-z.yml", "a/flux-ks-a.yaml", "flux-ks-top.yaml", "a/other.yaml",
                "a/flux-ks-a.txt", "c/flux-hr-x.yaml"):  # fmt: skip
        (res / rel).parent.mkdir(parents=True, exist_ok=True)
        (res / rel).write_text("kind: Kustomization\n")
    (res / "c" / "flux-ks-link.yaml").symlink_to(tmp_path / "outside.yaml")
    found = apply_mod.discover(res, "flux-ks-")
    assert [p.relative_to(res).as_posix() for p in found.files] == [
        "a/flux-ks-a.yaml", "a/flux-ks-z.yml", "b/flux-ks-b.yaml", "flux-ks-top.yaml",
    ]  # fmt: skip
    assert [p.name for p in found.skipped_links] == ["flux-ks-link.yaml"]


def _values_config(tmp_path: Path) -> Any:
    hr = HelmRelease(
        name="karpenter", namespace="kube-system", chart="karpenter", source=ObjectRef("HelmRepository", "karpenter", "flux-system"),
        interval="5m0s", file="kube-system/flux-hr-karpenter.yaml",
        cluster_values=ClusterValues("karpenter-helm-values", "config/values/karpenter-{cluster}.yaml"),
    )  # fmt: skip
    plain = HelmRelease(name="other", namespace="apps", chart="c", source=ObjectRef("HelmRepository", "r", "flux-system"),
                        interval="5m0s", file="apps/flux-hr-other.yaml")  # fmt: skip
    (tmp_path / "config" / "values").mkdir(parents=True)
    (tmp_path / "config" / "values" / "karpenter-canary.yaml").write_text("settings: {}\n")
    return make_config(tmp_path, helm_releases=(hr, plain))


def test_apply_values_renders_then_applies_from_stdin(tmp_path: Path) -> None:
    config = _values_config(tmp_path)
    rendered = "apiVersion: v1\nkind: ConfigMap\n"
    runner = make_runner(
        lambda argv, _: (
            0,
            rendered if "create" in argv else "configmap/x serverside-applied\n",
            "",
        )
    )
    apply_values(config, TARGET, runner)
    assert [list(c) for c in runner.calls] == [
        ["kubectl", "create", "configmap", "karpenter-helm-values",
         f"--from-file=values.yaml={tmp_path}/config/values/karpenter-canary.yaml",
         "-n", "kube-system", "--dry-run=client", "-o", "yaml", "--context", CANARY],
        ["kubectl", "apply", "--server-side", "-f", "-", "--context", CANARY],
    ]  # fmt: skip
    assert runner.inputs == [None, rendered]


def test_apply_values_checks_files_and_release_names(tmp_path: Path) -> None:
    config = _values_config(tmp_path)
    with pytest.raises(InputError) as err:
        plan_values(config, "prod")
    assert (
        "config/values/karpenter-prod.yaml: missing values file of HelmRelease kube-system/karpenter"
        in err.value.lines[0]
    )
    with pytest.raises(InputError) as err:
        plan_values(config, "canary", "other")
    assert "releases with clusterValues: karpenter" in err.value.lines[0]
