"""`flux.why`: the three kubectl reads a diagnosis needs, run through the runner, and the
Diagnosis of one object (or of several, for a watch that ends in a failure).

Three calls, whatever the object and the size of the cluster:

1. `kubectl get <Flux kinds>,helmcharts…,deployments.apps -A -o json`: the object, its
   source chain, its dependencies and the controllers' Deployments in one List (`-A`:
   a HelmRelease in kube-system has its chart and repository in flux-system);
2. `kubectl get events -n NS --field-selector involvedObject.kind=K,involvedObject.name=N
   -o json`: the object's Events (the only place with Helm's own log);
3. `kubectl logs deploy/<controller> -n flux-system -c manager --since=1h`: the controller's
   log, filtered later by kind, name and namespace (which `flux logs` gets wrong by default).

The first read also finds the object when no namespace is given and the config does not
say. An object neither in the cluster nor in the config is one line with a did-you-mean
(exit 1); one declared but absent gets the full report, cause "missing". A failed events or
logs read is not fatal: the report says so.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .._text import did_you_mean
from ..errors import CheckFailed, CommandFailed, InputError
from ..flux import DEFAULT_NAMESPACE, KINDS, SOURCE_GROUP, FluxKind
from .connection import Connection
from .diagnose import Diagnosis, diagnose
from .evidence import ItemIndex, controller_of, gather, index_items
from .fleet import each_cluster, failure_of
from .status import Ref, list_items, read_failure
from .why_report import SCHEMA_VERSION, render_json, render_text, to_json

HELMCHARTS = f"helmcharts.{SOURCE_GROUP}"
DEPLOYMENTS = "deployments.apps"
OBJECT_RESOURCES = (*(spec.resource for spec in KINDS.values()), HELMCHARTS, DEPLOYMENTS)
OBJECTS_READ = ("get", ",".join(OBJECT_RESOURCES), "-A", "-o", "json")
DEFAULT_SINCE = "1h"  # as long as kube-apiserver keeps events by default

Declared = Iterable[tuple[str, str, str]]


@dataclass(frozen=True)
class WhyReads:
    objects: tuple[str, ...]
    events: tuple[str, ...]
    logs: tuple[str, ...]

    def all(self) -> tuple[tuple[str, ...], ...]:
        return (self.objects, self.events, self.logs)


def why_reads(
    ref: Ref, *, since: str = DEFAULT_SINCE, flux_namespace: str = DEFAULT_NAMESPACE
) -> WhyReads:
    """The three reads, as argv pieces without `kubectl` and the context flags (the caller
    passes them to `ClusterTarget.kubectl`)."""
    selector = f"involvedObject.kind={ref.kind},involvedObject.name={ref.name}"
    return WhyReads(
        objects=OBJECTS_READ,
        events=("get", "events", "-n", ref.namespace, "--field-selector", selector, "-o", "json"),
        logs=(
            "logs",
            f"deploy/{controller_of(ref.kind)}",
            "-n",
            flux_namespace,
            "-c",
            "manager",
            f"--since={since}",
        ),
    )


@dataclass(frozen=True)
class Question:
    """`flux.why KIND NAME [-n NS]`, with what the config declares."""

    kind: FluxKind
    name: str
    namespace: str | None  # -n, when given
    declared: tuple[tuple[str, str, str], ...]


def read_objects(conn: Connection, timeout: float | None = None) -> ItemIndex:
    """Read 1: every Flux object, HelmChart and Deployment, indexed by key."""
    try:
        result = conn.runner.run(conn.target.kubectl(*OBJECTS_READ), timeout=timeout)
    except CommandFailed as exc:
        raise read_failure(exc, conn.target) from None
    return index_items(list_items(result.stdout, "objects")) if not conn.dry_run else {}


def _namespace(q: Question, index: ItemIndex) -> str:
    """-n, else where the config declares it, else where the cluster has it (when only one
    namespace does), else flux-system. Several in the cluster: say which to pick."""
    if q.namespace:
        return q.namespace
    declared = {ns for kind, ns, name in q.declared if (kind, name) == (q.kind.kind, q.name)}
    if len(declared) == 1:
        return declared.pop()
    found = sorted(ns for kind, ns, name in index if (kind, name) == (q.kind.kind, q.name))
    if len(found) > 1:
        raise InputError(
            f"{q.kind.kind} {q.name} exists in namespaces {', '.join(found)}: pass -n NAMESPACE"
        )
    return found[0] if found else DEFAULT_NAMESPACE


def not_found(ref: Ref, q: Question, index: ItemIndex, conn: Connection) -> CheckFailed:
    """One line: absent and undeclared, with the closest declared name or where it is."""
    elsewhere = sorted(ns for kind, ns, name in index if (kind, name) == (ref.kind, ref.name))
    names = {name for kind, _, name in q.declared if kind == ref.kind}
    hint = did_you_mean(ref.name, names)
    if elsewhere:
        hint = f"; it exists in namespace {', '.join(elsewhere)}: pass -n {elsewhere[0]}"
    elif not hint:
        other = sorted({kind for kind, _, name in q.declared if name == ref.name})
        if other:
            words = " or ".join(KINDS[k].aliases[0] for k in other if k in KINDS)
            hint = f" (config/flux.yaml declares a {', '.join(other)} of that name: KIND {words}?)"
    return CheckFailed(
        f"{ref} not found on {conn.target.describe()}, nor declared in config/flux.yaml{hint}"
    )


def _read_text(conn: Connection, argv: Sequence[str]) -> tuple[str | None, str]:
    """The output of a read, or (None, why it failed)."""
    try:
        return conn.runner.run(conn.target.kubectl(*argv)).stdout, ""
    except CommandFailed as exc:
        return None, exc.detail


def ask(conn: Connection, q: Question, *, since: str = DEFAULT_SINCE) -> Diagnosis | None:
    """`flux.why` on one cluster: the Diagnosis, None under dry-run (the reads are printed);
    CheckFailed for an object neither there nor declared, ClusterUnreachable (exit 5)."""
    index = read_objects(conn)
    ref = Ref(q.kind.kind, _namespace(q, index), q.name)
    declared = ref in set(q.declared)
    reads = why_reads(ref, since=since)
    if conn.dry_run:
        for argv in (reads.events, reads.logs):
            _read_text(conn, argv)
        return None
    if ref not in index:
        if not declared:
            raise not_found(ref, q, index, conn)
        evidence = gather(ref, index, None, None)  # no events or log about what is not there
        return diagnose(evidence, cluster=conn.target.cluster, now=conn.clock.wall())
    events_text, _ = _read_text(conn, reads.events)
    log_text, logs_error = _read_text(conn, reads.logs)
    events = list_items(events_text, "events") if events_text is not None else None
    lines = log_text.splitlines() if log_text is not None else None
    evidence = gather(ref, index, events, lines, logs_error=logs_error)
    return diagnose(evidence, cluster=conn.target.cluster, now=conn.clock.wall(), declared=declared)


def diagnose_all(
    conn: Connection,
    refs: Sequence[Ref],
    declared: Declared,
    index: ItemIndex | None = None,
    read_kinds: Collection[str] | None = None,
    timeout: float | None = None,
) -> list[Diagnosis]:
    """Several objects from one objects read (no events, no logs; killed after `timeout`):
    the summaries a watch prints when it ends. `index` (with the `read_kinds` it holds)
    replaces the read, e.g. by a status poll's items."""
    index = read_objects(conn, timeout) if index is None else index
    mine = set(declared)
    now = conn.clock.wall()
    return [
        diagnose(
            gather(ref, index, None, None, read_kinds=read_kinds),
            cluster=conn.target.cluster,
            now=now,
            declared=ref in mine,
        )  # fmt: skip
        for ref in refs
    ]


def explain(
    conns: Sequence[Connection],
    q: Question,
    *,
    output: str = "text",
    fleet: bool = False,
    since: str = DEFAULT_SINCE,
) -> None:
    """`flux.why` on one cluster or, side by side, on all: each report through `say` (text,
    or JSON: the diagnosis document, or with `fleet` one document holding every cluster's),
    then the exit: 0 Ready, 1 not Ready or not found, 5 a cluster could not be read."""
    outcomes = each_cluster(conns, lambda conn: ask(conn, q, since=since))
    if not conns or conns[0].dry_run:
        return
    say = conns[0].say
    found = [o.value for o in outcomes if o.value is not None]
    if output == "json" and fleet:
        doc = {
            "schemaVersion": SCHEMA_VERSION,
            "clusters": [
                {"cluster": o.cluster, "reachable": not o.unreachable,
                 "error": " ".join(o.error.lines) if o.error else None,
                 "diagnosis": to_json(o.value) if o.value is not None else None}
                for o in outcomes
            ],
        }  # fmt: skip
        say(json.dumps(doc, indent=2, ensure_ascii=True))
    for i, diagnosis in enumerate(found):
        if output == "json" and not fleet:
            say(render_json(diagnosis))
        elif output != "json":
            for line in ([""] if i else []) + render_text(diagnosis):
                say(line)
    failure = failure_of(outcomes)
    if failure is not None:
        raise failure
    bad = [d for d in found if not d.ok]
    if bad:
        raise CheckFailed(
            *(f"{d.ref} is not ready on cluster {d.cluster}: {d.phase.word}" for d in bad)
        )
