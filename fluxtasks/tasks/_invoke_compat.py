"""The one place that reaches into Invoke's parser classes.

* Short flags. Invoke hands each option the first free letter of its name, so the same
  letter meant different options in different tasks (-k was --kind or --kubeconfig, -o
  --context, --components or --output, -c --cluster or --check). Every task is a
  `FluxTask`, whose options get their short flag from one table, SHORT_FLAGS, and no other:
  a letter means one option in every task (tests/test_task_help.py checks it).
* recover-hr. Invoke makes a parameter without a default positional, and a positional is
  required. `flux.recover-hr RELEASE` must also run as `flux.recover-hr --all-failed`,
  without a RELEASE: once that flag is given, the RELEASE argument reads as given (""), so
  the parser stops asking for it. tests/test_cluster_tasks.py pins both forms.
* A closed pipe. `invoke --list | head` closes the pipe while Invoke still prints, and
  Invoke's own printing ends in a BrokenPipeError traceback: `quiet_broken_pipe` ends such
  a run quietly (exit 1), as the tasks themselves do.
* Command-line errors. Invoke ends a command line it cannot parse (a missing positional,
  an unknown option, an option without its value) with exit 1, which here means "a check
  found something". `exit_input_on_parse_errors` makes them exit 4, invalid input, as
  every other bad input is.
"""

from __future__ import annotations

from typing import Any

from invoke.parser.argument import Argument
from invoke.tasks import Task

from ..errors import EXIT_INPUT

# option (as Invoke names it, dashes) -> its short flag, the same in every task
SHORT_FLAGS = {
    "cluster": "c",
    "namespace": "n",
    "dry-run": "d",
    "kind": "k",
    "output": "o",
    "timeout": "t",
    "interval": "i",
    "verbose": "v",
    "release": "r",
    "source": "s",
    "branch": "b",
    "url": "u",
    "path": "p",
    "live": "l",
}


class FluxTask(Task[Any]):
    """A task whose options take their short flags from SHORT_FLAGS, and only from there."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        args = super().get_arguments(ignore_unknown_help)
        for arg in args:
            long = arg.names[0]
            arg.names = (long, SHORT_FLAGS[long]) if long in SHORT_FLAGS else (long,)
        return args


class RecoverHrTask(FluxTask):
    """recover-hr's RELEASE is positional (hence required, in Invoke) unless --all-failed is
    given: its parser argument reads as given ("") once that flag is set."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        args = super().get_arguments(ignore_unknown_help)
        flag = next(a for a in args if a.name == "all_failed")
        for i, arg in enumerate(args):
            if arg.name == "release":
                args[i] = _ReleaseArgument(
                    names=arg.names, kind=arg.kind, default=arg.default, help=arg.help,
                    positional=arg.positional, attr_name=arg.attr_name, all_failed=flag,
                )  # fmt: skip
        return args


class _ReleaseArgument(Argument):
    def __init__(self, *, all_failed: Argument, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.all_failed = all_failed

    @property
    def value(self) -> Any:
        given = self._value if self._value is not None else self.default
        if given is None and self.all_failed.value:
            return ""
        return given

    @value.setter
    def value(self, arg: str) -> None:
        self.set_value(arg, cast=True)


def exit_input_on_parse_errors() -> None:
    """Make Invoke's command-line errors exit 4 (with Invoke's own message and a pointer to
    the task's help) in the `invoke` run that is loading this collection.

    Invoke's Program parses the tasks' part of the command line after it has loaded the
    collection, in `parse_tasks`, and turns a ParseError into exit 1 while an `Exit` keeps
    its code: the running program's `parse_tasks` is wrapped to re-raise the one as the
    other. Outside an `invoke` run (a test importing the collection) nothing changes.
    """
    from invoke import main
    from invoke.exceptions import Exit, ParseError

    program: Any = getattr(main, "program", None)
    original = getattr(program, "parse_tasks", None)
    if original is None or getattr(original, "__name__", "") == "parse_tasks_exiting_4":
        return

    def parse_tasks_exiting_4() -> None:
        try:
            original()
        except ParseError as exc:
            task = getattr(exc.context, "name", None)
            where = f"invoke --help {task}" if task else "invoke --list"
            raise Exit(f"{exc}; see {where}", code=EXIT_INPUT) from None

    program.parse_tasks = parse_tasks_exiting_4


def quiet_broken_pipe() -> None:
    """End a run whose reader went away (`invoke --list | head`) without a traceback."""
    import os
    import sys

    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        if not issubclass(kind, BrokenPipeError):
            previous(kind, exc, tb)
            return
        # stdout is gone: point it at /dev/null so the flush at exit cannot complain again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    sys.excepthook = hook
