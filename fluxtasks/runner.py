"""The one way this project runs external commands (flux, kubectl): argv lists through `sh`."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .errors import CommandFailed, ToolError

INSTALL_HINTS = {
    "flux": "install the Flux CLI: https://fluxcd.io/flux/installation/ (e.g. brew install fluxcd/tap/flux)",
    "kubectl": "install kubectl: https://kubernetes.io/docs/tasks/tools/",
}


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str


@dataclass
class Runner:
    """Runs argv lists; `dry_run` prints them instead, `echo` prints them before running.

    Tests inject their own runner (or put fake executables first on PATH).
    """

    dry_run: bool = False
    echo: bool = False
    env: Mapping[str, str] | None = None
    log: TextIO = field(default_factory=lambda: sys.stderr)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def which(self, tool: str) -> str:
        """Full path of `tool`, or a ToolError naming it and how to install it."""
        path = shutil.which(tool, path=self._env().get("PATH"))
        if path is None:
            hint = INSTALL_HINTS.get(tool, f"install {tool} and put it on PATH")
            raise ToolError(f"{tool}: command not found; {hint}")
        return path

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        ok_codes: Sequence[int] = (0,),
        on_stdout: Callable[[str], None] | None = None,
        on_stderr: Callable[[str], None] | None = None,
        read_only: bool = False,
    ) -> Result:
        """Run `argv` and capture its output; raise CommandFailed on an exit code not in `ok_codes`.

        `on_stdout`/`on_stderr` receive lines as they arrive (for long commands the user
        watches). Under dry-run nothing runs and an empty success is returned, except for
        `read_only` commands when the runner was built to allow them (never by default).
        """
        args = tuple(str(a) for a in argv)
        self.calls.append(args)
        if self.dry_run or self.echo:
            print(("would run: " if self.dry_run else "+ ") + shlex.join(args), file=self.log)
        if self.dry_run:
            return Result(args, 0, "", "")
        import sh  # imported here: it pulls in asyncio, which `invoke --list` need not pay for

        command: Any = sh.Command(self.which(args[0]))
        kwargs: dict[str, object] = {
            "_env": dict(self._env()),
            "_tty_out": False,
            "_ok_code": list(range(256)),
            "_return_cmd": True,
            "_encoding": "utf-8",
            "_decode_errors": "replace",
        }
        if input is not None:
            kwargs["_in"] = input
        if on_stdout is not None:
            kwargs["_out"] = on_stdout
        if on_stderr is not None:
            kwargs["_err"] = on_stderr
        try:
            done = command(*args[1:], **kwargs)
        except sh.SignalException as exc:
            raise CommandFailed(list(args), -int(exc.exit_code), _text(exc.stderr)) from None
        stdout = _text(done.stdout) if on_stdout is None else ""
        stderr = _text(done.stderr) if on_stderr is None else ""
        result = Result(args, int(done.exit_code), stdout, stderr)
        if result.exit_code not in ok_codes:
            raise CommandFailed(list(args), result.exit_code, result.stderr or result.stdout)
        return result

    def _env(self) -> Mapping[str, str]:
        return dict(os.environ) if self.env is None else self.env


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data
