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
