"""The recent activity around one object: its Kubernetes Events, its controller's JSON log
lines and the controllers' Deployments, read from plain data into facts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._data import as_int, as_mapping, as_mappings, as_text, dig, read_json
from ..errors import ToolError
from .status import Ref

LAST_HELM_LOGS = re.compile(r"\n*Last Helm logs:\n*")


@dataclass(frozen=True)
class EventFact:
    about: Ref
    type: str  # Normal | Warning
    reason: str
    message: str
    when: str  # RFC 3339
    count: int = 1

    @property
    def summary(self) -> str:
        """The message without Helm's log."""
        return LAST_HELM_LOGS.split(self.message, maxsplit=1)[0]

    @property
    def helm_log(self) -> tuple[str, ...]:
        """The lines after "Last Helm logs:" (helm-controller's failed-action Warning)."""
        parts = LAST_HELM_LOGS.split(self.message, maxsplit=1)
        return (
            tuple(line for line in parts[1].splitlines() if line.strip()) if len(parts) > 1 else ()
        )


@dataclass(frozen=True)
class LogLine:
    ts: str
    level: str
    msg: str
    error: str = ""


@dataclass(frozen=True)
class ControllerFact:
    name: str  # helm-controller
    namespace: str
    found: bool
    ready: bool
    message: str  # "1/1 replicas ready", or why not


def event_facts(events: Iterable[Mapping[str, Any]], about: set[Ref]) -> list[EventFact]:
    """The Events whose involvedObject is one of `about`, oldest first."""
    out = []
    for e in events:
        involved = as_mapping(e.get("involvedObject"))
        ref = Ref(
            as_text(involved.get("kind")),
            as_text(involved.get("namespace")),
            as_text(involved.get("name")),
        )
        if ref not in about:
            continue
        when = (
            as_text(e.get("lastTimestamp"))
            or as_text(e.get("eventTime"))
            or as_text(dig(e, "metadata.creationTimestamp"))
        )
        out.append(
            EventFact(
                ref,
                as_text(e.get("type")),
                as_text(e.get("reason")),
                as_text(e.get("message")),
                when,
                as_int(e.get("count")) or 1,
            )
        )
    return sorted(out, key=lambda ev: ev.when)  # RFC 3339 in UTC sorts as text


def _about(data: Mapping[str, Any], ref: Ref) -> bool:
    """A controller-runtime JSON line about `ref`: controllerKind (older Flux: "reconciler
    kind"), then name and namespace from the `{"<Kind>": {name, namespace}}` field or the
    top-level ones. Both name and namespace must match: an object of the same name in
    another namespace is another object."""
    kind = as_text(data.get("controllerKind")) or as_text(data.get("reconciler kind"))
    nested = as_mapping(data.get(ref.kind))
    if kind != ref.kind and not nested:
        return False
    name = as_text(nested.get("name")) or as_text(data.get("name"))
    namespace = as_text(nested.get("namespace")) or as_text(data.get("namespace"))
    return name == ref.name and namespace == ref.namespace


def log_facts(lines: Iterable[str], ref: Ref, limit: int) -> list[LogLine]:
    """The controller's JSON lines about `ref`, oldest first: the last `limit`, keeping the
    newest error among them even when it is older."""
    found: list[LogLine] = []
    for line in lines:
        if not line.startswith("{"):
            continue  # klog headers, plain text
        try:
            data = read_json(line, "kubectl logs")
        except ToolError:  # not JSON, or nested too deep: not a line of the controller's
            continue
        if isinstance(data, dict) and _about(data, ref):
            found.append(
                LogLine(
                    as_text(data.get("ts")) or str(data.get("ts", "")),
                    as_text(data.get("level")),
                    as_text(data.get("msg")),
                    as_text(data.get("error")),
                )
            )
    if len(found) <= limit:
        return found
    kept = found[len(found) - limit :] if limit > 0 else []
    errors = [line for line in found if line.level == "error"]
    if limit > 0 and errors and not any(line.level == "error" for line in kept):
        kept = [errors[-1], *kept[1:]]
    return kept


# ------------------------------------------------------------------ controllers


def controller_fact(
    name: str, namespace: str, deployment: Mapping[str, Any] | None
) -> ControllerFact:
    if deployment is None:
        return ControllerFact(name, namespace, False, False, f"no Deployment {name} in {namespace}")
    wanted = as_int(dig(deployment, "spec.replicas"))
    wanted = 1 if wanted is None else wanted
    ready = as_int(dig(deployment, "status.readyReplicas")) or 0
    ok = wanted > 0 and ready >= wanted
    message = f"{ready}/{wanted} replicas ready"
    if not ok:
        available = next(
            (
                c
                for c in as_mappings(dig(deployment, "status.conditions"))
                if c.get("type") == "Available"
            ),
            {},
        )
        why = as_text(available.get("message"))
        message += f" ({why})" if why else ""
    return ControllerFact(name, namespace, True, ok, message)
