"""Build each Flux object exactly as `flux create … --export` of the pinned version prints it.

`manifest_*` return plain dicts holding only what the CLI writes (omitted fields are simply
absent); `document` turns one into the exported text.
"""

from __future__ import annotations

from typing import Any

from ..config.model import Config, Dependency, HelmRelease, Kustomization, ObjectRef, Source
from ..errors import InputError
from ..flux import DEPENDS_ON, SOURCE_REF, api_version, flux_minor
from ..yamlio.emit import dump


def _envelope(
    kind: str, name: str, namespace: str, version: str, spec: dict[str, Any]
) -> dict[str, Any]:
    return {
        "apiVersion": api_version(kind, version),
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _ref(ref: ObjectRef) -> dict[str, str]:
    out = {"kind": ref.kind, "name": ref.name}
    if ref.namespace:
        out["namespace"] = ref.namespace
    return out


def _depends_on(deps: tuple[Dependency, ...]) -> list[dict[str, str]]:
    return [{"name": d.name, **({"namespace": d.namespace} if d.namespace else {})} for d in deps]


def manifest_source(source: Source, version: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": source.interval, "url": source.url}
    if source.secret_ref:
        spec["secretRef"] = {"name": source.secret_ref}
    if source.kind == "GitRepository":
        if source.ignore:
            spec["ignore"] = source.ignore
        # flux picks one ref: commit, then semver, then tag, then branch.
        for key in ("commit", "semver", "tag", "branch"):
            value = getattr(source, key)
            if value:
                spec["ref"] = {key: value}
                break
    elif source.kind == "HelmRepository":
        if source.url.startswith("oci://"):
            spec["type"] = "oci"
    elif source.kind == "OCIRepository":
        spec["provider"] = source.provider or "generic"
        for key in ("digest", "semver", "tag"):
            value = getattr(source, key)
            if value:
                spec["ref"] = {key: value}
                break
    return _envelope(source.kind, source.name, source.namespace, version, spec)


def manifest_kustomization(ks: Kustomization, version: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": ks.interval,
        "path": ks.path,
        "prune": ks.prune,  # always written, even false
        SOURCE_REF: _ref(ks.source),
    }
    if ks.depends_on:
        spec[DEPENDS_ON] = _depends_on(ks.depends_on)
    if ks.target_namespace:
        spec["targetNamespace"] = ks.target_namespace
    if ks.wait:
        spec["wait"] = True
    elif ks.health_checks:  # flux applies health checks only without --wait
        spec["healthChecks"] = [_health_check(h, version) for h in ks.health_checks]
    if ks.timeout and (ks.wait or ks.health_checks):
        spec["timeout"] = ks.timeout
    return _envelope("Kustomization", ks.name, ks.namespace, version, spec)


def _health_check(ref: ObjectRef, version: str) -> dict[str, str]:
    out = _ref(ref)
    if ref.kind == "HelmRelease":
        out = {"apiVersion": api_version("HelmRelease", version), **out}
    return out


def manifest_helm_release(hr: HelmRelease, version: str) -> dict[str, Any]:
    chart_spec: dict[str, Any] = {
        "chart": hr.chart,
        "reconcileStrategy": "ChartVersion",
        SOURCE_REF: _ref(hr.source),
    }
    if hr.version:
        chart_spec["version"] = hr.version
    spec: dict[str, Any] = {"chart": {"spec": chart_spec}, "interval": hr.interval}
    if hr.depends_on:
        spec[DEPENDS_ON] = _depends_on(hr.depends_on)
    if hr.crds:
        # flux writes install.crds: Create whatever --crds says, and --crds into upgrade.
        spec["install"] = {"crds": "Create"}
        spec["upgrade"] = {"crds": hr.crds}
    if hr.release_name:
        spec["releaseName"] = hr.release_name
    if hr.target_namespace:
        spec["targetNamespace"] = hr.target_namespace
        if flux_minor(version) >= 7:  # v2.7 also defaults the storage namespace to it
            spec["storageNamespace"] = hr.target_namespace
    if hr.values is not None:  # given values files print `values: {}` even when empty
        spec["values"] = hr.values
    if hr.values_from:
        spec["valuesFrom"] = [{"kind": v.kind, "name": v.name} for v in hr.values_from]
    return _envelope("HelmRelease", hr.name, hr.namespace, version, spec)


def document(manifest: dict[str, Any]) -> str:
    """The exported text: `---`, the YAML, one trailing newline.

    Like the CLI, the object is marshalled with an empty `status: {}` and the first
    occurrence of that line is then cut out.
    """
    return _export(manifest)[0]


def _export(manifest: dict[str, Any]) -> tuple[str, str | None]:
    """`document()`, and why the CLI's text edits would change the object's data, if they
    would: they cut the first `status: {}` line wherever it is, and trim the end."""
    marshalled = dump({**manifest, "status": {}})
    cut = marshalled.replace("status: {}\n", "", 1)
    intended = marshalled[: -len("status: {}\n")]  # the object's own status: the last line
    problem = None
    if cut != intended:
        problem = "its values hold a `status: {}` line, and flux cuts the first one, not its own"
    elif cut.rstrip() + "\n" != cut:
        problem = "its last value ends with blank lines, and flux trims the manifest's end"
    return "---\n" + cut.strip() + "\n", problem


def render_all(config: Config) -> dict[str, str]:
    """File (relative to resources_dir) -> exported document, for every declared object.

    A HelmRelease whose values the CLI's text edits would change is refused rather than
    written byte-identical but meaning something else.
    """
    version = config.flux_version
    out: dict[str, str] = {}
    for source in config.sources:
        out[source.file] = document(manifest_source(source, version))
    for ks in config.kustomizations:
        out[ks.file] = document(manifest_kustomization(ks, version))
    problems: list[str] = []
    for hr in config.helm_releases:
        out[hr.file], problem = _export(manifest_helm_release(hr, version))
        if problem is not None:
            problems.append(
                f"{config.display(config.path)}: HelmRelease {hr.namespace}/{hr.name}: {problem}: "
                "the manifest flux create --export writes would lose data; change that value"
            )
    if problems:
        raise InputError(*problems)
    return out
