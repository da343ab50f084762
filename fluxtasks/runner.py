"""The one way this project runs external commands (flux, kubectl): argv lists, never a shell.

Two parts. An `Executor` starts processes: `ShExecutor` through `sh`, or a scripted one in
tests. The `Runner` is the policy every caller gets, whichever executor it holds: it records
each argv, prints it under echo or dry-run (and then runs nothing), turns an exit code
outside `ok_codes` into CommandFailed, and gives every call a time limit (`timeout`, else
the runner's own, DEFAULT_TIMEOUT unless configured), after which the command and every
process it started are killed and CommandTimedOut (exit 124) is raised. Lines streamed to a
sink are capped (the head, a note of what was cut, the tail: tool_output.CappedSink), so a
tool printing megabytes of warnings cannot flood the terminal.

`ShExecutor` keeps `sh` (the design's runner library) but captures output in 64 KiB chunks:
sh's default line buffering costs ~40 ms per MB captured (5,000 Flux objects are ~20 MB of
`kubectl get -o json`), chunks cost what `subprocess` does. Lines are only needed when a
sink watches them, and then sh splits lines as before.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, Protocol, TextIO

from . import signals
from .errors import CommandFailed, CommandTimedOut, ToolError
from .tool_output import CappedSink

INSTALL_HINTS = {
    "flux": "install the Flux CLI: https://fluxcd.io/flux/installation/ (e.g. brew install fluxcd/tap/flux)",
    "kubectl": "install kubectl: https://kubernetes.io/docs/tasks/tools/",
}

# Seconds a command may run when its caller gives no limit. Generous on purpose: kubectl
# against an unreachable API server takes about 30s per attempt before it says so, and that
# message beats "killed". Waits pass the time left of their own deadline instead.
DEFAULT_TIMEOUT = 300.0

LineSink = Callable[[str], None]


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    exit_code: int  # negative: killed by that signal
    stdout: str
    stderr: str


class Executor(Protocol):
    """Starts processes; the only code that does. Knows nothing of dry-run or exit codes."""

    def which(self, tool: str) -> str | None:
        """Full path of `tool`, or None when it is not installed."""
        ...

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None,
        timeout: float | None,
        on_stdout: LineSink | None,
        on_stderr: LineSink | None,
    ) -> Result:
        """Run `argv` to its end, whatever its exit code. Past `timeout` seconds, kill it and
        everything it started, then raise CommandTimedOut. A stream given a line sink is
        passed on line by line as it arrives and left out of the Result."""
        ...


@dataclass
class Runner:
    """Runs argv lists; `dry_run` prints them instead, `echo` prints them before running.

    Tests hand it a scripted executor, so this policy runs in every test too.
    """

    executor: Executor = field(default_factory=lambda: ShExecutor())
    dry_run: bool = False
    echo: bool = False
    timeout: float = DEFAULT_TIMEOUT
    log: TextIO = field(default_factory=lambda: sys.stderr)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def which(self, tool: str) -> str:
        """Full path of `tool`, or a ToolError naming it and how to install it."""
        path = self.executor.which(tool)
        if path is None:
            hint = INSTALL_HINTS.get(tool, f"install {tool} and put it on PATH")
            raise ToolError(f"{tool}: command not found; {hint}")
        return path

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        ok_codes: Container[int] = (0,),
        timeout: float | None = None,
        on_stdout: LineSink | None = None,
        on_stderr: LineSink | None = None,
    ) -> Result:
        """Run `argv` and capture its output; raise CommandFailed on an exit code not in
        `ok_codes`, CommandTimedOut when it outlives `timeout` (default: the runner's).

        `on_stdout`/`on_stderr` receive lines as they arrive (for long commands the user
        watches). Under dry-run nothing runs and an empty success is returned.
        """
        args = tuple(str(a) for a in argv)
        self.calls.append(args)
        if self.dry_run or self.echo:
            print(("would run: " if self.dry_run else "+ ") + shlex.join(args), file=self.log)
        if self.dry_run:
            return Result(args, 0, "", "")
        self.which(args[0])
        out = CappedSink(on_stdout) if on_stdout is not None else None
        err = CappedSink(on_stderr) if on_stderr is not None else None
        try:
            result = self.executor.run(
                args,
                input=input,
                timeout=self.timeout if timeout is None else timeout,
                on_stdout=out,
                on_stderr=err,
            )
        finally:
            for sink in (out, err):
                if sink is not None:
                    sink.close()
        if result.exit_code not in ok_codes:
            raise CommandFailed(list(args), result.exit_code, result.stderr or result.stdout)
        return result


# Every exit code, signals (negative) included: the Runner decides what is a failure.
_EVERY_CODE = list(range(-64, 256))
_CAPTURE_CHUNK = 64 * 1024


@dataclass
class ShExecutor:
    """Runs commands with `sh`: no TTY, the environment copied (not replaced), each command
    in a process group of its own so that a time limit can kill all it started."""

    env: Mapping[str, str] | None = None

    def which(self, tool: str) -> str | None:
        return shutil.which(tool, path=self._env().get("PATH"))

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        on_stdout: LineSink | None = None,
        on_stderr: LineSink | None = None,
    ) -> Result:
        import sh  # imported here: it pulls in asyncio, which `invoke --list` need not pay for

        args = tuple(argv)
        command: Any = sh.Command(self.which(args[0]) or args[0])
        kwargs: dict[str, object] = {
            "_env": dict(self._env()),
            "_tty_out": False,
            "_ok_code": _EVERY_CODE,
            "_encoding": "utf-8",
            "_decode_errors": "replace",
            "_bg": True,  # started, then waited for below, so that a timer can kill it
            "_bg_exc": False,
            "_new_group": True,
        }
        if input is not None:
            kwargs["_in"] = input
        for stream, sink in (("out", on_stdout), ("err", on_stderr)):
            # watched: line by line; captured whole: in chunks (see the module docstring)
            kwargs[f"_{stream}_bufsize"] = 1 if sink is not None else _CAPTURE_CHUNK
            if sink is not None:
                kwargs[f"_{stream}"] = sink
        running: Any = None
        limit: _Limit | None = None
        with _Relay() as relay:
            try:
                running = command(*args[1:], **kwargs)
                _RUNNING.add(running.pid)
                relay.started(running.pid)  # a new group's id is its leader's pid
                limit = _Limit(running.pid, timeout)
                running.wait()
            except BaseException:
                if running is not None:  # interrupted: no part of the command outlives us
                    _kill_group(running.pid, signal.SIGKILL)
                raise
            finally:
                if limit is not None:
                    limit.cancel()
                if running is not None:
                    _RUNNING.discard(running.pid)
        process = running.process
        stdout = _text(process.stdout) if on_stdout is None else ""
        stderr = _text(process.stderr) if on_stderr is None else ""
        code = int(process.exit_code)
        if limit.fired and code == -signal.SIGKILL:
            raise CommandTimedOut(args, timeout or 0.0, stderr)
        return Result(args, code, stdout, stderr)

    def _env(self) -> Mapping[str, str]:
        return dict(os.environ) if self.env is None else self.env


# The process groups of the commands running now, in every thread. A command started by
# another thread than the main one gets no signal relayed to it (only the main thread
# receives signals): when the main thread stops while other threads wait on commands
# (`--cluster all` reads every cluster side by side), it kills them with kill_running().
_RUNNING: set[int] = set()


def kill_running() -> None:
    """Kill every command still running, with its whole process group, whichever thread
    started it: nothing a task started outlives it."""
    for group in list(_RUNNING):
        _kill_group(group, signal.SIGKILL)


def _kill_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # every member has exited
        os.killpg(group, signum)


class _Limit:
    """SIGKILLs a process group once `timeout` seconds have passed, unless cancelled first."""

    def __init__(self, group: int, timeout: float | None) -> None:
        self.fired = False
        self._group = group
        self._timer: threading.Timer | None = None
        if timeout is not None:
            self._timer = threading.Timer(max(timeout, 0.0), self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        _kill_group(self._group, signal.SIGKILL)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


_RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers


class _Relay:
    """While a command runs in its own process group, a Ctrl-C (or SIGTERM, SIGHUP) sent to
    ours no longer reaches it: pass each on to its group, then handle it here as before.
    Inside a critical section (signals.critical: resuming what a task suspended) the signal
    is only handled here, which holds it: the command runs to its end (or its time limit).

    A signal that comes while the command is being started waits until it has started, so
    that it reaches the command too. Signals this process ignores are left alone (the
    command inherits that), and Python only lets the main thread install handlers:
    elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self._group: int | None = None
        self._previous: dict[int, _Handler] = {}
        self._held: list[int] = []

    def __enter__(self) -> _Relay:
        if threading.current_thread() is threading.main_thread():
            for signum in _RELAYED:
                previous = signal.getsignal(signum)
                if previous is signal.SIG_IGN or previous is None:
                    continue
                self._previous[signum] = previous
                signal.signal(signum, self._relay)
        return self

    def started(self, group: int) -> None:
        self._group = group
        self._pass_held()

    def _relay(self, signum: int, frame: FrameType | None) -> None:
        if self._group is None:
            self._held.append(signum)
            return
        if not signals.holding():  # in a critical section the command is part of the work
            _kill_group(self._group, signum)
        self._handle(signum, frame)

    def _pass_held(self) -> None:
        held, self._held = self._held, []
        for signum in held:
            if self._group is not None and not signals.holding():
                _kill_group(self._group, signum)
            self._handle(signum, None)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        previous = self._previous[signum]
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL: end this process as the signal would have
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    def __exit__(self, *exc: object) -> None:
        try:
            self._pass_held()  # the command could not be started: handle them as before
        finally:
            for signum, previous in self._previous.items():
                signal.signal(signum, previous)
            self._previous.clear()


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data
