"""The facts a diagnosis rests on: one Flux object, its sources and dependencies, its
events, its controller's log lines and Deployment, as frozen dataclasses.

`evidence.gather()` builds them from what kubectl returns; `diagnose.py` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .status import Condition

ConditionFact = Condition  # one condition model (and reader) for status and diagnosis

# The controller that reconciles each kind (and writes its log lines and events).
CONTROLLER_OF = {"HelmRelease": "helm-controller", "Kustomization": "kustomize-controller"}
SOURCE_CONTROLLER = "source-controller"
LAST_HELM_LOGS = re.compile(r"\n*Last Helm logs:\n*")


@dataclass(frozen=True, order=True)
class Ref:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def controller_of(kind: str) -> str:
    return CONTROLLER_OF.get(kind, SOURCE_CONTROLLER)


@dataclass(frozen=True)
class ObjectFacts:
    """The fields of one object that say whether it works (kstatus) and why not."""

    ref: Ref
    generation: int | None = None
    observed_generation: int | None = None
    suspended: bool = False
    deleting: bool = False
    static: bool = False  # an OCI HelmRepository: no reconciler, always usable (Flux >= 2.2)
    conditions: tuple[ConditionFact, ...] = ()
    api_version: str = ""

    def condition(self, type_: str) -> ConditionFact | None:
        return next((c for c in self.conditions if c.type == type_), None)


@dataclass(frozen=True)
class Revisions:
    attempted: str = ""  # status.lastAttemptedRevision
    applied: str = ""  # the last deployed chart version / lastAppliedRevision / artifact
    values_changed: bool | None = None  # HelmRelease: attempted config digest != applied one


@dataclass(frozen=True)
class HistoryEntry:
    """One snapshot of status.history, newest first: a Helm release or a KS revision."""

    revision: str  # chart version, or the Kustomization's source revision
    status: str  # deployed, failed, superseded… / ReconciliationSucceeded, HealthCheckFailed…
    when: str  # lastDeployed / lastReconciled
    action: str = ""  # install, upgrade, rollback (Flux >= 2.8)
    release: int | None = None  # the Helm release version (v6)
    chart: str = ""
    failed_tests: tuple[str, ...] = ()
    count: int | None = None  # totalReconciliations


@dataclass(frozen=True)
class Link:
    """An object this one needs (a source in its chain, or a dependency)."""

    ref: Ref
    facts: ObjectFacts | None  # None: not found in the cluster


@dataclass(frozen=True)
class EventFact:
    about: Ref
    type: str  # Normal | Warning
    reason: str
    message: str
    when: str  # RFC 3339
    count: int = 1

    @property
    def summary(self) -> str:
        """The message without Helm's log."""
        return LAST_HELM_LOGS.split(self.message, maxsplit=1)[0]

    @property
    def helm_log(self) -> tuple[str, ...]:
        """The lines after "Last Helm logs:" (helm-controller's failed-action Warning)."""
        parts = LAST_HELM_LOGS.split(self.message, maxsplit=1)
        return (
            tuple(line for line in parts[1].splitlines() if line.strip()) if len(parts) > 1 else ()
        )


@dataclass(frozen=True)
class LogLine:
    ts: str
    level: str
    msg: str
    error: str = ""


@dataclass(frozen=True)
class ControllerFact:
    name: str  # helm-controller
    namespace: str
    found: bool
    ready: bool
    message: str  # "1/1 replicas ready", or why not


@dataclass(frozen=True)
class Evidence:
    ref: Ref
    subject: ObjectFacts | None  # None: not found in the cluster
    revisions: Revisions = Revisions()
    counters: tuple[tuple[str, int], ...] = ()  # (failures, 1), (upgradeFailures, 1)
    history: tuple[HistoryEntry, ...] = ()
    chain: tuple[Link, ...] = ()  # from the object toward its source
    dependencies: tuple[Link, ...] = ()
    events: tuple[EventFact, ...] = ()  # oldest first
    events_read: bool = True
    logs: tuple[LogLine, ...] = ()  # oldest first
    logs_error: str = ""  # why the controller log could not be read
    controllers: tuple[ControllerFact, ...] = ()
