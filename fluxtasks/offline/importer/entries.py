"""Flux documents -> config model -> config entries, both ways driven by the field tables:
each field is read back from its manifest path, and written to the config only when it
differs from what the loader would give it by default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...config.fields import (
    REQUIRED,
    Default,
    Defaults,
    Section,
    Writing,
    manifest_at,
    resolve_default,
    values_of,
)
from ...config.helm_releases import HELM_RELEASE
from ...config.kustomizations import KUSTOMIZATION
from ...config.model import HelmRelease, Kustomization, ObjectRef, Source
from ...config.sources import SOURCES
from ...yamlio.config_dump import FlowMap

FluxObject = Source | HelmRelease | Kustomization
SECTIONS: dict[str, Section[Any]] = {
    **SOURCES,
    KUSTOMIZATION.kind: KUSTOMIZATION,
    HELM_RELEASE.kind: HELM_RELEASE,
}


def kind_of(obj: FluxObject) -> str:
    return obj.kind if isinstance(obj, Source) else type(obj).__name__


def section_of(obj: FluxObject) -> Section[Any]:
    return SECTIONS[kind_of(obj)]


def from_manifest(section: Section[Any], doc: dict[str, Any], file: str) -> FluxObject:
    """The config object that would render this document: every field read back from its
    manifest path. What the document lacks reads as the loader's own default when the
    entry decides it, as "" when the config's `defaults:` would (so the difference shows),
    and as absent otherwise."""
    values: dict[str, Any] = {}
    for f in section.fields:
        if f.manifest is None:
            continue
        value = f.type.from_manifest(manifest_at(doc, f.manifest), values)
        if value is None and isinstance(f.default, Default) and f.default.own:
            value = f.default.resolve(values, Defaults())
        elif value is None and (f.default is REQUIRED or isinstance(f.default, Default)):
            value = ""
        values[f.attr] = value
    obj: FluxObject = section.model(**values, file=file)
    return obj


def default_file(obj: FluxObject) -> str | None:
    """Where the config writes an object when its entry has no `file:`."""
    section = section_of(obj)
    file: str | None = resolve_default(section.field("file"), values_of(section, obj), Defaults())
    return file


@dataclass
class References:
    """How to write a reference so the loader resolves it to exactly the same object."""

    sources: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # -> namespaces
    declared: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # kind -> (ns, name)

    @classmethod
    def of(cls, objects: Iterable[FluxObject]) -> References:
        refs = cls()
        for obj in objects:
            if isinstance(obj, Source):
                refs.sources.setdefault((obj.kind, obj.name), []).append(obj.namespace)
            else:
                refs.declared.setdefault(kind_of(obj), set()).add((obj.namespace, obj.name))
        return refs

    def source_text(self, ref: ObjectRef) -> str:
        if self.sources.get((ref.kind, ref.name)) == [ref.namespace]:
            return f"{ref.kind}/{ref.name}"
        return f"{ref.kind}/{ref.name}" + (f".{ref.namespace}" if ref.namespace else "")

    def is_declared(self, kind: str, namespace: str, name: str) -> bool:
        return (namespace, name) in self.declared.get(kind, set())


def entry(obj: FluxObject, defaults: Defaults, refs: References) -> FlowMap | str:
    """The config entry of `obj`: required keys, and each key whose value differs from its
    default (free-form values last); the shorthand when only that key is left."""
    section = section_of(obj)
    values = values_of(section, obj)
    for rule in section.rules:
        if rule.unapply is not None:
            rule.unapply(values)
    writing = Writing(kind_of(obj), obj.namespace, refs)
    own, last = FlowMap(), FlowMap()
    for f in section.fields:
        if f.attr not in values:
            continue
        value = values[f.attr]
        if f.default is not REQUIRED and (
            _empty(value) or value == resolve_default(f, values, defaults)
        ):
            continue
        (last if f.type.free_form else own)[f.key] = f.type.to_config(value, writing)
    own.update(last)
    if section.shorthand is not None and list(own) == [section.shorthand]:
        return str(own[section.shorthand])
    return own


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, tuple)) and not value)
