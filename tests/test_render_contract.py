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


# ------------------------------------------------- flags beyond the basics (issue: flags real repos use)


def test_git_branch_with_commit_golden() -> None:
    # the CLI's golden: --url=https://github.com/stefanprodan/podinfo --branch=main --commit=c88a2f41
    assert document(manifest_source(git(branch="main", commit="c88a2f41"), "v2.0.0")) == (
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: GitRepository\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  interval: 1m0s\n"
        "  ref:\n"
        "    branch: main\n"
        "    commit: c88a2f41\n"
        "  url: https://github.com/stefanprodan/podinfo\n"
    )


def test_git_ignore_and_sparse_checkout_golden() -> None:
    # the CLI's golden: --branch=master --ignore-paths .cosign,non-existent-dir/
    #   --sparse-checkout-paths .cosign,non-existent-dir/ -n default
    source = git(
        branch="master", namespace="default", ignore=".cosign\nnon-existent-dir/", sparse_checkout=(".cosign", "non-existent-dir/")
    )
    assert document(manifest_source(source, "v2.7.0")) == (
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
        "  sparseCheckout:\n"
        "  - .cosign\n"
        "  - non-existent-dir/\n"
        "  url: https://github.com/stefanprodan/podinfo\n"
    )


def test_labels_sit_in_metadata_sorted_as_yaml_v2_sorts() -> None:
    # --label=b10=x,b9=y,Team=z,app.kubernetes.io/name=podinfo,empty=
    labels = {"b10": "x", "b9": "y", "Team": "z", "app.kubernetes.io/name": "podinfo", "empty": ""}
    out = document(manifest_source(git(branch="main", labels=labels), "v2.3.0"))
    assert out.startswith(
        "---\n"
        "apiVersion: source.toolkit.fluxcd.io/v1\n"
        "kind: GitRepository\n"
        "metadata:\n"
        "  labels:\n"
        "    Team: z\n"
        "    app.kubernetes.io/name: podinfo\n"
        '    b9: "y"\n'  # a YAML 1.1 boolean word: yaml.v2 quotes it
        "    b10: x\n"
        '    empty: ""\n'
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
    )


def test_helm_repository_oci_provider_for_ecr() -> None:
    # --url=oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts --oci-provider=aws
    url = "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts"
    source = Source("HelmRepository", "ecr", "flux-system", url, "1m0s", "x", provider="aws")
    assert document(manifest_source(source, "v2.3.0")).endswith(
        "spec:\n  interval: 1m0s\n  provider: aws\n  type: oci\n" f"  url: {url}\n"
    )


def test_helm_repository_upper_case_oci_scheme_is_oci_and_printed_as_written() -> None:
    # --url=OCI://ghcr.io/stefanprodan/charts: Go's url.Parse lower-cases the scheme Flux tests
    source = Source("HelmRepository", "podinfo", "flux-system", "OCI://ghcr.io/stefanprodan/charts", "1m0s", "x")
    assert document(manifest_source(source, "v2.3.0")).endswith(
        "spec:\n  interval: 1m0s\n  type: oci\n  url: OCI://ghcr.io/stefanprodan/charts\n"
    )


def test_helm_repository_pass_credentials_only_with_a_secret() -> None:
    # --url=https://charts.example.com --secret-ref=creds --pass-credentials
    source = Source("HelmRepository", "charts", "flux-system", "https://charts.example.com", "1m0s", "x", secret_ref="creds", pass_credentials=True)
    assert document(manifest_source(source, "v2.3.0")).endswith(
        "spec:\n  interval: 1m0s\n  passCredentials: true\n  secretRef:\n    name: creds\n  url: https://charts.example.com\n"
    )
    without = Source("HelmRepository", "charts", "flux-system", "https://charts.example.com", "1m0s", "x", pass_credentials=True)
    assert "passCredentials" not in document(manifest_source(without, "v2.3.0"))


def test_oci_repository_verification() -> None:
    # --url=oci://ghcr.io/stefanprodan/manifests/podinfo --tag=6.6.2 --verify-provider=cosign
    #   --verify-secret-ref=cosign-pub --verify-subject=S --verify-issuer=I
    source = Source(
        "OCIRepository", "podinfo", "flux-system", "oci://ghcr.io/stefanprodan/manifests/podinfo", "1m0s", "x",
        tag="6.6.2", verify_provider="cosign", verify_secret_ref="cosign-pub",
        verify_subject="^https://github.com/stefanprodan/.*$", verify_issuer="^https://token.actions.githubusercontent.com$",
    )  # fmt: skip
    assert document(manifest_source(source, "v2.6.0")).endswith(
        "spec:\n"
        "  interval: 1m0s\n"
        "  provider: generic\n"
        "  ref:\n"
        "    tag: 6.6.2\n"
        "  url: oci://ghcr.io/stefanprodan/manifests/podinfo\n"
        "  verify:\n"
        "    matchOIDCIdentity:\n"
        "    - issuer: ^https://token.actions.githubusercontent.com$\n"
        "      subject: ^https://github.com/stefanprodan/.*$\n"
        "    provider: cosign\n"
        "    secretRef:\n"
        "      name: cosign-pub\n"
    )


def test_kustomization_decryption_retry_service_account_kubeconfig() -> None:
    # --source=podinfo --decryption-provider=sops --decryption-secret=sops-gpg --retry-interval=2m
    #   --service-account=reconciler --kubeconfig-secret-ref=remote
    ks = Kustomization(
        "apps", "flux-system", "./", ObjectRef("GitRepository", "podinfo"), "1m0s", "x", prune=False,
        decryption_provider="sops", decryption_secret="sops-gpg", retry_interval="2m0s",
        service_account_name="reconciler", kube_config_secret_ref="remote",
    )  # fmt: skip
    assert document(manifest_kustomization(ks, "v2.3.0")).endswith(
        "spec:\n"
        "  decryption:\n"
        "    provider: sops\n"
        "    secretRef:\n"
        "      name: sops-gpg\n"
        "  interval: 1m0s\n"
        "  kubeConfig:\n"
        "    secretRef:\n"
        "      name: remote\n"
        "  path: ./\n"
        "  prune: false\n"
        "  retryInterval: 2m0s\n"
        "  serviceAccountName: reconciler\n"
        "  sourceRef:\n"
        "    kind: GitRepository\n"
        "    name: podinfo\n"
    )


def test_kustomization_retry_interval_zero_is_not_written() -> None:
    # flux writes --retry-interval only above zero
    ks = Kustomization("apps", "flux-system", "./", ObjectRef("GitRepository", "podinfo"), "1m0s", "x", retry_interval="0s")
    assert "retryInterval" not in document(manifest_kustomization(ks, "v2.3.0"))


def test_helm_release_chart_flags_and_install_namespace() -> None:
    # --source=HelmRepository/podinfo --chart=podinfo --chart-interval=10m --reconcile-strategy=Revision
    #   --target-namespace=podinfo --create-target-namespace --crds=CreateReplace --service-account=helm
    #   --kubeconfig-secret-ref=remote   (v2.6: no storageNamespace)
    hr = HelmRelease(
        "podinfo", "flux-system", "podinfo", ObjectRef("HelmRepository", "podinfo"), "1m0s", "x",
        chart_interval="10m0s", reconcile_strategy="Revision", target_namespace="podinfo",
        create_namespace=True, crds="CreateReplace", service_account_name="helm", kube_config_secret_ref="remote",
    )  # fmt: skip
    assert document(manifest_helm_release(hr, "v2.6.0")).endswith(
        "spec:\n"
        "  chart:\n"
        "    spec:\n"
        "      chart: podinfo\n"
        "      interval: 10m0s\n"
        "      reconcileStrategy: Revision\n"
        "      sourceRef:\n"
        "        kind: HelmRepository\n"
        "        name: podinfo\n"
        "  install:\n"
        "    crds: Create\n"
        "    createNamespace: true\n"
        "  interval: 1m0s\n"
        "  kubeConfig:\n"
        "    secretRef:\n"
        "      name: remote\n"
        "  serviceAccountName: helm\n"
        "  targetNamespace: podinfo\n"
        "  upgrade:\n"
        "    crds: CreateReplace\n"
    )


def test_helm_release_chart_ref_golden() -> None:
    # the CLI's golden: --chart-ref=OCIRepository/podinfo
    hr = HelmRelease("podinfo", "flux-system", None, None, "1m0s", "x", chart_ref=ObjectRef("OCIRepository", "podinfo"))
    assert document(manifest_helm_release(hr, "v2.3.0")) == (
        "---\n"
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        "kind: HelmRelease\n"
        "metadata:\n"
        "  name: podinfo\n"
        "  namespace: flux-system\n"
        "spec:\n"
        "  chartRef:\n"
        "    kind: OCIRepository\n"
        "    name: podinfo\n"
        "  interval: 1m0s\n"
    )
