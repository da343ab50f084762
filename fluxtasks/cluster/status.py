"""Flux objects as the API server reports them: one object model, one classification (used by
flux.status, flux.watch and flux.why alike) and the one read every poll makes.

`flux get` has no machine-readable output and `flux resume` cannot be trusted to report a
failed wait before Flux 2.9, so we read objects ourselves: one `kubectl get <five kinds>
-A -o json` per poll, whatever the number of objects, parsed into frozen dataclasses and
indexed by (kind, namespace, name) once, so every later lookup is a dict access.

`classify` follows the kstatus rules the flux CLI waits with, in their order — a deletion
timestamp is terminating; `status.observedGeneration` != `metadata.generation` is in
progress; the first of `Reconciling=True` (in progress) or `Stalled=True` (failed) in list
order; `Ready=True` is ready, `Ready=False/Unknown` in progress; no Ready condition counts
as ready — with three additions:

* `spec.suspend` is its own phase: Flux leaves the object alone, whatever it last said.
* FAILING, which kstatus has no word for: Ready=False on the current generation with a
  reason of its own (not "progressing" or "waiting for a dependency"), while the controller
  only retries or is idle. A failing Kustomization is never Stalled (it keeps
  Reconciling/ProgressingWithRetry), so a kstatus wait on it runs into its timeout.
* Before Flux 2.2 (no Stalled condition), a Ready message "… retries exhausted" is FAILED:
  the release will not try again by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from .._data import as_mapping, as_mappings, as_text, read_json
from ..errors import (
    EXIT_TIMEOUT,
    CheckFailed,
    CommandFailed,
    CommandTimedOut,
    FluxTasksError,
    ToolError,
)
from ..flux import KINDS, SOURCE_KINDS
from .connection import Connection
from .reach import unreachable
from .target import ClusterTarget

# plural.group of every Flux kind we report, in the order of the `kubectl get` argument
# and of the table's undeclared rows.
STATUS_RESOURCES: dict[str, str] = {
    KINDS[kind].resource: kind for kind in ("Kustomization", "HelmRelease", *SOURCE_KINDS)
}
REPORTED_KINDS = tuple(STATUS_RESOURCES.values())


class Ref(NamedTuple):
    """Kind, namespace and name: equal to the plain tuples `Config.declared()` yields."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


ObjectKey = tuple[str, str, str]  # (kind, namespace, name): a Ref, or a tuple from the config


class Phase(Enum):
    """An object's state, as every report names it."""

    READY = "ready"
    IN_PROGRESS = "in-progress"
    FAILING = "failing"  # Ready=False on the current generation, retrying, not Stalled
    FAILED = "failed"  # Stalled, or retries exhausted: it will not retry by itself
    SUSPENDED = "suspended"
    TERMINATING = "terminating"
    MISSING = "missing"  # not in the cluster (never a result of `classify`)

    @property
    def word(self) -> str:
        """As running text says it: "in progress"."""
        return self.value.replace("-", " ")

    @property
    def label(self) -> str:
        """As a headline shouts it: "IN PROGRESS"."""
        return self.word.upper()


class StatusTimedOut(CheckFailed, code=EXIT_TIMEOUT):
    """kubectl gave no answer within its time limit: a failed poll that waits may retry."""


class Condition(NamedTuple):
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str = ""
    message: str = ""
    since: str = ""  # lastTransitionTime, RFC 3339
    observed_generation: int | None = None


class FluxObject(NamedTuple):
    """One object as the API server reports it (a NamedTuple: thousands are read per poll,
    and a tuple is built far faster than a frozen dataclass)."""

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
    api_version: str = ""

    @property
    def key(self) -> Ref:
        return Ref(self.kind, self.namespace, self.name)

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.namespace, self.name)

    @property
    def display(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    @property
    def static(self) -> bool:
        """An OCI HelmRepository: no reconciler, always usable (Flux >= 2.2)."""
        return self.kind == "HelmRepository" and self.repository_type == "oci"

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
        if self.static:
            return "True"
        ready = self.condition("Ready")
        return ready.status if ready else "False"


class Health(NamedTuple):
    """An object's phase, the message that explains it and the condition that decided it."""

    phase: Phase
    message: str
    condition: Condition | None = None


# Ready=False reasons that mean "not yet", not "broken".
WAITING_REASONS = frozenset({"", "Progressing", "ProgressingWithRetry", "DependencyNotReady"})
RETRIES_EXHAUSTED_TEXT = "retries exhausted"  # Flux <= 2.1: Ready=False, no Stalled


def classify(obj: FluxObject) -> Health:
    """The phase of one object (module docstring)."""
    if obj.deleting:
        return Health(Phase.TERMINATING, "deletion in progress")
    if obj.suspended:
        return Health(Phase.SUSPENDED, "spec.suspend is true: Flux leaves it alone")
    if obj.repository_type == "oci" and obj.kind == "HelmRepository":  # static: never reconciled
        return Health(Phase.READY, "Helm repository is Ready")
    if obj.observed_generation != obj.generation:
        observed = "none" if obj.observed_generation is None else obj.observed_generation
        return Health(
            Phase.IN_PROGRESS,
            f"generation {obj.generation} not yet observed (observed: {observed})",
        )
    running: Condition | None = None
    for cond in obj.conditions:
        if cond.status == "True" and cond.type == "Stalled":
            return Health(Phase.FAILED, cond.message or cond.reason or "stalled", cond)
        if cond.status == "True" and cond.type == "Reconciling":
            running = cond
            break
    ready = next((c for c in obj.conditions if c.type == "Ready"), None)
    if ready is None:
        if running is not None:
            return Health(Phase.IN_PROGRESS, running.message or "reconciling", running)
        return Health(Phase.READY, "")
    stale = ready.observed_generation is not None and ready.observed_generation != obj.generation
    if ready.status == "False" and not stale:
        if RETRIES_EXHAUSTED_TEXT in ready.message:
            return Health(Phase.FAILED, ready.message, ready)
        retrying = running is None or running.reason == "ProgressingWithRetry"
        if ready.reason not in WAITING_REASONS and retrying:
            return Health(Phase.FAILING, ready.message, ready)
    if running is not None:
        return Health(Phase.IN_PROGRESS, running.message or "reconciling", running)
    if ready.status != "True":
        return Health(Phase.IN_PROGRESS, ready.message or f"Ready={ready.status}", ready)
    if stale:
        return Health(
            Phase.IN_PROGRESS, f"Ready condition is from generation {ready.observed_generation}"
        )
    return Health(Phase.READY, ready.message, ready)


def ready_message(obj: FluxObject) -> str:
    """The message to show for an object: the Ready message, as `flux get` prints it."""
    if obj.static:
        return "Helm repository is Ready"
    ready = obj.condition("Ready")
    if ready is None:
        return "waiting to be reconciled"
    return ready.message


# ------------------------------------------------------------------ parsing


def _text(value: Any) -> str:
    return value if type(value) is str else ""


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def _revision(kind: str, status: Mapping[str, Any]) -> str:
    if kind == "Kustomization":
        return _text(status.get("lastAppliedRevision"))
    if kind == "HelmRelease":
        history = status.get("history")
        latest = history[0] if type(history) is list and history else None
        latest = latest if type(latest) is dict else {}
        return (
            _text(latest.get("chartVersion"))
            or _text(status.get("lastAttemptedRevision"))
            or _text(status.get("lastAppliedRevision"))
        )
    artifact = status.get("artifact")
    return _text(artifact.get("revision")) if type(artifact) is dict else ""


def read_conditions(status: Mapping[str, Any]) -> tuple[Condition, ...]:
    """`status.conditions` of an object as the API server returns it (anything that is not
    a mapping skipped, a field of another type read as absent). Written out inline: it
    runs for every object of every poll."""
    found = status.get("conditions")
    if type(found) is not list:
        return ()
    out = []
    for c in found:
        if type(c) is dict:
            t, st, r, m, since, g = (
                c.get("type"), c.get("status"), c.get("reason"), c.get("message"),
                c.get("lastTransitionTime"), c.get("observedGeneration"),
            )  # fmt: skip
            out.append(
                Condition(
                    t if type(t) is str else "",
                    st if type(st) is str and st else "Unknown",
                    r if type(r) is str else "",
                    m if type(m) is str else "",
                    since if type(since) is str else "",
                    g if type(g) is int else None,
                )
            )
    return tuple(out)


def item_ref(item: Mapping[str, Any]) -> Ref:
    meta = as_mapping(item.get("metadata"))
    return Ref(as_text(item.get("kind")), as_text(meta.get("namespace")), as_text(meta.get("name")))


def read_object(item: Mapping[str, Any]) -> FluxObject:
    """Any object of a `kubectl get -o json` List (a HelmChart too), as the model."""
    kind = _text(item.get("kind"))
    meta, spec, status = item.get("metadata"), item.get("spec"), item.get("status")
    meta = meta if type(meta) is dict else {}
    spec = spec if type(spec) is dict else {}
    status = status if type(status) is dict else {}
    namespace, name, generation = meta.get("namespace"), meta.get("name"), meta.get("generation")
    observed, kind_of_repo = status.get("observedGeneration"), spec.get("type")
    handled = status.get("lastHandledReconcileAt")
    return FluxObject(
        kind,
        namespace if type(namespace) is str else "",
        name if type(name) is str else "",
        generation if type(generation) is int else None,
        observed if type(observed) is int else None,
        spec.get("suspend") is True,
        bool(meta.get("deletionTimestamp")),
        read_conditions(status),
        _revision(kind, status),
        kind_of_repo if type(kind_of_repo) is str and kind_of_repo else None,
        handled if type(handled) is str and handled else None,
        _text(item.get("apiVersion")),
    )


def parse_object(item: Mapping[str, Any]) -> FluxObject | None:
    """One item of the status List; None for anything that is not a Flux kind we report."""
    return read_object(item) if item.get("kind") in REPORTED_KINDS else None


@dataclass(frozen=True)
class Snapshot:
    """Every Flux object of one poll, indexed once by key; `items` keeps each one's JSON for
    a diagnosis (its sources, dependencies, history)."""

    objects: tuple[FluxObject, ...] = ()
    items: Mapping[ObjectKey, Mapping[str, Any]] = field(default_factory=dict, compare=False)
    _by_key: dict[ObjectKey, FluxObject] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[ObjectKey, FluxObject] = {}
        for obj in self.objects:
            index.setdefault(obj[:3], obj)  # (kind, namespace, name)
        object.__setattr__(self, "_by_key", index)

    def get(self, key: ObjectKey) -> FluxObject | None:
        return self._by_key.get(key)


def load_json(text: str, what: str) -> Any:
    """kubectl's JSON output; ToolError when it is not JSON (or nested beyond Python's
    limit): _data.read_json, the one reader of kubectl's JSON."""
    return read_json(text, f"kubectl get {what}" if what else "kubectl get")


def list_items(text: str, what: str) -> list[dict[str, Any]]:
    """The items of a `kubectl get -o json` List (or the one object it printed)."""
    data = load_json(text, what)
    if isinstance(data, Mapping) and data.get("kind") == "List":
        if not isinstance(data.get("items"), list):
            raise ToolError(f"kubectl get {what} printed JSON without an items list")
        return as_mappings(data.get("items"))
    return [dict(data)] if isinstance(data, Mapping) else []


def snapshot_of(items: Iterable[Mapping[str, Any]]) -> Snapshot:
    objects: list[FluxObject] = []
    raw: dict[ObjectKey, Mapping[str, Any]] = {}
    for item in items:
        if item.get("kind") in REPORTED_KINDS:
            obj = read_object(item)
            objects.append(obj)
            raw.setdefault(obj[:3], item)
    return Snapshot(tuple(objects), raw)


def parse_list(text: str) -> Snapshot:
    """Parse `kubectl get … -o json` output (a List, or a single object)."""
    data = load_json(text, "")
    if isinstance(data, dict) and data.get("kind") == "List":
        items = data.get("items")
        if not isinstance(items, list):
            raise ToolError("kubectl get printed JSON without an items list")
    else:
        items = [data]
    return snapshot_of(item for item in items if isinstance(item, dict))


# ------------------------------------------------------------------ reading


def status_argv(target: ClusterTarget) -> list[str]:
    return target.kubectl("get", ",".join(STATUS_RESOURCES), "-A", "-o", "json")


def read_failure(
    exc: CommandFailed, target: ClusterTarget, what: str = "Flux objects"
) -> FluxTasksError:
    """What a failed read of `target` means: unreachable (exit 5), Flux not installed, or a
    failure of that read (exit 1)."""
    if isinstance(exc, CommandTimedOut):
        return StatusTimedOut(f"cannot read {what} from {target.describe()}: {exc.detail}")
    found = unreachable(exc, target)
    if found is not None:
        return found
    if "doesn't have a resource type" in exc.stderr:
        return CheckFailed(
            f"Flux is not installed on {target.describe()} ({exc.detail}): "
            f"run `invoke flux.install --cluster {target.cluster}` first"
        )
    return CheckFailed(f"cannot read {what} from {target.describe()}: {exc.detail}")


def read_status(conn: Connection, *, timeout: float | None = None) -> Snapshot:
    """One poll, killed after `timeout` seconds (default: the runner's limit). Under dry-run
    the argv is printed and an empty snapshot returned."""
    try:
        result = conn.runner.run(status_argv(conn.target), timeout=timeout)
    except CommandFailed as exc:
        raise read_failure(exc, conn.target) from None
    if conn.dry_run:
        return Snapshot()
    return parse_list(result.stdout)
