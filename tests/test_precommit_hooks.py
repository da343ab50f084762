""".pre-commit-hooks.yaml: the two hooks run the commands the README promises, on the files
that can change their outcome, and work the way pre-commit calls them (no file names,
from the repository root, or with --search-root for a suite vendored in a subfolder)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import PROJECT, Tree

HOOKS = {hook["id"]: hook for hook in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}


def command(hook_id: str) -> list[str]:
    hook = HOOKS[hook_id]
    return [*hook["entry"].split(), *hook.get("args", [])]


def test_hooks_run_the_documented_commands() -> None:
    assert sorted(HOOKS) == ["flux-update-check", "flux-validate"]
    assert command("flux-update-check") == ["invoke", "flux.update", "--check"]
    assert command("flux-validate") == ["invoke", "flux.validate"]
    for hook in HOOKS.values():
        assert hook["language"] == "python"  # pre-commit installs this package, invoke with it
        assert hook["pass_filenames"] is False  # the tasks check the whole tree
        assert hook["name"] and hook["description"]


def test_hooks_run_when_config_resources_or_the_suite_change() -> None:
    for hook in HOOKS.values():
        files = re.compile(hook["files"])
        for path in ("config/flux.yaml", "config/values/karpenter-prod.yaml", "resources/boskos/namespace.yaml",
                     "fluxtasks/render/manifests.py", "tasks.py"):  # fmt: skip
            assert files.search(path), path
        for path in ("README.md", "docs/cluster-tasks.md", "tests/test_validate.py", "hack/tasks.py"):
            assert not files.search(path), path


def run_hook(hook_id: str, cwd: Path, config: Path, *before: str) -> subprocess.CompletedProcess[str]:
    """The hook's command as pre-commit runs it; `before` goes ahead of the task (an args override)."""
    invoke, *args = command(hook_id)
    assert invoke == "invoke"
    env = {"INVOKE_FLUX_CONFIG": str(config), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "invoke", *before, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_hooks_pass_on_a_current_tree_and_fail_on_drift(tree: Tree) -> None:
    assert tree.invoke("flux.update").returncode == 0
    for hook_id in HOOKS:
        done = run_hook(hook_id, PROJECT, tree.config)
        assert done.returncode == 0, (hook_id, done.stderr)
    ks = tree.resources / "flux-system" / "flux-ks-apps.yaml"
    ks.write_text(ks.read_text().replace("prune: true", "prune: false"))
    for hook_id in HOOKS:
        assert run_hook(hook_id, PROJECT, tree.config).returncode == 1, hook_id


def test_search_root_override_for_a_suite_in_a_subfolder(tree: Tree, tmp_path: Path) -> None:
    """README: a repository that vendors the suite in a subfolder sets args to
    [--search-root, SUBFOLDER, ...]; pre-commit runs from the repository root."""
    assert tree.invoke("flux.update").returncode == 0
    elsewhere = tmp_path / "repo-root"
    elsewhere.mkdir()
    done = run_hook("flux-validate", elsewhere, tree.config, "--search-root", str(PROJECT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("checked 1 Kustomization folder(s)")
