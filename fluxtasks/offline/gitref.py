"""The base side of `flux.diff`: the project as it stood at a Git commit, in a folder of its own,
so the same loader and renderer run on both sides.

Only what the loader reads is taken from the commit: the config file (and the config/ folder
beside it), resourcesDir, the header and every values file the config names (`{cluster}`
replaced for each declared cluster). They come from one `git archive`, read with tarfile's
"data" filter so no entry can land outside the folder. That beat `git worktree add` (a full
checkout, and an entry left in .git until removed) by 15x on a 20,000-file repository, and
like it needs only the base commit's objects: a shallow clone works once that commit is
fetched. `git archive` applies the commit's export-ignore/export-subst attributes; a project
that sets them on config/ or resources/ would see them applied here.
"""

from __future__ import annotations

import posixpath
import re
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .._data import as_mapping, as_mappings, as_text, as_texts
from ..errors import InputError
from ..runner import Runner

GIT = ("git", "--literal-pathspecs")  # paths are file names, never glob patterns
_SHA = re.compile(r"[0-9a-f]{7,64}")


@dataclass(frozen=True)
class BaseTree:
    """The project root as it stood at `commit`, extracted under a temporary folder."""

    ref: str  # as the user gave it, e.g. "origin/main"
    commit: str  # the full commit id it resolved to
    root: Path  # the project root inside the extracted folder
    config_path: Path
    notes: tuple[str, ...] = ()  # archive entries that were not extracted, one line each

    @property
    def label(self) -> str:
        """`base (origin/main)`: how every line about this side names it."""
        return f"base ({self.ref})"


def project_root(config_path: Path) -> Path:
    """The folder that holds config/ (the loader's rule: the config file's folder otherwise)."""
    parent = config_path.parent
    return parent.parent if parent.name == "config" else parent


def extract_base(config_path: Path, ref: str, runner: Runner, into: Path) -> BaseTree:
    """Extract the base side of the project at `config_path` as of `ref` into `into`.

    InputError (exit 4), one line: outside a Git work tree, a ref that names no commit here
    (with the fetch that brings it into a shallow clone), no config file at that commit.
    """
    root = project_root(config_path.absolute())
    top, prefix = _work_tree(root, ref, runner)
    commit = resolve_commit(top, ref, runner)
    config_rel = config_path.absolute().relative_to(root).as_posix()
    label = f"base ({ref})"
    shown = prefix + config_rel
    found = runner.run([*GIT, "-C", str(top), "show", f"{commit}:{shown}"], ok_codes=range(256))
    if found.exit_code != 0:
        raise InputError(f"{label}: {config_rel}: no such file at {commit[:12]}")
    # Normalised inside the repository: a values file may sit beside the project root.
    wanted = [posixpath.normpath(prefix + p) for p in needed_paths(config_rel, found.stdout)]
    present = _present(top, commit, [p for p in wanted if not p.startswith("../")], runner)
    tree = into / "tree"
    tree.mkdir(parents=True)
    # The loader derives a missing output.repoPath from `git rev-parse --show-prefix`: a
    # repository at the top of the extracted tree gives it the same answer as the work tree.
    runner.run(["git", "init", "--quiet", str(tree)])
    notes: list[str] = []
    if present:
        archive = into / "base.tar"
        runner.run(
            [*GIT, "-C", str(top), "archive", "--format=tar", f"--output={archive}", commit]
            + ["--", *present]
        )
        notes = _extract(archive, tree, label)
        archive.unlink()
    base_root = tree / prefix if prefix else tree
    base_root.mkdir(parents=True, exist_ok=True)
    return BaseTree(ref, commit, base_root, base_root / config_rel, tuple(notes))


def _work_tree(root: Path, ref: str, runner: Runner) -> tuple[Path, str]:
    """(top of the work tree, the project root's path inside it: "" or "a/b/")."""
    done = runner.run(
        ["git", "-C", str(root), "rev-parse", "--show-toplevel", "--show-prefix"],
        ok_codes=range(256),
    )
    lines = done.stdout.splitlines()
    if done.exit_code != 0 or not lines:
        raise InputError(
            f"{root}: not inside a Git work tree: flux.diff reads the base side ({ref}) "
            "from Git; run it in a clone of the repository"
        )
    return Path(lines[0]), lines[1] if len(lines) > 1 else ""


def resolve_commit(top: Path, ref: str, runner: Runner) -> str:
    """The commit `ref` names, or one line saying how to fetch it."""
    if not ref or ref.startswith("-") or any(c.isspace() or ord(c) < 32 for c in ref):
        raise InputError(f"--base {ref!r}: not a Git revision")
    done = runner.run(
        ["git", "-C", str(top), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        ok_codes=range(256),
    )
    if done.exit_code == 0 and done.stdout.strip():
        return done.stdout.strip()
    shallow = runner.run(
        ["git", "-C", str(top), "rev-parse", "--is-shallow-repository"], ok_codes=range(256)
    )
    remotes = runner.run(["git", "-C", str(top), "remote"], ok_codes=range(256))
    is_shallow = shallow.stdout.strip() == "true"
    fetch = fetch_command(ref, remotes.stdout.split(), shallow=is_shallow)
    where = "this shallow clone" if is_shallow else "this repository"
    raise InputError(
        f"--base {ref}: no such commit in {where}" + (f"; fetch it first: {fetch}" if fetch else "")
    )


def fetch_command(ref: str, remotes: Iterable[str], *, shallow: bool) -> str | None:
    """The `git fetch` that makes `ref` resolve here: a remote-tracking name is fetched into
    itself (a shallow clone's refspec may cover only the branch it was cloned from); a
    relative one (`HEAD~3`) needs the history a shallow clone left out."""
    depth = " --depth=1" if shallow else ""
    if any(c in ref for c in "~^@:"):
        return "git fetch --unshallow" if shallow else None
    remote, _, branch = ref.partition("/")
    if branch and remote in set(remotes):
        return f"git fetch{depth} {remote} {branch}:refs/remotes/{remote}/{branch}"
    if _SHA.fullmatch(ref):
        return f"git fetch{depth} origin {ref}"
    return f"git fetch{depth} origin {ref}:{ref}"


def needed_paths(config_rel: str, config_text: str) -> list[str]:
    """Paths (relative to the project root, normalised) the loader reads besides resources:
    read leniently from the config text; a config that does not parse still gets its
    config/ folder and the defaults, and the loader then says what is wrong with it."""
    try:
        data = as_mapping(yaml.safe_load(config_text))
    except yaml.YAMLError:
        data = {}
    output = as_mapping(data.get("output"))
    config_dir = posixpath.dirname(config_rel)
    paths = [config_rel, config_dir if posixpath.basename(config_dir) == "config" else ""]
    paths.append(as_text(output.get("resourcesDir"), "resources"))
    paths.append(as_text(output.get("header"), "config/boilerplate.txt"))
    clusters = list(as_mapping(data.get("clusters")))
    for release in as_mappings(data.get("helmReleases")):
        paths.extend(as_texts(release.get("valuesFiles")) or [])
        per_cluster = as_text(as_mapping(release.get("clusterValues")).get("file"))
        paths.extend(per_cluster.replace("{cluster}", c) for c in clusters if per_cluster)
    out: list[str] = []
    for path in paths:
        normal = posixpath.normpath(path) if path else ""
        if normal and normal != "." and not posixpath.isabs(normal) and normal not in out:
            out.append(normal)
    return out


def _present(top: Path, commit: str, paths: list[str], runner: Runner) -> list[str]:
    """The paths that exist at `commit` (`git archive` refuses a pathspec matching nothing;
    a missing values file is the loader's to report)."""
    if not paths:
        return []
    done = runner.run([*GIT, "-C", str(top), "ls-tree", "-z", "--name-only", commit, "--", *paths])
    found = set(done.stdout.split("\0"))
    return [p for p in paths if p in found]


def _extract(archive: Path, dest: Path, label: str) -> list[str]:
    """Extract every entry the "data" filter accepts; say which ones it refused (a link
    leading out of the tree, say): the loader or the build then reports what it misses."""
    notes: list[str] = []
    with tarfile.open(archive) as tar:
        for member in tar:
            try:
                tar.extract(member, dest, filter="data")
            except tarfile.FilterError as exc:
                notes.append(f"note: {label}: {member.name}: not extracted: {exc}")
    return notes
