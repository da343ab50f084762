"""Invoke tasks (namespace `flux`). The only module that imports invoke.

Tasks stay thin: parse options, load the config, call one library function, print,
and map errors to exit codes (see `_edge`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from .config import Config, load_config
from .errors import EXIT_INTERRUPTED, FluxTasksError
from .runner import Runner

F = TypeVar("F", bound=Callable[..., Any])


def _edge(body: F) -> F:
    """Turn library errors into one line per problem on stderr plus the documented exit code."""

    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except FluxTasksError as exc:
            raise Exit("\n".join(exc.lines), code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def _config_path(c: Context) -> Path:
    configured = c.config.get("flux", {}).get("config") or "config/flux.yaml"
    return Path(configured)


def _load(c: Context) -> Config:
    return load_config(_config_path(c))


def _say(line: str = "") -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


__all__ = ["Runner", "task"]
