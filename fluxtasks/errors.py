"""One exception type per failure kind; the task edge turns each into one line and an exit code."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from typing import Any

from .tool_output import error_message, indented

# Exit codes (README "Exit codes" lists the same table).
EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_TOOL = 2
EXIT_CLUSTER = 3
EXIT_INPUT = 4
EXIT_UNREACHABLE = 5
# Another run holds the project's lock: neither a failed check (1) nor bad input (4), the
# same command succeeds later. 75 is EX_TEMPFAIL of sysexits.h, "try again later".
EXIT_LOCKED = 75
EXIT_TIMEOUT = 124
# A signal ends a task with the shell's 128 + its number (signals.Interrupted.exit_code).
EXIT_HANGUP = 129  # SIGHUP: the terminal went away
EXIT_INTERRUPTED = 130  # SIGINT: Ctrl-C
EXIT_TERMINATED = 143  # SIGTERM: e.g. a CI job cancelled


class FluxTasksError(Exception):
    """Base error: `lines` are printed one per line on stderr, then the process exits `exit_code`.

    A subclass names its code in its header, `class X(FluxTasksError, code=EXIT_...)`;
    without one it keeps its parent's.
    """

    exit_code = EXIT_CHECK_FAILED

    def __init_subclass__(cls, *, code: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.exit_code = code

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines: list[str] = list(lines)


class CheckFailed(FluxTasksError, code=EXIT_CHECK_FAILED):
    """A check found something: drift, an object not ready or failed."""


class ToolError(FluxTasksError, code=EXIT_TOOL):
    """A required tool is missing or unusable (flux, kubectl, wrong flux version)."""


class ClusterSelectionError(FluxTasksError, code=EXIT_CLUSTER):
    """No cluster selected, or the kube context does not match the selected cluster."""


class InputError(FluxTasksError, code=EXIT_INPUT):
    """Invalid input: config file, option values, refused overwrite."""


class ClusterUnreachable(FluxTasksError, code=EXIT_UNREACHABLE):
    """The cluster could not be used at all: connection refused or timed out, an unknown host,
    credentials refused, a context the kubeconfig lacks, an unreadable kubeconfig. Not the
    same as an object that is not ready (exit 1)."""


class WatchTimeout(FluxTasksError, code=EXIT_TIMEOUT):
    """A wait ran out of time."""


class CommandFailed(FluxTasksError, code=EXIT_CHECK_FAILED):
    """An external command exited with an unexpected code.

    `detail` says why: the tool's final message (tool_output.error_message: capped, a
    message of several lines kept whole and indented), else its exit code. Callers that
    word their own error quote it.
    """

    def __init__(
        self, argv: Sequence[str], exit_code: int, stderr: str, *, detail: str | None = None
    ) -> None:
        # the tool's final message, whole (a multi-line one indented under its first line)
        self.detail = detail or indented(error_message(stderr)) or f"exit code {exit_code}"
        super().__init__(f"{' '.join(argv[:3])}: {self.detail}")
        self.argv = list(argv)
        self.returncode = exit_code
        self.stderr = stderr


class CommandTimedOut(CommandFailed, code=EXIT_TIMEOUT):
    """An external command gave no answer within its time limit and was killed."""

    def __init__(self, argv: Sequence[str], timeout: float, stderr: str = "") -> None:
        super().__init__(
            argv, -signal.SIGKILL, stderr, detail=f"no answer within {timeout:g}s; killed"
        )
        self.timeout = timeout
