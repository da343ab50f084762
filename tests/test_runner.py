"""The command runner: the Runner's policy (argv record, dry-run, echo, ok_codes, a time
limit on every call) on a scripted executor, and ShExecutor on real processes: output,
input, exit codes, a time limit that kills the command and everything it started, and
Ctrl-C passed on to a command that runs in its own process group."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fakecluster import make_runner

from fluxtasks.errors import CommandFailed, CommandTimedOut, ToolError
from fluxtasks.runner import DEFAULT_TIMEOUT, Result, Runner, ShExecutor
from fluxtasks import signals
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


def fifo_reader(tmp_path: Path) -> tuple[Path, int]:
    """A FIFO the command's child holds open for writing: EOF on it says the child is gone."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    return fifo, os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # before the child opens it


def read_until_eof(reader: int) -> bytes:
    received = b""
    while True:
        ready, _, _ = select.select([reader], [], [], 30)
        assert ready, "the command's child is still running"
        chunk = os.read(reader, 64)
        if not chunk:
            return received
        received += chunk


@pytest.mark.skipif(sys.platform != "linux", reason="signal delivery to the main thread")
def test_ctrl_c_stops_the_command_and_everything_it_started(tmp_path: Path) -> None:
    """The command runs in a process group of its own (so that a time limit can kill all of
    it), where a terminal's Ctrl-C no longer reaches it: the runner passes it on, and as the
    interrupt leaves the runner, kills what is left of the group (a child that ignores
    SIGINT included), so nothing outlives the task."""
    fifo, reader = fifo_reader(tmp_path)
    # the child opens the FIFO, then says it is ready: a SIGINT it ignores, then sleeps
    script = f"(trap '' INT; exec 3>'{fifo}'; echo ready; exec sleep 300) & exec sleep 300"

    def interrupt_once_started(line: str) -> None:
        if line == "ready\n":
            os.kill(os.getpid(), signal.SIGINT)  # as a terminal does, to our process group

    try:
        with pytest.raises(KeyboardInterrupt):
            sh(script, timeout=60, on_stdout=interrupt_once_started)
        assert read_until_eof(reader) == b""
    finally:
        os.close(reader)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(sys.platform != "linux", reason="signal delivery to the main thread")
def test_a_command_run_in_a_critical_section_is_not_cut_short(tmp_path: Path) -> None:
    """Resuming what a task suspended runs in a critical section: a Ctrl-C that arrives
    meanwhile is held, not passed on, so the command does its work; the interrupt is raised
    when the section ends. The command waits until the signal has been recorded: had the
    runner passed it on, the shell would have died of it first."""
    go = tmp_path / "go"
    script = f"echo ready; while [ ! -e '{go}' ]; do sleep 0.01; done; echo done"

    def interrupt_once_started(line: str) -> None:
        if line != "ready\n":
            return
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(30_000):  # until the main thread's handler has recorded it
            if signals._state.pending is not None:
                break
            time.sleep(0.001)
        go.write_text("")

    result: Result | None = None
    with pytest.raises(KeyboardInterrupt), critical():
        result = sh(script, timeout=60, on_stdout=interrupt_once_started)
    assert result is not None and result.exit_code == 0


def test_streamed_output_is_capped_to_its_head_and_tail() -> None:
    """A tool printing a flood of warnings (here 20,000 lines) reaches the user as the first
    100 lines, one line saying what was cut, and the last 20; one endless line is cut too."""
    seen: list[str] = []
    script = "i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done >&2; head -c 50000 /dev/zero | tr '\\0' x >&2; echo >&2; echo verdict >&2"
    result = sh(script, on_stderr=seen.append)
    assert result.stderr == "" and result.exit_code == 0
    assert seen[:100] == [f"line {i}\n" for i in range(100)]
    assert seen[100] == "… 19,882 line(s) (207,902 characters) cut …\n"
    assert seen[101:119] == [f"line {i}\n" for i in range(19982, 20000)]
    assert seen[119] == "x" * 2000 + "… (48,000 more characters cut)\n"
    assert seen[120:] == ["verdict\n"]


def test_capturing_megabytes_is_whole_and_exact() -> None:
    """Output captured in chunks: every byte arrives, multi-byte characters across chunk
    borders included."""
    script = "i=0; while [ $i -lt 70000 ]; do printf 'ü€%05d\\n' $i; i=$((i+1)); done"
    result = sh(script)
    lines = result.stdout.splitlines()
    assert len(lines) == 70000 and lines[0] == "ü€00000" and lines[-1] == "ü€69999"
    assert "\ufffd" not in result.stdout
