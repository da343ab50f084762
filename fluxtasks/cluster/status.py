"""Flux object status read straight from the API server, classified by the kstatus rules.

`flux get` has no machine-readable output and `flux resume` cannot be trusted to report a
failed wait before Flux 2.9, so we read objects ourselves: one `kubectl get <five kinds>
-A -o json` per poll, whatever the number of objects, parsed into frozen dataclasses.

Classification follows the kstatus rules the flux CLI waits with, in their order:
a deletion timestamp -> terminating; `status.observedGeneration` != `metadata.generation`
-> in progress; the first of `Reconciling=True` (in progress) or `Stalled=True` (failed) in
list order; `Ready=True` -> ready, `Ready=False/Unknown` -> in progress; no Ready
condition -> current, which counts as ready. `spec.suspend` is reported beside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .._data import as_int, as_mapping, as_mappings, as_text, dig
from ..errors import EXIT_TIMEOUT, CheckFailed, CommandFailed, CommandTimedOut, ToolError
from ..flux import KINDS, SOURCE_KINDS
from .connection import Connection
from .target import ClusterTarget

# plural.group of every Flux kind we report, in the order of the `kubectl get` argument
# and of the table's undeclared rows.
STATUS_RESOURCES: dict[str, str] = {
    KINDS[kind].resource: kind for kind in ("Kustomization", "HelmRelease", *SOURCE_KINDS)
}
REPORTED_KINDS = tuple(STATUS_RESOURCES.values())

ObjectKey = tuple[str, str, str]  # (kind, namespace, name), as Config.declared() yields


class Phase(StrEnum):
    """An object's state as reports print it."""

    READY = "ready"
    IN_PROGRESS = "in progress"
    FAILED = "failed"
    TERMINATING = "terminating"
    MISSING = "missing"  # not in the cluster (never a result of `classify`)


class StatusTimedOut(CheckFailed, code=EXIT_TIMEOUT):
    """kubectl gave no answer within its time limit: a failed poll that waits may retry."""


@dataclass(frozen=True)
class Condition:
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str = ""
    message: str = ""
    since: str = ""  # lastTransitionTime, RFC 3339
    observed_generation: int | None = None


@dataclass(frozen=True)
class FluxObject:
    kind: str
    namespace: str
    name: str
    generation: int | None = None
    observed_generation: int | None = None
    suspended: bool = False
    deleting: bool = False
    conditions: tuple[Condition, ...] = ()
    revision: str = ""
    repository_type: str | None = None  # HelmRepository spec.type ("oci" is never reconciled)
    last_handled_reconcile_at: str | None = None

    @property
    def key(self) -> ObjectKey:
        return (self.kind, self.namespace, self.name)

    @property
    def display(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def condition(self, type_: str) -> Condition | None:
        for cond in self.conditions:
            if cond.type == type_:
                return cond
        return None

    @property
    def health(self) -> Health:
        return classify(self)

    @property
    def ready_status(self) -> str:
        """The Ready condition's status as `flux get` shows it ("False" when there is none)."""
        ready = self.condition("Ready")
        return ready.status if ready else "False"


@dataclass(frozen=True)
class Health:
    """An object's kstatus phase, and the message that explains it."""

    phase: Phase
    message: str


def classify(obj: FluxObject) -> Health:
    """Apply the kstatus rules (see the module docstring) to one object."""
    if obj.deleting:
        return Health(Phase.TERMINATING, "deletion in progress")
    if obj.kind == "HelmRepository" and obj.repository_type == "oci":
        # Static object: the controller never reconciles it; `flux get` shows it Ready.
        return Health(Phase.READY, "Helm repository is Ready")
    if obj.observed_generation != obj.generation:
        observed = "none" if obj.observed_generation is None else obj.observed_generation
        return Health(
            Phase.IN_PROGRESS,
            f"generation {obj.generation} not yet observed (observed: {observed})",
        )
    for cond in obj.conditions:
        if cond.type == "Reconciling" and cond.status == "True":
            return Health(Phase.IN_PROGRESS, cond.message or "reconciling")
        if cond.type == "Stalled" and cond.status == "True":
            return Health(Phase.FAILED, cond.message or cond.reason or "stalled")
    ready = obj.condition("Ready")
    if ready is None:
        return Health(Phase.READY, "")
    if ready.status != "True":
        return Health(Phase.IN_PROGRESS, ready.message or f"Ready={ready.status}")
    if ready.observed_generation and ready.observed_generation != obj.generation:
        return Health(
            Phase.IN_PROGRESS, f"Ready condition is from generation {ready.observed_generation}"
        )
    return Health(Phase.READY, ready.message)


def ready_message(obj: FluxObject) -> str:
    """The message to show for an object: the Ready message, as `flux get` prints it."""
    if obj.kind == "HelmRepository" and obj.repository_type == "oci":
        return "Helm repository is Ready"
    ready = obj.condition("Ready")
    if ready is None:
        return "waiting to be reconciled"
    return ready.message


# ------------------------------------------------------------------ parsing


def _revision(kind: str, status: Mapping[str, Any]) -> str:
    if kind == "Kustomization":
        return as_text(status.get("lastAppliedRevision"))
    if kind == "HelmRelease":
        history = status.get("history")
        latest = as_mapping(history[0]) if isinstance(history, list) and history else {}
        return (
            as_text(latest.get("chartVersion"))
            or as_text(status.get("lastAttemptedRevision"))
            or as_text(status.get("lastAppliedRevision"))
        )
    return as_text(dig(status, "artifact.revision"))


def read_conditions(status: Mapping[str, Any]) -> tuple[Condition, ...]:
    """`status.conditions` of an object as the API server returns it."""
    return tuple(
        Condition(
            type=as_text(c.get("type")),
            status=as_text(c.get("status")) or "Unknown",
            reason=as_text(c.get("reason")),
            message=as_text(c.get("message")),
            since=as_text(c.get("lastTransitionTime")),
            observed_generation=as_int(c.get("observedGeneration")),
        )
        for c in as_mappings(status.get("conditions"))
    )


def parse_object(item: Mapping[str, Any]) -> FluxObject | None:
    """One item of the List; None for anything that is not a Flux kind we report."""
    kind = as_text(item.get("kind"))
    if kind not in REPORTED_KINDS:
        return None
    meta = as_mapping(item.get("metadata"))
    spec = as_mapping(item.get("spec"))
    status = as_mapping(item.get("status"))
    return FluxObject(
        kind=kind,
        namespace=as_text(meta.get("namespace")),
        name=as_text(meta.get("name")),
        generation=as_int(meta.get("generation")),
        observed_generation=as_int(status.get("observedGeneration")),
        suspended=spec.get("suspend") is True,
        deleting=bool(meta.get("deletionTimestamp")),
        conditions=read_conditions(status),
        revision=_revision(kind, status),
        repository_type=as_text(spec.get("type")) or None,
        last_handled_reconcile_at=as_text(status.get("lastHandledReconcileAt")) or None,
    )


@dataclass(frozen=True)
class Snapshot:
    """Every Flux object of one poll."""

    objects: tuple[FluxObject, ...] = ()

    def get(self, key: ObjectKey) -> FluxObject | None:
        for obj in self.objects:
            if obj.key == key:
                return obj
        return None

    def by_key(self) -> dict[ObjectKey, FluxObject]:
        return {obj.key: obj for obj in self.objects}


def parse_list(text: str) -> Snapshot:
    """Parse `kubectl get … -o json` output (a List, or a single object)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError(f"kubectl get printed something that is not JSON ({exc.msg})") from None
    items = data.get("items") if isinstance(data, dict) and data.get("kind") == "List" else [data]
    if not isinstance(items, list):
        raise ToolError("kubectl get printed JSON without an items list")
    objects = [parse_object(item) for item in items if isinstance(item, dict)]
    return Snapshot(tuple(obj for obj in objects if obj is not None))


# ------------------------------------------------------------------ reading


def status_argv(target: ClusterTarget) -> list[str]:
    return target.kubectl("get", ",".join(STATUS_RESOURCES), "-A", "-o", "json")


def read_status(conn: Connection, *, timeout: float | None = None) -> Snapshot:
    """One poll, killed after `timeout` seconds (default: the runner's limit). Under dry-run
    the argv is printed and an empty snapshot returned."""
    target = conn.target
    try:
        result = conn.runner.run(status_argv(target), timeout=timeout)
    except CommandTimedOut as exc:
        raise StatusTimedOut(
            f"cannot read Flux objects from {target.describe()}: {exc.detail}"
        ) from None
    except CommandFailed as exc:
        if "doesn't have a resource type" in exc.stderr:
            raise CheckFailed(
                f"Flux is not installed on {target.describe()} ({exc.detail}): "
                "run `invoke flux.install` first"
            ) from None
        raise CheckFailed(
            f"cannot read Flux objects from {target.describe()}: {exc.detail}"
        ) from None
    if conn.dry_run:
        return Snapshot()
    return parse_list(result.stdout)


# ------------------------------------------------------------------ the status table

_HEX_RUN = re.compile(r"[0-9a-f]{40,128}")


def shorten_hashes(text: str) -> str:
    """Cut long hex runs (Git SHAs, digests) to 8 characters, as `flux get` does."""
    return _HEX_RUN.sub(lambda m: m.group(0)[:8], text)


@dataclass(frozen=True)
class StatusRow:
    key: ObjectKey
    declared: bool
    obj: FluxObject | None  # None: declared but missing from the cluster

    @property
    def ok(self) -> bool:
        return self.obj is not None and self.obj.health.phase is Phase.READY

    def cells(self) -> list[str]:
        kind, namespace, name = self.key
        mark = "*" if self.declared else " "
        if self.obj is None:
            return [
                mark,
                kind,
                f"{namespace}/{name}",
                "-",
                Phase.MISSING.value,
                "-",
                "-",
                "not found in the cluster",
            ]
        health = self.obj.health
        message = health.message if health.phase is Phase.FAILED else ready_message(self.obj)
        revision = self.obj.revision
        if kind != "HelmRelease":
            revision, message = shorten_hashes(revision), shorten_hashes(message)
        if health.phase is Phase.IN_PROGRESS and health.message and health.message != message:
            message = f"{health.message}; {message}" if message else health.message
        return [
            mark,
            kind,
            f"{namespace}/{name}",
            self.obj.ready_status if health.phase is not Phase.READY else "True",
            health.phase.value,
            str(self.obj.suspended),
            revision or "-",
            " ".join(message.split()),
        ]


HEADER = ["", "KIND", "NAMESPACE/NAME", "READY", "STATUS", "SUSPENDED", "REVISION", "MESSAGE"]


def status_rows(declared: Iterable[ObjectKey], snapshot: Snapshot) -> list[StatusRow]:
    """Declared objects first (config order, missing ones included), then the rest sorted."""
    found = snapshot.by_key()
    rows: list[StatusRow] = []
    seen: set[ObjectKey] = set()
    for key in declared:
        if key in seen:
            continue
        seen.add(key)
        rows.append(StatusRow(key, True, found.get(key)))
    rest = sorted(
        (k for k in found if k not in seen), key=lambda k: (REPORTED_KINDS.index(k[0]), k[1], k[2])
    )
    rows.extend(StatusRow(key, False, found[key]) for key in rest)
    return rows


def format_table(rows: Sequence[StatusRow]) -> list[str]:
    """Plain aligned columns (two spaces apart); the message column is never padded."""
    table = [HEADER] + [row.cells() for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER) - 1)]
    lines = []
    for r in table:
        padded = "  ".join(cell.ljust(w) for cell, w in zip(r[:-1], widths, strict=True))
        lines.append(f"{padded}  {r[-1]}".rstrip())
    return lines


def show_status(conn: Connection, declared: Iterable[ObjectKey], shown_config: str) -> None:
    """`flux.status`: one read, then the table and a summary line through `conn.say`;
    CheckFailed when a declared object is not ready. A dry run only shows the read."""
    snapshot = read_status(conn)
    if conn.dry_run:
        return
    rows = status_rows(declared, snapshot)
    for line in format_table(rows):
        conn.say(line)
    mine = [row for row in rows if row.declared]
    bad = sum(1 for row in mine if not row.ok)
    conn.say(f"* declared in {shown_config}: {len(mine) - bad} of {len(mine)} ready")
    if bad:
        raise CheckFailed(
            f"{bad} of {len(mine)} declared object(s) not ready on {conn.target.describe()}"
        )
