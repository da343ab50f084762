"""`invoke flux.upgrade VERSION` end to end with the fake flux CLI: the version set in place
(comment and the rest of the file kept), every object re-rendered with that release's
apiVersions and a summary of what moves, the components file regenerated when the CLI on
PATH is that release (otherwise the exact commands), then validation; refusals for versions
outside the supported range and for an unasked downgrade.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import BOILERPLATE
from fakecluster import FakeCluster

from fluxtasks.config.load import load_config
from fluxtasks.errors import EXIT_CHECK_FAILED, EXIT_INPUT
from fluxtasks.offline.upgrade import api_moves, normalised, release_key

CONFIG = """\
# Pinned Flux release.
flux:
  version: v2.2.0   # bump with invoke flux.upgrade
output:
  repoPath: clusters/prow
defaults:
  interval: 5m
clusters:
  canary: {context: prow-canary-cluster}
sources:
  - {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main}
  - {kind: HelmRepository, name: charts, url: https://charts.example.com}
helmReleases:
  - {name: web, namespace: apps, source: HelmRepository/charts, chart: web, version: 1.0.3}
kustomizations:
  - apps
  - flux-system
  - flux
"""


class Project:
    def __init__(self, root: Path, fake: FakeCluster) -> None:
        self.root, self.fake = root, fake
        self.config = root / "config" / "flux.yaml"

    def invoke(self, *args: str, cli: str = "v2.3.0") -> subprocess.CompletedProcess[str]:
        env = {"FLUXTASKS_FAKE_FLUX_VERSION": cli}
        return self.fake.invoke(*args, config=self.config, env=env)

    def files(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    for rel, text in {
        "config/boilerplate.txt": BOILERPLATE,
        "config/flux.yaml": CONFIG,
        "resources/apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "resources" / "flux-system").mkdir()
    (root / "resources" / "flux").mkdir()
    p = Project(root, FakeCluster(tmp_path / "fake", tools=("flux",)))
    done = p.invoke("flux.update", "--components", cli="v2.2.0")
    assert done.returncode == 0, done.stderr
    return p


def test_upgrade_with_that_flux_on_path(project: Project) -> None:
    done = project.invoke("flux.upgrade", "v2.3.0")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "config/flux.yaml: flux.version v2.2.0 → v2.3.0\n"
        "updated resources/apps/flux-hr-web.yaml\n"
        "updated resources/flux-system/flux-source-helm-charts.yaml\n"
        "updated resources/flux/gotk-components.yaml\n"
        "3 written, 4 unchanged, 0 pruned\n"
        "Flux v2.2.0 → v2.3.0\n"
        "  1 object: helm.toolkit.fluxcd.io v2beta2 → v2 (HelmRelease)\n"
        "  1 object: source.toolkit.fluxcd.io v1beta2 → v1 (HelmRepository)\n"
        "  components: regenerated resources/flux/gotk-components.yaml with flux v2.3.0\n"
        "validate: checked 3 Kustomization folder(s) (0 built with kubectl kustomize), "
        "6 Flux object(s): 0 error(s), 0 warning(s)\n"
    )
    assert project.config.read_text() == CONFIG.replace(
        "version: v2.2.0   #", "version: v2.3.0   #"
    )
    components = (project.root / "resources/flux/gotk-components.yaml").read_text()
    assert "# Flux Version: v2.3.0\n" in components
    assert (
        "apiVersion: helm.toolkit.fluxcd.io/v2\n"
        in (project.root / "resources/apps/flux-hr-web.yaml").read_text()
    )
    assert project.invoke("flux.update", "--check").returncode == 0


def test_without_that_flux_it_says_what_to_run_and_validation_fails(project: Project) -> None:
    done = project.invoke("flux.upgrade", "2.3.0", cli="v2.2.0")
    assert done.returncode == EXIT_CHECK_FAILED
    assert (
        "  components: the flux CLI on PATH is v2.2.0, not v2.3.0: put flux v2.3.0 on PATH "
        "(https://github.com/fluxcd/flux2/releases/tag/v2.3.0), then run "
        "`invoke flux.update --components` to regenerate resources/flux/gotk-components.yaml\n"
    ) in done.stdout
    # The old components do not serve the new apiVersion: validate says so, exit 1.
    assert "resources/apps/flux-hr-web.yaml: HelmRelease apps/web: " in done.stderr
    assert project.config.read_text().count("version: v2.3.0") == 1


def test_without_any_flux_cli(project: Project, tmp_path: Path) -> None:
    bare = FakeCluster(tmp_path / "no-flux", tools=())
    done = bare.invoke("flux.upgrade", "v2.2.1", config=project.config)
    assert "  no object changes apiVersion\n" in done.stdout
    assert (
        "  components: flux CLI not on PATH: install flux v2.2.1 "
        "(https://github.com/fluxcd/flux2/releases/tag/v2.2.1), then run "
        "`invoke flux.update --components` to regenerate resources/flux/gotk-components.yaml\n"
    ) in done.stdout
    # Until then validate reports the components as stale: exit 1, the same line.
    assert done.returncode == EXIT_CHECK_FAILED
    assert done.stderr.splitlines()[-1] == (
        "resources/flux/gotk-components.yaml is Flux v2.2.0, but flux.version pins v2.2.1; "
        "run `invoke flux.update --components` with the flux CLI v2.2.1 on PATH"
    )


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("v3.0.0", "VERSION: 'v3.0.0' is not a Flux release this project renders (v2.0.0 to v2.9.x, e.g. v2.9.0)"),
        ("v2.10.0", "VERSION: 'v2.10.0' is not a Flux release this project renders (v2.0.0 to v2.9.x, e.g. v2.9.0)"),
        ("latest", "VERSION: 'latest' is not a Flux release this project renders (v2.0.0 to v2.9.x, e.g. v2.9.0)"),
        ("v2.1.0", "VERSION: v2.1.0 is older than the pinned v2.2.0: the cluster may store objects at "
                   "apiVersions the older controllers do not serve; pass --allow-downgrade to pin it anyway"),
    ],
)  # fmt: skip
def test_refusals_change_nothing(project: Project, version: str, message: str) -> None:
    before = project.files()
    done = project.invoke("flux.upgrade", version)
    assert (done.returncode, done.stdout, done.stderr) == (EXIT_INPUT, "", message + "\n")
    assert project.files() == before


def test_a_downgrade_when_asked(project: Project) -> None:
    done = project.invoke("flux.upgrade", "v2.1.0", "--allow-downgrade", cli="v2.1.0")
    assert done.returncode == 0, done.stderr
    assert "  1 object: helm.toolkit.fluxcd.io v2beta2 → v2beta1 (HelmRelease)\n" in done.stdout


def test_dry_run_writes_nothing(project: Project) -> None:
    before = project.files()
    done = project.invoke("flux.upgrade", "v2.3.0", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert project.files() == before
    assert "-  version: v2.2.0   # bump with invoke flux.upgrade\n" in done.stdout
    assert "+  version: v2.3.0   # bump with invoke flux.upgrade\n" in done.stdout
    assert "dry run: flux.version v2.2.0 → v2.3.0; nothing was written\n" in done.stdout


def test_release_order_and_names() -> None:
    assert normalised(" 2.4.0") == "v2.4.0"
    ordered = ["v2.3.0-rc.1", "v2.3.0", "v2.3.1", "v2.4.0"]
    assert sorted(reversed(ordered), key=release_key) == ordered


def test_api_moves_count_objects_per_group_and_version(project: Project) -> None:
    config = load_config(project.config)
    assert api_moves(config, "v2.0.0", "v2.6.0") == [
        "1 object: helm.toolkit.fluxcd.io v2beta1 → v2 (HelmRelease)",
        "1 object: source.toolkit.fluxcd.io v1beta2 → v1 (HelmRepository)",
    ]
    assert api_moves(config, "v2.3.0", "v2.3.1") == ["no object changes apiVersion"]


def test_the_pinned_version_again_regenerates_and_changes_no_config(project: Project) -> None:
    (project.root / "resources/flux/gotk-components.yaml").unlink()
    before = project.config.read_bytes()
    done = project.invoke("flux.upgrade", "v2.2.0", cli="v2.2.0")
    assert done.returncode == 0, done.stderr
    assert project.config.read_bytes() == before
    assert done.stdout.startswith(
        "config/flux.yaml: flux.version is v2.2.0 already\n"
        "wrote resources/flux/gotk-components.yaml\n"
    )
    assert "Flux v2.2.0 is pinned already\n  no object changes apiVersion\n" in done.stdout
