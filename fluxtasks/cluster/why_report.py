"""A Diagnosis as one screen of text, as a short summary (headline, cause, next) for the
watch and fleet reports, and as one JSON document with the same facts.

Everything that came from the cluster is printed through `_text.one_line` (multi-line text
line by line, indented), so no control character from an object, an event or a log line
reaches the terminal; the JSON is ASCII only for the same reason.

JSON shape (`schemaVersion` 1; keys are only ever added):

    {"schemaVersion": 1,
     "object": {kind, namespace, name, cluster, generation, observedGeneration, suspended},
     "phase": "ready|in-progress|failing|failed|suspended|missing|terminating",
     "cause": null | {kind, reason, message, source, detail},
     "progress": null | "running 'upgrade' 1m40s of 5m0s",
     "conditions": [{type, status, reason, message, lastTransitionTime, observedGeneration}],
     "counters": {"failures": 1, "upgradeFailures": 1},
     "revisions": {attempted, applied, valuesChanged},
     "history": [{revision, status, when, action, release, chart, failedTests, count}],
     "failedTests": ["<test hook>"],
     "chain": [{kind, namespace, name, phase, reason, message, firstNotReady}],
     "dependencies": [{kind, namespace, name, phase, reason, message}],
     "events": [{kind, namespace, name, type, reason, message, helmLog: [...], lastSeen, count}],
     "eventsExpired": false,
     "logs": [{ts, level, msg, error}], "logsError": "",
     "controllers": [{name, namespace, ready, message}],
     "next": null | {command, argv: [...], then: [{command, argv}], note}}
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from typing import Any

from .._text import one_line
from .activity import EventFact
from .causes import LinkState
from .diagnose import Diagnosis, parse_time
from .status import Phase, Ref

HELM_LOG_LINES = 8  # the tail of Helm's log shown under its event


def _flat(text: str) -> str:
    """One line: runs of white space (line breaks, tabs) become one space, then anything
    that could drive the terminal is escaped."""
    return one_line(" ".join(text.split()))


def _safe(text: str) -> str:
    return one_line(text.expandtabs(4).rstrip())


def age(when: str, diagnosis: Diagnosis) -> str:
    """How long before the diagnosis' "now": 45s, 12m, 3h, 2d (like kubectl's LAST SEEN)."""
    start = parse_time(when)
    if start is None:
        return _flat(when) or "?"
    seconds = max(0, int((diagnosis.now - start).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _columns(rows: Iterable[list[str]], indent: str = "  ") -> list[str]:
    table = [[_flat(cell) for cell in row] for row in rows]
    if not table:
        return []
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    return [
        (
            indent
            + "  ".join([*(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1]])
        ).rstrip()
        for row in table
    ]


def headline(d: Diagnosis) -> str:
    """`HelmRelease kube-system/karpenter on canary: FAILED (Stalled/RetriesExceeded)`."""
    cond = d.decided_by
    why = f" ({cond.type}/{cond.reason})" if cond is not None and cond.reason else ""
    return _flat(f"{d.ref} on {d.cluster}: {d.phase.label}{why}")


def _cause(d: Diagnosis) -> list[str]:
    f = d.finding
    if f is None:
        return []
    lines = [f"Cause: {_flat(f.message)}", f"  from: {_flat(f.source)}"]
    if f.detail:
        lines.append(f"  Helm log: {_flat(f.detail)}")
    return lines


def _state(d: Diagnosis) -> list[str]:
    ev = d.evidence
    lines = [f"Progress: {d.progress}"] if d.progress else []
    if ev.subject is not None and ev.subject.conditions:
        lines.append("Conditions:")
        lines += _columns(
            [c.type, c.status, c.reason or "-", c.message] for c in ev.subject.conditions
        )
    if ev.counters:
        lines.append("Failures: " + ", ".join(f"{name} {n}" for name, n in ev.counters))
    rev = ev.revisions
    if rev.attempted or rev.applied:
        changed = " (values changed)" if rev.values_changed else ""
        lines.append(
            _flat(
                f"Revision: attempted {rev.attempted or '-'}, last applied {rev.applied or '-'}{changed}"
            )
        )
    if ev.history:
        lines.append("History:")
        lines += _columns(
            [
                f"v{h.release}" if h.release is not None else h.revision,
                h.chart or (f"{h.count} runs" if h.count is not None else "-"),
                h.status,
                h.action or "-",
                h.when,
            ]
            for h in ev.history[:3]
        )
    if d.failed_tests:
        lines.append(_flat("Failed tests: " + ", ".join(d.failed_tests)))
    return lines


def _link_lines(states: list[LinkState]) -> list[str]:
    """One aligned line per link; the first link not Ready starts with `>`."""
    rows = [[str(s.ref), s.phase.value, s.reason or "-", s.message] for s in states]
    lines = _columns(rows, indent="    ")
    return [
        f"  > {line[4:]}  <- first not Ready" if s.marked else line
        for s, line in zip(states, lines, strict=True)
    ]


def _links(d: Diagnosis) -> list[str]:
    lines = []
    if d.chain:
        lines.append("Source chain:")
        lines += _link_lines(list(d.chain))
    if d.dependencies:
        blocked = [s for s in d.dependencies if s.phase is not Phase.READY]
        if blocked:
            lines.append("Dependencies not Ready:")
            lines += _link_lines(blocked)
        else:
            lines.append(f"Dependencies: all {len(d.dependencies)} Ready")
    return lines


def _event_lines(e: EventFact, d: Diagnosis) -> list[str]:
    about = "" if e.about == d.ref else f" [{e.about}]"
    times = f" (x{e.count})" if e.count > 1 else ""
    head = [f"{age(e.when, d)} ago", e.type, f"{e.reason}{about}{times}: {e.summary}"]
    out = ["  " + "  ".join(_flat(part) for part in head)]
    helm = e.helm_log
    if helm:
        shown = helm[-HELM_LOG_LINES:]
        skipped = f" (last {len(shown)} of {len(helm)})" if len(shown) < len(helm) else ""
        out.append(f"      Last Helm logs{skipped}:")
        out += [f"        {_safe(line)}" for line in shown]
    return out


def _events(d: Diagnosis) -> list[str]:
    ev = d.evidence
    if not ev.events_read:
        return ["Events: not read"] if ev.subject is not None else []
    lines = []
    if ev.events:
        lines.append("Events (oldest first):")
        for e in ev.events:
            lines += _event_lines(e, d)
    if d.events_expired:
        lines.append(
            f"Events: none left about {d.ref} (they expire after about 1h); "
            "the conditions and the controller log still hold the cause"
        )
    return lines


def _logs(d: Diagnosis) -> list[str]:
    ev = d.evidence
    controller = ev.controllers[0].name if ev.controllers else "controller"
    if ev.logs_error:
        return [f"Controller log ({controller}): not read: {_flat(ev.logs_error)}"]
    if ev.subject is None or not ev.logs_read:
        return []
    if not ev.logs:
        return [
            f"Controller log ({controller}): nothing recent about {d.ref.namespace}/{d.ref.name}"
        ]
    lines = [f"Controller log ({controller}, about {d.ref.namespace}/{d.ref.name}):"]
    for line in ev.logs:
        text = line.msg + (f": {line.error}" if line.error else "")
        lines.append("  " + _flat(f"{line.ts} {line.level} {text}"))
    return lines


def _controllers(d: Diagnosis) -> list[str]:
    down = [c for c in d.evidence.controllers if not c.ready]
    return [_flat(f"Controller {c.namespace}/{c.name}: {c.message}") for c in down]


def _next(d: Diagnosis) -> list[str]:
    if d.advice is None:
        return []
    lines = [d.advice.line()]
    if d.advice.note:
        lines.append(f"      {_flat(d.advice.note)}")
    return lines


def summary(d: Diagnosis) -> list[str]:
    """Headline, cause and `next:`: what a watch or a fleet report says about one object."""
    return [headline(d), *_cause(d)[:1], *_next(d)[:1]]


def render_text(d: Diagnosis) -> list[str]:
    """The report, one string per line, to print as it is."""
    return [
        headline(d),
        *_cause(d),
        *_state(d),
        *_links(d),
        *_events(d),
        *_logs(d),
        *_controllers(d),
        *_next(d),
    ]


# ------------------------------------------------------------------ JSON

SCHEMA_VERSION = 1


def _ref(ref: Ref) -> dict[str, Any]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


def _link(s: LinkState, chain: bool) -> dict[str, Any]:
    out = {**_ref(s.ref), "phase": s.phase.value, "reason": s.reason, "message": s.message}
    return {**out, "firstNotReady": s.marked} if chain else out


def _step(argv: tuple[str, ...]) -> dict[str, Any]:
    return {"command": shlex.join(argv), "argv": list(argv)}


def to_json(d: Diagnosis) -> dict[str, Any]:
    """The same facts as the text report, as plain data (the documented shape above)."""
    ev, obj, f, a = d.evidence, d.evidence.subject, d.finding, d.advice
    return {
        "schemaVersion": SCHEMA_VERSION,
        "object": {
            **_ref(d.ref),
            "cluster": d.cluster,
            "generation": obj.generation if obj else None,
            "observedGeneration": obj.observed_generation if obj else None,
            "suspended": obj.suspended if obj else False,
        },
        "phase": d.phase.value,
        "cause": f
        and {
            "kind": f.cause.value,
            "reason": f.reason,
            "message": f.message,
            "source": f.source,
            "detail": f.detail,
        },
        "progress": d.progress,
        "conditions": [
            {
                "type": c.type,
                "status": c.status,
                "reason": c.reason,
                "message": c.message,
                "lastTransitionTime": c.since,
                "observedGeneration": c.observed_generation,
            }
            for c in (obj.conditions if obj else ())
        ],  # fmt: skip
        "counters": dict(ev.counters),
        "revisions": {
            "attempted": ev.revisions.attempted,
            "applied": ev.revisions.applied,
            "valuesChanged": ev.revisions.values_changed,
        },
        "history": [
            {
                "revision": h.revision,
                "status": h.status,
                "when": h.when,
                "action": h.action,
                "release": h.release,
                "chart": h.chart,
                "failedTests": list(h.failed_tests),
                "count": h.count,
            }
            for h in ev.history
        ],  # fmt: skip
        "failedTests": list(d.failed_tests),
        "chain": [_link(s, True) for s in d.chain],
        "dependencies": [_link(s, False) for s in d.dependencies],
        "events": [
            {
                **_ref(e.about),
                "type": e.type,
                "reason": e.reason,
                "message": e.summary,
                "helmLog": list(e.helm_log),
                "lastSeen": e.when,
                "count": e.count,
            }
            for e in ev.events
        ],  # fmt: skip
        "eventsExpired": d.events_expired,
        "logs": [{"ts": x.ts, "level": x.level, "msg": x.msg, "error": x.error} for x in ev.logs],
        "logsError": ev.logs_error,
        "controllers": [
            {"name": c.name, "namespace": c.namespace, "ready": c.ready, "message": c.message}
            for c in ev.controllers
        ],
        "next": a and {**_step(a.argv), "then": [_step(s) for s in a.then], "note": a.note},
    }


def render_json(d: Diagnosis) -> str:
    """`to_json` as text; ASCII only, so no control character reaches a terminal."""
    return json.dumps(to_json(d), indent=2, ensure_ascii=True)
