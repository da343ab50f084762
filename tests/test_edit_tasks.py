"""The config edit tasks end to end (`invoke flux.add-source|add-kustomization|
add-helm-release|set-version|remove`), on a heavily commented config: each changes exactly
the lines of its entry and nothing else (asserted as the whole diff of the file), then runs
the update; refusals are exit 4 with one line (a did-you-mean where one helps) and leave
every file as it was. Also `flux.import --force` keeping the replaced config's comments, and
the library's rollback when the update fails after the config was written.
"""

from __future__ import annotations

import difflib
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import Tree, run_invoke
from phased import Stage, finish, signal_group, start, wait_for

from fluxtasks.config.edit import add_kustomization
from fluxtasks.errors import EXIT_INPUT
from fluxtasks.offline import config_change
from fluxtasks.offline.config_change import change_config

CONFIG = """\
# yaml-language-server: $schema=flux.schema.json
#
# Desired Flux state of the test clusters.
flux:
  version: "v2.3.0"        # pinned; bump with invoke flux.upgrade

output:
    repoPath: 'clusters/prow'   # indented by four, quoted

defaults:
  interval: 5m
clusters:
  canary: {context: prow-canary-cluster}

sources:
# Git first.
- kind: GitRepository
  name: k8s-io
  url: https://github.com/kubernetes/k8s.io
  branch: main

# Charts.
- kind: HelmRepository     # the web team's
  name: charts
  url: https://charts.example.com

helmReleases:
  - name: web              # the storefront
    namespace: apps
    source: HelmRepository/charts
    chart: web
    version: "1.0"         # quoted: a string
    dependsOn: [base]
  - {name: base, namespace: apps, source: HelmRepository/charts, chart: base, version: 2.0.0}

kustomizations:
  - apps                   # the team's apps
  - flux-system
  - {name: checks, healthChecks: [HelmRelease/web.apps]}
"""


@pytest.fixture
def project(tree: Tree) -> Tree:
    tree.write_config(CONFIG)
    tree.folder("flux-system", "checks")
    done = tree.invoke("flux.update")
    assert done.returncode == 0, done.stderr
    return tree


def changed_lines(before: str, after: str) -> list[str]:
    """The lines of `after` that differ from `before`: `-old` and `+new`, in order."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def run(tree: Tree, *args: str) -> subprocess.CompletedProcess[str]:
    return tree.invoke(*args)


def refused(tree: Tree, *args: str) -> str:
    """Run a task that must refuse: exit 4, config and resources untouched; its stderr."""
    before, files = tree.config.read_bytes(), tree.snapshot()
    done = tree.invoke(*args)
    assert done.returncode == EXIT_INPUT, (done.stdout, done.stderr)
    assert tree.config.read_bytes() == before
    assert tree.snapshot() == files
    return done.stderr


# ---------------------------------------------------------------- add-kustomization


def test_add_kustomization_creates_its_folder_and_changes_one_line(project: Tree) -> None:
    done = run(project, "flux.add-kustomization", "monitoring", "--depends-on", "apps")
    assert done.returncode == 0, done.stderr
    assert changed_lines(CONFIG, project.config.read_text()) == [
        "+  - {name: monitoring, dependsOn: [apps]}",
    ]
    assert done.stdout == (
        "config/flux.yaml: added Kustomization flux-system/monitoring\n"
        "created resources/monitoring/ with a .gitkeep (Git keeps no empty folder): put the "
        "Kustomization's manifests there\n"
        "wrote resources/flux-system/flux-ks-monitoring.yaml\n"
        "1 written, 7 unchanged, 0 pruned\n"
    )
    assert (project.resources / "monitoring" / ".gitkeep").is_file()
    written = (project.resources / "flux-system" / "flux-ks-monitoring.yaml").read_text()
    assert "  dependsOn:\n  - name: apps\n" in written


def test_a_kustomization_with_every_default_is_its_folder_name(project: Tree) -> None:
    assert run(project, "flux.add-kustomization", "monitoring", "--no-update").returncode == 0
    assert changed_lines(CONFIG, project.config.read_text()) == ["+  - monitoring"]
    assert not (project.resources / "flux-system" / "flux-ks-monitoring.yaml").exists()


def test_dry_run_prints_both_diffs_and_writes_nothing(project: Tree) -> None:
    files = project.snapshot()
    done = run(project, "flux.add-kustomization", "monitoring", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert project.config.read_text() == CONFIG and project.snapshot() == files
    assert done.stdout.startswith("--- a/config/flux.yaml\n+++ b/config/flux.yaml\n")
    assert "+  - monitoring\n" in done.stdout
    assert "+++ resources/flux-system/flux-ks-monitoring.yaml\n" in done.stdout
    assert done.stdout.endswith(
        "would create resources/monitoring/ with a .gitkeep\n"
        "dry run: added Kustomization flux-system/monitoring; nothing was written\n"
    )


def test_a_duplicate_kustomization_is_refused(project: Tree) -> None:
    assert refused(project, "flux.add-kustomization", "apps") == (
        "KUSTOMIZATION: Kustomization flux-system/apps is already declared in config/flux.yaml; "
        "pick another name, or change that entry\n"
    )


@pytest.mark.parametrize("name", ["../escape", "Apps", "a"])
def test_an_invalid_name_is_refused_before_any_folder_is_made(project: Tree, name: str) -> None:
    err = refused(project, "flux.add-kustomization", name)
    assert err.startswith(f"KUSTOMIZATION: name {name!r} is invalid, it should adhere to standard")
    assert not (project.root / "escape").exists()


def test_an_unknown_dependency_gets_a_did_you_mean(project: Tree) -> None:
    assert refused(
        project, "flux.add-kustomization", "monitoring", "--depends-on", "flux-sytem"
    ) == (
        "--depends-on: no Kustomization named 'flux-sytem' is declared in namespace flux-system "
        "(did you mean 'flux-system'?); write NAMESPACE/flux-sytem for one managed elsewhere\n"
    )
    assert not (project.resources / "monitoring").exists()


def test_a_bad_option_value_is_named_by_its_option_and_the_folder_goes(project: Tree) -> None:
    assert refused(project, "flux.add-kustomization", "monitoring", "--interval", "5 minutes") == (
        "--interval: invalid duration '5 minutes': use Go form like 30s, 5m, 1h30m\n"
        "config/flux.yaml: not changed\n"
    )
    assert not (project.resources / "monitoring").exists()


# ---------------------------------------------------------------- add-helm-release, add-source


def test_add_helm_release_is_a_block_entry_like_its_first_sibling(project: Tree) -> None:
    done = run(
        project, "flux.add-helm-release", "cache", "-n", "apps", "--source", "HelmRepository/charts",
        "--chart", "redis", "--version", "1.2", "--depends-on", "base",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert changed_lines(CONFIG, project.config.read_text()) == [
        "+  - name: cache",
        "+    namespace: apps",
        "+    source: HelmRepository/charts",
        "+    chart: redis",
        "+    version: '1.2'",
        "+    dependsOn: [base]",
    ]
    assert "wrote resources/apps/flux-hr-cache.yaml\n" in done.stdout
    assert (
        '      version: "1.2"\n' in (project.resources / "apps" / "flux-hr-cache.yaml").read_text()
    )


def test_an_undeclared_chart_source_gets_a_did_you_mean(project: Tree) -> None:
    assert refused(
        project, "flux.add-helm-release", "cache", "-n", "apps", "--source", "HelmRepository/chart",
        "--chart", "redis", "--version", "1.2",
    ) == (
        "--source: HelmRepository/chart is not declared in config/flux.yaml (did you mean "
        "'HelmRepository/charts'?); add it with `invoke flux.add-source`, or write "
        "HelmRepository/chart.NAMESPACE for a source managed elsewhere\n"
    )  # fmt: skip


def test_a_release_no_kustomization_deploys_is_written_with_a_warning(project: Tree) -> None:
    done = run(
        project, "flux.add-helm-release", "cache", "-n", "cache", "--source", "HelmRepository/charts",
        "--chart", "redis", "--version", "1.2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "warning: resources/cache/flux-hr-cache.yaml lies in no Kustomization's folder, so Flux "
        "will not deploy it: pass --file FOLDER/flux-hr-cache.yaml with a synced folder, or add a "
        "Kustomization for cache (`invoke flux.add-kustomization cache`)\n"
    ) in done.stderr


@pytest.mark.parametrize("missing", ["--source", "--chart", "--version"])
def test_add_helm_release_needs_source_chart_and_version(project: Tree, missing: str) -> None:
    args = {"--source": "HelmRepository/charts", "--chart": "redis", "--version": "1.2"}
    del args[missing]
    err = refused(
        project, "flux.add-helm-release", "cache", *(a for kv in args.items() for a in kv)
    )
    assert err.startswith(f"{missing} is required: ")


def test_add_source_in_the_style_of_the_list(project: Tree) -> None:
    done = run(
        project,
        "flux.add-source",
        "oci",
        "podinfo",
        "--url",
        "oci://ghcr.io/x/podinfo",
        "--tag",
        "6.5.0",
    )
    assert done.returncode == 0, done.stderr
    assert changed_lines(CONFIG, project.config.read_text()) == [
        "+- kind: OCIRepository",
        "+  name: podinfo",
        "+  url: oci://ghcr.io/x/podinfo",
        "+  tag: 6.5.0",
        "+",  # the entries of this list are one blank line apart
    ]
    assert "wrote resources/flux-system/flux-source-oci-podinfo.yaml\n" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["git", "infra", "--url", "https://github.com/x/infra"],
         "SOURCE: GitRepository needs exactly one of branch, tag, semver, commit (branch may go with commit)\n"
         "config/flux.yaml: not changed\n"),
        (["git", "infra", "--url", "ftp://x/infra", "--branch", "main"],
         "--url: 'ftp://x/infra' is not a valid GitRepository URL: the scheme must be http or https or ssh and a host is required\n"
         "config/flux.yaml: not changed\n"),
        (["bucket", "infra", "--url", "https://x"],
         "unknown kind 'bucket'; use one of: hr|helmrelease, ks|kustomization, git|gitrepository, helm|helmrepository, oci|ocirepository\n"),
        (["ks", "infra", "--url", "https://x"], "KIND: 'ks' is not a source kind; use git, helm or oci\n"),
        (["helm", "charts", "--url", "https://x"],
         "SOURCE: HelmRepository flux-system/charts is already declared in config/flux.yaml; pick another name, or change that entry\n"),
        (["helm", "extra"], "--url is required: where the source is fetched from\n"),
    ],
)  # fmt: skip
def test_add_source_refusals(project: Tree, args: list[str], message: str) -> None:
    assert refused(project, "flux.add-source", *args) == message


# ---------------------------------------------------------------- set-version


def test_set_version_changes_one_line_and_keeps_its_comment_and_quotes(project: Tree) -> None:
    done = run(project, "flux.set-version", "web", "1.1")
    assert done.returncode == 0, done.stderr
    assert changed_lines(CONFIG, project.config.read_text()) == [
        '-    version: "1.0"         # quoted: a string',
        '+    version: "1.1"         # quoted: a string',
    ]
    assert done.stdout == (
        "config/flux.yaml: HelmRelease apps/web: chart version 1.0 → 1.1\n"
        "updated resources/apps/flux-hr-web.yaml\n"
        "1 written, 6 unchanged, 0 pruned\n"
    )


def test_set_version_of_an_unknown_release(project: Tree) -> None:
    assert refused(project, "flux.set-version", "wbe", "1.1") == (
        "RELEASE: no HelmRelease named 'wbe' is declared (did you mean 'web'?)\n"
    )


# ---------------------------------------------------------------- remove


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["helm", "charts"],
         "refusing to remove HelmRepository flux-system/charts: HelmRelease apps/web uses it as its "
         "source; HelmRelease apps/base uses it as its source; remove or change those first\n"),
        (["hr", "base"],
         "refusing to remove HelmRelease apps/base: HelmRelease apps/web lists it in dependsOn; "
         "remove or change those first\n"),
        (["hr", "web"],
         "refusing to remove HelmRelease apps/web: Kustomization flux-system/checks lists it in "
         "healthChecks; remove or change those first\n"),
        (["git", "k8s-io"],
         "refusing to remove GitRepository flux-system/k8s-io: Kustomization flux-system/apps uses "
         "it as its source; Kustomization flux-system/flux-system uses it as its source; "
         "Kustomization flux-system/checks uses it as its source; remove or change those first\n"),
        (["ks", "ap"], "RESOURCE: no Kustomization named 'ap' is declared (did you mean 'apps'?)\n"),
    ],
)  # fmt: skip
def test_remove_refuses_while_something_depends_on_it(
    project: Tree, args: list[str], message: str
) -> None:
    assert refused(project, "flux.remove", *args) == message


def test_remove_takes_out_the_entry_with_its_comment_and_prunes_its_file(project: Tree) -> None:
    assert run(project, "flux.remove", "ks", "checks").returncode == 0
    done = run(project, "flux.remove", "hr", "web")
    assert done.returncode == 0, done.stderr
    assert changed_lines(CONFIG, project.config.read_text()) == [
        "-  - name: web              # the storefront",
        "-    namespace: apps",
        "-    source: HelmRepository/charts",
        "-    chart: web",
        '-    version: "1.0"         # quoted: a string',
        "-    dependsOn: [base]",
        "-  - {name: checks, healthChecks: [HelmRelease/web.apps]}",
    ]
    assert done.stdout == (
        "config/flux.yaml: removed HelmRelease apps/web\n"
        "pruned resources/apps/flux-hr-web.yaml\n"
        "0 written, 5 unchanged, 1 pruned\n"
    )


def test_removing_a_kustomization_says_what_happens_to_its_folder(project: Tree) -> None:
    done = run(project, "flux.remove", "ks", "apps")
    assert done.returncode == 0, done.stderr
    assert changed_lines(CONFIG, project.config.read_text()) == [
        "-  - apps                   # the team's apps",
    ]
    assert done.stderr.splitlines()[:-1] == [
        "note: resources/apps/ is left as it is; once the change is merged, Flux deletes every "
        "object it applied from there (prune)",
        "warning: resources/apps/flux-hr-web.yaml: HelmRelease apps/web lies in no other "
        "Kustomization's folder: Flux will not deploy it",
        "warning: resources/apps/flux-hr-base.yaml: HelmRelease apps/base lies in no other "
        "Kustomization's folder: Flux will not deploy it",
    ]


# ---------------------------------------------------------------- every edit


def test_a_crlf_config_stays_crlf(project: Tree) -> None:
    crlf = CONFIG.replace("\n", "\r\n").encode()
    project.config.write_bytes(crlf)
    assert run(project, "flux.set-version", "base", "2.1.0").returncode == 0
    after = project.config.read_bytes()
    assert after == crlf.replace(b"version: 2.0.0}", b"version: 2.1.0}")


def test_a_config_that_does_not_load_is_not_edited(project: Tree) -> None:
    project.write_config(CONFIG.replace("interval: 5m", "interval: soon"))
    assert refused(project, "flux.set-version", "web", "1.1") == (
        "config/flux.yaml:11:13: defaults.interval: invalid duration 'soon': use Go form like "
        "30s, 5m, 1h30m\n"
    )


def test_a_failed_update_puts_the_old_config_back(
    project: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config is written first; when the update then fails (or is interrupted), the old
    text goes back and the new folder goes away."""

    def failing(_plan: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(config_change, "apply_plan", failing)
    said: list[str] = []
    make = lambda text, config: add_kustomization(text, config, name="monitoring", settings={})  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        change_config(project.config, make, say=said.append, warn=said.append, out=said.append)
    assert project.config.read_text() == CONFIG
    assert not (project.resources / "monitoring").exists()
    assert said == []


def test_the_edit_tasks_take_the_tree_lock(project: Tree) -> None:
    lock = project.root / ".fluxtasks.lock"
    lock.write_text("not a lock\n")
    before = project.config.read_bytes()
    done = run(project, "flux.set-version", "web", "1.1")
    assert done.returncode == 75, done.stderr
    assert project.config.read_bytes() == before


# ---------------------------------------------------------------- import --force


def test_import_force_keeps_the_comments_of_the_config_it_replaces(project: Tree) -> None:
    done = run(project, "flux.import", "--write", "--force")
    assert done.returncode == 0, done.stderr
    after = project.config.read_text()
    for comment in ("# Desired Flux state of the test clusters.", "# the storefront", "# Charts."):
        assert comment in after
    assert run(project, "flux.update", "--check").returncode == 0


def test_help_names_positionals_so_n_stays_namespace() -> None:
    for task in ("add-source", "add-kustomization", "add-helm-release", "set-version", "remove"):
        text = run_invoke("--help", f"flux.{task}").stdout
        assert "-n STRING, --namespace=STRING" in text
        assert "-d, --dry-run" in text


def test_a_list_in_name_order_gets_the_new_entry_in_order(project: Tree) -> None:
    in_order = CONFIG.replace(
        "  - {name: checks, healthChecks: [HelmRelease/web.apps]}\n", "  - zoo\n"
    )
    project.folder("zoo")
    project.write_config(in_order)
    assert run(project, "flux.add-kustomization", "monitoring", "--no-update").returncode == 0
    assert changed_lines(in_order, project.config.read_text()) == ["+  - monitoring"]
    text = project.config.read_text()
    assert text.endswith("  - flux-system\n  - monitoring\n  - zoo\n")


def test_setting_the_version_it_has_changes_nothing(project: Tree) -> None:
    files = project.snapshot()
    done = run(project, "flux.set-version", "base", "2.0.0")
    assert done.returncode == 0, done.stderr
    assert project.config.read_text() == CONFIG and project.snapshot() == files
    assert done.stdout.startswith(
        "config/flux.yaml: HelmRelease apps/base: chart version is 2.0.0 already\n"
    )


@pytest.mark.parametrize(
    ("event", "match"),
    [
        ("os.rename", "flux.yaml.fluxtasks-"),  # the new config about to be swapped in
        ("open", "flux-ks-monitoring.yaml.fluxtasks-"),  # config written, the update staging
        ("os.link", "flux-ks-monitoring.yaml.fluxtasks-"),  # the update's new file linked in
    ],
)
def test_a_signal_at_any_phase_leaves_every_file_as_it_was(
    project: Tree, tmp_path: Path, event: str, match: str
) -> None:
    """The child stops where it is told (tests/phased.py), the test sends SIGINT, and the
    config, resources/ and the new folder are as before: exit 130."""
    before, files = project.config.read_bytes(), project.snapshot()
    marker = tmp_path / "reached"
    proc = start(
        project.config,
        [Stage(event, match, 1, str(marker))],
        "flux.add-kustomization",
        "monitoring",
    )
    wait_for(marker, proc)
    signal_group(proc, signal.SIGINT)
    _, err = finish(proc)
    assert (proc.returncode, err) == (130, "interrupted\n")
    assert project.config.read_bytes() == before
    assert project.snapshot() == files
    assert not (project.root / ".fluxtasks.lock").exists()
