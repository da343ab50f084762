"""Checks of the Flux objects under resourcesDir: valid against their CRD schemas, naming
objects that exist, and kept in the files the flux.apply-* tasks look for."""

from __future__ import annotations

import posixpath

from ..._data import as_text
from ...flux import FILE_GROUPS, KINDS, FileGroup
from .crd import crd_validator, schema_problems
from .manifest import Manifest, references
from .state import Validation

# Kinds a Flux object's references to a source, a chart or a dependency can name.
REFERENCED_KINDS = frozenset(
    {"GitRepository", "HelmRepository", "OCIRepository", "Bucket", "ExternalArtifact"}
    | {"HelmChart", "Kustomization", "HelmRelease"}
)


def check_schemas(state: Validation, manifests: list[Manifest]) -> None:
    if state.crds is None:
        return
    components = state.shown(state.config.components_file)
    fix_controllers = (
        "add its controller to flux.components or flux.componentsExtra in "
        f"{state.shown_config} and run `invoke flux.update --components`"
    )
    for m in manifests:
        where = f"{state.shown(m.file)}: {m.subject}"
        versions = state.crds.get((m.group, m.kind))
        if not versions:
            state.report.error(
                f"{where}: {components} has no CRD for {m.kind} in {m.group}; {fix_controllers}"
            )
            continue
        served = [v for v in versions if v.served]
        match = next((v for v in served if v.name == m.version), None)
        if match is None:
            best = next((v for v in served if v.storage), served[0] if served else None)
            names = ", ".join(v.name for v in served) or "none"
            fix = (
                f"change it to {m.group}/{best.name}" if best else "regenerate the components file"
            )
            state.report.error(
                f"{where}: apiVersion {m.api_version} is not served by {components} (served: {names}); {fix}"
            )
            continue
        if match.schema is None:
            continue
        key = (m.group, m.kind, match.name)
        if key not in state.validators:
            state.validators[key] = crd_validator(match.schema)
        for problem in schema_problems(state.validators[key], m.data):
            state.report.error(
                f"{where}: {problem} (per the {m.kind} {m.api_version} CRD schema in {components})"
            )


def check_references(state: Validation, manifests: list[Manifest]) -> None:
    existing = set(state.config.declared())
    existing |= {(m.kind, m.namespace, m.name) for m in manifests if m.kind and m.name}
    known_kinds = {kind for kind, _, _ in existing} | REFERENCED_KINDS
    fix = f"declare it in {state.shown_config} or add its manifest under {state.shown_dir}/"
    for m in manifests:
        where = f"{state.shown(m.file)}: {m.subject}"
        for path, kind, ref in references(m):
            name = as_text(ref.get("name"))
            if not name or not kind or (kind not in known_kinds and state.crds is not None):
                continue  # a malformed reference: the schema check reports it
            namespace = as_text(ref.get("namespace")) or m.namespace
            if (kind, namespace, name) not in existing:
                state.report.error(
                    f"{where}: {path}: {kind} {namespace}/{name} does not exist; {fix}"
                )


def check_naming(state: Validation) -> None:
    for rel, source in sorted(state.files.items()):
        if source.generated or rel == state.config.components_file:
            continue
        base = posixpath.basename(rel)
        folder = posixpath.dirname(rel)
        held: set[FileGroup] = set()
        for m in source.manifests():
            files = m.file_group
            if files is None:
                continue
            held.add(files)
            if base.startswith(files.prefix):
                continue
            known = KINDS.get(m.kind)
            suggested = (
                known.file_name(m.name)
                if known is not None and known.files is files
                else f"{files.prefix}{m.kind.lower()}-{m.name}.yaml"
            )
            state.report.warning(
                f"{state.shown(rel)}: {m.subject}: a file holding {files.holds} should be named "
                f"{files.prefix}*.yaml, else `invoke {files.task}` skips it; move it to "
                f"{state.shown(posixpath.join(folder, suggested))}"
            )
        for files in FILE_GROUPS.values():
            if base.startswith(files.prefix) and files not in held and source.error is None:
                state.report.warning(
                    f"{state.shown(rel)}: named {files.prefix}* but holds no "
                    f"{files.holds.split(' ', 1)[1]}, yet `invoke {files.task}` applies it; rename it"
                )
