"""Which declared objects need another one, so `flux.remove` never leaves a reference to
nothing, and whether a file lies where some Kustomization deploys it."""

from __future__ import annotations

import posixpath

from ..flux import DEPENDS_ON, NAME_RE, SOURCE_KINDS
from .kustomizations import KUSTOMIZATION
from .model import Config, Dependency, Kustomization, ObjectRef

_HEALTH_CHECKS = next(f.key for f in KUSTOMIZATION.fields if f.attr == "health_checks")


def dependents(config: Config, kind: str, namespace: str, name: str) -> list[str]:
    """One phrase per declared object that names `kind namespace/name`: as a dependency,
    its source, or a health check."""
    out: list[str] = []
    if kind in SOURCE_KINDS:
        users: list[tuple[str, str, str, ObjectRef | None]] = [
            ("Kustomization", k.namespace, k.name, k.source) for k in config.kustomizations
        ]
        for h in config.helm_releases:
            users += [("HelmRelease", h.namespace, h.name, ref) for ref in (h.source, h.chart_ref)]
        for user_kind, ns, user, ref in users:
            if ref is not None and (ref.kind, ref.namespace or ns, ref.name) == (
                kind,
                namespace,
                name,
            ):
                out.append(f"{user_kind} {ns}/{user} uses it as its source")
    if kind == "Kustomization":
        for ks in config.kustomizations:
            if _names(ks.depends_on, ks.namespace, namespace, name):
                out.append(f"Kustomization {ks.namespace}/{ks.name} lists it in {DEPENDS_ON}")
    if kind == "HelmRelease":
        for hr in config.helm_releases:
            if _names(hr.depends_on, hr.namespace, namespace, name):
                out.append(f"HelmRelease {hr.namespace}/{hr.name} lists it in {DEPENDS_ON}")
        for ks in config.kustomizations:
            checks = {(c.kind, c.namespace, c.name) for c in ks.health_checks}
            if (kind, namespace, name) in checks:
                out.append(f"Kustomization {ks.namespace}/{ks.name} lists it in {_HEALTH_CHECKS}")
    return out


def _names(deps: tuple[Dependency, ...], own: str, namespace: str, name: str) -> bool:
    """Whether one of `deps` (of an object in namespace `own`) is namespace/name."""
    return any((d.namespace or own, d.name.split("@", 1)[0]) == (namespace, name) for d in deps)


def deployed(config: Config, file: str, *, without: Kustomization | None = None) -> bool:
    """Whether `file` (relative to resourcesDir) lies in a folder some Kustomization
    (other than `without`) syncs."""
    folder = posixpath.dirname(file)
    for ks in config.kustomizations:
        synced = ks.local_dir if ks != without else None
        if synced is not None and (
            synced == "" or folder == synced or folder.startswith(synced + "/")
        ):
            return True
    return False


def undeployed(config: Config, file: str) -> tuple[str, ...]:
    """A warning when no Kustomization deploys `file`: Flux would never apply it."""
    if deployed(config, file):
        return ()
    shown = config.display(config.resources_dir / file)
    folder = posixpath.dirname(file) or "."
    base = posixpath.basename(file)
    add = f" (`invoke flux.add-kustomization {folder}`)" if NAME_RE.match(folder) else ""
    return (
        f"warning: {shown} lies in no Kustomization's folder, so Flux will not deploy it: "
        f"pass --file FOLDER/{base} with a synced folder, or add a Kustomization for "
        f"{folder}{add}",
    )
