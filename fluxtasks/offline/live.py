"""`flux.diff --live`: what `flux.apply`, and Flux's next reconciliation, would change in a
cluster, as `kubectl diff --server-side` shows it with Flux's own field manager.

First the generated files (the ones `flux.apply` applies) in one `kubectl diff`. With
`kustomizations`, then every folder a declared Kustomization syncs, built as the controller
builds it (`folderbuild`) and piped to its own `kubectl diff -f -`, plus what pruning would
delete: one `kubectl get` of the Kustomizations gives their `status.inventory`. Objects
generated from the config are diffed once, with the files.

Local reads (the folder builds) use a runner that always runs; cluster calls go through
the given one, so a dry run prints them. kubectl exits 0 for no difference, 1 for
differences and more on an error: that is LiveDiffFailed (one line, exit 2) and ends the
run, since the next call would meet the same cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .._data import as_mapping, as_mappings, as_text, dig, read_json
from ..config.model import Config, Kustomization
from ..flux import KINDS
from ..render.update import plan_update
from ..runner import Runner
from ..yamlio.manifests import parse_documents
from .diff import generated_objects
from .folderbuild import FolderBuilder
from .livediff import LiveDiffFailed, Prune, diff_args, error_line, prune_list, run_live_diff
from .objdiff import ObjectKey, canonical_text

KUSTOMIZATIONS = KINDS["Kustomization"].resource


class Target(Protocol):
    """The cluster every kubectl argv is pinned to (`cluster.target.ClusterTarget`)."""

    def kubectl(self, *args: str) -> list[str]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Section:
    """One `kubectl diff`: the generated files, or one Kustomization's folder."""

    title: str  # "generated files (14)", "Kustomization flux-system/apps (resources/apps)"
    diff: str  # kubectl's output, "" without differences
    prune: Prune | None = None

    @property
    def differs(self) -> bool:
        return bool(self.diff or (self.prune and self.prune.stale))


@dataclass(frozen=True)
class LiveResult:
    target: str  # "cluster canary (context prow-canary-cluster)"
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # folders that did not build: not compared

    @property
    def changed(self) -> bool:
        """Exit 1: a difference, something to prune, or a folder that could not be compared."""
        return any(s.differs for s in self.sections) or bool(self.problems)


@dataclass
class _Run:
    config: Config
    target: Target
    runner: Runner
    builder: FolderBuilder
    generated: set[ObjectKey]
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def files(self) -> None:
        present: list[str] = []
        missing: list[str] = []
        for obj in generated_objects(self.config).values():
            path = self.config.root / obj.where
            (present if path.is_file() else missing).append(str(path))
        if missing or plan_update(self.config).has_drift:
            self.notes.append(
                "note: the generated files are out of date with config/flux.yaml: this diff "
                "shows them as they are on disk, which flux.apply refuses to apply; run "
                "`invoke flux.update` first"
            )
        if not present:
            return
        argv = self.target.kubectl(*diff_args(*sorted(present)))
        found = run_live_diff(self.runner, argv, "the generated files")
        self.sections.append(Section(f"generated files ({len(present)})", found.output))

    def folder(self, ks: Kustomization, live: Mapping[str, Any] | None) -> None:
        assert ks.local_dir is not None
        shown = self.builder.shown(ks.local_dir)
        built = self.builder.build(ks.local_dir)
        if built.problem is not None or built.needs_kubectl:
            why = built.problem or f"{self.builder.kubectl_missing}: not built"
            self.problems.append(why)
            return
        datas = [_data(obj.text) for obj in built.objects.values()]
        target_ns = ks.target_namespace
        own = [
            _in_namespace(d, target_ns)
            for key, d in zip(built.objects, datas, strict=True)
            if key not in self.generated
        ]
        count = f"{len(own)} object{'s' if len(own) != 1 else ''}"
        title = f"Kustomization {ks.namespace}/{ks.name} ({shown}, {count})"
        output = ""
        if own:
            text = "".join(f"---\n{canonical_text(d)}" for d in own)
            argv = self.target.kubectl(*diff_args("-"))
            output = run_live_diff(self.runner, argv, shown, input=text).output
        prune = prune_list(live, datas) if live is not None else None
        if live is None and not self.runner.dry_run:
            self.notes.append(
                f"note: Kustomization {ks.namespace}/{ks.name} is not in the cluster yet: nothing to prune"
            )
        self.sections.append(Section(title, output, prune))

    def kustomizations(self) -> dict[tuple[str, str], Mapping[str, Any]]:
        """Every Kustomization of the cluster by (namespace, name), from one kubectl get."""
        argv = self.target.kubectl("get", KUSTOMIZATIONS, "-A", "-o", "json")
        done = self.runner.run(argv, ok_codes=range(256))
        if done.exit_code != 0:
            detail = f"kubectl get {KUSTOMIZATIONS}: {error_line(done.stderr or done.stdout)}"
            raise LiveDiffFailed(done.argv, done.exit_code, done.stderr, detail=detail)
        if self.runner.dry_run:
            return {}
        data = read_json(done.stdout, f"kubectl get {KUSTOMIZATIONS}")
        items = as_mappings(as_mapping(data).get("items"))
        return {
            (as_text(dig(i, "metadata.namespace")), as_text(dig(i, "metadata.name"))): i
            for i in items
        }


def live_diff(
    config: Config, target: Target, runner: Runner, local: Runner, *, kustomizations: bool = False
) -> LiveResult:
    """Diff the generated files (and, with `kustomizations`, every synced folder) against
    the cluster `target` names. `local` builds the folders; `runner` reaches the cluster.

    LiveDiffFailed (exit 2) when kubectl cannot compute a diff."""
    shown_dir = config.display(config.resources_dir)
    builder = FolderBuilder(config.resources_dir, shown_dir, local, "working tree")
    run = _Run(config, target, runner, builder, set(generated_objects(config)))
    run.files()
    if kustomizations:
        live = run.kustomizations()
        seen: set[str] = set()
        for ks in config.kustomizations:
            if ks.local_dir is None:
                run.notes.append(
                    f"note: Kustomization {ks.namespace}/{ks.name} syncs {ks.path}, outside "
                    f"{shown_dir}: not compared"
                )
            elif ks.local_dir not in seen:
                seen.add(ks.local_dir)
                run.folder(ks, live.get((ks.namespace, ks.name)))
    return LiveResult(target.describe(), tuple(run.sections), tuple(run.notes), tuple(run.problems))


def _data(text: str) -> dict[str, Any]:
    documents, _ = parse_documents(text)
    first = documents[0] if documents else None
    return dict(first) if isinstance(first, dict) else {}


def _in_namespace(data: dict[str, Any], target: str | None) -> dict[str, Any]:
    """The object as the controller applies it: the Kustomization's target namespace
    replaces the namespace of every object that has one."""
    meta = as_mapping(data.get("metadata"))
    if not target or not meta.get("namespace"):
        return data
    return {**data, "metadata": {**meta, "namespace": target}}
