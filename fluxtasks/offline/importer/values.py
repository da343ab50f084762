"""Where an imported HelmRelease's values come from, which its rendered file cannot show:
the values files merged into `spec.values`, and the per-cluster values file pushed into a
`valuesFrom` ConfigMap (`clusterValues`). Recovered from the evidence in the tree: the
existing config, and the values files under config/values/ read as Flux reads them.

Whatever is inferred renders the same file, so `flux.update --check` stays clean; each
inference is a note, and so is evidence that points at per-cluster values the config
cannot declare yet (no clusters known).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ...config.helm_releases import VALUES_FROM
from ...config.model import ClusterValues, HelmRelease, ObjectRef
from ...tree import YAML_SUFFIXES
from ...yamlio.helm_values import merge_values, read_values_text
from ...yamlio.source import YamlSourceError, check_characters
from .read import Existing

VALUES_DIR = "config/values"  # where this project keeps values files (outside resourcesDir)
# Per-cluster file names, {cluster} for the cluster: the first that fits every cluster wins.
CLUSTER_PATTERNS = ("{release}-{cluster}", "{config_map}-{cluster}", "{cluster}/{release}")
MAX_RELATED = 12  # values files named after a release tried in pairs (base, overlay)


@dataclass
class ValuesEvidence:
    existing: Existing
    root: Path
    resources_rel: str
    read_errors: list[str] = field(default_factory=list)

    @cached_property
    def files(self) -> dict[str, dict[str, Any]]:
        """Every values file under config/values/ (relative to the root) -> its data as
        `flux create hr --values` reads it; files that do not read so are left out."""
        folder = self.root / VALUES_DIR
        found: dict[str, dict[str, Any]] = {}
        if not folder.is_dir() or folder.is_symlink():
            return found
        for path in sorted(folder.rglob("*")):
            if path.suffix not in YAML_SUFFIXES or not path.is_file() or path.is_symlink():
                continue
            rel = path.relative_to(self.root).as_posix()
            data = self.read(rel)
            if data is not None:
                found[rel] = data
        return found

    def read(self, rel: str) -> dict[str, Any] | None:
        try:
            text = (self.root / rel).read_text(encoding="utf-8")
            check_characters(text)
            return read_values_text(text).data
        except (OSError, UnicodeDecodeError, YamlSourceError):
            return None

    @property
    def clusters(self) -> list[str]:
        return list(self.existing.clusters)

    # ------------------------------------------------------------------ recover

    def recover(self, obj: Any, notes: list[str]) -> Any:
        """A HelmRelease with its clusterValues and valuesFiles recovered (else as is)."""
        if not isinstance(obj, HelmRelease):
            return obj
        shown = f"HelmRelease {obj.namespace}/{obj.name}"
        obj = self.with_cluster_values(obj, shown, notes)
        return self.with_values_files(obj, shown, notes)

    def with_cluster_values(self, hr: HelmRelease, shown: str, notes: list[str]) -> HelmRelease:
        kept = self.existing.cluster_values.get((hr.namespace, hr.name))
        if kept is not None and self.cluster_values_hold(kept, hr):
            notes.append(
                f"{shown}: clusterValues (ConfigMap/{kept[0]}, {kept[1]}) kept from the existing config"
            )
            return replace(hr, cluster_values=ClusterValues(*kept))
        for ref in reversed(hr.values_from):  # clusterValues' ConfigMap renders last
            if ref.kind != "ConfigMap":
                continue
            inferred = self.per_cluster_file(hr, ref.name)
            if inferred is not None and self.clusters:
                notes.append(
                    f"{shown}: clusterValues {{configMap: {ref.name}, file: {inferred}}} inferred: it reads "
                    f"ConfigMap/{ref.name} and {inferred} exists for every cluster ({', '.join(self.clusters)})"
                )
                return replace(hr, cluster_values=ClusterValues(ref.name, inferred))
            notes.append(self.plain_values_from_note(shown, hr, ref, inferred))
        return hr

    def plain_values_from_note(
        self, shown: str, hr: HelmRelease, ref: ObjectRef, inferred: str | None
    ) -> str:
        head = f"{shown}: {VALUES_FROM.key} ConfigMap/{ref.name} is imported as a plain {VALUES_FROM.key} entry"
        if inferred is None:
            return (
                f"{head} (rendered files cannot tell whether it holds per-cluster values); if "
                f"`invoke flux.apply-values` should fill it, replace it with clusterValues: "
                f"{{configMap: {ref.name}, file: {VALUES_DIR}/NAME-{{cluster}}.yaml}}"
            )
        names = ", ".join(self.suffixes(inferred, hr, ref.name))
        return (
            f"{head}, though {inferred} looks per-cluster (found for {names}): declare those clusters "
            f"(NAME: {{context: KUBE_CONTEXT}}) and replace it with clusterValues: "
            f"{{configMap: {ref.name}, file: {inferred}}}"
        )

    def cluster_values_hold(self, kept: tuple[str, str], hr: HelmRelease) -> bool:
        """The existing config's clusterValues still fit: the release reads its ConfigMap
        and every cluster's file exists outside resourcesDir."""
        config_map, file = kept
        if ObjectRef("ConfigMap", config_map) not in hr.values_from:
            return False
        clusters = self.clusters or [""]
        if self.inside_resources(file) or ("{cluster}" in file and clusters == [""]):
            return False
        return all((self.root / file.replace("{cluster}", c)).is_file() for c in clusters)

    def inside_resources(self, file: str) -> bool:
        return posixpath.normpath(file).startswith(posixpath.normpath(self.resources_rel) + "/")

    def per_cluster_file(self, hr: HelmRelease, config_map: str) -> str | None:
        """The first per-cluster name pattern with a file for every known cluster (none
        known: for at least two names, as a hint)."""
        for pattern in self.patterns(hr, config_map):
            found = self.suffixes(pattern, hr, config_map)
            if (self.clusters and set(self.clusters) <= set(found)) or (
                not self.clusters and len(found) >= 2
            ):
                return pattern
        return None

    def patterns(self, hr: HelmRelease, config_map: str) -> list[str]:
        names = {"release": hr.name, "config_map": config_map, "cluster": "{cluster}"}
        return [f"{VALUES_DIR}/{p.format(**names)}.yaml" for p in CLUSTER_PATTERNS]

    def suffixes(self, pattern: str, hr: HelmRelease, config_map: str) -> list[str]:
        """The cluster names the files matching a `{cluster}` pattern stand for."""
        before, _, after = pattern.partition("{cluster}")
        return [
            rel[len(before) : len(rel) - len(after)]
            for rel in self.files
            if rel.startswith(before) and rel.endswith(after) and len(rel) > len(before + after)
            and "/" not in rel[len(before) : len(rel) - len(after)]
        ]  # fmt: skip

    # ------------------------------------------------------------------ values files

    def with_values_files(self, hr: HelmRelease, shown: str, notes: list[str]) -> HelmRelease:
        """valuesFiles whose merge is exactly spec.values: the existing config's, else one
        file (or a base and an overlay) of config/values/."""
        if not hr.values:
            return hr
        kept = self.existing.values_files.get((hr.namespace, hr.name))
        if kept and self.merges_to(kept, hr.values):
            notes.append(f"{shown}: valuesFiles {', '.join(kept)} kept from the existing config")
            return replace(hr, values_files=tuple(kept), values=None)
        found = self.matching_files(hr)
        if not found:
            return hr
        files = found[0]
        why = f"{shown}: valuesFiles {', '.join(files)} inferred: the merged file(s) are exactly its values"
        if len(found) > 1:
            others = "; ".join(", ".join(f) for f in found[1:])
            why += f" (as are {others}: check which one it should read)"
        per_cluster = self.per_cluster_match(hr, files[-1])
        if per_cluster:
            why += (
                f"; {files[-1]} is one cluster's file of {per_cluster}: `flux create` baked in the values of "
                "the cluster it ran for last; give each cluster its own with clusterValues"
            )
        notes.append(why)
        return replace(hr, values_files=files, values=None)

    def merges_to(self, files: Iterable[str], values: Any) -> bool:
        merged: dict[str, Any] = {}
        for rel in files:
            data = self.read(rel)
            if data is None:
                return False
            merged = merge_values(merged, data)
        return same(merged, values)

    def matching_files(self, hr: HelmRelease) -> list[tuple[str, ...]]:
        """Single files equal to the values, else ordered pairs of files named after the
        release; per-cluster files last, so a shared file is preferred."""
        singles = [(rel,) for rel, data in self.files.items() if same(data, hr.values)]
        if singles:
            return sorted(singles, key=lambda f: self.per_cluster_match(hr, f[0]) is not None)
        related = [rel for rel in self.files if hr.name in posixpath.basename(rel)][:MAX_RELATED]
        return [
            (base, overlay)
            for base in related
            for overlay in related
            if base != overlay
            and same(merge_values(self.files[base], self.files[overlay]), hr.values)
        ]

    def per_cluster_match(self, hr: HelmRelease, rel: str) -> str | None:
        """The per-cluster pattern `rel` is one file of (siblings for other names), or None."""
        for ref in [None, *hr.values_from]:
            config_map = ref.name if ref is not None else hr.name
            for pattern in self.patterns(hr, config_map):
                before, _, after = pattern.partition("{cluster}")
                if rel.startswith(before) and rel.endswith(after):
                    names = self.suffixes(pattern, hr, config_map)
                    if len(names) >= 2 or set(names) & set(self.clusters):
                        return pattern
        return None


def same(a: Any, b: Any) -> bool:
    """Equal as Flux would print them (Python's == takes True for 1 and 1 for 1.0)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
