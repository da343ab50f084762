"""The controller's own progress, for the watch heartbeat and the why report.

While a controller works it sets `Reconciling=True` with a message that names the action
and its timeout, "Running 'upgrade' action with timeout of 5m0s" (helm-controller) or
"Running health checks for revision R with a timeout of 2m0s" (kustomize-controller). With
the condition's lastTransitionTime and an injected "now" (never the real clock) that reads
as "running 'upgrade' 1m40s of 5m0s", so a long wait never looks hung.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from .._data import as_mappings, as_text, dig
from .._text import one_line
from ..durations import format_duration

_RUNNING = re.compile(
    r"^(?P<what>.+?)(?: for revision \S+)? with (?:a )?timeout of (?P<timeout>[0-9][0-9a-zµμ.]*)\s*$",
    re.DOTALL,
)


def parse_time(text: str) -> dt.datetime | None:
    """An RFC 3339 time as the API server writes it (UTC, "Z"); None when unreadable."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def elapsed(since: str, now: dt.datetime) -> str | None:
    """Whole seconds from `since` to `now` as Go prints a duration (1m40s); None when
    `since` is unreadable."""
    start = parse_time(since)
    if start is None:
        return None
    seconds = max(0, int((now - start).total_seconds()))
    return format_duration(seconds * 1_000_000_000)


def progress_text(message: str, since: str, now: dt.datetime) -> str:
    """ "Running 'upgrade' action with timeout of 5m0s" since 11:58:20, at 12:00:00 ->
    "running 'upgrade' 1m40s of 5m0s". Other messages keep their words, with the time
    spent: "waiting for the source, for 1m40s". One line, safe to print."""
    taken = elapsed(since, now)
    match = _RUNNING.match(message.strip())
    if match is None:
        words = " ".join(message.split()) or "reconciling"
        return one_line(f"{words[:1].lower()}{words[1:]}" + (f", for {taken}" if taken else ""))
    what = " ".join(match.group("what").split()).removesuffix(" action")
    what = what[:1].lower() + what[1:]
    timeout = match.group("timeout")
    return one_line(f"{what} {taken} of {timeout}" if taken else f"{what} (timeout {timeout})")


def object_progress(item: Mapping[str, Any], now: dt.datetime) -> str | None:
    """The progress of one object as `kubectl get -o json` returns it: from its
    Reconciling=True condition; None when it is not reconciling."""
    for cond in as_mappings(dig(item, "status.conditions")):
        if cond.get("type") == "Reconciling" and cond.get("status") == "True":
            return progress_text(
                as_text(cond.get("message")), as_text(cond.get("lastTransitionTime")), now
            )
    return None
