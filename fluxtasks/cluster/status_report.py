"""`flux.status`: one row per Flux object (declared ones first, missing ones included), with
its phase and, for an object that is not Ready, the cause the diagnosis engine finds (the
Helm error, not the Stalled summary) and the next command; as a table sized to the terminal
or as one JSON document. With `--cluster all`, every cluster's rows in one report with a
CLUSTER column, and an unreachable cluster as a row of its own.

JSON shape (`schemaVersion` 1; keys are only ever added):

    {"schemaVersion": 1,
     "clusters": [{"name", "context", "reachable": true|false, "error": null|"…"}],
     "items": [{"cluster", "kind", "namespace", "name", "declared": true|false,
                "phase": "ready|in-progress|failing|failed|suspended|terminating|missing",
                "ready": "True|False|Unknown"|null, "suspended": false, "revision": "…",
                "message": "…", "cause": null|{"kind", "reason", "message", "source"},
                "next": null|{"command", "argv": [...]}}],
     "summary": {"declared", "ready", "notReady", "unreachable"}}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .._text import one_line
from ..errors import CheckFailed, FluxTasksError
from .connection import Connection, Say
from .diagnose import Diagnosis, diagnose_polled
from .fleet import Outcome, each_cluster, failure_of
from .status import (
    REPORTED_KINDS,
    FluxObject,
    Health,
    ObjectKey,
    Phase,
    Ref,
    Snapshot,
    classify,
    read_status,
    ready_message,
)

SCHEMA_VERSION = 1
MIN_MESSAGE = 24  # the MESSAGE column never gets narrower than this
_HEX_RUN = re.compile(r"[0-9a-f]{40,128}")
MISSING_MESSAGE = "declared in config/flux.yaml, not found in the cluster"


def shorten_hashes(text: str) -> str:
    """Cut long hex runs (Git SHAs, digests) to 8 characters, as `flux get` does."""
    return _HEX_RUN.sub(_first_8, text) if len(text) >= 40 else text


def _first_8(match: re.Match[str]) -> str:
    return match.group(0)[:8]


def _cell(text: str) -> str:
    """Safe to print: control characters escaped (most cells have none to look for)."""
    return text if text.isprintable() else one_line(text)


@dataclass(frozen=True)
class Filters:
    """--kind, -n and --failed."""

    kind: str | None = None  # a Flux kind, e.g. HelmRelease
    namespace: str | None = None
    failed: bool = False  # only objects that are not Ready

    def keep(self, row: StatusRow) -> bool:
        kind, namespace, _ = row.key
        return (
            (self.kind is None or kind == self.kind)
            and (self.namespace is None or namespace == self.namespace)
            and not (self.failed and row.ok)
        )


def _plain(text: str) -> str:
    """One line: runs of white space (line breaks, tabs) become one space."""
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text


class StatusRow(NamedTuple):
    """One object of the report (a NamedTuple: one per object, thousands per poll)."""

    cluster: str
    key: ObjectKey
    declared: bool
    obj: FluxObject | None  # None: declared but missing from the cluster
    health: Health
    diagnosis: Diagnosis | None = None  # for an object that is not Ready

    @property
    def ok(self) -> bool:
        return self.health.phase is Phase.READY

    @property
    def message(self) -> str:
        """The cause of an object that is not Ready; the Ready message of one that is."""
        health, obj = self.health, self.obj
        finding = self.diagnosis.finding if self.diagnosis is not None else None
        if finding is not None:
            text = finding.message
        elif obj is None:
            text = MISSING_MESSAGE
        elif health.phase is Phase.READY:
            decided = health.condition
            text = decided.message if decided is not None else ready_message(obj)
        else:
            text = health.message
        text = _plain(text)
        return text if self.key[0] == "HelmRelease" else shorten_hashes(text)

    def cells(self) -> list[str]:
        kind, namespace, name = self.key
        obj = self.obj
        if obj is None:
            ready, revision = "-", "-"
        else:
            decided = self.health.condition
            ready = (
                decided.status
                if decided is not None and decided.type == "Ready"
                else obj.ready_status
            )
            revision = obj.revision or "-"
            if kind != "HelmRelease":
                revision = shorten_hashes(revision)
        mark = "*" if self.declared else " "
        phase = self.health.phase.value
        return [mark, kind, f"{namespace}/{name}", ready, phase, revision, self.message]

    def to_json(self) -> dict[str, Any]:
        kind, namespace, name = self.key
        d, obj = self.diagnosis, self.obj
        f = d.finding if d else None
        a = d.advice if d else None
        return {
            "cluster": self.cluster, "kind": kind, "namespace": namespace, "name": name,
            "declared": self.declared, "phase": self.health.phase.value,
            "ready": obj.ready_status if obj else None,
            "suspended": obj.suspended if obj else False,
            "revision": obj.revision if obj else "", "message": self.message,
            "cause": f and {"kind": f.cause.value, "reason": f.reason, "message": f.message,
                            "source": f.source},
            "next": a and {"command": a.line().removeprefix("next: "), "argv": list(a.argv)},
        }  # fmt: skip


def _row(
    key: ObjectKey, declared: bool, obj: FluxObject | None, snapshot: Snapshot, conn: Connection
) -> StatusRow:
    health = classify(obj) if obj is not None else Health(Phase.MISSING, MISSING_MESSAGE)
    cluster = conn.target.cluster
    if health.phase is Phase.READY:
        return StatusRow(cluster, key, declared, obj, health)
    now = conn.clock.wall()
    ref = Ref(*key)
    found = diagnose_polled(snapshot, ref, cluster=cluster, now=now, declared=declared)
    return StatusRow(cluster, key, declared, obj, health, found)


def status_rows(
    conn: Connection, declared: Iterable[ObjectKey], snapshot: Snapshot
) -> list[StatusRow]:
    """Declared objects first (config order, missing ones included), then the rest sorted
    by kind, namespace and name. Linear: every lookup is one dict access."""
    rows: list[StatusRow] = []
    seen: set[ObjectKey] = set()
    get = snapshot.get
    for key in declared:
        if key not in seen:
            seen.add(key)
            rows.append(_row(key, True, get(key), snapshot, conn))
    order = {kind: i for i, kind in enumerate(REPORTED_KINDS)}
    rest = sorted(
        (obj for obj in snapshot.objects if (obj.kind, obj.namespace, obj.name) not in seen),
        key=lambda o: (order.get(o.kind, len(order)), o.namespace, o.name),
    )
    rows.extend(_row(obj.key, False, obj, snapshot, conn) for obj in rest)
    return rows


HEADER = ["", "KIND", "NAMESPACE/NAME", "READY", "STATUS", "REVISION", "MESSAGE"]


def _fit(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def format_table(
    rows: Sequence[Sequence[str]], width: int | None = None, header: Sequence[str] = HEADER
) -> list[str]:
    """Aligned columns two spaces apart; the last column (MESSAGE) takes what is left of
    `width` (None: all of it, as `--wide` and a pipe get), at least MIN_MESSAGE."""
    table = [list(header), *([_cell(cell) for cell in row] for row in rows)]
    columns = list(zip(*table, strict=True))[:-1]
    widths = [max(map(len, column)) for column in columns]
    room = None if width is None else max(width - sum(w + 2 for w in widths), MIN_MESSAGE)
    line = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    return [line.format(*r[:-1], _fit(r[-1], room)).rstrip() for r in table]


@dataclass(frozen=True)
class StatusReport:
    """Every cluster's rows (filtered) or the error that kept it from being read."""

    outcomes: list[Outcome[list[StatusRow]]]
    fleet: bool  # --cluster all: a CLUSTER column, a row per unreachable cluster
    shown_config: str = "config/flux.yaml"
    rows: list[StatusRow] = field(init=False)

    def __post_init__(self) -> None:
        rows = [row for o in self.outcomes for row in (o.value or [])]
        object.__setattr__(self, "rows", rows)

    def table(self, width: int | None = None) -> list[str]:
        cells = [[*([row.cluster] if self.fleet else []), *row.cells()] for row in self.rows]
        for o in self.outcomes:
            if o.error is not None and self.fleet:
                why = " ".join(o.error.lines)
                kind = "unreachable" if o.unreachable else "error"
                cells.append([o.cluster, " ", "-", "-", "-", kind, "-", why])
        header = ["CLUSTER", *HEADER] if self.fleet else HEADER
        return format_table(cells, width, header)

    def summary(self) -> str:
        parts = []
        for o in self.outcomes:
            mine = [row for row in o.value or [] if row.declared]
            ready = sum(1 for row in mine if row.ok)
            state = "unreachable" if o.unreachable else "not read" if o.error else None
            count = state or f"{ready} of {len(mine)} ready"
            parts.append(f"{o.cluster} {count}" if self.fleet else count)
        return f"* declared in {self.shown_config}: " + ", ".join(parts)

    def to_json(self) -> str:
        declared = [row for row in self.rows if row.declared]
        doc = {
            "schemaVersion": SCHEMA_VERSION,
            "clusters": [
                {"name": o.cluster, "context": o.conn.target.context, "reachable": not o.unreachable,
                 "error": " ".join(o.error.lines) if o.error else None}
                for o in self.outcomes
            ],
            "items": [row.to_json() for row in self.rows],
            "summary": {
                "declared": len(declared), "ready": sum(1 for r in declared if r.ok),
                "notReady": sum(1 for r in declared if not r.ok),
                "unreachable": sum(1 for o in self.outcomes if o.unreachable),
            },
        }  # fmt: skip
        return json.dumps(doc, indent=2, ensure_ascii=True)

    def failure(self) -> FluxTasksError | None:
        """Exit 5 (with every unreachable cluster's line) when a cluster could not be read,
        else 1 when a declared object shown is not Ready."""
        error = failure_of(self.outcomes)
        if error is not None:
            return error
        lines = []
        for o in self.outcomes:
            mine = [row for row in o.value or [] if row.declared]
            bad = sum(1 for row in mine if not row.ok)
            if bad:
                target = o.conn.target.describe()
                lines.append(f"{bad} of {len(mine)} declared object(s) not ready on {target}")
        return CheckFailed(*lines) if lines else None


def status_report(
    conns: Sequence[Connection],
    declared: Sequence[ObjectKey],
    filters: Filters = Filters(),
    *,
    fleet: bool = False,
    shown_config: str = "config/flux.yaml",
) -> StatusReport | None:
    """One read per cluster, side by side; None under dry-run (the reads are printed)."""

    def rows_of(conn: Connection) -> list[StatusRow]:
        snapshot = read_status(conn)
        return [row for row in status_rows(conn, declared, snapshot) if filters.keep(row)]

    outcomes = each_cluster(conns, rows_of)
    if conns and conns[0].dry_run:
        return None
    return StatusReport(outcomes, fleet, shown_config)


def show_status(
    report: StatusReport | None, say: Say, *, output: str = "table", width: int | None = None
) -> None:
    """`flux.status`: the table and its summary line (or the JSON document) through `say`,
    then the report's failure raised. Nothing under dry-run (no report: the reads were
    printed). A single cluster that could not be read shows no empty table."""
    if report is None:
        return
    failure = report.failure()
    if output == "json":
        say(report.to_json())
    elif report.rows or report.fleet or failure is None:
        for line in report.table(width):
            say(line)
        say(report.summary())
    if failure is not None:
        raise failure
