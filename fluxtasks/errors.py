"""One exception type per failure kind; the task edge turns each into one line and an exit code."""

from __future__ import annotations

# Exit codes (README "Exit codes" lists the same table).
EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_TOOL = 2
EXIT_CLUSTER = 3
EXIT_INPUT = 4
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130


class FluxTasksError(Exception):
    """Base error: `lines` are printed one per line on stderr, then the process exits `exit_code`."""

    exit_code = EXIT_CHECK_FAILED

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines: list[str] = list(lines)


class CheckFailed(FluxTasksError):
    """A check found something: drift, an object not ready or failed."""

    exit_code = EXIT_CHECK_FAILED


class ToolError(FluxTasksError):
    """A required tool is missing or unusable (flux, kubectl, wrong flux version)."""

    exit_code = EXIT_TOOL


class ClusterSelectionError(FluxTasksError):
    """No cluster selected, or the kube context does not match the selected cluster."""

    exit_code = EXIT_CLUSTER


class InputError(FluxTasksError):
    """Invalid input: config file, option values, refused overwrite."""

    exit_code = EXIT_INPUT


class WatchTimeout(FluxTasksError):
    """A wait ran out of time."""

    exit_code = EXIT_TIMEOUT


class CommandFailed(FluxTasksError):
    """An external command exited with an unexpected code."""

    exit_code = EXIT_CHECK_FAILED

    def __init__(self, argv: list[str], exit_code: int, stderr: str) -> None:
        detail = _last_line(stderr) or f"exit code {exit_code}"
        super().__init__(f"{' '.join(argv[:3])}: {detail}")
        self.argv = argv
        self.returncode = exit_code
        self.stderr = stderr


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
