"""Readiness as the flux CLI judges it while it waits (kstatus, the Ready condition of the
current generation, each version's rules), and the waits themselves (stdlib only; see
README.md beside this file).
"""

from __future__ import annotations

import time
from typing import Any

import fakestate as fs


def conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list(obj.get("status", {}).get("conditions", []))


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in conditions(obj):
        if cond.get("type") == kind:
            return cond
    return None


def kstatus(obj: dict[str, Any]) -> tuple[str, str]:
    """(Terminating|InProgress|Failed|Current, message): the kstatus rules, in their order."""
    meta = obj.get("metadata", {})
    status = obj.get("status", {})
    if meta.get("deletionTimestamp"):
        return "Terminating", "deletion in progress"
    if status.get("observedGeneration") != meta.get("generation"):
        return "InProgress", "generation not observed"
    for cond in conditions(obj):
        if cond.get("type") == "Reconciling" and cond.get("status") == "True":
            return "InProgress", cond.get("message", "")
        if cond.get("type") == "Stalled" and cond.get("status") == "True":
            return "Failed", cond.get("message", "")
    ready = condition(obj, "Ready")
    if ready is not None:
        if ready.get("status") == "True":
            return "Current", ready.get("message", "")
        return "InProgress", ready.get("message", "")
    return "Current", ""


def is_ready(obj: dict[str, Any]) -> bool:
    """The flux CLI's wait rule: observed, a Ready condition of this generation, kstatus Current."""
    meta = obj.get("metadata", {})
    status = obj.get("status", {})
    if int(status.get("observedGeneration", 0) or 0) < 1:
        return False
    ready = condition(obj, "Ready")
    if ready is None or ready.get("status") != "True":
        return False
    generation = meta.get("generation")
    observed = ready.get("observedGeneration") or status.get("observedGeneration")
    return observed == generation and kstatus(obj)[0] == "Current"


def is_static(obj: dict[str, Any], cli_version: str) -> bool:
    """An OCI HelmRepository has no reconciler from Flux 2.2 (source-controller v1.2)."""
    return (
        obj.get("kind") == "HelmRepository"
        and obj.get("spec", {}).get("type") == "oci"
        and fs.version_tuple(cli_version) >= (2, 2, 0)
    )


def revision(obj: dict[str, Any]) -> str:
    status = obj.get("status", {})
    kind = obj.get("kind")
    if kind == "Kustomization":
        return str(status.get("lastAppliedRevision", ""))
    if kind == "HelmRelease":
        history = status.get("history") or []
        if history and history[0].get("chartVersion"):
            return str(history[0]["chartVersion"])
        return str(status.get("lastAttemptedRevision") or status.get("lastAppliedRevision") or "")
    return str(status.get("artifact", {}).get("revision", ""))


def success_message(kind: str, obj: dict[str, Any] | None, version: str) -> str:
    if kind in ("Kustomization", "HelmRelease"):
        return f"applied revision {revision(obj or {})}"
    if obj is not None and is_static(obj, version):  # no artifact: the Ready message
        return str((condition(obj, "Ready") or {}).get("message", ""))
    return f"fetched revision {revision(obj or {})}"


def wait_for(
    kind: str,
    names: list[str],
    namespace: str,
    timeout: float,
    version: str,
    context: str | None,
    token: str | None = None,
) -> dict[str, tuple[bool, str, dict[str, Any] | None]]:
    """Poll like the real CLI (one tick per poll, all objects at once): name -> (ready,
    failure message, last object seen)."""
    v = fs.version_tuple(version)
    deadline = time.monotonic() + timeout
    interval = fs.poll_interval(2.0)
    done: dict[str, tuple[bool, str, dict[str, Any] | None]] = {}
    seen: dict[str, dict[str, Any] | None] = {}
    while True:
        with fs.locked_state() as state:
            cluster = fs.cluster_for(state, context)
            assert cluster is not None
            fs.tick(cluster)
            for name in names:
                if name not in done:
                    seen[name] = fs.find(cluster, kind, namespace, name)
        for name in names:
            obj = seen.get(name)
            if name in done or obj is None:
                continue
            result = verdict(obj, v, token, version)
            if result is not None:
                done[name] = (result[0], result[1], obj)
        if len(done) == len(names):
            return done
        if time.monotonic() >= deadline:
            expired = (
                "context deadline exceeded"
                if v >= (2, 2, 0)
                else "timed out waiting for the condition"
            )
            for name in names:
                done.setdefault(name, (False, expired, seen.get(name)))
            return done
        time.sleep(min(interval, max(deadline - time.monotonic(), 0.0)))


def verdict(
    obj: dict[str, Any], v: tuple[int, int, int], token: str | None, version: str
) -> tuple[bool, str] | None:
    """(ready, failure) once the wait rule of this CLI version decides; None: keep polling."""
    if token is None and is_static(obj, version):
        return True, ""  # nothing reconciles it: it is ready once it exists
    if token is not None and obj.get("status", {}).get("lastHandledReconcileAt") != token:
        return None
    kind = obj["kind"]
    if v < (2, 2, 0):
        ready = condition(obj, "Ready")
        observed = obj.get("status", {}).get("observedGeneration") == obj["metadata"].get(
            "generation"
        )
        if observed and ready is not None and ready.get("status") == "True":
            return True, ""
        if observed and ready is not None and ready.get("status") == "False":
            prefix = f"{kind} reconciliation failed: " if token else ""
            return False, prefix + ready.get("message", "")
        return None
    status, message = kstatus(obj)
    if status == "Failed" and (token is None or v >= (2, 9, 0)):
        return False, message
    if is_ready(obj):
        return True, ""
    return None
