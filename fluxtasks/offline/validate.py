"""Offline checks of the GitOps tree (`invoke flux.validate`): no cluster, no `flux` binary.

Every check runs and every problem is collected, so one run lists them all, one line
each: the file, the object, what is wrong and how to fix it. The checks:

* the config is valid (the loader's own messages, as `flux.update` prints them);
* generated files are current (what `flux.update --check` reports);
* every Kustomization folder builds the way kustomize-controller builds it: a folder
  holding a kustomization file with the real `kubectl kustomize`, any other folder by
  reading every YAML document (each needs apiVersion, kind and metadata.name);
* every Flux object under resourcesDir is valid against the CRD schema of its apiVersion
  in the components file (skipped, with one warning, while that file is missing);
* every HelmRelease is deployed: its file lies in some Kustomization's folder;
* every sourceRef, chartRef and dependsOn names an object that exists;
* hand-written files holding sources, Kustomizations and HelmReleases carry the
  `flux-source-`/`flux-ks-`/`flux-hr-` prefix the `flux.apply-*` tasks look for (warnings).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .._data import as_mapping, as_text, dig, json_key
from .._text import did_you_mean, join_path, one_line
from ..config.model import Config, load_config
from ..errors import InputError, ToolError
from ..files.plan import Action
from ..flux import (
    FILE_GROUPS,
    FLUX_GROUP_SUFFIX,
    HELM_GROUP,
    KINDS,
    KUSTOMIZE_GROUP,
    SOURCE_GROUP,
    FileGroup,
    known_kind,
)
from ..generated import Markers
from ..render.update import plan_update
from ..runner import Runner
from ..tree import KUSTOMIZATION_FILES, YAML_SUFFIXES, local_folder, scan_tree

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

# Kinds a sourceRef, chartRef or dependsOn of the Flux APIs can name.
REFERENCED_KINDS = frozenset(
    {"GitRepository", "HelmRepository", "OCIRepository", "Bucket", "ExternalArtifact"}
    | {"HelmChart", "Kustomization", "HelmRelease"}
)
MAX_MESSAGE = 200  # jsonschema can quote a whole object in a message; keep lines readable


@dataclass(frozen=True)
class Finding:
    """One problem, already worded as the line the user reads."""

    severity: str  # "error" | "warning"
    text: str

    @property
    def line(self) -> str:
        return f"warning: {self.text}" if self.severity == "warning" else self.text


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    missing_tool: str | None = None  # a ToolError line: kubectl needed but not on PATH
    config_valid: bool = True  # False: only the config was checked (the rest needs it)
    _seen: set[Finding] = field(default_factory=set, repr=False)
    folders: int = 0
    builds: int = 0
    objects: int = 0

    @property
    def errors(self) -> list[str]:
        return [f.line for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [f.line for f in self.findings if f.severity == "warning"]

    def error(self, text: str) -> None:
        self._add(Finding("error", text))

    def warning(self, text: str) -> None:
        self._add(Finding("warning", text))

    def _add(self, finding: Finding) -> None:
        # names and kinds come from files: keep one line
        finding = Finding(finding.severity, one_line(finding.text))
        if finding not in self._seen:  # nested folders can reach one file twice
            self._seen.add(finding)
            self.findings.append(finding)

    def summary(self) -> str:
        if not self.config_valid:
            return (
                f"config invalid: {len(self.errors)} error(s); the other checks need a valid config"
            )
        counts = (
            f"{self.folders} Kustomization folder(s) ({self.builds} built with kubectl kustomize), "
            f"{self.objects} Flux object(s)"
        )
        problems = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if self.missing_tool:
            problems += f", {self.missing_tool.split(':', 1)[0]} missing"
        return f"checked {counts}: {problems}"


# ---------------------------------------------------------------- reading manifests


class _ManifestLoader(yaml.SafeLoader):
    """Safe YAML with timestamps kept as text, as Kubernetes' YAML decoding keeps them."""


def _timestamp_as_text(loader: Any, node: yaml.Node) -> str:
    return str(node.value)


_ManifestLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_FastLoader: type[yaml.SafeLoader] | None = None
if hasattr(yaml, "CSafeLoader"):  # libyaml: much faster on a large components file

    class _FastManifestLoader(yaml.CSafeLoader):
        pass

    _FastManifestLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    _FastLoader = _FastManifestLoader  # type: ignore[assignment]


@dataclass(frozen=True)
class ParseError:
    line: int
    col: int
    message: str


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


@dataclass
class SourceFile:
    rel: str
    text: str
    generated: bool
    documents: list[Any] = field(default_factory=list)  # None for empty documents
    error: ParseError | None = None

    def manifests(self) -> Iterator[Manifest]:
        for i, doc in enumerate(self.documents, start=1):
            if isinstance(doc, dict):
                yield Manifest(self.rel, i, doc)


def parse_documents(text: str) -> tuple[list[Any], ParseError | None]:
    """Every document of a YAML stream as JSON-like data, or where parsing stopped.

    libyaml parses when PyYAML has it; on an error the pure-Python parser runs again, so
    the message and position do not depend on how PyYAML was built.
    """
    if _FastLoader is not None:
        try:
            return [_jsonish(d) for d in yaml.load_all(text, Loader=_FastLoader)], None
        except (yaml.YAMLError, RecursionError):
            pass
    documents: list[Any] = []
    try:
        for doc in yaml.load_all(text, Loader=_ManifestLoader):
            documents.append(_jsonish(doc))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return documents, ParseError(line, col, exc.problem or exc.context or "invalid YAML")
    except yaml.YAMLError as exc:
        return documents, ParseError(1, 1, str(exc).replace("\n", " "))
    except RecursionError:
        return documents, ParseError(1, 1, "nested too deeply to read")
    return documents, None


def _jsonish(value: Any) -> Any:
    """String keys throughout, as JSON (and so the API server and jsonschema) see them."""
    if isinstance(value, dict):
        return {json_key(k): _jsonish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonish(v) for v in value]
    return value


# ---------------------------------------------------------------- CRD schemas


@dataclass(frozen=True)
class CrdVersion:
    name: str
    served: bool
    storage: bool
    schema: dict[str, Any] | None


def crd_versions(documents: Iterable[Any]) -> dict[tuple[str, str], list[CrdVersion]]:
    """(group, kind) -> the versions its CustomResourceDefinition lists, from a components file."""
    out: dict[tuple[str, str], list[CrdVersion]] = {}
    for doc in documents:
        doc = as_mapping(doc)
        if doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = as_mapping(doc.get("spec"))
        group, kind = as_text(spec.get("group")), as_text(dig(spec, "names.kind"))
        versions = spec.get("versions")
        if not group or not kind or not isinstance(versions, list):
            continue
        out[(group, kind)] = [
            CrdVersion(
                name=as_text(v.get("name")),
                served=v.get("served") is True,
                storage=v.get("storage") is True,
                schema=as_mapping(dig(v, "schema.openAPIV3Schema")) or None,
            )
            for v in versions
            if isinstance(v, dict)
        ]
    return out


def structural(schema: Any) -> Any:
    """An openAPIV3Schema as JSON Schema (draft 4) that reads it the way the API server does.

    `nullable: true` admits null. An object schema that lists `properties` rejects other
    fields (strict field validation, as `kubectl apply` does by default) unless it says
    `x-kubernetes-preserve-unknown-fields`. allOf/anyOf/oneOf/not only add value checks in
    a structural schema, so they are left alone.
    """
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {k: structural(v) for k, v in properties.items()}
        if "additionalProperties" not in out and not out.get(
            "x-kubernetes-preserve-unknown-fields"
        ):
            out["additionalProperties"] = False
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = structural(out[key])
    return out


def crd_validator(schema: dict[str, Any]) -> Validator:
    """A validator of one CRD version's openAPIV3Schema (build it once per version)."""
    from jsonschema import Draft4Validator

    return Draft4Validator(structural(schema))


def schema_problems(validator: Validator, data: dict[str, Any]) -> list[str]:
    """`path: what is wrong` for every place `data` breaks the CRD schema, sorted by path."""
    out: list[tuple[str, str]] = []
    for error in validator.iter_errors(data):
        path = _json_path(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(as_mapping(error.schema).get("properties", {}))
            for extra in sorted(k for k in error.instance if k not in known):
                hint = did_you_mean(extra, known)
                out.append((join_path(path, extra), f"unknown field{hint}"))
            continue
        if error.validator == "required":
            missing = re.match(r"^'(.+)' is a required property$", error.message)
            if missing:
                out.append((join_path(path, missing.group(1)), "required field is missing"))
                continue
        message = " ".join(error.message.split())
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        out.append((path or "(object)", message))
    return [f"{path}: {message}" for path, message in sorted(set(out))]


def _json_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ---------------------------------------------------------------- kubectl kustomize


_KLOG_LINE = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err=(".*")$')


def trim_kustomize_error(output: str, resources_dir: Path, shown_dir: str) -> str:
    """The one useful line of `kubectl kustomize` error output, with paths as the user sees them.

    kubectl prints `error: MSG` (older) or a klog line `E1128 ... "command failed" err="MSG"`;
    a resource that fails to load is wrapped in `accumulation err='INNER': must build at
    directory: ...`, where only INNER says what is wrong.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return "failed without a message"
    line = lines[-1]
    klog = _KLOG_LINE.match(line)
    if klog:
        try:
            line = json.loads(klog.group(1))
        except ValueError:
            line = klog.group(1)[1:-1]
    line = line.removeprefix("error: ")
    inner = re.search(r"accumulation err='(.*?)': must build at directory", line)
    if inner:
        line = inner.group(1)
    line = re.sub(r"evalsymlink failure on '([^']*)' : lstat \1: ", r"\1: ", line)
    for base in sorted({str(resources_dir.resolve()), str(resources_dir)}, key=len, reverse=True):
        line = line.replace(base, shown_dir)
    return line


def kustomize_argv(folder: Path) -> list[str]:
    """kustomize-controller builds with no load restrictions: files outside the folder may be
    referenced, so `kubectl kustomize` must not refuse them either."""
    return ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(folder)]


# ---------------------------------------------------------------- the checks


def validate(config_path: Path, runner: Runner) -> Report:
    """Run every check against the config at `config_path`; see the module docstring."""
    try:
        config = load_config(config_path)
    except InputError as exc:
        report = Report(config_valid=False)
        for line in exc.lines:
            report.error(line)
        return report
    return validate_config(config, runner)


def validate_config(config: Config, runner: Runner) -> Report:
    return _Validation(config, runner).run()


class _Validation:
    def __init__(self, config: Config, runner: Runner) -> None:
        self.config = config
        self.runner = runner
        self.report = Report()
        self.root = config.resources_dir
        self.shown_dir = config.display(config.resources_dir)
        self.shown_config = config.display(config.path)
        self.files: dict[str, SourceFile] = {}
        # folder (relative, "" = resourcesDir itself) -> the name of its kustomization file
        self.kustomize_dirs: dict[str, str] = {}
        self.built: dict[str, list[Any] | None] = {}  # folder -> built documents; None: failed
        self.skipped_builds: list[str] = []
        self.crds: dict[tuple[str, str], list[CrdVersion]] | None = None
        self.components_broken = False
        self.validators: dict[tuple[str, str, str], Validator] = {}
        self.parse_reported: set[str] = set()

    def shown(self, rel: str) -> str:
        return f"{self.shown_dir}/{rel}" if rel else self.shown_dir

    def run(self) -> Report:
        self.read_tree()
        self.check_generated()
        self.load_components()
        folders = self.kustomization_folders()
        self.report.folders = len(folders)
        for folder in folders:
            self.check_folder(folder)
        self.check_parse_errors()
        manifests = [m for f in self.files.values() for m in f.manifests() if m.is_flux]
        self.report.objects = len(manifests)
        self.check_schemas(manifests)
        self.check_deployed(manifests, folders)
        self.check_references(manifests)
        self.check_naming()
        if self.crds is None and not self.components_broken:
            self.warn_components_missing()
        return self.report

    # -- the tree -----------------------------------------------------------

    def read_tree(self) -> None:
        markers = Markers.of(self.config.marker)
        for rel, text in scan_tree(self.root).items():
            if text is None:  # a symlink or unreadable: nothing a check can rely on
                continue
            documents, error = parse_documents(text)
            self.files[rel] = SourceFile(rel, text, markers.owns(text), documents, error)
        for folder, dirs, names in os.walk(self.root, followlinks=False):
            dirs.sort()
            rel = os.path.relpath(folder, self.root).replace(os.sep, "/")
            found = next((n for n in KUSTOMIZATION_FILES if n in names), None)
            if found is not None:
                self.kustomize_dirs["" if rel == "." else rel] = found

    # -- generated files ---------------------------------------------------

    def check_generated(self) -> None:
        try:
            plan = plan_update(self.config)
        except InputError as exc:
            for line in exc.lines:
                self.report.error(line)
            return
        fix = "run `invoke flux.update` and commit the result"
        for change in plan.pending:
            shown = self.shown(change.path)
            if change.action is Action.CREATE:
                self.report.error(f"{shown}: missing: {self.shown_config} declares it; {fix}")
            elif change.action is Action.DELETE:
                self.report.error(
                    f"{shown}: generated, but no longer declared in {self.shown_config}; {fix} (it prunes the file)"
                )
            else:
                self.report.error(
                    f"{shown}: out of date: differs from what {self.shown_config} renders; {fix}"
                )
        for note in plan.drift_notes:
            self.report.error(note)

    # -- components --------------------------------------------------------

    def load_components(self) -> None:
        source = self.files.get(self.config.components_file)
        if source is None:
            return  # missing: one warning at the end, naming what was skipped
        shown = self.shown(source.rel)
        if source.error is not None:
            e = source.error
            self.report.error(
                f"{shown}:{e.line}:{e.col}: invalid YAML: {e.message}; regenerate it with `invoke flux.update --components`"
            )
            self.components_broken = True  # no schemas to check against: that one line says why
            return
        self.crds = crd_versions(source.documents)

    def warn_components_missing(self) -> None:
        how = (
            f"generate it with `invoke flux.update --components` "
            f"(needs the flux CLI {self.config.flux_version})"
        )
        skipped = "the CRD schema checks"
        if self.skipped_builds:
            skipped += " and the kustomize build of " + ", ".join(
                self.shown(f) for f in self.skipped_builds
            )
        self.report.warning(
            f"{self.shown(self.config.components_file)} is missing: skipped {skipped}; {how}"
        )

    # -- Kustomization folders ---------------------------------------------

    def kustomization_folders(self) -> list[str]:
        """Folders (relative to resourcesDir) that some Kustomization syncs: the config's,
        and those of hand-written Kustomizations whose path lies under repoPath."""
        folders = {k.local_dir for k in self.config.kustomizations if k.local_dir is not None}
        for source in self.files.values():
            for m in source.manifests():
                if m.group == KUSTOMIZE_GROUP and m.kind == "Kustomization":
                    local = local_folder(as_text(dig(m.data, "spec.path")), self.config.repo_path)
                    if local is not None and (self.root / local).is_dir():
                        folders.add(local)
        return sorted(folders)

    def check_folder(self, folder: str) -> None:
        """What kustomize-controller does with the folder: build its kustomization file, or
        generate one from every YAML file below it (a subfolder with a kustomization file
        is built as a whole)."""
        if folder in self.kustomize_dirs:
            self.build(folder)
            return
        base = self.root / folder
        for current, dirs, names in os.walk(base, followlinks=False):
            dirs.sort()
            rel = os.path.relpath(current, self.root).replace(os.sep, "/")
            if rel != folder and rel in self.kustomize_dirs:
                self.build(rel)
                dirs.clear()
                continue
            for name in sorted(names):
                if name.endswith(YAML_SUFFIXES):
                    self.check_manifest_file(f"{rel}/{name}" if rel != "." else name, folder)

    def check_manifest_file(self, rel: str, folder: str) -> None:
        source = self.files.get(rel)
        if source is None:
            return  # a symlink: nothing to read
        if source.error is not None:
            self.report_parse_error(source)
            return
        need = "kustomize-controller needs apiVersion, kind and metadata.name in every document"
        for i, doc in enumerate(source.documents, start=1):
            if doc is None:
                continue
            if not isinstance(doc, dict):
                self.report.error(
                    f"{self.shown(rel)}: document {i}: not a Kubernetes object but {_describe(doc)}; {need}"
                )
                continue
            for obj in _list_items(doc):
                m = Manifest(rel, i, obj)
                missing = [
                    key
                    for key, value in (
                        ("apiVersion", m.api_version),
                        ("kind", m.kind),
                        ("metadata.name", m.name),
                    )
                    if not value
                ]
                if missing:
                    self.report.error(
                        f"{self.shown(rel)}: {m.subject}: missing {', '.join(missing)}; {need}"
                    )

    def build(self, folder: str) -> None:
        if folder in self.built or folder in self.skipped_builds:
            return
        components = self.config.components_file
        missing = self.crds is None and not self.components_broken
        if missing and (folder == "" or components.startswith(folder + "/")):
            self.skipped_builds.append(folder)  # it would only fail on the missing file
            return
        if self.report.missing_tool is not None:
            return
        try:
            self.runner.which("kubectl")
        except ToolError as exc:
            self.report.missing_tool = (
                f"{exc.lines[0]} (needed to build {self.shown(folder)} with `kubectl kustomize`)"
            )
            return
        result = self.runner.run(kustomize_argv(self.root / folder), ok_codes=range(256))
        self.report.builds += 1
        if result.exit_code == 0:
            documents, _ = parse_documents(result.stdout)
            self.built[folder] = documents
            return
        self.built[folder] = None
        kfile = self.shown(posixpath.join(folder, self.kustomize_dirs[folder]))
        detail = trim_kustomize_error(result.stderr or result.stdout, self.root, self.shown_dir)
        self.report.error(
            f"{self.shown(folder)}: kubectl kustomize failed: {detail}; fix {kfile} or the files it lists"
        )

    def check_parse_errors(self) -> None:
        """YAML outside every Kustomization folder that does not parse. Inside a folder that
        kubectl kustomize builds (or would, but for the components file) kubectl reports
        the files it uses; the components file has its own line."""
        builds = [*self.built, *self.skipped_builds]
        for rel, source in self.files.items():
            if source.error is None or rel == self.config.components_file:
                continue
            if any(folder == "" or rel.startswith(folder + "/") for folder in builds):
                continue
            self.report_parse_error(source)

    def report_parse_error(self, source: SourceFile) -> None:
        if source.error is None or source.rel in self.parse_reported:
            return
        self.parse_reported.add(source.rel)
        e = source.error
        self.report.error(f"{self.shown(source.rel)}:{e.line}:{e.col}: invalid YAML: {e.message}")

    # -- Flux objects --------------------------------------------------------

    def check_schemas(self, manifests: list[Manifest]) -> None:
        if self.crds is None:
            return
        components = self.shown(self.config.components_file)
        fix_controllers = (
            "add its controller to flux.components or flux.componentsExtra in "
            f"{self.shown_config} and run `invoke flux.update --components`"
        )
        for m in manifests:
            where = f"{self.shown(m.file)}: {m.subject}"
            versions = self.crds.get((m.group, m.kind))
            if not versions:
                self.report.error(
                    f"{where}: {components} has no CRD for {m.kind} in {m.group}; {fix_controllers}"
                )
                continue
            served = [v for v in versions if v.served]
            match = next((v for v in served if v.name == m.version), None)
            if match is None:
                best = next((v for v in served if v.storage), served[0] if served else None)
                names = ", ".join(v.name for v in served) or "none"
                fix = (
                    f"change it to {m.group}/{best.name}"
                    if best
                    else "regenerate the components file"
                )
                self.report.error(
                    f"{where}: apiVersion {m.api_version} is not served by {components} (served: {names}); {fix}"
                )
                continue
            if match.schema is None:
                continue
            key = (m.group, m.kind, match.name)
            if key not in self.validators:
                self.validators[key] = crd_validator(match.schema)
            for problem in schema_problems(self.validators[key], m.data):
                self.report.error(
                    f"{where}: {problem} (per the {m.kind} {m.api_version} CRD schema in {components})"
                )

    def check_deployed(self, manifests: list[Manifest], folders: list[str]) -> None:
        for m in manifests:
            if not (m.group == HELM_GROUP and m.kind == "HelmRelease"):
                continue
            where = f"{self.shown(m.file)}: {m.subject}"
            holders = [f for f in folders if f == "" or m.file.startswith(f + "/")]
            if not holders:
                self.report.error(
                    f"{where}: not deployed: add it to an existing Kustomization's folder"
                )
                continue
            omitted = [self.omitted_by(folder, m) for folder in holders]
            if all(omitted):
                self.report.error(
                    f"{where}: not deployed: {omitted[0]} does not include it; add it to its resources"
                )

    def omitted_by(self, folder: str, m: Manifest) -> str | None:
        """The kustomization file that leaves the release out when Flux builds `folder`, else None.

        Flux takes every file of a plain folder; a kustomization file on the way down takes
        only what it lists, which its build output shows (an unbuilt folder is given the
        benefit of the doubt: its own error is reported)."""
        kdir = self.kustomize_dir_between(folder, m.file)
        built = self.built.get(kdir) if kdir is not None else None
        if kdir is None or built is None:
            return None
        for doc in built:
            if (
                isinstance(doc, dict)
                and doc.get("kind") == "HelmRelease"
                and as_mapping(doc.get("metadata")).get("name") == m.name
            ):
                return None
        return self.shown(posixpath.join(kdir, self.kustomize_dirs[kdir]))

    def kustomize_dir_between(self, folder: str, rel_file: str) -> str | None:
        """The first folder from `folder` down to the file's own that holds a kustomization file."""
        parts = rel_file.split("/")[:-1]
        start = len(folder.split("/")) if folder else 0
        for depth in range(start, len(parts) + 1):
            candidate = "/".join(parts[:depth])
            if candidate in self.kustomize_dirs:
                return candidate
        return None

    def check_references(self, manifests: list[Manifest]) -> None:
        existing = set(self.config.declared())
        existing |= {(m.kind, m.namespace, m.name) for m in manifests if m.kind and m.name}
        known_kinds = {kind for kind, _, _ in existing} | REFERENCED_KINDS
        fix = f"declare it in {self.shown_config} or add its manifest under {self.shown_dir}/"
        for m in manifests:
            where = f"{self.shown(m.file)}: {m.subject}"
            for path, kind, ref in _references(m):
                name = as_text(ref.get("name"))
                if not name or not kind or (kind not in known_kinds and self.crds is not None):
                    continue  # a malformed reference: the schema check reports it
                namespace = as_text(ref.get("namespace")) or m.namespace
                if (kind, namespace, name) not in existing:
                    self.report.error(
                        f"{where}: {path}: {kind} {namespace}/{name} does not exist; {fix}"
                    )

    def check_naming(self) -> None:
        for rel, source in sorted(self.files.items()):
            if source.generated or rel == self.config.components_file:
                continue
            base = posixpath.basename(rel)
            folder = posixpath.dirname(rel)
            held: set[FileGroup] = set()
            for m in source.manifests():
                files = _file_group(m)
                if files is None:
                    continue
                held.add(files)
                if base.startswith(files.prefix):
                    continue
                known = KINDS.get(m.kind)
                suggested = (
                    known.file_name(m.name)
                    if known is not None and known.files is files
                    else f"{files.prefix}{m.kind.lower()}-{m.name}.yaml"
                )
                self.report.warning(
                    f"{self.shown(rel)}: {m.subject}: a file holding {files.holds} should be named "
                    f"{files.prefix}*.yaml, else `invoke {files.task}` skips it; move it to "
                    f"{self.shown(posixpath.join(folder, suggested))}"
                )
            for files in FILE_GROUPS.values():
                if base.startswith(files.prefix) and files not in held and source.error is None:
                    self.report.warning(
                        f"{self.shown(rel)}: named {files.prefix}* but holds no "
                        f"{files.holds.split(' ', 1)[1]}, yet `invoke {files.task}` applies it; rename it"
                    )


def _list_items(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects of a document: a `*List` (kind v1 List and friends) stands for its items."""
    items = doc.get("items")
    if as_text(doc.get("kind")).endswith("List") and isinstance(items, list):
        return [as_mapping(item) for item in items]
    return [doc]


def _file_group(m: Manifest) -> FileGroup | None:
    """The files `m` belongs in for the flux.apply-* tasks; every kind of the source API
    (Bucket too) belongs with the sources."""
    if m.group == SOURCE_GROUP:
        return FILE_GROUPS["sources"]
    known = known_kind(m.group, m.kind)
    return known.files if known is not None else None


def _references(m: Manifest) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(field path, kind, reference) for every sourceRef, chartRef and dependsOn entry."""
    spec = as_mapping(m.data.get("spec"))
    refs = [("spec.sourceRef", as_mapping(spec.get("sourceRef")))]
    if m.kind == "HelmRelease":
        chart_spec = as_mapping(dig(spec, "chart.spec"))
        refs.append(("spec.chart.spec.sourceRef", as_mapping(chart_spec.get("sourceRef"))))
        chart_ref = as_mapping(spec.get("chartRef"))
        if chart_ref.get("kind") != "HelmChart":  # helm-controller creates HelmCharts itself
            refs.append(("spec.chartRef", chart_ref))
    for path, ref in refs:
        if ref:
            yield path, as_text(ref.get("kind")), ref
    depends = spec.get("dependsOn")
    if isinstance(depends, list):
        for i, entry in enumerate(depends):
            entry = as_mapping(entry)
            if entry:
                yield f"spec.dependsOn[{i}]", as_text(entry.get("kind")) or m.kind, entry


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"the value {value!r}"
