"""Shared fixtures: small project trees in tmp dirs, and running `invoke` as a user would."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests (tests/test_robust_*.py) run a fixed-seed profile by default, so CI is
# reproducible and quick; HYPOTHESIS_PROFILE=long explores many more random examples.
settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The signal tests need the signals a terminal sends to act as they do at a terminal. A
# suite started in the background (`cmd &` in a script ignores SIGINT) or under nohup
# (ignores SIGHUP) would inherit "ignored" for them: Python then installs no Ctrl-C
# handler, and every child (invoke, the fakes) would ignore them too. Restore the defaults,
# which the children inherit.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
for _sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    if signal.getsignal(_sig) == signal.SIG_IGN:
        signal.signal(_sig, signal.SIG_DFL)

PROJECT = Path(__file__).resolve().parent.parent
FAKES = Path(__file__).resolve().parent / "fakes"
BOILERPLATE = (PROJECT / "config" / "boilerplate.txt").read_text()

MINIMAL_CONFIG = """\
flux:
  version: v2.3.0
output:
  repoPath: clusters/prow
defaults:
  interval: 5m
clusters:
  canary: {context: prow-canary-cluster}
sources:
  - {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main}
kustomizations:
  - apps
"""


@dataclass
class Tree:
    """A project root: config/flux.yaml, config/boilerplate.txt, resources/."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config" / "flux.yaml"

    @property
    def resources(self) -> Path:
        return self.root / "resources"

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def write_config(self, text: str) -> Path:
        return self.write("config/flux.yaml", text)

    def folder(self, *names: str) -> None:
        for name in names:
            (self.resources / name).mkdir(parents=True, exist_ok=True)
            (self.resources / name / "namespace.yaml").write_text(
                f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"
            )

    def snapshot(self) -> dict[str, str]:
        """Path -> sha256 (and mtime) of every file under resources/: to prove nothing changed."""
        out = {}
        for path in sorted(self.resources.rglob("*")):
            if path.is_file() or path.is_symlink():
                data = path.read_bytes() if path.exists() else b"<dangling>"
                out[path.relative_to(self.root).as_posix()] = (
                    f"{hashlib.sha256(data).hexdigest()}:{path.lstat().st_mtime_ns}"
                )
            elif path.is_dir():
                out[path.relative_to(self.root).as_posix() + "/"] = "dir"
        return out

    def invoke(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return run_invoke(*args, config=self.config, env=env, timeout=timeout)


def run_invoke(
    *args: str, config: Path | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `invoke ARGS` from the project root as a subprocess, as a user would."""
    full_env = dict(os.environ)
    if config is not None:
        full_env["INVOKE_FLUX_CONFIG"] = str(config)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=PROJECT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    t = Tree(tmp_path / "project")
    t.write("config/boilerplate.txt", BOILERPLATE)
    t.write_config(MINIMAL_CONFIG)
    t.folder("apps")
    return t


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*/expected from the current renderer (review the diff!)",
    )
