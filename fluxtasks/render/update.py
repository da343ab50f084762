"""Plan what `flux.update` changes under resources/: write, keep, prune, refuse.

A file is *generated* when it carries a marker line (ours or the legacy bash one); only
those are ever rewritten or deleted. Everything is decided in memory first, so a refusal
or any other error leaves the tree untouched.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config.model import DEFAULT_MARKER, LEGACY_MARKER, Config
from ..errors import InputError
from ..render.manifests import render_all

COMPONENTS_VERSION_RE = re.compile(r"^# Flux Version: (\S+)$", re.MULTILINE)
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class FileChange:
    """One file of the plan; `old`/`new` are None when the file is absent before/after."""

    path: str  # relative to resources_dir, forward slashes
    old: str | None
    new: str | None

    @property
    def action(self) -> str:
        if self.old == self.new:
            return "unchanged"
        if self.old is None:
            return "create"
        return "delete" if self.new is None else "update"


@dataclass
class Plan:
    resources_dir: Path
    shown_dir: str  # resources_dir as the user sees it ("resources")
    changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    drift_notes: list[str] = field(default_factory=list)  # drift that is not a file change

    @property
    def pending(self) -> list[FileChange]:
        return [c for c in self.changes if c.action != "unchanged"]

    @property
    def has_drift(self) -> bool:
        return bool(self.pending or self.drift_notes)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def diff(self) -> str:
        """A unified diff of every pending change, paths shown under resources_dir."""
        chunks: list[str] = []
        for change in self.pending:
            shown = f"{self.shown_dir}/{change.path}"
            chunks.extend(
                difflib.unified_diff(
                    (change.old or "").splitlines(keepends=True),
                    (change.new or "").splitlines(keepends=True),
                    fromfile=shown if change.old is not None else "/dev/null",
                    tofile=shown if change.new is not None else "/dev/null",
                )
            )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in chunks
        )


def header_for(template: str, existing: str | None, today: dt.date) -> str:
    """The header with YEAR replaced: an existing file keeps its year, a new one gets today's."""
    if "YEAR" not in template:
        return template
    year = str(today.year)
    if existing is not None:
        before, _, after = template.partition("YEAR")
        pattern = re.escape(before) + r"(\d{4})" + re.escape(after.split("\n", 1)[0])
        match = re.match(pattern, existing)
        if match:
            year = match.group(1)
    return template.replace("YEAR", year)


def is_generated(text: str, marker: str) -> bool:
    """True when the file carries a marker line: the configured one, this project's default
    (so changing `output.marker` keeps ownership) or the bash script's legacy one."""
    markers = {f"# {marker}", f"# {DEFAULT_MARKER}", f"# {LEGACY_MARKER}"}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in markers:
            return True
        if stripped == "---":  # markers sit in the header, before the document
            return False
    return False


def generated_text(header: str, marker: str, body: str) -> str:
    return f"{header}# {marker}\n{body}"


def components_version(text: str) -> str | None:
    match = COMPONENTS_VERSION_RE.search(text)
    return match.group(1) if match else None


def scan_tree(resources_dir: Path) -> dict[str, str | None]:
    """Every YAML file under resources_dir -> its text (None for symlinks, never followed)."""
    found: dict[str, str | None] = {}
    if resources_dir.is_dir():
        _scan_folder(str(resources_dir), "", found)
    return found


def _scan_folder(folder: str, prefix: str, found: dict[str, str | None]) -> None:
    """One folder of scan_tree, its sub-folders in name order. os.scandir knows from the
    directory listing which entries are symlinks, saving a stat per file."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return  # unreadable folder: nothing in it can be owned
    for entry in entries:
        rel = prefix + entry.name
        try:
            is_dir = entry.is_dir()  # follows a symlink, but only to skip it
        except OSError:
            is_dir = False
        if is_dir:
            if not entry.is_symlink():
                _scan_folder(entry.path, rel + "/", found)
        elif entry.name.endswith(YAML_SUFFIXES):
            if entry.is_symlink():
                found[rel] = None
                continue
            try:
                with open(entry.path, encoding="utf-8") as handle:
                    found[rel] = handle.read()
            except (UnicodeDecodeError, OSError):
                found[rel] = None  # unreadable: treated as hand-written


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
    refused: list[str] = []
    _check_parents(config.resources_dir, wanted, shown_dir, refused)
    for path in sorted(wanted):
        old = existing.get(path)
        if path in existing and (old is None or not is_generated(old, config.marker)):
            refused.append(
                f"{shown_dir}/{path}: exists without the generated marker (hand-written or a symlink); "
                "refusing to overwrite it: move it away or change the object's file in the config"
            )
            continue
        header = header_for(template, old, today)
        plan.changes.append(
            FileChange(path, old, generated_text(header, config.marker, wanted[path]))
        )
    if refused:
        raise InputError(*refused)
    for path, text in sorted(existing.items()):
        if path in wanted or path == config.components_file or text is None:
            continue
        if is_generated(text, config.marker):
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
