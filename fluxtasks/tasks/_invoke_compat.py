"""The one place that reaches into Invoke's parser classes.

Invoke makes a parameter without a default positional, and a positional is required.
`flux.recover-hr RELEASE` must also run as `flux.recover-hr --all-failed`, without a
RELEASE: once that flag is given, the RELEASE argument reads as given (""), so the parser
stops asking for it. tests/test_cluster_tasks.py pins both forms.
"""

from __future__ import annotations

from typing import Any

from invoke.parser.argument import Argument
from invoke.tasks import Task


class RecoverHrTask(Task[Any]):
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


def short_flags(**flags: str) -> type[Task[Any]]:
    """A Task class whose arguments get exactly these short flags (by parameter name) and
    no other: Invoke would hand out first letters, and give `-n` (which means --namespace
    everywhere else) to --context once -c and -o are taken, or -d (--dry-run) to
    --depends-on."""

    class ShortFlags(Task[Any]):
        def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
            args = super().get_arguments(ignore_unknown_help)
            for arg in args:
                flag = flags.get(arg.attr_name or arg.names[0])
                arg.names = (arg.names[0], flag) if flag else (arg.names[0],)
            return args

    return ShortFlags
