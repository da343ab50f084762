"""The resources tree: which files count as manifests, how it is read, and which of its
folders a Kustomization path points at."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from .flux import flux_path

YAML_SUFFIXES = (".yaml", ".yml")
# The file names kustomize (and so kustomize-controller) recognises, in its order.
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
# Marks the names of the temp files that stage writes (files/temps.py): a scan notes them.
TEMP_MARK = ".fluxtasks-"

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFLNK: "a symlink",
}
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC


def file_kind(mode: int) -> str:
    """What a non-regular file is, for messages: "a FIFO", "a folder", ..."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


class TreeScan(dict[str, str | None]):
    """What `scan_tree` found: relative path -> text, or None for what is never read (a
    symlink, a FIFO or device, a file that is not UTF-8 or cannot be opened). `skipped`
    says why for those that are not symlinks; `temps` lists the names of temp files."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: dict[str, str] = {}
        self.temps: list[str] = []


def scan_tree(resources_dir: Path) -> TreeScan:
    """Every YAML file under resources_dir -> its text (None for symlinks, never followed,
    and for anything but a regular file: a FIFO named x.yaml is listed, never opened)."""
    found = TreeScan()
    if resources_dir.is_dir():
        _scan_folder(str(resources_dir), "", found)
    return found


def _scan_folder(folder: str, prefix: str, found: TreeScan) -> None:
    """One folder of scan_tree, its sub-folders in name order. os.scandir knows from the
    directory listing which entries are symlinks or not regular files, saving a stat per file."""
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
            found[rel] = None
            if entry.is_symlink():
                continue
            if entry.is_file(follow_symlinks=False):  # lstat first: never open anything else
                found[rel] = _read_regular(entry.path, rel, found)
                continue
            with contextlib.suppress(OSError):
                kind = file_kind(entry.stat(follow_symlinks=False).st_mode)
                found.skipped[rel] = f"{kind}, not a regular file"
        elif TEMP_MARK in entry.name:
            found.temps.append(rel)


def _read_regular(path: str, rel: str, found: TreeScan) -> str | None:
    """The text of a regular file; None, with the reason in `found.skipped`, for anything
    else. Opened without blocking and never through a symlink, then checked on the open
    descriptor: a FIFO or device swapped in after the listing is never read either."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        found.skipped[rel] = exc.strerror or str(exc)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            found.skipped[rel] = f"{file_kind(info.st_mode)}, not a regular file"
            return None
        chunks = []
        while chunk := os.read(fd, max(info.st_size + 1, 65536)):
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        found.skipped[rel] = exc.strerror or str(exc)
        return None
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")  # line endings as they are: CRLF shows as drift
    except UnicodeDecodeError as exc:
        found.skipped[rel] = f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        return None


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
