"""Apply a plan all-or-nothing: stage every file, then swap them in; undo on any failure.

Interrupting (Ctrl-C) or a failing write leaves the tree byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import InputError
from .generate import FileChange, Plan


def apply_plan(plan: Plan) -> None:
    pending = plan.pending
    if not pending:
        return
    root = plan.resources_dir
    created_dirs: list[Path] = []
    known_dirs: set[Path] = set()  # folders already seen to exist: one check per folder
    staged: list[tuple[FileChange, Path, str]] = []  # change, target, temp file
    try:
        for change in pending:
            if change.new is None:
                continue
            target = root / change.path
            if target.parent not in known_dirs:
                _make_parents(target.parent, root, created_dirs)
                known_dirs.add(target.parent)
            staged.append((change, target, _stage(target, change.new)))
    except BaseException as exc:
        _discard(staged, created_dirs)
        if isinstance(exc, OSError):
            raise InputError(
                f"{plan.shown_dir}: cannot write: {exc.strerror or exc}; nothing was changed"
            ) from None
        raise
    done: list[FileChange] = []
    try:
        for change, target, temp in staged:
            os.replace(temp, target)
            done.append(change)
        for change in pending:
            if change.new is None:
                os.unlink(root / change.path)
                done.append(change)
    except BaseException as exc:
        _discard(staged[len(done) :], [])  # files are swapped in staged order, then deleted
        _restore(root, done)
        _remove_empty(created_dirs)
        if isinstance(exc, OSError):
            raise InputError(
                f"{plan.shown_dir}: cannot write: {exc.strerror or exc}; nothing was changed"
            ) from None
        raise


def _stage(target: Path, text: str) -> str:
    """Write `text` to a temp file beside `target` (same filesystem, so rename is atomic),
    with the target's permissions, or those of a new file when there is no target.

    Plain os.write/fchmod on the descriptor: a file object would add several system
    calls per file, which shows at thousands of files."""
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        try:
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(fd, data) :]
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
    except BaseException:
        os.unlink(temp)
        raise
    return temp


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _make_parents(folder: Path, root: Path, created: list[Path]) -> None:
    missing: list[Path] = []
    while not folder.exists() and folder != root:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _discard(staged: list[tuple[FileChange, Path, str]], created_dirs: list[Path]) -> None:
    for _, _, temp in staged:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    _remove_empty(created_dirs)


def _restore(root: Path, done: list[FileChange]) -> None:
    """Put back what was already swapped in or deleted, from the old text kept in the plan."""
    for change in reversed(done):
        target = root / change.path
        if change.old is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(change.old, encoding="utf-8", newline="")


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()
