"""Build each Flux object exactly as `flux create … --export` of the pinned version prints it.

`manifest_*` return plain dicts holding only what the CLI writes (omitted fields are simply
absent); `document` turns one into the exported text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config.model import Config, Dependency, HelmRelease, Kustomization, ObjectRef, Source
from ..config.sources import scheme_of
from ..config.types import positive
from ..errors import InputError
from ..flux import DEPENDS_ON, SOURCE_REF, STORAGE_NAMESPACE_MINOR, api_version, flux_minor
from ..yamlio.emit import dump


def _envelope(
    kind: str,
    name: str,
    namespace: str,
    version: str,
    spec: dict[str, Any],
    labels: Mapping[str, str],
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:  # `--label`; the metadata of an object without labels has none
        metadata["labels"] = dict(labels)
    return {
        "apiVersion": api_version(kind, version),
        "kind": kind,
        "metadata": metadata,
        "spec": spec,
    }


def _secret(name: str) -> dict[str, str]:
    return {"name": name}


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
        spec["secretRef"] = _secret(source.secret_ref)
    if source.ignore and source.kind != "HelmRepository":
        spec["ignore"] = source.ignore
    if source.kind == "GitRepository":
        _git_spec(source, spec)
    elif source.kind == "HelmRepository":
        # flux decides OCI on the scheme Go's url.Parse lower-cases, and prints the URL as given
        if scheme_of(source.url) == "oci":
            spec["type"] = "oci"
            if source.provider:
                spec["provider"] = source.provider
        if source.secret_ref and source.pass_credentials:
            spec["passCredentials"] = True
    elif source.kind == "OCIRepository":
        _oci_spec(source, spec)
    return _envelope(source.kind, source.name, source.namespace, version, spec, source.labels)


def _git_spec(source: Source, spec: dict[str, Any]) -> None:
    # flux picks one ref: commit (with its branch, if given), then semver, tag, branch.
    if source.commit:
        spec["ref"] = {"commit": source.commit}
        if source.branch:
            spec["ref"]["branch"] = source.branch
    else:
        _first_ref(source, ("semver", "tag", "branch"), spec)
    if source.sparse_checkout:
        spec["sparseCheckout"] = list(source.sparse_checkout)
    if source.recurse_submodules:
        spec["recurseSubmodules"] = True


def _first_ref(source: Source, keys: tuple[str, ...], spec: dict[str, Any]) -> None:
    """spec.ref: the first of `keys` the source sets (flux picks one in that order)."""
    value = next(((k, getattr(source, k)) for k in keys if getattr(source, k)), None)
    if value is not None:
        spec["ref"] = {value[0]: value[1]}


def _oci_spec(source: Source, spec: dict[str, Any]) -> None:
    spec["provider"] = source.provider or "generic"
    _first_ref(source, ("digest", "semver", "tag"), spec)
    if source.verify_provider:
        verify: dict[str, Any] = {"provider": source.verify_provider}
        if source.verify_secret_ref:
            verify["secretRef"] = _secret(source.verify_secret_ref)
        if source.verify_subject or source.verify_issuer:
            verify["matchOIDCIdentity"] = [
                {"issuer": source.verify_issuer or "", "subject": source.verify_subject or ""}
            ]
        spec["verify"] = verify


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
    if ks.service_account_name:
        spec["serviceAccountName"] = ks.service_account_name
    if ks.decryption_provider:  # flux drops --decryption-secret without a provider
        spec["decryption"] = {"provider": ks.decryption_provider}
        if ks.decryption_secret:
            spec["decryption"]["secretRef"] = _secret(ks.decryption_secret)
    if positive(ks.retry_interval):  # written only above zero
        spec["retryInterval"] = ks.retry_interval
    if ks.kube_config_secret_ref:
        spec["kubeConfig"] = {"secretRef": _secret(ks.kube_config_secret_ref)}
    return _envelope("Kustomization", ks.name, ks.namespace, version, spec, ks.labels)


def _health_check(ref: ObjectRef, version: str) -> dict[str, str]:
    out = _ref(ref)
    if ref.kind == "HelmRelease":
        out = {"apiVersion": api_version("HelmRelease", version), **out}
    return out


def manifest_helm_release(hr: HelmRelease, version: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": hr.interval}
    if hr.chart_ref is not None:  # instead of chart.spec (Flux v2.3+)
        spec["chartRef"] = _ref(hr.chart_ref)
    else:
        spec["chart"] = {"spec": _chart_spec(hr)}
    if hr.depends_on:
        spec[DEPENDS_ON] = _depends_on(hr.depends_on)
    install: dict[str, Any] = {}
    if hr.create_namespace:
        install["createNamespace"] = True
    if hr.crds:
        # flux writes install.crds: Create whatever --crds says, and --crds into upgrade.
        install["crds"] = "Create"
        spec["upgrade"] = {"crds": hr.crds}
    if install:
        spec["install"] = install
    if hr.release_name:
        spec["releaseName"] = hr.release_name
    if hr.target_namespace:
        spec["targetNamespace"] = hr.target_namespace
        if flux_minor(version) >= STORAGE_NAMESPACE_MINOR:  # it defaults the storage namespace
            spec["storageNamespace"] = hr.target_namespace
    if hr.values is not None:  # given values files print `values: {}` even when empty
        spec["values"] = hr.values
    if hr.values_from:
        spec["valuesFrom"] = [{"kind": v.kind, "name": v.name} for v in hr.values_from]
    if hr.service_account_name:
        spec["serviceAccountName"] = hr.service_account_name
    if hr.kube_config_secret_ref:
        spec["kubeConfig"] = {"secretRef": _secret(hr.kube_config_secret_ref)}
    return _envelope("HelmRelease", hr.name, hr.namespace, version, spec, hr.labels)


def _chart_spec(hr: HelmRelease) -> dict[str, Any]:
    """chart.spec: the chart and its source reference always appear (`name: ""` without
    --source)."""
    source = hr.source if hr.source is not None else ObjectRef("", "")
    chart_spec: dict[str, Any] = {
        "chart": hr.chart or "",
        "reconcileStrategy": hr.reconcile_strategy,
        SOURCE_REF: {"name": ""} if not source.kind else _ref(source),
    }
    if hr.version:
        chart_spec["version"] = hr.version
    if hr.chart_interval:
        chart_spec["interval"] = hr.chart_interval
    return chart_spec


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
