"""The cluster library without Invoke: cluster selection, the exact argv of every command,
waiting, and recovery — through the real Runner on a scripted executor (it records argv and
answers from a script) and a fake clock, so no wait takes real time."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from fakeclock import FakeClock
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
    make_conn,
    make_runner,
    ready_obj,
    stalled_hr,
)

from fluxtasks.cluster import apply as apply_mod
from fluxtasks.cluster.connection import Wait
from fluxtasks.cluster.install import components_source, install
from fluxtasks.cluster.objects import reconcile, report_patched, resume, suspend
from fluxtasks.cluster.recover import (
    RecoveryOutcome,
    Strategy,
    is_failing_release,
    recover,
    recover_all_failed,
    select_failing,
    suspend_then_resume,
)
from fluxtasks.cluster.status import Phase, parse_object
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
KEY = ("Kustomization", "flux-system", "apps")


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
            lambda conn: suspend(conn, HR, [("kube-system", "karpenter")]),
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
            lambda conn: suspend(conn, GIT, [("flux-system", "k8s-io")]),
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
            lambda conn: resume(conn, KS, [("flux-system", "apps")], Wait(0, 0)),
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
            lambda conn: reconcile(conn, KS, "apps", "flux-system"),
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
            lambda conn: reconcile(
                conn, HR, "karpenter", "kube-system", with_source=True, timeout="2m"
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
            lambda conn: suspend_then_resume(conn, "karpenter", "kube-system"),
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
    conn = make_conn(polls([ready_obj("Kustomization", "apps")]))
    call(conn)
    assert [list(c) for c in conn.runner.calls] == expected


def test_reset_argv_carries_the_timeout() -> None:
    handled = {"lastHandledReconcileAt": "2024-01-01T00:00:00Z"}
    conn = make_conn(polls([ready_obj("HelmRelease", "karpenter", "kube-system", status=handled)]))
    obj = parse_object(stalled_hr("karpenter"))
    assert obj is not None
    recover(conn, [obj], Strategy.RESET, Wait(90, 0))
    assert [list(c) for c in conn.runner.calls] == [
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
        reconcile(make_conn(), GIT, "k8s-io", "flux-system", with_source=True)


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
    conn = make_conn(lambda argv, _: (0, "", stderr))
    if verb == "suspend":
        patched = suspend(conn, HR, [("apps", "nope")])
    else:
        patched, waited = resume(conn, HR, [("apps", "nope")], Wait(0, 0))
        assert waited is None
    assert patched.done == []
    with pytest.raises(CheckFailed) as err:
        report_patched(patched, verb, print)
    assert err.value.lines == [
        "HelmRelease apps/nope not found on cluster canary (context prow-canary-cluster)"
    ]
    assert len(conn.runner.calls) == 1  # no wait after a failed resume


def test_reconcile_failure_passes_progress_and_hints() -> None:
    seen: list[str] = []
    conn = make_conn(lambda argv, _: (1, "", "► annotating\n✗ resource is suspended\n"))
    with pytest.raises(CheckFailed) as err:
        reconcile(conn, HR, "karpenter", "kube-system", progress=seen.append)
    assert seen == ["► annotating", "✗ resource is suspended"]
    assert (
        "resume it first: invoke flux.resume helmrelease karpenter -n kube-system"
        in err.value.lines[0]
    )


# ---------------------------------------------------------------- waiting


def test_wait_prints_each_change_once_and_polls_once_per_round() -> None:
    in_progress = flux_object("Kustomization", "apps", generation=2, observed=1)
    lines: list[str] = []
    conn = make_conn(
        polls([in_progress], [in_progress], [ready_obj("Kustomization", "apps", generation=2)]),
        say=lines.append,
    )
    result = wait_for(conn, [KEY], Wait(60, 5))
    assert result.outcome is Outcome.READY
    assert len(conn.runner.calls) == 3
    assert lines == [
        "[0.0s] Kustomization flux-system/apps: in progress - generation 2 not yet observed (observed: 1)",
        "[10.0s] Kustomization flux-system/apps: ready - Applied revision: main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9",
    ]


def test_wait_stops_at_the_first_failure() -> None:
    conn = make_conn(
        polls([stalled_hr("a"), flux_object("Kustomization", "apps", generation=2, observed=1)])
    )
    keys = [("HelmRelease", "kube-system", "a"), KEY]
    result = wait_for(conn, keys, Wait(60, 5))
    assert result.outcome is Outcome.FAILED
    # the cause, not the Stalled summary ("Failed to upgrade after 1 attempt(s)")
    assert [o.message for o in result.failed] == [
        "Helm upgrade failed for release kube-system/a with chart a@1.0.2: boom"
    ]
    assert len(conn.runner.calls) == 1


def test_wait_times_out_with_the_pending_list() -> None:
    building = flux_object(
        "Kustomization", "apps", conditions=[cond("Ready", "False", "", "building")]
    )
    clock = FakeClock()
    conn = make_conn(polls([building]), clock=clock)
    keys = [KEY, ("GitRepository", "flux-system", "gone")]
    result = wait_for(conn, keys, Wait(12, 5))
    assert result.outcome is Outcome.TIMEOUT
    assert [(o.key[2], o.phase, o.message) for o in result.pending] == [
        ("apps", Phase.IN_PROGRESS, "building"),
        ("gone", Phase.MISSING, "not found in the cluster"),
    ]
    assert clock.sleeps == [5, 5, 2]  # never sleeps past the deadline
    # each poll may take the time left (at least a second), never more than the runner's limit
    assert conn.runner.executor.timeouts == [12, 7, 2, 1]


def test_polls_are_limited_by_the_runner_when_the_wait_is_longer() -> None:
    conn = make_conn(polls([ready_obj("Kustomization", "apps")]))
    wait_for(conn, [KEY], Wait(3600, 5))
    assert conn.runner.executor.timeouts == [conn.runner.timeout]


def hanging_after(
    good_polls: int, objects: list[dict[str, Any]], clock: FakeClock, say: Any = None
) -> Any:
    """A connection whose kubectl get answers `good_polls` times, then hangs until it is
    killed at its time limit (reported as the runner reports it)."""
    from fluxtasks.errors import CommandTimedOut

    answers = iter(range(good_polls))

    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        if next(answers, None) is not None:
            return 0, list_json(*objects), ""
        limit = conn.runner.executor.timeouts[-1]
        clock.advance(limit)
        raise CommandTimedOut(argv, limit)

    conn = make_conn(respond, clock=clock, say=say)
    return conn


def test_a_poll_that_hangs_at_the_deadline_ends_the_wait_as_a_timeout() -> None:
    lines: list[str] = []
    in_progress = flux_object("Kustomization", "apps", generation=2, observed=1)
    conn = hanging_after(1, [in_progress], FakeClock(), lines.append)
    result = wait_for(conn, [KEY], Wait(3, 1))
    assert result.outcome is Outcome.TIMEOUT
    assert result.elapsed == 3  # the hanging poll was given the 2s left after the first one
    assert [o.phase for o in result.pending] == [Phase.IN_PROGRESS]
    assert conn.runner.executor.timeouts == [3, 2]
    assert not any("poll failed" in line for line in lines)


def test_a_first_poll_that_hangs_is_exit_124_naming_the_cluster() -> None:
    from fluxtasks.cluster.status import StatusTimedOut

    conn = hanging_after(0, [], FakeClock())
    with pytest.raises(StatusTimedOut) as err:
        wait_for(conn, [KEY], Wait(3, 1))
    assert err.value.exit_code == 124
    assert err.value.lines == [
        "cannot read Flux objects from cluster canary (context prow-canary-cluster): "
        "no answer within 3s; killed"
    ]


def test_settle_mode_waits_for_every_object() -> None:
    pending = flux_object("HelmRelease", "b", "kube-system", generation=2, observed=1)
    conn = make_conn(
        polls(
            [stalled_hr("a"), pending],
            [stalled_hr("a"), ready_obj("HelmRelease", "b", "kube-system")],
        )
    )
    keys = [("HelmRelease", "kube-system", "a"), ("HelmRelease", "kube-system", "b")]
    result = wait_for(conn, keys, Wait(60, 1), stop_on_failure=False)
    assert result.outcome is Outcome.FAILED
    assert result.final[keys[1]].phase is Phase.READY
    assert len(conn.runner.calls) == 2


def test_unhandled_reconcile_request_is_not_an_answer() -> None:
    before = stalled_hr("a", status={"lastHandledReconcileAt": "t0"})
    after = ready_obj("HelmRelease", "a", "kube-system", status={"lastHandledReconcileAt": "t1"})
    conn = make_conn(polls([before], [after]))
    key = ("HelmRelease", "kube-system", "a")
    result = wait_for(conn, [key], Wait(60, 1), handled_before={key: "t0"})
    assert result.outcome is Outcome.READY
    assert len(conn.runner.calls) == 2


def test_transient_poll_failures_are_retried_then_fatal() -> None:
    flaky = CheckFailed("cannot read Flux objects: i/o timeout")
    in_progress = flux_object("Kustomization", "apps", generation=2, observed=1)
    lines: list[str] = []
    conn = make_conn(
        polls([in_progress], flaky, [ready_obj("Kustomization", "apps")]), say=lines.append
    )
    result = wait_for(conn, [KEY], Wait(60, 1))
    assert result.outcome is Outcome.READY
    assert any("poll failed (1 of 3 in a row allowed)" in line for line in lines)

    conn = make_conn(polls([in_progress], flaky, flaky, flaky, flaky))
    with pytest.raises(CheckFailed):
        wait_for(conn, [KEY], Wait(60, 1))
    assert len(conn.runner.calls) == 5


def test_first_poll_failure_is_fatal() -> None:
    conn = make_conn(polls(CheckFailed("Flux is not installed")))
    with pytest.raises(CheckFailed):
        wait_for(conn, [KEY], Wait(60, 1))


def test_read_status_explains_missing_crds() -> None:
    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        return 1, "", 'error: the server doesn\'t have a resource type "ocirepositories"\n'

    with pytest.raises(CheckFailed) as err:
        wait_for(make_conn(respond), [KEY], Wait(0, 0))
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
    assert [(r.key[2], r.outcome) for r in skipped] == [("s", RecoveryOutcome.SKIPPED)]
    chosen, _ = select_failing([o for o in objects if o], "y")
    assert [o.name for o in chosen] == ["a"]


def test_recover_all_failed_touches_only_failing_releases() -> None:
    conn = make_conn(
        polls(
            [stalled_hr("bad"), ready_obj("HelmRelease", "good", "kube-system")],
            [
                ready_obj("HelmRelease", "bad", "kube-system", generation=5),
                ready_obj("HelmRelease", "good", "kube-system"),
            ],
        )
    )
    results = recover_all_failed(conn, None, Strategy.SUSPEND_RESUME, Wait(10, 0))
    assert [(r.key[2], r.outcome) for r in results] == [("bad", RecoveryOutcome.RECOVERED)]
    flux_calls = [c for c in conn.runner.calls if c[0] == "flux"]
    assert all("good" not in c for c in flux_calls)
    assert [c[1] for c in flux_calls] == ["suspend", "resume"]


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

    conn = make_conn(_suspend_responder(boom), say=lines.append)
    problem = suspend_then_resume(conn, "x", "apps")
    assert [c[1] for c in conn.runner.calls] == ["suspend", "resume"]
    assert problem is not None and "suspend failed" in problem
    assert lines[-1].startswith("resumed HelmRelease apps/x, which this task had suspended")


def test_ctrl_c_during_suspend_still_resumes_then_interrupts() -> None:
    lines: list[str] = []

    def interrupted() -> tuple[int, str, str]:
        os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C while flux suspend runs
        return 0, "", "✔ helmrelease suspended\n"

    conn = make_conn(_suspend_responder(interrupted), say=lines.append)
    with pytest.raises(KeyboardInterrupt):
        suspend_then_resume(conn, "x", "apps")
    assert [c[1] for c in conn.runner.calls] == ["suspend", "resume"]
    assert lines[-1] == "resumed HelmRelease apps/x, which this task had suspended (interrupted)"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_failed_resume_says_how_to_resume() -> None:
    lines: list[str] = []

    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        if argv[1] == "resume":
            raise CommandFailed(argv, 1, "✗ the server is currently unable to handle the request")
        return 0, "", "✔ helmrelease suspended\n"

    problem = suspend_then_resume(make_conn(respond, say=lines.append), "x", "apps")
    assert problem is not None and problem.startswith("still suspended")
    assert lines[-1].endswith(
        "resume it with: flux resume helmrelease x -n apps --context prow-canary-cluster"
    )


def test_reset_on_old_flux_is_a_tool_error() -> None:
    conn = make_conn(lambda argv, _: (1, "", "✗ unknown flag: --reset\n"))
    obj = parse_object(stalled_hr("a"))
    assert obj is not None
    with pytest.raises(ToolError):
        recover(conn, [obj], Strategy.RESET, Wait(1, 0))


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
    clock = FakeClock()

    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        if argv[1] == "rollout":
            clock.advance(61)  # each controller takes a minute and a second to roll out
        return 0, "", ""

    conn = make_conn(respond, clock=clock)
    install(config, conn, Wait(300))
    waits = [list(c) for c in conn.runner.calls[1:]]
    assert waits[0] == ["kubectl", "rollout", "status", "deployment/source-controller", "-n", "flux-system",
                        "--timeout=5m0s", "--context", CANARY]  # fmt: skip
    assert [(w[3], w[6]) for w in waits] == [
        ("deployment/source-controller", "--timeout=5m0s"),
        ("deployment/kustomize-controller", "--timeout=3m59s"),
        ("deployment/helm-controller", "--timeout=2m58s"),
        ("deployment/notification-controller", "--timeout=1m57s"),
        ("deployment/image-reflector-controller", "--timeout=56s"),
    ]
    # kubectl answers by itself at its --timeout; it is killed only well after that
    assert conn.runner.executor.timeouts[1:] == [330, 269, 208, 147, 86]


def test_install_dry_run_shows_every_controller_the_whole_timeout(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    (tmp_path / "resources" / "flux").mkdir(parents=True)
    (tmp_path / "resources" / "flux" / "gotk-components.yaml").write_text("---\n")

    class Busy(FakeClock):
        def now(self) -> float:  # a loaded machine: every reading is 7s later
            self.advance(7)
            return self.time

    conn = make_conn(dry_run=True, clock=Busy())
    install(config, conn, Wait(90))
    assert {c[6] for c in conn.runner.calls[1:]} == {"--timeout=1m30s"}  # nothing waited


def test_install_without_components_file_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        install(make_config(tmp_path), make_conn(), Wait(1))
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
    conn = make_conn(
        lambda argv, _: (
            0,
            rendered if "create" in argv else "configmap/x serverside-applied\n",
            "",
        )
    )
    apply_values(config, conn)
    assert [list(c) for c in conn.runner.calls] == [
        ["kubectl", "create", "configmap", "karpenter-helm-values",
         f"--from-file=values.yaml={tmp_path}/config/values/karpenter-canary.yaml",
         "-n", "kube-system", "--dry-run=client", "-o", "yaml", "--context", CANARY],
        ["kubectl", "apply", "--server-side", "-f", "-", "--context", CANARY],
    ]  # fmt: skip
    assert conn.runner.executor.inputs == [None, rendered]


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
