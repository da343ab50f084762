"""Hostile trees and concurrent runs: each ends in one line per problem and its documented
exit code, with nothing changed on disk.

* a FIFO named like a manifest is never opened (update, --check, validate, import, apply);
* a folder, a FIFO, a file or a too-long name where a generated file goes: refused up front;
* a folder where a file would be created, replaced or pruned that cannot be written: found
  before the first write;
* a manifest that is not UTF-8: validate names it;
* a run SIGKILLed half-way leaves temp files that --check and validate report and the next
  update removes, and a lock that the next update takes over;
* two updates at once: the second is refused at once naming the first (exit 75);
* a file created or edited while the update swaps files in is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
from pathlib import Path
from typing import Any

import pytest
from conftest import MINIMAL_CONFIG, Tree
from phased import Stage, finish, signal_group, start, wait_for
from test_robust_faults import OURS, TODAY, contents, fresh_copy, stale

from fluxtasks.config.load import load_config
from fluxtasks.errors import InputError
from fluxtasks.files import atomic
from fluxtasks.files.atomic import apply_plan
from fluxtasks.render.update import plan_update

__all__ = ["stale"]  # a fixture, imported for pytest

NOTE = "note: resources/flux/gotk-components.yaml is missing"


def errors(text: str) -> list[str]:
    """stderr without the notes every update of these trees prints."""
    return [line for line in text.splitlines() if not line.startswith(NOTE)]


# ---------------------------------------------------------------- FIFOs and other odd files


def test_a_fifo_named_like_a_manifest_is_never_opened(tree: Tree) -> None:
    """A FIFO blocks whoever opens it to read: every task must list it, never open it.
    (A hang fails the test at the subprocess' time limit.)"""
    assert tree.invoke("flux.update").returncode == 0
    os.mkfifo(tree.resources / "apps" / "x.yaml")
    os.mkfifo(tree.resources / "apps" / "flux-hr-fifo.yaml")
    before = tree.snapshot()
    check = tree.invoke("flux.update", "--check", timeout=30)
    assert (check.returncode, errors(check.stderr)) == (0, [])
    update = tree.invoke("flux.update", timeout=30)
    assert (update.returncode, errors(update.stderr)) == (0, [])
    validate = tree.invoke("flux.validate", timeout=30)
    assert validate.returncode == 0, validate.stderr
    assert "warning: resources/apps/x.yaml: a FIFO, not a regular file: not read, and Git cannot hold it" in validate.stderr
    imported = tree.invoke("flux.import", timeout=30)
    assert imported.returncode == 0, imported.stderr
    assert tree.snapshot() == before


def test_apply_skips_a_fifo_named_like_a_release_file(tmp_path: Path) -> None:
    from fakecluster import FakeCluster, write_project

    root = tmp_path / "project"
    config = write_project(root)
    fake = FakeCluster(tmp_path / "fake")
    assert fake.invoke("flux.update", config=config).returncode == 0
    os.mkfifo(root / "resources" / "apps" / "flux-hr-fifo.yaml")
    done = fake.invoke("flux.apply-helm-releases", "--cluster", "canary", config=config, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "skipped resources/apps/flux-hr-fifo.yaml: a FIFO, not a regular file" in done.stdout
    applied = [arg for call in fake.calls() for arg in call if arg.endswith(".yaml")]
    assert applied and not [a for a in applied if a.endswith("flux-hr-fifo.yaml")]


def test_validate_does_not_build_a_folder_holding_a_fifo(tree: Tree) -> None:
    """kubectl kustomize would read a FIFO the kustomization lists and wait for good."""
    tree.write("resources/apps/kustomization.yaml", "resources:\n- x.yaml\n- namespace.yaml\n")
    os.mkfifo(tree.resources / "apps" / "x.yaml")
    assert tree.invoke("flux.update").returncode == 0
    done = tree.invoke("flux.validate", timeout=30)
    assert done.returncode == 1
    assert (
        "resources/apps: not built: resources/apps/x.yaml is a FIFO, not a regular file, which "
        "kubectl kustomize could wait on forever; remove it"
    ) in done.stderr.splitlines()


def test_validate_names_a_manifest_that_is_not_utf8(tree: Tree) -> None:
    assert tree.invoke("flux.update").returncode == 0
    (tree.resources / "apps" / "cm.yaml").write_bytes(b"kind: ConfigMap\nmetadata:\n  name: caf\xe9\n")
    done = tree.invoke("flux.validate")
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if not line.startswith("warning: ")] == [
        "resources/apps/cm.yaml: not valid UTF-8 (byte 0xe9 at offset 37): Flux cannot read it; save it as UTF-8"
    ]


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (os.mkfifo, "a FIFO, not a regular file"),
        (lambda p: p.write_bytes(b"# \xff\n"), "not valid UTF-8 (byte 0xff at offset 2)"),
    ],
    ids=["fifo", "not-utf8"],
)
def test_an_odd_file_at_a_generated_path_is_refused(tree: Tree, make: Any, what: str) -> None:
    (tree.resources / "flux-system").mkdir()
    make(tree.resources / "flux-system" / "flux-ks-apps.yaml")
    before = tree.snapshot()
    done = tree.invoke("flux.update", timeout=30)
    assert done.returncode == 4
    assert errors(done.stderr) == [
        f"resources/flux-system/flux-ks-apps.yaml: {what}; refusing to overwrite it: move it "
        "away or change the object's file in the config"
    ]
    assert tree.snapshot() == before


def test_a_folder_where_a_generated_file_goes_gets_advice_that_fits(tree: Tree) -> None:
    """It used to say "changed since it was read: run the update again", which never helps."""
    (tree.resources / "flux-system" / "flux-ks-apps.yaml").mkdir(parents=True)
    before = tree.snapshot()
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert errors(done.stderr) == [
        "resources/flux-system/flux-ks-apps.yaml: a folder is where this generated file goes; "
        "refusing to replace it: move it away or change the object's file in the config"
    ]
    assert tree.snapshot() == before


def test_a_file_where_a_folder_is_needed_is_refused(tree: Tree) -> None:
    tree.write("resources/flux-system", "not a folder\n")
    before = tree.snapshot()
    done = tree.invoke("flux.update")
    assert done.returncode == 4
    assert errors(done.stderr) == [
        f"resources/flux-system/{name}: flux-system is a file, where a folder is needed: move it "
        "away or change the object's file in the config"
        for name in ("flux-ks-apps.yaml", "flux-source-git-k8s-io.yaml")
    ]
    assert tree.snapshot() == before


@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("flux-system/flux-ks-" + "a" * 240 + ".yaml", "file name too long (253 bytes; at most 220 here)"),
        ("flux-system/flux-ks-" + "é" * 120 + ".yaml", "file name too long (253 bytes; at most 220 here)"),
        ("x" * 256 + "/flux-ks-apps.yaml", "folder name too long (256 bytes; at most 255)"),
    ],
    ids=["file", "file-multibyte", "folder"],
)
def test_a_name_too_long_for_the_filesystem_is_one_line(tree: Tree, file: str, line: str) -> None:
    tree.write_config(MINIMAL_CONFIG.replace("  - apps", f"  - {{name: apps, file: {file}}}"))
    before = tree.snapshot()
    done = tree.invoke("flux.update")
    assert done.returncode == 4, done.stderr
    assert errors(done.stderr) == [f"resources/{file}: {line}; choose a shorter `file` for the object in the config"]
    assert tree.snapshot() == before


# ---------------------------------------------------------------- folders that cannot be written


def test_a_folder_that_cannot_be_written_is_found_before_the_first_write(stale: Tree, tmp_path: Path) -> None:
    """The permission check is injected: CI runs as root, where every folder is writable."""
    tree = fresh_copy(stale, tmp_path / "t")
    before = tree.snapshot()
    plan = plan_update(load_config(tree.config), today=TODAY)
    read_only = {tree.resources / "flux-system", tree.resources / "x" / "y"}
    with pytest.raises(InputError) as caught:
        apply_plan(plan, writable=lambda folder: folder not in read_only)
    assert caught.value.lines == [
        f"resources/{folder}: folder not writable (permission denied); nothing was changed: "
        "fix its permissions and run again"
        for folder in ("flux-system", "x/y")  # where files are replaced and pruned
    ]
    assert tree.snapshot() == before


def test_a_new_folder_needs_the_nearest_existing_one_writable(stale: Tree, tmp_path: Path) -> None:
    tree = fresh_copy(stale, tmp_path / "t")
    plan = plan_update(load_config(tree.config), today=TODAY)
    asked: list[Path] = []
    apply_plan(plan, writable=lambda folder: asked.append(folder) or True)
    # deep/er/ and web/ do not exist yet: resources/ itself must be writable
    assert set(asked) == {tree.resources, tree.resources / "flux-system", tree.resources / "x" / "y"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders: the injected check above covers it")
def test_pruning_in_a_read_only_folder_changes_nothing(stale: Tree, tmp_path: Path) -> None:
    tree = fresh_copy(stale, tmp_path / "t")
    folder = tree.resources / "x" / "y"  # holds only a file to prune
    before = tree.snapshot()
    folder.chmod(0o555)
    try:
        done = tree.invoke("flux.update")
    finally:
        folder.chmod(0o755)
    assert done.returncode == 4
    assert errors(done.stderr) == [
        "resources/x/y: folder not writable (permission denied); nothing was changed: fix its "
        "permissions and run again"
    ]
    assert tree.snapshot() == before


# ---------------------------------------------------------------- killed runs, concurrent runs


def test_a_killed_update_leaves_temp_files_that_are_reported_then_removed(stale: Tree, tmp_path: Path) -> None:
    tree = fresh_copy(stale, tmp_path / "t")
    marker = tmp_path / "staging"
    proc = start(tree.config, [Stage("open", ".yaml.fluxtasks-", 3, str(marker))], "flux.update")
    wait_for(marker, proc)
    signal_group(proc, signal.SIGKILL)  # no handler runs: nothing can clean up
    finish(proc)
    temps = sorted(p.relative_to(tree.root).as_posix() for p in tree.resources.rglob("*.tmp"))
    assert len(temps) == 2 and (tree.root / ".fluxtasks.lock").exists()
    lines = [f"{t}: temp file of a run that was killed: `invoke flux.update` removes it" for t in temps]

    check = tree.invoke("flux.update", "--check")
    assert check.returncode == 1
    assert errors(check.stderr)[: len(lines)] == lines
    validate = tree.invoke("flux.validate")
    assert validate.returncode == 1
    assert set(lines) <= set(validate.stderr.splitlines())

    update = tree.invoke("flux.update")  # takes over the dead run's lock too
    assert update.returncode == 0, update.stderr
    assert [f"note: removed {t}, a temp file of a run that was killed" for t in temps] == [
        line for line in update.stderr.splitlines() if line.startswith("note: removed")
    ]
    assert not list(tree.resources.rglob("*.tmp")) and not (tree.root / ".fluxtasks.lock").exists()
    assert tree.invoke("flux.update", "--check").returncode == 0


def test_a_second_update_is_refused_at_once_naming_the_first(stale: Tree, tmp_path: Path) -> None:
    """Two configs of one project, two updates at once: the second would write files of
    both. It is refused before it reads anything; the first finishes (here: is stopped)
    with the tree exactly as before."""
    tree = fresh_copy(stale, tmp_path / "t")
    other = tree.write("config/other.yaml", MINIMAL_CONFIG)
    before = tree.snapshot()
    marker = tmp_path / "planning"
    first = start(tree.config, [Stage("open", "boilerplate.txt", 1, str(marker))], "flux.update")
    wait_for(marker, first)
    started = dt.datetime.now().astimezone()
    second = Tree(tree.root).invoke("flux.update", env={"INVOKE_FLUX_CONFIG": str(other)})
    assert second.returncode == 75
    line = second.stderr.strip()
    assert line.startswith(f"another flux.update (pid {first.pid} on {socket.gethostname()}, since ")
    assert line.endswith(") holds .fluxtasks.lock: wait for it to finish, or stop it")
    since = dt.datetime.strptime(line.split("since ")[1][:8], "%H:%M:%S").time()
    assert abs(dt.datetime.combine(started.date(), since) - started.replace(tzinfo=None)) < dt.timedelta(minutes=5)
    assert tree.invoke("flux.update", "--check").returncode == 1  # --check writes nothing: no lock
    signal_group(first, signal.SIGTERM)
    finish(first)
    assert first.returncode == 143
    assert tree.snapshot() == before and not (tree.root / ".fluxtasks.lock").exists()


# ---------------------------------------------------------------- changes during the swap


def test_a_file_created_at_a_new_path_during_the_swap_is_kept(stale: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the check of the plan and the link of a new file into place, someone writes
    a file there: it is not overwritten, everything already swapped goes back, exit 4."""
    tree = fresh_copy(stale, tmp_path / "t")
    before = contents(tree)
    plan = plan_update(load_config(tree.config), today=TODAY)
    mine = tree.resources / "web" / "flux-hr-web.yaml"
    real = os.replace
    swapped: list[str] = []

    def replace_then_someone_writes(src: Any, dst: Any) -> None:
        real(src, dst)
        swapped.append(str(dst))
        if len(swapped) == 1:
            mine.write_text("# mine, hand-written\n")

    monkeypatch.setattr(atomic.os, "replace", replace_then_someone_writes)
    with pytest.raises(InputError) as caught:
        apply_plan(plan)
    assert caught.value.lines == [
        "resources/web/flux-hr-web.yaml: changed since it was read; nothing was changed: run the update again"
    ]
    assert mine.read_text() == "# mine, hand-written\n"
    after = contents(tree)
    assert after.pop("resources/web/flux-hr-web.yaml") and after.pop("resources/web/") == "dir"
    assert after == before  # the file replaced before it, and the one created, are undone
    assert not list(tree.resources.rglob("*.tmp"))


def test_a_file_edited_during_the_swap_is_not_replaced(stale: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = fresh_copy(stale, tmp_path / "t")
    plan = plan_update(load_config(tree.config), today=TODAY)
    edited = tree.resources / "flux-system" / "flux-ks-infra.yaml"
    real = os.link

    def link_then_someone_edits(src: Any, dst: Any) -> None:
        real(src, dst)
        edited.write_text(OURS + "---\nedited: by hand\n")

    monkeypatch.setattr(atomic.os, "link", link_then_someone_edits)
    before = contents(tree)
    with pytest.raises(InputError) as caught:
        apply_plan(plan)
    assert caught.value.lines == [
        "resources/flux-system/flux-ks-infra.yaml: changed since it was read; nothing was changed: run the update again"
    ]
    assert edited.read_text() == OURS + "---\nedited: by hand\n"
    infra = "resources/flux-system/flux-ks-infra.yaml"
    assert {k: v for k, v in contents(tree).items() if k != infra} == {
        k: v for k, v in before.items() if k != infra
    }
    assert not list(tree.resources.rglob("*.tmp"))
