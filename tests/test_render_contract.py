"""The flux CLI's own expected outputs (its golden files and documented derivations), byte for byte."""

from __future__ import annotations

import pytest

from fluxtasks.config.model import Dependency, HelmRelease, Kustomization, ObjectRef, Source
from fluxtasks.flux import api_version
from fluxtasks.render.manifests import (
    document,
    manifest_helm_release,
    manifest_kustomization,
    manifest_source,
)

PODINFO_GIT = "https://github.com/stefanprodan/podinfo"


def git(**kw: object) -> Source:
    base: dict[str, object] = dict(kind="GitRepository", name="podinfo", namespace="flux-system", url=PODINFO_GIT, interval="1m0s", file="x")
    base.update(kw)
    return Source(**base)  # type: ignore[arg-type]


def test_git_branch_interval_secret() -> None:
    # flux create source git podinfo --url=... --branch=master --interval=5m --secret-ref=git-creds --export
    assert document(manifest_source(git(branch="master", interval="5m0s", secret_ref="git-creds"), "v2.3.0")) == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: GitRepository\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  interval: 5m0s\n"
        "  ref:\n"
        "    branch: master\n"
        "  secretRef:\n"
        "    name: git-creds\n"
        "  url: https://github.com/stefanprodan/podinfo\n"
    )


def test_git_ignore_paths_literal_block() -> None:
    # --branch=master --ignore-paths .cosign,non-existent-dir/ -n default (without sparse checkout)
    out = document(manifest_source(git(branch="master", namespace="default", ignore=".cosign\nnon-existent-dir/"), "v2.9.0"))
    assert out == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: GitRepository\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: default\n"
        "spec:\n"
        "  ignore: |-\n"
        "    .cosign\n"
        "    non-existent-dir/\n"
        "  interval: 1m0s\n"
        "  ref:\n"
        "    branch: master\n"
        "  url: https://github.com/stefanprodan/podinfo\n"
    )


@pytest.mark.parametrize(("ref", "expected"), [({"semver": "v1.01"}, "    semver: v1.01\n"), ({"tag": "test"}, "    tag: test\n")])
def test_git_semver_and_tag(ref: dict[str, str], expected: str) -> None:
    assert f"  ref:\n{expected}" in document(manifest_source(git(**ref), "v2.3.0"))


def test_helm_repository_https() -> None:
    source = Source("HelmRepository", "podinfo", "flux-system", "https://stefanprodan.github.io/charts/podinfo", "5m0s", "x")
    assert document(manifest_source(source, "v2.3.0")) == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: HelmRepository\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  interval: 5m0s\n"
        "  url: https://stefanprodan.github.io/charts/podinfo\n"
    )


def test_helm_repository_oci_with_secret() -> None:
    source = Source("HelmRepository", "podinfo", "flux-system", "oci://ghcr.io/stefanprodan/charts/podinfo", "5m0s", "x", secret_ref="creds")
    assert document(manifest_source(source, "v2.3.0")) == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: HelmRepository\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  interval: 5m0s\n"
        "  secretRef:\n"
        "    name: creds\n"
        "  type: oci\n"
        "  url: oci://ghcr.io/stefanprodan/charts/podinfo\n"
    )


def test_oci_repository_writes_generic_provider() -> None:
    source = Source("OCIRepository", "podinfo", "flux-system", "oci://ghcr.io/stefanprodan/manifests/podinfo", "10m0s", "x", tag="6.3.5", provider="generic")
    assert document(manifest_source(source, "v2.9.4")) == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: OCIRepository\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  interval: 10m0s\n"
        "  provider: generic\n"
        "  ref:\n"
        "    tag: 6.3.5\n"
        "  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n"
    )


def test_kustomization_full() -> None:
    ks = Kustomization(
        name="apps",
        namespace="flux-system",
        path="./deploy/apps",
        source=ObjectRef("GitRepository", "podinfo", "flux-system"),
        interval="10m0s",
        file="x",
        prune=True,
        depends_on=(Dependency("infra"), Dependency("cert-manager", "cert-manager")),
        target_namespace="apps",
        wait=True,
        timeout="3m0s",
    )
    assert document(manifest_kustomization(ks, "v2.3.0")) == (
        "---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
        "kind: Kustomization\n"
        "metadata:\n"
        "  name: apps\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  dependsOn:\n"
        "  - name: infra\n"
        "  - name: cert-manager\n"
        "    namespace: cert-manager\n"
        "  interval: 10m0s\n"
        "  path: ./deploy/apps\n"
        "  prune: true\n"
        "  sourceRef:\n"
        "    kind: GitRepository\n"
        "    name: podinfo\n"
        "    namespace: flux-system\n"
        "  targetNamespace: apps\n"
        "  timeout: 3m0s\n"
        "  wait: true\n"
    )


def test_kustomization_minimal_prune_false_and_no_source_namespace() -> None:
    ks = Kustomization("apps", "flux-system", "./", ObjectRef("GitRepository", "podinfo"), "1m0s", "x", prune=False)
    assert document(manifest_kustomization(ks, "v2.3.0")) == (
        "---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\n"
        "kind: Kustomization\n"
        "metadata:\n"
        "  name: apps\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  interval: 1m0s\n"
        "  path: ./\n"
        "  prune: false\n"
        "  sourceRef:\n"
        "    kind: GitRepository\n"
        "    name: podinfo\n"
    )


def test_kustomization_health_checks() -> None:
    checks = (ObjectRef("Deployment", "podinfo", "apps"), ObjectRef("HelmRelease", "redis", "apps"))
    ks = Kustomization("apps", "flux-system", "./", ObjectRef("GitRepository", "podinfo"), "1m0s", "x", health_checks=checks, timeout="2m0s")
    assert (
        "  healthChecks:\n"
        "  - kind: Deployment\n"
        "    name: podinfo\n"
        "    namespace: apps\n"
        "  - apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "    kind: HelmRelease\n"
        "    name: redis\n"
        "    namespace: apps\n"
        "  interval: 1m0s\n"
    ) in document(manifest_kustomization(ks, "v2.3.0"))
    assert document(manifest_kustomization(ks, "v2.3.0")).endswith("  timeout: 2m0s\n")


def test_helm_release_minimal() -> None:
    # flux create hr podinfo --source Helmrepository/podinfo --chart podinfo --interval=1m0s
    hr = HelmRelease("podinfo", "flux-system", "podinfo", ObjectRef("HelmRepository", "podinfo"), "1m0s", "x")
    assert document(manifest_helm_release(hr, "v2.3.0")) == (
        "---\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  chart:\n"
        "    spec:\n"
        "      chart: podinfo\n"
        "      reconcileStrategy: ChartVersion\n"
        "      sourceRef:\n"
        "        kind: HelmRepository\n"
        "        name: podinfo\n"
        "  interval: 1m0s\n"
    )


def test_helm_release_full_v27() -> None:
    hr = HelmRelease(
        name="podinfo",
        namespace="apps",
        chart="podinfo",
        source=ObjectRef("HelmRepository", "podinfo", "flux-system"),
        interval="10m0s",
        file="x",
        version=">=6.0.0",
        target_namespace="podinfo",
        depends_on=(Dependency("cert-manager", "infra"),),
        values={"replicaCount": 2, "image": {"tag": "6.5.0"}, "ingress": {"enabled": True}},
        values_from=(ObjectRef("ConfigMap", "podinfo-values"),),
        crds="CreateReplace",
    )
    assert document(manifest_helm_release(hr, "v2.7.0")) == (
        "---\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: apps\n"
        "spec:\n"
        "  chart:\n"
        "    spec:\n"
        "      chart: podinfo\n"
        "      reconcileStrategy: ChartVersion\n"
        "      sourceRef:\n"
        "        kind: HelmRepository\n"
        "        name: podinfo\n"
        "        namespace: flux-system\n"
        "      version: '>=6.0.0'\n"
        "  dependsOn:\n"
        "  - name: cert-manager\n"
        "    namespace: infra\n"
        "  install:\n"
        "    crds: Create\n"
        "  interval: 10m0s\n"
        "  storageNamespace: podinfo\n"
        "  targetNamespace: podinfo\n"
        "  upgrade:\n"
        "    crds: CreateReplace\n"
        "  values:\n"
        "    image:\n"
        "      tag: 6.5.0\n"
        "    ingress:\n"
        "      enabled: true\n"
        "    replicaCount: 2\n"
        "  valuesFrom:\n"
        "  - kind: ConfigMap\n"
        "    name: podinfo-values\n"
    )
    # Before v2.7 the CLI wrote only targetNamespace.
    assert "storageNamespace" not in document(manifest_helm_release(hr, "v2.6.0"))


@pytest.mark.parametrize(
    ("version", "kind", "expected"),
    [
        ("v2.0.0", "HelmRepository", "source.toolkit.fluxcd.io/v1beta2"),
        ("v2.2.3", "HelmRepository", "source.toolkit.fluxcd.io/v1beta2"),
        ("v2.3.0", "HelmRepository", "source.toolkit.fluxcd.io/v1"),
        ("v2.5.1", "OCIRepository", "source.toolkit.fluxcd.io/v1beta2"),
        ("v2.6.0", "OCIRepository", "source.toolkit.fluxcd.io/v1"),
        ("v2.0.0", "GitRepository", "source.toolkit.fluxcd.io/v1"),
        ("v2.9.4", "Kustomization", "kustomize.toolkit.fluxcd.io/v1"),
        ("v2.1.2", "HelmRelease", "helm.toolkit.fluxcd.io/v2beta1"),
        ("v2.2.0", "HelmRelease", "helm.toolkit.fluxcd.io/v2beta2"),
        ("v2.3.0", "HelmRelease", "helm.toolkit.fluxcd.io/v2"),
    ],
)
def test_api_version_matrix(version: str, kind: str, expected: str) -> None:
    assert api_version(kind, version) == expected


def test_status_line_cut_is_the_first_occurrence_like_the_cli() -> None:
    # The CLI deletes the first "status: {}\n"; an empty `status` map in values is hit first.
    hr = HelmRelease("web", "apps", "web", ObjectRef("HelmRepository", "charts"), "1m0s", "x", values={"status": {}, "z": 1})
    out = document(manifest_helm_release(hr, "v2.3.0"))
    assert out.endswith("  values:\n        z: 1\nstatus: {}\n")
