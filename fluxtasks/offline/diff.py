"""`invoke flux.diff`: what a change does to the objects Flux applies, before it lands.

Both sides, the base commit (read from Git, see `gitref`) and the working tree, go through
the same loader and renderer; every generated object is compared by its identity, not its
file. For each Kustomization whose folder differs between the sides, what the folder builds
is compared too (see `folderbuild`), and a removed Kustomization says what pruning deletes.
The result is data: the task prints it (`diff_report`) and exits 1 when anything changed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..config.load import load_config
from ..config.model import Config, Kustomization
from ..errors import InputError
from ..flux import KUSTOMIZE_GROUP
from ..render.manifests import render_all
from ..runner import Runner
from ..yamlio.manifests import parse_documents
from .folderbuild import FolderBuild, FolderBuilder, folder_files
from .gitref import BaseTree, extract_base
from .objdiff import Change, ChangeKind, Obj, ObjectKey, diff_objects

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class DiffResult:
    """Every change from the base to the working tree, in report order, and the lines to
    print beside it: notes (what was skipped) and problems (what did not build)."""

    base: str  # "origin/main (1a2b3c4)"
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Exit 1 when true: something differs, or a changed folder could not be compared."""
        return bool(self.changes or self.problems)

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for c in self.changes if c.kind is kind)


@dataclass
class _Side:
    label: str
    config: Config
    generated: dict[ObjectKey, Obj]
    builder: FolderBuilder

    def folder(self, rel: str) -> Path:
        return self.config.resources_dir / rel if rel else self.config.resources_dir

    def shown(self, rel: str) -> str:
        return self.builder.shown(rel)


def diff_offline(
    config_path: Path, runner: Runner, *, base: str = "HEAD", context: int = 3
) -> DiffResult:
    """Compare the project at `config_path` with itself at Git revision `base`.

    InputError (exit 4) when the base cannot be read or a config does not load (each line
    names its side); ToolError (exit 2) without git.
    """
    with tempfile.TemporaryDirectory(prefix="fluxtasks-diff-") as tmp:
        tree = extract_base(config_path, base, runner, Path(tmp))
        sides: list[_Side] = []
        errors: list[str] = []
        for label, path in ((tree.label, tree.config_path), (WORKING_TREE, config_path)):
            try:
                sides.append(_side(label, path, runner))
            except InputError as exc:
                hidden = f"{tree.root}/"  # the base's temporary folder means nothing to the user
                errors.extend(f"{label}: {line.replace(hidden, '')}" for line in exc.lines)
        if errors:
            raise InputError(*errors)
        return _compare(sides[0], sides[1], tree, context)


def _side(label: str, config_path: Path, runner: Runner) -> _Side:
    config = load_config(config_path)
    shown_dir = config.display(config.resources_dir)
    builder = FolderBuilder(config.resources_dir, shown_dir, runner, label)
    return _Side(label, config, generated_objects(config), builder)


def generated_objects(config: Config) -> dict[ObjectKey, Obj]:
    """Every object `flux.update` writes for `config`, by key, as the renderer prints it;
    `where` is its file as the user sees it."""
    generated: dict[ObjectKey, Obj] = {}
    shown_dir = config.display(config.resources_dir)
    for file, document in render_all(config).items():
        documents, _ = parse_documents(document)
        key = ObjectKey.of(documents[0]) if documents and isinstance(documents[0], dict) else None
        if key is not None:
            text = document.removeprefix("---\n")  # the renderer's text, as written to the file
            generated[key] = Obj(key, text, f"{shown_dir}/{file}")
    return generated


@dataclass
class _Comparison:
    base: _Side
    work: _Side
    context: int
    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # folders left unbuilt without kubectl
    done: set[tuple[str | None, str | None]] = field(default_factory=set)

    def folders(self) -> None:
        """Each Kustomization's folder that differs: what it builds, object by object."""
        base_ks = {(k.namespace, k.name): k for k in self.base.config.kustomizations}
        work_ks = {(k.namespace, k.name): k for k in self.work.config.kustomizations}
        for ns_name in sorted(base_ks.keys() | work_ks.keys()):
            old, new = base_ks.get(ns_name), work_ks.get(ns_name)
            if new is None and old is not None:
                self.prune_note(old)
            elif new is not None:
                self.folder(old, new)

    def folder(self, old: Kustomization | None, new: Kustomization) -> None:
        old_dir = old.local_dir if old is not None else None
        new_dir = new.local_dir
        if (old_dir, new_dir) in self.done or (old_dir is None and new_dir is None):
            return  # one folder synced twice is compared once; one outside resources never
        self.done.add((old_dir, new_dir))
        if old_dir == new_dir and new_dir is not None and self.same_files(new_dir):
            return
        before = self.build(self.base, old_dir)
        after = self.build(self.work, new_dir)
        if not (before.complete and after.complete):
            return
        generated = self.base.generated.keys() | self.work.generated.keys()
        via = f"Kustomization {new.namespace}/{new.name}"
        found = diff_objects(
            {k: o for k, o in before.objects.items() if k not in generated},
            {k: o for k, o in after.objects.items() if k not in generated},
            context=self.context,
            via=via,
        )
        stays = f"prune is off for {via}: Flux leaves it in the cluster"
        for change in found:
            gone = change.kind is ChangeKind.REMOVED and not new.prune
            self.changes.append(change.with_notes(stays) if gone else change)

    def same_files(self, rel: str) -> bool:
        return folder_files(self.base.folder(rel)) == folder_files(self.work.folder(rel))

    def build(self, side: _Side, rel: str | None) -> FolderBuild:
        if rel is None:
            return FolderBuild()
        built = side.builder.build(rel)
        if built.problem is not None and built.problem not in self.problems:
            self.problems.append(built.problem)
        if built.needs_kubectl and side.shown(rel) not in self.skipped:
            self.skipped.append(side.shown(rel))
        return built

    def prune_note(self, old: Kustomization) -> None:
        """A removed Kustomization: what its folder built is what Flux deletes (or leaves
        behind, unmanaged, with prune off)."""
        if old.local_dir is None:
            return
        key = ObjectKey("Kustomization", old.namespace, old.name, KUSTOMIZE_GROUP)
        index = next((i for i, c in enumerate(self.changes) if c.key == key), None)
        built = self.build(self.base, old.local_dir)
        if index is None or (built.complete and not built.objects):
            return
        folder = self.base.shown(old.local_dir)
        count = len(built.objects)
        what = f"the {count} object{'s' if count != 1 else ''} built from {folder}"
        listed = [f"  {k.describe()}" for k in sorted(built.objects)]
        if not built.complete:
            why = "needs kubectl" if built.needs_kubectl else "does not build"
            what, listed = f"what Flux applied from {folder} (not listed: the build {why})", []
        if old.prune:
            head = f"removing it prunes {what}" + (":" if listed else "")
        else:
            head = f"prune is off: {what} stays in the cluster, unmanaged" + (":" if listed else "")
        self.changes[index] = self.changes[index].with_notes(head, *listed)


def _compare(base: _Side, work: _Side, tree: BaseTree, context: int) -> DiffResult:
    comparison = _Comparison(base, work, context)
    comparison.changes = diff_objects(base.generated, work.generated, context=context)
    comparison.folders()
    notes = list(tree.notes)
    missing = base.builder.kubectl_missing or work.builder.kubectl_missing
    if comparison.skipped and missing:
        notes.append(
            f"note: {missing}: skipped comparing what kubectl kustomize builds from "
            + ", ".join(comparison.skipped)
        )
    notes.extend(_values_notes(base.config, work.config))
    label = tree.ref if tree.commit.startswith(tree.ref) else f"{tree.ref} ({tree.commit[:7]})"
    return DiffResult(label, tuple(comparison.changes), tuple(notes), tuple(comparison.problems))


def _values_notes(base: Config, work: Config) -> list[str]:
    """Per-cluster values never reach resources/: say which changed and how they get pushed."""
    notes = []
    for hr in work.helm_releases:
        if hr.cluster_values is None:
            continue
        for cluster in sorted(work.clusters):
            rel = hr.cluster_values.file_for(cluster)
            if _bytes(base.root / rel) != _bytes(work.root / rel):
                notes.append(
                    f"note: {rel} changed: Flux does not read it; after the merge run "
                    f"`invoke flux.apply-values --release {hr.name} --cluster {cluster}`"
                )
    return notes


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None
