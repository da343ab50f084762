"""What the cluster says about one Flux object, gathered into frozen facts: the object, its
source chain and dependencies, its revisions, failure counters and history, its events, its
controller's log lines and Deployment.

The input is what kubectl returns (`why.py` runs the reads): the items of one `kubectl get
… -A -o json` List (Flux objects, HelmCharts, Deployments), indexed by key once so that
gathering stays linear in the cluster's size, the Events List about the object and the lines
of its controller's log. `flux.status` gathers from its own poll, which holds neither
HelmCharts nor Deployments: links of a kind that was not read are left out, never taken for
missing. Nothing here runs a command, reads a clock or decides a cause (`causes.py` does).
Malformed data reads as missing fields (`_data`), never as an exception.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._data import as_int, as_mapping, as_mappings, as_text, dig
from ..flux import DEFAULT_NAMESPACE
from .activity import ControllerFact, EventFact, LogLine, controller_fact, event_facts, log_facts
from .status import FluxObject, Ref, item_ref, read_object

# The controller that reconciles each kind (and writes its log lines and events).
CONTROLLER_OF = {"HelmRelease": "helm-controller", "Kustomization": "kustomize-controller"}
SOURCE_CONTROLLER = "source-controller"

ItemIndex = Mapping[tuple[str, str, str], Mapping[str, Any]]


def controller_of(kind: str) -> str:
    return CONTROLLER_OF.get(kind, SOURCE_CONTROLLER)


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
    facts: FluxObject | None  # None: not found in the cluster


@dataclass(frozen=True)
class Evidence:
    ref: Ref
    subject: FluxObject | None  # None: not found in the cluster
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
    logs_read: bool = True


def index_items(
    items: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    """The items of a List by (kind, namespace, name); the first of a key wins."""
    index: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for item in items:
        index.setdefault(item_ref(item), item)
    return index


def _ref_from(value: Any, default_ns: str, default_kind: str = "") -> Ref | None:
    """A `{kind, name, namespace}` reference; the namespace defaults to the referrer's."""
    ref = as_mapping(value)
    name = as_text(ref.get("name"))
    kind = as_text(ref.get("kind")) or default_kind
    return Ref(kind, as_text(ref.get("namespace")) or default_ns, name) if name and kind else None


def chain_refs(item: Mapping[str, Any], index: ItemIndex) -> list[Ref]:
    """HelmRelease -> HelmChart -> HelmRepository/GitRepository (or -> its chartRef);
    Kustomization -> GitRepository/OCIRepository; nothing for a source."""
    ref = item_ref(item)
    spec = as_mapping(item.get("spec"))
    if ref.kind == "Kustomization":
        source = _ref_from(spec.get("sourceRef"), ref.namespace)
        return [source] if source else []
    if ref.kind != "HelmRelease":
        return []
    chart_ref = _ref_from(spec.get("chartRef"), ref.namespace)
    if chart_ref is not None and chart_ref.kind != "HelmChart":
        return [chart_ref]
    if chart_ref is None:
        source = _ref_from(dig(spec, "chart.spec.sourceRef"), ref.namespace)
        # helm-controller names the chart <hrNamespace>-<hrName>, in the source's namespace
        default_ns = source.namespace if source else ref.namespace
        named = as_text(dig(item, "status.helmChart")).partition("/")
        chart_ref = (
            Ref("HelmChart", named[0], named[2])
            if named[2]
            else Ref("HelmChart", default_ns, f"{ref.namespace}-{ref.name}")
        )
    else:
        source = None
    chart = index.get(chart_ref)
    behind = _ref_from(dig(chart, "spec.sourceRef"), chart_ref.namespace) if chart else source
    return [chart_ref, *([behind] if behind else [])]


def dependency_refs(item: Mapping[str, Any]) -> list[Ref]:
    """spec.dependsOn: objects of the same kind, in the same namespace unless named."""
    ref = item_ref(item)
    deps = (_ref_from(d, ref.namespace, ref.kind) for d in as_mappings(dig(item, "spec.dependsOn")))
    return [d for d in deps if d is not None]


def revisions(item: Mapping[str, Any]) -> Revisions:
    kind = as_text(item.get("kind"))
    status = as_mapping(item.get("status"))
    attempted = as_text(status.get("lastAttemptedRevision"))
    if kind == "HelmRelease":
        snapshots = as_mappings(status.get("history"))
        deployed = next((h for h in snapshots if h.get("status") == "deployed"), None)
        if deployed is None:
            return Revisions(attempted, as_text(status.get("lastAppliedRevision")))
        tried = as_text(status.get("lastAttemptedConfigDigest"))
        digest = as_text(deployed.get("configDigest"))
        changed = tried != digest if tried and digest else None
        return Revisions(attempted, as_text(deployed.get("chartVersion")), changed)
    if kind == "Kustomization":
        return Revisions(attempted, as_text(status.get("lastAppliedRevision")))
    return Revisions(attempted, as_text(dig(status, "artifact.revision")))


COUNTERS = ("failures", "installFailures", "upgradeFailures")


def counters(item: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    status = as_mapping(item.get("status"))
    found = ((name, as_int(status.get(name))) for name in COUNTERS)
    return tuple((name, n) for name, n in found if n is not None)


def history(item: Mapping[str, Any]) -> tuple[HistoryEntry, ...]:
    out = []
    for h in as_mappings(dig(item, "status.history")):
        if item.get("kind") == "HelmRelease":
            hooks = as_mapping(h.get("testHooks"))
            failed = tuple(
                sorted(n for n, v in hooks.items() if as_mapping(v).get("phase") == "Failed")
            )
            version = as_text(h.get("chartVersion"))
            out.append(
                HistoryEntry(
                    revision=version,
                    status=as_text(h.get("status")),
                    when=as_text(h.get("lastDeployed")),
                    action=as_text(h.get("action")),
                    release=as_int(h.get("version")),
                    chart=f"{as_text(h.get('chartName'))}@{version}",
                    failed_tests=failed,
                )
            )
        else:
            out.append(
                HistoryEntry(
                    revision=as_text(dig(h, "metadata.revision")),
                    status=as_text(h.get("lastReconciledStatus")),
                    when=as_text(h.get("lastReconciled")),
                    count=as_int(h.get("totalReconciliations")),
                )
            )
    return tuple(out)


def gather(
    ref: Ref,
    items: ItemIndex | Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]] | None,
    log_lines: Sequence[str] | None,
    *,
    logs_error: str = "",
    flux_namespace: str = DEFAULT_NAMESPACE,
    event_limit: int = 5,
    log_limit: int = 10,
    read_kinds: Collection[str] | None = None,
) -> Evidence:
    """Every fact about `ref` from the reads' output: the objects List (its `items`, or
    `index_items` of them when gathering about many objects), `events` (None: not read) and
    the controller's `log_lines` (None: not read; `logs_error` says why when reading failed).
    `read_kinds` names the kinds the List could hold (None: every kind a diagnosis needs)."""
    index = items if isinstance(items, Mapping) else index_items(items)

    def read(kind: str) -> bool:
        return read_kinds is None or kind in read_kinds

    item = index.get(ref)
    chain = [r for r in chain_refs(item, index) if read(r.kind)] if item is not None else []
    names = [controller_of(ref.kind)]
    if chain and SOURCE_CONTROLLER not in names:
        names.append(SOURCE_CONTROLLER)
    controllers = _controllers(names, flux_namespace, index) if read("Deployment") else ()
    if item is None:
        return Evidence(
            ref,
            None,
            events_read=events is not None,
            logs_error=logs_error,
            controllers=controllers,
            logs_read=log_lines is not None,
        )
    return Evidence(
        ref=ref,
        subject=read_object(item),
        revisions=revisions(item),
        counters=counters(item),
        history=history(item),
        chain=tuple(_link(r, index) for r in chain),
        dependencies=tuple(_link(r, index) for r in dependency_refs(item) if read(r.kind)),
        events=_last(event_facts(events or (), {ref, *chain}), event_limit),
        events_read=events is not None,
        logs=tuple(log_facts(log_lines or (), ref, log_limit)),
        logs_error=logs_error,
        controllers=controllers,
        logs_read=log_lines is not None,
    )


def _last(events: list[EventFact], limit: int) -> tuple[EventFact, ...]:
    return tuple(events[max(0, len(events) - limit) :])


def _link(ref: Ref, index: ItemIndex) -> Link:
    found = index.get(ref)
    return Link(ref, read_object(found) if found is not None else None)


def _controllers(
    names: Iterable[str], namespace: str, index: ItemIndex
) -> tuple[ControllerFact, ...]:
    return tuple(
        controller_fact(n, namespace, index.get(Ref("Deployment", namespace, n))) for n in names
    )
