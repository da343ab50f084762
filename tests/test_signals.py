"""fluxtasks.signals: SIGINT/SIGTERM/SIGHUP as `Interrupted`, and critical sections.

In-process tests raise signals with `signal.raise_signal`, whose handler runs before it
returns: no timing involved. Process tests send real signals to a child that reports each
phase by writing a marker file and holds there until the signal has done its work (a state
the child can see), so a loaded machine gives the same outcome.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fluxtasks import signals
from fluxtasks.signals import Interrupted, as_exceptions, critical

PROJECT = Path(__file__).resolve().parent.parent
CODES = [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
IDS = ["SIGINT", "SIGTERM", "SIGHUP"]


class Stray(Exception):
    """A signal that reached the test's own handler: fluxtasks.signals did not handle it."""


@pytest.fixture(autouse=True)
def guard() -> Iterator[None]:
    """Handlers that fail the test (instead of ending pytest) if a signal slips through."""

    def stray(signum: int, frame: object) -> None:
        raise Stray(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, stray) for signum in signals.SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# ---------------------------------------------------------------- as_exceptions


@pytest.mark.parametrize(("signum", "code"), CODES, ids=IDS)
def test_each_signal_raises_interrupted_with_the_shells_exit_code(signum: int, code: int) -> None:
    with pytest.raises(Interrupted) as info, as_exceptions():
        signal.raise_signal(signum)
    assert (info.value.signum, info.value.exit_code) == (signum, code)
    assert str(info.value) == f"interrupted by {signal.Signals(signum).name}"
    assert isinstance(info.value, KeyboardInterrupt)  # existing Ctrl-C cleanup applies
    assert not isinstance(info.value, Exception)  # `except Exception` never swallows it


def test_previous_handlers_come_back_after_the_task() -> None:
    before = {signum: signal.getsignal(signum) for signum in signals.SIGNALS}
    with as_exceptions():
        assert all(signal.getsignal(s) != before[s] for s in signals.SIGNALS)
    assert {s: signal.getsignal(s) for s in signals.SIGNALS} == before
    with pytest.raises(Interrupted), as_exceptions():
        signal.raise_signal(signal.SIGTERM)
    assert {s: signal.getsignal(s) for s in signals.SIGNALS} == before
    with pytest.raises(Stray):  # and they act again
        signal.raise_signal(signal.SIGINT)


def test_once_interrupted_later_signals_are_absorbed_until_the_task_ends() -> None:
    cleaned = []
    with pytest.raises(Interrupted) as info, as_exceptions():
        try:
            signal.raise_signal(signal.SIGTERM)
        finally:
            signal.raise_signal(signal.SIGINT)  # a second Ctrl-C during the cleanup
            signal.raise_signal(signal.SIGHUP)
            cleaned.append("done")
    assert cleaned == ["done"]
    assert info.value.exit_code == 143  # the first signal's


def test_a_new_task_starts_with_a_clean_slate() -> None:
    with pytest.raises(Interrupted), as_exceptions():
        signal.raise_signal(signal.SIGTERM)
    with pytest.raises(Interrupted) as info, as_exceptions():  # not absorbed any more
        signal.raise_signal(signal.SIGHUP)
    assert info.value.signum == signal.SIGHUP


def test_nested_use_changes_nothing() -> None:
    with as_exceptions():
        handlers = {s: signal.getsignal(s) for s in signals.SIGNALS}
        with as_exceptions():
            pass
        assert {s: signal.getsignal(s) for s in signals.SIGNALS} == handlers
        with pytest.raises(Interrupted):
            signal.raise_signal(signal.SIGINT)


def test_only_the_main_thread_installs_handlers() -> None:
    before = {signum: signal.getsignal(signum) for signum in signals.SIGNALS}
    seen: list[object] = []

    def worker() -> None:
        try:
            with as_exceptions(), critical() as section:
                seen.append({s: signal.getsignal(s) for s in signals.SIGNALS})
                section.check()
                seen.append(section.pending)
        except BaseException as exc:  # noqa: BLE001 - a ValueError from signal.signal, say
            seen.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before, None]
    assert {s: signal.getsignal(s) for s in signals.SIGNALS} == before


# ---------------------------------------------------------------- critical sections


@pytest.mark.parametrize(("signum", "code"), CODES, ids=IDS)
def test_a_signal_in_a_section_is_raised_when_it_ends(signum: int, code: int) -> None:
    steps = []
    with pytest.raises(Interrupted) as info, as_exceptions():
        with critical() as section:
            assert section.pending is None
            signal.raise_signal(signum)
            steps.append("went on")
            assert section.pending == signum
        steps.append("after the section")
    assert steps == ["went on"]
    assert info.value.exit_code == code


def test_repeated_signals_in_a_section_collapse_into_the_first() -> None:
    with pytest.raises(Interrupted) as info, as_exceptions(), critical():
        for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGINT):
            signal.raise_signal(signum)
    assert info.value.signum == signal.SIGHUP
    assert info.value.__context__ is None  # raised once, not once per signal
    with as_exceptions(), critical() as section:  # nothing left over for the next section
        assert section.pending is None


def test_a_second_signal_during_rollback_waits_and_the_first_code_stands() -> None:
    """The issue's case: Ctrl-C (here SIGTERM) starts the rollback, a second signal during
    it must neither cut it short nor change the exit code."""
    restored = []
    with pytest.raises(Interrupted) as info, as_exceptions():
        try:
            signal.raise_signal(signal.SIGTERM)  # interrupts the write
        except BaseException:
            with critical():
                signal.raise_signal(signal.SIGINT)
                restored.append("every file")
            raise
    assert restored == ["every file"]
    assert info.value.exit_code == 143


def test_a_signal_during_rollback_after_an_error_is_raised_after_it() -> None:
    restored = []
    with pytest.raises(Interrupted) as info, as_exceptions():
        try:
            raise OSError("disk full")
        except OSError:
            with critical():
                signal.raise_signal(signal.SIGINT)
                restored.append("every file")
            raise
    assert restored == ["every file"]
    assert info.value.exit_code == 130
    assert isinstance(info.value.__context__, OSError)  # what went wrong stays visible


def test_a_signal_wins_over_an_error_leaving_the_section() -> None:
    with pytest.raises(Interrupted) as info, as_exceptions(), critical():
        signal.raise_signal(signal.SIGHUP)
        raise ValueError("resume failed")
    assert info.value.exit_code == 129
    assert isinstance(info.value.__context__, ValueError)


def test_nested_sections_raise_at_the_outermost_end() -> None:
    steps = []
    with pytest.raises(Interrupted), as_exceptions():
        with critical():
            with critical():
                signal.raise_signal(signal.SIGTERM)
            steps.append("inner ended")
        steps.append("outer ended")
    assert steps == ["inner ended"]


def test_check_raises_at_a_safe_point_and_only_once() -> None:
    renamed = []
    with pytest.raises(Interrupted) as info, as_exceptions(), critical() as section:
        for name in ("a", "b", "c"):
            section.check()
            renamed.append(name)
            if name == "a":
                signal.raise_signal(signal.SIGTERM)
    assert renamed == ["a"]
    assert info.value.signum == signal.SIGTERM
    assert info.value.__context__ is None


def test_check_without_a_signal_goes_on() -> None:
    with as_exceptions(), critical() as section:
        section.check()
        assert section.pending is None


def test_a_section_on_its_own_holds_signals_and_restores_the_handlers() -> None:
    """Without as_exceptions (a library test, a caller of its own) the section installs
    its handlers itself, then puts the caller's back."""
    before = {signum: signal.getsignal(signum) for signum in signals.SIGNALS}
    steps = []
    with pytest.raises(Interrupted) as info, critical():
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGINT)
        steps.append("finished")
    assert steps == ["finished"]
    assert info.value.signum == signal.SIGTERM
    assert {s: signal.getsignal(s) for s in signals.SIGNALS} == before


def test_a_section_on_its_own_inside_an_interrupt_handler_adds_nothing() -> None:
    with pytest.raises(KeyboardInterrupt) as info:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            with critical():
                signal.raise_signal(signal.SIGINT)
            raise
    assert type(info.value) is KeyboardInterrupt


def test_a_section_without_signals_raises_nothing() -> None:
    with as_exceptions(), critical() as section:
        pass
    assert section.pending is None


# ---------------------------------------------------------------- real processes

CHILD = """
import os, sys, time
from pathlib import Path
from fluxtasks import signals

markers, scenario = Path(sys.argv[1]), sys.argv[2]


def reach(phase):
    (markers / phase).write_text(str(os.getpid()))


def hold(until=lambda: False):
    # Wait for a state only the test's signal (or file) brings about; the bound only keeps
    # a broken test from hanging.
    for _ in range(200_000):
        if until():
            return
        time.sleep(0.001)
    sys.exit(99)


def plain():
    reach("working")
    hold()


def rollback():
    try:
        reach("working")
        hold()
    except signals.Interrupted:
        with signals.critical() as section:
            reach("rolling-back")
            hold(lambda: section.pending is not None)
            (markers / "restored").write_text(f"second signal deferred: {section.pending}")
        raise


def resume():
    with signals.critical() as section:
        reach("suspended")
        hold(lambda: section.pending is not None)
        reach("deferred")
        hold((markers / "go").exists)
        reach("resumed")
    reach("after")


try:
    with signals.as_exceptions():
        {"plain": plain, "rollback": rollback, "resume": resume}[scenario]()
except signals.Interrupted as exc:
    print(exc, file=sys.stderr)
    sys.exit(exc.exit_code)
"""


def start(markers: Path, scenario: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(markers), scenario],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def wait_for(marker: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until the child reports `marker`; fail at once if it ended without."""
    for _ in range(240_000):
        if marker.exists():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.001)
    proc.kill()
    out, err = proc.communicate()
    pytest.fail(f"the child never reached {marker.name}: exit {proc.returncode}\n{err}")


def finish(proc: subprocess.Popen[str]) -> str:
    _, err = proc.communicate(timeout=240)
    assert "Traceback" not in err, err
    return err


@pytest.mark.parametrize(("signum", "code"), CODES, ids=IDS)
def test_a_signal_from_outside_ends_the_process_with_its_code(
    tmp_path: Path, signum: int, code: int
) -> None:
    proc = start(tmp_path, "plain")
    wait_for(tmp_path / "working", proc)
    os.kill(proc.pid, signum)
    err = finish(proc)
    assert proc.returncode == code
    assert err.splitlines() == [f"interrupted by {signal.Signals(signum).name}"]


def test_a_second_signal_during_rollback_from_outside(tmp_path: Path) -> None:
    """SIGTERM interrupts the work; a Ctrl-C that lands while the rollback runs is held
    until it has finished, and the process exits with SIGTERM's code."""
    proc = start(tmp_path, "rollback")
    wait_for(tmp_path / "working", proc)
    os.kill(proc.pid, signal.SIGTERM)
    wait_for(tmp_path / "rolling-back", proc)
    os.kill(proc.pid, signal.SIGINT)
    err = finish(proc)
    assert proc.returncode == 143
    assert err.splitlines() == ["interrupted by SIGTERM"]
    assert (tmp_path / "restored").read_text() == f"second signal deferred: {signal.SIGINT:d}"


def test_signals_while_resuming_are_held_then_raised_once(tmp_path: Path) -> None:
    """A recovery that suspended a release: SIGHUP, then more signals, all arrive while it
    resumes; the resume finishes, the process exits once, with the first signal's code."""
    proc = start(tmp_path, "resume")
    wait_for(tmp_path / "suspended", proc)
    os.kill(proc.pid, signal.SIGHUP)
    wait_for(tmp_path / "deferred", proc)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        os.kill(proc.pid, signum)  # pending on the child before it can see "go"
    (tmp_path / "go").write_text("")
    err = finish(proc)
    assert proc.returncode == 129
    assert err.splitlines() == ["interrupted by SIGHUP"]
    assert (tmp_path / "resumed").exists()
    assert not (tmp_path / "after").exists()
