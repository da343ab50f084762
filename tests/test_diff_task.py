"""`invoke flux.diff` end to end, as a contributor and a CI job run it: in a Git repository
built here, the change made with the edit tasks and committed, then compared with the base
commit (`--base`), in text and as Markdown; its refusals (outside Git, a base that does not
load, a shallow clone without the base, options of the other mode). `flux.diff --live`
against the fake kubectl, its argv checked: generated files, synced folders, prune list,
errors, and the whole PR workflow up to `flux.apply`.
"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BOILERPLATE, run_invoke
from fakecluster import FakeCluster, kubectl
from fakes import samples as s

from fluxtasks.errors import (
    EXIT_CHECK_FAILED,
    EXIT_CLUSTER,
    EXIT_INPUT,
    EXIT_TOOL,
    EXIT_UNREACHABLE,
)

CANARY = "prow-canary-cluster"
CONFIG = """\
# Flux objects of the test clusters.
flux:
  version: v2.3.0
output:
  repoPath: clusters/prow
defaults:
  interval: 5m
clusters:
  canary: {context: prow-canary-cluster}
sources:
  - {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main}
  # Charts of the web team.
  - {kind: HelmRepository, name: charts, url: https://charts.example.com}
  - {kind: HelmRepository, name: old-charts, url: https://old.example.com}
helmReleases:
  - {name: web, namespace: apps, source: HelmRepository/charts, chart: web, version: 1.0.2}
kustomizations:
  - apps
  - flux-system
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
class Project:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config" / "flux.yaml"

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def invoke(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run_invoke(*args, config=self.config, env=env)

    def ok(self, *args: str) -> str:
        done = self.invoke(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "--quiet", "-m", message)
        return git(self.root, "rev-parse", "--short=7", "HEAD")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project(tmp_path / "repo")
    p.write("config/boilerplate.txt", BOILERPLATE)
    p.write("config/flux.yaml", CONFIG)
    p.write(
        "resources/apps/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    )
    (p.root / "resources" / "flux-system").mkdir()
    git(p.root, "init", "--quiet", "--initial-branch=main")
    p.ok("flux.update")
    p.commit("base")
    return p


HEADER = re.compile(r"^[-+~] [A-Z][A-Za-z]* \S+ \(|^- [A-Z][A-Za-z]* \S+: would be")


def headers(stdout: str) -> list[str]:
    """The per-object header lines (and prune lines), not the diff lines under them."""
    return [
        line for line in stdout.splitlines() if HEADER.match(line) or line.startswith("~ generated")
    ]


# ---------------------------------------------------------------- offline


def test_a_pull_request_made_with_the_edit_tasks_diffed_against_its_base(project: Project) -> None:
    base = git(project.root, "rev-parse", "--short=7", "HEAD")
    project.ok("flux.set-version", "web", "1.0.3")
    project.ok("flux.add-kustomization", "monitoring", "--depends-on", "apps")
    project.write(
        "resources/monitoring/grafana.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana\n  namespace: apps\ndata: {theme: dark}\n",
    )
    project.ok("flux.remove", "helm", "old-charts")
    project.commit("monitoring, web 1.0.3, no old charts")
    assert project.invoke("flux.diff").returncode == 0  # HEAD: nothing left to show

    done = project.invoke("flux.diff", "--base", base)
    assert done.returncode == EXIT_CHECK_FAILED, done.stderr
    assert headers(done.stdout) == [
        "~ HelmRelease apps/web (resources/apps/flux-hr-web.yaml)",
        "- HelmRepository flux-system/old-charts (resources/flux-system/flux-source-helm-old-charts.yaml)",
        "+ Kustomization flux-system/monitoring (resources/flux-system/flux-ks-monitoring.yaml)",
        "+ ConfigMap apps/grafana (resources/monitoring/grafana.yaml; Kustomization flux-system/monitoring)",
    ]
    assert "-      version: 1.0.2\n+      version: 1.0.3\n" in done.stdout
    assert "+  dependsOn:\n+  - name: apps\n" in done.stdout
    assert done.stdout.endswith(
        f"4 objects differ between {base} and the working tree: 2 added, 1 removed, 1 changed\n"
    )
    assert done.stderr == ""


def test_markdown_for_a_pull_request_comment(project: Project) -> None:
    project.ok("flux.set-version", "web", "1.0.3", "--no-update")
    project.ok("flux.update")
    head = git(project.root, "rev-parse", "--short=7", "HEAD")
    done = project.invoke("flux.diff", "-o", "markdown")
    assert done.returncode == EXIT_CHECK_FAILED
    assert done.stdout.startswith(
        f"### flux.diff: HEAD ({head}) → working tree\n\n"
        f"1 object differs between HEAD ({head}) and the working tree: 1 changed\n\n"
        "| Object | Change | File |\n| --- | --- | --- |\n"
        "| HelmRelease apps/web | changed | resources/apps/flux-hr-web.yaml |\n"
    )
    assert (
        "<details>\n<summary>~ HelmRelease apps/web (resources/apps/flux-hr-web.yaml)</summary>"
        in done.stdout
    )


def test_nothing_changed_is_exit_0(project: Project) -> None:
    head = git(project.root, "rev-parse", "--short=7", "HEAD")
    done = project.invoke("flux.diff", "--base", "HEAD")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"no changes: HEAD ({head}) and the working tree render the same objects\n",
        "",
    )


def test_outside_git_is_one_line_exit_4(tmp_path: Path) -> None:
    p = Project(tmp_path / "plain")
    p.write("config/boilerplate.txt", BOILERPLATE)
    p.write("config/flux.yaml", CONFIG)
    p.write(
        "resources/apps/namespace.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    )
    (p.root / "resources" / "flux-system").mkdir()
    done = p.invoke("flux.diff")
    assert done.returncode == EXIT_INPUT
    assert done.stderr == (
        f"{p.root}: not inside a Git work tree: flux.diff reads the base side (HEAD) from Git; "
        "run it in a clone of the repository\n"
    )


def test_a_config_that_does_not_load_names_its_side(project: Project) -> None:
    project.write("config/flux.yaml", CONFIG.replace("interval: 5m", "interval: 5 minutes"))
    done = project.invoke("flux.diff")
    assert done.returncode == EXIT_INPUT
    assert done.stderr.splitlines() == [
        "working tree: config/flux.yaml:7:13: defaults.interval: invalid duration '5 minutes': "
        "use Go form like 30s, 5m, 1h30m"
    ]
    project.commit("broken")
    project.write("config/flux.yaml", CONFIG)
    assert project.invoke("flux.diff").stderr.startswith("base (HEAD): config/flux.yaml:7:13: ")


def test_a_shallow_ci_checkout_fetches_the_base_it_is_told(
    project: Project, tmp_path: Path
) -> None:
    git(project.root, "checkout", "--quiet", "-b", "pr")
    project.ok("flux.set-version", "web", "1.0.4")
    project.commit("web 1.0.4")
    clone = Project(tmp_path / "ci")
    git(
        tmp_path,
        "clone",
        "--quiet",
        "--depth",
        "1",
        "--branch",
        "pr",
        f"file://{project.root}",
        "ci",
    )
    done = clone.invoke("flux.diff", "--base", "origin/main")
    fetch = "git fetch --depth=1 origin main:refs/remotes/origin/main"
    assert (done.returncode, done.stderr) == (
        EXIT_INPUT,
        f"--base origin/main: no such commit in this shallow clone; fetch it first: {fetch}\n",
    )
    git(clone.root, *fetch.split()[1:])
    done = clone.invoke("flux.diff", "--base", "origin/main")
    assert done.returncode == EXIT_CHECK_FAILED
    assert headers(done.stdout) == ["~ HelmRelease apps/web (resources/apps/flux-hr-web.yaml)"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kustomizations"], "--kustomizations: only with --live (the offline diff reads no cluster)"),
        (["--cluster", "canary"], "--cluster: only with --live (the offline diff reads no cluster)"),
        (["--live", "--base", "HEAD~1"], "--base: compares with a Git revision; --live compares with the cluster"),
        (["-o", "json"], "-o/--output: 'json' is not one of text, markdown"),
    ],
)  # fmt: skip
def test_options_of_the_other_mode_are_refused(
    project: Project, args: list[str], message: str
) -> None:
    done = project.invoke("flux.diff", *args)
    assert (done.returncode, done.stdout, done.stderr) == (EXIT_INPUT, "", message + "\n")


# ---------------------------------------------------------------- live


@pytest.fixture
def fake(tmp_path: Path) -> FakeCluster:
    return FakeCluster(tmp_path / "fake", tools=("kubectl",))


def live(project: Project, fake: FakeCluster, *args: str) -> subprocess.CompletedProcess[str]:
    return fake.invoke("flux.diff", "--live", "--cluster", "canary", *args, config=project.config)


def generated(project: Project) -> list[str]:
    return [
        str(project.root / "resources" / rel)
        for rel in (
            "apps/flux-hr-web.yaml",
            "flux-system/flux-ks-apps.yaml",
            "flux-system/flux-ks-flux-system.yaml",
            "flux-system/flux-source-git-k8s-io.yaml",
            "flux-system/flux-source-helm-charts.yaml",
            "flux-system/flux-source-helm-old-charts.yaml",
        )
    ]


DIFF = ["diff", "--server-side", "--field-manager=kustomize-controller", "--force-conflicts"]
CC = ["kubectl", "config", "current-context"]
GET_KS = kubectl("get", "kustomizations.kustomize.toolkit.fluxcd.io", "-A", "-o", "json")


def files_diff(project: Project) -> list[str]:
    return kubectl(*DIFF, *(arg for path in generated(project) for arg in ("-f", path)))


def test_live_diff_of_the_generated_files(project: Project, fake: FakeCluster) -> None:
    fake.seed([s.helm_release("web", "apps", source=("HelmRepository", "charts", "flux-system"))])
    done = live(project, fake)
    assert done.returncode == EXIT_CHECK_FAILED, done.stderr
    assert fake.calls() == [CC, files_diff(project)]
    assert done.stdout.startswith("~ generated files (6)\ndiff -u -N ")
    assert "-      version: 1.0.2\n+      version: 1.0.2\n" not in done.stdout
    assert "+  name: old-charts\n" in done.stdout
    assert done.stdout.endswith(
        "1 of 1 differ with cluster canary (context prow-canary-cluster): generated files (6)\n"
    )
    assert {(d["fieldManager"], d["serverSide"]) for d in fake.state()["diffed"]} == {
        ("kustomize-controller", True)
    }


def test_the_pr_workflow_ends_with_nothing_left_to_apply(
    project: Project, fake: FakeCluster
) -> None:
    """Edit with a task, diff against the base, merge, `flux.diff --live` (exit 1),
    `flux.apply`, and `flux.diff --live` has nothing left to show (exit 0)."""
    base = git(project.root, "rev-parse", "HEAD")
    project.ok("flux.set-version", "web", "1.0.3")
    assert project.invoke("flux.diff", "--base", base).returncode == EXIT_CHECK_FAILED
    project.commit("web 1.0.3")
    assert live(project, fake).returncode == EXIT_CHECK_FAILED
    applied = fake.invoke("flux.apply", "--cluster", "canary", config=project.config)
    assert applied.returncode == 0, applied.stderr
    done = live(project, fake)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert done.stdout == (
        "no differences with cluster canary (context prow-canary-cluster): compared generated files (6)\n"
    )


def test_live_diff_of_each_synced_folder_and_what_pruning_deletes(
    project: Project, fake: FakeCluster
) -> None:
    inventory = (
        "_apps__Namespace",
        "apps_web_helm.toolkit.fluxcd.io_HelmRelease",
        "apps_old__ConfigMap",
    )
    fake.seed([s.kustomization("apps", inventory=inventory)])
    done = live(project, fake, "--kustomizations")
    assert done.returncode == EXIT_CHECK_FAILED, done.stderr
    folder_diff = kubectl(*DIFF, "-f", "-")
    assert fake.calls() == [CC, files_diff(project), GET_KS, folder_diff]
    # Only the hand-written Namespace goes through stdin: the generated release was
    # diffed with the files. What the inventory holds and the folder no longer builds:
    assert headers(done.stdout) == [
        "~ generated files (6)",
        "~ Kustomization flux-system/apps (resources/apps, 1 object)",
        "- ConfigMap apps/old: would be deleted (prune)",
    ]
    assert "+  name: apps\n" in done.stdout
    assert done.stdout.splitlines()[-1] == (
        "2 of 3 differ with cluster canary (context prow-canary-cluster): generated files (6); "
        "Kustomization flux-system/apps (resources/apps, 1 object); 1 object would be pruned"
    )
    assert done.stderr == (
        "note: Kustomization flux-system/flux-system is not in the cluster yet: nothing to prune\n"
    )


def test_stale_generated_files_are_diffed_as_they_are_with_a_note(
    project: Project, fake: FakeCluster
) -> None:
    project.write("config/flux.yaml", CONFIG.replace("version: 1.0.2", "version: 1.0.3"))
    done = live(project, fake)
    assert done.returncode == EXIT_CHECK_FAILED
    assert done.stderr == (
        "note: the generated files are out of date with config/flux.yaml: this diff shows "
        "them as they are on disk, which flux.apply refuses to apply; run `invoke flux.update` "
        "first\n"
    )
    assert "version: 1.0.3" not in done.stdout


def test_live_markdown(project: Project, fake: FakeCluster) -> None:
    done = live(project, fake, "-o", "markdown")
    assert done.returncode == EXIT_CHECK_FAILED
    assert done.stdout.startswith(
        "### flux.diff --live: cluster canary (context prow-canary-cluster)\n\n"
        "1 of 1 differ with cluster canary (context prow-canary-cluster): generated files (6)\n\n"
        "<details>\n<summary>~ generated files (6)</summary>\n\n```diff\ndiff -u -N "
    )


def test_a_kubectl_error_is_one_line_exit_2(project: Project, fake: FakeCluster) -> None:
    fake.seed(missingCrds=["helmreleases.helm.toolkit.fluxcd.io"])
    done = live(project, fake)
    assert done.returncode == EXIT_TOOL
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "kubectl diff --server-side: the generated files: resource mapping not found"
    )
    assert line.endswith("ensure CRDs are installed first (kubectl diff exit 2)")


def test_an_unreachable_cluster_is_one_line(project: Project, fake: FakeCluster) -> None:
    """Every cluster task maps a call that cannot reach its cluster to one line and exit 5
    (tasks/_cluster.py); the live diff stops at the first such call."""
    fake.seed(unreachable="refused")
    done = live(project, fake, "--kustomizations")
    assert (done.returncode, done.stdout) == (EXIT_UNREACHABLE, "")
    (line,) = done.stderr.splitlines()
    assert line.startswith("cannot reach cluster canary (context prow-canary-cluster): ")
    assert "connect: connection refused" in line
    assert fake.calls() == [CC, files_diff(project)]


def test_the_context_guard_comes_first(project: Project, fake: FakeCluster) -> None:
    fake.seed(context="prow-build-cluster")
    done = live(project, fake)
    assert done.returncode == EXIT_CLUSTER
    assert fake.calls() == [CC]


def test_a_dry_run_prints_the_cluster_calls_and_runs_none(
    project: Project, fake: FakeCluster
) -> None:
    done = live(project, fake, "--kustomizations", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert fake.calls() == []
    assert (
        "would run: kubectl diff --server-side --field-manager=kustomize-controller" in done.stderr
    )
    assert (
        "would run: kubectl get kustomizations.kustomize.toolkit.fluxcd.io -A -o json --context prow-canary-cluster"
        in done.stderr
    )
