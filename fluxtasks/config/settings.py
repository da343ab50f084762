"""The settings sections: `flux:` (release, components), `output:` (where and how files are
written), `defaults:` and `clusters:`. A value that fails falls back to its default, so the
checks that depend on it still run."""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node

from .._text import did_you_mean
from ..flux import (
    DEFAULT_COMPONENTS,
    DEFAULT_NAMESPACE,
    EXTRA_COMPONENTS,
    KNOWN_COMPONENTS,
    KS_SOURCE_KINDS,
    SOURCE_WATCHER_MINOR,
    extra_components,
    flux_minor,
    supported_minor,
)
from ..generated import DEFAULT_MARKER
from . import patterns
from .fields import (
    REQUIRED,
    Document,
    Entry,
    Field,
    Rule,
    Section,
    ValueType,
    open_entry,
    read_fields,
    resolve_default,
)
from .model import ALL_CLUSTERS, Cluster
from .reader import Reader, kind_of
from .refs import source_ref
from .types import DURATION, NAME, RELATIVE_PATH, RESOURCES_FILE, ROOT_FILE, STRING

# What a config without a valid flux.version is checked against, and what flux.import pins
# when no generated file tells the release.
VERSION_FALLBACK = "v2.3.0"


def _version(entry: Entry, node: Node, where: str) -> str | None:
    version = entry.reader.string(node, where)
    if version is not None and supported_minor(version) is None:
        entry.reader.error(node, where, f"{version!r} is not a Flux release from v2.0.0 to v2.9.x")
        return None
    return version


def components(known: Any, choices: tuple[str, ...]) -> ValueType:
    """Controller names; `known(entry)` those this config's release offers."""

    def read(entry: Entry, node: Node, where: str) -> tuple[str, ...]:
        allowed = known(entry)

        def one(item: Node, at: str) -> str | None:
            name = entry.reader.string(item, at)
            if name is not None and name not in allowed:
                entry.reader.error(
                    item,
                    at,
                    f"component {name} is not available" + did_you_mean(name, set(allowed)),
                )
            return name

        return tuple(entry.reader.each(node, where, one))

    return ValueType(
        "components", {"type": "array", "items": {"type": "string", "enum": list(choices)}}, read
    )


def _extras_known(entry: Entry) -> tuple[str, ...]:
    return extra_components(flux_minor(entry.values.get("version") or VERSION_FALLBACK))


FLUX_VERSION = ValueType("flux version", {"type": "string", "pattern": patterns.VERSION}, _version)
SOURCE_WATCHER_FROM_V2_7 = Rule(  # the reading checks it; the schema says it by the release
    lambda _: None,
    {
        "if": {"properties": {"version": {"pattern": patterns.BEFORE_V2_7}}},
        "then": {
            "properties": {
                "componentsExtra": {
                    "items": {"enum": list(extra_components(SOURCE_WATCHER_MINOR - 1))}
                },
            }
        },
    },
)

COMPONENTS = components(lambda _: KNOWN_COMPONENTS, KNOWN_COMPONENTS)
COMPONENTS_EXTRA = components(_extras_known, EXTRA_COMPONENTS)

FLUX: Section[dict[str, Any]] = Section("flux", "", dict, fields=(
    Field("version", FLUX_VERSION, REQUIRED,
          help="Pinned Flux release, v2.0.0 to v2.9.x: picks the apiVersion of every rendered object and must equal the components file's `# Flux Version:`."),
    Field("components", COMPONENTS, DEFAULT_COMPONENTS, "--components",
          help="Toolkit controllers to install (`flux install --components`)."),
    Field("componentsExtra", COMPONENTS_EXTRA, (), "--components-extra",
          help="Extra controllers (`flux install --components-extra`); source-watcher needs Flux v2.7 or later."),
    Field("componentsFile", RESOURCES_FILE, "flux/gotk-components.yaml",
          help="Where `invoke flux.update --components` writes `flux install --export`, relative to output.resourcesDir."),
), rules=(SOURCE_WATCHER_FROM_V2_7,),
   help="The pinned Flux release and the toolkit components it installs.", fallback=True)  # fmt: skip


def _repo_path(entry: Entry, node: Node, where: str) -> str | None:
    text = entry.reader.string(node, where)
    if text is None:
        return None
    repo = text.strip().strip("/").removeprefix("./")
    if ".." in repo.split("/"):
        entry.reader.error(node, where, f"{text!r} must not contain '..'")
    return repo


def _header(entry: Entry, node: Node, where: str) -> str | None:
    header = entry.reader.relative_file(node, where, under="the root")
    if header is not None and not (entry.reader.root / header).is_file():
        entry.reader.error(node, where, f"header file {header!r} does not exist")
    return header


def _marker(entry: Entry, node: Node, where: str) -> str | None:
    marker = entry.reader.string(node, where)
    if marker is not None and "\n" in marker:
        entry.reader.error(node, where, "must be a single line")
    elif marker is not None and not marker.isprintable():
        entry.reader.error(node, where, "must be printable text (no control characters)")
    elif marker is not None and marker != marker.strip():
        # generated files are recognised by their stripped marker line
        entry.reader.error(node, where, "must not start or end with a space")
    return marker


REPO_PATH = ValueType(
    "repository path",
    {"type": "string", "minLength": 1, "not": {"pattern": r"(^\s*|/)\.\.(/|\s*$)"}},
    _repo_path,
)
HEADER = ValueType("header", RELATIVE_PATH, _header)
MARKER = ValueType(
    "marker",
    {
        **STRING.schema,
        # one line, no control characters, no space at either end (files are recognised
        # by their stripped marker line)
        "not": {"anyOf": [{"pattern": patterns.CONTROL}, {"pattern": rf"^\s|\s{patterns.END}"}]},
    },
    _marker,
)

OUTPUT: Section[dict[str, Any]] = Section("output", "", dict, fields=(
    Field("resourcesDir", ROOT_FILE, "resources",
          help="The folder Flux syncs, relative to the root (the folder that holds config/)."),
    Field("repoPath", REPO_PATH, None,
          help="Where resourcesDir sits inside the synced Git repository; absent: `git rev-parse --show-prefix` of resourcesDir."),
    Field("header", HEADER, "config/boilerplate.txt",
          help="License header template, relative to the root; the token YEAR is replaced."),
    Field("marker", MARKER, DEFAULT_MARKER,
          help="The line that marks a file as generated (and so owned by flux.update)."),
), help="Where and how generated files are written.", fallback=True)  # fmt: skip

DEFAULTS: Section[dict[str, Any]] = Section("defaults", "", dict, fields=(
    Field("interval", DURATION, "1m0s",
          help="Reconcile interval of every object (Flux's own default is 1m)."),
    Field("namespace", NAME, DEFAULT_NAMESPACE,
          help="Namespace of sources and Kustomizations (default flux-system)."),
    Field("kustomizationSource", source_ref(KS_SOURCE_KINDS, "GitRepository"), None,
          help="[Kind/]name[.namespace] of the source every Kustomization syncs from; absent: the only GitRepository declared."),
), help="Values used where an object leaves them out.", fallback=True)  # fmt: skip

CLUSTER: Section[dict[str, Any]] = Section("clusters", "", dict, fields=(
    Field("context", STRING, REQUIRED,
          help="The kube context of this cluster."),
), help="The clusters cluster tasks select with --cluster or PROW_ENV.")  # fmt: skip


def read_settings(
    reader: Reader,
    doc: Document,
    section: Section[Any],
    pair: tuple[Node, Node] | None,
    only: tuple[str, ...] | None = None,
) -> tuple[dict[str, Any], Entry | None]:
    """A settings section's values (its defaults where absent or failed), and its entry."""
    values = {f.attr: resolve_default(f, {}, doc.defaults) for f in section.fields}
    entry = open_entry(reader, doc, section, pair[1], section.path) if pair else None
    if entry is None:
        return values, None
    read_fields(entry, only)
    return {**values, **entry.values}, entry


def read_clusters(reader: Reader, doc: Document, node: Node) -> dict[str, Cluster]:
    """`clusters:`: cluster name -> its kube context."""
    if not isinstance(node, MappingNode):
        reader.error(
            node,
            CLUSTER.path,
            f"must be a mapping of cluster name to {{context: ...}}, not {kind_of(node)}",
        )
        return {}
    clusters: dict[str, Cluster] = {}
    for key_node, value_node in node.value:
        name = reader.name(key_node, CLUSTER.path)
        if name is None:
            continue
        where = f"{CLUSTER.path}.{name}"
        if name == ALL_CLUSTERS:
            reader.error(
                key_node,
                where,
                f"{ALL_CLUSTERS!r} is reserved: --cluster {ALL_CLUSTERS} selects every cluster",
            )
            continue
        if name in clusters:
            reader.error(key_node, where, "duplicate key")
            continue
        entry = open_entry(reader, doc, CLUSTER, value_node, where)
        context = read_fields(entry).values.get("context") if entry else None
        if context is not None:
            clusters[name] = Cluster(name, context)
    return clusters
