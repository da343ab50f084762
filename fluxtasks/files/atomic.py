"""Write files atomically: a whole plan all-or-nothing (stage every file, then swap them
in; undo on any failure), or one file by `write_text`.

A failing write, any signal (SIGINT, SIGTERM, SIGHUP, repeated) or a file that changed
since the plan leaves the tree byte-for-byte as it was: contents, modes and mtimes. Why it
holds:

* Everything that can be checked is checked before the first write: every file the plan
  touches is still as the plan read it, every folder it writes in is writable (`writable`,
  injectable: root passes os.access everywhere, tests need another answer).
* Files are staged as temp files beside their targets (files/temps.py names them), then
  swapped in by rename, so no reader ever sees half a file, and a SIGKILL leaves at worst
  temp files that the next `update` removes.
* The swaps run in a critical section (signals.critical): a signal is taken only at the
  safe point before each swap, and the rollback it starts runs to its end, whatever
  arrives meanwhile. Each target is checked once more right before it is replaced; a new
  file is linked into place, which fails if someone created one there since.
* The rollback puts originals back through temp files and renames too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..signals import critical
from .plan import FileChange, Plan
from .temps import temp_path


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


@dataclass(frozen=True)
class _Original:
    """A file as the plan found it: to recognise it before replacing it, and to put it back."""

    data: bytes
    info: os.stat_result

    def same_file(self, now: os.stat_result) -> bool:
        was = self.info
        return (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns, now.st_mode) == (
            was.st_ino,
            was.st_dev,
            was.st_size,
            was.st_mtime_ns,
            was.st_mode,
        )


class _Changed(Exception):
    """A target changed between the check and its swap."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def apply_plan(plan: Plan, *, writable: Callable[[Path], bool] = _writable) -> None:
    """Write every pending change of `plan`, or nothing (InputError, exit 4, saying why)."""
    pending = plan.pending
    if not pending:
        return
    root = plan.resources_dir
    originals = _check_unchanged(plan, pending)
    _check_writable(plan, pending, writable)
    created_dirs: list[Path] = []
    staged: list[_Staged] = []
    try:
        _stage_all(root, pending, staged, created_dirs)
    except BaseException as exc:
        with critical():  # a second signal must not leave temp files behind
            _discard([s.temp for s in staged], created_dirs, root, pending)
        if isinstance(exc, OSError):
            raise _as_input_error(plan, exc) from None
        raise
    _swap_all(plan, staged, originals, created_dirs)


@dataclass(frozen=True)
class _Staged:
    change: FileChange
    target: Path
    temp: Path
    inode: int  # of the temp file: a created target is ours to remove only if it is this one


def _stage_all(
    root: Path, pending: list[FileChange], staged: list[_Staged], created_dirs: list[Path]
) -> None:
    known_dirs: set[Path] = set()  # folders already seen to exist: one check per folder
    for change in pending:
        if change.new is None:
            continue
        target = root / change.path
        if target.parent not in known_dirs:
            _make_parents(target.parent, root, created_dirs)
            known_dirs.add(target.parent)
        temp, inode = _stage(target, change.new.encode("utf-8"))
        staged.append(_Staged(change, target, temp, inode))


def _swap_all(
    plan: Plan, staged: list[_Staged], originals: dict[str, _Original], created_dirs: list[Path]
) -> None:
    root = plan.resources_dir
    inodes = {s.change.path: s.inode for s in staged}
    done: list[FileChange] = []
    with critical() as section:
        try:
            for item in staged:
                section.check()  # the safe point: a signal now undoes what is done so far
                done.append(item.change)  # first: an interrupt just after the swap must undo it
                _swap(item, originals)
            for change in plan.pending:
                if change.new is None:
                    section.check()
                    _recheck(change, root / change.path, originals)
                    done.append(change)
                    os.unlink(root / change.path)
            section.check()  # a signal during the last step still undoes the lot
        except BaseException as exc:
            if isinstance(exc, _Changed) and done and done[-1].path == exc.path:
                done.pop()  # not swapped: the file there is someone else's
            _discard([s.temp for s in staged], [], root, [])
            _restore(root, done, originals, inodes)
            _remove_empty(created_dirs)
            if isinstance(exc, _Changed):
                raise InputError(_changed_line(plan, exc.path)) from None
            if isinstance(exc, OSError):
                raise _as_input_error(plan, exc) from None
            raise


def _swap(item: _Staged, originals: dict[str, _Original]) -> None:
    change, target, temp = item.change, item.target, item.temp
    if change.old is not None:
        _recheck(change, target, originals)
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # never replaces: fails if someone created the file meanwhile
    except FileExistsError:
        raise _Changed(change.path) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(target):  # a filesystem without hard links: check, then rename
            raise _Changed(change.path) from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def _recheck(change: FileChange, target: Path, originals: dict[str, _Original]) -> None:
    """The file to replace or delete is still the one the plan read (same inode, size,
    mtime and mode), else _Changed: someone edited, replaced or removed it meanwhile."""
    try:
        now = os.lstat(target)
    except OSError:
        raise _Changed(change.path) from None
    if not originals[change.path].same_file(now):
        raise _Changed(change.path)


def remove_leftovers(plan: Plan) -> list[str]:
    """Remove the temp files of killed runs that the plan found; a note for each one
    removed. Only for a task that holds the tree lock: no other run is writing now."""
    notes = []
    for shown, path in plan.leftovers.items():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
            notes.append(f"note: removed {shown}, a temp file of a run that was killed")
    return notes


def write_text(path: Path, text: str, shown: str) -> None:
    """Replace one file (or create it, with its folders) by renaming a staged temp file
    over it; InputError naming it as `shown` when that fails, and nothing changed."""
    replaced = False
    temp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp, _ = _stage(path, text.encode("utf-8"))
        with critical():  # the rename and the flag that says it happened go together
            os.replace(temp, path)
            replaced = True
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot write: {exc.strerror or exc}; nothing was changed"
        ) from None
    finally:
        if not replaced:
            with critical(), contextlib.suppress(FileNotFoundError):
                os.unlink(temp or temp_path(path))


def _check_unchanged(plan: Plan, pending: list[FileChange]) -> dict[str, _Original]:
    """Every file the plan touches must still be as the plan read it, and lie in real
    folders: a file written, edited or swapped for a symlink since (by hand, by another
    run) is never overwritten or deleted. Returns the bytes and status of each existing
    file, to recognise it just before it is replaced, and to put it back if the write fails."""
    root = plan.resources_dir
    originals: dict[str, _Original] = {}
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
                if data is None or data.decode("utf-8") != change.old:
                    changed.append(change.path)
                else:
                    originals[change.path] = _Original(data, info)
        except (OSError, UnicodeDecodeError):
            changed.append(change.path)
    if changed:
        raise InputError(*(_changed_line(plan, path) for path in changed))
    return originals


def _changed_line(plan: Plan, path: str) -> str:
    return (
        f"{plan.shown_dir}/{path}: changed since it was read; nothing was changed: "
        "run the update again"
    )


def _check_writable(
    plan: Plan, pending: list[FileChange], writable: Callable[[Path], bool]
) -> None:
    """Every folder where a file is created, replaced or deleted (or, for a folder still to
    be made, the first one that exists) can be written: found now, not after half the
    files are written."""
    root = plan.resources_dir
    refused: dict[Path, None] = {}
    checked: set[Path] = set()
    for change in pending:
        folder = (root / change.path).parent
        while not folder.exists() and folder != root:
            folder = folder.parent
        if folder in checked:
            continue
        checked.add(folder)
        if folder.exists() and not writable(folder):  # a missing root: the write says so
            refused[folder] = None
    if refused:
        raise InputError(
            *(
                f"{_shown_folder(plan, folder)}: folder not writable (permission denied); "
                "nothing was changed: fix its permissions and run again"
                for folder in refused
            )
        )


def _shown_folder(plan: Plan, folder: Path) -> str:
    rel = folder.relative_to(plan.resources_dir).as_posix()
    return plan.shown_dir if rel == "." else f"{plan.shown_dir}/{rel}"


def _as_input_error(plan: Plan, exc: BaseException) -> InputError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return InputError(f"{plan.shown_dir}: cannot write: {reason}; nothing was changed")


def _in_real_folders(root: Path, folder: Path, known: set[Path]) -> bool:
    """No folder between `root` and `folder` is a symlink or a file (missing ones are fine)."""
    while folder != root and folder not in known:
        if folder == folder.parent or folder.is_symlink() or folder.is_file():
            return False
        known.add(folder)
        folder = folder.parent
    return True


def _stage(target: Path, data: bytes, mode: int | None = None) -> tuple[Path, int]:
    """Write `data` to the temp file of `target` (same folder, so rename is atomic), with
    `mode`, else the target's permissions, else those of a new file; the temp file and its
    inode.

    Plain os.write/fchmod on the descriptor: a file object would add several system
    calls per file, which shows at thousands of files."""
    temp = temp_path(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            if mode is None:
                try:
                    mode = os.stat(target).st_mode & 0o7777
                except FileNotFoundError:
                    mode = 0o666 & ~_umask()
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
            inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
    except BaseException:
        with critical():
            os.unlink(temp)
        raise
    return temp, inode


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


def _discard(
    temps: list[Path], created_dirs: list[Path], root: Path, pending: list[FileChange]
) -> None:
    """Remove the temp files still there (those already swapped in are gone), including
    one being written when an interrupt came (its name is known before it exists)."""
    for temp in [*temps, *(temp_path(root / c.path) for c in pending if c.new is not None)]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    _remove_empty(created_dirs)


def _restore(
    root: Path, done: list[FileChange], originals: dict[str, _Original], inodes: dict[str, int]
) -> None:
    """Put back what was swapped in or deleted: the original bytes, mode and times, each
    through a temp file and a rename, so even a SIGKILL now leaves no half file. A created
    file is removed only if it is the one staged (never one someone else put there)."""
    for change in reversed(done):
        target = root / change.path
        original = originals.get(change.path)
        if original is None:
            with contextlib.suppress(FileNotFoundError):
                if os.lstat(target).st_ino == inodes.get(change.path):
                    os.unlink(target)
            continue
        info = original.info
        temp, _ = _stage(target, original.data, stat.S_IMODE(info.st_mode))
        os.utime(temp, ns=(info.st_atime_ns, info.st_mtime_ns))
        os.replace(temp, target)


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):  # not empty: something else lives there
            folder.rmdir()
