"""A Diagnosis as one screen of text (`why_json.py` has the same facts as JSON).

Everything that came from the cluster is printed through `_text.one_line` (multi-line text
line by line, indented), so no control character from an object, an event or a log line
reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._text import one_line
from .diagnose import Diagnosis
from .facts import EventFact
from .phase import DiagnosisPhase, LinkState
from .progress import parse_time

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
        blocked = [s for s in d.dependencies if s.phase is not DiagnosisPhase.READY]
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
        return ["Events: not read"]
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
    if ev.subject is None:
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
