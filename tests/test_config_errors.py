"""Every class of config error: one exact line with file:line:col and dotted path, exit 4, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, Tree

from fluxtasks.config.load import load_config
from fluxtasks.errors import InputError

HR = "helmReleases:\n  - {name: web, namespace: apps, chart: web, source: HelmRepository/charts.flux-system%s}\n"
RFC = "it should adhere to standard defined in RFC 1123: 2-63 lower-case alphanumeric characters or '-', starting and ending alphanumeric"


def ks(entry: str) -> str:
    return MINIMAL_CONFIG.replace("  - apps", entry)


CASES = [
    pytest.param(
        "flux:\n  version: [v2.3.0\n",
        ["config/flux.yaml:3:1: (file): invalid YAML: expected ',' or ']', but got '<stream end>'"],
        id="yaml-syntax",
    ),
    pytest.param("- a\n- b\n", ["config/flux.yaml:1:1: (root): must be a mapping, not a list"], id="not-a-mapping"),
    pytest.param("", ["config/flux.yaml:1:1: (root): the config is empty"], id="empty-file"),
    pytest.param(
        MINIMAL_CONFIG + "kustomisations: []\n",
        ["config/flux.yaml:13:1: kustomisations: unknown key (did you mean 'kustomizations'?)"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("branch: main", "branch: main, semvr: v1"),
        ["config/flux.yaml:10:98: sources[0].semvr: unknown key (did you mean 'semver'?)"],
        id="unknown-source-key",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace(
            "kustomizations:",
            "  - {kind: HelmRepository, name: charts, url: 'https://charts.example.com', branch: main}\nkustomizations:",
        ),
        ["config/flux.yaml:11:77: sources[1].branch: not a HelmRepository field"],
        id="field-of-another-kind",
    ),
    pytest.param(
        "flux: {}\noutput: {repoPath: clusters/prow}\n",
        ["config/flux.yaml:1:7: flux.version: required key is missing"],
        id="missing-required-key",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("v2.3.0", "2.3"),
        ['config/flux.yaml:2:12: flux.version: must be a string, not a number (2.3); quote it: "2.3"'],
        id="wrong-type-number",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("v2.3.0", "v1.9.0"),
        ["config/flux.yaml:2:12: flux.version: 'v1.9.0' is not a Flux release from v2.0.0 to v2.9.x"],
        id="unsupported-flux-version",
    ),
    pytest.param(
        ks("  - {name: apps, prune: 'no'}"),
        ["config/flux.yaml:12:25: kustomizations[0].prune: must be true or false, not a string"],
        id="wrong-type-bool",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("interval: 5m", "interval: 5 minutes"),
        ["config/flux.yaml:6:13: defaults.interval: invalid duration '5 minutes': use Go form like 30s, 5m, 1h30m"],
        id="bad-duration",
    ),
    pytest.param(
        ks("  - {name: apps, timeout: 1d}"),
        ["config/flux.yaml:12:27: kustomizations[0].timeout: invalid duration '1d': use Go form like 30s, 5m, 1h30m"],
        id="duration-days",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("https://github.com/kubernetes/k8s.io", "ftp://github.com/x"),
        [
            "config/flux.yaml:10:46: sources[0].url: 'ftp://github.com/x' is not a valid GitRepository URL: "
            "the scheme must be http or https or ssh and a host is required"
        ],
        id="bad-git-url-scheme",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace(
            "kustomizations:",
            "  - {kind: OCIRepository, name: manifests, url: 'https://ghcr.io/x', tag: v1}\nkustomizations:",
        ),
        [
            "config/flux.yaml:11:49: sources[1].url: 'https://ghcr.io/x' is not a valid OCIRepository URL: "
            "the scheme must be oci and a host is required"
        ],
        id="bad-oci-url-scheme",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("branch: main", "branch: main, tag: v1"),
        ["config/flux.yaml:10:5: sources[0]: GitRepository needs exactly one of branch, tag, semver, commit (branch may go with commit), not 2"],
        id="two-git-refs",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace(", branch: main", ""),
        ["config/flux.yaml:10:5: sources[0]: GitRepository needs exactly one of branch, tag, semver, commit (branch may go with commit)"],
        id="no-git-ref",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("name: k8s-io", "name: K8s_io"),
        [f"config/flux.yaml:10:33: sources[0].name: name 'K8s_io' is invalid, {RFC}"],
        id="invalid-name",
    ),
    pytest.param(ks("  - a"), [f"config/flux.yaml:12:5: kustomizations[0]: name 'a' is invalid, {RFC}"], id="one-char-name"),
    pytest.param(
        ks("  - 'apps;rm -rf /'"),
        [f"config/flux.yaml:12:5: kustomizations[0]: name 'apps;rm -rf /' is invalid, {RFC}"],
        id="shell-metacharacters",
    ),
    pytest.param(
        ks("  - apps\n  - apps"),
        [
            "config/flux.yaml:13:5: kustomizations[1]: duplicate Kustomization flux-system/apps",
            "config/flux.yaml:13:5: kustomizations[1].file: output file 'flux-system/flux-ks-apps.yaml' is also written by kustomizations[0]",
        ],
        id="duplicate-name",
    ),
    pytest.param(
        ks("  - apps\n  - {name: web, path: clusters/prow/apps, file: flux-system/flux-ks-apps.yaml}"),
        ["config/flux.yaml:13:5: kustomizations[1].file: output file 'flux-system/flux-ks-apps.yaml' is also written by kustomizations[0]"],
        id="duplicate-output-file",
    ),
    pytest.param(
        ks("  - {name: apps, source: GitRepository/nope}"),
        [
            "config/flux.yaml:12:26: kustomizations[0].source: GitRepository/nope is not declared in sources; "
            "declare it, or write GitRepository/nope.NAMESPACE for a source managed elsewhere"
        ],
        id="dangling-source",
    ),
    pytest.param(
        ks("  - {name: apps, dependsOn: [infra]}"),
        [
            "config/flux.yaml:12:30: kustomizations[0].dependsOn[0]: no Kustomization named 'infra' is declared "
            "in namespace flux-system; write NAMESPACE/infra for one managed elsewhere"
        ],
        id="dangling-depends-on",
    ),
    pytest.param(
        ks("  - {name: apps, file: ../flux-ks-apps.yaml}"),
        ["config/flux.yaml:12:24: kustomizations[0].file: '../flux-ks-apps.yaml' lies outside output.resourcesDir"],
        id="file-outside-dotdot",
    ),
    pytest.param(
        ks("  - {name: apps, file: flux-system/../../flux-ks-apps.yaml}"),
        ["config/flux.yaml:12:24: kustomizations[0].file: 'flux-system/../../flux-ks-apps.yaml' lies outside output.resourcesDir"],
        id="file-outside-nested-dotdot",
    ),
    pytest.param(
        ks("  - {name: apps, file: /etc/flux-ks-apps.yaml}"),
        ["config/flux.yaml:12:24: kustomizations[0].file: '/etc/flux-ks-apps.yaml' must be a path relative to output.resourcesDir, not absolute"],
        id="file-absolute",
    ),
    pytest.param(
        ks("  - {name: apps, file: flux-system/ks-apps.yaml}"),
        ["config/flux.yaml:12:24: kustomizations[0].file: file name 'ks-apps.yaml' must start with 'flux-ks-' and end with .yaml"],
        id="file-prefix-convention",
    ),
    pytest.param(
        ks("  - apps\n  - infra"),
        ["config/flux.yaml:13:5: kustomizations[1]: folder 'resources/infra' does not exist; create it or set path"],
        id="missing-kustomization-folder",
    ),
    pytest.param(
        MINIMAL_CONFIG + HR % ", clusterValues: {configMap: web-values, file: 'config/values/web-{cluster}.yaml'}",
        ["config/flux.yaml:14:134: helmReleases[0].clusterValues.file: values file 'config/values/web-canary.yaml' for cluster canary does not exist"],
        id="missing-cluster-values-file",
    ),
    pytest.param(
        MINIMAL_CONFIG + HR % ", clusterValues: {configMap: web-values, file: 'resources/apps/web-{cluster}.yaml'}",
        [
            "config/flux.yaml:14:134: helmReleases[0].clusterValues.file: 'resources/apps/web-{cluster}.yaml' lies inside "
            "resources/: Flux would apply it as a manifest; move it (e.g. to config/values/)"
        ],
        id="cluster-values-inside-resources",
    ),
    pytest.param(
        MINIMAL_CONFIG + HR % ", version: 1.2",
        ['config/flux.yaml:14:98: helmReleases[0].version: must be a string, not a number (1.2); quote it: "1.2"'],
        id="chart-version-as-float",
    ),
    pytest.param(
        MINIMAL_CONFIG + "helmReleases:\n  - {name: web, namespace: apps, chart: web, source: HelmRepository/charts}\n",
        [
            "config/flux.yaml:14:54: helmReleases[0].source: HelmRepository/charts is not declared in sources; "
            "declare it, or write HelmRepository/charts.NAMESPACE for a source managed elsewhere"
        ],
        id="undeclared-source-without-namespace",
    ),
    pytest.param(
        MINIMAL_CONFIG + "helmReleases:\n  - {name: web}\n",
        [
            "config/flux.yaml:14:5: helmReleases[0].chart: required key is missing",
            "config/flux.yaml:14:5: helmReleases[0].namespace: required key is missing",
            "config/flux.yaml:14:5: helmReleases[0].source: required key is missing",
        ],
        id="helm-release-missing-keys",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("interval: 5m", "interval: &i 5m").replace("  - apps", "  - {name: apps, interval: *i}"),
        ["config/flux.yaml:12:28: (file): YAML aliases are not supported; write the value out"],
        id="yaml-alias",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("  canary: {context: prow-canary-cluster}", "  canary: {context: prow-canary-cluster}\n  all: {context: x}"),
        ["config/flux.yaml:9:3: clusters.all: 'all' is reserved: --cluster all selects every cluster"],
        id="cluster-named-all",
    ),
    pytest.param(
        MINIMAL_CONFIG.replace("flux:\n", "flux:\n  version: v2.2.0\n", 1),
        ["config/flux.yaml:3:3: flux.version: duplicate key"],
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_config_error_lines(tree: Tree, text: str, expected: list[str]) -> None:
    tree.write_config(text)
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    assert caught.value.lines == expected
    assert caught.value.exit_code == 4


def test_all_problems_are_reported_at_once(tree: Tree) -> None:
    text = MINIMAL_CONFIG.replace("interval: 5m", "interval: soon").replace("  - apps", "  - a\n  - {name: apps, wait: maybe}")
    tree.write_config(text)
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    assert [line.split(": ")[1] for line in caught.value.lines] == [
        "defaults.interval",
        "kustomizations[0]",
        "kustomizations[1].wait",
    ]


def test_non_utf8_config(tree: Tree) -> None:
    tree.config.write_bytes(b"flux:\n  version: v2.3.0\n# caf\xe9\n")
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    assert caught.value.lines == ["config/flux.yaml:3:6: (file): not valid UTF-8"]


def test_directory_instead_of_file(tree: Tree) -> None:
    tree.config.unlink()
    tree.config.mkdir()
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    assert caught.value.lines == ["config/flux.yaml: is a directory, not a config file"]


def test_missing_config(tree: Tree) -> None:
    tree.config.unlink()
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    assert caught.value.lines == ["config/flux.yaml: no such file (set flux.config or INVOKE_FLUX_CONFIG)"]


def test_invalid_config_exits_4_and_writes_nothing(tree: Tree) -> None:
    tree.write("resources/flux-system/flux-ks-old.yaml", "# Code generated by invoke flux.update. DO NOT EDIT.\n---\n{}\n")
    before = tree.snapshot()
    tree.write_config(ks("  - apps\n  - infra"))
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert done.stderr == "config/flux.yaml:13:5: kustomizations[1]: folder 'resources/infra' does not exist; create it or set path\n"
    assert "Traceback" not in done.stderr + done.stdout
    assert tree.snapshot() == before


def test_repo_path_defaults_to_the_git_prefix_of_resources(tree: Tree, tmp_path: Path) -> None:
    import subprocess

    repo = tree.root.parent
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    tree.write_config(MINIMAL_CONFIG.replace("output:\n  repoPath: clusters/prow\n", ""))
    config = load_config(tree.config)
    assert config.repo_path == "project/resources"
    assert config.kustomizations[0].path == "./project/resources/apps"


def test_repo_path_outside_git_is_an_error(tree: Tree) -> None:
    tree.write_config(MINIMAL_CONFIG.replace("output:\n  repoPath: clusters/prow\n", ""))
    with pytest.raises(InputError) as caught:
        load_config(tree.config)
    assert caught.value.lines == [
        "config/flux.yaml:1:1: output.repoPath: not set, and resourcesDir is not inside a Git repository to derive it from"
    ]
