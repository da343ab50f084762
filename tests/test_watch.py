"""The wait behind flux.watch, in process on a fake clock: the heartbeat with the controller's
progress, failing objects and --fail-fast, suspended objects, several clusters side by side,
and the linear cost of a poll."""

from __future__ import annotations

from typing import Any

from fakeclock import FakeClock
from fakecluster import PROD, list_json, make_conn
from fakes import samples as s

from fluxtasks.cluster.connection import Wait
from fluxtasks.cluster.status import Phase
from fluxtasks.cluster.watch import HEARTBEAT, Outcome, wait_fleet, wait_for
from fluxtasks.errors import ClusterUnreachable

HR = ("HelmRelease", "kube-system", "karpenter")
KS = ("Kustomization", "flux-system", "apps")


def answers(*polls: list[dict[str, Any]]) -> Any:
    """kubectl get answering each poll in turn, the last one for ever after."""
    seen = iter(polls)
    last: list[list[dict[str, Any]]] = [polls[-1]]

    def respond(argv: list[str], _: Any) -> tuple[int, str, str]:
        objects = next(seen, last[0])
        return 0, list_json(*objects), ""

    return respond


def test_heartbeat_every_15s_of_quiet_with_the_controllers_progress() -> None:
    lines: list[str] = []
    clock = FakeClock()  # wall time 12:00:00; the upgrade started at 11:58:20
    conn = make_conn(answers([s.upgrading("karpenter")]), clock=clock, say=lines.append)
    result = wait_for(conn, [HR], Wait(50, 20))
    assert result.outcome is Outcome.TIMEOUT
    assert lines == [
        "[0.0s] HelmRelease kube-system/karpenter: in progress - Running 'upgrade' action with timeout of 5m0s",
        "[15.0s] still waiting for 1 of 1 after 15s: HelmRelease kube-system/karpenter for 15s (running 'upgrade' 1m55s of 5m0s)",
        "[30.0s] still waiting for 1 of 1 after 30s: HelmRelease kube-system/karpenter for 30s (running 'upgrade' 2m10s of 5m0s)",
        "[45.0s] still waiting for 1 of 1 after 45s: HelmRelease kube-system/karpenter for 45s (running 'upgrade' 2m25s of 5m0s)",
    ]
    # polls every 20s (0, 20, 40 and the deadline); woken up in between to say it is alive
    assert len(conn.runner.calls) == 4
    assert max(clock.sleeps) <= HEARTBEAT


def test_a_change_resets_the_heartbeat_and_the_longest_waiting_comes_first() -> None:
    lines: list[str] = []
    unobserved = s.kustomization("apps")
    unobserved["metadata"]["generation"] = 2
    polls = [[s.upgrading("karpenter"), s.kustomization("apps")]] * 2 + [
        [s.helm_release("karpenter"), unobserved]
    ]
    conn = make_conn(answers(*polls), say=lines.append)
    wait_for(conn, [HR, KS], Wait(40, 10))
    assert [line.split("] ")[0] for line in lines] == ["[0.0s", "[0.0s", "[15.0s", "[20.0s", "[20.0s", "[35.0s"]
    assert lines[2] == (
        "[15.0s] still waiting for 1 of 2 after 15s: "
        "HelmRelease kube-system/karpenter for 15s (running 'upgrade' 1m55s of 5m0s)"
    )
    assert lines[3].startswith("[20.0s] HelmRelease kube-system/karpenter: ready")
    assert lines[4].startswith("[20.0s] Kustomization flux-system/apps: in progress")
    # quiet for 15s since the last change, not since the last heartbeat
    assert lines[5] == "[35.0s] still waiting for 1 of 2 after 35s: Kustomization flux-system/apps for 15s"


def test_a_failing_kustomization_is_said_once_and_waited_for_without_fail_fast() -> None:
    lines: list[str] = []
    conn = make_conn(answers([s.failing_health_check("apps")]), say=lines.append)
    result = wait_for(conn, [KS], Wait(12, 5))
    assert result.outcome is Outcome.TIMEOUT
    assert [obs.phase for obs in result.pending] == [Phase.FAILING]
    assert sum("failing" in line for line in lines) == 1
    assert lines[0].endswith(
        "Kustomization flux-system/apps: failing - health check failed after 2m0s: timeout "
        "waiting for: [HelmRelease/kube-system/karpenter status: 'Failed']"
    )


def test_fail_fast_ends_the_wait_at_the_first_failing_object() -> None:
    conn = make_conn(answers([s.failing_health_check("apps"), s.upgrading("karpenter")]))
    result = wait_for(conn, [KS, HR], Wait(600, 5), fail_fast=True)
    assert result.outcome is Outcome.FAILED
    assert [obs.key[2] for obs in result.failed] == ["apps"]
    assert len(conn.runner.calls) == 1


def test_a_suspended_object_settles_the_wait_as_not_ready_without_cutting_it_short() -> None:
    polls = [[s.helm_release("karpenter", suspend=True), s.failing_health_check("apps")]] * 2 + [
        [s.helm_release("karpenter", suspend=True), s.kustomization("apps")]
    ]
    conn = make_conn(answers(*polls))
    result = wait_for(conn, [HR, KS], Wait(600, 5))
    assert result.outcome is Outcome.FAILED
    assert len(conn.runner.calls) == 3  # went on until the Kustomization was ready
    assert [(obs.key[2], obs.phase) for obs in result.failed] == [("karpenter", Phase.SUSPENDED)]


def test_several_clusters_are_polled_together_and_one_down_ends_alone() -> None:
    lines: list[str] = []
    clock = FakeClock()
    canary = make_conn(answers([s.upgrading("karpenter")], [s.helm_release("karpenter")]),
                       clock=clock, say=lines.append)  # fmt: skip

    def refused(argv: list[str], _: Any) -> tuple[int, str, str]:
        return 1, "", "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n"

    prod = make_conn(refused, clock=clock, say=lines.append, context=PROD)
    object.__setattr__(prod.target, "cluster", "prod")
    first, second = wait_fleet([canary, prod], [HR], Wait(60, 5))
    assert (first.outcome, second.outcome) == (Outcome.READY, Outcome.UNREACHABLE)
    assert isinstance(second.error, ClusterUnreachable)
    assert lines[0].startswith("[0.0s] canary: HelmRelease kube-system/karpenter: in progress")
    assert lines[1].startswith("[0.0s] cannot reach cluster prod (context prow-build-cluster)")
    assert lines[2].startswith("[5.0s] canary: HelmRelease kube-system/karpenter: ready")
    assert len(prod.runner.calls) == 1  # never polled again


def test_one_cluster_down_without_fleet_raises_as_before() -> None:
    def refused(argv: list[str], _: Any) -> tuple[int, str, str]:
        return 1, "", "The connection to the server 127.0.0.1:6443 was refused\n"

    conn = make_conn(refused)
    try:
        wait_fleet([conn], [HR], Wait(60, 5), fleet=False)
    except ClusterUnreachable as exc:
        assert exc.exit_code == 5
    else:
        raise AssertionError("expected ClusterUnreachable")
