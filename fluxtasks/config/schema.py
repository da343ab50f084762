"""JSON Schema (draft-07) of config/flux.yaml, for editors, built from the loader's own rules.

Keys, types, enums, name/duration/URL/reference formats and the cross-key rules a schema
can state (exactly one Git/OCI ref, per-kind source keys, `source-watcher` only from
Flux v2.7, no `healthChecks` with `wait`) come from the constants in `config_loader`, so
the two cannot drift apart silently; tests/test_schema.py compares their verdicts.

What only the loader checks, because it needs more than one document's structure:

* references: a `source`, `dependsOn` entry or `defaults.kustomizationSource` without a
  namespace must name an object declared in the same file;
* the disk: resourcesDir, the header, every Kustomization folder and values file must
  exist (values files must hold a YAML mapping); repoPath may come from `git`;
* uniqueness: duplicate objects, two objects writing one file, duplicate YAML keys,
  `valuesFrom` entries that differ only in the kind's case; YAML aliases are refused;
* paths after normalisation: a `..` in the middle that climbs out (`a/../../b`), a
  `clusterValues.file` inside resourcesDir, `{cluster}` with no clusters declared;
* a duration too long for Go (over about 292 years), a URL that Python cannot split
  (an unclosed IPv6 bracket), digits outside ASCII;
* characters: the schema refuses control characters in paths and in the marker, the
  loader also any character a YAML file or a Flux manifest cannot carry, and a marker
  that is not printable text (format characters, spaces other than ' ').

Regular expressions are written so that both Python (`jsonschema`) and the ECMA-262
engines of editors read them alike: no inline flags, `[Xx]` classes for the
case-insensitive kinds.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from ..config.loader import (
    ANY_SOURCE_KEYS,
    CRDS_POLICIES,
    GIT_REFS,
    HEALTH_CHECK_KINDS,
    HR_KEYS,
    KS_KEYS,
    OCI_PROVIDERS,
    OCI_REFS,
    SOURCE_KEYS,
    VALUES_FROM_KINDS,
)
from ..errors import InputError
from ..files.atomic import apply_plan
from ..files.plan import FileChange, Plan
from ..flux import (
    EXTRA_COMPONENTS,
    FILE_GROUPS,
    HR_SOURCE_KINDS,
    KNOWN_COMPONENTS,
    KS_SOURCE_KINDS,
    NAME_RE,
    SOURCE_KINDS,
    SOURCE_WATCHER_MINOR,
    SUBDOMAIN_RE,
    extra_components,
)

SCHEMA_FILE = "flux.schema.json"  # beside config/flux.yaml, as its first line references it
DRAFT = "http://json-schema.org/draft-07/schema#"
# The end of the text in both engines: Python's `$` also matches before a final newline.
END = r"$(?!\n)"
DURATION = r"^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)" + END
# Flux v2.0-v2.9: the loader reads the minor as a number, so v2.03.0 is v2.3.0.
VERSION = r"^v2\.0*[0-9]\.[0-9]+(-[0-9A-Za-z.-]+)?" + END
BEFORE_V2_7 = r"^v2\.0*[0-6]\."
URL_SCHEMES = {
    "GitRepository": ("http", "https", "ssh"),
    "HelmRepository": ("http", "https", "oci"),
    "OCIRepository": ("oci",),
}
ABSOLUTE = r"^(/|[A-Za-z]:[\\/])"
# ".", "..", "./..", "../x": what normalises to the base folder itself or climbs out first.
ESCAPES = rf"^((\.[/\\])*\.\.([/\\]|{END})|(\.([/\\]|{END}))+{END})"
CONTROL = r"[\x00-\x1f\x7f-\x9f]"


def _inner(pattern: re.Pattern[str]) -> str:
    """A loader regex without its anchors, to embed in a larger one."""
    return pattern.pattern.removeprefix("^").removesuffix("$").removesuffix("\\Z")


NAME = _inner(NAME_RE)
SUBDOMAIN = _inner(SUBDOMAIN_RE)


def _whole(inner: str) -> str:
    return f"^{inner}{END}"


def _any_case(word: str) -> str:
    assert word.isalpha()
    return "".join(f"[{c.upper()}{c.lower()}]" for c in word)


def _kinds(kinds: tuple[str, ...], *, any_case: bool = True) -> str:
    return "(" + "|".join(_any_case(k) if any_case else k for k in kinds) + ")"


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "description": description, **extra}


def _ref(name: str, description: str) -> dict[str, Any]:
    """A shared definition, inlined: draft-07 ignores a description beside `$ref`."""
    return {**copy.deepcopy(_definitions()[name]), "description": description}


def _file(group: str, description: str) -> dict[str, Any]:
    # Letters and '-' only, so no escaping: `\-` is an error in the ECMA engines' u-mode.
    prefix = FILE_GROUPS[group].prefix
    assert re.fullmatch(r"[a-z-]+", prefix)
    return {
        **_ref("relativePath", description),
        "pattern": rf"(^|[/\\]){prefix}[^/\\]*\.(yaml|yml){END}",
    }


def _source_ref(kinds: tuple[str, ...], *, kind_optional: bool) -> dict[str, Any]:
    kind = f"({_kinds(kinds)}/)" + ("?" if kind_optional else "")
    schema: dict[str, Any] = {
        "type": "string",
        "pattern": _whole(f"{kind}{NAME}(\\.{NAME})?"),
    }
    if kind_optional:  # a bare kind word names no object
        schema["not"] = {"pattern": _whole(_kinds(kinds))}
    return schema


def _definitions() -> dict[str, Any]:
    return {
        "name": {
            "type": "string",
            "pattern": _whole(NAME),
            "description": "An RFC 1123 name as `flux create` accepts it: 2-63 lower-case alphanumeric characters or '-', starting and ending alphanumeric.",
        },
        "subdomain": {
            "type": "string",
            "pattern": _whole(SUBDOMAIN),
            "description": "An RFC 1123 subdomain (lower-case alphanumerics, '-' and '.').",
        },
        "duration": {
            "type": "string",
            "pattern": DURATION,
            "description": "A Go duration such as 30s, 5m or 1h30m; written to the manifests as Flux prints it (5m0s).",
        },
        "relativePath": {
            "type": "string",
            "minLength": 1,
            "not": {"anyOf": [{"pattern": p} for p in (ABSOLUTE, ESCAPES, CONTROL)]},
            "description": "A relative path with forward slashes that stays inside its base folder.",
        },
        "dependsOn": {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": _whole(f"({NAME}/)?{NAME}(@[^/]*)?"),
                "description": "NAME of an object of the same kind declared in the same namespace, or NAMESPACE/NAME of one managed elsewhere.",
            },
            "description": "Objects that must be ready first.",
        },
    }


def _flux_section() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The pinned Flux release and the toolkit components it installs.",
        "required": ["version"],
        "additionalProperties": False,
        "properties": {
            "version": {
                "type": "string",
                "pattern": VERSION,
                "description": "Pinned Flux release, v2.0.0 to v2.9.x: picks the apiVersion of every rendered object and must equal the components file's `# Flux Version:`.",
            },
            "components": {
                "type": "array",
                "items": {"type": "string", "enum": list(KNOWN_COMPONENTS)},
                "description": "Toolkit controllers to install (`flux install --components`).",
            },
            "componentsExtra": {
                "type": "array",
                "items": {"type": "string", "enum": list(EXTRA_COMPONENTS)},
                "description": "Extra controllers (`flux install --components-extra`); source-watcher needs Flux v2.7 or later.",
            },
            "componentsFile": _ref(
                "relativePath",
                "Where `invoke flux.update --components` writes `flux install --export`, relative to output.resourcesDir.",
            ),
        },
        "if": {"properties": {"version": {"pattern": BEFORE_V2_7}}},
        "then": {
            "properties": {
                "componentsExtra": {
                    "items": {"enum": list(extra_components(SOURCE_WATCHER_MINOR - 1))}
                },
            }
        },
    }


def _output_section() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Where and how generated files are written.",
        "additionalProperties": False,
        "properties": {
            "resourcesDir": _ref(
                "relativePath",
                "The folder Flux syncs, relative to the root (the folder that holds config/).",
            ),
            "repoPath": {
                "type": "string",
                "minLength": 1,
                "not": {"pattern": r"(^\s*|/)\.\.(/|\s*$)"},
                "description": "Where resourcesDir sits inside the synced Git repository; absent: `git rev-parse --show-prefix` of resourcesDir.",
            },
            "header": _ref(
                "relativePath",
                "License header template, relative to the root; the token YEAR is replaced.",
            ),
            "marker": _string(
                "The line that marks a file as generated (and so owned by flux.update).",
                # one line, no control characters, no space at either end (files are
                # recognised by their stripped marker line)
                **{"not": {"anyOf": [{"pattern": CONTROL}, {"pattern": rf"^\s|\s{END}"}]}},
            ),
        },
    }


def _defaults_section() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Values used where an object leaves them out.",
        "additionalProperties": False,
        "properties": {
            "interval": _ref(
                "duration", "Reconcile interval of every object (Flux's own default is 1m)."
            ),
            "namespace": _ref(
                "name", "Namespace of sources and Kustomizations (default flux-system)."
            ),
            "kustomizationSource": {
                **_source_ref(KS_SOURCE_KINDS, kind_optional=True),
                "description": "[Kind/]name[.namespace] of the source every Kustomization syncs from; absent: the only GitRepository declared.",
            },
        },
    }


def _clusters_section() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The clusters cluster tasks select with --cluster or PROW_ENV.",
        "propertyNames": {"pattern": _whole(NAME)},
        "additionalProperties": {
            "type": "object",
            "required": ["context"],
            "additionalProperties": False,
            "properties": {
                "context": _string("The kube context of this cluster."),
            },
        },
    }


def _source_item() -> dict[str, Any]:
    ref_help = {
        "branch": "Git branch to track.",
        "tag": "Tag to track.",
        "semver": "Semver range of tags to track.",
        "commit": "Git commit SHA to pin.",
        "digest": "OCI artifact digest to pin.",
    }
    properties: dict[str, Any] = {
        "kind": {
            "type": "string",
            "enum": list(SOURCE_KINDS),
            "description": "The Flux source kind.",
        },
        "name": _ref("name", "Name of the source."),
        "namespace": _ref("name", "Namespace (default: defaults.namespace)."),
        "url": _string("Where the source is fetched from."),
        "interval": _ref("duration", "Reconcile interval (default: defaults.interval)."),
        "file": _file(
            "sources",
            "Output file relative to output.resourcesDir (default flux-system/flux-source-{git|helm|oci}-NAME.yaml).",
        ),
        "secretRef": _ref("subdomain", "Name of the Secret holding credentials."),
        "ignore": _string("GitRepository: .gitignore-style patterns (a multi-line string)."),
        "provider": {
            "type": "string",
            "enum": list(OCI_PROVIDERS),
            "description": "OCIRepository: authentication provider (default generic, always written).",
        },
        **{ref: _string(ref_help[ref]) for ref in (*GIT_REFS, "digest")},
    }
    by_kind = []
    for kind, allowed in SOURCE_KEYS.items():
        refs = GIT_REFS if kind == "GitRepository" else OCI_REFS if kind == "OCIRepository" else ()
        scheme = "(" + "|".join(_any_case(s) for s in URL_SCHEMES[kind]) + ")"
        then: dict[str, Any] = {
            "propertyNames": {"enum": sorted(allowed | {"kind"})},
            "properties": {"url": {"pattern": _whole(f"{scheme}://[^/?#\\s]+([/?#]\\S*)?")}},
        }
        if refs:
            then["oneOf"] = [{"required": [r]} for r in refs]
        by_kind.append(
            {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then}
        )
    assert set(properties) == ANY_SOURCE_KEYS | {"kind"}
    return {
        "type": "object",
        "required": ["kind", "name", "url"],
        "additionalProperties": False,
        "properties": properties,
        "allOf": by_kind,
    }


def _helm_release_item() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": _ref("name", "Name of the HelmRelease."),
        "namespace": _ref("name", "Namespace of the HelmRelease."),
        "chart": _string("Chart name (or path in a GitRepository)."),
        "source": {
            **_source_ref(HR_SOURCE_KINDS, kind_optional=False),
            "description": "Kind/name[.namespace] of the chart's source; without .namespace it must be declared in sources.",
        },
        "version": _string('Chart version or semver range; a string (quote "1.2").'),
        "interval": _ref("duration", "Reconcile interval (default: defaults.interval)."),
        "releaseName": {
            "type": "string",
            "pattern": _whole(NAME),
            "maxLength": 53,
            "description": "Helm release name (RFC 1123, at most 53 characters).",
        },
        "targetNamespace": _ref("name", "Namespace the chart is installed into."),
        "dependsOn": _ref("dependsOn", "HelmReleases that must be ready first."),
        "values": {"type": "object", "description": "Inline Helm values, merged last."},
        "valuesFiles": {
            "type": "array",
            "items": _ref("relativePath", "A values file relative to the root."),
            "description": "Values files relative to the root, deep-merged in order like `flux create hr --values`.",
        },
        "valuesFrom": {
            "type": "array",
            "uniqueItems": True,
            "items": {
                "type": "string",
                "pattern": _whole(f"{_kinds(VALUES_FROM_KINDS)}/{SUBDOMAIN}"),
            },
            "description": "ConfigMap/NAME or Secret/NAME entries of spec.valuesFrom.",
        },
        "crds": {
            "type": "string",
            "enum": list(CRDS_POLICIES),
            "description": "CRD policy on upgrade (install always creates).",
        },
        "clusterValues": {
            "type": "object",
            "required": ["configMap", "file"],
            "additionalProperties": False,
            "description": "Per-cluster values pushed by `invoke flux.apply-values` into a ConfigMap the release reads.",
            "properties": {
                "configMap": _ref("subdomain", "The ConfigMap (in the release's namespace)."),
                "file": _ref(
                    "relativePath",
                    "Values file relative to the root, outside resourcesDir; {cluster} is replaced by the cluster name.",
                ),
            },
        },
        "file": _file(
            "helm-releases",
            "Output file relative to output.resourcesDir (default NAMESPACE/flux-hr-NAME.yaml).",
        ),
    }
    assert set(properties) == HR_KEYS
    return {
        "type": "object",
        "required": ["name", "namespace", "chart", "source"],
        "additionalProperties": False,
        "properties": properties,
    }


def _kustomization_item() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "name": _ref("name", "Name of the Kustomization (and its default folder)."),
        "namespace": _ref("name", "Namespace (default: defaults.namespace)."),
        "path": {
            "type": "string",
            "description": "Path inside the synced repository (default ./REPOPATH/NAME); one under repoPath must exist as a folder of resourcesDir.",
        },
        "source": {
            **_source_ref(KS_SOURCE_KINDS, kind_optional=True),
            "description": "[Kind/]name[.namespace] of the source (default: defaults.kustomizationSource).",
        },
        "interval": _ref("duration", "Reconcile interval (default: defaults.interval)."),
        "prune": {
            "type": "boolean",
            "description": "Garbage-collect removed objects (default true).",
        },
        "dependsOn": _ref("dependsOn", "Kustomizations that must be ready first."),
        "targetNamespace": _ref("name", "Namespace every object is put in."),
        "wait": {
            "type": "boolean",
            "description": "Wait for every applied object to be ready (timeout default 2m0s).",
        },
        "timeout": _ref("duration", "Timeout of the health checks."),
        "healthChecks": {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": _whole(
                    f"{_kinds(HEALTH_CHECK_KINDS, any_case=False)}/{SUBDOMAIN}\\.{NAME}"
                ),
            },
            "description": "Kind/name.namespace of objects whose readiness is checked; not with wait.",
        },
        "file": _file(
            "kustomizations",
            "Output file relative to output.resourcesDir (default flux-system/flux-ks-NAME.yaml).",
        ),
    }
    assert set(properties) == KS_KEYS
    return {
        "if": {"type": "string"},
        "then": _ref("name", "A folder of resourcesDir; the Kustomization gets every default."),
        "else": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": properties,
            "if": {"properties": {"wait": {"const": True}}, "required": ["wait"]},
            "then": {"not": {"required": ["healthChecks"]}},
        },
        "description": "A folder name of resourcesDir (all defaults), or a map.",
    }


def config_schema() -> dict[str, Any]:
    """The JSON Schema of config/flux.yaml, schema v1."""
    return {
        "$schema": DRAFT,
        "$comment": "Generated by `invoke flux.schema` from fluxtasks/config/schema.py. DO NOT EDIT.",
        "title": "fluxtasks config/flux.yaml (schema v1)",
        "description": "Desired Flux state; `invoke flux.update` renders resources/ from it.",
        "type": "object",
        "required": ["flux"],
        "additionalProperties": False,
        "properties": {
            "flux": _flux_section(),
            "output": _output_section(),
            "defaults": _defaults_section(),
            "clusters": _clusters_section(),
            "sources": {
                "type": "array",
                "items": _source_item(),
                "description": "GitRepository, HelmRepository and OCIRepository sources.",
            },
            "helmReleases": {
                "type": "array",
                "items": _helm_release_item(),
                "description": "HelmReleases.",
            },
            "kustomizations": {
                "type": "array",
                "items": _kustomization_item(),
                "description": "Flux Kustomizations, one per synced folder.",
            },
        },
    }


def schema_text() -> str:
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def plan_schema(config_dir: Path, shown_dir: str) -> Plan:
    """The change that brings `config_dir/flux.schema.json` up to date (maybe none)."""
    target = config_dir / SCHEMA_FILE
    old: str | None
    try:
        old = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = None
    except UnicodeDecodeError:
        old = ""  # not what the generator writes: rewritten
    except OSError as exc:
        raise InputError(
            f"{shown_dir}/{SCHEMA_FILE}: cannot read: {exc.strerror or exc}; nothing was changed"
        ) from None
    return Plan(config_dir, shown_dir, [FileChange(SCHEMA_FILE, old, schema_text())])


def write_schema(plan: Plan) -> None:
    apply_plan(plan)
