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
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from types import FrameType, TracebackType

from ..cluster.objects import failure_lines
from ..cluster.status import FluxObject, ObjectKey, Phase, read_status
from ..cluster.target import ClusterTarget
from ..cluster.watch import Outcome, wait_for
from ..durations import format_duration
from ..errors import CheckFailed, CommandFailed, FluxTasksError, InputError, ToolError
from ..flux import DEFAULT_NAMESPACE
from ..runner import Runner

# Ready reasons of a release whose install/upgrade failed (Flux <= 2.1 stays there for good).
FAILURE_REASONS = frozenset({"InstallFailed", "UpgradeFailed"})

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
    outcome: str  # RECOVERED | STILL_FAILING | SKIPPED
    detail: str

    def describe(self) -> str:
        kind, namespace, name = self.key
        return f"{self.outcome:<13}  {kind} {namespace}/{name}" + (
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


class InterruptShield:
    """Holds SIGINT/SIGTERM off while a release may be left suspended.

    A signal received inside is remembered and raised as KeyboardInterrupt by `reraise()`
    once the release has been resumed. (A child process in the terminal's process group
    still gets Ctrl-C itself; its failure is handled like any other error.)
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self.received = signum

    def __enter__(self) -> InterruptShield:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._hold)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            # None: a handler not installed from Python; the default is the honest fallback
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)  # type: ignore[arg-type]
        self._previous.clear()

    def reraise(self) -> None:
        if self.received is not None:
            raise KeyboardInterrupt


def _resume_command(target: ClusterTarget, name: str, namespace: str) -> str:
    return shlex.join(target.flux("resume", "helmrelease", name, "-n", namespace))


def suspend_then_resume(
    target: ClusterTarget, runner: Runner, name: str, namespace: str, say: Callable[[str], None]
) -> str | None:
    """Suspend then resume one release; the resume runs whatever happened to the suspend.
    Returns a problem to report, or None."""
    suspend_argv = target.flux("suspend", "helmrelease", name, "-n", namespace)
    resume_argv = target.flux("resume", "helmrelease", name, "-n", namespace, "--wait=false")
    shown = f"HelmRelease {namespace}/{name}"
    problem: str | None = None
    with InterruptShield() as shield:
        try:
            result = runner.run(suspend_argv)
            failures = failure_lines(result.stderr)
            if failures:
                problem = f"suspend failed: {failures[-1]}"
            elif not runner.dry_run:
                say(f"suspended {shown}")
        except CommandFailed as exc:
            problem = f"suspend failed: {exc.lines[0]}"
        finally:
            why = "interrupted" if shield.received is not None else problem
            resume_problem = _resume(runner, resume_argv)
            if resume_problem is not None:
                say(
                    f"{shown} may still be suspended ({resume_problem}); resume it with: "
                    f"{_resume_command(target, name, namespace)}"
                )
                problem = f"still suspended: {resume_problem}"
            elif why is not None:
                say(f"resumed {shown}, which this task had suspended ({why})")
            elif not runner.dry_run:
                say(f"resumed {shown}")
    shield.reraise()
    return problem


def _resume(runner: Runner, argv: list[str]) -> str | None:
    try:
        result = runner.run(argv)
    except FluxTasksError as exc:
        return exc.lines[0]
    failures = failure_lines(result.stderr)
    return failures[-1] if failures else None


def reset(
    target: ClusterTarget,
    runner: Runner,
    name: str,
    namespace: str,
    timeout: float,
    say: Callable[[str], None],
) -> str | None:
    """`flux reconcile helmrelease --reset`; its verdict is read from status afterwards."""
    argv = target.flux(
        "reconcile", "helmrelease", name, "-n", namespace, "--reset",
        "--timeout", format_duration(int(max(timeout, 1.0)) * 1_000_000_000),
    )  # fmt: skip
    result = runner.run(argv, ok_codes=range(256))
    failures = failure_lines(result.stderr)
    if result.exit_code == 0:
        if not runner.dry_run:
            say(f"reset HelmRelease {namespace}/{name}")
        return None
    if any("unknown flag: --reset" in f for f in failures):
        raise ToolError(
            "this flux CLI has no `reconcile --reset` (needs Flux >= v2.2): use --strategy suspend-resume"
        )
    detail = failures[-1] if failures else f"exit code {result.exit_code}"
    say(f"flux reconcile --reset of HelmRelease {namespace}/{name}: {detail}")
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
            skipped.append(Recovery(obj.key, SKIPPED, "suspended by someone else; left alone"))
        else:
            chosen.append(obj)
    return chosen, skipped


def recover(
    target: ClusterTarget,
    runner: Runner,
    releases: Sequence[FluxObject],
    *,
    strategy: Strategy,
    timeout: float,
    interval: float,
    say: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Recovery]:
    """Kick every release with `strategy`, then wait for all of them together."""
    problems: dict[ObjectKey, str] = {}
    handled_before: dict[ObjectKey, str | None] = {}
    for obj in releases:
        if strategy is Strategy.SUSPEND_RESUME:
            problem = suspend_then_resume(target, runner, obj.name, obj.namespace, say)
        else:
            handled_before[obj.key] = obj.last_handled_reconcile_at
            problem = reset(target, runner, obj.name, obj.namespace, timeout, say)
        if problem is not None:
            problems[obj.key] = problem
    waiting = [obj.key for obj in releases if obj.key not in problems]
    results = {key: Recovery(key, STILL_FAILING, problem) for key, problem in problems.items()}
    if waiting:
        try:
            waited = wait_for(
                target, runner, waiting, timeout=timeout, interval=interval, stop_on_failure=False,
                handled_before=handled_before, say=say, clock=clock, sleep=sleep,
            )  # fmt: skip
        except KeyboardInterrupt:
            say("interrupted while waiting; every release this task suspended was already resumed")
            raise
        if waited.outcome is Outcome.DRY_RUN:
            return []
        for key in waiting:
            obs = waited.final[key]
            if obs.phase == Phase.READY.value:
                results[key] = Recovery(key, RECOVERED, obs.ready_message or obs.message)
            elif obs.phase == Phase.FAILED.value:
                detail = "; ".join(m for m in (obs.message, obs.ready_message) if m)
                results[key] = Recovery(key, STILL_FAILING, detail)
            else:
                limit = format_duration(int(timeout * 1_000_000_000))
                results[key] = Recovery(
                    key, STILL_FAILING, f"not ready after {limit}: {obs.phase} - {obs.message}"
                )
    return [results[obj.key] for obj in releases]


def recover_release(
    target: ClusterTarget,
    runner: Runner,
    name: str,
    namespace: str | None,
    *,
    strategy: Strategy,
    timeout: float,
    interval: float,
    say: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Recovery]:
    """Recover one named release. Without a namespace, the only release of that name wins."""
    snapshot = read_status(target, runner)
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
    if runner.dry_run:
        obj = FluxObject("HelmRelease", namespace, name)
    elif obj is None:
        raise CheckFailed(f"HelmRelease {namespace}/{name} not found on {target.describe()}")
    elif obj.suspended:
        raise CheckFailed(
            f"HelmRelease {namespace}/{name} is suspended, and recover-hr only resumes what it suspended "
            f"itself: resume it with `invoke flux.resume helmrelease {name} -n {namespace}`"
        )
    elif obj.health.phase is Phase.READY:
        return [Recovery(key, SKIPPED, "already ready; nothing to do")]
    return recover(
        target, runner, [obj], strategy=strategy, timeout=timeout, interval=interval,
        say=say, clock=clock, sleep=sleep,
    )  # fmt: skip


def recover_all_failed(
    target: ClusterTarget,
    runner: Runner,
    namespace: str | None,
    *,
    strategy: Strategy,
    timeout: float,
    interval: float,
    say: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Recovery]:
    """Recover every failing release (one namespace, or all); healthy ones are not touched."""
    snapshot = read_status(target, runner)
    if runner.dry_run:
        say(
            f"dry run: every failing HelmRelease that read finds would be recovered ({strategy.value})"
        )
        return []
    chosen, skipped = select_failing(snapshot.objects, namespace)
    for item in skipped:
        say(item.describe())
    if not chosen:
        return skipped
    say("recovering: " + ", ".join(f"{o.namespace}/{o.name}" for o in chosen))
    return skipped + recover(
        target, runner, chosen, strategy=strategy, timeout=timeout, interval=interval,
        say=say, clock=clock, sleep=sleep,
    )  # fmt: skip


def summary_failed(results: Sequence[Recovery]) -> bool:
    return any(r.outcome == STILL_FAILING for r in results)
