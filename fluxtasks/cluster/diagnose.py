"""Why a Flux object is not Ready, and what to run next: `diagnose()` turns the facts of
`evidence.gather()` into one typed Diagnosis — its phase (`status.classify`, the one
classification), its cause (`causes.py`), the next command for that cause (`advice.py`) and
the controller's own progress.

While a controller works it sets `Reconciling=True` with a message that names the action
and its timeout, "Running 'upgrade' action with timeout of 5m0s" (helm-controller) or
"Running health checks for revision R with a timeout of 2m0s" (kustomize-controller). With
the condition's lastTransitionTime and an injected "now" (the clock's wall time, never read
here) that reads as "running 'upgrade' 1m40s of 5m0s", so a long wait never looks hung.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .._text import one_line
from ..durations import format_duration
from .advice import Advice, Finding, advise
from .causes import LinkState, chain_states, find_cause, link_state
from .evidence import Evidence, gather
from .status import REPORTED_KINDS, Condition, FluxObject, Phase, Ref, Snapshot, classify

_RUNNING = re.compile(
    r"^(?P<what>.+?)(?: for revision \S+)? with (?:a )?timeout of (?P<timeout>[0-9][0-9a-zµμ.]*)\s*$",
    re.DOTALL,
)


def parse_time(text: str) -> dt.datetime | None:
    """An RFC 3339 time as the API server writes it (UTC, "Z"); None when unreadable."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def elapsed(since: str, now: dt.datetime) -> str | None:
    """Whole seconds from `since` to `now` as Go prints a duration (1m40s); None when
    `since` is unreadable."""
    start = parse_time(since)
    if start is None:
        return None
    seconds = max(0, int((now - start).total_seconds()))
    return format_duration(seconds * 1_000_000_000)


def progress_text(message: str, since: str, now: dt.datetime) -> str:
    """ "Running 'upgrade' action with timeout of 5m0s" since 11:58:20, at 12:00:00 ->
    "running 'upgrade' 1m40s of 5m0s". Other messages keep their words, with the time
    spent: "waiting for the source, for 1m40s". One line, safe to print."""
    taken = elapsed(since, now)
    match = _RUNNING.match(message.strip())
    if match is None:
        words = " ".join(message.split()) or "reconciling"
        return one_line(f"{words[:1].lower()}{words[1:]}" + (f", for {taken}" if taken else ""))
    what = " ".join(match.group("what").split()).removesuffix(" action")
    what = what[:1].lower() + what[1:]
    timeout = match.group("timeout")
    return one_line(f"{what} {taken} of {timeout}" if taken else f"{what} (timeout {timeout})")


def object_progress(obj: FluxObject, now: dt.datetime) -> str | None:
    """The controller's progress on `obj`, from its Reconciling=True condition; None when
    it is not reconciling."""
    running = obj.condition("Reconciling")
    if running is None or running.status != "True":
        return None
    return progress_text(running.message, running.since, now)


@dataclass(frozen=True)
class Diagnosis:
    ref: Ref
    cluster: str
    phase: Phase
    decided_by: Condition | None  # the condition behind the phase (the headline's reason)
    finding: Finding | None  # None when Ready
    advice: Advice | None
    evidence: Evidence
    chain: tuple[LinkState, ...]
    dependencies: tuple[LinkState, ...]
    progress: str | None  # "running 'upgrade' 1m40s of 5m0s", while Reconciling
    now: dt.datetime

    @property
    def ok(self) -> bool:
        return self.phase is Phase.READY

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


def _reset_available(obj: FluxObject | None) -> bool:
    """`flux reconcile hr --reset` exists from Flux 2.2, the release that brought the
    Stalled and Reconciling conditions and the v2beta2 API."""
    if obj is None:
        return True
    kstatus = any(c.type in ("Stalled", "Reconciling") for c in obj.conditions)
    return kstatus or not obj.api_version.endswith("/v2beta1")


def diagnose(ev: Evidence, *, cluster: str, now: dt.datetime, declared: bool = True) -> Diagnosis:
    """The whole answer for one object on `cluster`. `now` is injected (the report's ages
    and the progress reading), `declared` says whether config/flux.yaml declares it."""
    if ev.subject is None:
        phase, decided_by = Phase.MISSING, None
    else:
        health = classify(ev.subject)
        phase, decided_by = health.phase, health.condition
    chain = chain_states(ev.chain)
    deps = tuple(link_state(d) for d in ev.dependencies)
    finding = find_cause(ev, phase, chain, deps, declared=declared)
    advice = (
        advise(finding, ev.ref, cluster, reset_available=_reset_available(ev.subject))
        if finding is not None
        else None
    )
    progress = object_progress(ev.subject, now) if ev.subject is not None else None
    return Diagnosis(
        ev.ref, cluster, phase, decided_by, finding, advice, ev, chain, deps, progress, now
    )


def diagnose_polled(
    snapshot: Snapshot, ref: Ref, *, cluster: str, now: dt.datetime, declared: bool
) -> Diagnosis:
    """A diagnosis from one status poll alone (no HelmCharts, Deployments, events or logs
    in it): the cause and next command flux.status and flux.watch show for an object that is
    not Ready."""
    evidence = gather(ref, snapshot.items, None, None, read_kinds=REPORTED_KINDS)
    return diagnose(evidence, cluster=cluster, now=now, declared=declared)
