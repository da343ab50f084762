"""Temp files that stage writes: one recognisable name, and finding those a dead run left.

`.<name>.fluxtasks-<pid>-<token>.tmp` beside the file it stages (same filesystem, so the
rename that swaps it in is atomic). The leading dot hides it and `.tmp` keeps it out of the
`*.yaml` files Flux applies; the pid tells whether its writer still runs, and the token,
random per process, tells an earlier process that had our pid apart from this one. A
SIGKILL leaves such files behind: `update` removes them, `--check` and `validate` report them.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

TOKEN = secrets.token_hex(4)
NAME_MAX = 255  # bytes in one file name, on Linux and macOS alike
_TEMP_NAME = re.compile(
    r"\.(?P<name>.+)\.fluxtasks-(?P<pid>[0-9]{1,10})-(?P<token>[0-9a-f]{8})\.tmp"
)
# the bytes a temp name adds to its target's, with the longest pid the pattern allows
_EXTRA = len(".") + len(".fluxtasks-") + 10 + len("-") + len(TOKEN) + len(".tmp")


def temp_path(target: Path) -> Path:
    """The temp file that stages `target` in this process. Its name is known before the file
    exists, so a failure or interrupt right after creating it can still remove it."""
    return target.with_name(f".{target.name}.fluxtasks-{os.getpid()}-{TOKEN}.tmp")


# The longest file name that fits with its temp file beside it.
MAX_NAME_BYTES = NAME_MAX - _EXTRA


def name_fits(name: str) -> bool:
    """Whether a file `name` can be written: it and its temp file stay within NAME_MAX bytes.
    The planner checks this first, so a too-long name is an error before anything is written."""
    return len(os.fsencode(name)) + _EXTRA <= NAME_MAX


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists on this host (one owned by another user counts)."""
    if pid <= 0:
        return False  # kill(0) and kill(-n) address process groups, not a process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False  # beyond any pid the system can have
    return True


def is_stale_temp(name: str, alive: dict[int, bool] | None = None) -> bool:
    """Whether `name` is a temp file name whose writer has ended. `alive` caches liveness
    per pid across calls (a scan sees many files of one run)."""
    match = _TEMP_NAME.fullmatch(name)
    if match is None:
        return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return match["token"] != TOKEN  # an earlier process that had our pid
    if alive is None:
        return not process_alive(pid)
    if pid not in alive:
        alive[pid] = process_alive(pid)
    return not alive[pid]


def find_stale_temps(folder: Path) -> list[Path]:
    """Every regular file under `folder` named like a temp file of a process that has
    ended, sorted. Symlinked folders are not followed; unreadable ones are skipped."""
    found: list[Path] = []
    alive: dict[int, bool] = {}
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            if not is_stale_temp(name, alive):
                continue
            path = Path(parent, name)
            with contextlib.suppress(OSError):  # gone meanwhile: nothing to report
                if stat.S_ISREG(os.lstat(path).st_mode):
                    found.append(path)
    return sorted(found)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove what `find_stale_temps` finds; returns the files removed (one that cannot be
    removed stays, for `--check` to report). Only for a task that holds the tree lock, so
    that no other run is writing there."""
    removed: list[Path] = []
    for path in find_stale_temps(folder):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed
