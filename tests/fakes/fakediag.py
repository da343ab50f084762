"""What the fakes show for diagnosis: Kubernetes Events, the Flux controllers' Deployments
and Pods, and the controllers' JSON log lines (stdlib only; see README.md beside this file).

Tests store these in the cluster state in a short form; this module expands them to the
shapes the API server returns, so `kubectl get events -o json` and `kubectl logs` look as
they do against a real cluster, with timestamps relative to the state's "now".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

import fakestate as fs

CONTROLLER_OF = {
    "HelmRelease": "helm-controller",
    "Kustomization": "kustomize-controller",
    "GitRepository": "source-controller",
    "HelmRepository": "source-controller",
    "OCIRepository": "source-controller",
    "HelmChart": "source-controller",
    "Bucket": "source-controller",
}
IMAGE_TAGS = {  # the controllers each Flux release ships (the tags only matter for display)
    (2, 3): {"source-controller": "v1.3.0", "kustomize-controller": "v1.3.0", "helm-controller": "v1.0.1", "notification-controller": "v1.3.0"},
    (2, 9): {"source-controller": "v1.7.0", "kustomize-controller": "v1.7.0", "helm-controller": "v1.4.0", "notification-controller": "v1.7.0"},
}  # fmt: skip


def _age(value: Any) -> dt.timedelta:
    if isinstance(value, (int, float)):
        return dt.timedelta(seconds=value)
    return dt.timedelta(seconds=fs.parse_duration(str(value)))


def _hex(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------- events


def events(state: dict[str, Any], cluster: dict[str, Any]) -> list[dict[str, Any]]:
    """The cluster's core/v1 Events, expanded, without those older than "eventTTL"
    (kube-apiserver --event-ttl: they have expired), sorted by namespace and name as the API
    server lists them (not by time)."""
    now = fs.now(state)
    ttl = cluster.get("eventTTL")
    out = []
    for index, raw in enumerate(cluster.get("events", [])):
        event = expand_event(raw, now, index)
        if ttl is not None:
            last = fs.parse_time(
                event.get("lastTimestamp") or event["metadata"]["creationTimestamp"]
            )
            if now - last > _age(ttl):
                continue
        out.append(event)
    return sorted(out, key=lambda e: (e["metadata"]["namespace"], e["metadata"]["name"]))


def expand_event(raw: dict[str, Any], now: dt.datetime, index: int = 0) -> dict[str, Any]:
    """A full Event from the short form {"object": "Kind/ns/name", "type", "reason",
    "message", "age", "firstAge", "count", "component", "annotations"}; an entry that
    already has "involvedObject" is returned as it is."""
    if "involvedObject" in raw:
        return raw
    kind, namespace, name = raw["object"].split("/", 2)
    resource = fs.KIND_TO_RESOURCE.get(kind)
    api_version = fs.RESOURCES[resource][1] if resource else "v1"
    last = now - _age(raw.get("age", 0))
    first = now - _age(raw.get("firstAge", raw.get("age", 0)))
    component = raw.get("component", CONTROLLER_OF.get(kind, ""))
    event_name = f"{name}.{_hex(raw['object'], raw.get('reason'), raw.get('message'), index)[:16]}"
    metadata: dict[str, Any] = {
        "creationTimestamp": fs.format_time(first),
        "name": event_name,
        "namespace": namespace,
        "resourceVersion": str(1000 + index),
        "uid": _uid(event_name),
    }
    if raw.get("annotations"):
        metadata["annotations"] = raw["annotations"]
    return {
        "apiVersion": "v1",
        "count": raw.get("count", 1),
        "eventTime": None,
        "firstTimestamp": fs.format_time(first),
        "involvedObject": {
            "apiVersion": api_version,
            "kind": kind,
            "name": name,
            "namespace": namespace,
            "resourceVersion": str(500 + index),
            "uid": _uid(raw["object"]),
        },
        "kind": "Event",
        "lastTimestamp": fs.format_time(last),
        "message": raw.get("message", ""),
        "metadata": metadata,
        "reason": raw.get("reason", ""),
        "reportingComponent": component,
        "reportingInstance": "",
        "source": {"component": component} if component else {},
        "type": raw.get("type", "Normal"),
    }


def _uid(seed: str) -> str:
    h = _hex(seed)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


EVENT_FIELDS = {
    "involvedObject.kind": lambda e: e["involvedObject"].get("kind"),
    "involvedObject.name": lambda e: e["involvedObject"].get("name"),
    "involvedObject.namespace": lambda e: e["involvedObject"].get("namespace"),
    "involvedObject.apiVersion": lambda e: e["involvedObject"].get("apiVersion"),
    "involvedObject.uid": lambda e: e["involvedObject"].get("uid"),
    "reason": lambda e: e.get("reason"),
    "type": lambda e: e.get("type"),
    "reportingComponent": lambda e: e.get("reportingComponent"),
    "source": lambda e: e.get("source", {}).get("component"),
}


def field_selector(selector: str, resource: str) -> list[tuple[str, bool, str]]:
    """[(field, equal, value)] of `--field-selector`, or the API server's refusal."""
    out = []
    allowed = {"metadata.name", "metadata.namespace"}
    if resource == "events":
        allowed |= set(EVENT_FIELDS)
    for term in (t for t in selector.split(",") if t):
        op = next((o for o in ("!=", "==", "=") if o in term), None)
        if op is None:
            fs.fail(f"error: invalid selector: '{selector}'; can't understand '{term}'")
            raise AssertionError
        field, _, value = term.partition(op)
        equal = op != "!="
        if field not in allowed:
            fs.fail(
                f'Error from server (BadRequest): Unable to find "{_gvr(resource)}" that match '
                f'label selector "", field selector "{selector}": field label not supported: {field}'
            )
        out.append((field, equal, value))
    return out


def _gvr(resource: str) -> str:
    if resource in fs.RESOURCES:
        group_version = fs.RESOURCES[resource][1]
        return f"{group_version}, Resource={resource.split('.', 1)[0]}"
    return {"events": "/v1, Resource=events", "deployments": "apps/v1, Resource=deployments"}.get(
        resource, f"/v1, Resource={resource}"
    )


def select(item: dict[str, Any], terms: list[tuple[str, bool, str]]) -> bool:
    for field, equal, value in terms:
        if field in EVENT_FIELDS and item.get("kind") == "Event":
            actual = EVENT_FIELDS[field](item)
        else:
            actual = item.get("metadata", {}).get(field.split(".", 1)[1])
        if (str(actual) == value) != equal:
            return False
    return True


def label_selector(item: dict[str, Any], selector: str | None) -> bool:
    """kubectl's equality-based `-l` (k=v, k==v, k!=v, k, !k), comma-separated."""
    labels = item.get("metadata", {}).get("labels", {}) or {}
    for term in (t.strip() for t in (selector or "").split(",") if t.strip()):
        if "!=" in term:
            key, _, value = term.partition("!=")
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, _, value = term.replace("==", "=").partition("=")
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


# ---------------------------------------------------------------- deployments and pods


def deployment_entry(value: Any) -> dict[str, Any]:
    """A "deployments" map value: "ready" | "stuck" (the pod never starts) | "crashloop"
    (it starts, logs, and dies), or {"state": ..., "replicas", "image", "labels"}."""
    return dict(value) if isinstance(value, dict) else {"state": value}


def is_ready(value: Any) -> bool:
    return deployment_entry(value).get("state", "ready") == "ready"


def deployments(state: dict[str, Any], cluster: dict[str, Any]) -> list[dict[str, Any]]:
    version = fs.cluster_flux_version(state, cluster)
    tags = IMAGE_TAGS[(2, 9) if fs.version_tuple(version) >= (2, 9, 0) else (2, 3)]
    out = []
    for key, value in sorted(cluster.get("deployments", {}).items()):
        namespace, name = key.split("/", 1)
        entry = deployment_entry(value)
        replicas = int(entry.get("replicas", 1))
        ready = replicas if entry.get("state", "ready") == "ready" else 0
        labels = entry.get("labels") or {
            "app.kubernetes.io/component": name,
            "app.kubernetes.io/instance": namespace,
            "app.kubernetes.io/part-of": "flux",
            "app.kubernetes.io/version": version,
            "control-plane": "controller",
        }
        image = entry.get("image") or f"ghcr.io/fluxcd/{name}:{tags.get(name, 'v1.0.0')}"
        rs = f"{name}-{_hex(key, 'rs')[:10]}"
        status: dict[str, Any] = {
            "observedGeneration": 1,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready == replicas else "False",
                    "reason": "MinimumReplicasAvailable" if ready == replicas else "MinimumReplicasUnavailable",
                    "message": "Deployment has minimum availability." if ready == replicas
                    else "Deployment does not have minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "NewReplicaSetAvailable" if ready == replicas else "ReplicaSetUpdated",
                    "message": f'ReplicaSet "{rs}" has successfully progressed.' if ready == replicas
                    else f'ReplicaSet "{rs}" is progressing.',
                },
            ],
        }  # fmt: skip
        if ready:
            status.update(readyReplicas=ready, availableReplicas=ready)
        else:
            status["unavailableReplicas"] = replicas
        out.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "generation": 1,
                    "labels": labels,
                    "name": name,
                    "namespace": namespace,
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {"containers": [{"image": image, "name": "manager"}]},
                    },
                },
                "status": status,
            }
        )
    return out


def pod_name(namespace: str, name: str) -> str:
    key = f"{namespace}/{name}"
    return f"{name}-{_hex(key, 'rs')[:10]}-{_hex(key, 'pod')[:5]}"


# ---------------------------------------------------------------- controller logs


def log_lines(state: dict[str, Any], cluster: dict[str, Any], controller: str) -> list[str]:
    """The controller's log, one line each: strings as they are, objects as zap prints them
    (compact JSON, in the given key order); an "age" becomes "ts" relative to "now"."""
    now = fs.now(state)
    out = []
    for entry in cluster.get("logs", {}).get(controller, []):
        if isinstance(entry, str):
            out.append(entry)
            continue
        line = {k: v for k, v in entry.items() if k != "age"}
        if "age" in entry:
            line["ts"] = fs.format_time(now - _age(entry["age"]), millis=True)
        out.append(json.dumps(zap_order(line), separators=(",", ":"), ensure_ascii=False))
    return out


ZAP_HEAD = ("level", "ts", "logger", "msg", "controller", "controllerGroup", "controllerKind")
ZAP_TAIL = ("error", "stacktrace")


def zap_order(line: dict[str, Any]) -> dict[str, Any]:
    """The key order zap writes (the state file keeps keys sorted): level, ts, logger, msg,
    controller-runtime's context (controller..., the object as {name, namespace},
    namespace, name, reconcileID), the call's own fields, then error and stacktrace."""
    kind = line.get("controllerKind")
    order = [k for k in ZAP_HEAD if k in line]
    order += [k for k in (kind, "namespace", "name", "reconcileID") if k and k in line]
    order += sorted(k for k in line if k not in order and k not in ZAP_TAIL)
    order += [k for k in ZAP_TAIL if k in line]
    return {k: line[k] for k in order}


KLOG_TIME = re.compile(r"^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6}) ")


def line_time(line: str, now: dt.datetime) -> dt.datetime | None:
    """When a line was written: its JSON "ts", or a klog header's time (klog has no year)."""
    klog = KLOG_TIME.match(line)
    if klog:
        month, day, hour, minute, second, micro = (int(g) for g in klog.groups())
        return dt.datetime(now.year, month, day, hour, minute, second, micro, tzinfo=dt.UTC)
    if not line.startswith("{"):
        return None
    try:
        ts = json.loads(line).get("ts")
        return fs.parse_time(ts) if isinstance(ts, str) else None
    except (ValueError, AttributeError):
        return None


def recent(
    state: dict[str, Any], lines: list[str], since: float | None, tail: int | None
) -> list[str]:
    """The lines kubelet returns for --since/--tail (kubelet knows when each line was
    written; the fake reads it from the line, and keeps a line that carries no time)."""
    if since is not None:
        now = fs.now(state)
        cutoff = now - dt.timedelta(seconds=since)
        lines = [line for line in lines if (when := line_time(line, now)) is None or when >= cutoff]
    if tail is not None and tail >= 0:
        lines = lines[len(lines) - tail :] if tail else []
    return lines
