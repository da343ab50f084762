"""The cause of a Flux object not being Ready: the first rule that holds, in this order:

    suspended, controller not ready, missing, terminating, dependency not ready, source not
    ready, values missing (ValuesError), retries exhausted, other Stalled, Helm action
    failed, build failed, health check failed, other failure, in progress.

Its message is the most specific one found: the Helm error sits in `Released`,
`TestSuccess` or `Remediated`, not in the Stalled summary ("Failed to upgrade after 1
attempt(s)"); a broken source chain shows the message of the link nearest the source. An
object's own failure reason (ValuesError, UpgradeFailed…) is told before a source or a
dependency that is not Ready, unless its Ready reason says it waits for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .advice import Cause, Finding
from .evidence import Evidence, Link
from .status import (
    RETRIES_EXHAUSTED_TEXT,
    WAITING_REASONS,
    Condition,
    FluxObject,
    Phase,
    Ref,
    classify,
)


@dataclass(frozen=True)
class LinkState:
    """A source of the chain or a dependency, with its own phase."""

    ref: Ref
    phase: Phase
    reason: str
    message: str
    marked: bool = False  # the first link of the chain that is not Ready


def link_state(link: Link, marked: bool = False) -> LinkState:
    if link.facts is None:
        return LinkState(link.ref, Phase.MISSING, "", "not found in the cluster", marked)
    health = classify(link.facts)
    if link.facts.static:
        message = "static OCI repository (never reconciled)"
        return LinkState(link.ref, health.phase, "", message, marked)
    shown = link.facts.condition("Ready") or health.condition
    reason, message = (shown.reason, shown.message) if shown else ("", "")
    return LinkState(link.ref, health.phase, reason, message, marked)


def chain_states(links: tuple[Link, ...]) -> tuple[LinkState, ...]:
    """The chain with its first link that is not Ready marked."""
    states = [link_state(link) for link in links]
    first = next((i for i, s in enumerate(states) if s.phase is not Phase.READY), None)
    if first is not None:
        states[first] = link_state(links[first], marked=True)
    return tuple(states)


@dataclass(frozen=True)
class _Case:
    ev: Evidence
    obj: FluxObject
    phase: Phase
    chain: tuple[LinkState, ...]
    deps: tuple[LinkState, ...]

    @property
    def ready(self) -> Condition | None:
        return self.obj.condition("Ready")

    @property
    def reason(self) -> str:
        """The Ready reason while it is not True."""
        ready = self.ready
        return ready.reason if ready and ready.status != "True" else ""

    @property
    def waiting(self) -> bool:
        """Its Ready reason names no failure of its own, so a broken source or dependency
        is why it waits; an own failure (ValuesError, UpgradeFailed…) is told first."""
        return self.reason in WAITING_REASONS

    def helm_log_tail(self) -> str:
        """The last line of Helm's log in the newest Warning event about the object."""
        for event in reversed(self.ev.events):
            if event.about == self.obj.ref and event.type == "Warning" and event.helm_log:
                return event.helm_log[-1]
        return ""

    def finding(self, cause: Cause, cond: Condition, about: Ref | None = None) -> Finding:
        return Finding(cause, cond.reason, cond.message, f"{cond.type} condition", about=about)


DEPENDENCY = re.compile(r"dependency '([^'/]+)/([^']+)' is not ready")
HEALTH_TARGET = re.compile(r"(\w+)/([^/\s\[\]]+)/([^\s\[\]]+) status: '(\w+)'")
SOURCE_REASONS = {"SourceNotReady", "ArtifactFailed"}


def _dependency(case: _Case) -> Finding | None:
    dep = next((d for d in case.deps if d.phase is not Phase.READY), None)
    if case.reason == "DependencyNotReady" and case.ready is not None:
        named = DEPENDENCY.search(case.ready.message)
        about = Ref(case.obj.ref.kind, named[1], named[2]) if named else None
        if about is None and dep is not None:
            about = dep.ref
        return case.finding(Cause.DEPENDENCY_NOT_READY, case.ready, about)
    if dep is None or not case.waiting:
        return None
    message = f"{dep.ref} is {dep.phase.word}" + (f": {dep.message}" if dep.message else "")
    return Finding(
        Cause.DEPENDENCY_NOT_READY, "DependencyNotReady", message, str(dep.ref), about=dep.ref
    )


def _source(case: _Case) -> Finding | None:
    broken = [s for s in case.chain if s.phase not in (Phase.READY, Phase.IN_PROGRESS)]
    if case.reason not in SOURCE_REASONS and not (broken and case.waiting):
        return None
    waiting = [s for s in case.chain if s.phase is not Phase.READY]
    if not waiting:
        assert case.ready is not None  # a SOURCE_REASONS reason comes from Ready
        return case.finding(Cause.SOURCE_NOT_READY, case.ready)
    root = (broken or waiting)[-1]  # nearest the source: the links above fail from it
    reason = case.reason or root.reason
    return Finding(Cause.SOURCE_NOT_READY, reason, root.message, str(root.ref), about=root.ref)


def _values(case: _Case) -> Finding | None:
    if case.reason == "ValuesError" and case.ready is not None:
        return case.finding(Cause.VALUES_ERROR, case.ready)
    return None


HELM_FAILURE_REASONS = {
    "InstallFailed",
    "UpgradeFailed",
    "TestFailed",
    "RollbackFailed",
    "UninstallFailed",
}


def _helm_error(obj: FluxObject) -> Condition | None:
    """Helm's own error: a failed Released or TestSuccess, else a failed Remediated (a
    successful rollback or uninstall is only the aftermath), else a Ready condition that
    carries the failed action itself (no Released condition was listed)."""
    for type_ in ("Released", "TestSuccess", "Remediated"):
        cond = obj.condition(type_)
        if cond and cond.status == "False":
            return cond
    ready = obj.condition("Ready")
    if ready and ready.status == "False" and ready.reason in HELM_FAILURE_REASONS:
        return ready
    return None


def _stalled(case: _Case) -> Finding | None:
    stalled = case.obj.condition("Stalled")
    ready = case.ready
    exhausted = ready is not None and RETRIES_EXHAUSTED_TEXT in ready.message and case.reason != ""
    if case.phase is not Phase.FAILED or not (stalled and stalled.status == "True" or exhausted):
        return None
    summary = stalled if stalled and stalled.status == "True" else ready
    assert summary is not None
    cause = (
        Cause.RETRIES_EXHAUSTED
        if summary.reason == "RetriesExceeded" or exhausted
        else Cause.STALLED
    )
    helm = _helm_error(case.obj)
    if cause is Cause.STALLED or helm is None:
        return Finding(
            cause,
            summary.reason,
            summary.message,
            f"{summary.type} condition",
            case.helm_log_tail(),
        )
    source = f"{helm.type} condition"
    return Finding(cause, summary.reason, helm.message, source, case.helm_log_tail())


def _release(case: _Case) -> Finding | None:
    if case.obj.ref.kind != "HelmRelease":
        return None
    helm = _helm_error(case.obj)
    if helm is None and case.reason not in HELM_FAILURE_REASONS:
        return None
    cond = helm or case.ready
    assert cond is not None
    return Finding(
        Cause.RELEASE_FAILED,
        cond.reason,
        cond.message,
        f"{cond.type} condition",
        case.helm_log_tail(),
    )


def _kustomization(case: _Case) -> Finding | None:
    ready = case.ready
    if ready is None or case.reason not in ("BuildFailed", "HealthCheckFailed"):
        return None
    if case.reason == "BuildFailed":
        return case.finding(Cause.BUILD_FAILED, ready)
    targets = [
        Ref(kind, ns, name)
        for kind, ns, name, state in HEALTH_TARGET.findall(ready.message)
        if state != "Current"
    ]
    about = next((t for t in targets if t.kind in ("HelmRelease", "Kustomization")), None)
    return case.finding(
        Cause.HEALTH_CHECK_FAILED, ready, about or (targets[0] if targets else None)
    )


def _rest(case: _Case) -> Finding | None:
    cond = case.ready or case.obj.condition("Stalled")
    if case.phase in (Phase.FAILING, Phase.FAILED) and cond is not None:
        return case.finding(Cause.RECONCILE_FAILED, cond)
    running = case.obj.condition("Reconciling")
    shown = running if running and running.status == "True" else case.ready
    if shown is None:
        message = f"generation {case.obj.generation} not yet observed by its controller"
        return Finding(Cause.IN_PROGRESS, "", message, "status")
    return case.finding(Cause.IN_PROGRESS, shown)


RULES: tuple[Callable[[_Case], Finding | None], ...] = (
    _dependency,
    _source,
    _values,
    _stalled,
    _release,
    _kustomization,
    _rest,
)


def find_cause(
    ev: Evidence,
    phase: Phase,
    chain: tuple[LinkState, ...],
    deps: tuple[LinkState, ...],
    *,
    declared: bool,
) -> Finding | None:
    """The first rule that holds (module docstring); None when the object is Ready."""
    obj = ev.subject
    if phase is Phase.READY:
        return None
    if obj is not None and obj.suspended:
        return Finding(Cause.SUSPENDED, "", "spec.suspend is true: Flux leaves it alone", "spec")
    # a Deployment not found may run elsewhere (flux install --namespace): not taken for down
    down = next((c for c in ev.controllers if c.found and not c.ready), None)
    if down is not None:
        message = f"{down.name} is not ready: {down.message}"
        return Finding(
            Cause.CONTROLLER_NOT_READY, "", message, f"Deployment {down.namespace}/{down.name}"
        )
    if obj is None:
        if declared:
            return Finding(
                Cause.MISSING,
                "",
                "declared in config/flux.yaml, not found in the cluster",
                "cluster",
            )
        return Finding(
            Cause.NOT_FOUND,
            "",
            "not found in the cluster, nor declared in config/flux.yaml",
            "cluster",
        )
    if obj.deleting:
        return Finding(Cause.TERMINATING, "", "deletion in progress", "metadata")
    case = _Case(ev, obj, phase, chain, deps)
    return next((f for f in (rule(case) for rule in RULES) if f is not None), None)
