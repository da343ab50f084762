"""Fold imported objects into one config: the Flux release, the marker, repoPath, the
values repeated enough to become `defaults`, and one entry per object."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...config.fields import Defaults, Section
from ...config.helm_releases import HELM_RELEASE
from ...config.kustomizations import KUSTOMIZATION
from ...config.model import HelmRelease, Kustomization, Source
from ...config.refs import valid_ref
from ...config.settings import CLUSTER, DEFAULTS, FLUX, OUTPUT, VERSION_FALLBACK
from ...config.sources import PATH as SOURCES
from ...config.types import short_duration
from ...durations import normalize_duration
from ...flux import (
    DEFAULT_NAMESPACE,
    KNOWN_COMPONENTS,
    KS_SOURCE_KINDS,
    NAME_RE,
    SOURCE_KINDS,
    SUPPORTED_MINORS,
    supported_minor,
)
from ...generated import DEFAULT_MARKER, LEGACY_MARKER
from ...tree import folders, local_folder
from ...yamlio.config_dump import FlowMap, dump_config
from .entries import References, entry, kind_of
from .read import Components, Existing, Imported
from .values import ValuesEvidence

SCHEMA_LINE = "yaml-language-server: $schema=flux.schema.json"
SOURCE_ORDER = {kind: i for i, kind in enumerate(SOURCE_KINDS)}


@dataclass
class Built:
    text: str
    entries: dict[str, Imported]  # "sources[0]" -> what that entry came from
    notes: list[str]
    missing_folders: dict[Imported, str]


@dataclass
class Fold:
    """What the config is folded from besides the objects: the existing config, the
    components file, and the tree's folders."""

    existing: Existing
    components: Components
    root: Path
    resources_rel: str
    header_rel: str
    folders: set[str] = field(init=False)
    values: ValuesEvidence = field(init=False)

    def __post_init__(self) -> None:
        self.folders = folders(self.root / self.resources_rel)
        self.values = ValuesEvidence(self.existing, self.root, self.resources_rel)

    def build(self, imported: list[Imported]) -> Built:
        notes: list[str] = []
        sources, kss, hrs = _by_kind(imported)
        version, why = self.version(imported)
        notes.append(f"flux.version {version}: {why}")
        marker = self.marker(imported, notes)
        ks_objs = [k.obj for k in kss if isinstance(k.obj, Kustomization)]
        repo_path = self.repo_path(ks_objs, notes)
        missing = self.missing_folders(kss, repo_path)
        if missing:
            return Built("", {}, notes, missing)
        refs = References.of(i.obj for i in [*sources, *kss, *hrs])
        defaults = _folded_defaults([*sources, *kss], imported, ks_objs, repo_path)
        data: dict[str, Any] = {
            FLUX.path: self.flux_section(version),
            OUTPUT.path: settings(
                OUTPUT,
                resources_dir=self.resources_rel,
                repo_path=repo_path or None,
                header=self.header_rel,
                marker=marker,
            ),
            DEFAULTS.path: settings(
                DEFAULTS,
                interval=short_duration(defaults.interval),
                namespace=defaults.namespace,
                kustomization_source=refs.source_text(defaults.ks_source)
                if defaults.ks_source
                else None,
            ),
            **self.clusters(notes),
        }
        entries: dict[str, Imported] = {}
        for path, items in (
            (SOURCES, sources),
            (HELM_RELEASE.path, hrs),
            (KUSTOMIZATION.path, kss),
        ):
            if items:
                data[path] = [
                    entry(self.values.recover(i.obj, notes), defaults, refs) for i in items
                ]
                entries.update({f"{path}[{n}]": i for n, i in enumerate(items)})
        head = [
            SCHEMA_LINE,
            "",
            "Desired Flux state, written by `invoke flux.import` from the generated files under",
            f"{self.resources_rel}/. Edit this file, then run `invoke flux.update` to regenerate them.",
        ]
        return Built(dump_config(data, head), entries, notes, {})

    def clusters(self, notes: list[str]) -> dict[str, Any]:
        """The existing config's clusters: generated files do not name any."""
        if not self.existing.clusters:
            notes.append(
                "clusters: none: generated files do not name clusters; add `clusters:` "
                "(NAME: {context: KUBE_CONTEXT}) before using the cluster tasks"
            )
            return {}
        notes.append(f"clusters: {', '.join(self.existing.clusters)} kept from the existing config")
        clusters = self.existing.clusters.items()
        return {CLUSTER.path: {n: FlowMap(settings(CLUSTER, context=c)) for n, c in clusters}}

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
                    why += f" (the generated files fit {minors_text(fitting)})"
                return version, why
        if len(fitting) == len(SUPPORTED_MINORS):
            return (
                VERSION_FALLBACK,
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
            f"({', '.join(kinds)}; {minors_text(fitting)} write the same): "
            "set the release you install",
        )

    def marker(self, imported: list[Imported], notes: list[str]) -> str:
        """The marker most generated files carry, so update leaves their marker lines alone."""
        prefer = self.existing.output.get("marker", DEFAULT_MARKER)
        chosen = most_common([i.marker for i in imported], prefer=prefer) or prefer
        if chosen == LEGACY_MARKER:
            notes.append(
                "output.marker: kept the bash script's marker, which the generated files carry, "
                "so `invoke flux.update` leaves them byte for byte; set it to "
                f"'{DEFAULT_MARKER}' when you want update to rewrite those marker lines"
            )
        return str(chosen)

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
            if not isinstance(item.obj, Kustomization):
                continue
            local = local_folder(item.obj.path, repo_path)
            if local is not None and local not in self.folders:
                out[item] = (
                    f"its path {item.obj.path} lies under output.repoPath {repo_path}, but "
                    f"{self.resources_rel}/{local} does not exist (the config requires that folder)"
                )
        return out

    def flux_section(self, version: str) -> dict[str, Any]:
        components = self.existing.components
        extra = self.existing.components_extra
        if components is None and self.components.components is not None:
            components = [c for c in self.components.components if c in KNOWN_COMPONENTS]
            extra = [c for c in self.components.components if c not in KNOWN_COMPONENTS]
        return settings(
            FLUX,
            version=version,
            components=components if components is not None else list(FLUX.default("components")),
            components_extra=extra or [],
            components_file=self.components.file
            or self.existing.components_file
            or FLUX.default("componentsFile"),
        )


def _by_kind(
    imported: list[Imported],
) -> tuple[list[Imported], list[Imported], list[Imported]]:
    """Sources, Kustomizations and HelmReleases, each in the order the config lists them."""
    sources = sorted(
        (i for i in imported if isinstance(i.obj, Source)),
        key=lambda i: (SOURCE_ORDER[kind_of(i.obj)], i.obj.namespace, i.obj.name, i.file),
    )
    kss = sorted(
        (i for i in imported if isinstance(i.obj, Kustomization)),
        key=lambda i: (i.obj.namespace, i.obj.name, i.file),
    )
    hrs = sorted(
        (i for i in imported if isinstance(i.obj, HelmRelease)),
        key=lambda i: (i.obj.namespace, i.obj.name, i.file),
    )
    return sources, kss, hrs


def _folded_defaults(
    namespaced: list[Imported],
    imported: list[Imported],
    kss: list[Kustomization],
    repo_path: str | None,
) -> Defaults:
    """The most common namespace (of sources and Kustomizations), interval and
    Kustomization source become `defaults:`."""
    namespace = (
        most_common(
            [i.obj.namespace for i in namespaced if NAME_RE.match(i.obj.namespace)],
            prefer=DEFAULT_NAMESPACE,
        )
        or DEFAULT_NAMESPACE
    )
    interval = most_common([i.obj.interval for i in imported if _valid_duration(i.obj.interval)])
    ks_source = most_common(
        [k.source for k in kss if k.source.kind in KS_SOURCE_KINDS and valid_ref(k.source)]
    )
    return Defaults(namespace, interval or DEFAULTS.default("interval"), ks_source, repo_path)


def settings(section: Section[Any], **values: Any) -> dict[str, Any]:
    """A settings mapping by model attribute, in the order given; None leaves a key out."""
    keys = {f.attr: f.key for f in section.fields}
    return {keys[attr]: value for attr, value in values.items() if value is not None}


def _valid_duration(text: str) -> bool:
    try:
        normalize_duration(text)
    except ValueError:
        return False
    return True


def most_common(values: list[Any], prefer: Any = None) -> Any:
    """The most frequent value; ties go to `prefer`, then to the first seen."""
    if not values:
        return None
    counts = Counter(values)
    top = max(counts.values())
    if prefer is not None and counts.get(prefer) == top:
        return prefer
    return next(v for v in values if counts[v] == top)


def minors_text(minors: list[int]) -> str:
    if len(minors) == 1:
        return f"v2.{minors[0]} only"
    return f"v2.{minors[0]} to v2.{minors[-1]}"
