"""Validate config/flux.yaml (schema v1) and build the typed `Config`.

Every problem is collected with its line:col and dotted path, so one run reports all of
them (`config/flux.yaml:12:5: sources[1].url: ...`); nothing is built unless there are none.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .._text import CONTROL_CHARS, did_you_mean, join_path, one_line
from ..config.model import (
    Cluster,
    ClusterValues,
    Config,
    Dependency,
    HelmRelease,
    Kustomization,
    ObjectRef,
    Source,
)
from ..durations import normalize_duration
from ..errors import InputError
from ..flux import (
    DEFAULT_COMPONENTS,
    DEFAULT_NAMESPACE,
    HR_SOURCE_KINDS,
    KINDS,
    KNOWN_COMPONENTS,
    KS_SOURCE_KINDS,
    NAME_RE,
    SOURCE_KINDS,
    SUBDOMAIN_RE,
    extra_components,
    flux_minor,
    flux_path,
    supported_minor,
)
from ..generated import DEFAULT_MARKER
from ..tree import YAML_SUFFIXES, local_folder
from ..yamlio.helm_values import (
    HelmValuesError,
    merge_values,
    read_values_node,
    read_values_text,
)
from ..yamlio.source import (
    YamlSourceError,
    check_characters,
    compose,
    position,
    scalar,
)

HEALTH_CHECK_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "HelmRelease")
VALUES_FROM_KINDS = ("ConfigMap", "Secret")
CRDS_POLICIES = ("Skip", "Create", "CreateReplace")
OCI_PROVIDERS = ("generic", "aws", "azure", "gcp")
GIT_REFS = ("branch", "tag", "semver", "commit")
OCI_REFS = ("tag", "semver", "digest")

SOURCE_KEYS = {
    "GitRepository": {"kind", "name", "namespace", "url", "interval", "file", "secretRef", "ignore"}
    | set(GIT_REFS),
    "HelmRepository": {"kind", "name", "namespace", "url", "interval", "file", "secretRef"},
    "OCIRepository": {
        "kind",
        "name",
        "namespace",
        "url",
        "interval",
        "file",
        "secretRef",
        "provider",
    }
    | set(OCI_REFS),
}
ANY_SOURCE_KEYS = set().union(*SOURCE_KEYS.values())
HR_KEYS = {
    "name",
    "namespace",
    "chart",
    "source",
    "version",
    "interval",
    "releaseName",
    "targetNamespace",
    "dependsOn",
    "values",
    "valuesFiles",
    "valuesFrom",
    "crds",
    "clusterValues",
    "file",
}
KS_KEYS = {
    "name",
    "namespace",
    "path",
    "source",
    "interval",
    "prune",
    "dependsOn",
    "targetNamespace",
    "wait",
    "timeout",
    "healthChecks",
    "file",
}


@dataclass(frozen=True)
class Problem:
    line: int
    col: int
    path: str
    message: str


class _Missing:
    """Marks an absent key (distinct from an explicit null)."""


MISSING = _Missing()


def load(path: Path) -> Config:
    """Read, validate and build the config at `path` (InputError lists every problem)."""
    shown = _shown(path)
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
    return load_text(text, path)


def load_text(text: str, path: Path) -> Config:
    """Validate `text` as if it were the config file at `path` (which need not exist yet):
    `flux.import` checks what it would write before writing it."""
    shown = _shown(path)
    builder = _Builder(path.resolve(), shown)
    try:
        check_characters(text)
        root = compose(text)
    except YamlSourceError as exc:
        raise InputError(f"{shown}:{exc.line}:{exc.col}: (file): {one_line(exc.message)}") from None
    config = builder.build(root)
    if builder.problems or config is None:
        raise InputError(*builder.lines())
    return config


def _shown(path: Path) -> str:
    """The config path as errors print it: relative to the root (config/flux.yaml)."""
    resolved = path.resolve()
    if resolved.parent.name == "config":
        return f"config/{resolved.name}"
    return str(path)


class _Builder:
    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown
        self.root = path.parent.parent if path.parent.name == "config" else path.parent
        self.problems: list[Problem] = []
        self.item_nodes: dict[str, Node] = {}  # "sources[2]" -> its node, for later errors
        self.broken_sources: set[tuple[str, str]] = set()  # (kind, name) of sources with problems
        self.warnings: list[str] = []  # one line each, for the tasks to print

    # -- reporting ---------------------------------------------------------

    def error(self, node: Node | None, path: str, message: str) -> None:
        line, col = position(node) if node is not None else (1, 1)
        self.problems.append(Problem(line, col, path, message))

    def lines(self) -> list[str]:
        ordered = sorted(set(self.problems), key=lambda p: (p.line, p.col, p.path, p.message))
        return [one_line(f"{self.shown}:{p.line}:{p.col}: {p.path}: {p.message}") for p in ordered]

    # -- typed readers -----------------------------------------------------

    def mapping(
        self, node: Node, path: str, allowed: set[str], required: tuple[str, ...] = ()
    ) -> dict[str, tuple[Node, Node]] | None:
        """Keys of a mapping node; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, MappingNode):
            self.error(node, path or "(root)", f"must be a mapping, not {_kind_of(node)}")
            return None
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            where = join_path(path, str(key))
            if not isinstance(key, str):
                self.error(key_node, path or "(root)", "keys must be strings")
            elif key in out:
                self.error(key_node, where, "duplicate key")
            elif key not in allowed:
                self.error(key_node, where, "unknown key" + did_you_mean(key, allowed))
            else:
                out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.error(node, join_path(path, key), "required key is missing")
        return out

    def value(self, node: Node, path: str) -> Any:
        if not isinstance(node, ScalarNode):
            return MISSING if node is None else node
        try:
            return scalar(node)
        except YamlSourceError as exc:
            self.error(node, path, exc.message)
            return MISSING

    def string(self, node: Node, path: str, *, allow_empty: bool = False) -> str | None:
        value = self.value(node, path)
        if isinstance(value, str) and (value or allow_empty):
            return value
        if value == "":
            self.error(node, path, "must not be empty")
        elif value is not MISSING:
            hint = f'; quote it: "{node.value}"' if isinstance(node, ScalarNode) else ""
            self.error(node, path, f"must be a string, not {_kind_of(node, value)}{hint}")
        return None

    def boolean(self, node: Node, path: str) -> bool | None:
        value = self.value(node, path)
        if isinstance(value, bool):
            return value
        if value is not MISSING:
            self.error(node, path, f"must be true or false, not {_kind_of(node, value)}")
        return None

    def duration(self, node: Node, path: str) -> str | None:
        text = self.string(node, path)
        if text is None:
            return None
        try:
            return normalize_duration(text)
        except ValueError:
            self.error(node, path, f"invalid duration {text!r}: use Go form like 30s, 5m, 1h30m")
            return None

    def name(self, node: Node, path: str) -> str | None:
        text = self.string(node, path)
        if text is None:
            return None
        if not NAME_RE.match(text):
            self.error(
                node,
                path,
                f"name {text!r} is invalid, it should adhere to standard defined in RFC 1123: "
                "2-63 lower-case alphanumeric characters or '-', starting and ending alphanumeric",
            )
            return None
        return text

    def strings(self, node: Node, path: str, each: Callable[[Node, str], Any]) -> list[Any]:
        if not isinstance(node, SequenceNode):
            self.error(node, path, f"must be a list, not {_kind_of(node)}")
            return []
        return [each(item, f"{path}[{i}]") for i, item in enumerate(node.value)]

    def relative_file(self, node: Node, path: str, *, under: str) -> str | None:
        """A forward-slash path that stays inside its base folder (no absolute, no `..`)."""
        text = self.string(node, path)
        if text is None:
            return None
        if text.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", text):
            self.error(node, path, f"{text!r} must be a path relative to {under}, not absolute")
            return None
        normal = posixpath.normpath(text.replace("\\", "/"))
        if normal == ".." or normal.startswith("../") or normal == ".":
            self.error(node, path, f"{text!r} lies outside {under}")
            return None
        if CONTROL_CHARS.search(text):
            self.error(node, path, f"{text!r} contains a control character")
            return None
        return normal

    # -- the document ------------------------------------------------------

    def build(self, root: Node | None) -> Config | None:
        if root is None:
            self.problems.append(Problem(1, 1, "(root)", "the config is empty"))
            return None
        top = self.mapping(
            root,
            "",
            {"flux", "output", "defaults", "clusters", "sources", "helmReleases", "kustomizations"},
            ("flux",),
        )
        if top is None:
            return None
        flux = self.flux_section(top.get("flux"))
        output = self.output_section(top.get("output"))
        defaults = self.defaults_section(top.get("defaults"))
        clusters = self.clusters_section(top.get("clusters"))
        resources_dir = self.root / output["resourcesDir"]
        if not resources_dir.is_dir():
            node = top["output"][1] if "output" in top else root
            self.error(
                node, "output.resourcesDir", f"folder {output['resourcesDir']!r} does not exist"
            )
        repo_path = output["repoPath"] or self.git_prefix(resources_dir, top)
        sources = self.sources_section(top.get("sources"), defaults)
        ctx = _Context(self, flux, output, defaults, clusters, sources, resources_dir, repo_path)
        kustomizations = ctx.kustomizations(top.get("kustomizations"))
        helm_releases = ctx.helm_releases(top.get("helmReleases"))
        ctx.check_files(sources, kustomizations, helm_releases)
        if self.problems:
            return None
        return Config(
            path=self.path,
            root=self.root,
            flux_version=flux["version"],
            components=tuple(flux["components"]),
            components_extra=tuple(flux["componentsExtra"]),
            components_file=flux["componentsFile"],
            resources_dir=resources_dir,
            repo_path=repo_path,
            header_path=self.root / output["header"],
            marker=output["marker"],
            clusters=clusters,
            sources=tuple(sources),
            helm_releases=tuple(helm_releases),
            kustomizations=tuple(kustomizations),
            warnings=tuple(self.warnings),
        )

    def flux_section(self, entry: tuple[Node, Node] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": "v2.3.0",
            "components": list(DEFAULT_COMPONENTS),
            "componentsExtra": [],
            "componentsFile": "flux/gotk-components.yaml",
        }
        if entry is None:
            return out
        keys = self.mapping(
            entry[1],
            "flux",
            {"version", "components", "componentsExtra", "componentsFile"},
            ("version",),
        )
        if keys is None:
            return out
        if "version" in keys:
            node = keys["version"][1]
            version = self.string(node, "flux.version")
            if version is not None and supported_minor(version) is None:
                self.error(
                    node, "flux.version", f"{version!r} is not a Flux release from v2.0.0 to v2.9.x"
                )
            elif version is not None:
                out["version"] = version
        extras_known = extra_components(flux_minor(out["version"]))
        for key, known in (("components", KNOWN_COMPONENTS), ("componentsExtra", extras_known)):
            if key in keys:
                names = self.strings(keys[key][1], f"flux.{key}", self.string)
                for i, name in enumerate(names):
                    if name is not None and name not in known:
                        self.error(
                            keys[key][1].value[i],
                            f"flux.{key}[{i}]",
                            f"component {name} is not available" + did_you_mean(name, set(known)),
                        )
                out[key] = [n for n in names if n]
        if "componentsFile" in keys:
            out["componentsFile"] = (
                self.relative_file(
                    keys["componentsFile"][1], "flux.componentsFile", under="output.resourcesDir"
                )
                or out["componentsFile"]
            )
        return out

    def output_section(self, entry: tuple[Node, Node] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resourcesDir": "resources",
            "repoPath": None,
            "header": "config/boilerplate.txt",
            "marker": DEFAULT_MARKER,
        }
        if entry is None:
            return out
        keys = self.mapping(entry[1], "output", {"resourcesDir", "repoPath", "header", "marker"})
        for key, (_, node) in (keys or {}).items():
            where = f"output.{key}"
            if key == "resourcesDir":
                out[key] = self.relative_file(node, where, under="the root") or out[key]
            elif key == "header":
                header = self.relative_file(node, where, under="the root")
                if header is not None and not (self.root / header).is_file():
                    self.error(node, where, f"header file {header!r} does not exist")
                out[key] = header or out[key]
            elif key == "repoPath":
                text = self.string(node, where)
                if text is not None:
                    repo = text.strip().strip("/")
                    if repo.startswith("./"):
                        repo = repo[2:]
                    if ".." in repo.split("/"):
                        self.error(node, where, f"{text!r} must not contain '..'")
                    out[key] = repo
            elif key == "marker":
                marker = self.string(node, where)
                if marker is not None and "\n" in marker:
                    self.error(node, where, "must be a single line")
                elif marker is not None and not marker.isprintable():
                    self.error(node, where, "must be printable text (no control characters)")
                elif marker is not None and marker != marker.strip():
                    # generated files are recognised by their stripped marker line
                    self.error(node, where, "must not start or end with a space")
                out[key] = marker or out[key]
        if not (self.root / out["header"]).is_file() and "header" not in (keys or {}):
            self.error(entry[1], "output.header", f"header file {out['header']!r} does not exist")
        return out

    def defaults_section(self, entry: tuple[Node, Node] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "interval": "1m0s",
            "namespace": DEFAULT_NAMESPACE,
            "kustomizationSource": None,
        }
        if entry is None:
            return out
        keys = self.mapping(entry[1], "defaults", {"interval", "namespace", "kustomizationSource"})
        for key, (_, node) in (keys or {}).items():
            where = f"defaults.{key}"
            if key == "interval":
                out[key] = self.duration(node, where) or out[key]
            elif key == "namespace":
                out[key] = self.name(node, where) or out[key]
            else:
                out[key] = (node, self.string(node, where))
        return out

    def clusters_section(self, entry: tuple[Node, Node] | None) -> dict[str, Cluster]:
        if entry is None:
            return {}
        node = entry[1]
        if not isinstance(node, MappingNode):
            self.error(
                node,
                "clusters",
                f"must be a mapping of cluster name to {{context: ...}}, not {_kind_of(node)}",
            )
            return {}
        clusters: dict[str, Cluster] = {}
        for key_node, value_node in node.value:
            name = self.name(key_node, "clusters")
            if name is None:
                continue
            where = f"clusters.{name}"
            if name in clusters:
                self.error(key_node, where, "duplicate key")
                continue
            keys = self.mapping(value_node, where, {"context"}, ("context",))
            if keys and "context" in keys:
                context = self.string(keys["context"][1], f"{where}.context")
                if context is not None:
                    clusters[name] = Cluster(name, context)
        return clusters

    def git_prefix(self, resources_dir: Path, top: dict[str, tuple[Node, Node]]) -> str:
        """Where resourcesDir sits inside its Git repository, when output.repoPath is absent."""
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--show-prefix"],
                cwd=resources_dir,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            done = None
        if done is None or done.returncode != 0:
            node = top["output"][1] if "output" in top else None
            self.error(
                node,
                "output.repoPath",
                "not set, and resourcesDir is not inside a Git repository to derive it from",
            )
            return ""
        return done.stdout.strip().strip("/")

    def sources_section(
        self, entry: tuple[Node, Node] | None, defaults: dict[str, Any]
    ) -> list[Source]:
        if entry is None:
            return []
        out: list[Source] = []
        for i, node in enumerate(_items(self, entry[1], "sources")):
            before = len(self.problems)
            source = self.source(node, f"sources[{i}]", defaults)
            if source is not None and len(self.problems) == before:
                out.append(source)
            else:
                self.broken_sources.add(_raw_kind_name(node))
        return out

    def source(self, node: Node, path: str, defaults: dict[str, Any]) -> Source | None:
        kind_keys = self.mapping(node, path, ANY_SOURCE_KEYS | {"kind"}, ("kind", "name", "url"))
        if kind_keys is None or "kind" not in kind_keys:
            return None
        kind_node = kind_keys["kind"][1]
        kind = self.string(kind_node, f"{path}.kind")
        if kind not in SOURCE_KINDS:
            if kind is not None:
                self.error(
                    kind_node,
                    f"{path}.kind",
                    f"{kind!r} is not one of {', '.join(SOURCE_KINDS)}"
                    + did_you_mean(kind, set(SOURCE_KINDS)),
                )
            return None
        allowed = SOURCE_KEYS[kind]
        for key, (key_node, _) in kind_keys.items():
            if key not in allowed:
                self.error(
                    key_node, f"{path}.{key}", f"not a {kind} field" + did_you_mean(key, allowed)
                )
        get = {k: v[1] for k, v in kind_keys.items() if k in allowed}
        name = self.name(get["name"], f"{path}.name") if "name" in get else None
        namespace = (
            self.name(get["namespace"], f"{path}.namespace")
            if "namespace" in get
            else defaults["namespace"]
        )
        interval = (
            self.duration(get["interval"], f"{path}.interval")
            if "interval" in get
            else defaults["interval"]
        )
        url = self.url(get.get("url"), f"{path}.url", kind)
        refs = GIT_REFS if kind == "GitRepository" else OCI_REFS if kind == "OCIRepository" else ()
        ref_values = {r: self.string(get[r], f"{path}.{r}") for r in refs if r in get}
        if refs and len(ref_values) != 1:
            self.error(
                node,
                path,
                f"{kind} needs exactly one of {', '.join(refs)}"
                + (f", not {len(ref_values)}" if ref_values else ""),
            )
        secret = self.secret_name(get.get("secretRef"), f"{path}.secretRef")
        ignore = self.string(get["ignore"], f"{path}.ignore") if "ignore" in get else None
        provider = "generic" if kind == "OCIRepository" else None
        if "provider" in get:
            provider = self.string(get["provider"], f"{path}.provider")
            if provider is not None and provider not in OCI_PROVIDERS:
                self.error(
                    get["provider"],
                    f"{path}.provider",
                    f"must be one of {', '.join(OCI_PROVIDERS)}",
                )
        file = self.file_key(get.get("file"), f"{path}.file", kind)
        if file is None and name is not None:
            file = f"{DEFAULT_NAMESPACE}/{KINDS[kind].file_name(name)}"
        if None in (name, namespace, interval, url, file):
            return None
        return Source(
            kind=kind,
            name=name,  # type: ignore[arg-type]
            namespace=namespace,  # type: ignore[arg-type]
            url=url,  # type: ignore[arg-type]
            interval=interval,  # type: ignore[arg-type]
            file=file,  # type: ignore[arg-type]
            secret_ref=secret,
            ignore=ignore,
            provider=provider,
            **{k: v for k, v in ref_values.items()},
        )

    def url(self, node: Node | None, path: str, kind: str) -> str | None:
        if node is None:
            return None
        text = self.string(node, path)
        if text is None:
            return None
        schemes = {
            "GitRepository": ("http", "https", "ssh"),
            "HelmRepository": ("http", "https", "oci"),
            "OCIRepository": ("oci",),
        }[kind]
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in schemes
            or not parts.netloc
            or any(c.isspace() for c in text)
        ):
            self.error(
                node,
                path,
                f"{text!r} is not a valid {kind} URL: the scheme must be {' or '.join(schemes)} and a host is required",
            )
            return None
        return text

    def secret_name(self, node: Node | None, path: str) -> str | None:
        if node is None:
            return None
        text = self.string(node, path)
        if text is not None and not SUBDOMAIN_RE.match(text):
            self.error(node, path, f"{text!r} is not a valid Secret name (RFC 1123 subdomain)")
            return None
        return text

    def file_key(self, node: Node | None, path: str, kind: str) -> str | None:
        """An explicit `file:` relative to resourcesDir whose name keeps the prefix convention."""
        if node is None:
            return None
        file = self.relative_file(node, path, under="output.resourcesDir")
        if file is None:
            return None
        base = posixpath.basename(file)
        prefix = KINDS[kind].files.prefix
        if not base.startswith(prefix) or not base.endswith(YAML_SUFFIXES):
            self.error(
                node, path, f"file name {base!r} must start with {prefix!r} and end with .yaml"
            )
            return None
        return file


class _Context:
    """Validation that needs the whole document: references, folders, files."""

    def __init__(
        self,
        b: _Builder,
        flux: dict[str, Any],
        output: dict[str, Any],
        defaults: dict[str, Any],
        clusters: dict[str, Cluster],
        sources: list[Source],
        resources_dir: Path,
        repo_path: str,
    ) -> None:
        self.b = b
        self.flux = flux
        self.output = output
        self.defaults = defaults
        self.clusters = clusters
        self.sources = sources
        self.resources_dir = resources_dir
        self.repo_path = repo_path

    # -- references --------------------------------------------------------

    def source_ref(
        self, node: Node, path: str, kinds: tuple[str, ...], default_kind: str | None
    ) -> ObjectRef | None:
        text = self.b.string(node, path)
        if text is None:
            return None
        kind_part, slash, rest = text.partition("/")
        if not slash:
            if default_kind is None:
                self.b.error(
                    node,
                    path,
                    f"{text!r} needs a kind: Kind/name[.namespace] with Kind one of {', '.join(kinds)}",
                )
                return None
            if text.lower() in {k.lower() for k in kinds}:
                self.b.error(node, path, f"{text!r} names a kind but no object: use {text}/NAME")
                return None
            kind_part, rest = default_kind, text
        canonical = {k.lower(): k for k in kinds}.get(kind_part.lower())
        if canonical is None:
            self.b.error(node, path, f"source kind {kind_part!r} is not one of {', '.join(kinds)}")
            return None
        name, dot, namespace = rest.rpartition(".")
        if not dot:
            name, namespace = rest, ""
        if not NAME_RE.match(name) or (dot and not NAME_RE.match(namespace)):
            self.b.error(node, path, f"{text!r} is not Kind/name[.namespace] with RFC 1123 names")
            return None
        declared = [
            s
            for s in self.sources
            if s.kind == canonical and s.name == name and (not dot or s.namespace == namespace)
        ]
        if declared:
            return ObjectRef(canonical, name, declared[0].namespace)
        if not dot:
            if (canonical, name) in self.b.broken_sources:
                return None  # that source's own problem is already reported
            self.b.error(
                node,
                path,
                f"{canonical}/{name} is not declared in sources; declare it, or write "
                f"{canonical}/{name}.NAMESPACE for a source managed elsewhere",
            )
            return None
        return ObjectRef(canonical, name, namespace)

    def depends_on(
        self, node: Node, path: str, namespace: str, declared: set[tuple[str, str]], kind: str
    ) -> tuple[Dependency, ...]:
        out: list[Dependency] = []
        for i, item in enumerate(_items(self.b, node, path)):
            where = f"{path}[{i}]"
            text = self.b.string(item, where)
            if text is None:
                continue
            ns, slash, name = text.rpartition("/")
            name = name.split("@", 1)[0]  # flux accepts and drops a @readyExpr suffix
            if not NAME_RE.match(name) or (slash and not NAME_RE.match(ns)):
                self.b.error(
                    item, where, f"{text!r} must be NAME or NAMESPACE/NAME with RFC 1123 names"
                )
                continue
            if not slash and (namespace, name) not in declared:
                self.b.error(
                    item,
                    where,
                    f"no {kind} named {name!r} is declared in namespace {namespace}; "
                    f"write NAMESPACE/{name} for one managed elsewhere",
                )
                continue
            out.append(Dependency(name, ns if slash else None))
        return tuple(out)

    # -- kustomizations ----------------------------------------------------

    def default_ks_source(self) -> tuple[Node | None, ObjectRef | None]:
        configured = self.defaults["kustomizationSource"]
        if configured is not None:
            node, text = configured
            if text is None:
                return node, None
            return node, self.source_ref(
                node, "defaults.kustomizationSource", KS_SOURCE_KINDS, "GitRepository"
            )
        git = [s for s in self.sources if s.kind == "GitRepository"]
        if len(git) == 1:
            return None, ObjectRef("GitRepository", git[0].name, git[0].namespace)
        return None, None

    def kustomizations(self, entry: tuple[Node, Node] | None) -> list[Kustomization]:
        if entry is None:
            return []
        items = _items(self.b, entry[1], "kustomizations")
        declared: set[tuple[str, str]] = set()
        for item in items:
            if isinstance(item, ScalarNode):
                declared.add((self.defaults["namespace"], str(item.value)))
            elif isinstance(item, MappingNode):
                keys = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
                ns = keys.get("namespace")
                declared.add(
                    (
                        str(ns.value) if isinstance(ns, ScalarNode) else self.defaults["namespace"],
                        str(keys["name"].value) if isinstance(keys.get("name"), ScalarNode) else "",
                    )
                )
        _, default_source = self.default_ks_source()
        out: list[Kustomization] = []
        for i, item in enumerate(items):
            ks = self.kustomization(item, f"kustomizations[{i}]", declared, default_source)
            if ks is not None:
                out.append(ks)
        return out

    def kustomization(
        self,
        node: Node,
        path: str,
        declared: set[tuple[str, str]],
        default_source: ObjectRef | None,
    ) -> Kustomization | None:
        b = self.b
        if isinstance(node, ScalarNode):
            get: dict[str, Node] = {"name": node}
            name_path = path
        else:
            keys = b.mapping(node, path, KS_KEYS, ("name",))
            if keys is None:
                return None
            get = {k: v[1] for k, v in keys.items()}
            name_path = f"{path}.name"
        if "name" not in get:
            return None
        name = b.name(get["name"], name_path)
        namespace = (
            b.name(get["namespace"], f"{path}.namespace")
            if "namespace" in get
            else self.defaults["namespace"]
        )
        if name is None or namespace is None:
            return None
        if "path" in get:
            raw = b.string(get["path"], f"{path}.path", allow_empty=True)
            if raw is None:
                return None
            rendered = flux_path(raw)
            local = local_folder(rendered, self.repo_path)
            path_node: Node = get["path"]
        else:
            rendered = flux_path(f"{self.repo_path}/{name}")
            local = name
            path_node = get["name"]
        if local is not None and not (self.resources_dir / local).is_dir():
            where = f"{path}.path" if "path" in get else name_path
            b.error(
                path_node,
                where,
                f"folder {posixpath.join(self.output['resourcesDir'], local)!r} does not exist; create it or set path",
            )
        if "source" in get:
            source = self.source_ref(
                get["source"], f"{path}.source", KS_SOURCE_KINDS, "GitRepository"
            )
        elif default_source is None and self.b.broken_sources:
            source = None  # the broken source is reported; a default may come back with it
        elif default_source is None:
            b.error(
                get["name"],
                f"{path}.source",
                "no source given and no default: set defaults.kustomizationSource or declare exactly one GitRepository",
            )
            source = None
        else:
            source = default_source
        interval = (
            b.duration(get["interval"], f"{path}.interval")
            if "interval" in get
            else self.defaults["interval"]
        )
        prune = b.boolean(get["prune"], f"{path}.prune") if "prune" in get else True
        wait = b.boolean(get["wait"], f"{path}.wait") if "wait" in get else False
        timeout = b.duration(get["timeout"], f"{path}.timeout") if "timeout" in get else None
        target = (
            b.name(get["targetNamespace"], f"{path}.targetNamespace")
            if "targetNamespace" in get
            else None
        )
        deps = (
            self.depends_on(
                get["dependsOn"], f"{path}.dependsOn", namespace, declared, "Kustomization"
            )
            if "dependsOn" in get
            else ()
        )
        checks: list[ObjectRef] = []
        if "healthChecks" in get:
            for i, item in enumerate(_items(b, get["healthChecks"], f"{path}.healthChecks")):
                check = self.health_check(item, f"{path}.healthChecks[{i}]")
                if check is not None:
                    checks.append(check)
            if wait:
                b.error(
                    get["healthChecks"],
                    f"{path}.healthChecks",
                    "Flux ignores healthChecks when wait is true (wait checks every object); drop one of them",
                )
        if (wait or checks) and timeout is None:
            timeout = "2m0s"  # flux's --health-check-timeout default
        file = (
            b.file_key(get.get("file"), f"{path}.file", "Kustomization")
            if "file" in get
            else f"{DEFAULT_NAMESPACE}/{KINDS['Kustomization'].file_name(name)}"
        )
        if None in (source, interval, prune, wait, file) or ("timeout" in get and timeout is None):
            return None
        return Kustomization(
            name=name,
            namespace=namespace,
            path=rendered,
            source=source,  # type: ignore[arg-type]
            interval=interval,  # type: ignore[arg-type]
            file=file,  # type: ignore[arg-type]
            prune=prune,  # type: ignore[arg-type]
            local_dir=local,
            depends_on=deps,
            target_namespace=target,
            wait=wait,  # type: ignore[arg-type]
            timeout=timeout,
            health_checks=tuple(checks),
        )

    def health_check(self, node: Node, path: str) -> ObjectRef | None:
        text = self.b.string(node, path)
        if text is None:
            return None
        kind, slash, rest = text.partition("/")
        name, dot, namespace = rest.rpartition(".")
        if (
            not slash
            or not dot
            or kind not in HEALTH_CHECK_KINDS
            or not NAME_RE.match(namespace)
            or not SUBDOMAIN_RE.match(name)
        ):
            self.b.error(
                node,
                path,
                f"{text!r} must be Kind/name.namespace with Kind one of {', '.join(HEALTH_CHECK_KINDS)}",
            )
            return None
        return ObjectRef(kind, name, namespace)

    # -- helm releases -----------------------------------------------------

    def helm_releases(self, entry: tuple[Node, Node] | None) -> list[HelmRelease]:
        if entry is None:
            return []
        items = _items(self.b, entry[1], "helmReleases")
        declared: set[tuple[str, str]] = set()
        for item in items:
            if isinstance(item, MappingNode):
                keys = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
                if isinstance(keys.get("name"), ScalarNode) and isinstance(
                    keys.get("namespace"), ScalarNode
                ):
                    declared.add((str(keys["namespace"].value), str(keys["name"].value)))
        out: list[HelmRelease] = []
        for i, item in enumerate(items):
            hr = self.helm_release(item, f"helmReleases[{i}]", declared)
            if hr is not None:
                out.append(hr)
        return out

    def helm_release(
        self, node: Node, path: str, declared: set[tuple[str, str]]
    ) -> HelmRelease | None:
        b = self.b
        keys = b.mapping(node, path, HR_KEYS, ("name", "namespace", "chart", "source"))
        if keys is None:
            return None
        get = {k: v[1] for k, v in keys.items()}
        name = b.name(get["name"], f"{path}.name") if "name" in get else None
        namespace = b.name(get["namespace"], f"{path}.namespace") if "namespace" in get else None
        chart = b.string(get["chart"], f"{path}.chart") if "chart" in get else None
        source = (
            self.source_ref(get["source"], f"{path}.source", HR_SOURCE_KINDS, None)
            if "source" in get
            else None
        )
        version = b.string(get["version"], f"{path}.version") if "version" in get else None
        interval = (
            b.duration(get["interval"], f"{path}.interval")
            if "interval" in get
            else self.defaults["interval"]
        )
        release_name = (
            b.string(get["releaseName"], f"{path}.releaseName") if "releaseName" in get else None
        )
        if release_name is not None and not (
            NAME_RE.match(release_name) and len(release_name) <= 53
        ):
            b.error(
                get["releaseName"],
                f"{path}.releaseName",
                f"{release_name!r} is not a valid Helm release name (RFC 1123, at most 53 characters)",
            )
        target = (
            b.name(get["targetNamespace"], f"{path}.targetNamespace")
            if "targetNamespace" in get
            else None
        )
        deps = (
            self.depends_on(
                get["dependsOn"], f"{path}.dependsOn", namespace or "", declared, "HelmRelease"
            )
            if "dependsOn" in get
            else ()
        )
        values = self.values(get, path)
        # `flux create hr --values F` writes spec.values whenever one file is given, even {}.
        files = get.get("valuesFiles")
        values_given = "values" in get or (isinstance(files, SequenceNode) and bool(files.value))
        values_from = self.values_from(get.get("valuesFrom"), f"{path}.valuesFrom")
        crds = None
        if "crds" in get:
            crds = b.string(get["crds"], f"{path}.crds")
            if crds is not None and crds not in CRDS_POLICIES:
                b.error(
                    get["crds"],
                    f"{path}.crds",
                    f"{crds!r} is not one of {', '.join(CRDS_POLICIES)}",
                )
        cluster_values = self.cluster_values(get.get("clusterValues"), f"{path}.clusterValues")
        if cluster_values is not None:
            extra = ObjectRef("ConfigMap", cluster_values.config_map)
            if extra not in values_from:
                values_from = (*values_from, extra)
        file = (
            b.file_key(get.get("file"), f"{path}.file", "HelmRelease")
            if "file" in get
            else (
                f"{namespace}/{KINDS['HelmRelease'].file_name(name)}"
                if namespace and name
                else None
            )
        )
        if None in (name, namespace, chart, source, interval, file, values):
            return None
        return HelmRelease(
            name=name,  # type: ignore[arg-type]
            namespace=namespace,  # type: ignore[arg-type]
            chart=chart,  # type: ignore[arg-type]
            source=source,  # type: ignore[arg-type]
            interval=interval,  # type: ignore[arg-type]
            file=file,  # type: ignore[arg-type]
            version=version,
            release_name=release_name,
            target_namespace=target,
            depends_on=deps,
            values=values if values_given else None,
            values_from=values_from,
            crds=crds,
            cluster_values=cluster_values,
        )

    def values(self, get: dict[str, Node], path: str) -> dict[str, Any] | None:
        """valuesFiles merged in order, inline values last (like one more values file),
        each read as `flux create hr --values` reads it (yaml.v2 rules, a JSON round trip)."""
        merged: dict[str, Any] = {}
        ok = True
        if "valuesFiles" in get:
            for i, item in enumerate(_items(self.b, get["valuesFiles"], f"{path}.valuesFiles")):
                where = f"{path}.valuesFiles[{i}]"
                rel = self.b.relative_file(item, where, under="the root")
                if rel is None:
                    ok = False
                    continue
                data = self.read_values_file(item, where, rel)
                if data is None:
                    ok = False
                else:
                    merged = merge_values(merged, data)
        if "values" in get:
            node = get["values"]
            if not isinstance(node, MappingNode):
                self.b.error(node, f"{path}.values", f"must be a mapping, not {_kind_of(node)}")
                return None
            try:
                inline = read_values_node(node)
            except HelmValuesError as exc:
                self.b.problems.append(
                    Problem(exc.line, exc.col, f"{path}.values{exc.path}", exc.message)
                )
                return None
            for w in inline.warnings:
                self.b.warnings.append(
                    one_line(
                        f"warning: {self.b.shown}:{w.line}:{w.col}: {path}.values{w.path}: {w.message}"
                    )
                )
            merged = merge_values(merged, inline.data)
        return merged if ok else None

    def read_values_file(self, node: Node, where: str, rel: str) -> dict[str, Any] | None:
        file = self.b.root / rel
        try:
            text = file.read_text(encoding="utf-8")
            check_characters(text)
            values = read_values_text(text)
        except FileNotFoundError:
            self.b.error(node, where, f"values file {rel!r} does not exist")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.b.error(node, where, f"cannot read values file {rel!r}: {reason}")
            return None
        except YamlSourceError as exc:
            inside = f"{exc.path[1:]}: " if isinstance(exc, HelmValuesError) and exc.path else ""
            self.b.error(node, where, f"{rel}:{exc.line}:{exc.col}: {inside}{exc.message}")
            return None
        for w in values.warnings:
            inside = f"{w.path[1:]}: " if w.path else ""
            self.b.warnings.append(
                one_line(f"warning: {rel}:{w.line}:{w.col}: {inside}{w.message} ({where})")
            )
        return values.data

    def values_from(self, node: Node | None, path: str) -> tuple[ObjectRef, ...]:
        if node is None:
            return ()
        out: list[ObjectRef] = []
        for i, item in enumerate(_items(self.b, node, path)):
            where = f"{path}[{i}]"
            text = self.b.string(item, where)
            if text is None:
                continue
            kind, slash, name = text.partition("/")
            canonical = {k.lower(): k for k in VALUES_FROM_KINDS}.get(kind.lower())
            if not slash or canonical is None or not SUBDOMAIN_RE.match(name):
                self.b.error(item, where, f"{text!r} must be ConfigMap/NAME or Secret/NAME")
                continue
            ref = ObjectRef(canonical, name)
            if ref in out:
                self.b.error(item, where, f"{text!r} is listed twice")
                continue
            out.append(ref)
        return tuple(out)

    def cluster_values(self, node: Node | None, path: str) -> ClusterValues | None:
        if node is None:
            return None
        b = self.b
        keys = b.mapping(node, path, {"configMap", "file"}, ("configMap", "file"))
        if not keys or "configMap" not in keys or "file" not in keys:
            return None
        cm_node, file_node = keys["configMap"][1], keys["file"][1]
        config_map = b.string(cm_node, f"{path}.configMap")
        if config_map is not None and not SUBDOMAIN_RE.match(config_map):
            b.error(cm_node, f"{path}.configMap", f"{config_map!r} is not a valid ConfigMap name")
            config_map = None
        file = b.relative_file(file_node, f"{path}.file", under="the root")
        if file is None or config_map is None:
            return None
        resources = posixpath.normpath(self.output["resourcesDir"])
        if file == resources or file.startswith(resources + "/"):
            b.error(
                file_node,
                f"{path}.file",
                f"{file!r} lies inside {resources}/: Flux would apply it as a manifest; move it (e.g. to config/values/)",
            )
            return None
        values = ClusterValues(config_map, file)
        names = sorted(self.clusters) or []
        if "{cluster}" in file and not names:
            b.error(file_node, f"{path}.file", "uses {cluster} but no clusters are declared")
        for cluster in names or [""]:
            rel = values.file_for(cluster)
            if not (b.root / rel).is_file():
                b.error(
                    file_node,
                    f"{path}.file",
                    f"values file {rel!r} for cluster {cluster} does not exist"
                    if cluster
                    else f"values file {rel!r} does not exist",
                )
            elif self.read_values_file(file_node, f"{path}.file", rel) is None:
                pass
        return values

    # -- files -------------------------------------------------------------

    def check_files(
        self,
        sources: list[Source],
        kustomizations: list[Kustomization],
        helm_releases: list[HelmRelease],
    ) -> None:
        """Duplicate objects and output files; generated files may not collide."""
        objects: dict[tuple[str, str, str], int] = {}
        files: dict[str, str] = {self.flux["componentsFile"]: "flux.componentsFile"}
        entries: list[tuple[str, str, str, str, str]] = []
        for i, s in enumerate(sources):
            entries.append((s.kind, s.namespace, s.name, s.file, f"sources[{i}]"))
        for i, k in enumerate(kustomizations):
            entries.append(("Kustomization", k.namespace, k.name, k.file, f"kustomizations[{i}]"))
        for i, h in enumerate(helm_releases):
            entries.append(("HelmRelease", h.namespace, h.name, h.file, f"helmReleases[{i}]"))
        node_of = self.b.item_nodes
        for kind, namespace, name, file, where in entries:
            node = node_of.get(where)
            key = (kind, namespace, name)
            if key in objects:
                self.b.error(node, where, f"duplicate {kind} {namespace}/{name}")
            objects[key] = 1
            if file in files:
                self.b.error(
                    node, f"{where}.file", f"output file {file!r} is also written by {files[file]}"
                )
            else:
                files[file] = where


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Maps merge key by key (overlay wins); anything else is replaced, as Helm values merge."""
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _items(b: _Builder, node: Node, path: str) -> list[Node]:
    if not isinstance(node, SequenceNode):
        b.error(node, path, f"must be a list, not {_kind_of(node)}")
        return []
    for i, item in enumerate(node.value):
        b.item_nodes[f"{path}[{i}]"] = item
    return list(node.value)


def _raw_kind_name(node: Node) -> tuple[str, str]:
    """(kind, name) as written, for an entry that failed validation."""
    if not isinstance(node, MappingNode):
        return ("", "")
    keys = {
        k.value: v.value
        for k, v in node.value
        if isinstance(k, ScalarNode) and isinstance(v, ScalarNode)
    }
    return (str(keys.get("kind", "")), str(keys.get("name", "")))


def _kind_of(node: Node | None, value: Any = MISSING) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if value is MISSING and isinstance(node, ScalarNode):
        try:
            value = scalar(node) if node.tag.startswith("tag:yaml.org") else node.value
        except YamlSourceError:  # e.g. !!binary, or an int too long to convert
            return f"a {node.tag.replace('tag:yaml.org,2002:', '!!')} value"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({node.value if isinstance(node, ScalarNode) else value})"
    return "a string"
