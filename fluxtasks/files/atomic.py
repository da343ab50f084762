"""Write files atomically: a whole plan all-or-nothing (stage every file, then swap them
in; undo on any failure), or one file by `write_text`.

Interrupting (Ctrl-C) or a failing write leaves the tree byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from ..errors import InputError
from .plan import FileChange, Plan

_TEMP_TOKEN = secrets.token_hex(4)  # with the pid: no other run picks the same temp names


def apply_plan(plan: Plan) -> None:
    pending = plan.pending
    if not pending:
        return
    root = plan.resources_dir
    originals = _check_unchanged(plan, pending)
    created_dirs: list[Path] = []
    attempted: list[Path] = []  # targets whose temp file may exist
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
            attempted.append(target)
            staged.append((change, target, _stage(target, change.new)))
    except BaseException as exc:
        _discard(attempted, created_dirs)
        if isinstance(exc, OSError):
            raise InputError(
                f"{plan.shown_dir}: cannot write: {exc.strerror or exc}; nothing was changed"
            ) from None
        raise
    done: list[FileChange] = []
    try:
        for change, target, temp in staged:
            done.append(change)  # first: an interrupt just after the rename must undo it
            os.replace(temp, target)
        for change in pending:
            if change.new is None:
                done.append(change)
                os.unlink(root / change.path)
    except BaseException as exc:
        _discard(attempted, [])
        _restore(root, done, originals)
        _remove_empty(created_dirs)
        if isinstance(exc, OSError):
            raise InputError(
                f"{plan.shown_dir}: cannot write: {exc.strerror or exc}; nothing was changed"
            ) from None
        raise


def write_text(path: Path, text: str, shown: str) -> None:
    """Replace one file (or create it, with its folders) by renaming a staged temp file
    over it; InputError naming it as `shown` when that fails, and nothing changed."""
    replaced = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(_stage(path, text), path)
        replaced = True
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot write: {exc.strerror or exc}; nothing was changed"
        ) from None
    finally:
        if not replaced:
            _discard([path], [])


def _check_unchanged(
    plan: Plan, pending: list[FileChange]
) -> dict[str, tuple[bytes, os.stat_result]]:
    """Every file the plan touches must still be as the plan read it, and lie in real
    folders: a file written, edited or swapped for a symlink since (by hand, by another
    run) is never overwritten or deleted. Returns the bytes and status of each existing
    file, to put it back exactly (content, mode, mtime) if the write fails."""
    root = plan.resources_dir
    originals: dict[str, tuple[bytes, os.stat_result]] = {}
    changed: list[str] = []
    real_folders: set[Path] = set()
    for change in pending:
        target = root / change.path
        try:
            if not _in_real_folders(root, target.parent, real_folders):
                changed.append(change.path)
            elif change.old is None:
                if os.path.lexists(target):
                    changed.append(change.path)
            else:
                info = os.lstat(target)
                data = target.read_bytes() if stat.S_ISREG(info.st_mode) else None
                if data is None or _as_scanned(data) != change.old:
                    changed.append(change.path)
                else:
                    originals[change.path] = (data, info)
        except (OSError, UnicodeDecodeError):
            changed.append(change.path)
    if changed:
        raise InputError(
            *(
                f"{plan.shown_dir}/{path}: changed since it was read; nothing was changed: "
                "run the update again"
                for path in changed
            )
        )
    return originals


def _as_scanned(data: bytes) -> str:
    """The text as the planner read it (line endings as they are: tree.scan_tree)."""
    return data.decode("utf-8")


def _in_real_folders(root: Path, folder: Path, known: set[Path]) -> bool:
    """No folder between `root` and `folder` is a symlink or a file (missing ones are fine)."""
    while folder != root and folder not in known:
        if folder == folder.parent or folder.is_symlink() or folder.is_file():
            return False
        known.add(folder)
        folder = folder.parent
    return True


def _temp_for(target: Path) -> str:
    """The temp file that stages `target`. Its name is known before it exists, so any
    failure or interrupt, even one right after it was created, can remove it
    (tempfile.mkstemp only tells the name once the file is made)."""
    return os.path.join(target.parent, f".{target.name}.{os.getpid()}-{_TEMP_TOKEN}.tmp")


def _stage(target: Path, text: str) -> str:
    """Write `text` to a temp file beside `target` (same filesystem, so rename is atomic),
    with the target's permissions, or those of a new file when there is no target.

    Plain os.write/fchmod on the descriptor: a file object would add several system
    calls per file, which shows at thousands of files."""
    temp = _temp_for(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
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
        created.append(path)  # first: an interrupt just after mkdir must remove it
        path.mkdir()


def _discard(targets: list[Path], created_dirs: list[Path]) -> None:
    """Remove the temp files still there (those already renamed are gone)."""
    for target in targets:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(_temp_for(target))
    _remove_empty(created_dirs)


def _restore(
    root: Path, done: list[FileChange], originals: dict[str, tuple[bytes, os.stat_result]]
) -> None:
    """Put back what was swapped in or deleted: the original bytes, mode and times."""
    for change in reversed(done):
        target = root / change.path
        if change.path not in originals:
            target.unlink(missing_ok=True)
            continue
        data, info = originals[change.path]
        with open(target, "wb") as handle:
            handle.write(data)
        os.chmod(target, stat.S_IMODE(info.st_mode))
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()
