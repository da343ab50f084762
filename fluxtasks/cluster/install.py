"""Install the committed Flux components on a cluster, then wait for the controllers.

The old `flux-install` target applied a path that had moved; this applies the configured
components file (through its folder's kustomization.yaml when there is one, so local
patches apply too) and refuses clearly when the file is missing.
"""

from __future__ import annotations

import math

from ..config.model import Config
from ..durations import format_duration
from ..errors import CheckFailed, CommandFailed, InputError
from ..flux import DEFAULT_NAMESPACE
from ..tree import KUSTOMIZATION_FILES
from .connection import Connection, Wait

# `kubectl rollout status --timeout=T` answers by itself after T; its own time limit adds
# this much, so that kubectl can say why it gave up before it is killed.
ROLLOUT_GRACE = 30.0


def require_components(config: Config) -> None:
    """Exit 4, with the command that regenerates it, when the components file is missing."""
    path = config.components_path
    if not path.is_file():
        raise InputError(
            f"{config.display(path)} is missing: generate it with `invoke flux.update --components` "
            f"(needs the flux CLI {config.flux_version} on PATH), then commit it"
        )


def components_source(config: Config) -> list[str]:
    """What to apply: `-k FOLDER` when the components file's folder holds a kustomization
    (so its patches apply too), else `-f FILE`."""
    require_components(config)
    path = config.components_path
    folder = path.parent
    if any((folder / name).is_file() for name in KUSTOMIZATION_FILES):
        return ["-k", str(folder)]
    return ["-f", str(path)]


def controllers(config: Config) -> list[str]:
    return [*config.components, *config.components_extra]


def install(config: Config, conn: Connection, wait: Wait, *, server_dry_run: bool = False) -> None:
    """Apply the components, then `kubectl rollout status` each controller, all of them
    within `wait.timeout` (kubectl polls by itself: `wait.interval` is not used)."""
    target, runner = conn.target, conn.runner
    result = runner.run(target.apply(*components_source(config), server_dry_run=server_dry_run))
    for line in result.stdout.splitlines():
        conn.say(line)
    if server_dry_run:
        return
    deadline = conn.clock.now() + wait.timeout
    for name in controllers(config):
        # a dry run waits for nothing: every controller is shown the whole timeout
        left = wait.timeout if conn.dry_run else deadline - conn.clock.now()
        seconds = max(1, math.ceil(left))
        rollout = target.kubectl(
            "rollout", "status", f"deployment/{name}", "-n", DEFAULT_NAMESPACE,
            f"--timeout={format_duration(seconds * 1_000_000_000)}",
        )  # fmt: skip
        try:
            runner.run(rollout, timeout=seconds + ROLLOUT_GRACE)
        except CommandFailed as exc:
            raise CheckFailed(f"{name} is not ready on {target.describe()}: {exc.detail}") from None
        if not conn.dry_run:
            conn.say(f"{name}: deployment ready")
    if not conn.dry_run:
        conn.say(f"Flux components installed on {target.describe()}")
