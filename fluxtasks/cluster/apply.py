"""Server-side apply the Flux objects under resources/, one kubectl call per group.

Files are found by the naming convention the old make targets used — `flux-source-*`,
`flux-ks-*`, `flux-hr-*` YAML anywhere under resourcesDir, hand-written ones included —
sorted by path so every run applies the same argv. Applying generated files that no
longer match config/flux.yaml would push stale objects, so drift refuses unless the user
says otherwise.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config.model import Config
from ..errors import CheckFailed
from ..flux import FILE_GROUPS
from ..tree import YAML_SUFFIXES, file_kind
from .connection import Connection

ALL_GROUPS = ("sources", "kustomizations", "helm-releases")  # the order `flux.apply` uses


@dataclass(frozen=True)
class Discovered:
    files: tuple[Path, ...]
    skipped_links: tuple[Path, ...]
    skipped_special: tuple[tuple[Path, str], ...] = ()  # path, what it is (a FIFO, ...)


def discover(resources_dir: Path, prefix: str) -> Discovered:
    """Every `<prefix>*.yaml` regular file under resources_dir, sorted by relative path.

    Symlinks are skipped (and reported): they could point out of the tree. So is anything
    else that is not a regular file (lstat, never opened): kubectl would wait forever on a
    FIFO."""
    files: list[tuple[str, Path]] = []
    links: list[Path] = []
    special: list[tuple[Path, str]] = []
    for folder, dirs, names in os.walk(resources_dir, followlinks=False):
        dirs.sort()
        for name in sorted(names):
            if not (name.startswith(prefix) and name.endswith(YAML_SUFFIXES)):
                continue
            path = Path(folder) / name
            try:
                mode = path.lstat().st_mode
            except OSError:  # gone since the listing
                continue
            if stat.S_ISLNK(mode):
                links.append(path)
            elif not stat.S_ISREG(mode):
                special.append((path, file_kind(mode)))
            else:
                files.append((path.relative_to(resources_dir).as_posix(), path))
    return Discovered(tuple(p for _, p in sorted(files)), tuple(links), tuple(special))


def drift(config: Config) -> list[str]:
    """What `flux.update --check` would report, as lines; empty when generated files are current."""
    from ..render.update import plan_update  # issue 2's planner: the single call into the generator

    plan = plan_update(config)
    lines = [
        f"{plan.shown_dir}/{change.path}: would be {change.action}d" for change in plan.pending
    ]
    return lines + list(plan.drift_notes)


def check_drift(
    config: Config, *, allow_drift: bool, dry_run: bool, say: Callable[[str], None]
) -> None:
    """Refuse (exit 1) when generated files drift, unless allowed; a dry run only warns."""
    found = drift(config)
    if not found:
        return
    if allow_drift:
        say(f"warning: applying despite drift (--allow-drift): {'; '.join(found)}")
        return
    hint = "run `invoke flux.update` and commit, or pass --allow-drift"
    if dry_run:
        say(
            f"note: a real run would refuse: generated files are out of date ({'; '.join(found)}); {hint}"
        )
        return
    raise CheckFailed(
        "refusing to apply: generated files are out of date with config/flux.yaml:",
        *(f"  {line}" for line in found),
        hint,
    )


def apply_groups(
    config: Config, conn: Connection, groups: Sequence[str], *, server_dry_run: bool = False
) -> int:
    """Apply each group in order (one kubectl call each), then say how many files went to
    the cluster; returns that number.

    Call `check_drift` first: applying stale generated files would push stale objects."""
    shown_dir = config.display(config.resources_dir)
    mode = " (server dry run)" if server_dry_run else ""
    total = 0
    for name in groups:
        group = FILE_GROUPS[name]
        found = discover(config.resources_dir, group.prefix)
        for link in found.skipped_links:
            conn.say(f"skipped symlink {config.display(link)} (symlinks are never applied)")
        for path, kind in found.skipped_special:
            conn.say(f"skipped {config.display(path)}: {kind}, not a regular file")
        if not found.files:
            conn.say(
                f"no {group.prefix}*.yaml files under {shown_dir}/: nothing to apply for {name}"
            )
            continue
        conn.say(
            f"applying {len(found.files)} {group.prefix}* file(s) to {conn.target.describe()}{mode}"
        )
        files = [arg for path in found.files for arg in ("-f", str(path))]
        result = conn.runner.run(conn.target.apply(*files, server_dry_run=server_dry_run))
        for line in result.stdout.splitlines():
            conn.say(f"  {line}")
        total += len(found.files)
    if not conn.dry_run:
        conn.say(f"applied {total} file(s) to {conn.target.describe()}{mode}")
    return total
