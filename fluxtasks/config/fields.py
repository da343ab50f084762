"""The field tables: each config key declared once, with its type, default, `flux create`
flag, manifest path and help, and the one reader that turns an entry into model values.

A section module (settings, sources, kustomizations, helm_releases) holds a `Section`: its
rows drive the loader (unknown, duplicate and missing keys, typed reads, defaults), the JSON
Schema (`schema.section_schema`) and `flux.import` (reading a manifest back, writing the
keys that differ from their defaults). What a row cannot say is a `Rule` beside the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from yaml.nodes import Node, ScalarNode

from ..flux import supported_minor
from .model import Cluster, ObjectRef, Source
from .reader import MISSING, Keys, Reader

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # a Field default: the key must be written


@dataclass(frozen=True)
class Defaults:
    """What `defaults:` and `output.repoPath` settle for every entry that leaves a key out
    (empty until they are read; `own` defaults never look)."""

    namespace: str = ""
    interval: str = ""
    ks_source: ObjectRef | None = None
    repo_path: str | None = None


@dataclass(frozen=True)
class Default:
    """A default computed when the key is absent, from the entry's values read so far and
    `defaults:`; `own` when the entry's values alone decide it (so a manifest does too)."""

    resolve: Callable[[Mapping[str, Any], Defaults], Any]
    own: bool = False


class References(Protocol):
    """How `flux.import` writes a reference so the loader resolves it to the same object."""

    def source_text(self, ref: ObjectRef) -> str: ...

    def is_declared(self, kind: str, namespace: str, name: str) -> bool: ...


@dataclass(frozen=True)
class Writing:
    """What turning one model value back into config text may need."""

    kind: str  # the entry's Flux kind
    namespace: str  # the entry's namespace
    refs: References


def as_is(value: Any, *_: Any) -> Any:
    return value


def text_or_none(raw: Any, _values: Mapping[str, Any]) -> Any:
    """A rendered string back as itself; anything else (or absent) as None."""
    return raw if isinstance(raw, str) else None


def never(*_: Any) -> bool:
    return False


@dataclass(frozen=True)
class ValueType:
    """How one kind of value is read, stated in JSON Schema, and read back by flux.import."""

    name: str
    schema: Mapping[str, Any]  # the JSON Schema fragment, without the description
    read: Callable[[Entry, Node, str], Any]  # the value, or None (after reader.error, mostly)
    # flux.import: the rendered value (MISSING when absent) -> the model value, None if none
    from_manifest: Callable[[Any, Mapping[str, Any]], Any] = text_or_none
    to_config: Callable[[Any, Writing], Any] = as_is  # flux.import: model value -> config text
    # flux.import: a difference under the manifest path (sub-path, old, new, the object's
    # values) that means the same to Flux, so the config may render it
    same_meaning: Callable[[str, Any, Any, Mapping[str, Any]], bool] = never
    free_form: bool = False  # arbitrary data: import writes it after the entry's own keys
    api_version_at: str | None = None  # regex of the sub-path where render writes an apiVersion
    nested: Section[Any] | None = None  # a mapping read by its own table (and so its schema)


@dataclass(frozen=True)
class Field:
    key: str  # camelCase as written in config/flux.yaml; the model attribute is snake_case
    type: ValueType
    default: Any = None  # a value, REQUIRED, or a Default rule
    flag: str | None = None  # the `flux create` flag it stands for
    manifest: str | None = None  # where render writes it = where flux.import reads it back
    help: str = ""  # the JSON Schema description
    since: int = 0  # the first Flux minor (v2.N) whose `flux create` has the flag

    @cached_property
    def attr(self) -> str:
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.key).lower()


@dataclass(frozen=True)
class Rule:
    """A check across keys of one entry: run after its fields, stated in JSON Schema by a
    fragment merged into the entry's schema, undone by flux.import when it adds a value."""

    check: Callable[[Entry], None]
    schema: Mapping[str, Any] = field(default_factory=dict)
    unapply: Callable[[dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class Section(Generic[T]):
    """One table: the rows of a kind of entry, the rules beside them, what they build."""

    path: str  # where its entries sit: "kustomizations", "flux", "sources"
    kind: str  # the Flux kind of its entries ("" for settings)
    model: Callable[..., T]
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    help: str = ""
    shorthand: str | None = None  # a bare string entry sets this key (`- apps`)
    shorthand_help: str = ""
    item_help: str = ""  # the JSON Schema description of one entry of a list
    # Keys whose failure stops the entry: the rest would only report their echo.
    gates: tuple[str, ...] = ()
    fallback: bool = False  # settings: a failed value falls back to its default

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.default is REQUIRED)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    def default(
        self, key: str, values: Mapping[str, Any] | None = None, defaults: Defaults | None = None
    ) -> Any:
        """The value an absent `key` takes (None for a required one)."""
        return resolve_default(self.field(key), values or {}, defaults or Defaults())


def resolve_default(f: Field, values: Mapping[str, Any], defaults: Defaults) -> Any:
    if f.default is REQUIRED:
        return None
    if isinstance(f.default, Default):
        return f.default.resolve(values, defaults)
    return f.default


@dataclass
class Document:
    """What the reads of one entry may need from the rest of the config, filled in as the
    loader goes: settings first, then sources, then what references them."""

    root: Path
    flux_version: str | None = None  # flux.version when valid: flags and rules depend on it
    resources_dir: Path = Path()
    resources_rel: str = "resources"  # output.resourcesDir as written
    defaults: Defaults = Defaults()
    clusters: Mapping[str, Cluster] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    broken_sources: set[tuple[str, str]] = field(default_factory=set)  # (kind, name) as written
    declared: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # kind -> (ns, name)


@dataclass
class Entry:
    """One entry being read: its key nodes and the values read so far."""

    reader: Reader
    doc: Document
    section: Section[Any]
    path: str  # "kustomizations[0]"
    node: Node
    nodes: dict[str, Node]  # the value node of each key written
    shorthand: bool = False
    values: dict[str, Any] = field(default_factory=dict)  # attr -> value
    failed: set[str] = field(default_factory=set)  # keys with no value
    problems_before: int = 0

    @property
    def minor(self) -> int | None:
        """The pinned Flux minor (v2.N), None while flux.version is not valid."""
        version = self.doc.flux_version
        return supported_minor(version) if version is not None else None

    def where(self, key: str) -> str:
        return (
            self.path if self.shorthand and key == self.section.shorthand else f"{self.path}.{key}"
        )

    def error(self, key: str, message: str, node: Node | None = None) -> None:
        """A problem of `key`, at its node (or `node`)."""
        at = node if node is not None else self.nodes.get(key, self.node)
        self.reader.error(at, self.where(key), message)

    def fail(self, key: str) -> None:
        """No value for `key`, its problem reported elsewhere (or already)."""
        self.failed.add(key)

    @property
    def ok(self) -> bool:
        return not self.failed and len(self.reader.problems) == self.problems_before


def open_entry(
    reader: Reader, doc: Document, section: Section[Any], node: Node, path: str
) -> Entry | None:
    """The keys of one entry checked against the table; None when it is not a mapping."""
    if section.shorthand is not None and isinstance(node, ScalarNode):
        nodes: dict[str, Node] = {section.shorthand: node}
        before = len(reader.problems)
        return Entry(
            reader, doc, section, path, node, nodes, shorthand=True, problems_before=before
        )
    before = len(reader.problems)
    keys = reader.mapping(node, path, section.keys, section.required)
    if keys is None:
        return None
    return Entry(reader, doc, section, path, node, _values(keys), problems_before=before)


def _values(keys: Keys) -> dict[str, Node]:
    return {k: v for k, (_, v) in keys.items()}


def read_fields(entry: Entry, only: tuple[str, ...] | None = None) -> Entry:
    """Every field in table order (written ones read, absent ones defaulted), then the
    rules; `only` reads just those keys (one that needs what is read later waits)."""
    section = entry.section
    for f in section.fields:
        if only is not None and f.key not in only:
            continue
        if entry.failed and f.key not in section.gates and entry.failed.intersection(section.gates):
            return entry
        if f.key in entry.nodes and not _released(entry, f):
            value = None
        elif f.key in entry.nodes:
            value = f.type.read(entry, entry.nodes[f.key], entry.where(f.key))
        else:
            value = resolve_default(f, entry.values, entry.doc.defaults)
        if value is None and (f.key in entry.nodes or f.default is REQUIRED):
            entry.fail(f.key)
            if section.fallback:
                value = resolve_default(f, entry.values, entry.doc.defaults)
        entry.values[f.attr] = value
    for rule in section.rules if only is None else ():
        rule.check(entry)
    return entry


def _released(entry: Entry, f: Field) -> bool:
    """Whether the pinned Flux release has the field's flag; a problem of the key if not."""
    minor = entry.minor
    if minor is None or minor >= f.since:
        return True
    entry.error(
        f.key,
        f"{f.flag or f.key} needs Flux v2.{f.since} or later, and flux.version is "
        f"{entry.doc.flux_version}: raise flux.version or drop {f.key}",
    )
    return False


def read_list(
    reader: Reader, doc: Document, section: Section[Any], items: list[Node]
) -> list[Entry]:
    """Every entry of a list that is a mapping (or the shorthand), read."""
    entries = (
        open_entry(reader, doc, section, item, f"{section.path}[{i}]")
        for i, item in enumerate(items)
    )
    return [read_fields(entry) for entry in entries if entry is not None]


def build(section: Section[T], entry: Entry) -> T | None:
    """The model of an entry read without a problem, else None (values that only helped
    the reading, like the values files, are not the model's)."""
    if not entry.ok:
        return None
    names = getattr(section.model, "__dataclass_fields__", entry.values)  # settings: all
    return section.model(**{k: v for k, v in entry.values.items() if k in names})


def values_of(section: Section[Any], obj: Any) -> dict[str, Any]:
    """The model attributes of `obj` that `section` has a row for."""
    return {f.attr: getattr(obj, f.attr) for f in section.fields if hasattr(obj, f.attr)}


def manifest_at(doc: Any, path: str) -> Any:
    """The value at a dotted manifest path (`spec.a[0].b`), MISSING when absent (null is a
    value)."""
    value = doc
    for part in path.split("."):
        key, _, index = part.partition("[")
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
        if index:
            at = int(index.rstrip("]"))
            if not isinstance(value, list) or at >= len(value):
                return MISSING
            value = value[at]
    return value
