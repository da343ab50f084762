"""Offline checks of the GitOps tree (`invoke flux.validate`): no cluster, no `flux` binary.

Every check runs and every problem is collected, so one run lists them all, one line
each: the file, the object, what is wrong and how to fix it. The checks:

* the config is valid (the loader's own messages, as `flux.update` prints them);
* generated files are current (what `flux.update --check` reports);
* every Kustomization folder builds the way kustomize-controller builds it: a folder
  holding a kustomization file with the real `kubectl kustomize`, any other folder by
  reading every YAML document (each needs apiVersion, kind and metadata.name);
* every Flux object under resourcesDir is valid against the CRD schema of its apiVersion
  in the components file (skipped, with one warning, while that file is missing);
* every HelmRelease is deployed: its file lies in some Kustomization's folder;
* every reference to a source, a chart or a dependency names an object that exists;
* hand-written files holding sources, Kustomizations and HelmReleases carry the
  `flux-source-`/`flux-ks-`/`flux-hr-` prefix the `flux.apply-*` tasks look for (warnings).

The checks live beside this module (folders, objects), each a plain function of the run's
`Validation` state.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...config.load import load_config
from ...config.model import Config
from ...errors import InputError
from ...files.plan import Action
from ...generated import Markers
from ...render.update import plan_update
from ...runner import Runner
from ...tree import KUSTOMIZATION_FILES, scan_tree
from ...yamlio.manifests import parse_documents
from .crd import crd_versions
from .folders import check_deployed, check_folder, check_parse_errors, kustomization_folders
from .manifest import SourceFile
from .objects import check_naming, check_references, check_schemas
from .report import Report
from .state import Validation


def validate(config_path: Path, runner: Runner) -> Report:
    """Run every check against the config at `config_path`; see the module docstring."""
    try:
        config = load_config(config_path)
    except InputError as exc:
        report = Report(config_valid=False)
        for line in exc.lines:
            report.error(line)
        return report
    return validate_config(config, runner)


def validate_config(config: Config, runner: Runner) -> Report:
    state = Validation(config, runner)
    _read_tree(state)
    _check_generated(state)
    _load_components(state)
    folders = kustomization_folders(state)
    state.report.folders = len(folders)
    for folder in folders:
        check_folder(state, folder)
    check_parse_errors(state)
    manifests = [m for f in state.files.values() for m in f.manifests() if m.is_flux]
    state.report.objects = len(manifests)
    check_schemas(state, manifests)
    check_deployed(state, manifests, folders)
    check_references(state, manifests)
    check_naming(state)
    if state.crds is None and not state.components_broken:
        _warn_components_missing(state)
    return state.report


def _read_tree(state: Validation) -> None:
    markers = Markers.of(state.config.marker)
    scan = scan_tree(state.root)
    _report_unread(state, scan.skipped)
    for rel, text in scan.items():
        if text is None:  # a symlink or unreadable: nothing a check can rely on
            continue
        documents, error = parse_documents(text)
        state.files[rel] = SourceFile(rel, text, markers.owns(text), documents, error)
    for folder, dirs, names in os.walk(state.root, followlinks=False):
        dirs.sort()
        rel = os.path.relpath(folder, state.root).replace(os.sep, "/")
        found = next((n for n in KUSTOMIZATION_FILES if n in names), None)
        if found is not None:
            state.kustomize_dirs["" if rel == "." else rel] = found


def _report_unread(state: Validation, skipped: dict[str, str]) -> None:
    """YAML files the scan did not read: a FIFO or device (never opened: a warning), a file
    that is not UTF-8 or cannot be opened (an error: kustomize-controller fails on it too)."""
    for rel, reason in skipped.items():
        if reason.endswith("not a regular file"):
            state.special[rel] = reason
            state.report.warning(f"{state.shown(rel)}: {reason}: not read, and Git cannot hold it")
        elif reason.startswith("not valid UTF-8"):
            state.report.error(
                f"{state.shown(rel)}: {reason}: Flux cannot read it; save it as UTF-8"
            )
        else:
            state.report.error(f"{state.shown(rel)}: cannot be read: {reason}")


def _check_generated(state: Validation) -> None:
    try:
        plan = plan_update(state.config)
    except InputError as exc:
        for line in exc.lines:
            state.report.error(line)
        return
    fix = "run `invoke flux.update` and commit the result"
    for change in plan.pending:
        shown = state.shown(change.path)
        if change.action is Action.CREATE:
            state.report.error(f"{shown}: missing: {state.shown_config} declares it; {fix}")
        elif change.action is Action.DELETE:
            state.report.error(
                f"{shown}: generated, but no longer declared in {state.shown_config}; {fix} (it prunes the file)"
            )
        else:
            state.report.error(
                f"{shown}: out of date: differs from what {state.shown_config} renders; {fix}"
            )
    for note in plan.drift_notes:
        state.report.error(note)
    for line in plan.leftover_lines():
        state.report.error(line)


def _load_components(state: Validation) -> None:
    source = state.files.get(state.config.components_file)
    if source is None:
        return  # missing: one warning at the end, naming what was skipped
    shown = state.shown(source.rel)
    if source.error is not None:
        e = source.error
        state.report.error(
            f"{shown}:{e.line}:{e.col}: {e.message}; regenerate it with `invoke flux.update --components`"
        )
        state.components_broken = True  # no schemas to check against: that one line says why
        return
    state.crds = crd_versions(source.documents)


def _warn_components_missing(state: Validation) -> None:
    how = (
        f"generate it with `invoke flux.update --components` "
        f"(needs the flux CLI {state.config.flux_version})"
    )
    skipped = "the CRD schema checks"
    if state.skipped_builds:
        skipped += " and the kustomize build of " + ", ".join(
            state.shown(f) for f in state.skipped_builds
        )
    state.report.warning(
        f"{state.shown(state.config.components_file)} is missing: skipped {skipped}; {how}"
    )
