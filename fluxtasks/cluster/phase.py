"""The phase of a Flux object, by the kstatus rules the flux CLI waits with, plus FAILING.

kstatus has no word for an object that keeps failing without ever being Stalled: a failing
Kustomization keeps Ready=False with Reconciling/ProgressingWithRetry, so a wait on it runs
into its timeout. Here Ready=False on the current generation, with a reason that is not
just "not yet", while the controller only retries (or is idle) reads as FAILING at once.
A Stalled object, or (Flux <= 2.1) one whose Ready message says "retries exhausted", is
FAILED: it will not try again by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .facts import ConditionFact, Link, ObjectFacts, Ref


class DiagnosisPhase(Enum):
    READY = "ready"
    IN_PROGRESS = "in-progress"
    FAILING = "failing"  # Ready=False on the current generation, retrying, not Stalled
    FAILED = "failed"  # Stalled, or retries exhausted: it will not retry by itself
    SUSPENDED = "suspended"
    MISSING = "missing"
    TERMINATING = "terminating"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").upper()


@dataclass(frozen=True)
class LinkState:
    """A source of the chain or a dependency, with its own phase."""

    ref: Ref
    phase: DiagnosisPhase
    reason: str
    message: str
    marked: bool = False  # the first link of the chain that is not Ready


# Ready=False reasons that mean "not yet", not "broken".
WAITING_REASONS = {"", "Progressing", "ProgressingWithRetry", "DependencyNotReady"}
RETRIES_EXHAUSTED_TEXT = "retries exhausted"  # Flux <= 2.1: Ready=False, no Stalled


def _current(obj: ObjectFacts, cond: ConditionFact) -> bool:
    """The condition speaks about the object's current generation."""
    if cond.observed_generation is not None:
        return cond.observed_generation == obj.generation
    return obj.observed_generation == obj.generation


def phase_of(obj: ObjectFacts | None) -> tuple[DiagnosisPhase, ConditionFact | None]:
    """The phase of one object, and the condition that decided it."""
    if obj is None:
        return DiagnosisPhase.MISSING, None
    if obj.deleting:
        return DiagnosisPhase.TERMINATING, None
    if obj.suspended:
        return DiagnosisPhase.SUSPENDED, None
    if obj.static:
        return DiagnosisPhase.READY, None
    stalled, ready = obj.condition("Stalled"), obj.condition("Ready")
    reconciling = obj.condition("Reconciling")
    running = reconciling if reconciling and reconciling.status == "True" else None
    if stalled and stalled.status == "True" and _current(obj, stalled):
        return DiagnosisPhase.FAILED, stalled
    if ready is None:  # kstatus: no conditions on an observed generation is Current
        seen = obj.generation is not None and obj.observed_generation == obj.generation
        return (
            DiagnosisPhase.READY if seen and not running else DiagnosisPhase.IN_PROGRESS
        ), running
    if ready.status == "False" and _current(obj, ready):
        if RETRIES_EXHAUSTED_TEXT in ready.message:
            return DiagnosisPhase.FAILED, ready
        retrying = running is None or running.reason == "ProgressingWithRetry"
        if ready.reason not in WAITING_REASONS and retrying:
            return DiagnosisPhase.FAILING, ready
    observed = obj.observed_generation in (None, obj.generation)
    if ready.status == "True" and _current(obj, ready) and observed and running is None:
        return DiagnosisPhase.READY, ready
    return DiagnosisPhase.IN_PROGRESS, running or ready


def link_state(link: Link, marked: bool = False) -> LinkState:
    phase, cond = phase_of(link.facts)
    if link.facts is None:
        return LinkState(link.ref, phase, "", "not found in the cluster", marked)
    if link.facts.static:
        return LinkState(link.ref, phase, "", "static OCI repository (never reconciled)", marked)
    shown = link.facts.condition("Ready") or cond
    reason, message = (shown.reason, shown.message) if shown else ("", "")
    return LinkState(link.ref, phase, reason, message, marked)


def chain_states(links: tuple[Link, ...]) -> tuple[LinkState, ...]:
    """The chain with its first link that is not Ready marked."""
    states = [link_state(link) for link in links]
    first = next((i for i, s in enumerate(states) if s.phase is not DiagnosisPhase.READY), None)
    if first is not None:
        states[first] = link_state(links[first], marked=True)
    return tuple(states)
