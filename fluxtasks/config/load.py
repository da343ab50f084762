"""Load config/flux.yaml (schema v1) into the typed `Config`.

Every problem is collected with its line:col and dotted path, so one run reports all of
them (`config/flux.yaml:12:5: sources[1].url: ...`); nothing is built unless there are none.
The sections are read in the order their references need: settings, sources, then the
Kustomizations and HelmReleases that name them.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from yaml.nodes import Node

from .._text import one_line
from ..errors import FluxTasksError, InputError
from ..runner import Runner
from ..yamlio.source import YamlSourceError, check_characters, compose
from .fields import Defaults, Document, Entry, Section, build, read_fields, read_list
from .helm_releases import HELM_RELEASE
from .kustomizations import KUSTOMIZATION
from .model import Config, ObjectRef
from .paths import config_root, shown_config
from .reader import Keys, Problem, Reader
from .refs import declared_names
from .settings import CLUSTER, DEFAULTS, FLUX, OUTPUT, read_clusters, read_settings
from .sources import PATH as SOURCES
from .sources import read_sources

T = TypeVar("T")
TOP_KEYS = (
    FLUX.path,
    OUTPUT.path,
    DEFAULTS.path,
    CLUSTER.path,
    SOURCES,
    HELM_RELEASE.path,
    KUSTOMIZATION.path,
)


def load_config(path: Path, runner: Runner | None = None) -> Config:
    """Load and validate config/flux.yaml; InputError (exit 4) lists every problem at once.

    `runner` runs `git` when output.repoPath is left out (a plain Runner: never a dry-run
    one, the config must be read for real)."""
    # Loading allocates a dozen objects per config line (YAML nodes, marks) that all stay
    # alive until the Config is built, and hold no reference cycles; the cyclic GC would
    # rescan them over and over (half the load time of a 6,000-object config).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return load(path, runner)
    finally:
        if was_enabled:
            gc.enable()


def load(path: Path, runner: Runner | None = None) -> Config:
    """Read, validate and build the config at `path` (InputError lists every problem)."""
    shown = shown_config(path)
    if path.is_dir():
        raise InputError(f"{shown}: is a directory, not a config file")
    if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
        raise InputError(f"{shown}: is not a regular file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file (set flux.config or INVOKE_FLUX_CONFIG)") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"{shown}:{line}:{col}: (file): not valid UTF-8") from None
    return load_text(text, path, runner)


def load_text(text: str, path: Path, runner: Runner | None = None) -> Config:
    """Validate `text` as if it were the config file at `path` (which need not exist yet):
    `flux.import` checks what it would write before writing it."""
    reader = Reader(shown_config(path), config_root(path))
    try:
        check_characters(text)
        root = compose(text)
    except YamlSourceError as exc:
        raise InputError(
            f"{reader.shown}:{exc.line}:{exc.col}: (file): {one_line(exc.message)}"
        ) from None
    config = _build(reader, root, path.resolve(), runner or Runner())
    if reader.problems or config is None:
        raise InputError(*reader.lines())
    return config


@dataclass
class _Settings:
    flux: dict[str, Any]
    output: dict[str, Any]
    defaults: Entry | None  # its kustomizationSource is read once the sources are


def _build(reader: Reader, root: Node | None, path: Path, runner: Runner) -> Config | None:
    if root is None:
        reader.problems.append(Problem(1, 1, "(root)", "the config is empty"))
        return None
    top = reader.mapping(root, "", TOP_KEYS, (FLUX.path,))
    if top is None:
        return None
    doc = Document(reader.root)
    settings = _read_settings(reader, doc, top, root, runner)
    sources = read_sources(reader, doc, top[SOURCES][1]) if SOURCES in top else []
    kustomizations: list[Entry] = []
    if KUSTOMIZATION.path in top:
        doc.defaults = replace(doc.defaults, ks_source=_default_source(settings.defaults, doc))
        kustomizations = _read_list(reader, doc, KUSTOMIZATION, top[KUSTOMIZATION.path][1])
    helm_releases: list[Entry] = []
    if HELM_RELEASE.path in top:
        helm_releases = _read_list(reader, doc, HELM_RELEASE, top[HELM_RELEASE.path][1])
    flux, output = settings.flux, settings.output
    _check_files(reader, flux["components_file"], [*sources, *kustomizations, *helm_releases])
    if reader.problems:
        return None
    return Config(
        path=path,
        root=reader.root,
        flux_version=flux["version"],
        components=tuple(flux["components"]),
        components_extra=tuple(flux["components_extra"]),
        components_file=flux["components_file"],
        resources_dir=doc.resources_dir,
        repo_path=doc.defaults.repo_path or "",
        header_path=reader.root / output["header"],
        marker=output["marker"],
        clusters=doc.clusters,
        sources=tuple(doc.sources),
        helm_releases=_built(HELM_RELEASE, helm_releases),
        kustomizations=_built(KUSTOMIZATION, kustomizations),
        warnings=tuple(reader.warnings),
    )


def _read_settings(
    reader: Reader, doc: Document, top: Keys, root: Node, runner: Runner
) -> _Settings:
    """flux, output, defaults and clusters, and what the document takes from them."""
    flux, _ = read_settings(reader, doc, FLUX, top.get(FLUX.path))
    doc.flux_version = flux["version"]
    output, output_entry = read_settings(reader, doc, OUTPUT, top.get(OUTPUT.path))
    default_header = output_entry is None or "header" not in output_entry.nodes
    if OUTPUT.path in top and default_header and not (reader.root / output["header"]).is_file():
        reader.error(
            top[OUTPUT.path][1], "output.header", f"header file {output['header']!r} does not exist"
        )
    defaults, defaults_entry = read_settings(
        reader, doc, DEFAULTS, top.get(DEFAULTS.path), only=("interval", "namespace")
    )
    if defaults_entry is not None and "kustomizationSource" in defaults_entry.nodes:
        reader.string(defaults_entry.nodes["kustomizationSource"], "defaults.kustomizationSource")
    if CLUSTER.path in top:
        doc.clusters = read_clusters(reader, doc, top[CLUSTER.path][1])
    doc.resources_rel = output["resources_dir"]
    doc.resources_dir = reader.root / doc.resources_rel
    if not doc.resources_dir.is_dir():
        reader.error(
            top[OUTPUT.path][1] if OUTPUT.path in top else root,
            "output.resourcesDir",
            f"folder {doc.resources_rel!r} does not exist",
        )
    repo_path = output["repo_path"] or _git_prefix(reader, runner, doc.resources_dir, top)
    doc.defaults = Defaults(defaults["namespace"], defaults["interval"], None, repo_path)
    return _Settings(flux, output, defaults_entry)


def _read_list(reader: Reader, doc: Document, section: Section[Any], node: Node) -> list[Entry]:
    """The entries of a Kustomization or HelmRelease list; a bare name among their
    dependencies may name any entry of the same list."""
    items = reader.items(node, section.path)
    doc.declared[section.kind] = declared_names(section, items, doc.defaults)
    return read_list(reader, doc, section, items)


def _git_prefix(reader: Reader, runner: Runner, resources_dir: Path, top: Keys) -> str:
    """Where resourcesDir sits inside its Git repository, when output.repoPath is absent."""
    try:
        done = runner.run(["git", "-C", str(resources_dir), "rev-parse", "--show-prefix"])
    except (FluxTasksError, OSError):  # not a repository, no folder, or no git at all
        reader.error(
            top[OUTPUT.path][1] if OUTPUT.path in top else None,
            "output.repoPath",
            "not set, and resourcesDir is not inside a Git repository to derive it from",
        )
        return ""
    return done.stdout.strip().strip("/")


def _default_source(entry: Entry | None, doc: Document) -> ObjectRef | None:
    """defaults.kustomizationSource, else the only GitRepository declared."""
    if entry is not None and "kustomizationSource" in entry.nodes:
        value: ObjectRef | None = read_fields(entry, ("kustomizationSource",)).values[
            "kustomization_source"
        ]
        return value
    git = [s for s in doc.sources if s.kind == "GitRepository"]
    return ObjectRef("GitRepository", git[0].name, git[0].namespace) if len(git) == 1 else None


def _built(section: Section[T], entries: list[Entry]) -> tuple[T, ...]:
    return tuple(obj for obj in (build(section, e) for e in entries) if obj is not None)


def _check_files(reader: Reader, components_file: str, entries: list[Entry]) -> None:
    """Duplicate objects and output files, among the entries whose name, namespace and
    file are known (whatever else is wrong with them): generated files may not collide."""
    objects: set[tuple[str, str, str]] = set()
    files: dict[str, str] = {components_file: "flux.componentsFile"}
    for entry in entries:
        identity = _identity(entry)
        if identity is None:
            continue
        kind, namespace, name, file = identity
        where = entry.path
        node = reader.item_nodes.get(where)
        if (kind, namespace, name) in objects:
            reader.error(node, where, f"duplicate {kind} {namespace}/{name}")
        objects.add((kind, namespace, name))
        if file in files:
            reader.error(
                node, f"{where}.file", f"output file {file!r} is also written by {files[file]}"
            )
        else:
            files[file] = where


def _identity(entry: Entry) -> tuple[str, str, str, str] | None:
    """(kind, namespace, name, file) of an entry, when all three were read."""
    namespace, name, file = (entry.values.get(k) for k in ("namespace", "name", "file"))
    if {"namespace", "name", "file"} & entry.failed:
        return None
    if isinstance(namespace, str) and isinstance(name, str) and isinstance(file, str):
        return entry.section.kind, namespace, name, file
    return None
