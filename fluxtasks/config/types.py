"""The value types of the field tables that more than one section uses."""

from __future__ import annotations

import contextlib
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from yaml.nodes import Node

from ..durations import normalize_duration
from ..flux import FILE_GROUPS, NAME_RE, SUBDOMAIN_RE
from ..tree import YAML_SUFFIXES
from . import patterns
from .fields import Entry, ValueType
from .reader import MISSING


def _string(entry: Entry, node: Node, where: str) -> str | None:
    return entry.reader.string(node, where)


STRING = ValueType("string", {"type": "string", "minLength": 1}, _string)

NAME = ValueType(
    "name",
    {"type": "string", "pattern": patterns.whole(patterns.NAME)},
    lambda entry, node, where: entry.reader.name(node, where),
)


def subdomain(message: str) -> ValueType:
    """An RFC 1123 subdomain (a Secret or ConfigMap name); `message` says what it names."""
    return ValueType(
        "subdomain",
        {"type": "string", "pattern": patterns.whole(patterns.SUBDOMAIN)},
        lambda entry, node, where: entry.reader.matching(node, where, SUBDOMAIN_RE, message),
    )


def _release_name(entry: Entry, node: Node, where: str) -> str | None:
    text = entry.reader.string(node, where)
    if text is not None and not (NAME_RE.match(text) and len(text) <= 53):
        entry.reader.error(
            node,
            where,
            f"{text!r} is not a valid Helm release name (RFC 1123, at most 53 characters)",
        )
    return text


RELEASE_NAME = ValueType(
    "release name",
    {"type": "string", "pattern": patterns.whole(patterns.NAME), "maxLength": 53},
    _release_name,
)


def enum(choices: tuple[str, ...], message: str) -> ValueType:
    """One of `choices`; `message` formats {value!r} and {choices}."""

    def read(entry: Entry, node: Node, where: str) -> str | None:
        text = entry.reader.string(node, where)
        if text is not None and text not in choices:
            entry.reader.error(node, where, message.format(value=text, choices=", ".join(choices)))
        return text

    return ValueType("enum", {"type": "string", "enum": list(choices)}, read)


BOOL = ValueType(
    "boolean",
    {"type": "boolean"},
    lambda entry, node, where: entry.reader.boolean(node, where),
    from_manifest=lambda raw, _: raw is True,
)


def go_duration(raw: Any) -> str:
    """A rendered duration in the form the loader gives it; a string it cannot read stays."""
    if not isinstance(raw, str):
        return ""
    try:
        return normalize_duration(raw)
    except ValueError:
        return raw


def short_duration(text: str) -> str:
    """5m0s -> 5m, 1h0m0s -> 1h: the form a person writes, read back to the same duration."""
    short = text
    if short.endswith(("m0s", "h0m0s")) and short != "0s":
        short = short[:-2]
    if short.endswith("h0m"):
        short = short[:-2]
    try:
        return short if normalize_duration(short) == normalize_duration(text) else text
    except ValueError:
        return text


def _same_duration(sub: str, old: Any, new: Any, _values: Mapping[str, Any]) -> bool:
    """A duration Flux wrote in another form (5m for 5m0s)."""
    with contextlib.suppress(ValueError):
        return sub == "" and isinstance(old, str) and normalize_duration(old) == new
    return False


DURATION = ValueType(
    "duration",
    {"type": "string", "pattern": patterns.DURATION},
    lambda entry, node, where: entry.reader.duration(node, where),
    from_manifest=lambda raw, _: None if raw is MISSING else go_duration(raw),
    to_config=lambda value, _: short_duration(value),
    same_meaning=_same_duration,
)

RELATIVE_PATH: Mapping[str, Any] = {
    "type": "string",
    "minLength": 1,
    "not": {
        "anyOf": [{"pattern": p} for p in (patterns.ABSOLUTE, patterns.ESCAPES, patterns.CONTROL)]
    },
}


def relative_path(under: str, *, schema: Mapping[str, Any] = RELATIVE_PATH) -> ValueType:
    """A path relative to the folder `under` names, that stays inside it."""
    return ValueType(
        "relative path",
        schema,
        lambda entry, node, where: entry.reader.relative_file(node, where, under=under),
    )


ROOT_FILE = relative_path("the root")
RESOURCES_FILE = relative_path("output.resourcesDir")


def output_file(group: str) -> ValueType:
    """Where an object is written, relative to resourcesDir, named as the apply tasks find
    it: the file group's prefix, a YAML suffix."""
    prefix = FILE_GROUPS[group].prefix
    # Letters and '-' only, so no escaping: `\\-` is an error in the ECMA engines' u-mode.
    assert re.fullmatch(r"[a-z-]+", prefix)

    def read(entry: Entry, node: Node, where: str) -> str | None:
        file = entry.reader.relative_file(node, where, under="output.resourcesDir")
        if file is None:
            return None
        base = posixpath.basename(file)
        if not base.startswith(prefix) or not base.endswith(YAML_SUFFIXES):
            entry.reader.error(
                node, where, f"file name {base!r} must start with {prefix!r} and end with .yaml"
            )
            return None
        return file

    pattern = rf"(^|[/\\]){prefix}[^/\\]*\.(yaml|yml){patterns.END}"
    return ValueType("output file", {**RELATIVE_PATH, "pattern": pattern}, read)
