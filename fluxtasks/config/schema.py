"""JSON Schema (draft-07) of config/flux.yaml, for editors, built from the loader's own rules.

Keys, types, enums, name/duration/URL/reference/label formats, descriptions and the
cross-key rules a schema can state (exactly one Git/OCI ref, a Git branch with a commit,
per-kind source keys, chart and source or chartRef, keys that need another key, no health
checks with `wait`) and what the pinned release lacks (`source-watcher` before Flux v2.7,
each key whose flag came later, a dependency's readiness expression before v2.9) come from
the field tables the loader reads with, so the two cannot drift apart silently;
tests/test_schema.py compares their verdicts.

What only the loader checks, because it needs more than one document's structure:

* references: a `source`, a dependency or `defaults.kustomizationSource` without a
  namespace must name an object declared in the same file;
* the disk: resourcesDir, the header, every Kustomization folder and values file must
  exist (values files must hold a YAML mapping); repoPath may come from `git`;
* uniqueness: duplicate objects, two objects writing one file, duplicate YAML keys,
  values references that differ only in the kind's case; YAML aliases are refused;
* paths after normalisation: a `..` in the middle that climbs out (`a/../../b`), a
  `clusterValues.file` inside resourcesDir, `{cluster}` with no clusters declared;
* a duration too long for Go (over about 292 years), a URL that Python cannot split
  (an unclosed IPv6 bracket), digits outside ASCII, the name part of a label key over
  63 characters;
* characters: the schema refuses control characters in paths and in the marker, the
  loader also any character a YAML file or a Flux manifest cannot carry, and a marker
  that is not printable text (format characters, spaces other than ' ').

Regular expressions are written so that Python and editors read them alike (`patterns`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files.atomic import apply_plan
from ..files.plan import FileChange, Plan
from ..flux import DEPENDS_ON, DEPENDS_ON_EXPRESSION_MINOR
from . import patterns
from .fields import Field, Section
from .helm_releases import HELM_RELEASE
from .kustomizations import KUSTOMIZATION
from .load import TOP_KEYS
from .model import ALL_CLUSTERS
from .settings import CLUSTER, DEFAULTS, FLUX, OUTPUT
from .sources import HELP as SOURCES_HELP
from .sources import PATH as SOURCES_PATH
from .sources import SOURCES
from .types import NAME

SCHEMA_FILE = "flux.schema.json"  # beside config/flux.yaml, as its first line references it
DRAFT = "http://json-schema.org/draft-07/schema#"


def property_schema(f: Field) -> dict[str, Any]:
    """One key: its type's schema (or its nested table's) and its help."""
    nested = f.type.nested
    base = entry_schema(nested) if nested is not None else copy.deepcopy(dict(f.type.schema))
    return {**base, "description": f.help}


def entry_schema(section: Section[Any], description: str | None = None) -> dict[str, Any]:
    """A mapping of the section's keys: the required ones, no others, its rules."""
    out: dict[str, Any] = {"type": "object"}
    if description is not None:
        out["description"] = description
    if section.required:
        out["required"] = list(section.required)
    out["additionalProperties"] = False
    out["properties"] = {f.key: property_schema(f) for f in section.fields}
    return _merged(out, *(rule.schema for rule in section.rules))


def section_schema(section: Section[Any]) -> dict[str, Any]:
    """A list of entries; an entry may be the shorthand string when the table has one."""
    item = entry_schema(section)
    if section.shorthand is not None:
        item = {
            "if": {"type": "string"},
            "then": {
                **copy.deepcopy(dict(section.field(section.shorthand).type.schema)),
                "description": section.shorthand_help,
            },
            "else": item,
            "description": section.item_help,
        }
    return {"type": "array", "items": item, "description": section.help}


def sources_schema(sections: Iterable[Section[Any]], description: str) -> dict[str, Any]:
    """One list, one entry schema: every kind's keys, then each kind's own keys and rules
    once its `kind` is known."""
    sections = list(sections)
    fields = {f.key: f for s in sections for f in s.fields}
    by_kind = [
        {
            "if": {"properties": {"kind": {"const": s.kind}}, "required": ["kind"]},
            "then": _merged(
                {"propertyNames": {"enum": sorted(s.keys)}}, *(rule.schema for rule in s.rules)
            ),
        }
        for s in sections
    ]
    item = {
        "type": "object",
        "required": [k for k in sections[0].required if all(k in s.required for s in sections)],
        "additionalProperties": False,
        "properties": {key: property_schema(f) for key, f in fields.items()},
        "allOf": by_kind,
    }
    return {"type": "array", "items": item, "description": description}


def _merged(base: dict[str, Any], *fragments: Mapping[str, Any]) -> dict[str, Any]:
    """Rule fragments merged into one schema: mappings key by key, `allOf` lists joined
    (each rule states its conditions there, so no two `if`s meet)."""
    out = base
    for fragment in fragments:
        for key, value in copy.deepcopy(dict(fragment)).items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = _merged(out[key], value)
            elif key == "allOf" and isinstance(out.get(key), list):
                out[key] = [*out[key], *value]
            else:
                out[key] = value
    return out


def config_schema() -> dict[str, Any]:
    """The JSON Schema of config/flux.yaml, schema v1."""
    clusters = {
        "type": "object",
        "description": CLUSTER.help,
        "propertyNames": {"pattern": NAME.schema["pattern"], "not": {"const": ALL_CLUSTERS}},
        "additionalProperties": entry_schema(CLUSTER),
    }
    properties = {
        FLUX.path: entry_schema(FLUX, FLUX.help),
        OUTPUT.path: entry_schema(OUTPUT, OUTPUT.help),
        DEFAULTS.path: entry_schema(DEFAULTS, DEFAULTS.help),
        CLUSTER.path: clusters,
        SOURCES_PATH: sources_schema(SOURCES.values(), SOURCES_HELP),
        HELM_RELEASE.path: section_schema(HELM_RELEASE),
        KUSTOMIZATION.path: section_schema(KUSTOMIZATION),
    }
    assert tuple(properties) == TOP_KEYS
    gates = _version_gates([(HELM_RELEASE.path, HELM_RELEASE), (KUSTOMIZATION.path, KUSTOMIZATION),
                            *((SOURCES_PATH, s) for s in SOURCES.values())])  # fmt: skip
    return {
        "$schema": DRAFT,
        "$comment": "Generated by `invoke flux.schema` from fluxtasks/config/schema.py. DO NOT EDIT.",
        "title": "fluxtasks config/flux.yaml (schema v1)",
        "description": "Desired Flux state; `invoke flux.update` renders resources/ from it.",
        "type": "object",
        "required": [FLUX.path],
        "additionalProperties": False,
        "properties": properties,
        "allOf": gates,
    }


def _version_gates(sections: list[tuple[str, Section[Any]]]) -> list[dict[str, Any]]:
    """What the pinned release lacks: each key whose flag came later (a row's `since`), and
    a dependency's readiness expression before v2.9 (kept in the name by older releases)."""
    keys: dict[int, dict[str, list[str]]] = {}
    for path, section in sections:
        for f in section.fields:
            if f.since:
                keys.setdefault(f.since, {}).setdefault(path, []).append(f.key)
    gates = []
    for minor, by_path in sorted(keys.items()):
        lists: dict[str, Any] = {
            path: {
                "items": {
                    "not": {"type": "object", "anyOf": [{"required": [k]} for k in sorted(set(ks))]}
                }
            }
            for path, ks in by_path.items()
        }
        gates.append(_when_before(minor, lists))
    plain_dependencies = {"items": {"not": {"pattern": "@"}}}
    dependencies = {
        s.path: {"items": {"properties": {DEPENDS_ON: plain_dependencies}}}
        for _, s in sections
        if DEPENDS_ON in s.keys
    }
    gates.append(_when_before(DEPENDS_ON_EXPRESSION_MINOR, dependencies))
    return gates


def _when_before(minor: int, properties: dict[str, Any]) -> dict[str, Any]:
    version = {"properties": {"version": {"pattern": patterns.before(minor)}}}
    return {
        "if": {"properties": {FLUX.path: version}, "required": [FLUX.path]},
        "then": {"properties": properties},
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
