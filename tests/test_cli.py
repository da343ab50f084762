"""What a new admin meets at the command line before any task runs: an `invoke` outside the
virtualenv, a command line Invoke cannot parse, short flags, and `invoke --help flux.TASK`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import invoke
import pytest
from test_task_help import arguments

PROJECT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INVOKE_", "PROW_ENV"))}
    clean.update({"COLUMNS": "100", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "invoke", "--search-root", str(PROJECT), *args],
        cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def tasks() -> dict[str, list[dict[str, Any]]]:
    """Each task's arguments as Invoke reads them (test_task_help reads them once: Invoke
    hands each help text out only once)."""
    return arguments()


# ---------------------------------------------------------------- outside the virtualenv


def test_invoke_without_the_dependencies_says_how_to_install_in_one_line(tmp_path: Path) -> None:
    """An invoke whose Python has none of PyYAML, sh, jsonschema (site-packages off, only
    Invoke itself on the path): one line with the setup command, exit 2, no traceback."""
    package = Path(invoke.__file__).parent
    for found in [package, *package.parent.glob("invoke-*.dist-info")]:
        (tmp_path / found.name).symlink_to(found)
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from invoke.main import program; "
        f"program.run(['invoke', '--search-root', {str(PROJECT)!r}, 'flux.status'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "ModuleNotFoundError" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("fluxtasks needs the Python packages PyYAML, sh, jsonschema,")
    assert lines[0].endswith(
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/invoke --list"
    )


# ---------------------------------------------------------------- command-line errors: exit 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["flux.why"], "'flux.why' did not receive required positional arguments: 'kind', 'resource'; see invoke --help flux.why", id="missing-positionals"),
        pytest.param(["flux.suspend", "hr"], "'flux.suspend' did not receive required positional arguments: 'resource'; see invoke --help flux.suspend", id="missing-second-positional"),
        pytest.param(["flux.recover-hr"], "'flux.recover-hr' did not receive required positional arguments: 'release'; see invoke --help flux.recover-hr", id="recover-hr-without-release"),
        pytest.param(["flux.status", "--bogus"], "No idea what '--bogus' is!; see invoke --help flux.status", id="unknown-option"),
        pytest.param(["flux.watch", "--timeout"], "Flag <Argument: timeout (t)> needed value and was not given one!; see invoke --help flux.watch", id="option-without-value"),
        pytest.param(["flux.nope"], "No idea what 'flux.nope' is!; see invoke --list", id="unknown-task"),
    ],
)  # fmt: skip
def test_a_command_line_invoke_cannot_parse_is_exit_4(args: list[str], message: str) -> None:
    done = run(*args)
    assert done.returncode == 4, done.stderr
    assert done.stderr.strip() == message


def test_an_invalid_positional_is_exit_4_before_anything_runs() -> None:
    done = run("flux.why", "helmreleasez", "karpenter", "--cluster", "canary")
    assert done.returncode == 4
    assert done.stderr.startswith("unknown kind 'helmreleasez'; use one of: hr|helmrelease")


# ---------------------------------------------------------------- short flags and help


def test_a_short_flag_means_the_same_option_in_every_task() -> None:
    meaning: dict[str, set[str]] = {}
    for args in tasks().values():
        for arg in args:
            for short in arg["names"][1:]:
                meaning.setdefault(short, set()).add(arg["names"][0])
    assert {k: v for k, v in meaning.items() if len(v) > 1} == {}
    # the common ones, as a user types them
    assert {k: v.pop() for k, v in meaning.items() if k in "cndkotir"} == {
        "c": "cluster", "n": "namespace", "d": "dry-run", "k": "kind", "o": "output",
        "t": "timeout", "i": "interval", "r": "release",
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(tasks()))
def test_help_names_the_positionals_and_shows_an_example(name: str) -> None:
    done = run("--help", f"flux.{name}")
    assert done.returncode == 0, done.stderr
    docstring = done.stdout.split("Docstring:", 1)[1].split("Options:", 1)[0]
    positionals = [a["names"][0] for a in tasks()[name] if a["positional"]]
    usage = [line.strip() for line in docstring.splitlines() if line.strip().startswith(f"invoke flux.{name}")]
    for positional in positionals:
        assert any(positional.upper() in line for line in usage), (positional, docstring)
    assert "Example:" in docstring, docstring
    assert f"invoke flux.{name}" in docstring.split("Example:", 1)[1], docstring


# ---------------------------------------------------------------- docs


@pytest.mark.parametrize(
    ("target", "task"),
    [
        ("make flux-install", "invoke flux.install"),
        ("make flux-apply-sources", "invoke flux.apply-sources"),
        ("make flux-apply-kustomizations", "invoke flux.apply-kustomizations"),
        ("make flux-apply-helm-releases", "invoke flux.apply-helm-releases"),
        ("make flux-apply-all", "invoke flux.apply "),
        ("make flux-update", "invoke flux.update"),
        ("make flux-update-with-gotk", "invoke flux.update --components"),
        ("PROW_ENV", "--cluster"),
    ],
)
def test_migration_maps_each_make_target_to_its_task(target: str, task: str) -> None:
    rows = [
        line for line in (PROJECT / "docs" / "migration.md").read_text().splitlines()
        if line.startswith(f"| `{target}")
    ]
    assert rows, f"docs/migration.md has no row for {target}"
    assert task in rows[0].split(" | ", 1)[1]


@pytest.mark.parametrize("args", [["--list"], ["--help", "flux.status"]])
def test_a_reader_that_went_away_ends_the_run_without_a_traceback(args: list[str]) -> None:
    """`invoke --list | head`: the pipe is closed while Invoke still prints."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, whatever the pipe's buffer holds
    try:
        done = subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=PROJECT, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 1
