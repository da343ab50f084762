"""The command runner: the Runner's policy (argv record, dry-run, echo, ok_codes, a time
limit on every call) on a scripted executor, and ShExecutor on real processes: output,
input, exit codes, a time limit that kills the command and everything it started, and
Ctrl-C passed on to a command that runs in its own process group."""

from __future__ import annotations

import os
import select
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from fakecluster import make_runner

from fluxtasks.errors import CommandFailed, CommandTimedOut, ToolError
from fluxtasks.runner import DEFAULT_TIMEOUT, Result, Runner, ShExecutor
from fluxtasks.signals import critical

# ---------------------------------------------------------------- the policy


def test_dry_run_prints_and_records_but_runs_nothing() -> None:
    runner = make_runner(lambda argv, _: pytest.fail("ran under dry-run"), dry_run=True)
    result = runner.run(["kubectl", "apply", "-f", "a file.yaml"])
    assert result == Result(("kubectl", "apply", "-f", "a file.yaml"), 0, "", "")
    assert runner.calls == [("kubectl", "apply", "-f", "a file.yaml")]
    assert runner.log.getvalue() == "would run: kubectl apply -f 'a file.yaml'\n"


def test_echo_prints_then_runs() -> None:
    runner = make_runner(lambda argv, _: (0, "ok\n", ""))
    runner.echo = True
    assert runner.run(["flux", "version"]).stdout == "ok\n"
    assert runner.log.getvalue() == "+ flux version\n"


def test_exit_code_outside_ok_codes_is_command_failed_with_its_last_line() -> None:
    runner = make_runner(lambda argv, _: (1, "", "► working\n✗ boom\n"))
    with pytest.raises(CommandFailed) as err:
        runner.run(["flux", "suspend", "hr", "x"])
    assert err.value.detail == "✗ boom"
    assert err.value.returncode == 1
    assert runner.run(["flux", "suspend"], ok_codes=range(256)).exit_code == 1


def test_every_call_gets_a_time_limit() -> None:
    runner = make_runner()
    runner.run(["kubectl", "get", "ns"])
    runner.run(["kubectl", "get", "ns"], timeout=2.5)
    runner.timeout = 60
    runner.run(["kubectl", "get", "ns"])
    assert runner.executor.timeouts == [DEFAULT_TIMEOUT, 2.5, 60]


def test_missing_tool_is_a_tool_error_naming_how_to_install_it() -> None:
    runner = make_runner(lambda argv, _: pytest.fail("ran a missing tool"), missing=("flux",))
    with pytest.raises(ToolError) as err:
        runner.run(["flux", "version"])
    assert err.value.exit_code == 2
    assert err.value.lines[0].startswith("flux: command not found; install the Flux CLI")


# ---------------------------------------------------------------- real processes


def sh(script: str, **kwargs: Any) -> Result:
    return Runner().run(["sh", "-c", script], ok_codes=range(-64, 256), **kwargs)


def test_output_input_and_exit_code() -> None:
    result = sh("cat; echo err >&2; exit 3", input="from stdin\n")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "from stdin\n", "err\n")


def test_line_sinks_get_the_lines_as_they_come() -> None:
    out: list[str] = []
    err: list[str] = []
    result = sh("echo a; echo b >&2; echo c", on_stdout=out.append, on_stderr=err.append)
    assert (out, err) == (["a\n", "c\n"], ["b\n"])
    assert (result.stdout, result.stderr) == ("", "")


def test_a_command_killed_by_a_signal_has_its_negative_number() -> None:
    assert sh("kill -TERM $$").exit_code == -signal.SIGTERM


def test_environment_is_copied_and_can_be_replaced() -> None:
    executor = ShExecutor(env={**os.environ, "FLUXTASKS_PROBE": "x y"})
    result = executor.run(["sh", "-c", 'echo "$FLUXTASKS_PROBE"'], timeout=30)
    assert result.stdout == "x y\n"


def test_time_limit_kills_the_command_and_what_it_started(tmp_path: Path) -> None:
    """Like a kubeconfig credential plugin, the command starts a child of its own; killing
    the command alone would leave that child running."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # before the child opens it to write
    try:
        script = f"(echo up; exec sleep 300) > '{fifo}' & echo started >&2; exec sleep 300"
        with pytest.raises(CommandTimedOut) as err:
            Runner().run(["sh", "-c", script], timeout=1)
        assert err.value.exit_code == 124
        assert err.value.detail == "no answer within 1s; killed"
        assert err.value.stderr == "started\n"
        # the child wrote "up", then holds the fifo open until it dies: EOF says it is gone
        received = b""
        while True:
            ready, _, _ = select.select([reader], [], [], 30)
            assert ready, "the command's child is still running"
            chunk = os.read(reader, 64)
            if not chunk:
                break
            received += chunk
        assert received == b"up\n"
    finally:
        os.close(reader)


@pytest.mark.skipif(sys.platform != "linux", reason="signal delivery to the main thread")
def test_ctrl_c_reaches_a_command_in_its_own_process_group() -> None:
    """The command runs in a process group of its own (so that a time limit can kill all of
    it), where a terminal's Ctrl-C no longer reaches it: the runner passes it on, then
    handles it as before (here: held by a critical section until its end)."""

    def interrupt_once_started(line: str) -> None:
        if line == "ready\n":
            os.kill(os.getpid(), signal.SIGINT)  # as a terminal does, to our process group

    result: Result | None = None
    with pytest.raises(KeyboardInterrupt), critical():
        result = sh("echo ready; exec sleep 300", timeout=60, on_stdout=interrupt_once_started)
    assert result is not None and result.exit_code == -signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
