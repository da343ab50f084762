"""`flux.diff` library (fluxtasks/offline: gitref, objdiff, folderbuild, diff, diff_report,
livediff), end to end in Git repositories built here: the project sits in a subfolder of its
repository (as it does in kubernetes/k8s.io) and sets no output.repoPath, so both sides
derive it from Git. The expected texts are exact.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import BOILERPLATE
from fakes import samples as s

from fluxtasks.cluster.target import ClusterTarget
from fluxtasks.config.load import load_config
from fluxtasks.errors import EXIT_INPUT, InputError
from fluxtasks.files.atomic import apply_plan
from fluxtasks.offline.diff import DiffResult, diff_offline
from fluxtasks.offline.diff_report import markdown, md_text, summary, text_lines
from fluxtasks.offline.folderbuild import FolderBuilder
from fluxtasks.offline.gitref import fetch_command, needed_paths
from fluxtasks.offline.livediff import (
    InventoryEntry,
    LiveDiffFailed,
    diff_args,
    error_line,
    prune_list,
    run_live_diff,
)
from fluxtasks.offline.objdiff import ChangeKind
from fluxtasks.render.update import plan_update
from fluxtasks.runner import Runner

FAKES = Path(__file__).resolve().parent / "fakes"
TODAY = dt.date(2024, 6, 1)
CANARY = "prow-canary-cluster"
needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="needs the real kubectl (its `kubectl kustomize` builds the folders)",
)

CONFIG = """\
flux:
  version: v2.3.0
defaults:
  interval: 5m
clusters:
  canary: {context: prow-canary-cluster}
sources:
  - {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main}
  - {kind: HelmRepository, name: eks-charts, url: https://aws.github.io/eks-charts}
  - {kind: HelmRepository, name: karpenter, url: oci://public.ecr.aws/karpenter}
helmReleases:
  - name: karpenter
    namespace: kube-system
    source: HelmRepository/karpenter
    chart: karpenter
    version: 1.0.2
    clusterValues: {configMap: karpenter-helm-values, file: "config/values/karpenter-{cluster}.yaml"}
kustomizations:
  - flux-system
  - kube-system
  - monitoring
"""

APPS_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: apps
resources:
  - namespace.yaml
  - web.yaml
"""
WEB = """\
# The greeting the web app serves.
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  greeting: hello
"""


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass
class Repo:
    """A Git repository holding the project under infra/prow/."""

    top: Path

    @property
    def project(self) -> Path:
        return self.top / "infra" / "prow"

    @property
    def config(self) -> Path:
        return self.project / "config" / "flux.yaml"

    def write(self, rel: str, text: str) -> None:
        path = self.project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def edit(self, old: str, new: str, rel: str = "config/flux.yaml") -> None:
        path = self.project / rel
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    def update(self) -> None:
        """What a contributor runs after editing the config: `flux.update`."""
        apply_plan(plan_update(load_config(self.config), today=TODAY))

    def commit(self, message: str) -> str:
        git(self.top, "add", "-A")
        git(self.top, "commit", "--quiet", "-m", message)
        return git(self.top, "rev-parse", "HEAD")

    def diff(self, base: str = "HEAD", runner: Runner | None = None) -> DiffResult:
        return diff_offline(self.config, runner or Runner(), base=base)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "repo")
    r.top.mkdir()
    git(r.top, "init", "--quiet", "--initial-branch=main")
    r.write("config/boilerplate.txt", BOILERPLATE)
    r.write("config/flux.yaml", CONFIG)
    r.write("config/values/karpenter-canary.yaml", "replicas: 1\n")
    r.write("resources/kube-system/storageclass.yaml", STORAGE_CLASS)
    r.write("resources/monitoring/namespace.yaml", namespace("monitoring"))
    (r.project / "resources" / "flux-system").mkdir()
    r.update()
    r.commit("base")
    return r


STORAGE_CLASS = """\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp3
provisioner: ebs.csi.aws.com
"""


def namespace(name: str) -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"


def short(repo: Repo, ref: str = "HEAD") -> str:
    return git(repo.top, "rev-parse", "--short=7", ref)


# ---------------------------------------------------------------- offline diff


def test_no_change_reports_nothing(repo: Repo) -> None:
    before = git(repo.top, "status", "--porcelain", "--ignored")
    result = repo.diff()
    # Reading the base leaves the repository as it was: no worktree, no file, no ref.
    assert git(repo.top, "status", "--porcelain", "--ignored") == before
    assert git(repo.top, "worktree", "list").count("\n") == 0
    assert (result.changes, result.notes, result.problems, result.changed) == ((), (), (), False)
    assert text_lines(result) == [
        f"no changes: HEAD ({short(repo)}) and the working tree render the same objects"
    ]


def test_a_chart_bump_is_one_changed_release(repo: Repo) -> None:
    repo.edit("version: 1.0.2", "version: 1.0.3")
    repo.update()
    result = repo.diff()
    assert result.changed
    assert "\n".join(text_lines(result)) == textwrap.dedent(f"""\
        ~ HelmRelease kube-system/karpenter (resources/kube-system/flux-hr-karpenter.yaml)
        --- a/resources/kube-system/flux-hr-karpenter.yaml
        +++ b/resources/kube-system/flux-hr-karpenter.yaml
        @@ -12,7 +12,7 @@
                 kind: HelmRepository
                 name: karpenter
                 namespace: flux-system
        -      version: 1.0.2
        +      version: 1.0.3
           interval: 5m0s
           valuesFrom:
           - kind: ConfigMap

        1 object differs between HEAD ({short(repo)}) and the working tree: 1 changed""")


def test_the_bump_is_seen_across_a_commit_too(repo: Repo) -> None:
    """--base names any revision: a reviewer compares the PR head with its merge base."""
    base = short(repo)
    repo.edit("version: 1.0.2", "version: 1.0.3")
    repo.update()
    repo.commit("bump karpenter")
    assert repo.diff().changes == ()
    result = repo.diff(base=base)
    assert [(c.kind, c.key.describe()) for c in result.changes] == [
        (ChangeKind.CHANGED, "HelmRelease kube-system/karpenter")
    ]
    assert summary(result) == (f"1 object differs between {base} and the working tree: 1 changed")


@needs_kubectl
def test_a_new_kustomization_folder_is_its_object_and_what_the_folder_builds(repo: Repo) -> None:
    repo.edit("  - monitoring\n", "  - monitoring\n  - apps\n")
    repo.write("resources/apps/kustomization.yaml", APPS_KUSTOMIZATION)
    repo.write("resources/apps/namespace.yaml", namespace("apps"))
    repo.write("resources/apps/web.yaml", WEB)
    repo.update()
    result = repo.diff()
    assert "\n".join(text_lines(result)) == textwrap.dedent(f"""\
        + Kustomization flux-system/apps (resources/flux-system/flux-ks-apps.yaml)
        --- /dev/null
        +++ b/resources/flux-system/flux-ks-apps.yaml
        @@ -0,0 +1,13 @@
        +apiVersion: kustomize.toolkit.fluxcd.io/v1
        +kind: Kustomization
        +metadata:
        +  name: apps
        +  namespace: flux-system
        +spec:
        +  interval: 5m0s
        +  path: ./infra/prow/resources/apps
        +  prune: true
        +  sourceRef:
        +    kind: GitRepository
        +    name: k8s-io
        +    namespace: flux-system

        + ConfigMap apps/web (resources/apps; Kustomization flux-system/apps)
        --- /dev/null
        +++ b/resources/apps
        @@ -0,0 +1,7 @@
        +apiVersion: v1
        +data:
        +  greeting: hello
        +kind: ConfigMap
        +metadata:
        +  name: web
        +  namespace: apps

        + Namespace apps (resources/apps; Kustomization flux-system/apps)
        --- /dev/null
        +++ b/resources/apps
        @@ -0,0 +1,4 @@
        +apiVersion: v1
        +kind: Namespace
        +metadata:
        +  name: apps

        3 objects differ between HEAD ({short(repo)}) and the working tree: 3 added""")


@needs_kubectl
def test_a_changed_folder_diffs_each_object_kustomize_builds(repo: Repo) -> None:
    repo.edit("  - monitoring\n", "  - monitoring\n  - apps\n")
    repo.write("resources/apps/kustomization.yaml", APPS_KUSTOMIZATION)
    repo.write("resources/apps/namespace.yaml", namespace("apps"))
    repo.write("resources/apps/web.yaml", WEB)
    repo.update()
    repo.commit("add apps")
    repo.edit("greeting: hello", "greeting: hi", "resources/apps/web.yaml")
    repo.edit("# The greeting", "# The short greeting", "resources/apps/web.yaml")
    result = repo.diff()
    assert "\n".join(text_lines(result)) == textwrap.dedent(f"""\
        ~ ConfigMap apps/web (resources/apps; Kustomization flux-system/apps)
        --- a/resources/apps
        +++ b/resources/apps
        @@ -1,6 +1,6 @@
         apiVersion: v1
         data:
        -  greeting: hello
        +  greeting: hi
         kind: ConfigMap
         metadata:
           name: web

        1 object differs between HEAD ({short(repo)}) and the working tree: 1 changed""")
    # A comment or the order of keys never reaches the cluster: no change.
    repo.write(
        "resources/apps/web.yaml",
        "kind: ConfigMap\napiVersion: v1\ndata: {greeting: hello}\nmetadata: {name: web}\n",
    )
    assert repo.diff().changes == ()


def test_a_removed_source_is_reported_with_its_whole_manifest(repo: Repo) -> None:
    repo.edit(
        "  - {kind: HelmRepository, name: eks-charts, url: https://aws.github.io/eks-charts}\n", ""
    )
    repo.update()
    assert "\n".join(text_lines(repo.diff())) == textwrap.dedent(f"""\
        - HelmRepository flux-system/eks-charts (resources/flux-system/flux-source-helm-eks-charts.yaml)
        --- a/resources/flux-system/flux-source-helm-eks-charts.yaml
        +++ /dev/null
        @@ -1,8 +0,0 @@
        -apiVersion: source.toolkit.fluxcd.io/v1
        -kind: HelmRepository
        -metadata:
        -  name: eks-charts
        -  namespace: flux-system
        -spec:
        -  interval: 5m0s
        -  url: https://aws.github.io/eks-charts

        1 object differs between HEAD ({short(repo)}) and the working tree: 1 removed""")


def test_a_removed_kustomization_says_what_pruning_deletes(repo: Repo) -> None:
    repo.edit("  - monitoring\n", "")
    repo.update()
    (change,) = repo.diff().changes
    assert change.kind is ChangeKind.REMOVED
    assert text_lines(repo.diff())[:3] == [
        "- Kustomization flux-system/monitoring (resources/flux-system/flux-ks-monitoring.yaml)",
        "  removing it prunes the 1 object built from resources/monitoring:",
        "    Namespace monitoring",
    ]


def test_with_prune_off_the_objects_stay_unmanaged(repo: Repo) -> None:
    repo.edit("  - monitoring\n", "  - {name: monitoring, prune: false}\n")
    repo.update()
    repo.commit("monitoring: prune off")
    repo.edit("  - {name: monitoring, prune: false}\n", "")
    repo.update()
    (change,) = repo.diff().changes
    assert change.notes == (
        "prune is off: the 1 object built from resources/monitoring stays in the cluster, unmanaged:",
        "  Namespace monitoring",
    )


def test_a_moved_file_is_the_same_object_moved(repo: Repo) -> None:
    repo.edit(
        "    chart: karpenter\n",
        "    chart: karpenter\n    file: karpenter/flux-hr-karpenter.yaml\n",
    )
    repo.update()
    (change,) = repo.diff().changes
    assert (change.kind, change.where, change.diff) == (
        ChangeKind.CHANGED,
        "resources/karpenter/flux-hr-karpenter.yaml",
        (),
    )
    assert text_lines(repo.diff())[:2] == [
        "~ HelmRelease kube-system/karpenter (resources/karpenter/flux-hr-karpenter.yaml)",
        "  moved from resources/kube-system/flux-hr-karpenter.yaml to resources/karpenter/flux-hr-karpenter.yaml",
    ]


def test_changed_cluster_values_remind_to_push_them(repo: Repo) -> None:
    repo.write("config/values/karpenter-canary.yaml", "replicas: 2\n")
    result = repo.diff()
    assert (result.changes, result.changed) == ((), False)
    assert result.notes == (
        "note: config/values/karpenter-canary.yaml changed: Flux does not read it; after the "
        "merge run `invoke flux.apply-values --release karpenter --cluster canary`",
    )


def test_the_base_reads_the_values_files_the_config_names(repo: Repo) -> None:
    """A values file outside config/ is taken from the base commit too."""
    repo.write("values/karpenter.yaml", "replicas: 3\n")
    repo.edit(
        "    version: 1.0.2\n", "    version: 1.0.2\n    valuesFiles: [values/karpenter.yaml]\n"
    )
    repo.update()
    repo.commit("karpenter values")
    repo.write("values/karpenter.yaml", "replicas: 4\n")
    (change,) = repo.diff().changes
    assert [line for line in change.diff if line.startswith(("-  ", "+  "))] == [
        "-    replicas: 3",
        "+    replicas: 4",
    ]
    assert needed_paths("config/flux.yaml", repo.config.read_text()) == [
        "config/flux.yaml", "config", "resources", "config/boilerplate.txt",
        "values/karpenter.yaml", "config/values/karpenter-canary.yaml",
    ]  # fmt: skip


# ---------------------------------------------------------------- refusals


def test_outside_a_git_work_tree_is_one_line_exit_4(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    (project / "config" / "flux.yaml").write_text(CONFIG)
    with pytest.raises(InputError) as caught:
        diff_offline(project / "config" / "flux.yaml", Runner(), base="origin/main")
    assert caught.value.exit_code == EXIT_INPUT
    assert caught.value.lines == [
        f"{project}: not inside a Git work tree: flux.diff reads the base side (origin/main) "
        "from Git; run it in a clone of the repository"
    ]


def test_a_base_config_that_does_not_load_names_the_base(repo: Repo) -> None:
    repo.edit("  interval: 5m\n", "  interval: 5 minutes\n")
    repo.commit("broken")
    repo.edit("  interval: 5 minutes\n", "  interval: 5m\n")
    with pytest.raises(InputError) as caught:
        repo.diff()
    assert caught.value.exit_code == EXIT_INPUT
    assert caught.value.lines == [
        "base (HEAD): config/flux.yaml:4:13: defaults.interval: invalid duration '5 minutes': "
        "use Go form like 30s, 5m, 1h30m"
    ]


def test_both_sides_broken_lists_both(repo: Repo) -> None:
    repo.edit("    chart: karpenter\n", "    chart: karpenter\n    colour: blue\n")
    repo.commit("broken")
    with pytest.raises(InputError) as caught:
        repo.diff()
    assert [line.split(":", 1)[0] for line in caught.value.lines] == ["base (HEAD)", "working tree"]


def test_a_base_without_the_config_file(repo: Repo) -> None:
    git(repo.top, "rm", "--quiet", "-r", "infra/prow/config")
    commit = repo.commit("drop the config")
    git(repo.top, "checkout", "--quiet", "HEAD~1", "--", "infra/prow/config")
    with pytest.raises(InputError) as caught:
        repo.diff()
    assert caught.value.lines == [f"base (HEAD): config/flux.yaml: no such file at {commit[:12]}"]


@pytest.mark.parametrize("ref", ["-p", "", "a b"])
def test_a_base_that_is_no_revision_is_refused_before_git_reads_it(repo: Repo, ref: str) -> None:
    with pytest.raises(InputError) as caught:
        repo.diff(base=ref)
    assert caught.value.lines == [f"--base {ref!r}: not a Git revision"]


def test_an_unknown_base_in_a_full_clone(repo: Repo) -> None:
    with pytest.raises(InputError) as caught:
        repo.diff(base="HEAD~5")
    assert caught.value.lines == ["--base HEAD~5: no such commit in this repository"]


# ---------------------------------------------------------------- shallow clones


@pytest.fixture
def shallow(repo: Repo, tmp_path: Path) -> tuple[Repo, str]:
    """A CI checkout: the PR branch cloned with --depth 1, main's tip not fetched."""
    repo.edit("version: 1.0.2", "version: 1.0.3")
    repo.update()
    main = repo.commit("bump on main")
    git(repo.top, "checkout", "--quiet", "-b", "pr")
    repo.edit("version: 1.0.3", "version: 1.0.4")
    repo.update()
    repo.commit("bump on the PR")
    clone = Repo(tmp_path / "clone")
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        "pr",
        f"file://{repo.top}",
        "clone",
    )
    return clone, main


def test_a_shallow_clone_says_how_to_fetch_a_missing_base(shallow: tuple[Repo, str]) -> None:
    clone, main = shallow
    with pytest.raises(InputError) as caught:
        clone.diff(base="origin/main")
    fetch = "git fetch --depth=1 origin main:refs/remotes/origin/main"
    assert caught.value.lines == [
        f"--base origin/main: no such commit in this shallow clone; fetch it first: {fetch}"
    ]
    git(clone.top, *fetch.split()[1:])  # run what it says
    (change,) = clone.diff(base="origin/main").changes
    assert [line for line in change.diff if "version: 1.0." in line] == [
        "-      version: 1.0.3",
        "+      version: 1.0.4",
    ]


def test_a_shallow_clone_fetches_a_base_commit_by_id(shallow: tuple[Repo, str]) -> None:
    clone, main = shallow
    with pytest.raises(InputError) as caught:
        clone.diff(base=main)
    fetch = f"git fetch --depth=1 origin {main}"
    assert caught.value.lines == [
        f"--base {main}: no such commit in this shallow clone; fetch it first: {fetch}"
    ]
    git(clone.top, *fetch.split()[1:])
    result = clone.diff(base=main)
    assert result.base == main  # a commit id names itself
    assert [c.key.describe() for c in result.changes] == ["HelmRelease kube-system/karpenter"]


def test_a_shallow_clone_diffs_against_its_own_head(shallow: tuple[Repo, str]) -> None:
    clone, _ = shallow
    assert clone.diff().changes == ()
    assert git(clone.top, "rev-parse", "--is-shallow-repository") == "true"


def test_fetch_commands() -> None:
    assert fetch_command("upstream/release-1.2", ["origin", "upstream"], shallow=False) == (
        "git fetch upstream release-1.2:refs/remotes/upstream/release-1.2"
    )
    assert (
        fetch_command("v1.2.0", ["origin"], shallow=True)
        == "git fetch --depth=1 origin v1.2.0:v1.2.0"
    )
    assert fetch_command("HEAD~3", ["origin"], shallow=True) == "git fetch --unshallow"
    assert fetch_command("HEAD~3", ["origin"], shallow=False) is None


# ---------------------------------------------------------------- kubectl missing or failing


def git_only_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    """A runner that finds git on PATH, and nothing else."""
    bin_dir = tmp_path / "git-only"
    bin_dir.mkdir()
    git_path = shutil.which("git")
    assert git_path is not None
    (bin_dir / "git").symlink_to(git_path)
    monkeypatch.setenv("PATH", str(bin_dir))
    return Runner()


def test_without_kubectl_the_kustomize_part_is_skipped_in_one_line(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.edit("  - monitoring\n", "  - monitoring\n  - apps\n")
    repo.write("resources/apps/kustomization.yaml", APPS_KUSTOMIZATION)
    repo.write("resources/apps/namespace.yaml", namespace("apps"))
    repo.write("resources/apps/web.yaml", WEB)
    repo.update()
    result = repo.diff(runner=git_only_runner(tmp_path, monkeypatch))
    assert [c.key.describe() for c in result.changes] == ["Kustomization flux-system/apps"]
    assert result.notes == (
        "note: kubectl: command not found; install kubectl: https://kubernetes.io/docs/tasks/tools/: "
        "skipped comparing what kubectl kustomize builds from resources/apps",
    )
    assert result.problems == ()


def test_without_kubectl_a_plain_folder_still_compares(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder without a kustomization file is read as the controller reads it."""
    repo.write(
        "resources/monitoring/namespace.yaml", namespace("monitoring") + "  labels: {team: obs}\n"
    )
    result = repo.diff(runner=git_only_runner(tmp_path, monkeypatch))
    assert (result.notes, result.problems) == ((), ())
    assert text_lines(result)[0] == (
        "~ Namespace monitoring (resources/monitoring/namespace.yaml; Kustomization flux-system/monitoring)"
    )
    assert [
        line
        for line in result.changes[0].diff
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ] == [
        "+  labels:",
        "+    team: obs",
    ]


@needs_kubectl
def test_a_folder_that_no_longer_builds_is_a_problem_line(repo: Repo) -> None:
    repo.write("resources/monitoring/kustomization.yaml", "resources:\n  - missing.yaml\n")
    result = repo.diff()
    assert result.changes == () and result.changed
    (problem,) = result.problems
    assert problem.startswith("working tree: resources/monitoring: kubectl kustomize failed: ")
    assert "missing.yaml" in problem and str(repo.project) not in problem


# ---------------------------------------------------------------- markdown


def test_markdown_is_a_table_and_a_section_per_object(repo: Repo) -> None:
    repo.edit("version: 1.0.2", "version: 1.0.3")
    repo.edit("  - monitoring\n", "")
    repo.update()
    head = short(repo)
    assert markdown(repo.diff()) == textwrap.dedent(f"""\
        ### flux.diff: HEAD ({head}) → working tree

        2 objects differ between HEAD ({head}) and the working tree: 1 removed, 1 changed

        | Object | Change | File |
        | --- | --- | --- |
        | HelmRelease kube-system/karpenter | changed | resources/kube-system/flux-hr-karpenter.yaml |
        | Kustomization flux-system/monitoring | removed | resources/flux-system/flux-ks-monitoring.yaml |

        <details>
        <summary>~ HelmRelease kube-system/karpenter (resources/kube-system/flux-hr-karpenter.yaml)</summary>

        ```diff
        --- a/resources/kube-system/flux-hr-karpenter.yaml
        +++ b/resources/kube-system/flux-hr-karpenter.yaml
        @@ -12,7 +12,7 @@
                 kind: HelmRepository
                 name: karpenter
                 namespace: flux-system
        -      version: 1.0.2
        +      version: 1.0.3
           interval: 5m0s
           valuesFrom:
           - kind: ConfigMap
        ```

        </details>

        <details>
        <summary>- Kustomization flux-system/monitoring (resources/flux-system/flux-ks-monitoring.yaml)</summary>

        removing it prunes the 1 object built from resources/monitoring:
        - Namespace monitoring

        ```diff
        --- a/resources/flux-system/flux-ks-monitoring.yaml
        +++ /dev/null
        @@ -1,13 +0,0 @@
        -apiVersion: kustomize.toolkit.fluxcd.io/v1
        -kind: Kustomization
        -metadata:
        -  name: monitoring
        -  namespace: flux-system
        -spec:
        -  interval: 5m0s
        -  path: ./infra/prow/resources/monitoring
        -  prune: true
        -  sourceRef:
        -    kind: GitRepository
        -    name: k8s-io
        -    namespace: flux-system
        ```

        </details>
        """)


def test_markdown_is_safe_against_backticks_and_html(repo: Repo) -> None:
    hostile = "`x`` ```` </details> <script>alert(1)</script> | *bold*"
    repo.write(
        "resources/monitoring/namespace.yaml",
        namespace("monitoring") + f"  annotations: {{note: {json.dumps(hostile)}}}\n",
    )
    repo.write("resources/monitoring/<b>.yaml", namespace("mon-tools"))
    text = markdown(repo.diff())
    # The fence is longer than the run of 4 backticks inside; the HTML inside stays in it.
    fenced = text.split("\n`````diff\n")[1].split("\n`````\n")[0]
    assert "    note: '`x`` ```` </details> <script>alert(1)</script> | *bold*'" in fenced
    assert text.count("<details>") == text.count("\n</details>\n") == 2
    assert "<script>" not in text.replace(fenced, "")
    # Names and paths are escaped: in the table for Markdown, in the summary for HTML.
    assert (
        "| Namespace mon-tools | added | resources/monitoring/\\<b\\>.yaml "
        "(Kustomization flux-system/monitoring) |"
    ) in text
    assert (
        "<summary>+ Namespace mon-tools (resources/monitoring/&lt;b&gt;.yaml; "
        "Kustomization flux-system/monitoring)</summary>"
    ) in text
    assert md_text(hostile) == (
        "\\`x\\`\\` \\`\\`\\`\\` \\</details\\> \\<script\\>alert(1)\\</script\\> \\| \\*bold\\*"
    )


def test_markdown_caps_each_object_and_says_so(repo: Repo) -> None:
    repo.edit("version: 1.0.2", "version: 1.0.3")
    repo.update()
    text = markdown(repo.diff(), limit=120)
    assert (
        textwrap.dedent("""\
        ```diff
        --- a/resources/kube-system/flux-hr-karpenter.yaml
        +++ b/resources/kube-system/flux-hr-karpenter.yaml
        @@ -12,7 +12,7 @@
        ```

        *Diff cut at 120 of 305 characters; run `invoke flux.diff` to see all of it.*
        """)
        in text
    )


def test_markdown_without_changes() -> None:
    assert markdown(DiffResult("HEAD (1234567)")) == (
        "### flux.diff: HEAD (1234567) → working tree\n\n"
        "no changes: HEAD (1234567) and the working tree render the same objects\n"
    )


# ---------------------------------------------------------------- live diff pieces


@pytest.fixture
def fake_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Runner, Path]:
    """A runner that finds the fake kubectl first on PATH, and the fake's state file."""
    state = tmp_path / "state.json"
    for name in [k for k in os.environ if k.startswith("FLUXTASKS_FAKE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FLUXTASKS_FAKE_STATE", str(state))
    return Runner(), state


def seed(state: Path, **cluster: Any) -> None:
    state.write_text(json.dumps({"context": CANARY, "objects": [], "script": [], **cluster}))


def calls(state: Path) -> list[list[str]]:
    return [json.loads(line) for line in Path(f"{state}.calls").read_text().splitlines()]


HR_WEB = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  chart:
    spec:
      chart: web
      reconcileStrategy: ChartVersion
      sourceRef:
        kind: HelmRepository
        name: karpenter
        namespace: flux-system
      version: 1.0.2
  interval: 5m0s
"""


def test_live_diff_argv_is_what_flux_applies() -> None:
    assert ClusterTarget("canary", CANARY).kubectl(*diff_args("a.yaml", "b.yaml")) == [
        "kubectl", "diff", "--server-side", "--field-manager=kustomize-controller",
        "--force-conflicts", "-f", "a.yaml", "-f", "b.yaml", "--context", CANARY,
    ]  # fmt: skip


def test_live_diff_exit_0_and_1_against_the_fake(
    fake_runner: tuple[Runner, Path], tmp_path: Path
) -> None:
    runner, state = fake_runner
    seed(state, objects=[s.helm_release("web", "apps")])
    manifest = tmp_path / "flux-hr-web.yaml"
    manifest.write_text(HR_WEB)
    argv = ClusterTarget("canary", CANARY).kubectl(*diff_args(str(manifest)))
    same = run_live_diff(runner, argv, "resources/apps/flux-hr-web.yaml")
    assert (same.differs, same.output) == (False, "")
    manifest.write_text(HR_WEB.replace("1.0.2", "1.0.3"))
    changed = run_live_diff(runner, argv, "resources/apps/flux-hr-web.yaml")
    assert changed.differs
    assert [line for line in changed.output.splitlines() if line.startswith(("-  ", "+  "))] == [
        "-  generation: 1",
        "+  generation: 2",
        "-      version: 1.0.2",
        "+      version: 1.0.3",
    ]
    assert calls(state) == [argv, argv]
    diffed = json.loads(state.read_text())["diffed"]
    assert {(d["fieldManager"], d["serverSide"], d["forceConflicts"]) for d in diffed} == {
        ("kustomize-controller", True, True)
    }


def test_live_diff_of_stdin_and_an_error_exit(fake_runner: tuple[Runner, Path]) -> None:
    runner, state = fake_runner
    seed(
        state,
        objects=[s.helm_release("web", "apps")],
        missingCrds=["helmreleases.helm.toolkit.fluxcd.io"],
    )
    argv = ClusterTarget("canary", CANARY).kubectl(*diff_args("-"))
    with pytest.raises(LiveDiffFailed) as caught:
        run_live_diff(runner, argv, "resources/apps", input=HR_WEB)
    assert (caught.value.exit_code, caught.value.returncode) == (2, 2)
    assert caught.value.lines == [
        'kubectl diff --server-side: resources/apps: resource mapping not found for name: "web" '
        'namespace: "apps" from "STDIN": no matches for kind "HelmRelease" in version '
        '"helm.toolkit.fluxcd.io/v2" ensure CRDs are installed first (kubectl diff exit 2)'
    ]


def test_error_line_drops_klog_noise_and_joins_a_conflict_list() -> None:
    klog = 'E0601 12:00:00.000000   42 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"'
    assert error_line(f"{klog}\nThe connection to the server 127.0.0.1:6443 was refused\n") == (
        "The connection to the server 127.0.0.1:6443 was refused"
    )
    conflict = (
        'Error from server (Conflict): Apply failed with 2 conflicts: conflicts with "helm" using v1:\n'
        "- .spec.replicas\n- .spec.template\n"
    )
    assert error_line(conflict) == (
        'Error from server (Conflict): Apply failed with 2 conflicts: conflicts with "helm" '
        "using v1: - .spec.replicas - .spec.template"
    )


@pytest.mark.parametrize(
    ("entry_id", "entry"),
    [
        ("apps_web_apps_Deployment", InventoryEntry("apps", "web", "apps", "Deployment")),
        ("apps_web__ConfigMap", InventoryEntry("apps", "web", "", "ConfigMap")),
        ("_monitoring__Namespace", InventoryEntry("", "monitoring", "", "Namespace")),
        ("_system__aggregate-to-view_rbac.authorization.k8s.io_ClusterRole",
         InventoryEntry("", "system:aggregate-to-view", "rbac.authorization.k8s.io", "ClusterRole")),
        ("no-fields", None),
        ("a_b_c", None),
        ("ns_na_me_apps_Deployment", None),
    ],
)  # fmt: skip
def test_inventory_ids_parse_as_flux_writes_them(
    entry_id: str, entry: InventoryEntry | None
) -> None:
    assert InventoryEntry.parse(entry_id) == entry


def test_prune_list_is_the_inventory_minus_the_folder_against_the_fake(
    fake_runner: tuple[Runner, Path], tmp_path: Path
) -> None:
    runner, state = fake_runner
    inventory = (
        "_monitoring__Namespace",
        "monitoring_grafana_apps_Deployment",
        "monitoring_grafana__Service",
        "monitoring_old-dashboards__ConfigMap",
        "_system__monitoring_rbac.authorization.k8s.io_ClusterRole",
    )
    seed(state, objects=[s.kustomization("monitoring", inventory=inventory)])
    argv = ClusterTarget("canary", CANARY).kubectl(
        "get",
        "kustomizations.kustomize.toolkit.fluxcd.io",
        "monitoring",
        "-n",
        "flux-system",
        "-o",
        "json",
    )
    ks = json.loads(runner.run(argv).stdout)
    folder = tmp_path / "resources" / "monitoring"
    folder.mkdir(parents=True)
    (folder / "namespace.yaml").write_text(namespace("monitoring"))
    (folder / "grafana.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: grafana\n  namespace: monitoring\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: grafana\n  namespace: monitoring\n"
    )
    built = FolderBuilder(tmp_path / "resources", "resources", Runner(), "working tree").build(
        "monitoring"
    )
    assert built.complete
    prune = prune_list(ks, [_data(o.text) for o in built.objects.values()])
    assert (prune.kustomization, prune.enabled, prune.unreadable) == (
        "flux-system/monitoring",
        True,
        (),
    )
    assert prune.lines() == [
        "- ClusterRole system:monitoring: would be deleted (prune)",
        "- ConfigMap monitoring/old-dashboards: would be deleted (prune)",
    ]
    # Prune off: nothing is deleted, the same objects stay behind unmanaged. A
    # targetNamespace moves what the folder builds: the old namespace's objects go stale.
    ks["spec"]["prune"] = False
    ks["spec"]["targetNamespace"] = "observability"
    off = prune_list(ks, [_data(o.text) for o in built.objects.values()])
    assert off.lines() == [
        "- ClusterRole system:monitoring: left in the cluster, unmanaged (prune is off)",
        "- ConfigMap monitoring/old-dashboards: left in the cluster, unmanaged (prune is off)",
        "- Deployment monitoring/grafana: left in the cluster, unmanaged (prune is off)",
        "- Service monitoring/grafana: left in the cluster, unmanaged (prune is off)",
    ]


def _data(text: str) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data
