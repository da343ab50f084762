"""State shared by the fake `flux` and `kubectl` (stdlib only; see README.md beside this file).

Both fakes read and write one JSON file named by FLUXTASKS_FAKE_STATE, append every argv
to a call log, and advance a tiny simulated cluster one "tick" per status read, so tests
can script "becomes Ready on the 3rd poll" without sleeping. The file holds one cluster
(the original format) or, under "clusters", one cluster per kube context.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import fcntl
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

STATE_ENV = "FLUXTASKS_FAKE_STATE"
CALLS_ENV = "FLUXTASKS_FAKE_CALLS"
POLL_ENV = "FLUXTASKS_FAKE_POLL"
FLUX_VERSION_ENV = "FLUXTASKS_FAKE_FLUX_VERSION"

DEFAULT_FLUX_VERSION = "v2.3.0"
DEFAULT_CONTEXT = "prow-canary-cluster"

# plural.group -> (Kind, apiVersion of the stored objects, names kubectl accepts)
RESOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "kustomizations.kustomize.toolkit.fluxcd.io": (
        "Kustomization",
        "kustomize.toolkit.fluxcd.io/v1",
        ("kustomization", "kustomizations", "ks"),
    ),
    "helmreleases.helm.toolkit.fluxcd.io": (
        "HelmRelease",
        "helm.toolkit.fluxcd.io/v2",
        ("helmrelease", "helmreleases", "hr"),
    ),
    "gitrepositories.source.toolkit.fluxcd.io": (
        "GitRepository",
        "source.toolkit.fluxcd.io/v1",
        ("gitrepository", "gitrepositories", "gitrepo"),
    ),
    "helmrepositories.source.toolkit.fluxcd.io": (
        "HelmRepository",
        "source.toolkit.fluxcd.io/v1",
        ("helmrepository", "helmrepositories", "helmrepo"),
    ),
    "ocirepositories.source.toolkit.fluxcd.io": (
        "OCIRepository",
        "source.toolkit.fluxcd.io/v1beta2",
        ("ocirepository", "ocirepositories", "ocirepo"),
    ),
    "helmcharts.source.toolkit.fluxcd.io": (
        "HelmChart",
        "source.toolkit.fluxcd.io/v1",
        ("helmchart", "helmcharts", "hc"),
    ),
    "buckets.source.toolkit.fluxcd.io": (
        "Bucket",
        "source.toolkit.fluxcd.io/v1",
        ("bucket", "buckets"),
    ),
}
KIND_TO_RESOURCE = {kind: res for res, (kind, _, _) in RESOURCES.items()}
# Keys of one cluster; anything else at the top of the file belongs to the kubeconfig.
CLUSTER_DEFAULTS: dict[str, Any] = {"objects": [], "script": [], "ticks": 0, "gets": 0}


def version_tuple(version: str) -> tuple[int, int, int]:
    """'v2.3.0' -> (2, 3, 0); anything unparsable counts as the newest."""
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", version)
    if not match:
        return (99, 0, 0)
    major, minor, patch = (int(g) for g in match.groups())
    return (major, minor, patch)


def key_of(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    return f"{obj.get('kind')}/{meta.get('namespace', '')}/{meta.get('name')}"


def now_rfc3339nano() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def fail(message: str, code: int = 1) -> None:
    """Print the error on stderr and exit, as both real CLIs do."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    raise SystemExit(code)


def parse_duration(text: str) -> float:
    """Seconds of a Go duration ("5m", "1m30s", "10ms")."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    if text == "0":
        return 0.0
    if not re.fullmatch(r"-?([0-9.]+(ns|us|µs|ms|s|m|h))+", text):
        raise ValueError(text)
    total = sum(
        float(number) * units[unit]
        for number, unit in re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", text)
    )
    return -total if text.startswith("-") else total


def poll_interval(default: float) -> float:
    try:
        return float(os.environ.get(POLL_ENV, default))
    except ValueError:
        return default


# ---------------------------------------------------------------- state file


def state_path() -> str | None:
    return os.environ.get(STATE_ENV) or None


def default_state() -> dict[str, Any]:
    return {"context": DEFAULT_CONTEXT, **copy.deepcopy(CLUSTER_DEFAULTS)}


@contextlib.contextmanager
def locked_state(write: bool = True) -> Iterator[dict[str, Any]]:
    """The whole state file, locked against the other fakes; written back when `write`."""
    path = state_path()
    if path is None:
        yield default_state()
        return
    with open(path + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = default_state()
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                if text.strip():
                    state.update(json.loads(text))
            yield state
            if write:
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    json.dump(state, handle, indent=2, sort_keys=True)
                os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def log_call(tool: str, args: list[str]) -> None:
    """Append [tool, *args] as one JSON line to the call log (before doing anything)."""
    path = os.environ.get(CALLS_ENV)
    if not path and state_path():
        path = f"{state_path()}.calls"
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps([tool, *args]) + "\n")


def flux_version(state: dict[str, Any]) -> str:
    """The flux CLI's own version (not the cluster's)."""
    return os.environ.get(FLUX_VERSION_ENV) or state.get("fluxVersion") or DEFAULT_FLUX_VERSION


def now(state: dict[str, Any]) -> dt.datetime:
    """The cluster's wall clock: state "now" (RFC 3339) when set, so tests are exact."""
    text = state.get("now")
    if not text:
        return dt.datetime.now(dt.UTC)
    return parse_time(text)


def parse_time(text: str) -> dt.datetime:
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    return dt.datetime.fromisoformat(text)


def format_time(when: dt.datetime, millis: bool = False) -> str:
    if millis:
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- which cluster


def multi(state: dict[str, Any]) -> bool:
    return isinstance(state.get("clusters"), dict)


def cluster_for(state: dict[str, Any], context: str | None) -> dict[str, Any] | None:
    """The cluster behind `context` (None: the current one): the whole state in the
    single-cluster format, else state["clusters"][context] (None when it has no entry)."""
    if not multi(state):
        return state
    name = context or state.get("context")
    entry = state["clusters"].get(name) if name else None
    if entry is None:
        return None
    for key, value in CLUSTER_DEFAULTS.items():
        entry.setdefault(key, copy.deepcopy(value))
    return entry


def context_known(state: dict[str, Any], context: str | None) -> bool:
    """Does the kubeconfig define this context? (explicit --context only, as kubectl checks)"""
    if context is None:
        return True
    if multi(state):
        return context in state["clusters"]
    known = state.get("contexts")
    return known is None or context in known


def connect(
    state: dict[str, Any], tool: str, context: str | None, kubeconfig: str | None, **how: Any
) -> dict[str, Any]:
    """The cluster this call talks to, after the checks the real CLI makes on the way (the
    context exists, the API server answers); else it fails with the real texts and exit
    codes (fakefaults.unreachable; `how` picks kubectl's variant of the message)."""
    name = context or state.get("context")
    cluster = cluster_for(state, context)
    mode: Any
    if not context_known(state, context) or (multi(state) and name and cluster is None):
        mode = "no-context"
    elif cluster is None:
        mode = "no-config"  # no current context: kubectl falls back to localhost:8080
    else:
        mode = cluster.get("unreachable") or None
    if not mode:
        assert cluster is not None
        return cluster
    import fakefaults

    fakefaults.unreachable(cluster or {}, tool, mode, name, kubeconfig, **how)
    raise AssertionError


# The toggles' code is only loaded when one is set: the fakes start hundreds of times.
TOGGLES = ("FLUXTASKS_FAKE_NOISE", "FLUXTASKS_FAKE_FAIL", "FLUXTASKS_FAKE_HANG")


def toggles_before(tool: str, words: list[str], args: list[str]) -> None:
    if any(os.environ.get(name) for name in TOGGLES):
        import fakefaults

        fakefaults.before(tool, words, args)


def toggles_after(tool: str, words: list[str], args: list[str]) -> None:
    if os.environ.get("FLUXTASKS_FAKE_HANG"):
        import fakefaults

        fakefaults.after(tool, words, args)


def cluster_flux_version(state: dict[str, Any], cluster: dict[str, Any]) -> str:
    """The Flux installed in the cluster (`flux version`, controller images)."""
    return str(cluster.get("fluxVersion") or flux_version(state))


# ---------------------------------------------------------------- objects


def find(state: dict[str, Any], kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    for obj in state["objects"]:
        meta = obj.get("metadata", {})
        if (
            obj.get("kind") == kind
            and meta.get("namespace", "") == namespace
            and meta.get("name") == name
        ):
            return obj
    return None


def bump_generation(state: dict[str, Any], obj: dict[str, Any]) -> None:
    """A spec patch: the API server bumps the generation; the controller observes it later."""
    meta = obj.setdefault("metadata", {})
    meta["generation"] = int(meta.get("generation", 1)) + 1
    mark_pending(state, obj)


def mark_pending(state: dict[str, Any], obj: dict[str, Any]) -> None:
    state.setdefault("pending", {})[key_of(obj)] = state.get("ticks", 0)


def fire(state: dict[str, Any], event: str, obj: dict[str, Any]) -> None:
    """Arm the script entries waiting for `event` on `obj` and apply those due now."""
    key = key_of(obj)
    for entry in state.get("script", []):
        if entry.get("done") or entry.get("object") != key or entry.get("on", "tick") != event:
            continue
        if "armedAt" not in entry:
            entry["armedAt"] = state.get("ticks", 0)
    apply_due(state)


def apply_due(state: dict[str, Any]) -> None:
    ticks = state.get("ticks", 0)
    for entry in state.get("script", []):
        if entry.get("done"):
            continue
        armed = entry.get("armedAt", 0 if entry.get("on", "tick") == "tick" else None)
        if armed is None or ticks - armed < int(entry.get("after", 0)):
            continue
        entry["done"] = True
        state.setdefault("events", []).extend(copy.deepcopy(entry.get("events", [])))
        if "object" not in entry:
            continue
        kind, namespace, name = entry["object"].split("/", 2)
        obj = find(state, kind, namespace, name)
        if entry.get("delete"):
            if obj is not None:
                state["objects"].remove(obj)
            continue
        if obj is None:
            obj = {
                "apiVersion": RESOURCES[KIND_TO_RESOURCE[kind]][1],
                "kind": kind,
                "metadata": {"name": name, "namespace": namespace, "generation": 1},
                "spec": {},
            }
            state["objects"].append(obj)
        deep_merge(obj, copy.deepcopy(entry.get("set", {})))


def deep_merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            deep_merge(into[key], value)
        elif value is None:
            into.pop(key, None)
        else:
            into[key] = value


def tick(state: dict[str, Any]) -> None:
    """One step of simulated time: due script entries apply, then the "controllers" observe
    every object a CLI changed (new generation, handled reconcile request) unless suspended."""
    state["ticks"] = state.get("ticks", 0) + 1
    apply_due(state)
    lag = int(state.get("controllerLag", 0))
    pending = state.setdefault("pending", {})
    for key, since in list(pending.items()):
        if state["ticks"] - since <= lag:
            continue
        kind, namespace, name = key.split("/", 2)
        obj = find(state, kind, namespace, name)
        if obj is None:
            del pending[key]
            continue
        if obj.get("spec", {}).get("suspend"):
            continue  # a suspended object is not reconciled
        observe(obj)
        del pending[key]


FAILURE_COUNTERS = ("failures", "installFailures", "upgradeFailures")


def observe(obj: dict[str, Any]) -> None:
    """What a controller records when it handles a new generation or a request annotation.
    helm-controller also zeroes the failure counters (absent when 0) on a new generation
    and on a handled resetAt token, so remediation retries start over."""
    meta = obj.get("metadata", {})
    generation = meta.get("generation", 1)
    status = obj.setdefault("status", {})
    new_generation = status.get("observedGeneration") != generation
    status["observedGeneration"] = generation
    for cond in status.get("conditions", []):
        cond["observedGeneration"] = generation
    annotations = meta.get("annotations", {})
    requested = annotations.get("reconcile.fluxcd.io/requestedAt")
    if requested:
        status["lastHandledReconcileAt"] = requested
    if obj.get("kind") != "HelmRelease":
        return
    reset = annotations.get("reconcile.fluxcd.io/resetAt")
    if reset and reset == requested and status.get("lastHandledResetAt") != reset:
        status["lastHandledResetAt"] = reset
        new_generation = True
    force = annotations.get("reconcile.fluxcd.io/forceAt")
    if force and force == requested:
        status["lastHandledForceAt"] = force
    if new_generation:
        for counter in FAILURE_COUNTERS:
            status.pop(counter, None)
