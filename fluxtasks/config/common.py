"""Rows that several Flux kinds share, declared once for all their tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..flux import DEFAULT_NAMESPACE, DEPENDS_ON, KINDS
from .fields import Default, Defaults, Field
from .refs import DEPENDENCIES
from .types import DURATION, LABELS, NAME, SECRET_NAME, SERVICE_ACCOUNT, output_file

NAMESPACE_DEFAULT = Default(lambda _values, d: d.namespace)

NAMESPACE = Field(
    "namespace",
    NAME,
    NAMESPACE_DEFAULT,
    "--namespace",
    "metadata.namespace",
    "Namespace (default: defaults.namespace).",
)

INTERVAL = Field(
    "interval",
    DURATION,
    Default(lambda _values, d: d.interval),
    "--interval",
    "spec.interval",
    "Reconcile interval (default: defaults.interval).",
)


def depends_on(plural: str) -> Field:
    return Field(
        DEPENDS_ON,
        DEPENDENCIES,
        (),
        "--depends-on",
        f"spec.{DEPENDS_ON}",
        f"{plural} that must be ready first.",
    )


def target_namespace(help: str) -> Field:
    return Field("targetNamespace", NAME, None, "--target-namespace", "spec.targetNamespace", help)


def output(kind: str, help: str, *, in_own_namespace: bool = False) -> Field:
    """The `file` row: where the object is written, by default `flux-system/` (or its own
    namespace's folder) and the kind's file name."""

    def default(values: Mapping[str, Any], _defaults: Defaults) -> str | None:
        name = values.get("name")
        folder = values.get("namespace") if in_own_namespace else DEFAULT_NAMESPACE
        if name is None or folder is None:
            return None
        return f"{folder}/{KINDS[kind].file_name(name)}"

    return Field("file", output_file(KINDS[kind].files.name), Default(default, own=True), help=help)


LABELS_ROW = Field(
    "labels",
    LABELS,
    {},
    "--label",
    "metadata.labels",
    "Labels of the object (label key: value, `flux create --label`).",
)


def service_account(kind: str) -> Field:
    return Field(
        "serviceAccountName",
        SERVICE_ACCOUNT,
        None,
        "--service-account",
        "spec.serviceAccountName",
        f"ServiceAccount to impersonate when reconciling this {kind}.",
    )


KUBECONFIG_SECRET = Field(
    "kubeConfigSecretRef",
    SECRET_NAME,
    None,
    "--kubeconfig-secret-ref",
    "spec.kubeConfig.secretRef.name",
    "Secret holding the kubeconfig of a remote cluster to apply to.",
)
