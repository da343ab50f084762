"""`invoke flux.validate`: one small tree per failure kind, the exact lines and exit code.

The trees start from conftest's minimal project (a GitRepository and the Kustomization
`apps`), rendered with flux.update, plus tests/fixtures/small-crds.yaml as the components
file: a few CRDs with small schemas written for these tests. Builds of folders holding a
kustomization.yaml use the real kubectl and are skipped without it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, PROJECT, Tree, run_invoke

from fluxtasks.config.load import load_config
from fluxtasks.files.atomic import apply_plan
from fluxtasks.offline.validate import validate
from fluxtasks.offline.validate.crd import crd_validator, schema_problems, structural
from fluxtasks.offline.validate.kustomize import trim_kustomize_error
from fluxtasks.render.update import plan_update
from fluxtasks.runner import Runner
from fluxtasks.yamlio.manifests import parse_documents

CRDS = (Path(__file__).parent / "fixtures" / "small-crds.yaml").read_text()
COMPONENTS = "resources/flux/gotk-components.yaml"
HAS_KUBECTL = shutil.which("kubectl") is not None
needs_kubectl = pytest.mark.skipif(
    not HAS_KUBECTL, reason="kubectl is not on PATH: the kustomize-build checks run the real one"
)

WITH_RELEASE = MINIMAL_CONFIG.replace(
    "kustomizations:",
    "  - {kind: HelmRepository, name: charts, url: https://charts.example.com}\n"
    "helmReleases:\n"
    "  - {name: web, namespace: apps, chart: web, source: HelmRepository/charts%s}\n"
    "kustomizations:",
)
FIX_REF = "declare it in config/flux.yaml or add its manifest under resources/"
NEEDS = "kustomize-controller needs apiVersion, kind and metadata.name in every document"
SCHEMA = "(per the HelmRelease helm.toolkit.fluxcd.io/v2 CRD schema in resources/flux/gotk-components.yaml)"
NOT_DEPLOYED = "not deployed: add it to an existing Kustomization's folder"


def render(tree: Tree, config: str | None = None, *, components: bool = True) -> Tree:
    """Write the config, the components file, and every generated file."""
    if config is not None:
        tree.write_config(config)
    if components:
        tree.write(COMPONENTS, CRDS)
    apply_plan(plan_update(load_config(tree.config)))
    return tree


def hand_written(tree: Tree, rel: str, text: str) -> None:
    tree.write(f"resources/{rel}", text)


def check(tree: Tree, env: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    """Run `invoke flux.validate`: exit code, stderr lines, stdout."""
    done = tree.invoke("flux.validate", env=env)
    return done.returncode, done.stderr.splitlines(), done.stdout


def release(name: str = "extra", namespace: str = "apps", api: str = "v2", spec: str = "") -> str:
    return (
        f"apiVersion: helm.toolkit.fluxcd.io/{api}\n"
        "kind: HelmRelease\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\n"
        "spec:\n"
        "  interval: 5m\n"
        "  chart: {spec: {chart: web, sourceRef: {kind: HelmRepository, name: charts, namespace: flux-system}}}\n"
        + spec
    )


# ---------------------------------------------------------------- passing trees


def test_clean_tree_passes_without_output_on_stderr(tree: Tree) -> None:
    render(tree, WITH_RELEASE % "")
    code, err, out = check(tree)
    assert (code, err) == (0, [])
    assert out == (
        "checked 1 Kustomization folder(s) (0 built with kubectl kustomize), "
        "4 Flux object(s): 0 error(s), 0 warning(s)\n"
    )


def test_missing_components_is_one_warning_and_needs_no_kubectl(tree: Tree, tmp_path: Path) -> None:
    """The folder that should hold the components file is not built: it could only fail."""
    config = MINIMAL_CONFIG.replace("  - apps", "  - apps\n  - flux")
    tree.write("resources/flux/kustomization.yaml", "resources:\n  - gotk-components.yaml\n")
    render(tree, config, components=False)
    empty = tmp_path / "bin"
    empty.mkdir()
    code, err, out = check(tree, env={"PATH": str(empty)})
    assert code == 0
    assert err == [
        "warning: resources/flux/gotk-components.yaml is missing: skipped the CRD schema checks "
        "and the kustomize build of resources/flux; generate it with "
        "`invoke flux.update --components` (needs the flux CLI v2.3.0)"
    ]
    assert "0 error(s), 1 warning(s)" in out


def test_shipped_tree_passes_from_a_fresh_clone(tmp_path: Path) -> None:
    """A fresh clone has no components file: one warning, exit 0."""
    root = tmp_path / "clone"
    shutil.copytree(PROJECT / "config", root / "config")
    shutil.copytree(PROJECT / "resources", root / "resources")
    (root / "resources" / "flux" / "gotk-components.yaml").unlink(missing_ok=True)
    done = run_invoke("flux.validate", config=root / "config" / "flux.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "warning: resources/flux/gotk-components.yaml is missing: skipped the CRD schema checks "
        "and the kustomize build of resources/flux; generate it with "
        "`invoke flux.update --components` (needs the flux CLI v2.3.0)"
    ]


# ---------------------------------------------------------------- config and generated files


def test_config_errors_are_the_messages_update_prints(tree: Tree) -> None:
    tree.write_config(MINIMAL_CONFIG.replace("interval: 5m", "interval: 5x").replace("- apps", "- Apps"))
    code, err, out = check(tree)
    update = tree.invoke("flux.update")
    assert update.returncode == 4
    assert code == 1
    assert err == update.stderr.splitlines() == [
        "config/flux.yaml:6:13: defaults.interval: invalid duration '5x': use Go form like 30s, 5m, 1h30m",
        "config/flux.yaml:12:5: kustomizations[0]: name 'Apps' is invalid, it should adhere to standard "
        "defined in RFC 1123: 2-63 lower-case alphanumeric characters or '-', starting and ending alphanumeric",
    ]
    assert out == "config invalid: 2 error(s); the other checks need a valid config\n"


def test_stale_missing_and_orphaned_generated_files(tree: Tree) -> None:
    render(tree)
    ks = tree.resources / "flux-system" / "flux-ks-apps.yaml"
    ks.write_text(ks.read_text().replace("interval: 5m0s", "interval: 6m0s"))
    (tree.resources / "flux-system" / "flux-source-git-k8s-io.yaml").unlink()
    orphan = ks.read_text().replace("name: apps", "name: old")
    (tree.resources / "flux-system" / "flux-ks-old.yaml").write_text(orphan)
    before = tree.snapshot()
    code, err, _ = check(tree)
    assert code == 1
    fix = "run `invoke flux.update` and commit the result"
    assert err == [
        f"resources/flux-system/flux-ks-apps.yaml: out of date: differs from what config/flux.yaml renders; {fix}",
        f"resources/flux-system/flux-ks-old.yaml: generated, but no longer declared in config/flux.yaml; {fix} (it prunes the file)",
        f"resources/flux-system/flux-source-git-k8s-io.yaml: missing: config/flux.yaml declares it; {fix}",
    ]
    assert tree.snapshot() == before  # validate never writes


def test_components_of_another_flux_version_is_drift(tree: Tree) -> None:
    render(tree)
    (tree.root / COMPONENTS).write_text(CRDS.replace("# Flux Version: v2.3.0", "# Flux Version: v2.2.0"))
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/flux/gotk-components.yaml is Flux v2.2.0, but flux.version pins v2.3.0; "
        "run `invoke flux.update --components` with the flux CLI v2.3.0 on PATH"
    ]


def test_hand_written_file_where_a_generated_one_goes(tree: Tree) -> None:
    render(tree)
    hand_written(tree, "flux-system/flux-ks-apps.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "warning: resources/flux-system/flux-ks-apps.yaml: named flux-ks-* but holds no Kustomization, "
        "yet `invoke flux.apply-kustomizations` applies it; rename it",
        "resources/flux-system/flux-ks-apps.yaml: exists without the generated marker (hand-written or a symlink); "
        "refusing to overwrite it: move it away or change the object's file in the config",
    ]


# ---------------------------------------------------------------- Kustomization folders


def test_plain_folder_documents_need_apiversion_kind_and_name(tree: Tree) -> None:
    render(tree)
    hand_written(
        tree,
        "apps/things.yaml",
        "kind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n"
        "---\n- just\n- a list\n",
    )
    hand_written(tree, "apps/sub/deep.yml", "apiVersion: v1\nmetadata: {name: deep}\n")
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        f"resources/apps/things.yaml: ConfigMap default/a: missing apiVersion; {NEEDS}",
        f"resources/apps/things.yaml: document 3 (Secret): missing metadata.name; {NEEDS}",
        f"resources/apps/things.yaml: document 4: not a Kubernetes object but a list; {NEEDS}",
        f"resources/apps/sub/deep.yml: document 1: missing kind; {NEEDS}",
    ]


def test_a_list_document_stands_for_its_items(tree: Tree) -> None:
    render(tree)
    hand_written(
        tree,
        "apps/list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: ok}}\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {}}\n"
        "  - just text\n",
    )
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        f"resources/apps/list.yaml: document 1 (ConfigMap): missing metadata.name; {NEEDS}",
        f"resources/apps/list.yaml: document 1: missing apiVersion, kind, metadata.name; {NEEDS}",
    ]


def test_deep_nesting_and_line_breaks_in_names_stay_one_line(tree: Tree) -> None:
    render(tree)
    hand_written(tree, "apps/deep.yaml", "a: " + "[" * 5000 + "]" * 5000 + "\n")
    hand_written(tree, "apps/odd.yaml", 'kind: "Config\\nMap"\nmetadata: {name: "a\\u001b[31m"}\n')
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/apps/deep.yaml:1:1: invalid YAML: nested too deeply to read",
        f"resources/apps/odd.yaml: Config\\nMap default/a\\x1b[31m: missing apiVersion; {NEEDS}",
    ]


def test_yaml_that_does_not_parse(tree: Tree) -> None:
    render(tree)
    hand_written(tree, "apps/broken.yaml", "apiVersion: v1\nkind: [ConfigMap\n")
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/apps/broken.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_an_unused_kustomization_yaml_above_does_not_hide_parse_errors(tree: Tree) -> None:
    """Flux builds the Kustomization's folder, not resources/: a kustomization.yaml at the
    top is not what reads resources/apps."""
    render(tree)
    tree.write("resources/kustomization.yaml", "resources: [apps]\n")
    hand_written(tree, "apps/broken.yaml", "a: [\n")
    code, err, _ = check(tree)
    assert (code, err) == (1, ["resources/apps/broken.yaml:2:1: invalid YAML: expected the node content, but found '<stream end>'"])


def test_components_file_that_does_not_parse(tree: Tree) -> None:
    render(tree, WITH_RELEASE % "")
    (tree.root / COMPONENTS).write_text(CRDS + "  - [\n")
    code, err, _ = check(tree)
    assert code == 1
    assert err == [  # one line; no schema errors and no "missing" warning
        f"resources/flux/gotk-components.yaml:{CRDS.count(chr(10)) + 1}:3: invalid YAML: expected <block end>, but found '-'; "
        "regenerate it with `invoke flux.update --components`"
    ]


@needs_kubectl
def test_kustomize_folder_that_builds(tree: Tree) -> None:
    config = MINIMAL_CONFIG.replace("  - apps", "  - apps\n  - web")
    tree.folder("web")
    tree.write("resources/web/kustomization.yaml", "resources:\n  - namespace.yaml\n")
    render(tree, config)
    code, err, out = check(tree)
    assert (code, err) == (0, [])
    assert "(1 built with kubectl kustomize)" in out


@needs_kubectl
def test_kustomize_build_error_is_trimmed_to_its_useful_line(tree: Tree) -> None:
    config = MINIMAL_CONFIG.replace("  - apps", "  - apps\n  - web")
    tree.folder("web")
    tree.write("resources/web/kustomization.yaml", "resources:\n  - namespace.yaml\n  - missing.yaml\n")
    render(tree, config)
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/web: kubectl kustomize failed: accumulating resources from 'missing.yaml': "
        "open resources/web/missing.yaml: no such file or directory; "
        "fix resources/web/kustomization.yaml or the files it lists"
    ]


@needs_kubectl
def test_kustomize_subfolder_of_a_plain_folder_is_built(tree: Tree) -> None:
    """Flux's generated kustomization takes a subfolder with its own kustomization.yaml whole."""
    render(tree)
    tree.write("resources/apps/sub/kustomization.yaml", "resources:\n  - nowhere.yaml\n")
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/apps/sub: kubectl kustomize failed: accumulating resources from 'nowhere.yaml': "
        "open resources/apps/sub/nowhere.yaml: no such file or directory; "
        "fix resources/apps/sub/kustomization.yaml or the files it lists"
    ]


def test_missing_kubectl_when_a_folder_needs_building_is_exit_2(tree: Tree, tmp_path: Path) -> None:
    config = MINIMAL_CONFIG.replace("  - apps", "  - apps\n  - web")
    tree.folder("web")
    tree.write("resources/web/kustomization.yaml", "resources:\n  - namespace.yaml\n")
    render(tree, config)
    hand_written(tree, "apps/bad.yaml", "kind: ConfigMap\nmetadata: {name: a}\n")
    empty = tmp_path / "bin"
    empty.mkdir()
    code, err, _ = check(tree, env={"PATH": str(empty)})
    assert code == 2
    assert err == [  # the other problems are still reported
        f"resources/apps/bad.yaml: ConfigMap default/a: missing apiVersion; {NEEDS}",
        "kubectl: command not found; install kubectl: https://kubernetes.io/docs/tasks/tools/ "
        "(needed to build resources/web with `kubectl kustomize`)",
    ]


def test_kustomize_error_trimming() -> None:
    root = Path("/src/project/resources")
    klog = (
        'E1128 20:16:56.995214   22224 run.go:72] "command failed" err="accumulating resources: '
        "accumulation err='accumulating resources from 'x.yaml': evalsymlink failure on "
        "'/src/project/resources/app/x.yaml' : lstat /src/project/resources/app/x.yaml: no such file or directory': "
        "must build at directory: not a valid directory: evalsymlink failure on "
        "'/src/project/resources/app/x.yaml' : lstat /src/project/resources/app/x.yaml: no such file or directory\"\n"
    )
    assert trim_kustomize_error(klog, root, "resources") == (
        "accumulating resources from 'x.yaml': resources/app/x.yaml: no such file or directory"
    )
    old_style = "some noise\nerror: invalid Kustomization: json: unknown field \"bogus\"\n"
    assert trim_kustomize_error(old_style, root, "resources") == (
        'invalid Kustomization: json: unknown field "bogus"'
    )
    assert trim_kustomize_error("", root, "resources") == "failed without a message"


# ---------------------------------------------------------------- CRD schemas


def test_objects_that_break_their_crd_schema(tree: Tree) -> None:
    render(tree, WITH_RELEASE % "")
    hand_written(
        tree,
        "apps/flux-hr-extra.yaml",
        release(spec="  intreval: 5m\n  suspend: null\n  releaseName: 7\n  values: {any: {thing: 1}}\n").replace(
            "kind: HelmRepository, name", "kind: HelmRepo, name"
        ),
    )
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        f"resources/apps/flux-hr-extra.yaml: HelmRelease apps/extra: spec.chart.spec.sourceRef.kind: "
        f"'HelmRepo' is not one of ['HelmRepository', 'GitRepository', 'Bucket'] {SCHEMA}",
        f"resources/apps/flux-hr-extra.yaml: HelmRelease apps/extra: spec.intreval: unknown field "
        f"(did you mean 'interval'?) {SCHEMA}",
        f"resources/apps/flux-hr-extra.yaml: HelmRelease apps/extra: spec.releaseName: 7 is not of type 'string' {SCHEMA}",
    ]


def test_apiversion_the_components_no_longer_serve(tree: Tree) -> None:
    render(tree, WITH_RELEASE % "")
    hand_written(tree, "apps/flux-hr-old.yaml", release("old", api="v2beta1"))
    hand_written(tree, "apps/flux-hr-older.yaml", release("older", api="v2alpha1"))
    code, err, _ = check(tree)
    assert code == 1
    served = "is not served by resources/flux/gotk-components.yaml (served: v2, v2beta2); change it to helm.toolkit.fluxcd.io/v2"
    assert err == [
        f"resources/apps/flux-hr-old.yaml: HelmRelease apps/old: apiVersion helm.toolkit.fluxcd.io/v2beta1 {served}",
        f"resources/apps/flux-hr-older.yaml: HelmRelease apps/older: apiVersion helm.toolkit.fluxcd.io/v2alpha1 {served}",
    ]


def test_kind_without_a_crd_in_the_components(tree: Tree) -> None:
    render(tree)
    hand_written(
        tree,
        "apps/policy.yaml",
        "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: web, namespace: apps}\n",
    )
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/apps/policy.yaml: ImagePolicy apps/web: resources/flux/gotk-components.yaml has no CRD for "
        "ImagePolicy in image.toolkit.fluxcd.io; add its controller to flux.components or flux.componentsExtra "
        "in config/flux.yaml and run `invoke flux.update --components`"
    ]


def test_structural_schema_reading() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "a": {"type": "string", "nullable": True},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"x": {}}},
                    "list": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
                },
            }
        },
    }
    assert schema_problems(crd_validator(schema), {"spec": {"a": None, "free": {"y": 1}, "list": [{"k": "v"}]}}) == []
    assert schema_problems(crd_validator(schema), {"spec": {"list": [{"kk": "v"}]}, "status": {}}) == [
        "spec.list[0].kk: unknown field (did you mean 'k'?)",
        "status: unknown field",
    ]
    assert structural({"type": "string", "nullable": True}) == {"type": ["string", "null"], "nullable": True}


# ---------------------------------------------------------------- deployed, references, naming


def test_release_outside_every_kustomization_folder(tree: Tree) -> None:
    tree.folder("other")
    render(tree, WITH_RELEASE % ", file: other/flux-hr-web.yaml")
    hand_written(tree, "flux-hr-loose.yaml", release("loose"))
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        f"resources/flux-hr-loose.yaml: HelmRelease apps/loose: {NOT_DEPLOYED}",
        f"resources/other/flux-hr-web.yaml: HelmRelease apps/web: {NOT_DEPLOYED}",
    ]


def test_release_in_a_folder_synced_by_a_hand_written_kustomization_is_deployed(tree: Tree) -> None:
    tree.folder("other")
    render(tree, WITH_RELEASE % ", file: other/flux-hr-web.yaml")
    hand_written(
        tree,
        "apps/flux-ks-other.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: other, namespace: flux-system}\n"
        "spec: {interval: 5m, prune: true, path: ./clusters/prow/other, "
        "sourceRef: {kind: GitRepository, name: k8s-io}}\n",
    )
    code, err, out = check(tree)
    assert (code, err) == (0, [])
    assert "checked 2 Kustomization folder(s)" in out


@needs_kubectl
def test_release_left_out_of_its_folders_kustomization_yaml(tree: Tree) -> None:
    tree.write("resources/apps/kustomization.yaml", "resources:\n  - namespace.yaml\n")
    render(tree, WITH_RELEASE % "")
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        "resources/apps/flux-hr-web.yaml: HelmRelease apps/web: not deployed: "
        "resources/apps/kustomization.yaml does not include it; add it to its resources"
    ]
    tree.write("resources/apps/kustomization.yaml", "resources:\n  - namespace.yaml\n  - flux-hr-web.yaml\n")
    assert check(tree)[:2] == (0, [])


def test_references_to_objects_that_exist_nowhere(tree: Tree) -> None:
    """External references pass the loader (they carry a namespace) but must exist somewhere."""
    config = (WITH_RELEASE % ", dependsOn: [infra/db]").replace(
        "source: HelmRepository/charts", "source: HelmRepository/ext.infra"
    )
    render(tree, config)
    hand_written(
        tree,
        "apps/flux-ks-more.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: more, namespace: flux-system}\n"
        "spec: {interval: 5m, prune: true, sourceRef: {kind: OCIRepository, name: manifests}, "
        "dependsOn: [{name: apps}, {name: nope}]}\n",
    )
    code, err, _ = check(tree)
    assert code == 1
    assert err == [
        f"resources/apps/flux-hr-web.yaml: HelmRelease apps/web: spec.chart.spec.sourceRef: HelmRepository infra/ext does not exist; {FIX_REF}",
        f"resources/apps/flux-hr-web.yaml: HelmRelease apps/web: spec.dependsOn[0]: HelmRelease infra/db does not exist; {FIX_REF}",
        f"resources/apps/flux-ks-more.yaml: Kustomization flux-system/more: spec.sourceRef: OCIRepository flux-system/manifests does not exist; {FIX_REF}",
        f"resources/apps/flux-ks-more.yaml: Kustomization flux-system/more: spec.dependsOn[1]: Kustomization flux-system/nope does not exist; {FIX_REF}",
    ]


def test_references_to_hand_written_objects_resolve(tree: Tree) -> None:
    config = (WITH_RELEASE % "").replace("source: HelmRepository/charts", "source: HelmRepository/ext.infra")
    render(tree, config)
    hand_written(
        tree,
        "apps/flux-source-helm-ext.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
        "metadata: {name: ext, namespace: infra}\nspec: {interval: 5m, url: https://ext.example.com}\n",
    )
    assert check(tree)[:2] == (0, [])


def test_naming_conventions_are_warnings_for_hand_written_files(tree: Tree) -> None:
    render(tree, WITH_RELEASE % "")
    hand_written(tree, "apps/extra.yaml", release())
    hand_written(tree, "apps/flux-hr-config.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    hand_written(
        tree,
        "apps/flux-hr-mixed.yaml",
        release("mixed")
        + "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata: {name: repo, namespace: apps}\nspec: {interval: 5m, url: https://example.com/repo}\n",
    )
    code, err, out = check(tree)
    assert code == 0
    assert err == [
        "warning: resources/apps/extra.yaml: HelmRelease apps/extra: a file holding a HelmRelease should be "
        "named flux-hr-*.yaml, else `invoke flux.apply-helm-releases` skips it; move it to resources/apps/flux-hr-extra.yaml",
        "warning: resources/apps/flux-hr-config.yaml: named flux-hr-* but holds no HelmRelease, "
        "yet `invoke flux.apply-helm-releases` applies it; rename it",
        "warning: resources/apps/flux-hr-mixed.yaml: GitRepository apps/repo: a file holding a source should be "
        "named flux-source-*.yaml, else `invoke flux.apply-sources` skips it; move it to "
        "resources/apps/flux-source-git-repo.yaml",
    ]
    assert "0 error(s), 3 warning(s)" in out


def test_every_problem_is_reported_at_once(tree: Tree) -> None:
    render(tree, WITH_RELEASE % "")
    ks = tree.resources / "flux-system" / "flux-ks-apps.yaml"
    ks.write_text(ks.read_text().replace("prune: true", "prune: false"))
    hand_written(tree, "apps/bad.yaml", "kind: ConfigMap\nmetadata: {name: a}\n")
    hand_written(tree, "apps/flux-hr-old.yaml", release("old", api="v2beta1"))
    hand_written(tree, "loose/flux-hr-loose.yaml", release("loose", spec="  dependsOn: [{name: ghost}]\n"))
    hand_written(tree, "apps/extra.yaml", release("extra2"))
    code, err, out = check(tree)
    assert code == 1
    assert [line.split(": ", 2)[0] + ": " + line.split(": ", 2)[1] for line in err] == [
        "warning: resources/apps/extra.yaml",
        "resources/flux-system/flux-ks-apps.yaml: out of date",
        "resources/apps/bad.yaml: ConfigMap default/a",
        "resources/apps/flux-hr-old.yaml: HelmRelease apps/old",
        "resources/loose/flux-hr-loose.yaml: HelmRelease apps/loose",
        "resources/loose/flux-hr-loose.yaml: HelmRelease apps/loose",
    ]
    assert "5 error(s), 1 warning(s)" in out


# ---------------------------------------------------------------- library


def test_library_returns_findings_without_invoke(tree: Tree) -> None:
    render(tree)
    hand_written(tree, "apps/bad.yaml", "kind: ConfigMap\nmetadata: {name: a}\n")
    report = validate(tree.config, Runner())
    assert report.errors == [f"resources/apps/bad.yaml: ConfigMap default/a: missing apiVersion; {NEEDS}"]
    assert report.warnings == [] and report.missing_tool is None


def test_timestamps_stay_text_like_kubernetes_reads_them() -> None:
    documents, error = parse_documents("a: 2024-01-02\n---\n---\n{2: x, false: y}\n")
    assert error is None
    assert documents == [{"a": "2024-01-02"}, None, {"2": "x", "false": "y"}]


def test_validate_task_is_listed() -> None:
    assert "flux.validate" in run_invoke("--list").stdout
