"""The Kustomization folders: each built the way kustomize-controller builds it, and every
HelmRelease found in one whose build includes it."""

from __future__ import annotations

import os
import posixpath

from ..._data import as_mapping, as_text, dig
from ...errors import ToolError
from ...flux import HELM_GROUP, KUSTOMIZE_GROUP
from ...tree import YAML_SUFFIXES, local_folder
from ...yamlio.manifests import parse_documents
from .kustomize import kustomize_argv, trim_kustomize_error
from .manifest import Manifest, SourceFile, describe, list_items
from .state import Validation


def kustomization_folders(state: Validation) -> list[str]:
    """Folders (relative to resourcesDir) that some Kustomization syncs: the config's,
    and those of hand-written Kustomizations whose path lies under repoPath."""
    folders = {k.local_dir for k in state.config.kustomizations if k.local_dir is not None}
    for source in state.files.values():
        for m in source.manifests():
            if m.group == KUSTOMIZE_GROUP and m.kind == "Kustomization":
                local = local_folder(as_text(dig(m.data, "spec.path")), state.config.repo_path)
                if local is not None and (state.root / local).is_dir():
                    folders.add(local)
    return sorted(folders)


def check_folder(state: Validation, folder: str) -> None:
    """What kustomize-controller does with the folder: build its kustomization file, or
    generate one from every YAML file below it (a subfolder with a kustomization file
    is built as a whole)."""
    if folder in state.kustomize_dirs:
        _build(state, folder)
        return
    base = state.root / folder
    for current, dirs, names in os.walk(base, followlinks=False):
        dirs.sort()
        rel = os.path.relpath(current, state.root).replace(os.sep, "/")
        if rel != folder and rel in state.kustomize_dirs:
            _build(state, rel)
            dirs.clear()
            continue
        for name in sorted(names):
            if name.endswith(YAML_SUFFIXES):
                _check_manifest_file(state, f"{rel}/{name}" if rel != "." else name)


def _check_manifest_file(state: Validation, rel: str) -> None:
    source = state.files.get(rel)
    if source is None:
        return  # a symlink: nothing to read
    if source.error is not None:
        _report_parse_error(state, source)
        return
    need = "kustomize-controller needs apiVersion, kind and metadata.name in every document"
    for i, doc in enumerate(source.documents, start=1):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            state.report.error(
                f"{state.shown(rel)}: document {i}: not a Kubernetes object but {describe(doc)}; {need}"
            )
            continue
        for obj in list_items(doc):
            m = Manifest(rel, i, obj)
            missing = [
                key
                for key, value in (
                    ("apiVersion", m.api_version),
                    ("kind", m.kind),
                    ("metadata.name", m.name),
                )
                if not value
            ]
            if missing:
                state.report.error(
                    f"{state.shown(rel)}: {m.subject}: missing {', '.join(missing)}; {need}"
                )


def _build(state: Validation, folder: str) -> None:
    if folder in state.built or folder in state.skipped_builds:
        return
    components = state.config.components_file
    missing = state.crds is None and not state.components_broken
    if missing and (folder == "" or components.startswith(folder + "/")):
        state.skipped_builds.append(folder)  # it would only fail on the missing file
        return
    if state.report.missing_tool is not None:
        return
    blocking = [rel for rel in state.special if folder == "" or rel.startswith(folder + "/")]
    if blocking:  # kubectl would wait forever on a FIFO the kustomization lists
        state.built[folder] = None
        state.report.error(
            f"{state.shown(folder)}: not built: {state.shown(blocking[0])} is "
            f"{state.special[blocking[0]]}, which kubectl kustomize could wait on forever; remove it"
        )
        return
    try:
        state.runner.which("kubectl")
    except ToolError as exc:
        state.report.missing_tool = (
            f"{exc.lines[0]} (needed to build {state.shown(folder)} with `kubectl kustomize`)"
        )
        return
    result = state.runner.run(kustomize_argv(state.root / folder), ok_codes=range(256))
    state.report.builds += 1
    if result.exit_code == 0:
        documents, _ = parse_documents(result.stdout)
        state.built[folder] = documents
        return
    state.built[folder] = None
    kfile = state.shown(posixpath.join(folder, state.kustomize_dirs[folder]))
    detail = trim_kustomize_error(result.stderr or result.stdout, state.root, state.shown_dir)
    state.report.error(
        f"{state.shown(folder)}: kubectl kustomize failed: {detail}; fix {kfile} or the files it lists"
    )


def check_parse_errors(state: Validation) -> None:
    """YAML outside every Kustomization folder that does not parse. Inside a folder that
    kubectl kustomize builds (or would, but for the components file) kubectl reports
    the files it uses; the components file has its own line."""
    builds = [*state.built, *state.skipped_builds]
    for rel, source in state.files.items():
        if source.error is None or rel == state.config.components_file:
            continue
        if any(folder == "" or rel.startswith(folder + "/") for folder in builds):
            continue
        _report_parse_error(state, source)


def _report_parse_error(state: Validation, source: SourceFile) -> None:
    if source.error is None or source.rel in state.parse_reported:
        return
    state.parse_reported.add(source.rel)
    e = source.error
    state.report.error(f"{state.shown(source.rel)}:{e.line}:{e.col}: {e.message}")


def check_deployed(state: Validation, manifests: list[Manifest], folders: list[str]) -> None:
    for m in manifests:
        if not (m.group == HELM_GROUP and m.kind == "HelmRelease"):
            continue
        where = f"{state.shown(m.file)}: {m.subject}"
        holders = [f for f in folders if f == "" or m.file.startswith(f + "/")]
        if not holders:
            state.report.error(
                f"{where}: not deployed: add it to an existing Kustomization's folder"
            )
            continue
        omitted = [_omitted_by(state, folder, m) for folder in holders]
        if all(omitted):
            state.report.error(
                f"{where}: not deployed: {omitted[0]} does not include it; add it to its resources"
            )


def _omitted_by(state: Validation, folder: str, m: Manifest) -> str | None:
    """The kustomization file that leaves the release out when Flux builds `folder`, else None.

    Flux takes every file of a plain folder; a kustomization file on the way down takes
    only what it lists, which its build output shows (an unbuilt folder is given the
    benefit of the doubt: its own error is reported)."""
    kdir = _kustomize_dir_between(state, folder, m.file)
    built = state.built.get(kdir) if kdir is not None else None
    if kdir is None or built is None:
        return None
    for doc in built:
        if (
            isinstance(doc, dict)
            and doc.get("kind") == "HelmRelease"
            and as_mapping(doc.get("metadata")).get("name") == m.name
        ):
            return None
    return state.shown(posixpath.join(kdir, state.kustomize_dirs[kdir]))


def _kustomize_dir_between(state: Validation, folder: str, rel_file: str) -> str | None:
    """The first folder from `folder` down to the file's own that holds a kustomization file."""
    parts = rel_file.split("/")[:-1]
    start = len(folder.split("/")) if folder else 0
    for depth in range(start, len(parts) + 1):
        candidate = "/".join(parts[:depth])
        if candidate in state.kustomize_dirs:
            return candidate
    return None
