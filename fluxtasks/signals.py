"""SIGINT, SIGTERM and SIGHUP as one exception, and critical sections that hold them off.

A task runs inside `as_exceptions()`: each of the three signals raises `Interrupted`, whose
exit code is the shell's 128 + signal number (130, 143, 129). Once one has been raised the
task is on its way out, so later signals are absorbed: a second Ctrl-C must not cut the
cleanup short. Inside `critical()` (a rollback, resuming what a task suspended) a signal is
only recorded; the section raises it when it ends, unless an interruption is already under
way, which then stands (the first signal's exit code wins). Python runs signal handlers in
the main thread only, so in any other thread both are no-ops.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any, TypeAlias

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_Handler: TypeAlias = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Interrupted(KeyboardInterrupt):
    """A task stopped by a signal. A KeyboardInterrupt, so code that already cleans up after
    Ctrl-C does the same for SIGTERM and SIGHUP, and `except Exception` never swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.exit_code = 128 + signum

    def __str__(self) -> str:
        return f"interrupted by {self.name}"


class _State:
    installed = False  # as_exceptions() is active
    unwinding = False  # an Interrupted was raised under as_exceptions(): absorb later signals
    depth = 0  # nesting of critical sections
    pending: int | None = None  # first signal received inside the outermost section


_state = _State()


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _state.depth:
        if _state.pending is None:  # repeated signals collapse into the first
            _state.pending = signum
        return
    if _state.unwinding:
        return
    raise _interrupt(signum)


def _interrupt(signum: int) -> Interrupted:
    if _state.installed:
        _state.unwinding = True
    return Interrupted(signum)


def _install(previous: dict[int, _Handler]) -> None:
    """Swap in `_on_signal`, noting every previous handler first, so that a caller
    interrupted half-way still knows what to put back."""
    previous.update({signum: signal.getsignal(signum) for signum in SIGNALS})
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)


def _restore(previous: dict[int, _Handler]) -> None:
    for signum, handler in previous.items():
        # None: a handler not installed from Python, which cannot be put back; default it
        signal.signal(signum, signal.SIG_DFL if handler is None else handler)


@contextmanager
def as_exceptions() -> Iterator[None]:
    """For the duration of a task: SIGINT, SIGTERM, SIGHUP raise `Interrupted`; the previous
    handlers come back afterwards. Nested use, or use outside the main thread, changes nothing."""
    if _state.installed or not _in_main_thread():
        yield
        return
    previous: dict[int, _Handler] = {}
    _state.installed, _state.unwinding, _state.pending = True, False, None
    try:
        _install(previous)
        yield
    finally:
        _restore(previous)
        _state.installed, _state.unwinding, _state.pending = False, False, None


class Section:
    """A critical section (use `critical()`). `check()` marks a safe point inside it."""

    def __init__(self) -> None:
        self._active = False
        self._previous: dict[int, _Handler] = {}

    @property
    def pending(self) -> int | None:
        """The signal received in the section so far, if any."""
        return _state.pending if self._active else None

    def check(self) -> None:
        """Raise a signal received so far now, at a point where stopping is safe, instead of
        when the section ends (e.g. between two renames that a rollback can undo)."""
        if self._active and _state.pending is not None:
            signum, _state.pending = _state.pending, None
            if not _under_way(None):
                raise _interrupt(signum)

    def __enter__(self) -> Section:
        if not _in_main_thread():
            return self
        if not _state.depth:
            _state.pending = None
        _state.depth += 1  # from here on `_on_signal` records a signal instead of raising it
        self._active = True
        if _state.depth == 1 and not _state.installed:
            try:  # used on its own: hold the signals with our handler until the end
                _install(self._previous)
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._active:
            return
        self._active = False
        try:
            if _state.depth == 1:  # restored while a signal is still recorded, not raised
                _restore(self._previous)
                self._previous = {}
        finally:
            _state.depth -= 1
        if _state.depth:
            return  # the outermost section raises
        signum, _state.pending = _state.pending, None
        if signum is not None and not _under_way(exc):
            raise _interrupt(signum)


def critical() -> Section:
    """A section that no signal cuts short: SIGINT, SIGTERM and SIGHUP received inside are
    recorded and raised as one `Interrupted` (the first of them) when it ends, unless an
    interruption is already propagating or being handled, which then stands."""
    return Section()


def _under_way(exc: BaseException | None) -> bool:
    """An interruption is already being raised or handled (an `except` around the section)."""
    return (
        _state.unwinding
        or isinstance(exc, KeyboardInterrupt)
        or isinstance(sys.exception(), KeyboardInterrupt)
    )


def holding() -> bool:
    """Whether a critical section is open: a signal now is held until it ends, so work done
    for the section (a command it runs) must not be cut short by it either."""
    return _state.depth > 0 and _in_main_thread()
