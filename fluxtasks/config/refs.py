"""The reference grammar: how an entry names another object (its source, what it depends
on, what it checks, where its values come from), and how flux.import writes one back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from yaml.nodes import Node, ScalarNode

from .._data import as_mapping, as_mappings, as_text
from ..flux import DEPENDS_ON_EXPRESSION_MINOR, LABEL_RE, NAME_RE, SUBDOMAIN_RE
from . import patterns
from .fields import Defaults, Entry, Section, ValueType, Writing
from .model import Dependency, ObjectRef
from .reader import MISSING, raw_text, scalar_keys

T = TypeVar("T")
HEALTH_CHECK_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "HelmRelease")
VALUES_FROM_KINDS = ("ConfigMap", "Secret")
# Kinds a Flux object's source, chart or dependency reference can name.
REFERENCED_KINDS = frozenset(
    {"GitRepository", "HelmRepository", "OCIRepository", "Bucket", "ExternalArtifact"}
    | {"HelmChart", "Kustomization", "HelmRelease"}
)


def declared_names(
    section: Section[Any], items: list[Node], defaults: Defaults
) -> set[tuple[str, str]]:
    """(namespace, name) of every entry of a list as written, before any is read: what a
    bare name among an entry's dependencies may name (no namespace: the default one)."""
    default_namespace = section.default("namespace", defaults=defaults)
    out: set[tuple[str, str]] = set()
    for item in items:
        if section.shorthand == "name" and isinstance(item, ScalarNode):
            out.add((default_namespace, str(item.value)))
            continue
        keys = scalar_keys(item)
        name, namespace = raw_text(keys.get("name")), raw_text(keys.get("namespace"))
        namespace = namespace if namespace is not None else default_namespace
        if name is not None and namespace is not None:
            out.add((namespace, name))
    return out


def valid_ref(ref: ObjectRef) -> bool:
    """Whether the config can write `ref` (RFC 1123 name and namespace)."""
    return bool(NAME_RE.match(ref.name) and (ref.namespace is None or NAME_RE.match(ref.namespace)))


# ------------------------------------------------------------------- sources


def resolve_source(
    entry: Entry,
    node: Node,
    path: str,
    kinds: tuple[str, ...],
    default_kind: str | None,
    undeclared: tuple[str, ...] = (),
) -> ObjectRef | None:
    """`[Kind/]name[.namespace]`; without a namespace it must name a declared source, whose
    namespace the reference then carries, unless its kind is one the config cannot declare
    (`undeclared`): then it means the referrer's own namespace, as Flux reads it."""
    reader = entry.reader
    text = reader.string(node, path)
    if text is None:
        return None
    kind_part, slash, rest = text.partition("/")
    if not slash:
        if default_kind is None:
            reader.error(
                node,
                path,
                f"{text!r} needs a kind: Kind/name[.namespace] with Kind one of {', '.join(kinds)}",
            )
            return None
        if text.lower() in {k.lower() for k in kinds}:
            reader.error(node, path, f"{text!r} names a kind but no object: use {text}/NAME")
            return None
        kind_part, rest = default_kind, text
    canonical = {k.lower(): k for k in kinds}.get(kind_part.lower())
    if canonical is None:
        reader.error(node, path, f"source kind {kind_part!r} is not one of {', '.join(kinds)}")
        return None
    name, dot, namespace = rest.rpartition(".")
    if not dot:
        name, namespace = rest, ""
    if not NAME_RE.match(name) or (dot and not NAME_RE.match(namespace)):
        reader.error(node, path, f"{text!r} is not Kind/name[.namespace] with RFC 1123 names")
        return None
    declared = [
        s
        for s in entry.doc.sources
        if s.kind == canonical and s.name == name and (not dot or s.namespace == namespace)
    ]
    if declared:
        return ObjectRef(canonical, name, declared[0].namespace)
    if not dot and canonical in undeclared:
        return ObjectRef(canonical, name)
    if not dot:
        if (canonical, name) in entry.doc.broken_sources:
            return None  # that source's own problem is already reported
        reader.error(
            node,
            path,
            f"{canonical}/{name} is not declared in sources; declare it, or write "
            f"{canonical}/{name}.NAMESPACE for a source managed elsewhere",
        )
        return None
    return ObjectRef(canonical, name, namespace)


def source_schema(kinds: tuple[str, ...], *, kind_optional: bool) -> dict[str, Any]:
    kind = f"({patterns.one_of(kinds)}/)" + ("?" if kind_optional else "")
    schema: dict[str, Any] = {
        "type": "string",
        "pattern": patterns.whole(f"{kind}{patterns.NAME}(\\.{patterns.NAME})?"),
    }
    if kind_optional:  # a bare kind word names no object
        schema["not"] = {"pattern": patterns.whole(patterns.one_of(kinds))}
    return schema


def _ref_back(raw: Any, values: Mapping[str, Any]) -> ObjectRef:
    """A rendered reference; without a namespace it means the referrer's, written out."""
    ref = as_mapping(raw)
    return ObjectRef(
        as_text(ref.get("kind")),
        as_text(ref.get("name")),
        as_text(ref.get("namespace")) or values.get("namespace") or "",
    )


def _same_namespace(sub: str, old: Any, new: Any, values: Mapping[str, Any]) -> bool:
    """An absent namespace means the referrer's, which the config writes out."""
    return sub == ".namespace" and old is MISSING and new == values.get("namespace")


def source_ref(
    kinds: tuple[str, ...],
    default_kind: str | None,
    undeclared: tuple[str, ...] = (),
    *,
    optional: bool = False,
) -> ValueType:
    """A source reference; `default_kind` is taken when the kind is left out (if any).
    An `optional` one reads back as None from a manifest without it; one of an
    `undeclared` kind without a namespace keeps it absent (the referrer's)."""

    def back(raw: Any, values: Mapping[str, Any]) -> ObjectRef | None:
        if optional and not isinstance(raw, dict):
            return None
        ref = _ref_back(raw, values)
        if ref.kind in undeclared and not as_mapping(raw).get("namespace"):
            return ObjectRef(ref.kind, ref.name)
        return ref

    return ValueType(
        "source reference",
        source_schema(kinds, kind_optional=default_kind is not None),
        lambda entry, node, where: resolve_source(
            entry, node, where, kinds, default_kind, undeclared
        ),
        from_manifest=back,
        to_config=lambda ref, writing: writing.refs.source_text(ref),
        same_meaning=_same_namespace,
    )


# ---------------------------------------------------------------- dependencies


def parsed(parse: Callable[[Entry, str], T | str]) -> Callable[[Entry, Node, str], T | None]:
    """A string read, then parsed: `parse` gives the value, or the message of its problem."""

    def read(entry: Entry, node: Node, where: str) -> T | None:
        text = entry.reader.string(node, where)
        if text is None:
            return None
        found = parse(entry, text)
        if isinstance(found, str):
            entry.reader.error(node, where, found)
            return None
        return found

    return read


def _dependency(entry: Entry, text: str) -> Dependency | str:
    ref, at, _expression = text.partition("@")
    minor = entry.minor
    if at and minor is not None and minor < DEPENDS_ON_EXPRESSION_MINOR:
        return (
            f"{text!r}: Flux {entry.doc.flux_version} keeps '@{_expression}' as part of the name "
            f"(a readiness expression needs Flux v2.{DEPENDS_ON_EXPRESSION_MINOR}, which drops "
            "it); write NAME or NAMESPACE/NAME"
        )
    # From v2.9 flux splits the expression off first (it may hold '/'), and drops it.
    ns, slash, name = ref.rpartition("/")
    if not NAME_RE.match(name) or (slash and not NAME_RE.match(ns)):
        return f"{text!r} must be NAME or NAMESPACE/NAME with RFC 1123 names"
    namespace = entry.values.get("namespace") or ""
    kind = entry.section.kind
    if not slash and (namespace, name) not in entry.doc.declared.get(kind, set()):
        return (
            f"no {kind} named {name!r} is declared in namespace {namespace}; "
            f"write NAMESPACE/{name} for one managed elsewhere"
        )
    return Dependency(name, ns if slash else None)


def _dependencies_back(raw: Any, _values: Mapping[str, Any]) -> tuple[Dependency, ...]:
    return tuple(
        Dependency(as_text(d.get("name")), as_text(d.get("namespace"), None))
        for d in as_mappings(raw)
    )


def _dependencies_text(deps: tuple[Dependency, ...], writing: Writing) -> list[str]:
    """A bare name only for a declared object in the same namespace; otherwise ns/name
    (which renders the namespace: same meaning, and update reports the rewrite)."""
    out: list[str] = []
    for dep in deps:
        if dep.namespace is None and writing.refs.is_declared(
            writing.kind, writing.namespace, dep.name
        ):
            out.append(dep.name)
        else:
            out.append(f"{dep.namespace or writing.namespace}/{dep.name}")
    return out


DEPENDENCIES = ValueType(
    "dependencies",
    {
        "type": "array",
        "items": {
            "type": "string",
            "pattern": patterns.whole(f"({patterns.NAME}/)?{patterns.NAME}(@.*)?"),
            "description": "NAME of an object of the same kind declared in the same namespace, or NAMESPACE/NAME of one managed elsewhere; a @readyExpr suffix (Flux v2.9+) is dropped, as flux create drops it.",
        },
    },
    lambda entry, node, where: tuple(
        entry.reader.each(node, where, partial(parsed(_dependency), entry))
    ),
    from_manifest=_dependencies_back,
    to_config=_dependencies_text,
)


# ---------------------------------------------------------------- health checks


def _health_check(_entry: Entry, text: str) -> ObjectRef | str:
    # flux create ks splits at the one '/' and the one '.': a dotted name cannot be written
    parts = text.split("/")
    name_ns = parts[1].split(".") if len(parts) == 2 else []
    if len(name_ns) == 2 and parts[0] in HEALTH_CHECK_KINDS:
        name, namespace = name_ns
        if LABEL_RE.match(name) and NAME_RE.match(namespace):
            return ObjectRef(parts[0], name, namespace)
    dotted = (
        " (flux splits name and namespace at the only '.', so a name with dots cannot be checked)"
    )
    return (
        f"{text!r} must be Kind/name.namespace with Kind one of {', '.join(HEALTH_CHECK_KINDS)}"
        + (dotted if len(name_ns) > 2 else "")
    )


HEALTH_CHECKS = ValueType(
    "health checks",
    {
        "type": "array",
        "items": {
            "type": "string",
            "pattern": patterns.whole(
                f"{patterns.one_of(HEALTH_CHECK_KINDS, any_case_=False)}/{patterns.LABEL}\\.{patterns.NAME}"
            ),
        },
    },
    lambda entry, node, where: tuple(
        entry.reader.each(node, where, partial(parsed(_health_check), entry))
    ),
    from_manifest=lambda raw, _: tuple(
        ObjectRef(as_text(c.get("kind")), as_text(c.get("name")), as_text(c.get("namespace"), None))
        for c in as_mappings(raw)
    ),
    to_config=lambda checks, _: [str(check) for check in checks],
    api_version_at=r"\[\d+\]\.apiVersion",  # render names a HelmRelease's apiVersion
)


# ----------------------------------------------------------- values references


def _values_refs(entry: Entry, node: Node, where: str) -> tuple[ObjectRef, ...]:
    out: list[ObjectRef] = []
    for i, item in enumerate(entry.reader.items(node, where)):
        at = f"{where}[{i}]"
        text = entry.reader.string(item, at)
        if text is None:
            continue
        kind, slash, name = text.partition("/")
        canonical = {k.lower(): k for k in VALUES_FROM_KINDS}.get(kind.lower())
        if not slash or canonical is None or not SUBDOMAIN_RE.match(name):
            entry.reader.error(item, at, f"{text!r} must be ConfigMap/NAME or Secret/NAME")
            continue
        ref = ObjectRef(canonical, name)
        if ref in out:
            entry.reader.error(item, at, f"{text!r} is listed twice")
            continue
        out.append(ref)
    return tuple(out)


VALUES_REFS = ValueType(
    "values references",
    {
        "type": "array",
        "uniqueItems": True,
        "items": {
            "type": "string",
            "pattern": patterns.whole(f"{patterns.one_of(VALUES_FROM_KINDS)}/{patterns.SUBDOMAIN}"),
        },
    },
    _values_refs,
    from_manifest=lambda raw, _: tuple(
        ObjectRef(as_text(v.get("kind")), as_text(v.get("name"))) for v in as_mappings(raw)
    ),
    to_config=lambda refs, _: [f"{ref.kind}/{ref.name}" for ref in refs],
)
