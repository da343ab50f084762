"""Where the library meets the user: printing, the config path, errors to exit codes.

Every task body runs inside `edge`: a FluxTasksError becomes its lines on stderr and its
exit code (design: one line per problem, never a traceback), Ctrl-C is exit 130.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from invoke.context import Context
from invoke.exceptions import Exit

from ..errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, FluxTasksError

if TYPE_CHECKING:
    from ..config.model import Config

P = ParamSpec("P")
R = TypeVar("R")


def edge(body: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors into one line per problem on stderr plus the documented exit code."""

    @functools.wraps(body)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return body(*args, **kwargs)
        except FluxTasksError as exc:
            raise Exit("\n".join(exc.lines), code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`invoke flux.status | head`): stop quietly, and keep
            # Python from complaining again when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(code=EXIT_CHECK_FAILED) from None

    return wrapper


def config_path(c: Context) -> Path:
    configured = c.config.get("flux", {}).get("config") or "config/flux.yaml"
    return Path(configured)


def load(c: Context) -> Config:
    from ..config.model import load_config

    return load_config(config_path(c))


def say(line: str = "") -> None:
    print(line, flush=True)


def warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def out(text: str) -> None:
    """Data for stdout as it is (a diff, a config), no newline added."""
    sys.stdout.write(text)
    sys.stdout.flush()
