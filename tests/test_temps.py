"""fluxtasks.files.temps: recognisable temp names, and the ones dead runs left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fluxtasks.files import temps
from fluxtasks.files.temps import (
    NAME_MAX,
    find_stale_temps,
    is_stale_temp,
    name_fits,
    process_alive,
    remove_stale_temps,
    temp_path,
)

PROJECT = Path(__file__).resolve().parent.parent
OTHER_TOKEN = "0badc0de"


def reaped_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """A process that runs until the test ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    yield proc.pid
    proc.communicate(timeout=240)


def temp_name(target: str, pid: int, token: str = OTHER_TOKEN) -> str:
    return f".{target}.fluxtasks-{pid}-{token}.tmp"


def test_a_temp_file_sits_beside_its_target_under_a_recognisable_name(tmp_path: Path) -> None:
    target = tmp_path / "flux-system" / "flux-ks-apps.yaml"
    temp = temp_path(target)
    assert temp.parent == target.parent
    assert temp.name == temp_name("flux-ks-apps.yaml", os.getpid(), temps.TOKEN)
    assert not temp.name.endswith((".yaml", ".yml", ".json"))  # never a manifest to Flux
    assert not is_stale_temp(temp.name)  # this run's own


def test_name_fits_counts_the_temp_names_bytes() -> None:
    longest = NAME_MAX - len(temp_name("", 4_294_967_295, temps.TOKEN))
    assert longest > 200
    assert name_fits("x" * longest)
    assert not name_fits("x" * (longest + 1))
    assert not name_fits("é" * (longest // 2 + 1))  # bytes, not characters
    assert len(temp_path(Path("x" * longest)).name.encode()) <= NAME_MAX


def test_process_alive() -> None:
    assert process_alive(os.getpid())
    assert not process_alive(reaped_pid())
    for impossible in (0, -1, 2**70):
        assert not process_alive(impossible)


def test_is_stale_temp(live_pid: int) -> None:
    dead = reaped_pid()
    assert is_stale_temp(temp_name("a.yaml", dead))
    assert not is_stale_temp(temp_name("a.yaml", live_pid))
    assert not is_stale_temp(temp_name("a.yaml", os.getpid(), temps.TOKEN))
    assert is_stale_temp(temp_name("a.yaml", os.getpid()))  # an earlier process with our pid
    for other in (
        "a.yaml",
        f".a.yaml.{dead}-{OTHER_TOKEN}.tmp",  # the old scheme, without the word
        f".a.yaml.fluxtasks-{dead}-nothex00.tmp",
        f".a.yaml.fluxtasks-{dead}-{OTHER_TOKEN}.tmp.yaml",
        f"a.yaml.fluxtasks-{dead}-{OTHER_TOKEN}.tmp",
    ):
        assert not is_stale_temp(other), other


def test_find_and_remove_the_temp_files_of_ended_runs(tmp_path: Path, live_pid: int) -> None:
    dead = reaped_pid()
    tree = tmp_path / "resources"
    (tree / "apps" / "deep").mkdir(parents=True)
    stale = [
        tree / temp_name("flux-ks-apps.yaml", dead),
        tree / "apps" / "deep" / temp_name("x.yaml", dead),
        tree / "apps" / temp_name("y.yaml", os.getpid()),
    ]
    kept = [
        tree / temp_name("flux-ks-live.yaml", live_pid),  # its writer still runs
        tree / temp_name("mine.yaml", os.getpid(), temps.TOKEN),
        tree / "flux-ks-apps.yaml",
        tree / ".hidden.yaml",
    ]
    for path in stale + kept:
        path.write_text("x")
    os.mkfifo(tree / temp_name("fifo.yaml", dead))  # not a file any run of ours made
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / temp_name("z.yaml", dead)).write_text("x")
    (tree / "linked").symlink_to(outside)  # symlinked folders are not followed
    (tree / temp_name("link.yaml", dead)).symlink_to(outside / temp_name("z.yaml", dead))

    assert find_stale_temps(tree) == sorted(stale)
    assert remove_stale_temps(tree) == sorted(stale)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)
    assert (outside / temp_name("z.yaml", dead)).exists()
    assert find_stale_temps(tree) == []


def test_a_missing_folder_has_no_stale_temps(tmp_path: Path) -> None:
    assert find_stale_temps(tmp_path / "missing") == []


WRITER = """
import sys
from pathlib import Path
from fluxtasks.files.temps import temp_path

temp = temp_path(Path(sys.argv[1]))
temp.write_text("half a manifest")
print(temp.name, flush=True)
sys.stdin.read()  # killed here
"""


def test_a_killed_writers_temp_file_is_found(tmp_path: Path) -> None:
    """The issue's case: SIGKILL while staging leaves a temp file that a later run finds."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "flux-hr-x.yaml")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )  # fmt: skip
    assert proc.stdout is not None
    name = proc.stdout.readline().strip()
    assert find_stale_temps(tmp_path) == []  # its writer still runs
    proc.kill()
    proc.wait(timeout=240)
    assert name == temp_name("flux-hr-x.yaml", proc.pid, name[-12:-4])
    assert find_stale_temps(tmp_path) == [tmp_path / name]
