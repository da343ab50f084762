"""Reading the tree for flux.import: the existing config (leniently), the components file,
and one object per marked file, or why the config cannot hold it."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from ..._data import as_mapping, as_mappings, as_text, as_texts
from ...config.helm_releases import HELM_RELEASE
from ...config.paths import shown_config
from ...config.settings import CLUSTER, FLUX, OUTPUT
from ...flux import FLUX_GROUP_SUFFIX, KINDS
from ...generated import LEGACY_MARKER, Markers, components_version, documents
from ...tree import YAML_SUFFIXES
from ...yamlio.helm_values import HelmValuesError, read_values_node
from ...yamlio.source import YamlSourceError, compose, plain_data
from .entries import SECTIONS, FluxObject, default_file, from_manifest, kind_of
from .fit import fit, short

TOOLKIT_OBJECT_RE = re.compile(rf"^apiVersion:\s*\S+{re.escape(FLUX_GROUP_SUFFIX)}/", re.MULTILINE)
FOREIGN_MARKER_RE = re.compile(r"^#\s*(Code generated .*DO NOT EDIT\.?)\s*$", re.MULTILINE)
VALUES_PATH = HELM_RELEASE.field("values").manifest or ""  # read as `--values` reads a file


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
        return kind_of(self.obj)


@dataclass
class Existing:
    """What an existing config/flux.yaml contributes: read leniently, it may be broken."""

    found: bool = False
    version: str | None = None
    components: list[str] | None = None
    components_extra: list[str] | None = None
    components_file: str | None = None
    output: dict[str, str] = field(default_factory=dict)  # by config key
    clusters: dict[str, str] = field(default_factory=dict)
    # (namespace, name) of a HelmRelease -> its clusterValues (configMap, file)
    cluster_values: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # (namespace, name) of a HelmRelease -> its valuesFiles
    values_files: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    problem: str | None = None


@dataclass(frozen=True)
class Components:
    file: str | None  # relative to resourcesDir
    version: str | None
    components: list[str] | None


def read_existing(config_path: Path) -> Existing:
    if not config_path.is_file():
        return Existing()
    try:
        node = compose(config_path.read_text(encoding="utf-8"))
        data = plain_data(node) if node is not None else {}
    except (OSError, UnicodeDecodeError, YamlSourceError):
        data = None
    if not isinstance(data, dict):
        return Existing(
            True, problem=f"{shown_config(config_path)} does not parse: nothing is kept from it"
        )
    flux = {f.attr: as_mapping(data.get(FLUX.path)).get(f.key) for f in FLUX.fields}
    output = as_mapping(data.get(OUTPUT.path))
    out = Existing(
        found=True,
        version=as_text(flux["version"], None),
        components=as_texts(flux["components"]),
        components_extra=as_texts(flux["components_extra"]),
        components_file=as_text(flux["components_file"], None),
        output={k: v for k, v in output.items() if isinstance(v, str) and v},
    )
    for name, value in as_mapping(data.get(CLUSTER.path)).items():
        context = as_text(as_mapping(value).get("context"))
        if context:
            out.clusters[name] = context
    for hr in as_mappings(data.get(HELM_RELEASE.path)):
        values = as_mapping(hr.get("clusterValues"))
        key = (as_text(hr.get("namespace")), as_text(hr.get("name")))
        config_map, file = as_text(values.get("configMap")), as_text(values.get("file"))
        if key[0] and key[1] and config_map and file:
            out.cluster_values[(key[0], key[1])] = (config_map, file)
        files = as_texts(hr.get("valuesFiles"))
        if key[0] and key[1] and files:
            out.values_files[(key[0], key[1])] = files
    return out


def hand_written_note(rel: str, text: str) -> str | None:
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


def find_components(tree: dict[str, str | None], existing: Existing) -> Components:
    """The `flux install --export` output committed in the tree, if any."""
    found = [
        rel
        for rel, text in tree.items()
        if text and components_version(text) and "# This manifest was generated by flux" in text
    ]
    if not found:
        return Components(None, None, None)
    preferred = [existing.components_file] if existing.components_file in found else []
    preferred += [r for r in found if posixpath.basename(r) == "gotk-components.yaml"]
    rel = (preferred or found)[0]
    text = tree[rel] or ""
    match = re.search(r"^# Components: (\S+)$", text, re.MULTILINE)
    return Components(rel, components_version(text), match.group(1).split(",") if match else None)


def read_object(rel: str, text: str, marker: str) -> Imported | str:
    """The object of one marked file, or why the config cannot hold it."""
    docs = documents(Markers((marker,)).split(text)[2])
    if not docs:
        return "it holds no YAML document"
    if len(docs) > 1:
        return f"it holds {len(docs)} documents, and the config writes one object per file"
    try:
        node = compose(docs[0])
        data = plain_data(node) if node is not None else None
        values = _node_at(node, VALUES_PATH)
        if values is not None and isinstance(data, dict):  # read as `--values` reads a file
            *parents, last = VALUES_PATH.split(".")
            target = data
            for key in parents:
                target = target[key]
            target[last] = read_values_node(values).data
    except HelmValuesError as exc:
        return f"{VALUES_PATH}{exc.path}: {exc.message}"
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
    obj = from_manifest(SECTIONS[kind], data, rel)
    minors, lossy, api_diffs = fit(data, obj)
    if lossy:
        return "the config cannot express " + ", ".join(d.describe() for d in lossy)
    if not minors:
        found = "; ".join(f"{d.path} {short(d.old)}" for d in api_diffs)
        return f"no Flux v2.0-v2.9 `flux create` writes this document ({found})"
    return Imported(rel, obj, frozenset(minors), marker, api)


def _node_at(node: Node | None, path: str) -> MappingNode | None:
    """The mapping at a dotted path of a document's node tree, if it has one (a repeated
    key: the last, as plain_data reads it)."""
    for name in path.split("."):
        if not isinstance(node, MappingNode):
            return None
        found = [v for k, v in node.value if isinstance(k, ScalarNode) and k.value == name]
        node = found[-1] if found else None
    return node if isinstance(node, MappingNode) else None


def drop_duplicates(
    imported: list[Imported], blocked: dict[str, str], resources_rel: str
) -> list[Imported]:
    """One object per kind/namespace/name: the file at its default name wins, else the first."""
    groups: dict[tuple[str, str, str], list[Imported]] = {}
    for item in imported:
        groups.setdefault((item.kind, item.obj.namespace, item.obj.name), []).append(item)
    kept: list[Imported] = []
    for (kind, namespace, name), items in groups.items():
        winner = next((i for i in items if i.file == default_file(i.obj)), items[0])
        kept.append(winner)
        for item in items:
            if item is not winner:
                blocked[item.file] = (
                    f"it declares the same {kind} {namespace}/{name} as {resources_rel}/{winner.file}"
                )
    return [i for i in imported if i in kept]
