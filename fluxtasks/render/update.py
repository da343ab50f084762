"""Plan what `flux.update` changes under resources/: write, keep, prune, refuse.

A file is *generated* when it carries a marker line (see `generated`); only those are
ever rewritten or deleted. Everything is decided in memory first, so a refusal
or any other error leaves the tree untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ..config.model import Config
from ..errors import InputError
from ..files.plan import FileChange, Plan
from ..files.temps import MAX_NAME_BYTES, NAME_MAX, is_stale_temp, name_fits
from ..generated import Markers, components_version, generated_text, header_for
from ..render.manifests import render_all
from ..tree import TEMP_MARK, TreeScan, file_kind, scan_tree


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
    _check_paths(config.resources_dir, wanted, existing, shown_dir, refused)
    for path in sorted(wanted):
        old = existing.get(path)
        if path in existing and (old is None or not markers.owns(old)):
            what = existing.skipped.get(
                path, "exists without the generated marker (hand-written or a symlink)"
            )
            refused.append(
                f"{shown_dir}/{path}: {what}; "
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
    _find_leftovers(config, existing, plan)
    return plan


def _check_paths(
    resources_dir: Path,
    wanted: Iterable[str],
    existing: TreeScan,
    shown_dir: str,
    refused: list[str],
) -> None:
    """Before anything is written: every name fits the filesystem (with the temp file that
    stages it), every folder on the way is a real folder inside the tree (never a symlink
    leading out of it), and nothing that is not a file, a folder say, sits where a file goes."""
    folders: dict[Path, str | None] = {}  # folder -> why it cannot be written through
    for path in sorted(wanted):
        shown = f"{shown_dir}/{path}"
        too_long = _name_too_long(path)
        if too_long is not None:
            refused.append(
                f"{shown}: {too_long}; choose a shorter `file` for the object in the config"
            )
            continue
        problem = _folders_problem(resources_dir, path, folders)
        if problem is None and path not in existing:
            problem = _in_the_way(resources_dir / path)
        if problem is not None:
            refused.append(f"{shown}: {problem}")


def _name_too_long(path: str) -> str | None:
    *parts, name = path.split("/")
    for part in parts:
        if len(os.fsencode(part)) > NAME_MAX:
            return f"folder name too long ({len(os.fsencode(part))} bytes; at most {NAME_MAX})"
    if not name_fits(name):  # with the temp file that stages it beside it
        return f"file name too long ({len(os.fsencode(name))} bytes; at most {MAX_NAME_BYTES} here)"
    return None


def _folders_problem(resources_dir: Path, path: str, seen: dict[Path, str | None]) -> str | None:
    folder = resources_dir
    for part in path.split("/")[:-1]:
        folder = folder / part
        if folder not in seen:
            try:
                mode: int | None = os.lstat(folder).st_mode
            except FileNotFoundError:
                mode = None  # made by the write
            except OSError as exc:
                seen[folder] = f"cannot reach its folder {part}: {exc.strerror or exc}"
                continue
            if mode is not None and stat.S_ISLNK(mode):
                seen[folder] = f"{part} is a symlink; refusing to write through it"
            elif mode is not None and not stat.S_ISDIR(mode):
                seen[folder] = (
                    f"{part} is {file_kind(mode) if not stat.S_ISREG(mode) else 'a file'}, where a folder "
                    "is needed: move it away or change the object's file in the config"
                )
            else:
                seen[folder] = None
        if seen[folder] is not None:
            return seen[folder]
    return None


def _in_the_way(target: Path) -> str | None:
    """What sits where a new generated file goes, that the scan did not read (a folder)."""
    try:
        mode = os.lstat(target).st_mode
    except OSError:
        return None
    kind = file_kind(mode) if not stat.S_ISREG(mode) else "a file"
    return (
        f"{kind} is where this generated file goes; refusing to replace it: move it away "
        "or change the object's file in the config"
    )


def _find_leftovers(config: Config, existing: TreeScan, plan: Plan) -> None:
    """Temp files of runs that were killed: under resourcesDir, and beside the config (where
    `import --write` and the config editors stage it)."""
    for rel in existing.temps:
        if is_stale_temp(rel.rpartition("/")[2]):
            plan.leftovers[f"{plan.shown_dir}/{rel}"] = config.resources_dir / rel
    folder = config.path.parent
    with contextlib.suppress(OSError):
        for name in sorted(os.listdir(folder)):
            if TEMP_MARK in name and is_stale_temp(name):
                plan.leftovers[config.display(folder / name)] = folder / name


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
