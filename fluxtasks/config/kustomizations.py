"""`kustomizations:`: the Kustomization table (`flux create kustomization`) and its rules."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from yaml.nodes import Node

from ..flux import KS_SOURCE_KINDS, SOURCE_REF, flux_path
from ..tree import local_folder
from .common import (
    INTERVAL,
    KUBECONFIG_SECRET,
    LABELS_ROW,
    NAMESPACE,
    depends_on,
    output,
    service_account,
    target_namespace,
)
from .fields import (
    REQUIRED,
    Default,
    Defaults,
    Entry,
    Field,
    Rule,
    Section,
    ValueType,
)
from .model import Kustomization
from .refs import HEALTH_CHECKS, source_ref
from .types import BOOL, DURATION, DURATION_OR_ZERO, NAME, SECRET_NAME, enum

HEALTH_TIMEOUT = "2m0s"  # flux's --health-check-timeout default
DECRYPTION_PROVIDERS = ("sops",)  # `flux create ks --decryption-provider`


def _path(entry: Entry, node: Node, where: str) -> str | None:
    raw = entry.reader.string(node, where, allow_empty=True)
    return None if raw is None else flux_path(raw)


def _same_path(sub: str, old: Any, new: Any, _values: Mapping[str, Any]) -> bool:
    """A path flux would write in another form (`apps` for `./apps`)."""
    return sub == "" and isinstance(old, str) and flux_path(old) == new


def _repo_folder(values: Mapping[str, Any], defaults: Defaults) -> str | None:
    """./REPOPATH/NAME: the folder named after the Kustomization."""
    name = values.get("name")
    if defaults.repo_path is None or not name:
        return None
    return flux_path(f"{defaults.repo_path}/{name}")


def _health_timeout(values: Mapping[str, Any], _defaults: Defaults) -> str | None:
    return HEALTH_TIMEOUT if values.get("wait") or values.get("health_checks") else None


def _folder_exists(entry: Entry) -> None:
    """The folder of resourcesDir that the path syncs must exist (when it lies in there)."""
    if "path" in entry.nodes:
        local = local_folder(entry.values["path"], entry.doc.defaults.repo_path)
        key = "path"
    else:
        local, key = entry.values["name"], "name"
    entry.values["local_dir"] = local
    if local is not None and not (entry.doc.resources_dir / local).is_dir():
        shown = posixpath.join(entry.doc.resources_rel, local)
        entry.error(key, f"folder {shown!r} does not exist; create it or set path")


def _source_given(entry: Entry) -> None:
    if "source" in entry.nodes or entry.values["source"] is not None:
        return
    if entry.doc.broken_sources:
        entry.fail("source")  # the broken source is reported; a default may come back with it
        return
    entry.reader.error(
        entry.nodes["name"],
        f"{entry.path}.source",
        "no source given and no default: set defaults.kustomizationSource or declare exactly one GitRepository",
    )


def _no_health_checks_with_wait(entry: Entry) -> None:
    if entry.values["wait"] and "healthChecks" in entry.nodes:
        entry.error(
            "healthChecks",
            "Flux ignores healthChecks when wait is true (wait checks every object); drop one of them",
        )


REPOSITORY_PATH = ValueType(
    "repository path",
    {"type": "string"},
    _path,
    from_manifest=lambda raw, _: flux_path(raw) if isinstance(raw, str) else None,
    same_meaning=_same_path,
)
NO_HEALTH_CHECKS_WITH_WAIT = Rule(
    _no_health_checks_with_wait,
    {
        "allOf": [
            {
                "if": {"properties": {"wait": {"const": True}}, "required": ["wait"]},
                "then": {"not": {"required": ["healthChecks"]}},
            }
        ]
    },
)


def _decryption_secret_needs_provider(entry: Entry) -> None:
    """flux create ks writes --decryption-secret only with --decryption-provider."""
    if "decryptionSecret" in entry.nodes and "decryptionProvider" not in entry.nodes:
        entry.error("decryptionSecret", "needs decryptionProvider (sops)")


DECRYPTION = Rule(
    _decryption_secret_needs_provider,
    {"allOf": [{"dependencies": {"decryptionSecret": ["decryptionProvider"]}}]},
)

KUSTOMIZATION = Section("kustomizations", "Kustomization", Kustomization, fields=(
    Field("name", NAME, REQUIRED, "NAME", "metadata.name",
          "Name of the Kustomization (and its default folder)."),
    NAMESPACE,
    Field("path", REPOSITORY_PATH, Default(_repo_folder), "--path", "spec.path",
          "Path inside the synced repository (default ./REPOPATH/NAME); one under repoPath must exist as a folder of resourcesDir."),
    Field("source", source_ref(KS_SOURCE_KINDS, "GitRepository"), Default(lambda _, d: d.ks_source), "--source", f"spec.{SOURCE_REF}",
          "[Kind/]name[.namespace] of the source (default: defaults.kustomizationSource)."),
    INTERVAL,
    Field("prune", BOOL, True, "--prune", "spec.prune",
          "Garbage-collect removed objects (default true)."),
    depends_on("Kustomizations"),
    target_namespace("Namespace every object is put in."),
    Field("wait", BOOL, False, "--wait", "spec.wait",
          "Wait for every applied object to be ready (timeout default 2m0s)."),
    Field("healthChecks", HEALTH_CHECKS, (), "--health-check", "spec.healthChecks",
          "Kind/name.namespace of objects whose readiness is checked; not with wait."),
    Field("timeout", DURATION, Default(_health_timeout, own=True), "--health-check-timeout", "spec.timeout",
          "Timeout of the health checks."),
    Field("retryInterval", DURATION_OR_ZERO, None, "--retry-interval", "spec.retryInterval",
          "How soon a failed reconciliation is retried (default: interval); written when above zero."),
    service_account("Kustomization"),
    Field("decryptionProvider", enum(DECRYPTION_PROVIDERS, "must be one of {choices}"), None, "--decryption-provider", "spec.decryption.provider",
          "Decrypt Secrets with this provider (sops) before applying."),
    Field("decryptionSecret", SECRET_NAME, None, "--decryption-secret", "spec.decryption.secretRef.name",
          "Secret holding the decryption keys; needs decryptionProvider."),
    KUBECONFIG_SECRET,
    LABELS_ROW,
    output("Kustomization",
           "Output file relative to output.resourcesDir (default flux-system/flux-ks-NAME.yaml)."),
), rules=(Rule(_folder_exists), Rule(_source_given), NO_HEALTH_CHECKS_WITH_WAIT, DECRYPTION),
   help="Flux Kustomizations, one per synced folder.",
   shorthand="name", shorthand_help="A folder of resourcesDir; the Kustomization gets every default.",
   item_help="A folder name of resourcesDir (all defaults), or a map.",
   gates=("name", "namespace", "path"))  # fmt: skip
