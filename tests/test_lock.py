"""fluxtasks.files.lock: one writer per project tree.

Contention runs in real processes: each child waits for a "go" line on stdin, tries the
lock, prints "held" or the refusal, and a holder keeps the lock until its stdin closes or a
signal arrives. The test reads those lines, so it waits on what happened, never on a delay.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fluxtasks.errors import FluxTasksError, InputError
from fluxtasks.files import lock as lockmod
from fluxtasks.errors import EXIT_LOCKED
from fluxtasks.files.lock import LOCK_NAME, Holder, TreeLocked, lock_path, tree_lock

PROJECT = Path(__file__).resolve().parent.parent
HOST = socket.gethostname()
NOON = datetime(2026, 12, 2, 12, 1, 5, tzinfo=UTC)

LOCKER = """
import sys
from pathlib import Path
from fluxtasks import signals
from fluxtasks.files.lock import TreeLocked, tree_lock

sys.stdin.readline()  # "go": contenders start together
try:
    with signals.as_exceptions(), tree_lock(Path(sys.argv[1]), "test.hold", shown="LOCK"):
        print("held", flush=True)
        sys.stdin.read()  # hold until the test closes stdin, or a signal
except TreeLocked as exc:
    print("locked", *exc.lines, sep="\\n", flush=True)
    sys.exit(exc.exit_code)
except signals.Interrupted as exc:
    sys.exit(exc.exit_code)
"""


def start_locker(lock: Path, go: bool = True) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(lock)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )  # fmt: skip
    if go:
        say_go(proc)
    return proc


def say_go(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()


def first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().rstrip("\n")


def outcome(proc: subprocess.Popen[str]) -> str:
    """The rest of a refused child's output, once it has ended. (Read through the same
    buffered stream as `first_line`: `communicate` would miss what that buffered.)"""
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.wait(timeout=240)
    return out


def release(proc: subprocess.Popen[str]) -> None:
    """Let a holder end normally (its stdin closes) and check it did."""
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "resources").mkdir()
    return tmp_path


@pytest.fixture
def holder(root: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the lock of `root` until the test ends."""
    proc = start_locker(lock_path(root))
    assert first_line(proc) == "held"
    yield proc
    if proc.poll() is None:
        release(proc)


def reaped_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(path: Path, **fields: object) -> str:
    data = {"pid": reaped_pid(), "host": HOST, "task": "flux.update"}
    data |= {"since": "2026-12-02T12:01:05+00:00", "token": "0123456789abcdef"} | fields
    text = json.dumps(data) + "\n"
    path.write_text(text)
    return text


def read_holder(path: Path) -> Holder:
    holder = Holder.from_text(path.read_text())
    assert holder is not None
    return holder


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name not in {"config", "resources"})


# ---------------------------------------------------------------- holding and releasing


def test_the_lock_lives_at_the_project_root_outside_resources(root: Path) -> None:
    assert lock_path(root) == root / LOCK_NAME == root / ".fluxtasks.lock"


def test_the_lock_names_its_holder_and_goes_away_after(root: Path) -> None:
    path = lock_path(root)
    with tree_lock(path, "flux.update", now=lambda: NOON.replace(microsecond=123)) as me:
        data = json.loads(path.read_text())
        assert data == {
            "pid": os.getpid(),
            "host": HOST,
            "task": "flux.update",
            "since": "2026-12-02T12:01:05+00:00",
            "token": me.token,
        }
        assert leftovers(root) == [LOCK_NAME]  # no temp file beside it
    assert leftovers(root) == []


def test_the_lock_is_released_when_the_body_fails(root: Path) -> None:
    with pytest.raises(ZeroDivisionError), tree_lock(lock_path(root), "flux.update"):
        1 / 0  # noqa: B018
    assert leftovers(root) == []


def test_the_lock_can_be_taken_again_after_release(root: Path) -> None:
    for _ in range(3):
        with tree_lock(lock_path(root), "flux.update"):
            pass
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_a_signal_releases_the_lock(root: Path, signum: int, code: int) -> None:
    proc = start_locker(lock_path(root))
    assert first_line(proc) == "held"
    assert read_holder(lock_path(root)).pid == proc.pid
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == code, err
    assert leftovers(root) == []


# ---------------------------------------------------------------- refusing


def test_a_second_run_is_refused_at_once_naming_the_holder(
    root: Path, holder: subprocess.Popen[str]
) -> None:
    path = lock_path(root)
    before = path.read_bytes()
    since = read_holder(path).since
    with (
        pytest.raises(TreeLocked) as info,
        tree_lock(path, "flux.import", shown=".fluxtasks.lock", now=lambda: since),
    ):
        pytest.fail("the body must not run")
    assert info.value.lines == [
        f"another test.hold (pid {holder.pid} on {HOST}, since {since:%H:%M:%S}) "
        "holds .fluxtasks.lock: wait for it to finish, or stop it"
    ]
    assert info.value.exit_code == EXIT_LOCKED == 75
    assert isinstance(info.value, FluxTasksError)  # the task edge prints it as one line
    assert path.read_bytes() == before  # the holder's lock is untouched
    assert leftovers(root) == [LOCK_NAME]


@pytest.mark.parametrize(
    ("since", "shown"),
    [
        ("2026-12-02T00:00:01+00:00", "since 00:00:01)"),
        ("2026-12-01T23:59:00+00:00", "since 2026-12-01 23:59:00)"),
        ("2026-12-02T01:30:00+01:00", "since 00:30:00)"),  # in the reader's zone
    ],
    ids=["today", "yesterday", "other-zone"],
)
def test_the_start_time_carries_the_date_unless_it_is_today(
    root: Path, since: str, shown: str
) -> None:
    write_lock(lock_path(root), host="build-7.example", since=since)
    now = datetime(2026, 12, 2, 3, 0, 5, tzinfo=UTC)
    with pytest.raises(TreeLocked) as info, tree_lock(lock_path(root), "t", now=lambda: now):
        pass
    assert shown in info.value.lines[0]


def test_a_lock_from_another_host_is_never_taken_over(root: Path) -> None:
    """Its pid means nothing here: even one no process of this host has is left alone."""
    path = lock_path(root)
    text = write_lock(path, host="build-7.example", pid=reaped_pid())
    with (
        pytest.raises(TreeLocked) as info,
        tree_lock(path, "flux.update", shown="LOCK", now=lambda: NOON),
    ):
        pass
    assert info.value.lines == [
        f"another flux.update (pid {read_holder(path).pid} on build-7.example, since 12:01:05) "
        "holds LOCK: wait for it; a lock from another host is never taken over, "
        "so if that run is gone, remove LOCK"
    ]
    assert path.read_text() == text


def test_the_same_process_cannot_take_its_own_lock_twice(root: Path) -> None:
    path = lock_path(root)
    with tree_lock(path, "flux.update") as me:
        with pytest.raises(TreeLocked) as info, tree_lock(path, "flux.import"):
            pass
        assert f"(pid {os.getpid()} on {HOST}," in info.value.lines[0]
        assert read_holder(path).token == me.token  # the refused inner run left it alone
    assert leftovers(root) == []


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "x").write_text("x")


def _symlink(path: Path) -> None:
    """A link to a lock of a dead run: followed, it would be taken over and replaced."""
    target = path.parent / "config" / "elsewhere.lock"
    write_lock(target)
    path.symlink_to(target)


IN_THE_WAY: dict[str, Callable[[Path], object]] = {
    "empty": lambda p: p.write_text(""),
    "garbage": lambda p: p.write_text("locked by bob\n"),
    "not-utf8": lambda p: p.write_bytes(b'{"pid": 1, "host": "\xff"}'),
    "huge": lambda p: write_lock(p, task="x" * 5000),
    "json-list": lambda p: p.write_text("[1, 2]"),
    "deeply-nested": lambda p: p.write_text("[" * 4000 + "]" * 4000),
    "pid-as-text": lambda p: write_lock(p, pid="123"),
    "two-line-task": lambda p: write_lock(p, task="flux.update\nrm -rf /"),
    "bad-time": lambda p: write_lock(p, since="noon"),
    "fifo": _fifo,
    "folder": _folder,
    "symlink": _symlink,
}


@pytest.mark.parametrize("make", IN_THE_WAY.values(), ids=IN_THE_WAY.keys())
def test_anything_but_a_readable_lock_in_the_way_is_refused_and_kept(
    root: Path, make: Callable[[Path], object]
) -> None:
    path = lock_path(root)
    make(path)
    before = os.lstat(path)
    with pytest.raises(TreeLocked) as info, tree_lock(path, "flux.update", shown="LOCK"):
        pass
    assert info.value.lines == [
        "LOCK is in the way but is not a lock fluxtasks can read: "
        "remove it if no flux task is running"
    ]
    after = os.lstat(path)
    assert (after.st_ino, after.st_mtime_ns, after.st_mode) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_mode,
    )


def test_a_lock_that_cannot_be_created_is_one_line_exit_4(tmp_path: Path) -> None:
    path = tmp_path / "missing-root" / LOCK_NAME
    with pytest.raises(InputError) as info, tree_lock(path, "flux.update", shown="LOCK"):
        pass
    assert info.value.lines == ["LOCK: cannot create the lock: No such file or directory"]
    assert info.value.exit_code == 4


# ---------------------------------------------------------------- contention


def test_of_runs_started_together_exactly_one_holds(root: Path) -> None:
    contenders = [start_locker(lock_path(root), go=False) for _ in range(6)]
    for proc in contenders:
        say_go(proc)
    outcomes = {proc.pid: first_line(proc) for proc in contenders}
    holders = [proc for proc in contenders if outcomes[proc.pid] == "held"]
    assert len(holders) == 1, outcomes
    winner = holders[0]
    pattern = re.compile(
        rf"another test\.hold \(pid {winner.pid} on {re.escape(HOST)}, since [0-9: -]+\) "
        r"holds LOCK: wait for it to finish, or stop it"
    )
    for proc in contenders:
        if proc is winner:
            continue
        out = outcome(proc)
        assert outcomes[proc.pid] == "locked"
        assert proc.returncode == EXIT_LOCKED
        assert pattern.fullmatch(out.strip()), out
    assert read_holder(lock_path(root)).pid == winner.pid
    release(winner)
    assert leftovers(root) == []


def kill_holding(lock: Path) -> int:
    """A run SIGKILLed while it held the lock: the lock stays, naming a dead process."""
    proc = start_locker(lock)
    assert first_line(proc) == "held"
    proc.kill()
    proc.communicate(timeout=240)
    assert read_holder(lock).pid == proc.pid
    return proc.pid


def test_the_lock_of_a_killed_run_is_taken_over(root: Path) -> None:
    path = lock_path(root)
    dead = kill_holding(path)
    with tree_lock(path, "flux.update") as me:
        assert read_holder(path) == Holder.from_text(me.to_text())
        assert me.pid != dead
    assert leftovers(root) == []


def test_of_runs_taking_over_a_dead_lock_together_exactly_one_holds(root: Path) -> None:
    path = lock_path(root)
    dead = kill_holding(path)
    contenders = [start_locker(path, go=False) for _ in range(6)]
    for proc in contenders:
        say_go(proc)
    outcomes = {proc.pid: first_line(proc) for proc in contenders}
    holders = [proc for proc in contenders if outcomes[proc.pid] == "held"]
    assert len(holders) == 1, outcomes
    winner = holders[0]
    for proc in contenders:
        if proc is not winner:
            out = outcome(proc)
            assert proc.returncode == EXIT_LOCKED
            assert f"(pid {winner.pid} on" in out and f"pid {dead}" not in out
    assert read_holder(path).pid == winner.pid
    release(winner)
    assert leftovers(root) == []


def test_a_takeover_leaves_a_lock_that_replaced_the_dead_one(root: Path) -> None:
    """Two runs found the same dead lock; the first took it over. The second, looking again
    under the takeover flock, must see that and leave the first run's lock alone."""
    path = lock_path(root)
    write_lock(path)
    dead = read_holder(path)
    with tree_lock(path, "flux.update") as first:  # the first taker, now holding
        lockmod._take_over(path, dead, "LOCK")  # the second taker, late
        assert read_holder(path).token == first.token
    assert leftovers(root) == []


def test_a_lock_naming_this_pid_from_an_earlier_process_is_taken_over(root: Path) -> None:
    """Pids are reused (a container restarts with the same pid): a lock with this process's
    pid that this process did not take was left by an earlier one."""
    path = lock_path(root)
    write_lock(path, pid=os.getpid(), token="feedfacefeedface")
    with tree_lock(path, "flux.update") as me:
        assert read_holder(path).token == me.token
    assert leftovers(root) == []
