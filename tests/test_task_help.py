"""What Invoke shows of every task stays as it was: `invoke --list`, `invoke --help flux.TASK`
and the arguments (names, short flags, kinds, defaults, positionals) Invoke reads from each
task's signature. The expected texts sit in tests/task_help/; after an intended change,
rewrite them with `python tests/test_task_help.py` and review the diff.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).resolve().parent / "task_help"
ARGUMENTS = EXPECTED / "arguments.json"


def invoke_output(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INVOKE_")}
    env.update({"COLUMNS": "80", "LINES": "24"})  # help text wraps to the terminal width
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "--search-root", str(PROJECT), *args],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@functools.cache  # Invoke hands each help text out once: a second reading has none
def arguments() -> dict[str, list[dict[str, Any]]]:
    """Each task's parser arguments, as Invoke builds them from the task's signature."""
    sys.path.insert(0, str(PROJECT))
    try:
        from tasks import ns
    finally:
        sys.path.remove(str(PROJECT))
    flux = ns.collections["flux"]
    return {
        name: [
            {
                "names": list(arg.names),
                "kind": arg.kind.__name__,
                "default": arg.default,
                "positional": arg.positional,
                "optional": arg.optional,
                "attr_name": arg.attr_name,
                "help": arg.help,
            }
            for arg in flux[name].get_arguments()
        ]
        for name in sorted(flux.task_names)
    }


TASKS = sorted(json.loads(ARGUMENTS.read_text())) if ARGUMENTS.exists() else []


def test_every_task_is_pinned() -> None:
    assert sorted(arguments()) == TASKS


def test_task_list_is_unchanged() -> None:
    assert invoke_output("--list") == (EXPECTED / "list.txt").read_text()


@pytest.mark.parametrize("task", TASKS)
def test_help_text_is_unchanged(task: str) -> None:
    assert invoke_output("--help", f"flux.{task}") == (EXPECTED / f"flux.{task}.txt").read_text()


def test_arguments_invoke_reads_are_unchanged() -> None:
    assert arguments() == json.loads(ARGUMENTS.read_text())


if __name__ == "__main__":  # rewrite the expected texts from the current code
    EXPECTED.mkdir(exist_ok=True)
    pinned = arguments()
    ARGUMENTS.write_text(json.dumps(pinned, indent=2) + "\n")
    (EXPECTED / "list.txt").write_text(invoke_output("--list"))
    for name in pinned:
        (EXPECTED / f"flux.{name}.txt").write_text(invoke_output("--help", f"flux.{name}"))
