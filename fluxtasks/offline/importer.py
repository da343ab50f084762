"""`flux.import`: rebuild config/flux.yaml from the generated files of a tree (migration).

Every file under resourcesDir that carries a generated marker (this project's, the bash
script's, or the existing config's) is read back into the config model. Each object is
rendered again for every Flux minor release and compared with the file, which tells both
whether the config can express it and which `flux create` versions wrote it. Repeated
values become `defaults`, file names that differ from the default become `file:`, and the
result is validated by the real loader and planned by the real `flux.update` before anyone
sees it: what import prints is what round-trips.

Nothing is dropped silently. A marked file that cannot be imported would be *deleted* by
the next `flux.update` (it owns every marked file), so it is a blocker: `--write` refuses
until its marker line is removed, which makes it a hand-written file.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from .._data import as_mapping, as_mappings, as_text, as_texts, dig
from ..config.loader import load_text
from ..config.model import Config, Dependency, HelmRelease, Kustomization, ObjectRef, Source
from ..durations import normalize_duration
from ..errors import InputError
from ..files.plan import Action, FileChange
from ..flux import (
    DEFAULT_COMPONENTS,
    DEFAULT_NAMESPACE,
    FLUX_GROUP_SUFFIX,
    KINDS,
    KNOWN_COMPONENTS,
    KS_SOURCE_KINDS,
    NAME_RE,
    SOURCE_KINDS,
    SUPPORTED_MINORS,
    flux_path,
    supported_minor,
)
from ..generated import DEFAULT_MARKER, LEGACY_MARKER, Markers, components_version, documents
from ..render.manifests import (
    manifest_helm_release,
    manifest_kustomization,
    manifest_source,
)
from ..render.update import plan_update
from ..tree import YAML_SUFFIXES, folders, local_folder, scan_tree
from ..yamlio.config_dump import FlowMap, dump_config
from ..yamlio.helm_values import HelmValuesError, read_values_node
from ..yamlio.source import YamlSourceError, compose, plain_data

FluxObject = Source | HelmRelease | Kustomization

DEFAULT_VERSION = "v2.3.0"  # the loader's default, used when no file pins a release
DEFAULT_HEADER = "config/boilerplate.txt"
DEFAULT_COMPONENTS_FILE = "flux/gotk-components.yaml"
DEFAULT_WAIT_TIMEOUT = "2m0s"
SCHEMA_LINE = "yaml-language-server: $schema=flux.schema.json"
SOURCE_ORDER = {kind: i for i, kind in enumerate(SOURCE_KINDS)}
TOOLKIT_OBJECT_RE = re.compile(rf"^apiVersion:\s*\S+{re.escape(FLUX_GROUP_SUFFIX)}/", re.MULTILINE)
FOREIGN_MARKER_RE = re.compile(r"^#\s*(Code generated .*DO NOT EDIT\.?)\s*$", re.MULTILINE)
PROBLEM_RE = re.compile(r"^[^:]+:\d+:\d+: (?P<path>\S+): (?P<message>.*)$")
ENTRY_RE = re.compile(r"^(?P<section>sources|helmReleases|kustomizations)\[(?P<index>\d+)\]")
API_PATH_RE = re.compile(r"^(apiVersion|spec\.healthChecks\[\d+\]\.apiVersion)$")


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


@dataclass(frozen=True, eq=False)  # compared by identity: it keys dicts, values may be dicts
class Imported:
    """One Flux object read back from a generated file."""

    file: str  # relative to resourcesDir
    obj: FluxObject
    minors: frozenset[int]  # Flux minors whose `flux create --export` writes this document
    marker: str  # the marker line of its file, without "# "
    api_version: str

    @property
    def kind(self) -> str:
        if isinstance(self.obj, Source):
            return self.obj.kind
        return type(self.obj).__name__


@dataclass
class ImportResult:
    config_path: Path
    shown_config: str  # "config/flux.yaml"
    text: str  # the config to write
    notes: list[str] = field(default_factory=list)  # what import decided, and why
    warnings: list[str] = field(default_factory=list)  # what `flux.update` would still change
    left_alone: list[str] = field(default_factory=list)  # Flux-looking files that are not marked
    blockers: list[str] = field(default_factory=list)  # marked files that cannot be imported
    imported: int = 0


@dataclass
class _Existing:
    """What an existing config/flux.yaml contributes: read leniently, it may be broken."""

    found: bool = False
    version: str | None = None
    components: list[str] | None = None
    components_extra: list[str] | None = None
    components_file: str | None = None
    output: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, str] = field(default_factory=dict)
    # (namespace, name) of a HelmRelease -> its clusterValues (configMap, file)
    cluster_values: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    problem: str | None = None


@dataclass(frozen=True)
class _Components:
    file: str | None  # relative to resourcesDir
    version: str | None
    components: list[str] | None


@dataclass(frozen=True)
class _Diff:
    path: str
    old: Any  # in the file (MISSING when absent)
    new: Any  # as the config would render it (MISSING when absent)

    def describe(self) -> str:
        if self.old is MISSING:
            return f"{self.path} would be added ({_short(self.new)})"
        if self.new is MISSING:
            return f"{self.path} ({_short(self.old)})"
        return f"{self.path} {_short(self.old)} would become {_short(self.new)}"


def shown_config(config_path: Path) -> str:
    """The config path as messages print it (config/flux.yaml)."""
    resolved = config_path.resolve()
    return f"config/{resolved.name}" if resolved.parent.name == "config" else str(config_path)


def import_tree(config_path: Path) -> ImportResult:
    """Build the config that reproduces the generated files of the tree `config_path` governs.

    Nothing is written; InputError when there is nothing to import or the tree lacks what
    every config needs (resourcesDir, the header template).
    """
    resolved = config_path.resolve()
    root = resolved.parent.parent if resolved.parent.name == "config" else resolved.parent
    existing = _read_existing(config_path)
    resources_rel = existing.output.get("resourcesDir", "resources")
    resources_dir = root / resources_rel
    if not resources_dir.is_dir():
        raise InputError(
            f"{resources_rel}/: no such folder (output.resourcesDir); nothing to import"
        )
    header_rel = existing.output.get("header", DEFAULT_HEADER)
    if not (root / header_rel).is_file():
        raise InputError(
            f"{header_rel}: the license header template (output.header) is missing: create it from "
            "the header of the generated files, with the year written as YEAR"
        )
    result = ImportResult(config_path, shown_config(config_path), "")
    if existing.problem:
        result.notes.append(existing.problem)
    tree = scan_tree(resources_dir)
    markers = Markers.of(existing.output.get("marker"))
    components = _find_components(tree, existing)
    imported: list[Imported] = []
    blocked: dict[str, str] = {}
    for rel, text in tree.items():
        shown = f"{resources_rel}/{rel}"
        if rel == components.file:
            continue
        if text is None:
            if posixpath.basename(rel).startswith("flux-"):
                result.left_alone.append(
                    f"{shown}: a symlink or unreadable: left alone, not imported"
                )
            continue
        marker = markers.marker_of(text)
        if marker is None:
            note = _hand_written_note(rel, text)
            if note:
                result.left_alone.append(f"{shown}: {note}")
            continue
        read = _read_object(rel, text, marker)
        if isinstance(read, str):
            blocked[rel] = read
        else:
            imported.append(read)
    if not imported and not blocked:
        raise InputError(
            f"{resources_rel}/: no generated files to import (none carries a marker line "
            f"'# {DEFAULT_MARKER}' or '# {LEGACY_MARKER}')"
        )

    imported = _drop_duplicates(imported, blocked, resources_rel)
    builder = _Builder(existing, components, root, resources_rel, header_rel)
    while True:
        try:
            built = builder.build(imported)
        except ValueError as exc:  # the writer refuses text that would not read back
            raise InputError(
                f"{result.shown_config}: cannot write the imported config: {exc}"
            ) from None
        if built.missing_folders:
            for item, reason in built.missing_folders.items():
                blocked[item.file] = reason
            imported = [i for i in imported if i not in built.missing_folders]
            continue
        try:
            config = load_text(built.text, config_path)
        except InputError as exc:
            rejected, fatal = _map_problems(exc.lines, built.entries)
            if fatal:
                raise InputError(
                    *[
                        f"{result.shown_config}: the imported config does not load: {line}"
                        for line in fatal
                    ]
                ) from None
            for item, message in rejected.items():
                blocked[item.file] = f"the config cannot declare it: {message}"
            imported = [i for i in imported if i not in rejected]
            continue
        break

    result.text = built.text
    result.imported = len(imported)
    result.notes.extend(built.notes)
    for rel, reason in sorted(blocked.items()):
        result.blockers.append(
            f"{resources_rel}/{rel}: not imported: {reason}; it carries the generated marker, so "
            "`invoke flux.update` would delete it: delete it yourself, or remove its marker line to keep it "
            "as a hand-written file"
        )
    _verify(config, result, blocked, markers, header_rel)
    return result


# -------------------------------------------------------------- reading the tree


def _read_existing(config_path: Path) -> _Existing:
    if not config_path.is_file():
        return _Existing()
    shown = shown_config(config_path)
    try:
        node = compose(config_path.read_text(encoding="utf-8"))
        data = plain_data(node) if node is not None else {}
    except (OSError, UnicodeDecodeError, YamlSourceError):
        data = None
    if not isinstance(data, dict):
        return _Existing(True, problem=f"{shown} does not parse: nothing is kept from it")
    flux, output, clusters = (as_mapping(data.get(k)) for k in ("flux", "output", "clusters"))
    out = _Existing(found=True)
    out.version = as_text(flux.get("version"), None)
    out.components = as_texts(flux.get("components"))
    out.components_extra = as_texts(flux.get("componentsExtra"))
    out.components_file = as_text(flux.get("componentsFile"), None)
    out.output = {k: v for k, v in output.items() if isinstance(v, str) and v}
    for name, value in clusters.items():
        context = as_text(as_mapping(value).get("context"))
        if context:
            out.clusters[name] = context
    for hr in as_mappings(data.get("helmReleases")):
        values = as_mapping(hr.get("clusterValues"))
        key = (as_text(hr.get("namespace")), as_text(hr.get("name")))
        config_map, file = as_text(values.get("configMap")), as_text(values.get("file"))
        if key[0] and key[1] and config_map and file:
            out.cluster_values[(key[0], key[1])] = (config_map, file)
    return out


def _hand_written_note(rel: str, text: str) -> str | None:
    """Why an unmarked file is worth a line: it looks like a Flux file the user may expect imported."""
    if not (posixpath.basename(rel).startswith("flux-") or TOOLKIT_OBJECT_RE.search(text)):
        return None
    foreign = FOREIGN_MARKER_RE.search(text.split("\n---", 1)[0])
    if foreign:
        return (
            f"its line '# {foreign.group(1)}' is not a marker flux.update knows: left as a "
            f"hand-written file, not imported (change that line to '# {LEGACY_MARKER}' to import it)"
        )
    return "no generated marker: left as a hand-written file, not imported"


def _find_components(tree: dict[str, str | None], existing: _Existing) -> _Components:
    """The `flux install --export` output committed in the tree, if any."""
    found = [
        rel
        for rel, text in tree.items()
        if text and components_version(text) and "# This manifest was generated by flux" in text
    ]
    if not found:
        return _Components(None, None, None)
    preferred = [existing.components_file] if existing.components_file in found else []
    preferred += [r for r in found if posixpath.basename(r) == "gotk-components.yaml"]
    rel = (preferred or found)[0]
    text = tree[rel] or ""
    match = re.search(r"^# Components: (\S+)$", text, re.MULTILINE)
    return _Components(rel, components_version(text), match.group(1).split(",") if match else None)


def _read_object(rel: str, text: str, marker: str) -> Imported | str:
    """The object of one marked file, or why the config cannot hold it."""
    docs = documents(Markers((marker,)).split(text)[2])
    if not docs:
        return "it holds no YAML document"
    if len(docs) > 1:
        return f"it holds {len(docs)} documents, and the config writes one object per file"
    try:
        node = compose(docs[0])
        data = plain_data(node) if node is not None else None
        values = _spec_values(node)
        if values is not None and isinstance(data, dict):  # read as `--values` reads a file
            data["spec"]["values"] = read_values_node(values).data
    except HelmValuesError as exc:
        return f"spec.values{exc.path}: {exc.message}"
    except YamlSourceError as exc:
        return f"not valid YAML: {exc.message}"
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return "it holds no Kubernetes object (no kind)"
    kind = data["kind"]
    if kind not in KINDS:
        return (
            f"it holds a {kind}; the config declares only GitRepository, HelmRepository, "
            "OCIRepository, Kustomization and HelmRelease objects"
        )
    api, group = data.get("apiVersion"), KINDS[kind].group
    if not isinstance(api, str) or api.split("/")[0] != group:
        return f"apiVersion {api!r} is not a {group} API"
    prefix = KINDS[kind].files.prefix
    base = posixpath.basename(rel)
    if not base.startswith(prefix) or not base.endswith(YAML_SUFFIXES):
        return f"the config writes a {kind} only to a file named {prefix}*.yaml"
    obj = _candidate(kind, data, rel)
    minors, lossy, api_diffs = _fit(data, obj)
    if lossy:
        return "the config cannot express " + ", ".join(d.describe() for d in lossy)
    if not minors:
        found = "; ".join(f"{d.path} {_short(d.old)}" for d in api_diffs)
        return f"no Flux v2.0-v2.9 `flux create` writes this document ({found})"
    return Imported(rel, obj, frozenset(minors), marker, api)


# ------------------------------------------------- Flux documents -> config model


def _default_file(obj: FluxObject) -> str:
    """Where the config writes an object when its entry has no `file:`."""
    if isinstance(obj, Kustomization):
        return f"{DEFAULT_NAMESPACE}/{KINDS['Kustomization'].file_name(obj.name)}"
    if isinstance(obj, HelmRelease):
        return f"{obj.namespace}/{KINDS['HelmRelease'].file_name(obj.name)}"
    return f"{DEFAULT_NAMESPACE}/{KINDS[obj.kind].file_name(obj.name)}"


def _drop_duplicates(
    imported: list[Imported], blocked: dict[str, str], resources_rel: str
) -> list[Imported]:
    """One object per kind/namespace/name: the file at its default name wins, else the first."""
    groups: dict[tuple[str, str, str], list[Imported]] = {}
    for item in imported:
        groups.setdefault((item.kind, item.obj.namespace, item.obj.name), []).append(item)
    kept: list[Imported] = []
    for (kind, namespace, name), items in groups.items():
        winner = next((i for i in items if i.file == _default_file(i.obj)), items[0])
        kept.append(winner)
        for item in items:
            if item is not winner:
                blocked[item.file] = (
                    f"it declares the same {kind} {namespace}/{name} as {resources_rel}/{winner.file}"
                )
    return [i for i in imported if i in kept]


def _candidate(kind: str, data: dict[str, Any], rel: str) -> FluxObject:
    """The config object that would render this document: every field the renderer knows."""
    meta, spec = as_mapping(data.get("metadata")), as_mapping(data.get("spec"))
    name, namespace = as_text(meta.get("name")), as_text(meta.get("namespace"))
    interval = _duration(spec.get("interval"))
    if kind in SOURCE_KINDS:
        ref = as_mapping(spec.get("ref"))
        git, oci = kind == "GitRepository", kind == "OCIRepository"
        return Source(
            kind=kind,
            name=name,
            namespace=namespace,
            url=as_text(spec.get("url")),
            interval=interval,
            file=rel,
            branch=as_text(ref.get("branch"), None) if git else None,
            tag=as_text(ref.get("tag"), None) if git or oci else None,
            semver=as_text(ref.get("semver"), None) if git or oci else None,
            commit=as_text(ref.get("commit"), None) if git else None,
            digest=as_text(ref.get("digest"), None) if oci else None,
            secret_ref=as_text(dig(spec, "secretRef.name"), None),
            ignore=as_text(spec.get("ignore"), None) if git else None,
            provider=as_text(spec.get("provider"), None) if oci else None,
        )
    if kind == "Kustomization":
        wait = spec.get("wait") is True
        checks = tuple(
            ObjectRef(
                as_text(c.get("kind")), as_text(c.get("name")), as_text(c.get("namespace"), None)
            )
            for c in as_mappings(spec.get("healthChecks"))
        )
        timeout = _duration(spec["timeout"]) if "timeout" in spec else None
        if timeout is None and (wait or checks):
            timeout = DEFAULT_WAIT_TIMEOUT  # what the config renders for wait without timeout
        raw_path = as_text(spec.get("path"), None)
        return Kustomization(
            name=name,
            namespace=namespace,
            path=flux_path(raw_path) if raw_path is not None else "",
            source=_source_ref(spec.get("sourceRef"), namespace),
            interval=interval,
            file=rel,
            prune=spec.get("prune") is True,
            depends_on=_dependencies(spec.get("dependsOn")),
            target_namespace=as_text(spec.get("targetNamespace"), None),
            wait=wait,
            timeout=timeout,
            health_checks=checks,
        )
    chart = as_mapping(dig(spec, "chart.spec"))
    values = spec.get("values")
    return HelmRelease(
        name=name,
        namespace=namespace,
        chart=as_text(chart.get("chart")),
        source=_source_ref(chart.get("sourceRef"), namespace),
        interval=interval,
        file=rel,
        version=as_text(chart.get("version"), None),
        release_name=as_text(spec.get("releaseName"), None),
        target_namespace=as_text(spec.get("targetNamespace"), None),
        depends_on=_dependencies(spec.get("dependsOn")),
        values=values if isinstance(values, dict) else None,
        values_from=tuple(
            ObjectRef(as_text(v.get("kind")), as_text(v.get("name")))
            for v in as_mappings(spec.get("valuesFrom"))
        ),
        crds=as_text(dig(spec, "upgrade.crds"), None),
    )


def _source_ref(value: Any, namespace: str) -> ObjectRef:
    """A sourceRef; without a namespace it means the referrer's, which the config writes out."""
    ref = as_mapping(value)
    return ObjectRef(
        as_text(ref.get("kind")),
        as_text(ref.get("name")),
        as_text(ref.get("namespace")) or namespace,
    )


def _dependencies(value: Any) -> tuple[Dependency, ...]:
    return tuple(
        Dependency(as_text(d.get("name")), as_text(d.get("namespace"), None))
        for d in as_mappings(value)
    )


def _render(obj: FluxObject, version: str) -> dict[str, Any]:
    if isinstance(obj, Kustomization):
        return manifest_kustomization(obj, version)
    if isinstance(obj, HelmRelease):
        return manifest_helm_release(obj, version)
    return manifest_source(obj, version)


def _fit(data: dict[str, Any], obj: FluxObject) -> tuple[set[int], list[_Diff], list[_Diff]]:
    """Minors whose render equals the document (same meaning, apiVersions included); else the
    fields the config loses, or the apiVersion differences when only those stand in the way."""
    fitting: set[int] = set()
    best: tuple[tuple[int, int, int], list[_Diff], list[_Diff]] | None = None
    for minor in SUPPORTED_MINORS:
        diffs = [d for d in _diff(data, _render(obj, f"v2.{minor}.0")) if not _same_meaning(d, obj)]
        api = [d for d in diffs if API_PATH_RE.match(d.path)]
        lossy = [d for d in diffs if not API_PATH_RE.match(d.path)]
        if not diffs:
            fitting.add(minor)
        rank = (len(lossy), len(api), -minor)
        if best is None or rank < best[0]:
            best = (rank, lossy, api)
    assert best is not None
    return fitting, ([] if fitting else best[1]), best[2]


def _diff(old: Any, new: Any, path: str = "") -> list[_Diff]:
    """Leaf differences (a mapping present on one side only is listed key by key)."""
    if isinstance(old, dict) and old and new is MISSING:
        new = {}
    if isinstance(new, dict) and new and old is MISSING:
        old = {}
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[_Diff] = []
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            out.extend(_diff(old.get(key, MISSING), new.get(key, MISSING), sub))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            d
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for d in _diff(a, b, f"{path}[{i}]")
        ]
    if type(old) is type(new) and old == new:
        return []
    return [_Diff(path, old, new)]


def _same_meaning(d: _Diff, obj: FluxObject) -> bool:
    """Differences the config cannot avoid but that change nothing for Flux."""
    if d.old is MISSING:
        if d.path in ("spec.sourceRef.namespace", "spec.chart.spec.sourceRef.namespace"):
            return bool(d.new == obj.namespace)  # an absent namespace means the referrer's
        if d.path == "spec.provider":
            return bool(d.new == "generic")  # the controller's default
        if d.path == "spec.chart.spec.reconcileStrategy":
            return bool(d.new == "ChartVersion")  # the controller's default
        return False
    if isinstance(d.old, str) and d.path in ("spec.interval", "spec.timeout"):
        with contextlib.suppress(ValueError):
            return bool(normalize_duration(d.old) == d.new)
    if isinstance(d.old, str) and d.path == "spec.path":
        return bool(flux_path(d.old) == d.new)
    return False


# ----------------------------------------------------- config model -> config text


@dataclass
class _Built:
    text: str
    entries: dict[str, Imported]  # "sources[0]" -> what that entry came from
    notes: list[str]
    missing_folders: dict[Imported, str]


class _Builder:
    """Folds imported objects into one config: defaults, file overrides, repoPath, version."""

    def __init__(
        self,
        existing: _Existing,
        components: _Components,
        root: Path,
        resources_rel: str,
        header_rel: str,
    ) -> None:
        self.existing = existing
        self.components = components
        self.root = root
        self.resources_rel = resources_rel
        self.header_rel = header_rel
        self.folders = folders(root / resources_rel)

    def build(self, imported: list[Imported]) -> _Built:
        notes: list[str] = []
        sources = sorted(
            (i for i in imported if isinstance(i.obj, Source)),
            key=lambda i: (SOURCE_ORDER[i.obj.kind], i.obj.namespace, i.obj.name, i.file),  # type: ignore[union-attr]
        )
        kss = sorted(
            (i for i in imported if isinstance(i.obj, Kustomization)),
            key=lambda i: (i.obj.namespace, i.obj.name, i.file),
        )
        hrs = sorted(
            (i for i in imported if isinstance(i.obj, HelmRelease)),
            key=lambda i: (i.obj.namespace, i.obj.name, i.file),
        )
        version, why = self.version(imported)
        notes.append(f"flux.version {version}: {why}")
        marker = self.marker(imported, notes)
        repo_path = self.repo_path([k.obj for k in kss], notes)  # type: ignore[misc]
        missing = self.missing_folders(kss, repo_path)
        if missing:
            return _Built("", {}, notes, missing)

        ks_objs: list[Kustomization] = [k.obj for k in kss]  # type: ignore[misc]
        namespace = (
            _most_common(
                [i.obj.namespace for i in [*sources, *kss] if NAME_RE.match(i.obj.namespace)],
                prefer=DEFAULT_NAMESPACE,
            )
            or DEFAULT_NAMESPACE
        )
        interval = _most_common(
            [i.obj.interval for i in imported if _valid_duration(i.obj.interval)]
        )
        refs = _References(sources, kss, hrs)
        ks_source = _most_common(
            [k.source for k in ks_objs if k.source.kind in KS_SOURCE_KINDS and _valid_ref(k.source)]
        )
        defaults: dict[str, Any] = {
            "interval": _short_duration(interval or "1m0s"),
            "namespace": namespace,
        }
        if ks_source is not None:
            defaults["kustomizationSource"] = refs.source_text(ks_source)
        context = _Defaults(namespace, interval or "1m0s", ks_source, repo_path)

        data: dict[str, Any] = {
            "flux": self.flux_section(version),
            "output": {
                "resourcesDir": self.resources_rel,
                **({"repoPath": repo_path} if repo_path else {}),
                "header": self.header_rel,
                "marker": marker,
            },
            "defaults": defaults,
        }
        if self.existing.clusters:
            data["clusters"] = {n: FlowMap(context=c) for n, c in self.existing.clusters.items()}
            notes.append(
                f"clusters: {', '.join(self.existing.clusters)} kept from the existing config"
            )
        else:
            notes.append(
                "clusters: none: generated files do not name clusters; add `clusters:` "
                "(NAME: {context: KUBE_CONTEXT}) before using the cluster tasks"
            )
        sections: dict[str, list[Any]] = {
            "sources": [
                _source_entry(i.obj, context) for i in sources if isinstance(i.obj, Source)
            ],
            "helmReleases": [
                _helm_release_entry(i.obj, context, refs, self.cluster_values(i.obj, notes))
                for i in hrs
                if isinstance(i.obj, HelmRelease)
            ],
            "kustomizations": [_kustomization_entry(k, context, refs) for k in ks_objs],
        }
        entries: dict[str, Imported] = {}
        for section, items in (
            ("sources", sources),
            ("helmReleases", hrs),
            ("kustomizations", kss),
        ):
            if items:
                data[section] = sections[section]
                entries.update({f"{section}[{n}]": i for n, i in enumerate(items)})
        head = [
            SCHEMA_LINE,
            "",
            "Desired Flux state, written by `invoke flux.import` from the generated files under",
            f"{self.resources_rel}/. Edit this file, then run `invoke flux.update` to regenerate them.",
        ]
        return _Built(dump_config(data, head), entries, notes, {})

    def cluster_values(self, hr: HelmRelease, notes: list[str]) -> tuple[str, str] | None:
        """The existing config's clusterValues of this release, when the files still say so:
        its ConfigMap is among the release's valuesFrom and every cluster's file exists."""
        kept = self.existing.cluster_values.get((hr.namespace, hr.name))
        if kept is None or not self.cluster_values_hold(kept, hr):
            for ref in hr.values_from:
                if ref.kind == "ConfigMap":
                    notes.append(
                        f"HelmRelease {hr.namespace}/{hr.name}: valuesFrom ConfigMap/{ref.name} is "
                        "imported as a plain valuesFrom entry (rendered files cannot tell whether it "
                        "holds per-cluster values); if `invoke flux.apply-values` should fill it, "
                        f"replace it with clusterValues: {{configMap: {ref.name}, file: "
                        "config/values/NAME-{cluster}.yaml}"
                    )
            return None
        config_map, file = kept
        notes.append(
            f"HelmRelease {hr.namespace}/{hr.name}: clusterValues (ConfigMap/{config_map}, "
            f"{file}) kept from the existing config"
        )
        return kept

    def cluster_values_hold(self, kept: tuple[str, str], hr: HelmRelease) -> bool:
        config_map, file = kept
        if ObjectRef("ConfigMap", config_map) not in hr.values_from:
            return False
        clusters = list(self.existing.clusters) or [""]
        inside = posixpath.normpath(file).startswith(posixpath.normpath(self.resources_rel) + "/")
        if inside or ("{cluster}" in file and clusters == [""]):
            return False
        return all((self.root / file.replace("{cluster}", c)).is_file() for c in clusters)

    def version(self, imported: list[Imported]) -> tuple[str, str]:
        """The pin: the Flux release whose `flux create` writes (most of) these documents."""
        counts = {m: sum(1 for i in imported if m in i.minors) for m in SUPPORTED_MINORS}
        best = max(counts.values(), default=0)
        fitting = [m for m in SUPPORTED_MINORS if counts[m] == best]
        shown_components = f"{self.resources_rel}/{self.components.file}"
        for version, why in (
            (self.components.version, f"the release of the components file {shown_components}"),
            (self.existing.version, "kept from the existing config"),
        ):
            if version is not None and supported_minor(version) in fitting:
                if len(fitting) < len(SUPPORTED_MINORS):
                    why += f" (the generated files fit {_minors_text(fitting)})"
                return version, why
        if len(fitting) == len(SUPPORTED_MINORS):
            return (
                DEFAULT_VERSION,
                "the default: the generated files read the same for every Flux v2 release",
            )
        kinds = sorted(
            {
                f"{i.kind} {i.api_version}"
                for i in imported
                if fitting[0] in i.minors and len(i.minors) < len(SUPPORTED_MINORS)
            }
        )
        return (
            f"v2.{fitting[0]}.0",
            f"the oldest Flux release whose `flux create --export` writes these apiVersions "
            f"({', '.join(kinds)}; {_minors_text(fitting)} write the same): "
            "set the release you install",
        )

    def marker(self, imported: list[Imported], notes: list[str]) -> str:
        """The marker most generated files carry, so update leaves their marker lines alone."""
        prefer = self.existing.output.get("marker", DEFAULT_MARKER)
        chosen = _most_common([i.marker for i in imported], prefer=prefer) or prefer
        if chosen == LEGACY_MARKER:
            notes.append(
                "output.marker: kept the bash script's marker, which the generated files carry, "
                "so `invoke flux.update` leaves them byte for byte; set it to "
                f"'{DEFAULT_MARKER}' when you want update to rewrite those marker lines"
            )
        return chosen

    def repo_path(self, kss: list[Kustomization], notes: list[str]) -> str | None:
        """Where resourcesDir sits in the synced repository, from the Kustomization paths."""
        votes: Counter[str] = Counter()
        for ks in kss:
            parts = [p for p in ks.path.removeprefix("./").split("/") if p]
            votes.update(
                {
                    "/".join(parts[:k])
                    for k in range(1, len(parts))
                    if "/".join(parts[k:]) in self.folders
                }
            )
        kept = self.existing.output.get("repoPath")
        kept = kept.strip().strip("/").removeprefix("./") if kept else None
        if not votes:
            if kept:
                notes.append(f"output.repoPath {kept}: kept from the existing config")
                return kept
            notes.append(
                "output.repoPath: left out (no Kustomization path maps to a folder of "
                f"{self.resources_rel}/): update derives it with `git rev-parse --show-prefix`"
            )
            return None

        def conflicts(prefix: str) -> int:
            return sum(
                1
                for ks in kss
                if (local := local_folder(ks.path, prefix)) is not None
                and local not in self.folders
            )

        chosen = max(votes, key=lambda p: (votes[p] - conflicts(p), votes[p], len(p), p))
        why = f"from the Kustomization paths ({votes[chosen]} of {len(kss)} map to folders of {self.resources_rel}/)"
        if kept and kept != chosen:
            why += f"; the existing config had {kept}"
        notes.append(f"output.repoPath {chosen}: {why}")
        return chosen

    def missing_folders(self, kss: list[Imported], repo_path: str | None) -> dict[Imported, str]:
        """Kustomizations whose path lies under repoPath but whose folder is gone: the loader
        requires that folder, so the config cannot declare them."""
        out: dict[Imported, str] = {}
        if not repo_path:
            return out
        for item in kss:
            ks: Kustomization = item.obj  # type: ignore[assignment]
            local = local_folder(ks.path, repo_path)
            if local is not None and local not in self.folders:
                out[item] = (
                    f"its path {ks.path} lies under output.repoPath {repo_path}, but "
                    f"{self.resources_rel}/{local} does not exist (the config requires that folder)"
                )
        return out

    def flux_section(self, version: str) -> dict[str, Any]:
        components = self.existing.components
        extra = self.existing.components_extra
        if components is None and self.components.components is not None:
            components = [c for c in self.components.components if c in KNOWN_COMPONENTS]
            extra = [c for c in self.components.components if c not in KNOWN_COMPONENTS]
        return {
            "version": version,
            "components": components if components is not None else list(DEFAULT_COMPONENTS),
            "componentsExtra": extra or [],
            "componentsFile": self.components.file
            or self.existing.components_file
            or DEFAULT_COMPONENTS_FILE,
        }


@dataclass(frozen=True)
class _Defaults:
    namespace: str
    interval: str
    ks_source: ObjectRef | None
    repo_path: str | None


class _References:
    """How to write a reference so the loader resolves it to exactly the same object."""

    def __init__(self, sources: list[Imported], kss: list[Imported], hrs: list[Imported]) -> None:
        self.sources: dict[tuple[str, str], list[str]] = {}
        for item in sources:
            obj = item.obj
            self.sources.setdefault((obj.kind, obj.name), []).append(obj.namespace)  # type: ignore[union-attr]
        self.declared = {
            "Kustomization": {(i.obj.namespace, i.obj.name) for i in kss},
            "HelmRelease": {(i.obj.namespace, i.obj.name) for i in hrs},
        }

    def source_text(self, ref: ObjectRef) -> str:
        if self.sources.get((ref.kind, ref.name)) == [ref.namespace]:
            return f"{ref.kind}/{ref.name}"
        return f"{ref.kind}/{ref.name}" + (f".{ref.namespace}" if ref.namespace else "")

    def depends_on(self, deps: tuple[Dependency, ...], namespace: str, kind: str) -> list[str]:
        """A bare name only for a declared object in the same namespace; otherwise ns/name
        (which renders the namespace: same meaning, and update reports the rewrite)."""
        out: list[str] = []
        for dep in deps:
            if dep.namespace is None and (namespace, dep.name) in self.declared[kind]:
                out.append(dep.name)
            else:
                out.append(f"{dep.namespace or namespace}/{dep.name}")
        return out


def _source_entry(obj: Source, d: _Defaults) -> FlowMap:
    entry = FlowMap(kind=obj.kind, name=obj.name)
    if obj.namespace != d.namespace:
        entry["namespace"] = obj.namespace
    entry["url"] = obj.url
    for key in ("branch", "tag", "semver", "commit", "digest"):
        if getattr(obj, key):
            entry[key] = getattr(obj, key)
    if obj.provider and obj.provider != "generic":
        entry["provider"] = obj.provider
    if obj.secret_ref:
        entry["secretRef"] = obj.secret_ref
    if obj.ignore:
        entry["ignore"] = obj.ignore
    if obj.interval != d.interval:
        entry["interval"] = _short_duration(obj.interval)
    if obj.file != _default_file(obj):
        entry["file"] = obj.file
    return entry


def _helm_release_entry(
    obj: HelmRelease, d: _Defaults, refs: _References, cluster_values: tuple[str, str] | None
) -> FlowMap:
    entry = FlowMap(name=obj.name, namespace=obj.namespace, source=refs.source_text(obj.source))
    entry["chart"] = obj.chart
    if obj.version:
        entry["version"] = obj.version
    if obj.release_name:
        entry["releaseName"] = obj.release_name
    if obj.target_namespace:
        entry["targetNamespace"] = obj.target_namespace
    if obj.interval != d.interval:
        entry["interval"] = _short_duration(obj.interval)
    if obj.depends_on:
        entry["dependsOn"] = refs.depends_on(obj.depends_on, obj.namespace, "HelmRelease")
    if obj.crds:
        entry["crds"] = obj.crds
    values_from = list(obj.values_from)
    if cluster_values is not None:
        # The loader appends the clusterValues ConfigMap after explicit entries, never twice.
        if values_from[-1] == ObjectRef("ConfigMap", cluster_values[0]):
            values_from.pop()
        entry["clusterValues"] = FlowMap(configMap=cluster_values[0], file=cluster_values[1])
    if values_from:
        entry["valuesFrom"] = [f"{v.kind}/{v.name}" for v in values_from]
    if obj.file != _default_file(obj):
        entry["file"] = obj.file
    if obj.values is not None:  # `values: {}` too: Flux writes it for an empty values file
        entry["values"] = obj.values
    return entry


def _spec_values(node: Node | None) -> MappingNode | None:
    """The `spec.values` mapping of a document's node tree, if it has one (a repeated key:
    the last, as plain_data reads it)."""
    for name in ("spec", "values"):
        if not isinstance(node, MappingNode):
            return None
        found = [v for k, v in node.value if isinstance(k, ScalarNode) and k.value == name]
        node = found[-1] if found else None
    return node if isinstance(node, MappingNode) else None


def _kustomization_entry(obj: Kustomization, d: _Defaults, refs: _References) -> str | FlowMap:
    entry = FlowMap(name=obj.name)
    if obj.namespace != d.namespace:
        entry["namespace"] = obj.namespace
    if obj.path != flux_path(f"{d.repo_path or ''}/{obj.name}") or d.repo_path is None:
        entry["path"] = obj.path
    if obj.source != d.ks_source:
        entry["source"] = refs.source_text(obj.source)
    if obj.interval != d.interval:
        entry["interval"] = _short_duration(obj.interval)
    if not obj.prune:
        entry["prune"] = False
    if obj.depends_on:
        entry["dependsOn"] = refs.depends_on(obj.depends_on, obj.namespace, "Kustomization")
    if obj.target_namespace:
        entry["targetNamespace"] = obj.target_namespace
    if obj.wait:
        entry["wait"] = True
    if obj.health_checks:
        entry["healthChecks"] = [
            f"{h.kind}/{h.name}" + (f".{h.namespace}" if h.namespace else "")
            for h in obj.health_checks
        ]
    if (obj.wait or obj.health_checks) and obj.timeout and obj.timeout != DEFAULT_WAIT_TIMEOUT:
        entry["timeout"] = _short_duration(obj.timeout)
    if obj.file != _default_file(obj):
        entry["file"] = obj.file
    return obj.name if list(entry) == ["name"] else entry


# ------------------------------------------------------------- checking the result


def _map_problems(
    lines: Iterable[str], entries: dict[str, Imported]
) -> tuple[dict[Imported, str], list[str]]:
    """Loader problems -> the imported objects they belong to, and those that belong to none."""
    rejected: dict[Imported, str] = {}
    fatal: list[str] = []
    for line in lines:
        match = PROBLEM_RE.match(line)
        entry = ENTRY_RE.match(match.group("path")) if match else None
        item = entries.get(entry.group(0)) if entry else None
        if match and item is not None:
            rejected.setdefault(item, f"{match.group('path')}: {match.group('message')}")
        else:
            fatal.append(f"{match.group('path')}: {match.group('message')}" if match else line)
    return rejected, fatal


def _verify(
    config: Config, result: ImportResult, blocked: dict[str, str], markers: Markers, header: str
) -> None:
    """Plan `flux.update` with the imported config: every change it would make is reported."""
    plan = plan_update(config)
    for note in plan.notes:
        if note.removeprefix("note: ") not in plan.drift_notes:
            result.notes.append(note.removeprefix("note: "))
    result.warnings.extend(f"update --check will report: {n}" for n in plan.drift_notes)
    for change in plan.pending:
        shown = f"{plan.shown_dir}/{change.path}"
        if change.action is Action.DELETE:
            if change.path not in blocked:
                result.blockers.append(f"{shown}: `invoke flux.update` would delete it")
        elif change.action is Action.CREATE:
            result.warnings.append(f"{shown}: `invoke flux.update` would create it")
        else:
            result.warnings.append(
                f"{shown}: `invoke flux.update` will rewrite it: {_rewrite_reason(change, markers, header)}"
            )


def _rewrite_reason(change: FileChange, markers: Markers, header: str) -> str:
    old_head, old_marker, old_body = markers.split(change.old or "")
    new_head, new_marker, new_body = markers.split(change.new or "")
    reasons: list[str] = []
    if old_head != new_head:
        reasons.append(f"its license header differs from {header}")
    if old_marker != new_marker:
        reasons.append(f"its marker line becomes '# {new_marker}'")
    if old_body != new_body:
        try:
            old_docs = [_parse(d) for d in documents(old_body)]
            new_docs = [_parse(d) for d in documents(new_body)]
        except YamlSourceError:
            old_docs, new_docs = [], [None]
        single = len(old_docs) == len(new_docs) == 1
        diffs = _diff(old_docs[0], new_docs[0]) if single else _diff(old_docs, new_docs)
        if not diffs:
            reasons.append("its YAML is laid out again as flux create writes it")
        for d in diffs:
            if d.old is MISSING:
                reasons.append(f"{d.path} is added ({_short(d.new)})")
            elif d.new is MISSING:
                reasons.append(f"{d.path} is dropped")
            else:
                reasons.append(
                    f"{d.path or 'the document'} {_short(d.old)} becomes {_short(d.new)}"
                )
    return "; ".join(reasons) or "its text changes"


# ------------------------------------------------------------------------- helpers


def _parse(text: str) -> Any:
    node = compose(text)
    return plain_data(node) if node is not None else None


def _duration(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return normalize_duration(value)
    except ValueError:
        return value


def _valid_duration(text: str) -> bool:
    try:
        normalize_duration(text)
    except ValueError:
        return False
    return True


def _valid_ref(ref: ObjectRef) -> bool:
    return bool(NAME_RE.match(ref.name) and (ref.namespace is None or NAME_RE.match(ref.namespace)))


def _short_duration(text: str) -> str:
    """5m0s -> 5m, 1h0m0s -> 1h: the form a person writes, read back to the same duration."""
    short = text
    if short.endswith(("m0s", "h0m0s")) and short != "0s":
        short = short[:-2]
    if short.endswith("h0m"):
        short = short[:-2]
    try:
        return short if normalize_duration(short) == normalize_duration(text) else text
    except ValueError:
        return text


def _most_common(values: list[Any], prefer: Any = None) -> Any:
    """The most frequent value; ties go to `prefer`, then to the first seen."""
    if not values:
        return None
    counts = Counter(values)
    top = max(counts.values())
    if prefer is not None and counts.get(prefer) == top:
        return prefer
    return next(v for v in values if counts[v] == top)


def _minors_text(minors: list[int]) -> str:
    if len(minors) == 1:
        return f"v2.{minors[0]} only"
    return f"v2.{minors[0]} to v2.{minors[-1]}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
