"""The base layer's shared homes: error codes, text helpers, plain-data readers, the Flux
vocabulary, the resources tree, the generated-file format and the one-file atomic writer."""

from __future__ import annotations

import pytest

from fluxtasks.errors import (
    EXIT_CHECK_FAILED,
    EXIT_CLUSTER,
    EXIT_INPUT,
    EXIT_TIMEOUT,
    EXIT_TOOL,
    CheckFailed,
    ClusterSelectionError,
    CommandFailed,
    CommandTimedOut,
    FluxTasksError,
    InputError,
    ToolError,
    WatchTimeout,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (CheckFailed, EXIT_CHECK_FAILED),
        (ToolError, EXIT_TOOL),
        (ClusterSelectionError, EXIT_CLUSTER),
        (InputError, EXIT_INPUT),
        (WatchTimeout, EXIT_TIMEOUT),
        (CommandFailed, EXIT_CHECK_FAILED),
        (CommandTimedOut, EXIT_TIMEOUT),
    ],
)
def test_each_error_declares_its_exit_code(error: type[FluxTasksError], code: int) -> None:
    assert error.exit_code == code


def test_a_subclass_without_a_code_keeps_its_parents() -> None:
    class Refused(InputError):
        pass

    assert Refused("x").exit_code == EXIT_INPUT


def test_command_failed_detail_is_the_last_output_line_else_the_exit_code() -> None:
    failed = CommandFailed(["kubectl", "get", "pods", "-A"], 1, "warning: x\nerror: no route\n\n")
    assert failed.detail == "error: no route"
    assert failed.lines == ["kubectl get pods: error: no route"]
    quiet = CommandFailed(["flux", "install", "--export"], 3, "")
    assert quiet.detail == "exit code 3"
    # a colon in the command words does not cut the detail short
    odd = CommandFailed(["kubectl", "--context", "a: b"], 1, "boom")
    assert odd.detail == "boom" and odd.lines == ["kubectl --context a: b: boom"]


def test_command_timed_out_is_a_command_failure_with_the_limit_in_its_detail() -> None:
    timed_out = CommandTimedOut(["kubectl", "get", "x"], 2.5)
    assert isinstance(timed_out, CommandFailed)
    assert timed_out.detail == "no answer within 2.5s; killed"
    assert timed_out.lines == ["kubectl get x: no answer within 2.5s; killed"]
