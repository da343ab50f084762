"""What a Kustomization folder builds, object by object, for `flux.diff`: the objects
kustomize-controller would apply from it.

A folder with a kustomization file is built with `kubectl kustomize` (as validate builds it);
any other folder the way the controller generates one: every YAML file below it, and a
subfolder holding a kustomization file built as a whole. Without kubectl the folders that
need it are skipped and said so, never guessed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ToolError
from ..runner import Runner
from ..tree import KUSTOMIZATION_FILES, YAML_SUFFIXES
from ..yamlio.manifests import parse_documents
from .objdiff import Obj, ObjectKey, keyed
from .validate.kustomize import kustomize_argv, trim_kustomize_error
from .validate.manifest import list_items


@dataclass(frozen=True)
class FolderBuild:
    """The objects of one folder of one side; `problem` (one line) when it did not build,
    `needs_kubectl` when it was skipped for want of kubectl."""

    objects: dict[ObjectKey, Obj] = field(default_factory=dict)
    problem: str | None = None
    needs_kubectl: bool = False

    @property
    def complete(self) -> bool:
        return self.problem is None and not self.needs_kubectl


@dataclass
class FolderBuilder:
    """Builds the folders of one side's resourcesDir, each at most once."""

    resources_dir: Path
    shown_dir: str  # resourcesDir as the user sees it, e.g. "resources"
    runner: Runner
    label: str  # the side, as error lines name it: "working tree", "base (HEAD)"
    kubectl_missing: str | None = None  # the ToolError line once kubectl was looked for
    _built: dict[str, FolderBuild] = field(default_factory=dict)

    def shown(self, rel: str) -> str:
        return f"{self.shown_dir}/{rel}" if rel else self.shown_dir

    def build(self, folder: str) -> FolderBuild:
        if folder not in self._built:
            self._built[folder] = self._build(folder)
        return self._built[folder]

    def _build(self, folder: str) -> FolderBuild:
        base = self.resources_dir / folder if folder else self.resources_dir
        if not base.is_dir():
            return FolderBuild()  # not there on this side: it builds nothing
        parts = _Parts()
        if _kustomization_file(base):
            self._kustomize(folder, parts)
            return parts.result()
        for current, dirs, names in os.walk(base, followlinks=False):
            dirs.sort()
            rel = os.path.relpath(current, self.resources_dir).replace(os.sep, "/")
            if current != str(base) and _kustomization_file(Path(current)):
                dirs.clear()  # built as a whole, as the controller's generated file lists it
                self._kustomize(rel, parts)
                continue
            for name in sorted(n for n in names if n.endswith(YAML_SUFFIXES)):
                self._read(Path(current) / name, f"{rel}/{name}" if rel != "." else name, parts)
        return parts.result()

    def _read(self, path: Path, rel: str, parts: _Parts) -> None:
        if path.is_symlink():
            return  # never followed, as the tree scan never follows one
        shown = self.shown(rel)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            parts.fail(f"{self.label}: {shown}: cannot read: {getattr(exc, 'strerror', exc)}")
            return
        documents, error = parse_documents(text)
        if error is not None:
            parts.fail(f"{self.label}: {shown}:{error.line}:{error.col}: {error.message}")
        for doc in documents:
            if isinstance(doc, dict):
                parts.found.extend((item, shown) for item in list_items(doc))

    def _kustomize(self, folder: str, parts: _Parts) -> None:
        if self.kubectl_missing is None:
            try:
                self.runner.which("kubectl")
                self.kubectl_missing = ""
            except ToolError as exc:
                self.kubectl_missing = exc.lines[0]
        if self.kubectl_missing:
            parts.needs_kubectl = True
            return
        path = self.resources_dir / folder if folder else self.resources_dir
        result = self.runner.run(kustomize_argv(path), ok_codes=range(256))
        if result.exit_code != 0:
            detail = trim_kustomize_error(
                result.stderr or result.stdout, self.resources_dir, self.shown_dir
            )
            parts.fail(f"{self.label}: {self.shown(folder)}: kubectl kustomize failed: {detail}")
            return
        documents, _ = parse_documents(result.stdout)
        shown = self.shown(folder)
        for doc in documents:
            if isinstance(doc, dict):
                parts.found.extend((item, shown) for item in list_items(doc))


@dataclass
class _Parts:
    found: list[tuple[Mapping[str, Any], str]] = field(default_factory=list)
    problem: str | None = None
    needs_kubectl: bool = False

    def fail(self, line: str) -> None:
        self.problem = self.problem or line  # the first says why; the rest follow from it

    def result(self) -> FolderBuild:
        return FolderBuild(keyed(self.found), self.problem, self.needs_kubectl)


def _kustomization_file(folder: Path) -> bool:
    return any((folder / name).is_file() for name in KUSTOMIZATION_FILES)


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (relative path -> content; a link -> its target), to tell
    whether a folder differs between the two sides without building it."""
    out: dict[str, bytes] = {}
    if not folder.is_dir():
        return out
    for current, dirs, names in os.walk(folder, followlinks=False):
        for name in names + [d for d in dirs if (Path(current) / d).is_symlink()]:
            path = Path(current) / name
            rel = path.relative_to(folder).as_posix()
            try:
                out[rel] = (
                    b"link:" + os.readlink(path).encode()
                    if path.is_symlink()
                    else path.read_bytes()
                )
            except OSError:
                out[rel] = b"unreadable"
    return out
