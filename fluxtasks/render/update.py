"""Plan what `flux.update` changes under resources/: write, keep, prune, refuse.

A file is *generated* when it carries a marker line (see `generated`); only those are
ever rewritten or deleted. Everything is decided in memory first, so a refusal
or any other error leaves the tree untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from ..config.model import Config
from ..errors import InputError
from ..files.plan import FileChange, Plan
from ..generated import Markers, components_version, generated_text, header_for
from ..render.manifests import render_all
from ..tree import scan_tree


def plan_update(
    config: Config,
    *,
    today: dt.date | None = None,
    components_output: str | None = None,
) -> Plan:
    """Decide every file change of `flux.update` (nothing is written here).

    `components_output` is fresh `flux install --export` output to write as the
    components file; without it the committed components file is left alone.
    """
    today = today or dt.date.today()
    template = config.header_path.read_text(encoding="utf-8")
    existing = scan_tree(config.resources_dir)
    shown_dir = config.display(config.resources_dir)
    plan = Plan(config.resources_dir, shown_dir)
    wanted = render_all(config)
    if components_output is not None:
        wanted[config.components_file] = components_output
    markers = Markers.of(config.marker)
    refused: list[str] = []
    _check_parents(config.resources_dir, wanted, shown_dir, refused)
    for path in sorted(wanted):
        old = existing.get(path)
        if path in existing and (old is None or not markers.owns(old)):
            refused.append(
                f"{shown_dir}/{path}: exists without the generated marker (hand-written or a symlink); "
                "refusing to overwrite it: move it away or change the object's file in the config"
            )
            continue
        header = header_for(template, old, today)
        new = generated_text(header, config.marker, wanted[path])
        plan.changes.append(FileChange(path, old, new))
        if old is not None and "\r\n" in old and old != new:
            how = "differs only in" if old.replace("\r\n", "\n") == new else "also has"
            plan.notes.append(
                f"note: {shown_dir}/{path} {how} CRLF line endings, which flux create never "
                "writes (a Windows checkout? `git config core.autocrlf input` keeps LF); update "
                "rewrites it with LF"
            )
    if refused:
        raise InputError(*refused)
    for path, text in sorted(existing.items()):
        if path in wanted or path == config.components_file or text is None:
            continue
        if markers.owns(text):
            plan.changes.append(FileChange(path, text, None))
    plan.changes.sort(key=lambda c: c.path)
    _components_status(config, existing, plan, regenerated=components_output is not None)
    return plan


def _check_parents(
    resources_dir: Path, wanted: Iterable[str], shown_dir: str, refused: list[str]
) -> None:
    """A file's folders must be real folders inside the tree, never symlinks leading out of it."""
    for path in wanted:
        folder = resources_dir
        for part in path.split("/")[:-1]:
            folder = folder / part
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                refused.append(
                    f"{shown_dir}/{path}: {folder.name} is a symlink or not a folder; refusing to write through it"
                )
                break


def _components_status(
    config: Config, existing: dict[str, str | None], plan: Plan, *, regenerated: bool
) -> None:
    if regenerated:
        return
    shown = f"{plan.shown_dir}/{config.components_file}"
    how = f"run `invoke flux.update --components` with the flux CLI {config.flux_version} on PATH"
    text = existing.get(config.components_file)
    if text is None:
        plan.notes.append(f"note: {shown} is missing; {how}")
        return
    found = components_version(text)
    if found != config.flux_version:
        message = f"{shown} is Flux {found or 'of unknown version'}, but flux.version pins {config.flux_version}; {how}"
        plan.notes.append(f"note: {message}")
        plan.drift_notes.append(message)
