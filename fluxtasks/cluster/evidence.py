"""What the cluster says about one Flux object, read from plain data into frozen facts.

The input is what three kubectl reads return (`why_reads.py`): the items of one `kubectl get
… -A -o json` List (Flux objects, HelmCharts, Deployments), the Events List about the object,
and the lines of its controller's log. Nothing here runs a command, reads a clock or decides
a cause: `diagnose.py` does that from these facts. Malformed data reads as missing fields
(`_data`), never as an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._data import as_int, as_mapping, as_mappings, as_text, dig
from ..flux import DEFAULT_NAMESPACE
from .activity import controller_fact, event_facts, log_facts
from .facts import (
    SOURCE_CONTROLLER,
    ControllerFact,
    EventFact,
    Evidence,
    HistoryEntry,
    Link,
    ObjectFacts,
    Ref,
    Revisions,
    controller_of,
)
from .status import read_conditions


def _key(item: Mapping[str, Any]) -> Ref:
    meta = as_mapping(item.get("metadata"))
    return Ref(as_text(item.get("kind")), as_text(meta.get("namespace")), as_text(meta.get("name")))


def object_facts(item: Mapping[str, Any]) -> ObjectFacts:
    meta = as_mapping(item.get("metadata"))
    spec = as_mapping(item.get("spec"))
    status = as_mapping(item.get("status"))
    ref = _key(item)
    return ObjectFacts(
        ref=ref,
        generation=as_int(meta.get("generation")),
        observed_generation=as_int(status.get("observedGeneration")),
        suspended=spec.get("suspend") is True,
        deleting=bool(meta.get("deletionTimestamp")),
        static=ref.kind == "HelmRepository" and as_text(spec.get("type")) == "oci",
        conditions=read_conditions(status),
        api_version=as_text(item.get("apiVersion")),
    )


def _ref_from(value: Any, default_ns: str, default_kind: str = "") -> Ref | None:
    """A `{kind, name, namespace}` reference; the namespace defaults to the referrer's."""
    ref = as_mapping(value)
    name = as_text(ref.get("name"))
    kind = as_text(ref.get("kind")) or default_kind
    return Ref(kind, as_text(ref.get("namespace")) or default_ns, name) if name and kind else None


def chain_refs(item: Mapping[str, Any], index: Mapping[Ref, Mapping[str, Any]]) -> list[Ref]:
    """HelmRelease -> HelmChart -> HelmRepository/GitRepository (or -> its chartRef);
    Kustomization -> GitRepository/OCIRepository; nothing for a source."""
    ref = _key(item)
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
    ref = _key(item)
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
    items: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]] | None,
    log_lines: Sequence[str] | None,
    *,
    logs_error: str = "",
    flux_namespace: str = DEFAULT_NAMESPACE,
    event_limit: int = 5,
    log_limit: int = 10,
) -> Evidence:
    """Every fact about `ref` from the reads' output: `items` of the objects List (one pass
    builds the index, so this stays linear in the cluster's size), `events` (None: not read)
    and the controller's `log_lines` (None: not read, `logs_error` says why)."""
    index: dict[Ref, Mapping[str, Any]] = {}
    for each in items:
        index.setdefault(_key(each), each)
    item = index.get(ref)
    controllers = [controller_of(ref.kind)]
    if item is None:
        return Evidence(
            ref,
            None,
            events_read=events is not None,
            logs_error=logs_error,
            controllers=_controllers(controllers, flux_namespace, index),
        )
    chain = chain_refs(item, index)
    if chain and SOURCE_CONTROLLER not in controllers:
        controllers.append(SOURCE_CONTROLLER)
    return Evidence(
        ref=ref,
        subject=object_facts(item),
        revisions=revisions(item),
        counters=counters(item),
        history=history(item),
        chain=tuple(_link(r, index) for r in chain),
        dependencies=tuple(_link(r, index) for r in dependency_refs(item)),
        events=_last(event_facts(events or (), {ref, *chain}), event_limit),
        events_read=events is not None,
        logs=tuple(log_facts(log_lines or (), ref, log_limit)),
        logs_error=logs_error,
        controllers=_controllers(controllers, flux_namespace, index),
    )


def _last(events: list[EventFact], limit: int) -> tuple[EventFact, ...]:
    return tuple(events[max(0, len(events) - limit) :])


def _link(ref: Ref, index: Mapping[Ref, Mapping[str, Any]]) -> Link:
    found = index.get(ref)
    return Link(ref, object_facts(found) if found is not None else None)


def _controllers(
    names: Iterable[str], namespace: str, index: Mapping[Ref, Mapping[str, Any]]
) -> tuple[ControllerFact, ...]:
    return tuple(
        controller_fact(n, namespace, index.get(Ref("Deployment", namespace, n))) for n in names
    )
