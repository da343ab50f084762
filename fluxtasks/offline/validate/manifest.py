"""The files under resourcesDir as validate sees them: each file's documents, each
document's identity (kind, name, namespace) and the objects it names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..._data import as_mapping, as_text, dig
from ...flux import (
    DEPENDS_ON,
    FILE_GROUPS,
    FLUX_GROUP_SUFFIX,
    SOURCE_GROUP,
    SOURCE_REF,
    FileGroup,
    known_kind,
)
from ...yamlio.source import YamlSourceError


@dataclass(frozen=True)
class Manifest:
    """One YAML document of a file under resourcesDir."""

    file: str  # relative to resourcesDir
    index: int  # 1-based document number in the file
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return as_text(self.data.get("kind"))

    @property
    def api_version(self) -> str:
        return as_text(self.data.get("apiVersion"))

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def name(self) -> str:
        return as_text(dig(self.data, "metadata.name"))

    @property
    def namespace(self) -> str:
        """metadata.namespace, else `default`, where the API server puts an object without one."""
        return as_text(dig(self.data, "metadata.namespace")) or "default"

    @property
    def is_flux(self) -> bool:
        return self.group.endswith(FLUX_GROUP_SUFFIX)

    @property
    def subject(self) -> str:
        if self.kind and self.name:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"document {self.index}" + (f" ({self.kind})" if self.kind else "")

    @property
    def file_group(self) -> FileGroup | None:
        """The files it belongs in for the flux.apply-* tasks; every kind of the source API
        (Bucket too) belongs with the sources."""
        if self.group == SOURCE_GROUP:
            return FILE_GROUPS["sources"]
        known = known_kind(self.group, self.kind)
        return known.files if known is not None else None


@dataclass
class SourceFile:
    rel: str
    text: str
    generated: bool
    documents: list[Any] = field(default_factory=list)  # None for empty documents
    error: YamlSourceError | None = None  # where parsing stopped

    def manifests(self) -> Iterator[Manifest]:
        for i, doc in enumerate(self.documents, start=1):
            if isinstance(doc, dict):
                yield Manifest(self.rel, i, doc)


def list_items(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects of a document: a `*List` (kind v1 List and friends) stands for its items."""
    items = doc.get("items")
    if as_text(doc.get("kind")).endswith("List") and isinstance(items, list):
        return [as_mapping(item) for item in items]
    return [doc]


def references(m: Manifest) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(field path, kind, reference) for every reference to a source, a chart or a dependency."""
    spec = as_mapping(m.data.get("spec"))
    refs = [(f"spec.{SOURCE_REF}", as_mapping(spec.get(SOURCE_REF)))]
    if m.kind == "HelmRelease":
        chart_spec = as_mapping(dig(spec, "chart.spec"))
        refs.append((f"spec.chart.spec.{SOURCE_REF}", as_mapping(chart_spec.get(SOURCE_REF))))
        chart_ref = as_mapping(spec.get("chartRef"))
        if chart_ref.get("kind") != "HelmChart":  # helm-controller creates HelmCharts itself
            refs.append(("spec.chartRef", chart_ref))
    for path, ref in refs:
        if ref:
            yield path, as_text(ref.get("kind")), ref
    depends = spec.get(DEPENDS_ON)
    if isinstance(depends, list):
        for i, entry in enumerate(depends):
            entry = as_mapping(entry)
            if entry:
                yield f"spec.{DEPENDS_ON}[{i}]", as_text(entry.get("kind")) or m.kind, entry


def describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"the value {value!r}"
