"""Recover HelmReleases stuck after "upgrade retries exhausted" (helm-controller #454).

A release whose install/upgrade failed more often than its remediation retries allow stays
failed until something resets its failure counters. Two ways to do that:

* suspend-resume (default, every Flux version): `flux suspend` then `flux resume
  --wait=false`; each patch bumps the generation, which resets the counters and triggers
  a new attempt. Whatever happens after the suspend — an error, Ctrl-C — the release is
  resumed before we return.
* reset (Flux >= 2.2): `flux reconcile helmrelease NAME --reset` asks the controller to
  zero the counters without touching the spec.

Either way we then wait for Ready by reading status ourselves.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum

from ..durations import format_duration
from ..errors import CheckFailed, CommandFailed, FluxTasksError, InputError, ToolError
from ..flux import DEFAULT_NAMESPACE, KINDS
from ..signals import critical
from .connection import Connection, Wait
from .objects import failure_lines, grace, resume_argv, suspend_argv
from .status import FluxObject, ObjectKey, Phase, read_status
from .watch import Observation, Outcome, wait_for

# Ready reasons of a release whose install/upgrade failed (Flux <= 2.1 stays there for good).
FAILURE_REASONS = frozenset({"InstallFailed", "UpgradeFailed"})
HELM_RELEASE = KINDS["HelmRelease"]


class RecoveryOutcome(StrEnum):
    """What happened to one release; the values are the words the summary prints."""

    RECOVERED = "recovered"
    STILL_FAILING = "still failing"
    SKIPPED = "skipped"


class Strategy(Enum):
    SUSPEND_RESUME = "suspend-resume"
    RESET = "reset"


def parse_strategy(text: str) -> Strategy:
    for strategy in Strategy:
        if strategy.value == text:
            return strategy
    raise InputError(f"unknown strategy {text!r}; use suspend-resume or reset")


@dataclass(frozen=True)
class Recovery:
    key: ObjectKey
    outcome: RecoveryOutcome
    detail: str

    def describe(self) -> str:
        kind, namespace, name = self.key
        return f"{self.outcome.value:<13}  {kind} {namespace}/{name}" + (
            f": {self.detail}" if self.detail else ""
        )


def is_failing_release(obj: FluxObject) -> bool:
    """Stalled with RetriesExceeded, or Ready=False after a failed install/upgrade that the
    controller is no longer retrying (no Reconciling=True, generation observed)."""
    if obj.kind != "HelmRelease" or obj.deleting:
        return False
    stalled = obj.condition("Stalled")
    if stalled is not None and stalled.status == "True" and stalled.reason == "RetriesExceeded":
        return True
    ready = obj.condition("Ready")
    reconciling = obj.condition("Reconciling")
    return (
        ready is not None
        and ready.status == "False"
        and ready.reason in FAILURE_REASONS
        and obj.observed_generation == obj.generation
        and not (reconciling is not None and reconciling.status == "True")
    )


def suspend_then_resume(conn: Connection, name: str, namespace: str) -> str | None:
    """Suspend then resume one release; the resume runs whatever happened to the suspend,
    any signal or error included. A signal stops a suspend that hangs; the resume runs in a
    critical section, which no signal cuts short (the signal is raised once the release is
    resumed). Returns a problem to report, or None."""
    runner, say = conn.runner, conn.say
    shown = f"HelmRelease {namespace}/{name}"
    problem: str | None = None
    interrupted = False
    try:
        result = runner.run(suspend_argv(conn.target, HELM_RELEASE, name, namespace))
        failures = failure_lines(result.stderr)
        if failures:
            problem = f"suspend failed: {failures[-1]}"
        elif not runner.dry_run:
            say(f"suspended {shown}")
    except CommandFailed as exc:
        problem = f"suspend failed: {exc.lines[0]}"
    except BaseException:
        interrupted = True
        raise
    finally:
        with critical() as section:
            resume_problem = _resume(conn, name, namespace)
            why = "interrupted" if interrupted or section.pending is not None else problem
            if resume_problem is not None:
                by_hand = resume_argv(conn.target, HELM_RELEASE, name, namespace, no_wait=False)
                say(
                    f"{shown} may still be suspended ({resume_problem}); resume it with: "
                    f"{shlex.join(by_hand)}"
                )
                problem = f"still suspended: {resume_problem}"
            elif why is not None:
                say(f"resumed {shown}, which this task had suspended ({why})")
            elif not runner.dry_run:
                say(f"resumed {shown}")
    return problem


def _resume(conn: Connection, name: str, namespace: str) -> str | None:
    try:
        result = conn.runner.run(resume_argv(conn.target, HELM_RELEASE, name, namespace))
    except FluxTasksError as exc:
        return exc.lines[0]
    failures = failure_lines(result.stderr)
    return failures[-1] if failures else None


def reset(conn: Connection, name: str, namespace: str, timeout: float) -> str | None:
    """`flux reconcile helmrelease --reset`; its verdict is read from status afterwards."""
    flux_waits = int(max(timeout, 1.0))
    argv = conn.target.flux(
        "reconcile", "helmrelease", name, "-n", namespace, "--reset",
        "--timeout", format_duration(flux_waits * 1_000_000_000),
    )  # fmt: skip
    result = conn.runner.run(argv, ok_codes=range(256), timeout=flux_waits + grace(flux_waits))
    failures = failure_lines(result.stderr)
    if result.exit_code == 0:
        if not conn.dry_run:
            conn.say(f"reset HelmRelease {namespace}/{name}")
        return None
    if any("unknown flag: --reset" in f for f in failures):
        raise ToolError(
            "this flux CLI has no `reconcile --reset` (needs Flux >= v2.2): use --strategy suspend-resume"
        )
    detail = failures[-1] if failures else f"exit code {result.exit_code}"
    conn.say(f"flux reconcile --reset of HelmRelease {namespace}/{name}: {detail}")
    return None


def select_failing(
    objects: Sequence[FluxObject], namespace: str | None
) -> tuple[list[FluxObject], list[Recovery]]:
    """Failing releases to recover, and failing but suspended ones we leave alone."""
    chosen: list[FluxObject] = []
    skipped: list[Recovery] = []
    for obj in sorted(objects, key=lambda o: (o.namespace, o.name)):
        if namespace is not None and obj.namespace != namespace:
            continue
        if not is_failing_release(obj):
            continue
        if obj.suspended:
            left_alone = "suspended by someone else; left alone"
            skipped.append(Recovery(obj.key, RecoveryOutcome.SKIPPED, left_alone))
        else:
            chosen.append(obj)
    return chosen, skipped


def recover(
    conn: Connection, releases: Sequence[FluxObject], strategy: Strategy, wait: Wait
) -> list[Recovery]:
    """Kick every release with `strategy`, then wait for all of them together."""
    problems: dict[ObjectKey, str] = {}
    handled_before: dict[ObjectKey, str | None] = {}
    for obj in releases:
        if strategy is Strategy.SUSPEND_RESUME:
            problem = suspend_then_resume(conn, obj.name, obj.namespace)
        else:
            handled_before[obj.key] = obj.last_handled_reconcile_at
            problem = reset(conn, obj.name, obj.namespace, wait.timeout)
        if problem is not None:
            problems[obj.key] = problem
    waiting = [obj.key for obj in releases if obj.key not in problems]
    failing = RecoveryOutcome.STILL_FAILING
    results = {key: Recovery(key, failing, problem) for key, problem in problems.items()}
    if waiting:
        try:
            waited = wait_for(
                conn, waiting, wait, stop_on_failure=False, handled_before=handled_before
            )
        except KeyboardInterrupt:
            conn.say(
                "interrupted while waiting; every release this task suspended was already resumed"
            )
            raise
        if waited.outcome is Outcome.DRY_RUN:
            return []
        for key in waiting:
            results[key] = _settled(key, waited.final[key], wait)
    return [results[obj.key] for obj in releases]


def _settled(key: ObjectKey, obs: Observation, wait: Wait) -> Recovery:
    if obs.phase is Phase.READY:
        return Recovery(key, RecoveryOutcome.RECOVERED, obs.ready_message or obs.message)
    if obs.phase is Phase.FAILED:
        detail = "; ".join(dict.fromkeys(m for m in (obs.message, obs.ready_message) if m))
        return Recovery(key, RecoveryOutcome.STILL_FAILING, detail)
    limit = format_duration(int(wait.timeout * 1_000_000_000))
    return Recovery(
        key,
        RecoveryOutcome.STILL_FAILING,
        f"not ready after {limit}: {obs.phase.value} - {obs.message}",
    )


def recover_release(
    conn: Connection, name: str, namespace: str | None, strategy: Strategy, wait: Wait
) -> list[Recovery]:
    """Recover one named release. Without a namespace, the only release of that name wins."""
    snapshot = read_status(conn)
    if namespace is None:
        found = sorted(
            o.namespace for o in snapshot.objects if o.kind == "HelmRelease" and o.name == name
        )
        if len(found) > 1:
            raise InputError(
                f"HelmRelease {name} exists in namespaces {', '.join(found)}: pass -n NAMESPACE"
            )
        namespace = found[0] if found else DEFAULT_NAMESPACE
    key: ObjectKey = ("HelmRelease", namespace, name)
    obj = snapshot.get(key)
    if conn.dry_run:
        obj = FluxObject("HelmRelease", namespace, name)
    elif obj is None:
        raise CheckFailed(f"HelmRelease {namespace}/{name} not found on {conn.target.describe()}")
    elif obj.suspended:
        raise CheckFailed(
            f"HelmRelease {namespace}/{name} is suspended, and recover-hr only resumes what it suspended "
            f"itself: resume it with `invoke flux.resume helmrelease {name} -n {namespace} "
            f"--cluster {conn.target.cluster}`"
        )
    elif obj.health.phase is Phase.READY:
        return [Recovery(key, RecoveryOutcome.SKIPPED, "already ready; nothing to do")]
    return recover(conn, [obj], strategy, wait)


def recover_all_failed(
    conn: Connection, namespace: str | None, strategy: Strategy, wait: Wait
) -> list[Recovery]:
    """Recover every failing release (one namespace, or all); healthy ones are not touched."""
    snapshot = read_status(conn)
    if conn.dry_run:
        conn.say(
            f"dry run: every failing HelmRelease that read finds would be recovered ({strategy.value})"
        )
        return []
    chosen, skipped = select_failing(snapshot.objects, namespace)
    for item in skipped:
        conn.say(item.describe())
    if not chosen:
        return skipped
    conn.say("recovering: " + ", ".join(f"{o.namespace}/{o.name}" for o in chosen))
    return skipped + recover(conn, chosen, strategy, wait)


def report(conn: Connection, results: Sequence[Recovery], namespace: str | None) -> None:
    """Say a summary line per release; CheckFailed when any is still failing."""
    if not results and not conn.dry_run:
        where = f"namespace {namespace}" if namespace else "any namespace"
        conn.say(
            f"no failing HelmRelease in {where} on {conn.target.describe()}: nothing to recover"
        )
    if results:
        conn.say("summary:")
    for result in results:
        conn.say("  " + result.describe())
    failing = sum(1 for r in results if r.outcome is RecoveryOutcome.STILL_FAILING)
    if failing:
        raise CheckFailed(f"{failing} HelmRelease(s) still failing on {conn.target.describe()}")
