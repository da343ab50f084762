"""The Flux vocabulary: the kinds this project renders and operates, their API groups and
versions per Flux release, the words the flux CLI takes for them, the files that hold
them, the controllers, and the name rules `flux create` and Kubernetes apply.

Everything that knows a Flux kind by name (render, the config loader, validate, import,
status, the object tasks, the apply groups) reads it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InputError

DEFAULT_NAMESPACE = "flux-system"  # where flux installs itself and keeps its own objects

FLUX_GROUP_SUFFIX = ".toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
HELM_GROUP = "helm.toolkit.fluxcd.io"

# Spec fields by which one Flux object names another: render writes them, validate checks
# that what they name exists.
SOURCE_REF = "sourceRef"
DEPENDS_ON = "dependsOn"


@dataclass(frozen=True)
class FileGroup:
    """Files that the `flux.apply-*` tasks find by name, and what they hold."""

    name: str  # "sources", as in `invoke flux.apply-sources`
    prefix: str  # "flux-source-"
    holds: str  # "a source"

    @property
    def task(self) -> str:
        return f"flux.apply-{self.name}"


FILE_GROUPS = {
    group.name: group
    for group in (
        FileGroup("sources", "flux-source-", "a source"),
        FileGroup("kustomizations", "flux-ks-", "a Kustomization"),
        FileGroup("helm-releases", "flux-hr-", "a HelmRelease"),
    )
}


@dataclass(frozen=True)
class FluxKind:
    kind: str  # "HelmRelease"
    group: str  # "helm.toolkit.fluxcd.io"
    plural: str  # "helmreleases", the API resource name
    cli: tuple[str, ...]  # the words the flux CLI takes: ("helmrelease",), ("source", "git")
    aliases: tuple[str, ...]  # what the object tasks accept; the first two name it in help
    files: FileGroup
    # (first Flux minor, version): the apiVersion `flux create --export` writes from then on
    versions: tuple[tuple[int, str], ...]
    file_word: str = ""  # sources only: "git" in flux-source-git-NAME.yaml

    @property
    def resource(self) -> str:
        """`plural.group`, as `kubectl get` takes it without ambiguity."""
        return f"{self.plural}.{self.group}"

    def file_name(self, name: str) -> str:
        """The file name `flux.update` gives the object by default."""
        word = f"{self.file_word}-" if self.file_word else ""
        return f"{self.files.prefix}{word}{name}.yaml"


_SOURCES = FILE_GROUPS["sources"]
KINDS = {
    k.kind: k
    for k in (
        FluxKind(
            "HelmRelease", HELM_GROUP, "helmreleases", ("helmrelease",),
            ("hr", "helmrelease", "helmreleases"), FILE_GROUPS["helm-releases"],
            ((0, "v2beta1"), (2, "v2beta2"), (3, "v2")),
        ),
        FluxKind(
            "Kustomization", KUSTOMIZE_GROUP, "kustomizations", ("kustomization",),
            ("ks", "kustomization", "kustomizations"), FILE_GROUPS["kustomizations"],
            ((0, "v1"),),
        ),
        FluxKind(
            "GitRepository", SOURCE_GROUP, "gitrepositories", ("source", "git"),
            ("git", "gitrepository", "gitrepositories", "source-git"), _SOURCES,
            ((0, "v1"),), "git",
        ),
        FluxKind(
            "HelmRepository", SOURCE_GROUP, "helmrepositories", ("source", "helm"),
            ("helm", "helmrepository", "helmrepositories", "source-helm"), _SOURCES,
            ((0, "v1beta2"), (3, "v1")), "helm",
        ),
        FluxKind(
            "OCIRepository", SOURCE_GROUP, "ocirepositories", ("source", "oci"),
            ("oci", "ocirepository", "ocirepositories", "source-oci"), _SOURCES,
            ((0, "v1beta2"), (6, "v1")), "oci",
        ),
    )
}  # fmt: skip
SOURCE_KINDS = tuple(k for k, spec in KINDS.items() if spec.group == SOURCE_GROUP)
# What `flux create` accepts as the source of a HelmRelease chart and of a Kustomization.
HR_SOURCE_KINDS = ("HelmRepository", "GitRepository", "Bucket")
KS_SOURCE_KINDS = ("GitRepository", "OCIRepository", "Bucket")
_KIND_WORDS = {alias: spec for spec in KINDS.values() for alias in spec.aliases}


def known_kind(group: str, kind: str) -> FluxKind | None:
    """The entry of a manifest's API group and kind; None for any other object (a
    `Kustomization` of kustomize.config.k8s.io is not Flux's)."""
    spec = KINDS.get(kind)
    return spec if spec is not None and spec.group == group else None


def resolve_kind(text: str) -> FluxKind:
    """`hr`, `helmrelease`, `HelmRelease`, `ks`, `git`, `source-git`, … -> the kind."""
    found = _KIND_WORDS.get(text.strip().lower().replace(" ", "-"))
    if found is None:
        choices = ", ".join(f"{k.aliases[0]}|{k.aliases[1]}" for k in KINDS.values())
        raise InputError(f"unknown kind {text!r}; use one of: {choices}")
    return found


# ---------------------------------------------------------------- releases

VERSION_RE = re.compile(r"^v2\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?\Z")
SUPPORTED_MINORS = range(0, 10)  # the apiVersions of KINDS are known for Flux v2.0 to v2.9


def supported_minor(version: str) -> int | None:
    """v2.3.0 -> 3; None for anything but a Flux release from v2.0.0 to v2.9.x."""
    match = VERSION_RE.match(version)
    minor = int(match.group(1)) if match else None
    return minor if minor in SUPPORTED_MINORS else None


def flux_minor(version: str) -> int:
    """v2.3.0 -> 3, for a version the config loader has accepted."""
    minor = supported_minor(version)
    if minor is None:
        raise ValueError(f"{version!r} is not a Flux release from v2.0.0 to v2.9.x")
    return minor


# Releases whose `flux create … --export` changed (v2.N, the first minor that does it).
STORAGE_NAMESPACE_MINOR = 7  # `hr --target-namespace` also writes storageNamespace
DEPENDS_ON_EXPRESSION_MINOR = 9  # `--depends-on name@expr` drops @expr (before: kept in the name)


def api_version(kind: str, version: str) -> str:
    """apiVersion that `flux create --export` writes for `kind` in Flux `version`."""
    minor = flux_minor(version)
    if kind not in KINDS:
        raise ValueError(f"no apiVersion for {kind}")
    spec = KINDS[kind]
    return f"{spec.group}/{[v for since, v in spec.versions if since <= minor][-1]}"


# ---------------------------------------------------------------- controllers

KNOWN_COMPONENTS = (
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
)
DEFAULT_COMPONENTS = KNOWN_COMPONENTS  # `flux install` installs every one by default
EXTRA_COMPONENTS = ("image-reflector-controller", "image-automation-controller", "source-watcher")
SOURCE_WATCHER_MINOR = 7  # the release that added source-watcher to EXTRA_COMPONENTS


def extra_components(minor: int) -> tuple[str, ...]:
    """The `--components-extra` names Flux v2.`minor` knows."""
    return EXTRA_COMPONENTS if minor >= SOURCE_WATCHER_MINOR else EXTRA_COMPONENTS[:2]


# ---------------------------------------------------------------- names and paths
# \Z, not $: `$` also matches before a trailing newline, which would let "name\n" through.

# A name as `flux create` takes it: RFC 1123, 2 to 63 characters.
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9\-]){0,61}[a-z0-9]\Z")
# An object name as Kubernetes takes it: an RFC 1123 subdomain.
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9\-.]{0,251}[a-z0-9])?\Z")
# A namespace as Kubernetes takes it: an RFC 1123 label, 1 to 63 characters.
LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
# A label key's name part and a label value (`flux create --label`, Kubernetes'
# IsQualifiedName / IsValidLabelValue): at most 63 characters, alphanumeric at both ends.
LABEL_NAME_RE = re.compile(r"^(?=.{1,63}\Z)([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
LABEL_VALUE_RE = re.compile(r"^((?=.{1,63}\Z)([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")


def label_key_problem(key: str) -> str | None:
    """Why Kubernetes refuses `key` as a label key ([prefix/]name, the prefix a DNS
    subdomain), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not SUBDOMAIN_RE.match(prefix) or "/" in prefix):
        return (
            "its prefix must be a DNS subdomain (lower case, at most 253 characters) before one '/'"
        )
    if not LABEL_NAME_RE.match(name):
        return "its name must be 1-63 characters of [A-Za-z0-9_.-], alphanumeric at both ends"
    return None


def flux_path(raw: str) -> str:
    """Normalise a Kustomization path the way `flux create ks --path` does: `./`-rooted, no `..`.
    A backslash is kept as written: on Linux it is part of a file name, not a separator."""
    parts: list[str] = []
    for part in raw.strip().split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "./" + "/".join(parts)
