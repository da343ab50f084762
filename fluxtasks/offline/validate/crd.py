"""CRD schemas from the components file, read the way the API server applies them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..._data import as_mapping, as_text, dig
from ..._text import did_you_mean, join_path

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

MAX_MESSAGE = 200  # jsonschema can quote a whole object in a message; keep lines readable


@dataclass(frozen=True)
class CrdVersion:
    name: str
    served: bool
    storage: bool
    schema: dict[str, Any] | None


def crd_versions(documents: Iterable[Any]) -> dict[tuple[str, str], list[CrdVersion]]:
    """(group, kind) -> the versions its CustomResourceDefinition lists, from a components file."""
    out: dict[tuple[str, str], list[CrdVersion]] = {}
    for doc in documents:
        doc = as_mapping(doc)
        if doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = as_mapping(doc.get("spec"))
        group, kind = as_text(spec.get("group")), as_text(dig(spec, "names.kind"))
        versions = spec.get("versions")
        if not group or not kind or not isinstance(versions, list):
            continue
        out[(group, kind)] = [
            CrdVersion(
                name=as_text(v.get("name")),
                served=v.get("served") is True,
                storage=v.get("storage") is True,
                schema=as_mapping(dig(v, "schema.openAPIV3Schema")) or None,
            )
            for v in versions
            if isinstance(v, dict)
        ]
    return out


def structural(schema: Any) -> Any:
    """An openAPIV3Schema as JSON Schema (draft 4) that reads it the way the API server does.

    `nullable: true` admits null. An object schema that lists `properties` rejects other
    fields (strict field validation, as `kubectl apply` does by default) unless it says
    `x-kubernetes-preserve-unknown-fields`. allOf/anyOf/oneOf/not only add value checks in
    a structural schema, so they are left alone.
    """
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    properties = out.get("properties")
    if isinstance(properties, dict):
        out["properties"] = {k: structural(v) for k, v in properties.items()}
        if "additionalProperties" not in out and not out.get(
            "x-kubernetes-preserve-unknown-fields"
        ):
            out["additionalProperties"] = False
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = structural(out[key])
    return out


def crd_validator(schema: dict[str, Any]) -> Validator:
    """A validator of one CRD version's openAPIV3Schema (build it once per version)."""
    from jsonschema import Draft4Validator

    return Draft4Validator(structural(schema))


def schema_problems(validator: Validator, data: dict[str, Any]) -> list[str]:
    """`path: what is wrong` for every place `data` breaks the CRD schema, sorted by path."""
    out: list[tuple[str, str]] = []
    for error in validator.iter_errors(data):
        path = _json_path(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(as_mapping(error.schema).get("properties", {}))
            for extra in sorted(k for k in error.instance if k not in known):
                hint = did_you_mean(extra, known)
                out.append((join_path(path, extra), f"unknown field{hint}"))
            continue
        if error.validator == "required":
            missing = re.match(r"^'(.+)' is a required property$", error.message)
            if missing:
                out.append((join_path(path, missing.group(1)), "required field is missing"))
                continue
        message = " ".join(error.message.split())
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        out.append((path or "(object)", message))
    return [f"{path}: {message}" for path, message in sorted(set(out))]


def _json_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
