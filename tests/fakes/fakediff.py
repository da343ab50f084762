"""`kubectl diff` for the fake kubectl (stdlib only; see README.md beside this file).

Like the real one it builds every object first (an unreadable manifest or a missing CRD is
an error before any output), computes what a server-side dry-run apply would leave
(a small model of server-side apply: the field manager that owns the object replaces its
fields, any other manager only adds or changes them and conflicts unless
--force-conflicts), and prints `diff -u -N` of LIVE against MERGED, one file per object
named `<group>.<version>.<Kind>.<namespace>.<name>`. Exit 0: no differences, 1:
differences, 2: an error (kubectl diff exits >1 on errors).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import random
import sys
from typing import Any

import fakestate as fs
from fakeyaml import YamlError, dump_yaml, parse_document, split_documents

CLUSTER_SCOPED = {
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
}
IDENTITY = ("apiVersion", "kind", "metadata", "status")


def fail(message: str) -> None:
    fs.fail(message, 2)


def read_objects(
    inputs: list[tuple[str, str]], cluster: dict[str, Any], namespace: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """(source, object) of every document, checked as kubectl's builder checks them."""
    out = []
    for source, text in inputs:
        for doc in split_documents(text):
            try:
                data = parse_document(doc)
            except YamlError as exc:
                fail(f"error: error parsing {source}: error converting YAML to JSON: {exc}")
                raise AssertionError from None
            if not isinstance(data, dict):
                fail(
                    f"error: error parsing {source}: error unmarshaling JSON: json: cannot unmarshal {type(data).__name__} into Go value of type map[string]interface {{}}"
                )
                raise AssertionError
            missing = [k for k in ("apiVersion", "kind") if not data.get(k)]
            if missing:
                problems = ", ".join(f"{k} not set" for k in missing)
                fail(
                    f'error: error validating "{source}": error validating data: [{problems}]; '
                    "if you choose to ignore these errors, turn validation off with --validate=false"
                )
            meta = data.setdefault("metadata", {})
            if not isinstance(meta, dict) or not meta.get("name"):
                fail(
                    f'error: error when retrieving current configuration from server for: "{source}": resource name may not be empty'
                )
            kind = data["kind"]
            if kind in CLUSTER_SCOPED:
                meta.pop("namespace", None)
            else:
                meta["namespace"] = meta.get("namespace") or namespace or "default"
            resource = fs.KIND_TO_RESOURCE.get(kind)
            if resource in cluster.get("missingCrds", []):
                fail(
                    f'error: resource mapping not found for name: "{meta["name"]}" namespace: '
                    f'"{meta.get("namespace", "")}" from "{source}": no matches for kind "{kind}" '
                    f'in version "{data["apiVersion"]}"\nensure CRDs are installed first'
                )
            out.append((source, data))
    return out


def live_object(
    cluster: dict[str, Any], kind: str, namespace: str, name: str
) -> dict[str, Any] | None:
    found = fs.find(cluster, kind, namespace, name)
    if found is not None:
        return copy.deepcopy(found)
    data = cluster.get("configMaps", {}).get(f"{namespace}/{name}") if kind == "ConfigMap" else None
    if data is None:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "managedFields": [{"apiVersion": "v1", "manager": "kubectl", "operation": "Apply"}],
            "name": name,
            "namespace": namespace,
        },
        "data": data,
    }


def owner(live: dict[str, Any]) -> tuple[str, str]:
    """(manager, apiVersion) owning the object's fields: the first Apply entry of
    metadata.managedFields; without one, kustomize-controller (Flux applied it)."""
    for entry in live.get("metadata", {}).get("managedFields", []) or []:
        if entry.get("operation", "Apply") == "Apply":
            return str(entry.get("manager", "")), str(
                entry.get("apiVersion") or live.get("apiVersion", "")
            )
    return "kustomize-controller", str(live.get("apiVersion", ""))


def leaves(value: Any, path: str = "") -> dict[str, Any]:
    """`.spec.chart.spec.version` -> value for every leaf (lists count as one leaf)."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(leaves(item, f"{path}.{key}"))
        return out
    return {path: value}


def merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def merged_object(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str,
    server_side: bool,
    force: bool,
) -> dict[str, Any]:
    """What the dry-run apply returns, or the conflict error (exit 2)."""
    applied = copy.deepcopy(applied)
    applied.pop("status", None)
    if live is None:
        new = applied
        if applied["kind"] in fs.KIND_TO_RESOURCE:
            new["metadata"]["generation"] = 1
        return new
    body = {k: v for k, v in applied.items() if k not in IDENTITY}
    owned_by, owned_api = owner(live)
    if server_side and manager != owned_by and not force:
        mine = leaves(body)
        mine.update(
            leaves(
                {
                    "metadata": {
                        k: applied["metadata"][k]
                        for k in ("labels", "annotations")
                        if k in applied["metadata"]
                    }
                }
            )
        )
        theirs = leaves({k: v for k, v in live.items() if k not in ("status",)})
        conflicts = sorted(p for p, v in mine.items() if p in theirs and theirs[p] != v)
        if conflicts:
            count = len(conflicts)
            if count == 1:
                text = f'conflict with "{owned_by}" using {owned_api}: {conflicts[0]}'
            else:
                text = f'conflicts with "{owned_by}" using {owned_api}:\n' + "\n".join(
                    f"- {c}" for c in conflicts
                )
            fail(
                f"Error from server (Conflict): Apply failed with {count} conflict{'s' if count > 1 else ''}: {text}"
            )
    merged = copy.deepcopy(live)
    merged["apiVersion"] = applied["apiVersion"]
    if server_side and manager == owned_by:
        for key in [k for k in merged if k not in IDENTITY]:
            del merged[key]  # the owner's apply drops the fields it no longer sets
        merged.update(copy.deepcopy(body))
    else:
        merge(merged, body)
    meta = merged.setdefault("metadata", {})
    for key in ("labels", "annotations"):
        if applied["metadata"].get(key):
            meta.setdefault(key, {}).update(applied["metadata"][key])
    content = {k: v for k, v in merged.items() if k not in IDENTITY}
    if content != {k: v for k, v in live.items() if k not in IDENTITY} and "generation" in meta:
        meta["generation"] = int(meta["generation"]) + 1
    return merged


def file_name(obj: dict[str, Any]) -> str:
    group, _, version = obj["apiVersion"].rpartition("/")
    meta = obj["metadata"]
    return f"{group + '.' if group else ''}{version}.{obj['kind']}.{meta.get('namespace', '')}.{meta['name']}"


def printable(obj: dict[str, Any] | None) -> list[str]:
    if obj is None:
        return []
    shown = copy.deepcopy(obj)
    shown.get("metadata", {}).pop("managedFields", None)  # kubectl diff hides them
    return dump_yaml(shown).splitlines()


def diff(
    state: dict[str, Any],
    cluster: dict[str, Any],
    inputs: list[tuple[str, str]],
    flags: dict[str, list[str]],
) -> int:
    """Print the diff; the exit code kubectl diff would return (0 or 1)."""

    def one(*names: str) -> str | None:
        for name in names:
            if name in flags:
                return flags[name][-1]
        return None

    server_side = "--server-side" in flags
    manager = one("--field-manager") or ("kubectl" if server_side else "kubectl-client-side-apply")
    force = "--force-conflicts" in flags
    namespace = one("-n", "--namespace")
    pairs = []
    for source, applied in read_objects(inputs, cluster, namespace):
        meta = applied["metadata"]
        live = live_object(cluster, applied["kind"], meta.get("namespace", ""), meta["name"])
        if live is not None:
            live["apiVersion"] = applied["apiVersion"]  # the server answers in the version asked
        merged = merged_object(live, applied, manager, server_side, force)
        cluster.setdefault("diffed", []).append(
            {"kind": applied["kind"], "namespace": meta.get("namespace", ""), "name": meta["name"],
             "source": source, "fieldManager": manager, "serverSide": server_side, "forceConflicts": force}
        )  # fmt: skip
        pairs.append((file_name(applied), live, merged))
    live_dir = f"/tmp/LIVE-{random.randrange(10**9, 10**10)}"
    merged_dir = f"/tmp/MERGED-{random.randrange(10**9, 10**10)}"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "000 +0000"
    epoch = "1970-01-01 00:00:00.000000000 +0000"
    changed = 0
    for name, live, merged in sorted(pairs, key=lambda p: p[0]):
        before, after = printable(live), printable(merged)
        if before == after:
            continue
        changed += 1
        left, right = f"{live_dir}/{name}", f"{merged_dir}/{name}"
        sys.stdout.write(f"diff -u -N {left} {right}\n")
        for line in difflib.unified_diff(
            before, after, left, right, epoch if live is None else stamp, stamp, lineterm=""
        ):
            sys.stdout.write(line + "\n")
    return 1 if changed else 0
