"""The config keys of the `flux create` flags beyond the basics: what the loader accepts and
refuses (one line each, file:line:col), per pinned Flux release, and that flux.import
reads every one of them back so `flux.update --check` stays clean."""

from __future__ import annotations

import pytest
from conftest import MINIMAL_CONFIG, Tree

from fluxtasks.config.load import load_config
from fluxtasks.errors import InputError
from fluxtasks.files.atomic import apply_plan, write_text
from fluxtasks.offline.importer import import_tree
from fluxtasks.render.update import plan_update

GIT = "  - {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main}\n"


def with_source(entry: str, version: str = "v2.3.0") -> str:
    """MINIMAL_CONFIG pinned to `version`, with one more source entry (line 11)."""
    return MINIMAL_CONFIG.replace("v2.3.0", version).replace(GIT, GIT + entry)


def with_release(entry: str, version: str = "v2.3.0") -> str:
    return MINIMAL_CONFIG.replace("v2.3.0", version) + "helmReleases:\n" + entry


def problems(tree: Tree, text: str) -> list[str]:
    tree.write_config(text)
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    return caught.value.lines


# ------------------------------------------------------------ the pinned release


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            with_source("  - {kind: GitRepository, name: app, url: https://h/r, branch: main, sparseCheckout: [deploy]}\n", "v2.6.0"),
            "config/flux.yaml:11:86: sources[1].sparseCheckout: --sparse-checkout-paths needs Flux v2.7 or later, "
            "and flux.version is v2.6.0: raise flux.version or drop sparseCheckout",
            id="sparse-checkout-v2.6",
        ),
        pytest.param(
            with_source("  - {kind: OCIRepository, name: mm, url: oci://h/m, tag: v1, verifyProvider: cosign}\n", "v2.1.0"),
            "config/flux.yaml:11:78: sources[1].verifyProvider: --verify-provider needs Flux v2.2 or later, "
            "and flux.version is v2.1.0: raise flux.version or drop verifyProvider",
            id="verify-provider-v2.1",
        ),
        pytest.param(
            with_source(
                "  - {kind: OCIRepository, name: mm, url: oci://h/m, tag: v1, verifyProvider: cosign,"
                " verifySubject: s, verifyIssuer: i}\n", "v2.2.0",
            ),
            "config/flux.yaml:11:101: sources[1].verifySubject: --verify-subject needs Flux v2.3 or later, "
            "and flux.version is v2.2.0: raise flux.version or drop verifySubject\n"
            "config/flux.yaml:11:118: sources[1].verifyIssuer: --verify-issuer needs Flux v2.3 or later, "
            "and flux.version is v2.2.0: raise flux.version or drop verifyIssuer",
            id="verify-subject-v2.2",
        ),
        pytest.param(
            with_release("  - {name: web, namespace: apps, chartRef: OCIRepository/web.apps}\n", "v2.2.3"),
            "config/flux.yaml:14:44: helmReleases[0].chartRef: --chart-ref needs Flux v2.3 or later, "
            "and flux.version is v2.2.3: raise flux.version or drop chartRef",
            id="chart-ref-v2.2",
        ),
        pytest.param(
            MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, dependsOn: [infra/db@ready]}"),
            "config/flux.yaml:12:30: kustomizations[0].dependsOn[0]: 'infra/db@ready': Flux v2.3.0 keeps '@ready' as "
            "part of the name (a readiness expression needs Flux v2.9, which drops it); write NAME or NAMESPACE/NAME",
            id="depends-on-expression-v2.3",
        ),
    ],
)
def test_a_key_the_pinned_release_lacks_is_one_config_error(tree: Tree, text: str, line: str) -> None:
    assert problems(tree, text) == line.split("\n")


def test_the_same_keys_load_from_the_release_that_has_them(tree: Tree) -> None:
    text = with_source(
        "  - {kind: GitRepository, name: app, url: https://h/r, branch: main, sparseCheckout: [deploy]}\n"
        "  - {kind: OCIRepository, name: mm, url: oci://h/m, tag: v1, verifyProvider: cosign, verifySubject: s, verifyIssuer: i}\n",
        "v2.9.0",
    ).replace("  - apps", "  - {name: apps, source: GitRepository/k8s-io, dependsOn: ['infra/db@ready', 'flux-system/db2@a/b']}")
    text += "helmReleases:\n  - {name: web, namespace: apps, chartRef: OCIRepository/mm}\n"
    tree.write_config(text)
    config = load_config(tree.config)
    assert config.sources[1].sparse_checkout == ("deploy",)
    assert [(d.namespace, d.name) for d in config.kustomizations[0].depends_on] == [("infra", "db"), ("flux-system", "db2")]
    assert config.helm_releases[0].chart_ref is not None and config.helm_releases[0].chart_ref.namespace == "flux-system"


# ------------------------------------------------------------ what Flux refuses or drops


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        pytest.param(
            MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, healthChecks: [Deployment/my.app.apps]}"),
            ["config/flux.yaml:12:33: kustomizations[0].healthChecks[0]: 'Deployment/my.app.apps' must be Kind/name.namespace "
             "with Kind one of Deployment, DaemonSet, StatefulSet, HelmRelease (flux splits name and namespace at the only "
             "'.', so a name with dots cannot be checked)"],
            id="dotted-health-check",
        ),
        pytest.param(
            MINIMAL_CONFIG.replace("interval: 5m", "interval: ٥m"),
            ["config/flux.yaml:6:13: defaults.interval: invalid duration '٥m': use Go form like 30s, 5m, 1h30m"],
            id="non-ascii-digit-duration",
        ),
        pytest.param(
            with_source("  - {kind: HelmRepository, name: cc, url: https://charts.example.com, provider: aws}\n"),
            ["config/flux.yaml:11:81: sources[1].provider: applies to an oci:// HelmRepository only (Flux drops it otherwise)"],
            id="provider-without-oci",
        ),
        pytest.param(
            with_source("  - {kind: HelmRepository, name: cc, url: https://charts.example.com, passCredentials: true}\n"),
            ["config/flux.yaml:11:88: sources[1].passCredentials: needs secretRef: Flux writes passCredentials only with a Secret"],
            id="pass-credentials-without-secret",
        ),
        pytest.param(
            with_source("  - {kind: OCIRepository, name: mm, url: oci://h/m, tag: v1, verifySecretRef: keys}\n"),
            ["config/flux.yaml:11:79: sources[1].verifySecretRef: needs verifyProvider (cosign)"],
            id="verify-secret-without-provider",
        ),
        pytest.param(
            with_source("  - {kind: OCIRepository, name: mm, url: oci://h/m, tag: v1, verifyProvider: cosign, verifySubject: s}\n"),
            ["config/flux.yaml:11:101: sources[1].verifySubject: needs verifyIssuer too: Flux would write it empty, "
             "which matches any identity"],
            id="verify-subject-alone",
        ),
        pytest.param(
            with_source("  - {kind: OCIRepository, name: mm, url: oci://h/m, tag: v1, verifyProvider: notation}\n"),
            ["config/flux.yaml:11:78: sources[1].verifyProvider: must be one of cosign"],
            id="verify-provider-unknown",
        ),
        pytest.param(
            with_source("  - {kind: GitRepository, name: aa, url: https://h/r, branch: main, ignore: x, ignorePaths: [y]}\n"),
            ["config/flux.yaml:11:93: sources[1].ignorePaths: give ignore or ignorePaths, not both: both write "
             "spec.ignore (ignorePaths one path per line)"],
            id="ignore-and-ignore-paths",
        ),
        pytest.param(
            with_source("  - {kind: GitRepository, name: aa, url: https://h/r, branch: main, ignorePaths: [\"a\\nb\"]}\n"),
            ["config/flux.yaml:11:83: sources[1].ignorePaths[0]: must be one line: list each path as its own item"],
            id="ignore-path-two-lines",
        ),
        pytest.param(
            with_source("  - {kind: GitRepository, name: aa, url: https://h/r, tag: v1, commit: abc}\n"),
            ["config/flux.yaml:11:5: sources[1]: GitRepository needs exactly one of branch, tag, semver, commit "
             "(branch may go with commit), not 2"],
            id="tag-with-commit",
        ),
        pytest.param(
            MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, decryptionSecret: sops-gpg}"),
            ["config/flux.yaml:12:36: kustomizations[0].decryptionSecret: needs decryptionProvider (sops)"],
            id="decryption-secret-without-provider",
        ),
        pytest.param(
            MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, labels: {-bad: x, example.com/ok: 'no spaces', Good: ok}}"),
            [
                "config/flux.yaml:12:27: kustomizations[0].labels.-bad: '-bad' is not a valid label key: its name must be "
                "1-63 characters of [A-Za-z0-9_.-], alphanumeric at both ends",
                "config/flux.yaml:12:52: kustomizations[0].labels.example.com/ok: 'no spaces' is not a valid label value: "
                "at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends (or empty)",
            ],
            id="bad-labels",
        ),
        pytest.param(
            MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, labels: {team: 1}}"),
            ['config/flux.yaml:12:33: kustomizations[0].labels.team: must be a string, not a number (1); quote it: "1"'],
            id="label-value-a-number",
        ),
        pytest.param(
            with_release("  - {name: web, namespace: apps, chart: web, source: HelmRepository/cc.xx, chartRef: HelmChart/web}\n"),
            [
                "config/flux.yaml:14:41: helmReleases[0].chart: not with chartRef: chartRef names the chart instead of chart.spec",
                "config/flux.yaml:14:54: helmReleases[0].source: not with chartRef: chartRef names the chart instead of chart.spec",
            ],
            id="chart-and-chart-ref",
        ),
        pytest.param(
            with_release("  - {name: web, namespace: apps, chartRef: HelmChart/web, version: '1.0'}\n"),
            ["config/flux.yaml:14:68: helmReleases[0].version: not with chartRef: chartRef names the chart instead of chart.spec"],
            id="chart-ref-with-version",
        ),
        pytest.param(
            with_release("  - {name: web, namespace: apps, chartRef: OCIRepository/web}\n"),
            ["config/flux.yaml:14:44: helmReleases[0].chartRef: OCIRepository/web is not declared in sources; declare it, "
             "or write OCIRepository/web.NAMESPACE for a source managed elsewhere"],
            id="chart-ref-undeclared-oci",
        ),
        pytest.param(
            with_release("  - {name: web, namespace: apps, chart: web}\n"),
            ["config/flux.yaml:14:5: helmReleases[0].source: required key is missing"],
            id="chart-without-source",
        ),
        pytest.param(
            with_release("  - {name: web, namespace: apps, chart: web, source: HelmRepository/cc.xx, reconcileStrategy: Always}\n"),
            ["config/flux.yaml:14:95: helmReleases[0].reconcileStrategy: 'Always' is not one of ChartVersion, Revision"],
            id="reconcile-strategy-unknown",
        ),
    ],
)
def test_inputs_flux_refuses_or_drops_are_config_errors(tree: Tree, text: str, lines: list[str]) -> None:
    assert problems(tree, text) == lines


def test_an_upper_case_url_scheme_loads_with_a_warning_and_renders_as_flux_does(tree: Tree) -> None:
    tree.write_config(with_source("  - {kind: HelmRepository, name: cc, url: 'OCI://ghcr.io/x/charts'}\n"))
    config = load_config(tree.config)
    assert config.warnings == (
        "warning: config/flux.yaml:11:43: sources[1].url: the scheme of 'OCI://ghcr.io/x/charts' is not lower case: "
        "flux create writes the URL as given (and reads it as oci://), but the HelmRepository API accepts only "
        "lower-case schemes; write oci://",
    )
    written = {c.path: c.new for c in plan_update(config).changes}
    assert written["flux-system/flux-source-helm-cc.yaml"].endswith("  type: oci\n  url: OCI://ghcr.io/x/charts\n")  # type: ignore[union-attr]


def test_a_backslash_in_a_kustomization_path_is_kept_as_written(tree: Tree) -> None:
    tree.write_config(MINIMAL_CONFIG.replace("  - apps", "  - {name: apps, path: './deploy\\apps/'}"))
    assert load_config(tree.config).kustomizations[0].path == "./deploy\\apps"


# ------------------------------------------------------------ import round trip

EVERY_FLAG = """\
flux:
  version: v2.9.0
output:
  repoPath: clusters/prow
defaults:
  interval: 10m
sources:
  - kind: GitRepository
    name: k8s-io
    url: https://github.com/kubernetes/k8s.io
    branch: main
    commit: 0123abcd
    ignorePaths: [.cosign, docs/]
    sparseCheckout: [clusters, charts]
    recurseSubmodules: true
    labels: {app.kubernetes.io/part-of: prow, team: ""}
  - {kind: HelmRepository, name: ecr, url: "oci://1234.dkr.ecr.us-east-1.amazonaws.com/charts", provider: aws}
  - {kind: HelmRepository, name: private, url: https://charts.example.com, secretRef: creds, passCredentials: true}
  - kind: OCIRepository
    name: manifests
    url: oci://ghcr.io/x/manifests
    tag: v1
    ignore: "*.md"
    verifyProvider: cosign
    verifySecretRef: cosign-pub
    verifySubject: ^https://github.com/x/.*$
    verifyIssuer: ^https://token.actions.githubusercontent.com$
helmReleases:
  - name: web
    namespace: apps
    source: HelmRepository/private
    chart: web
    chartInterval: 1h
    reconcileStrategy: Revision
    targetNamespace: web
    createNamespace: true
    serviceAccountName: helm
    kubeConfigSecretRef: remote
    labels: {team: web}
  - {name: oci, namespace: apps, chartRef: OCIRepository/manifests}
  - {name: chart, namespace: apps, chartRef: HelmChart/apps-web}
kustomizations:
  - name: apps
    decryptionProvider: sops
    decryptionSecret: sops-gpg
    retryInterval: 1m
    serviceAccountName: reconciler
    kubeConfigSecretRef: remote
    labels: {team: apps}
"""


def test_every_flag_round_trips_through_import(tree: Tree) -> None:
    tree.write_config(EVERY_FLAG)
    apply_plan(plan_update(load_config(tree.config)))
    before = tree.snapshot()
    tree.config.unlink()
    result = import_tree(tree.config)
    assert result.blockers == [] and result.warnings == []
    write_text(tree.config, result.text, "config/flux.yaml")
    config = load_config(tree.config)
    # sparseCheckout is the newest flag the documents use: v2.7 is the oldest that writes them
    assert config.flux_version == "v2.7.0"
    assert [c.path for c in plan_update(config).pending] == []
    assert tree.snapshot() == before
    text = result.text
    assert "    ignore: |-\n      .cosign\n      docs/\n" in text  # ignorePaths come back as the field
    assert "    labels: {app.kubernetes.io/part-of: prow, team: ''}\n" in text
    assert "  - {name: chart, namespace: apps, chartRef: HelmChart/apps-web}\n" in text
    assert "  - {name: oci, namespace: apps, chartRef: OCIRepository/manifests}\n" in text
    for key in ("sparseCheckout: [clusters, charts]", "recurseSubmodules: true", "commit: 0123abcd", "provider: aws",
                "passCredentials: true", "verifySubject:", "verifyIssuer:", "verifySecretRef: cosign-pub",
                "chartInterval: 1h", "reconcileStrategy: Revision", "createNamespace: true", "serviceAccountName: helm",
                "kubeConfigSecretRef: remote", "decryptionProvider: sops", "decryptionSecret: sops-gpg",
                "retryInterval: 1m", "serviceAccountName: reconciler"):  # fmt: skip
        assert key in text, key
