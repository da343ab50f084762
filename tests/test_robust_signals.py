"""Every signal at every phase: `flux.update` leaves resources/ exactly as before, never a
mix of old and new files, a 0-byte or a half file; SIGINT, SIGTERM and SIGHUP exit 130,
143 and 129; signals that arrive while the rollback runs wait until it has finished and
do not change the exit code. `flux.recover-hr` resumes what it suspended whichever signal
stops it. (A single SIGINT at each phase: tests/test_robust_faults.py.)

The child stops at each phase and holds there until the signal has landed (tests/phased.py),
so no delay is guessed and a loaded machine gives the same outcome.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from phased import Stage, finish, signal_group, start, wait_for
from test_cluster_tasks import CC, GET, RESUME_KARPENTER, SUSPEND_KARPENTER, Env, declared_ready, env, replace, template
from test_robust_faults import big_stale, fresh_copy, stale

from conftest import Tree
from fakecluster import stalled_hr

__all__ = ["big_stale", "env", "stale", "template"]  # fixtures, imported for pytest

SIGNALS = [(signal.SIGTERM, 143), (signal.SIGHUP, 129)]
SIGNAL_IDS = ["SIGTERM", "SIGHUP"]

# The phases of an update of the stale tree (tests/test_robust_faults.py): it creates two
# files in new folders, updates two, prunes two.
PHASES = {
    "load": ("open", "flux.yaml", 1),
    "plan": ("open", "boilerplate.txt", 1),
    "stage": ("open", ".yaml.fluxtasks-", 2),  # a temp file under resources/
    "link-new": ("os.link", "resources", 1),
    "swap": ("os.rename", "resources", 1),
    "prune": ("os.remove", "resources/", 3),  # after the 2 temp files of the new files
    "prune-last": ("os.remove", "resources/", 4),
}


def no_debris(tree: Tree) -> None:
    """Nothing of the run is left: no temp file under resources/, no lock at the root."""
    assert not [p for p in tree.resources.rglob("*") if ".fluxtasks-" in p.name]
    assert not (tree.root / ".fluxtasks.lock").exists()


# SIGTERM at every phase; SIGHUP (handled by the same code) at one phase of each kind:
# outside any critical section, during the swap, at its very last step.
CASES = [(phase, signal.SIGTERM, 143) for phase in PHASES] + [
    (phase, signal.SIGHUP, 129) for phase in ("plan", "swap", "prune-last")
]


@pytest.mark.parametrize(("phase", "signum", "code"), CASES, ids=[f"{p}-{signal.Signals(s).name}" for p, s, _ in CASES])
def test_sigterm_and_sighup_at_each_phase_change_nothing(
    stale: Tree, tmp_path: Path, phase: str, signum: int, code: int
) -> None:
    tree = fresh_copy(stale, tmp_path / "t")
    before = tree.snapshot()
    marker = tmp_path / "reached"
    proc = start(tree.config, [Stage(*PHASES[phase], str(marker))], "flux.update")
    wait_for(marker, proc)
    signal_group(proc, signum)
    out, err = finish(proc)
    assert proc.returncode == code, err
    assert err.splitlines()[-1] == "interrupted" and "Traceback" not in err
    assert tree.snapshot() == before
    no_debris(tree)


@pytest.mark.parametrize(("signum", "code"), SIGNALS, ids=SIGNAL_IDS)
def test_a_large_update_signalled_half_way_through_the_swap(
    big_stale: Tree, tmp_path: Path, signum: int, code: int
) -> None:
    tree = fresh_copy(big_stale, tmp_path / "t")
    before = tree.snapshot()
    marker = tmp_path / "reached"
    proc = start(tree.config, [Stage("os.rename", "resources", 300, str(marker))], "flux.update")
    wait_for(marker, proc)
    signal_group(proc, signum)
    out, err = finish(proc)
    assert proc.returncode == code, err
    assert tree.snapshot() == before
    no_debris(tree)


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        (signal.SIGINT, [signal.SIGINT], 130),  # Ctrl-C, and Ctrl-C again while it rolls back
        (signal.SIGTERM, [signal.SIGINT, signal.SIGHUP, signal.SIGTERM], 143),
        (signal.SIGHUP, [signal.SIGTERM], 129),
    ],
    ids=["ctrl-c-twice", "sigterm-then-three-more", "sighup-then-sigterm"],
)
def test_signals_during_the_rollback_wait_for_it(
    stale: Tree, tmp_path: Path, first: int, then: list[int], code: int
) -> None:
    """The first signal stops the swap after a file was replaced; the rollback starts with
    removing the temp files, and stops there until the next signals have landed: they are
    held, the rollback finishes, and the first signal's exit code stands."""
    tree = fresh_copy(stale, tmp_path / "t")
    before = tree.snapshot()
    swapped, rolling_back = tmp_path / "swapped", tmp_path / "rolling-back"
    stages = [
        Stage("os.rename", "resources", 1, str(swapped)),
        Stage("os.utime", ".tmp", 1, str(rolling_back)),  # restoring the replaced file
    ]
    proc = start(tree.config, stages, "flux.update")
    wait_for(swapped, proc)
    signal_group(proc, first)
    wait_for(rolling_back, proc)
    for signum in then:
        signal_group(proc, signum)
    out, err = finish(proc)
    assert proc.returncode == code, err
    assert err.splitlines()[-1] == "interrupted" and "Traceback" not in err
    assert tree.snapshot() == before
    no_debris(tree)


# ---------------------------------------------------------------- recover-hr


RECOVER = ("flux.recover-hr", "karpenter", "--cluster", "canary", "--interval", "10ms")


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGHUP, 129), (signal.SIGTERM, 143), (signal.SIGINT, 130)],
    ids=["SIGHUP", "SIGTERM", "SIGINT"],
)
def test_recover_hr_stopped_after_the_suspend_resumes_the_release(env: Env, signum: int, code: int) -> None:
    """`flux suspend` has suspended the release and hangs: the signal stops it (passed on to
    its process group), and the task resumes the release before it exits."""
    env.fake.seed(replace(declared_ready(), stalled_hr("karpenter")))
    proc = env.fake.start(*RECOVER, config=env.config, env={"FLUXTASKS_FAKE_HANG": "flux suspend"})
    try:
        wait_for(env.fake.marker, proc)
        hr = env.fake.obj("HelmRelease", "kube-system", "karpenter")
        assert hr is not None and hr["spec"]["suspend"] is True
        os.killpg(proc.pid, signum)  # the terminal's process group: invoke, not the fake
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == code, err
    assert env.fake.calls() == [CC, GET, SUSPEND_KARPENTER, RESUME_KARPENTER]
    assert "resumed HelmRelease kube-system/karpenter, which this task had suspended (interrupted)" in out
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    hr = env.fake.obj("HelmRelease", "kube-system", "karpenter")
    assert hr is not None and "suspend" not in hr["spec"]
