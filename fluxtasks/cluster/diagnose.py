"""Why a Flux object is not Ready, and what to run next: `diagnose()` turns the facts of
`evidence.gather()` into one typed Diagnosis, from its phase (`phase.py`), its cause
(`causes.py`) and the next command for that cause (`advice.py`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .advice import Advice, Finding, advise
from .causes import find_cause
from .facts import ConditionFact, Evidence, ObjectFacts, Ref
from .phase import DiagnosisPhase, LinkState, chain_states, link_state, phase_of
from .progress import progress_text


@dataclass(frozen=True)
class Diagnosis:
    ref: Ref
    cluster: str
    phase: DiagnosisPhase
    decided_by: ConditionFact | None  # the condition behind the phase (the headline's reason)
    finding: Finding | None  # None when Ready
    advice: Advice | None
    evidence: Evidence
    chain: tuple[LinkState, ...]
    dependencies: tuple[LinkState, ...]
    progress: str | None  # "running 'upgrade' 1m40s of 5m0s", while Reconciling
    now: dt.datetime

    @property
    def ok(self) -> bool:
        return self.phase is DiagnosisPhase.READY

    @property
    def events_expired(self) -> bool:
        """Events were read and none is left about the object: they expire (kube-apiserver
        --event-ttl, 1h by default), so last night's failure has none."""
        ev = self.evidence
        found = ev.subject is not None and ev.events_read
        return found and not any(e.about == self.ref for e in ev.events)

    @property
    def failed_tests(self) -> tuple[str, ...]:
        history = self.evidence.history
        return history[0].failed_tests if history else ()


def _reset_available(obj: ObjectFacts | None) -> bool:
    """`flux reconcile hr --reset` exists from Flux 2.2, the release that brought the
    Stalled and Reconciling conditions and the v2beta2 API."""
    if obj is None:
        return True
    kstatus = any(c.type in ("Stalled", "Reconciling") for c in obj.conditions)
    return kstatus or not obj.api_version.endswith("/v2beta1")


def diagnose(ev: Evidence, *, cluster: str, now: dt.datetime, declared: bool = True) -> Diagnosis:
    """The whole answer for one object on `cluster`. `now` is injected (the report's ages
    and the progress reading), `declared` says whether config/flux.yaml declares it."""
    phase, decided_by = phase_of(ev.subject)
    chain = chain_states(ev.chain)
    deps = tuple(link_state(d) for d in ev.dependencies)
    finding = find_cause(ev, phase, chain, deps, declared=declared)
    advice = (
        advise(finding, ev.ref, cluster, reset_available=_reset_available(ev.subject))
        if finding is not None
        else None
    )
    running = ev.subject.condition("Reconciling") if ev.subject else None
    progress = (
        progress_text(running.message, running.since, now)
        if running is not None and running.status == "True"
        else None
    )
    return Diagnosis(
        ev.ref, cluster, phase, decided_by, finding, advice, ev, chain, deps, progress, now
    )
