"""State shared by the fake `flux` and `kubectl` (stdlib only; see README.md beside this file).

Both fakes read and write one JSON file named by FLUXTASKS_FAKE_STATE, append every argv
to a call log, and advance a tiny simulated cluster one "tick" per status read, so tests
can script "becomes Ready on the 3rd poll" without sleeping.
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
import time
from collections.abc import Iterator
from typing import Any

STATE_ENV = "FLUXTASKS_FAKE_STATE"
CALLS_ENV = "FLUXTASKS_FAKE_CALLS"
POLL_ENV = "FLUXTASKS_FAKE_POLL"
FLUX_VERSION_ENV = "FLUXTASKS_FAKE_FLUX_VERSION"
HANG_ENV = "FLUXTASKS_FAKE_HANG"
HANG_MARKER_ENV = "FLUXTASKS_FAKE_HANG_MARKER"
FAIL_ENV = "FLUXTASKS_FAKE_FAIL"

DEFAULT_FLUX_VERSION = "v2.3.0"
DEFAULT_CONTEXT = "prow-canary-cluster"
UNREACHABLE = "Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout"

# plural.group -> (Kind, apiVersion of the stored objects, short names kubectl accepts)
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
}
KIND_TO_RESOURCE = {kind: res for res, (kind, _, _) in RESOURCES.items()}


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
    """Print one error line on stderr and exit, as both real CLIs do."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    raise SystemExit(code)


# ---------------------------------------------------------------- state file


def state_path() -> str | None:
    return os.environ.get(STATE_ENV) or None


def default_state() -> dict[str, Any]:
    return {
        "context": DEFAULT_CONTEXT,
        "objects": [],
        "script": [],
        "ticks": 0,
        "gets": 0,
    }


@contextlib.contextmanager
def locked_state(write: bool = True) -> Iterator[dict[str, Any]]:
    """The state, locked against the other fake; written back on exit when `write`."""
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
        path = state_path() + ".calls"  # type: ignore[operator]
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps([tool, *args]) + "\n")


def maybe_hang(tool: str, words: list[str]) -> None:
    """FLUXTASKS_FAKE_HANG="flux suspend": after doing its work, that command writes the
    marker file (FLUXTASKS_FAKE_HANG_MARKER) and sleeps up to 30 s, so a test can signal
    the caller while it waits. SIGINT/SIGTERM end the fake as they would end the real CLI."""
    wanted = os.environ.get(HANG_ENV, "").split()
    if not wanted or [tool, *words[: len(wanted) - 1]] != wanted:
        return
    marker = os.environ.get(HANG_MARKER_ENV)
    if marker:
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))
    time.sleep(30)


def maybe_fail(tool: str, words: list[str]) -> None:
    """FLUXTASKS_FAKE_FAIL="flux resume": that command fails at once, changing nothing
    (flux: `✗ simulated failure`, kubectl: `error: simulated failure`; exit 1)."""
    wanted = os.environ.get(FAIL_ENV, "").split()
    if wanted and [tool, *words[: len(wanted) - 1]] == wanted:
        fail(("✗ " if tool == "flux" else "error: ") + "simulated failure")


def poll_interval(default: float) -> float:
    try:
        return float(os.environ.get(POLL_ENV, default))
    except ValueError:
        return default


def flux_version(state: dict[str, Any]) -> str:
    return os.environ.get(FLUX_VERSION_ENV) or state.get("fluxVersion") or DEFAULT_FLUX_VERSION


def check_context(state: dict[str, Any], context: str | None) -> None:
    """An explicit --context must name a known context (state "contexts", if given)."""
    known = state.get("contexts")
    if context is not None and known is not None and context not in known:
        fail(f"error: context was not found for specified context: {context}")


# ---------------------------------------------------------------- objects


def find(state: dict[str, Any], kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    for obj in state["objects"]:
        meta = obj.get("metadata", {})
        if (
            obj.get("kind") == kind
            and meta.get("namespace") == namespace
            and meta.get("name") == name
        ):
            return obj  # type: ignore[no-any-return]
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


def observe(obj: dict[str, Any]) -> None:
    generation = obj.get("metadata", {}).get("generation", 1)
    status = obj.setdefault("status", {})
    status["observedGeneration"] = generation
    for condition in status.get("conditions", []):
        condition["observedGeneration"] = generation
    requested = (
        obj.get("metadata", {}).get("annotations", {}).get("reconcile.fluxcd.io/requestedAt")
    )
    if requested:
        status["lastHandledReconcileAt"] = requested


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


def parse_duration(text: str) -> float:
    """Seconds of a Go duration ("5m", "1m30s", "10ms")."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    total = 0.0
    if text == "0":
        return 0.0
    for number, unit in re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", text):
        total += float(number) * units[unit]
    if not re.fullmatch(r"([0-9.]+(ns|us|µs|ms|s|m|h))+", text):
        raise ValueError(text)
    return total


# ---------------------------------------------------------------- YAML (a small subset)


def split_documents(text: str) -> list[str]:
    docs: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip() == "---":
            docs.append([])
        else:
            docs[-1].append(line)
    return ["\n".join(d) for d in docs if any(x.strip() and not x.startswith("#") for x in d)]


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def doc_identity(doc: str) -> dict[str, str]:
    """apiVersion, kind, metadata.name/namespace of one block-style YAML document."""
    out: dict[str, str] = {}
    in_metadata = False
    for line in doc.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            in_metadata = line.startswith("metadata:")
            key, _, value = line.partition(":")
            if key in ("apiVersion", "kind"):
                out[key] = _scalar(value)
            continue
        if in_metadata and re.match(r"^  (name|namespace):", line):
            key, _, value = line.strip().partition(":")
            out[key] = _scalar(value)
    return out


def doc_data(doc: str) -> dict[str, str]:
    """The `data:` map of a ConfigMap document, literal blocks (| |- |+) included."""
    lines = doc.splitlines()
    data: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i] != "data:":
        i += 1
    i += 1
    while i < len(lines) and lines[i].startswith("  "):
        key, _, value = lines[i].strip().partition(":")
        value = value.strip()
        i += 1
        if value in ("|", "|-", "|+"):
            block: list[str] = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                block.append(lines[i][4:])
                i += 1
            text = "\n".join(block)
            body = text.rstrip("\n")
            if value == "|":
                text = body + "\n"
            elif value == "|-":
                text = body
            else:
                text = text + "\n"
            data[_scalar(key)] = text
        else:
            data[_scalar(key)] = json.loads(value) if value.startswith('"') else _scalar(value)
    return data


def dump_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts/lists/scalars (keys sorted, as kustomize prints them)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        out = []
        for key in sorted(value):
            item = value[key]
            if isinstance(item, dict) and item:
                out.append(f"{pad}{key}:\n{dump_yaml(item, indent + 2)}")
            elif isinstance(item, list) and item:
                out.append(f"{pad}{key}:\n{dump_yaml(item, indent)}")
            else:
                out.append(f"{pad}{key}: {_yaml_scalar(item)}\n")
        return "".join(out)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        out = []
        for item in value:
            if isinstance(item, dict) and item:
                inner = dump_yaml(item, indent + 2)
                out.append(pad + "- " + inner[indent + 2 :])
            elif isinstance(item, list) and item:
                out.append(pad + "-\n" + dump_yaml(item, indent + 2))
            else:
                out.append(f"{pad}- {_yaml_scalar(item)}\n")
        return "".join(out)
    return pad + _yaml_scalar(value) + "\n"


_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./:@-]*$")
_AMBIGUOUS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _yaml_scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _AMBIGUOUS and not text.endswith(":"):
        return text
    return json.dumps(text, ensure_ascii=False)
