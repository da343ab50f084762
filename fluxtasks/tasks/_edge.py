"""Where the library meets the user: printing, the config path, errors to exit codes.

Every task body runs inside `edge`: a FluxTasksError becomes its lines on stderr and its
exit code (design: one line per problem, never a traceback); SIGINT, SIGTERM and SIGHUP
become `signals.Interrupted` for the length of the body, so every cleanup that Ctrl-C runs
also runs for the other two, and the task exits 130, 143 or 129 saying "interrupted".
A task that writes under the project root runs inside `writes_tree` (the project's lock).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from invoke.context import Context
from invoke.exceptions import Exit

from ..errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, FluxTasksError
from ..signals import Interrupted, as_exceptions

if TYPE_CHECKING:
    from ..config.model import Config
    from ..runner import Runner

P = ParamSpec("P")
R = TypeVar("R")


def edge(body: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors into one line per problem on stderr plus the documented exit code."""

    @functools.wraps(body)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with as_exceptions():  # handlers back as they were once the task has ended
            try:
                return body(*args, **kwargs)
            except FluxTasksError as exc:
                raise Exit("\n".join(exc.lines), code=exc.exit_code) from None
            except Interrupted as exc:
                raise Exit("interrupted", code=exc.exit_code) from None
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
    from ..config.load import load_config

    return load_config(config_path(c))


def seconds(text: str, option: str) -> float:
    """A Go duration option in seconds, above zero (a timeout or interval of 0s or less
    means nothing); InputError (exit 4) naming the option otherwise."""
    from ..durations import parse_duration
    from ..errors import InputError

    try:
        value = parse_duration(text) / 1e9
    except ValueError:
        raise InputError(
            f"{option}: invalid duration {text!r} (Go form, e.g. 30s, 5m, 1h30m)"
        ) from None
    if value <= 0:
        raise InputError(f"{option}: must be a positive duration (e.g. 30s, 5m), got {text!r}")
    return value


@contextlib.contextmanager
def writes_tree(c: Context, task: str, *, when: bool = True) -> Iterator[None]:
    """Hold the project's lock (files/lock.py) while a task writes under the project root:
    `update`, `update --components`, `import --write`, and every task that edits the config.
    Take it before the config is read, so that what is planned and what is written come from
    one state; a second writer is refused at once (exit 75) naming the holder. `when=False`
    (e.g. under --check, which writes nothing) runs the body without it."""
    from ..config.paths import config_root
    from ..files.lock import LOCK_NAME, lock_path, tree_lock

    root = config_root(config_path(c))
    if not when or not root.is_dir():  # no root: nothing to write; the config error says why
        yield
        return
    with tree_lock(lock_path(root), task, shown=LOCK_NAME):
        yield


def runner(c: Context, *, dry_run: bool = False, echo: bool = False) -> Runner:
    """The runner of a task. Invoke's `flux.command_timeout` (a Go duration; also
    INVOKE_FLUX_COMMAND_TIMEOUT) replaces the default time limit of a command."""
    from ..runner import Runner

    made = Runner(dry_run=dry_run, echo=echo)
    limit = c.config.get("flux", {}).get("command_timeout")
    if limit:
        made.timeout = seconds(str(limit), "flux.command_timeout")
    return made


def say(line: str = "") -> None:
    print(line, flush=True)


def warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def out(text: str) -> None:
    """Data for stdout as it is (a diff, a config), no newline added."""
    sys.stdout.write(text)
    sys.stdout.flush()
