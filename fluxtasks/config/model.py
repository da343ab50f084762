"""The typed model of config/flux.yaml (schema v1): what `load.load_config` builds.

Everything past the loader works on these frozen dataclasses: names are validated,
references resolved (a `source` always carries its namespace when it names a declared
source), durations normalised to Go form ("5m" -> "5m0s"), and file paths are relative
to `resources_dir` with forward slashes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# `--cluster all` (and PROW_ENV=all) selects every declared cluster, so no cluster may be
# called that.
ALL_CLUSTERS = "all"


@dataclass(frozen=True)
class ObjectRef:
    """`Kind/name[.namespace]`; namespace None means "not written" (the referrer's own)."""

    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}" + (f".{self.namespace}" if self.namespace else "")


@dataclass(frozen=True)
class Dependency:
    """An object that must be ready first: `name` (same namespace) or `ns/name`."""

    name: str
    namespace: str | None = None


@dataclass(frozen=True)
class Source:
    kind: str  # one of flux.SOURCE_KINDS
    name: str
    namespace: str
    url: str
    interval: str  # Go form, e.g. "5m0s"
    file: str  # relative to resources_dir
    branch: str | None = None
    tag: str | None = None
    semver: str | None = None
    commit: str | None = None
    digest: str | None = None
    secret_ref: str | None = None
    ignore: str | None = None  # GitRepository, OCIRepository: ignorePaths joined, or as written
    provider: str | None = None  # OCIRepository ("generic" by default), oci:// HelmRepository
    labels: Mapping[str, str] = field(default_factory=dict)
    sparse_checkout: tuple[str, ...] = ()  # GitRepository
    recurse_submodules: bool = False  # GitRepository
    pass_credentials: bool = False  # HelmRepository, with secret_ref
    verify_provider: str | None = None  # OCIRepository signature verification
    verify_secret_ref: str | None = None
    verify_subject: str | None = None
    verify_issuer: str | None = None


@dataclass(frozen=True)
class ClusterValues:
    """Per-cluster Helm values pushed into a ConfigMap by `flux.apply-values`."""

    config_map: str
    file: str  # relative to the root; may contain "{cluster}"

    def file_for(self, cluster: str) -> str:
        return self.file.replace("{cluster}", cluster)


@dataclass(frozen=True)
class HelmRelease:
    name: str
    namespace: str
    chart: str | None  # None (and source None) when chart_ref names the chart instead
    source: ObjectRef | None  # namespace filled in when the source is declared
    interval: str
    file: str
    version: str | None = None
    chart_ref: ObjectRef | None = None  # HelmChart or OCIRepository (Flux v2.3+)
    chart_interval: str | None = None
    reconcile_strategy: str = "ChartVersion"  # or Revision
    release_name: str | None = None
    target_namespace: str | None = None
    create_namespace: bool = False  # the target namespace, on install
    depends_on: tuple[Dependency, ...] = ()
    values: Mapping[str, Any] | None = None  # valuesFiles deep-merged, then inline values on top
    values_from: tuple[ObjectRef, ...] = ()  # kinds ConfigMap/Secret; clusterValues' one last
    values_files: tuple[str, ...] = ()  # relative to the root, merged into values already
    crds: str | None = None  # Skip | Create | CreateReplace
    cluster_values: ClusterValues | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account_name: str | None = None
    kube_config_secret_ref: str | None = None


@dataclass(frozen=True)
class Kustomization:
    name: str
    namespace: str
    path: str  # as rendered: "./infra/.../boskos"
    source: ObjectRef
    interval: str
    file: str
    prune: bool = True
    local_dir: str | None = None  # folder under resources_dir that `path` maps to, if any
    depends_on: tuple[Dependency, ...] = ()
    target_namespace: str | None = None
    wait: bool = False
    timeout: str | None = None
    health_checks: tuple[ObjectRef, ...] = ()
    retry_interval: str | None = None
    decryption_provider: str | None = None  # sops, with decryption_secret's keys
    decryption_secret: str | None = None
    service_account_name: str | None = None
    kube_config_secret_ref: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cluster:
    name: str
    context: str


@dataclass(frozen=True)
class Config:
    path: Path  # the config file
    root: Path  # the folder that holds config/
    flux_version: str  # "v2.3.0"
    components: tuple[str, ...]
    components_extra: tuple[str, ...]
    components_file: str  # relative to resources_dir
    resources_dir: Path  # absolute
    repo_path: str  # resources_dir inside the synced Git repo, no leading/trailing slash
    header_path: Path  # absolute
    marker: str
    clusters: Mapping[str, Cluster] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    helm_releases: tuple[HelmRelease, ...] = ()
    kustomizations: tuple[Kustomization, ...] = ()
    warnings: tuple[str, ...] = ()  # "warning: FILE:L:C: ..." lines the loader found

    def declared(self) -> Iterator[tuple[str, str, str]]:
        """(kind, namespace, name) of every object the config declares, in config order."""
        for s in self.sources:
            yield s.kind, s.namespace, s.name
        for k in self.kustomizations:
            yield "Kustomization", k.namespace, k.name
        for h in self.helm_releases:
            yield "HelmRelease", h.namespace, h.name

    @property
    def components_path(self) -> Path:
        return self.resources_dir / self.components_file

    def display(self, path: Path) -> str:
        """A path as the user should see it: relative to the root when inside it."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
