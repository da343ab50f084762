"""The kubectl reads a diagnosis needs, as argv pieces, and their output as plain data.

Three calls, whatever the object and the size of the cluster:

1. `kubectl get <Flux kinds>,helmcharts…,deployments.apps -A -o json`: the object, its
   source chain, its dependencies and the controllers' Deployments in one List (`-A`:
   a HelmRelease in kube-system has its chart and repository in flux-system);
2. `kubectl get events -n NS --field-selector involvedObject.kind=K,involvedObject.name=N
   -o json`: the object's Events (the only place with Helm's own log);
3. `kubectl logs deploy/<controller> -n flux-system -c manager --since=1h`: the controller's
   log, filtered later by kind, name and namespace (which `flux logs` gets wrong by default).

Each piece leaves out `kubectl` and the context flags: the caller passes it to
`ClusterTarget.kubectl(*args)` and runs it through the runner. A failed logs read (a
controller that never started) is not fatal: its error line becomes a fact of the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._data import as_mappings
from ..errors import ToolError
from ..flux import DEFAULT_NAMESPACE, KINDS, SOURCE_GROUP
from .facts import Ref, controller_of

HELMCHARTS = f"helmcharts.{SOURCE_GROUP}"
DEPLOYMENTS = "deployments.apps"
OBJECT_RESOURCES = (*(spec.resource for spec in KINDS.values()), HELMCHARTS, DEPLOYMENTS)
DEFAULT_SINCE = "1h"  # as long as kube-apiserver keeps events by default


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
    selector = f"involvedObject.kind={ref.kind},involvedObject.name={ref.name}"
    return WhyReads(
        objects=("get", ",".join(OBJECT_RESOURCES), "-A", "-o", "json"),
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


def list_items(text: str, what: str) -> list[dict[str, Any]]:
    """The items of a `kubectl get -o json` List (or the one object it printed)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ToolError(f"kubectl get {what} printed something that is not JSON ({exc})") from None
    if isinstance(data, Mapping) and data.get("kind") == "List":
        return as_mappings(data.get("items"))
    return [dict(data)] if isinstance(data, Mapping) else []
