"""The pieces of `flux.diff --live` that need no cluster: the `kubectl diff` that shows what
Flux itself would change, what its exit code means, and what pruning would delete.

`kubectl diff --server-side` applies as field manager `kubectl` unless told otherwise, and a
server-side apply by another manager neither drops the fields Flux's apply would drop nor
takes fields Flux owns: only `--field-manager=kustomize-controller --force-conflicts` shows
what the next reconciliation does. kubectl knows nothing of a Kustomization's inventory, so
the objects pruning would delete are computed here: `status.inventory.entries[].id`
(`namespace_name_group_Kind`, as Flux's cli-utils writes it) minus what the folder builds now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._data import as_mapping, as_mappings, as_text, dig
from .._text import one_line
from ..errors import EXIT_TOOL, CommandFailed
from ..runner import Result, Runner

FIELD_MANAGER = "kustomize-controller"  # the manager Flux applies with
_KLOG = ("E0", "E1", "W0", "W1", "I0", "I1")  # klog lines kubectl logs before its error


def diff_args(*sources: str) -> list[str]:
    """kubectl arguments (the cluster target adds --context) of a server-side diff as Flux
    applies: one `-f` per file, `-` for stdin (a folder's `kubectl kustomize` output)."""
    files = [arg for source in sources for arg in ("-f", source)]
    return [
        "diff",
        "--server-side",
        f"--field-manager={FIELD_MANAGER}",
        "--force-conflicts",
        *files,
    ]


class LiveDiffFailed(CommandFailed, code=EXIT_TOOL):
    """kubectl diff exited above 1: it could not compute the diff (kubectl exits 0 for no
    difference, 1 for differences, more on any error)."""


@dataclass(frozen=True)
class LiveDiff:
    differs: bool
    output: str  # kubectl's `diff -u -N` per object; "" without differences


def read_live_diff(result: Result, what: str) -> LiveDiff:
    """kubectl diff's exit code as data: 0 none, 1 differences; LiveDiffFailed otherwise,
    one line naming `what` was diffed and kubectl's own error."""
    if result.exit_code in (0, 1):
        return LiveDiff(result.exit_code == 1, result.stdout)
    detail = f"{what}: {error_line(result.stderr or result.stdout)} (kubectl diff exit {result.exit_code})"
    raise LiveDiffFailed(result.argv, result.exit_code, result.stderr, detail=detail)


def run_live_diff(
    runner: Runner, argv: Sequence[str], what: str, *, input: str | None = None
) -> LiveDiff:
    return read_live_diff(runner.run(argv, input=input, ok_codes=range(256)), what)


def error_line(output: str) -> str:
    """kubectl's error as one line: klog noise dropped, a conflict list joined to its head."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(_KLOG)] or lines
    if not lines:
        return "failed without a message"
    start = next(
        (i for i, line in enumerate(lines) if line.startswith(("error:", "Error from server"))),
        len(lines) - 1,
    )
    return one_line(" ".join(lines[start:]).removeprefix("error: "))


@dataclass(frozen=True)
class InventoryEntry:
    """One object a Kustomization applied, from its `status.inventory`."""

    namespace: str
    name: str
    group: str
    kind: str

    @classmethod
    def parse(cls, entry_id: str) -> InventoryEntry | None:
        """`ns_name_group_Kind` (cluster-scoped: empty ns; a `:` in an RBAC name is `__`),
        parsed as cli-utils parses it; None when it has not four fields."""
        namespace, sep, rest = entry_id.partition("_")
        rest, sep2, kind = rest.rpartition("_")
        name, sep3, group = rest.rpartition("_")
        name = name.replace("__", ":")
        if not (sep and sep2 and sep3) or not name or not kind or "_" in name:
            return None
        return cls(namespace, name, group, kind)

    def describe(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class Prune:
    """What the next reconciliation of a Kustomization deletes (with prune on) or leaves
    behind unmanaged (with it off): applied before, built no more."""

    kustomization: str  # "flux-system/apps"
    enabled: bool
    stale: tuple[InventoryEntry, ...]
    unreadable: tuple[str, ...] = ()  # inventory ids that are not ns_name_group_Kind

    def lines(self) -> list[str]:
        if not self.stale:
            return []
        if self.enabled:
            return [f"- {e.describe()}: would be deleted (prune)" for e in self.stale]
        return [
            f"- {e.describe()}: left in the cluster, unmanaged (prune is off)" for e in self.stale
        ]


def prune_list(kustomization: Mapping[str, Any], built: Iterable[Mapping[str, Any]]) -> Prune:
    """The inventory of `kustomization` (the object as `kubectl get -o json` returns it)
    minus the objects its folder builds now (`built`: manifests).

    A built object gets the Kustomization's targetNamespace as the controller sets it; one
    that names no namespace matches any (whether its kind is namespaced is the API
    server's to know), so nothing is ever listed as deleted that the folder still builds.
    """
    target = as_text(dig(kustomization, "spec.targetNamespace"))
    now: set[tuple[str, str, str, str]] = set()
    for data in built:
        kind, name = as_text(data.get("kind")), as_text(dig(data, "metadata.name"))
        group = as_text(data.get("apiVersion")).rpartition("/")[0]
        namespace = as_text(dig(data, "metadata.namespace"))
        namespace = target if target and namespace else namespace
        now.add((group, kind, name, namespace))
    stale: list[InventoryEntry] = []
    unreadable: list[str] = []
    for entry in as_mappings(dig(kustomization, "status.inventory.entries")):
        entry_id = as_text(entry.get("id"))
        parsed = InventoryEntry.parse(entry_id)
        if parsed is None:
            unreadable.append(entry_id)
            continue
        identity = (parsed.group, parsed.kind, parsed.name)
        if (*identity, parsed.namespace) not in now and (*identity, "") not in now:
            stale.append(parsed)
    meta = as_mapping(kustomization.get("metadata"))
    name = f"{as_text(meta.get('namespace'))}/{as_text(meta.get('name'))}"
    enabled = dig(kustomization, "spec.prune") is True
    stale.sort(key=lambda e: (e.kind, e.namespace, e.name, e.group))  # as flux.diff sorts
    return Prune(name, enabled, tuple(stale), tuple(unreadable))
