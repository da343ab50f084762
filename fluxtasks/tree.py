"""The resources tree: which files count as manifests, how it is read, and which of its
folders a Kustomization path points at."""

from __future__ import annotations

import os
from pathlib import Path

from .flux import flux_path

YAML_SUFFIXES = (".yaml", ".yml")
# The file names kustomize (and so kustomize-controller) recognises, in its order.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


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
                # newline="": CRLF line endings stay visible, so update sees them as drift
                with open(entry.path, encoding="utf-8", newline="") as handle:
                    found[rel] = handle.read()
            except (UnicodeDecodeError, OSError):
                found[rel] = None  # unreadable: treated as hand-written


def folders(resources_dir: Path) -> set[str]:
    """Every folder under resources_dir ("" for itself), relative with forward slashes."""
    out = {""}
    base = str(resources_dir)
    for folder, dirs, _ in os.walk(base, followlinks=False):
        rel = os.path.relpath(folder, base).replace(os.sep, "/")
        for name in dirs:
            out.add(name if rel == "." else f"{rel}/{name}")
    return out


def local_folder(path: str, repo_path: str | None) -> str | None:
    """The folder of resourcesDir (relative, "" for itself) that a Kustomization `path`
    syncs, given where resourcesDir sits in the repository; None when it lies elsewhere.

    The path is read as `flux create ks --path` writes it (`./`-rooted, no `..`)."""
    rendered = flux_path(path)
    prefix = f"./{repo_path}" if repo_path else "."
    if prefix == ".":
        return rendered[2:]
    if rendered == prefix or rendered.startswith(prefix + "/"):
        return rendered[len(prefix) :].strip("/")
    return None
