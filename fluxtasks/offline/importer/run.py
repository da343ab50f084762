"""`flux.import`: rebuild config/flux.yaml from the generated files of a tree (migration).

Every file under resourcesDir that carries a generated marker (this project's, the bash
script's, or the existing config's) is read back into the config model. Each object is
rendered again for every Flux minor release and compared with the file, which tells both
whether the config can express it and which `flux create` versions wrote it. Repeated
values become `defaults`, file names that differ from the default become `file:`, and the
result is validated by the real loader and planned by the real `flux.update` before anyone
sees it: what import prints is what round-trips.

Nothing is dropped silently. A marked file that cannot be imported would be *deleted* by
the next `flux.update` (it owns every marked file), so it is a blocker: `--write` refuses
until its marker line is removed, which makes it a hand-written file.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from ...config.load import load_text
from ...config.model import Config
from ...config.paths import config_root, shown_config
from ...config.settings import OUTPUT
from ...errors import InputError
from ...generated import DEFAULT_MARKER, LEGACY_MARKER, Markers
from ...tree import scan_tree
from .fold import Built, Fold
from .read import (
    Imported,
    drop_duplicates,
    find_components,
    hand_written_note,
    read_existing,
    read_object,
)
from .verify import map_problems, verify


@dataclass
class ImportResult:
    config_path: Path
    shown_config: str  # "config/flux.yaml"
    text: str  # the config to write
    notes: list[str] = field(default_factory=list)  # what import decided, and why
    warnings: list[str] = field(default_factory=list)  # what `flux.update` would still change
    left_alone: list[str] = field(default_factory=list)  # Flux-looking files that are not marked
    blockers: list[str] = field(default_factory=list)  # marked files that cannot be imported
    imported: int = 0


def import_tree(config_path: Path) -> ImportResult:
    """Build the config that reproduces the generated files of the tree `config_path` governs.

    Nothing is written; InputError when there is nothing to import or the tree lacks what
    every config needs (resourcesDir, the header template).
    """
    root = config_root(config_path)
    existing = read_existing(config_path)
    resources_rel = existing.output.get("resourcesDir", OUTPUT.default("resourcesDir"))
    if not (root / resources_rel).is_dir():
        raise InputError(
            f"{resources_rel}/: no such folder (output.resourcesDir); nothing to import"
        )
    header_rel = existing.output.get("header", OUTPUT.default("header"))
    if not (root / header_rel).is_file():
        raise InputError(
            f"{header_rel}: the license header template (output.header) is missing: create it from "
            "the header of the generated files, with the year written as YEAR"
        )
    result = ImportResult(config_path, shown_config(config_path), "")
    if existing.problem:
        result.notes.append(existing.problem)
    markers = Markers.of(existing.output.get("marker"))
    tree = scan_tree(root / resources_rel)
    fold = Fold(existing, find_components(tree, existing), root, resources_rel, header_rel)
    imported, blocked = _read_tree(result, tree, fold, markers)
    built, config, imported = _fold_until_it_loads(result, fold, imported, blocked)
    result.text = built.text
    result.imported = len(imported)
    result.notes.extend(built.notes)
    for rel, reason in sorted(blocked.items()):
        result.blockers.append(
            f"{resources_rel}/{rel}: not imported: {reason}; it carries the generated marker, so "
            "`invoke flux.update` would delete it: delete it yourself, or remove its marker line to keep it "
            "as a hand-written file"
        )
    notes, warnings, blockers = verify(config, blocked, markers, header_rel)
    result.notes.extend(notes)
    result.warnings.extend(warnings)
    result.blockers.extend(blockers)
    return result


def _read_tree(
    result: ImportResult, tree: dict[str, str | None], fold: Fold, markers: Markers
) -> tuple[list[Imported], dict[str, str]]:
    """The object of every marked file, and why each marked file that cannot be imported
    is blocked; unmarked Flux-looking files are noted as left alone."""
    resources_rel = fold.resources_rel
    imported: list[Imported] = []
    blocked: dict[str, str] = {}
    for rel, text in tree.items():
        shown = f"{resources_rel}/{rel}"
        if rel == fold.components.file:
            continue
        if text is None:
            if posixpath.basename(rel).startswith("flux-"):
                result.left_alone.append(
                    f"{shown}: a symlink or unreadable: left alone, not imported"
                )
            continue
        marker = markers.marker_of(text)
        if marker is None:
            note = hand_written_note(rel, text)
            if note:
                result.left_alone.append(f"{shown}: {note}")
            continue
        read = read_object(rel, text, marker)
        if isinstance(read, str):
            blocked[rel] = read
        else:
            imported.append(read)
    if not imported and not blocked:
        raise InputError(
            f"{resources_rel}/: no generated files to import (none carries a marker line "
            f"'# {DEFAULT_MARKER}' or '# {LEGACY_MARKER}')"
        )
    return drop_duplicates(imported, blocked, resources_rel), blocked


def _fold_until_it_loads(
    result: ImportResult, fold: Fold, imported: list[Imported], blocked: dict[str, str]
) -> tuple[Built, Config, list[Imported]]:
    """Fold, and let the real loader judge; what it refuses is blocked and left out, until
    the rest loads (a problem that belongs to no object ends the import)."""
    while True:
        try:
            built = fold.build(imported)
        except ValueError as exc:  # the writer refuses text that would not read back
            raise InputError(
                f"{result.shown_config}: cannot write the imported config: {exc}"
            ) from None
        if built.missing_folders:
            for item, reason in built.missing_folders.items():
                blocked[item.file] = reason
            imported = [i for i in imported if i not in built.missing_folders]
            continue
        try:
            return built, load_text(built.text, result.config_path), imported
        except InputError as exc:
            rejected, fatal = map_problems(exc.lines, built.entries)
            if fatal:
                raise InputError(
                    *[
                        f"{result.shown_config}: the imported config does not load: {line}"
                        for line in fatal
                    ]
                ) from None
            for item, message in rejected.items():
                blocked[item.file] = f"the config cannot declare it: {message}"
            imported = [i for i in imported if i not in rejected]
