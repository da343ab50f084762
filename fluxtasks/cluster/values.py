"""Push per-cluster Helm values into the ConfigMaps HelmReleases read (`clusterValues`).

The values differ per cluster, so they cannot live in the shared manifests Flux syncs;
the old script pushed them to whatever the current context was while *generating* files.
Here they go only to the selected, context-checked cluster: the ConfigMap is rendered by
`kubectl create configmap --dry-run=client -o yaml` (kubectl's own encoding of the file)
and applied server-side from stdin — no shell pipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config.model import Config, HelmRelease
from ..errors import InputError
from .connection import Connection
from .target import ClusterTarget

VALUES_KEY = "values.yaml"


@dataclass(frozen=True)
class ValuesPush:
    release: HelmRelease
    config_map: str
    namespace: str
    file: Path


def plan_values(config: Config, cluster: str, release: str | None = None) -> list[ValuesPush]:
    """The ConfigMaps to push for `cluster`, optionally only those of one release."""
    candidates = [hr for hr in config.helm_releases if hr.cluster_values is not None]
    if release is not None:
        chosen = [hr for hr in candidates if hr.name == release]
        if not chosen:
            names = ", ".join(sorted({hr.name for hr in candidates})) or "none"
            raise InputError(
                f"no HelmRelease {release!r} with clusterValues (releases with clusterValues: {names})"
            )
        candidates = chosen
    pushes: list[ValuesPush] = []
    missing: list[str] = []
    for hr in candidates:
        values = hr.cluster_values
        assert values is not None
        path = config.root / values.file_for(cluster)
        if not path.is_file():
            missing.append(
                f"{config.display(path)}: missing values file of HelmRelease {hr.namespace}/{hr.name} "
                f"for cluster {cluster}"
            )
            continue
        pushes.append(ValuesPush(hr, values.config_map, hr.namespace, path))
    if missing:
        raise InputError(*missing)
    return pushes


def render_argv(target: ClusterTarget, push: ValuesPush) -> list[str]:
    return target.kubectl(
        "create", "configmap", push.config_map,
        f"--from-file={VALUES_KEY}={push.file}",
        "-n", push.namespace, "--dry-run=client", "-o", "yaml",
    )  # fmt: skip


def apply_values(
    config: Config, conn: Connection, *, release: str | None = None, server_dry_run: bool = False
) -> list[ValuesPush]:
    """Render and server-side apply each values ConfigMap; returns what was pushed."""
    target, runner = conn.target, conn.runner
    pushes = plan_values(config, target.cluster, release)
    if not pushes:
        conn.say("no HelmRelease declares clusterValues: nothing to push")
    for push in pushes:
        rendered = runner.run(render_argv(target, push)).stdout
        result = runner.run(target.apply("-f", "-", server_dry_run=server_dry_run), input=rendered)
        for line in result.stdout.splitlines():
            conn.say(line)
        if not runner.dry_run:
            conn.say(
                f"pushed {config.display(push.file)} to ConfigMap {push.namespace}/{push.config_map} "
                f"(key {VALUES_KEY}) of HelmRelease {push.release.name} on {target.describe()}"
            )
    return pushes
