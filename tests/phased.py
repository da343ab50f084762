"""Run `invoke` in a child that stops at exact points of its work, for signal tests.

An audit hook in the child watches for stages, one after the other: at the nth audit
event `event` whose path arguments contain `match`, it writes the stage's marker file and
holds there until a signal has landed, either raised right there (outside a critical
section) or recorded by one (the writer's swap and rollback hold signals until their safe
points). The test waits for the marker, sends its signal, and so never guesses a delay:
a loaded machine gives the same outcome. Stages the work never reaches simply never fire.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from conftest import PROJECT

BOOTSTRAP = """
import json, os, sys, time
stages = json.loads(sys.argv[1])
state = {"stage": 0, "seen": 0, "busy": False}


def pending():
    held = sys.modules.get("fluxtasks.signals")
    return held is not None and held._state.pending is not None


def hook(name, args):
    if state["busy"] or state["stage"] >= len(stages):
        return
    stage = stages[state["stage"]]
    paths = [os.fsdecode(a) for a in args if isinstance(a, (str, bytes, os.PathLike))]
    if name != stage["event"] or not any(stage["match"] in path for path in paths):
        return
    state["seen"] += 1
    if state["seen"] != stage["nth"]:
        return
    state["busy"] = True
    state["stage"] += 1
    state["seen"] = 0
    try:
        with open(stage["marker"], "w") as handle:
            handle.write(str(os.getpid()))
        for _ in range(12_000):  # bounded only so that a broken test cannot hang for good
            time.sleep(0.005)
            if pending():
                break
    finally:
        state["busy"] = False


sys.addaudithook(hook)
sys.argv = ["invoke", *sys.argv[2:]]
from invoke.main import program
program.run()
"""


@dataclass(frozen=True)
class Stage:
    event: str  # an audit event: "open", "os.rename", "os.link", "os.remove", "os.utime"
    match: str  # a substring of one of its path arguments
    nth: int
    marker: str  # the file written when the stage is reached


def start(config: Path, stages: list[Stage], *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`invoke ARGS` for the project of `config`, stopping at `stages`, in a session of its
    own (so that a signal to its process group reaches only it)."""
    full = {**os.environ, "INVOKE_FLUX_CONFIG": str(config), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-c", BOOTSTRAP, json.dumps([asdict(s) for s in stages]), *args],
        cwd=PROJECT, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def wait_for(marker: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until the child reports the stage; fail at once if it ended without."""
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the child ended (exit {proc.returncode}) before {marker.name}:\n{err}")
        time.sleep(0.002)


def signal_group(proc: subprocess.Popen[str], signum: int) -> None:
    """As a terminal does: to the child's whole process group."""
    os.killpg(proc.pid, signum)


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
