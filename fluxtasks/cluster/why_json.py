"""A Diagnosis as one JSON document: the facts of the text report (`why_report.py`), in a
documented, stable shape for scripts and for the status and fleet views. The text is ASCII
only (every other character escaped), so no control character reaches a terminal.

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
from typing import Any

from .diagnose import Diagnosis
from .facts import Ref
from .phase import LinkState

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
