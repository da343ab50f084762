"""Install the committed Flux components on a cluster, then wait for the controllers.

The old `flux-install` target applied a path that had moved; this applies the configured
components file (through its folder's kustomization.yaml when there is one, so local
patches apply too) and refuses clearly when the file is missing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ..cluster.target import ClusterTarget
from ..config.model import Config
from ..durations import format_duration
from ..errors import CheckFailed, CommandFailed, InputError
from ..flux import DEFAULT_NAMESPACE
from ..runner import Runner
from ..tree import KUSTOMIZATION_FILES


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


def install(
    config: Config,
    target: ClusterTarget,
    runner: Runner,
    *,
    timeout: float,
    server_dry_run: bool = False,
    say: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Apply the components, then `kubectl rollout status` each controller within `timeout`."""
    argv = target.apply(*components_source(config), server_dry_run=server_dry_run)
    result = runner.run(argv)
    for line in result.stdout.splitlines():
        say(line)
    if server_dry_run:
        return
    deadline = clock() + timeout
    for name in controllers(config):
        remaining = max(1, math.ceil(deadline - clock()))
        wait = target.kubectl(
            "rollout", "status", f"deployment/{name}", "-n", DEFAULT_NAMESPACE,
            f"--timeout={format_duration(remaining * 1_000_000_000)}",
        )  # fmt: skip
        try:
            runner.run(wait)
        except CommandFailed as exc:
            raise CheckFailed(f"{name} is not ready on {target.describe()}: {exc.detail}") from None
        if not runner.dry_run:
            say(f"{name}: deployment ready")
