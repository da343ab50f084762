"""One writer per project at a time: a lock file at the project root.

The lock is `<root>/.fluxtasks.lock`, the root being the folder that holds config/. Every
task that writes (update, update --components, import --write, the config editors) writes
under that root, so one lock keeps them all apart, whichever config file each one reads. It
lies outside resources/, so Flux never syncs it and no scan of the tree ever meets it.

The file holds the holder's pid, host, task and start time as one JSON line, and appears
whole: it is written to a temp file, then hard-linked into place, which fails if a lock
exists (O_EXCL on the lock itself would show it empty until written). A lock whose process
has ended on this host is taken over; one from another host never is: its pid means nothing
here. A run releases its lock however it ends, a signal included; only a SIGKILL (or a power
cut) leaves one behind, for the next run to take over.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import socket
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import EXIT_LOCKED, FluxTasksError, InputError
from ..signals import critical
from .temps import process_alive, temp_path

LOCK_NAME = ".fluxtasks.lock"
_MAX_BYTES = 4096  # far more than any lock we write; anything longer is not ours
_ATTEMPTS = 10  # rounds of "link, or read the holder and take over a dead one"

_held: set[str] = set()  # tokens of the locks this process holds now


class TreeLocked(FluxTasksError, code=EXIT_LOCKED):
    """Another run holds the lock, or something that is not a readable lock is in its place
    (exit 75: try again later)."""


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    task: str
    since: datetime
    token: str  # random per acquisition: tells this lock from any other with the same pid

    def to_text(self) -> str:
        fields = {
            "pid": self.pid,
            "host": self.host,
            "task": self.task,
            "since": self.since.isoformat(timespec="seconds"),
            "token": self.token,
        }
        return json.dumps(fields) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Holder | None:
        """The holder a lock file names, or None when it is not a lock this module wrote."""
        try:
            data = json.loads(text)
            pid, host, task, token = data["pid"], data["host"], data["task"], data["token"]
            since = datetime.fromisoformat(data["since"])
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        words = (host, task, token)
        if type(pid) is not int or not all(_one_line(word) for word in words):
            return None
        return cls(pid, host, task, since, token)


def _one_line(value: object) -> bool:
    """Printable and short: a hand-edited lock must not put a second line into a message."""
    return isinstance(value, str) and 0 < len(value) <= 200 and value.isprintable()


def lock_path(root: Path) -> Path:
    """Where the lock of the project at `root` (the folder that holds config/) lives."""
    return root / LOCK_NAME


def _now() -> datetime:
    return datetime.now().astimezone()


@contextlib.contextmanager
def tree_lock(
    path: Path, task: str, *, shown: str | None = None, now: Callable[[], datetime] = _now
) -> Iterator[Holder]:
    """Hold the lock at `path` while the body runs, as `task` (e.g. "flux.update").

    Raises TreeLocked at once when another run holds it, InputError when it cannot be
    created. `shown` is the path as messages name it; `now` reads the clock."""
    label = shown or str(path)
    me = Holder(
        os.getpid(), socket.gethostname(), task, now().replace(microsecond=0), secrets.token_hex(8)
    )
    _held.add(me.token)  # before the lock exists: any way out from here releases it
    try:
        _acquire(path, me, label, now)
        yield me
    finally:
        with critical():  # a signal now must not leave the lock half-released
            _release(path, me)
            _held.discard(me.token)


def _acquire(path: Path, me: Holder, label: str, now: Callable[[], datetime]) -> None:
    for _ in range(_ATTEMPTS):
        if _publish(path, me, label):
            return
        try:
            holder = _read(path)
        except FileNotFoundError:
            continue  # released since: try again
        if holder is None or not _is_stale(holder):
            raise TreeLocked(_refusal(holder, label, now()))
        _take_over(path, holder, label)
    raise TreeLocked(f"{label}: other runs keep taking the lock: try again")


def _publish(path: Path, me: Holder, label: str) -> bool:
    """Create the lock whole, naming `me`; False if a lock exists."""
    temp = temp_path(path)
    try:
        data = me.to_text().encode()
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            if os.write(fd, data) != len(data):
                raise OSError(f"short write to {temp.name}")
        finally:
            os.close(fd)
        try:
            os.link(temp, path)  # atomic, and never replaces an existing lock
        except FileExistsError:
            return False
        return True
    except OSError as exc:
        raise InputError(f"{label}: cannot create the lock: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _read(path: Path) -> Holder | None:
    """The holder the lock names; None for anything else in its place (never follows a
    symlink, never waits on a FIFO). FileNotFoundError when there is no lock."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, _MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_BYTES:
        return None
    try:
        return Holder.from_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _is_stale(holder: Holder) -> bool:
    """The holder's process has ended. Only judged for this host: elsewhere the pid means
    nothing here, so a lock from another host is never taken over."""
    if holder.host != socket.gethostname():
        return False
    if holder.pid == os.getpid():
        return holder.token not in _held  # an earlier process that had our pid
    return not process_alive(holder.pid)


def _take_over(path: Path, stale: Holder, label: str) -> None:
    """Remove the lock of a run that has ended, if it is still that one.

    Takeovers are serialised by flock on the lock's folder, which the kernel drops if the
    taker dies: of two runs that found the same dead lock, the second looks again only
    after the first has removed it and maybe linked its own, and then leaves that one."""
    try:
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for one read and one unlink
            with contextlib.suppress(FileNotFoundError):
                if _read(path) == stale:
                    os.unlink(path)
        finally:
            os.close(fd)  # releases the flock
    except OSError as exc:
        raise TreeLocked(
            f"{label}: left by {stale.task} (pid {stale.pid}), which has ended, but cannot be "
            f"taken over: {exc.strerror or exc}; remove it if no flux task is running"
        ) from None


def _release(path: Path, me: Holder) -> None:
    """Remove the lock if it is ours, never another run's (we may have been refused)."""
    with contextlib.suppress(OSError):
        holder = _read(path)
        if holder is not None and holder.token == me.token:
            os.unlink(path)


def _refusal(holder: Holder | None, label: str, now: datetime) -> str:
    if holder is None:
        return (
            f"{label} is in the way but is not a lock fluxtasks can read: "
            "remove it if no flux task is running"
        )
    who = f"another {holder.task} (pid {holder.pid} on {holder.host}, since {_since(holder, now)})"
    if holder.host != socket.gethostname():
        return (
            f"{who} holds {label}: wait for it; a lock from another host is never taken over, "
            f"so if that run is gone, remove {label}"
        )
    return f"{who} holds {label}: wait for it to finish, or stop it"


def _since(holder: Holder, now: datetime) -> str:
    """The start time in `now`'s zone; with the date unless it is today."""
    local = holder.since.astimezone(now.tzinfo)
    return local.strftime("%H:%M:%S" if local.date() == now.date() else "%Y-%m-%d %H:%M:%S")
