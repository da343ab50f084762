"""Object-by-object comparison of two sets of Kubernetes objects, as `flux.diff` reports it.

Objects are matched by API group, kind, namespace and name (never by file: a moved object
is the same object, and the move is said), and each difference carries a unified diff of
that object's YAML. Everything is sorted, so the same two sides always give the same report.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import yaml

from .._data import as_text, dig
from ..yamlio.emit import dump


@dataclass(frozen=True, order=True)
class ObjectKey:
    """What identifies an object in a cluster; sorted by kind, namespace and name."""

    kind: str
    namespace: str  # "" when the manifest sets none (cluster-scoped, or the default)
    name: str
    group: str  # "" for the core API

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> ObjectKey | None:
        """The key of a manifest, None when it lacks a kind or a name."""
        kind, name = as_text(data.get("kind")), as_text(dig(data, "metadata.name"))
        if not kind or not name:
            return None
        group = as_text(data.get("apiVersion")).rpartition("/")[0]
        return cls(kind, as_text(dig(data, "metadata.namespace")), name, group)

    def describe(self, *, with_group: bool = False) -> str:
        """`HelmRelease kube-system/karpenter` (`Namespace apps` without a namespace)."""
        kind = f"{self.kind}.{self.group}" if with_group and self.group else self.kind
        return f"{kind} {self.namespace}/{self.name}" if self.namespace else f"{kind} {self.name}"


@dataclass(frozen=True)
class Obj:
    """One object of one side: its YAML text and where it comes from (a file, or the folder
    whose build made it), as the user sees that path."""

    key: ObjectKey
    text: str
    where: str


class ChangeKind(Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "-", "changed": "~"}[self.value]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    key: ObjectKey
    where: str  # the working tree's file or folder; the base's for a removed object
    diff: tuple[str, ...]  # unified diff lines, without line ends
    notes: tuple[str, ...] = ()  # what the diff alone does not say (a move, a prune)
    via: str = ""  # "Kustomization flux-system/apps" for objects a folder builds

    def with_notes(self, *notes: str) -> Change:
        return Change(self.kind, self.key, self.where, self.diff, self.notes + notes, self.via)


def diff_objects(
    base: Mapping[ObjectKey, Obj],
    work: Mapping[ObjectKey, Obj],
    *,
    context: int = 3,
    via: str = "",
) -> list[Change]:
    """Every object added, removed or changed from `base` to `work`, sorted by key."""
    changes: list[Change] = []
    for key in sorted(base.keys() | work.keys()):
        old, new = base.get(key), work.get(key)
        if old is None and new is not None:
            lines = _unified("", new.text, "/dev/null", f"b/{new.where}", context)
            changes.append(Change(ChangeKind.ADDED, key, new.where, lines, via=via))
        elif new is None and old is not None:
            lines = _unified(old.text, "", f"a/{old.where}", "/dev/null", context)
            changes.append(Change(ChangeKind.REMOVED, key, old.where, lines, via=via))
        elif old is not None and new is not None and (old.text, old.where) != (new.text, new.where):
            lines = _unified(old.text, new.text, f"a/{old.where}", f"b/{new.where}", context)
            moved = (f"moved from {old.where} to {new.where}",) if old.where != new.where else ()
            changes.append(Change(ChangeKind.CHANGED, key, new.where, lines, moved, via))
    return changes


def _unified(old: str, new: str, old_name: str, new_name: str, context: int) -> tuple[str, ...]:
    if old == new:
        return ()
    return tuple(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), old_name, new_name, n=context, lineterm=""
        )
    )


def canonical_text(data: Mapping[str, Any]) -> str:
    """An object as the API machinery prints it (sorted keys, yaml.v2 style), so a build by
    kustomize and one read from files compare equal, and comments or key order, which never
    reach the cluster, make no difference. Values Go cannot print (.inf) fall back to
    PyYAML's sorted form."""
    try:
        return dump(data)
    except (ValueError, TypeError):
        return yaml.safe_dump(dict(data), sort_keys=True, default_flow_style=False)


def keyed(objects: Iterable[tuple[Mapping[str, Any], str]]) -> dict[ObjectKey, Obj]:
    """(manifest, where) pairs -> objects by key; manifests without kind or name are left
    out (validate reports them), a repeated key keeps the last, as an apply would."""
    out: dict[ObjectKey, Obj] = {}
    for data, where in objects:
        key = ObjectKey.of(data)
        if key is not None:
            out[key] = Obj(key, canonical_text(data), where)
    return out
