"""The value types of the field tables that more than one section uses."""

from __future__ import annotations

import contextlib
import dataclasses
import posixpath
import re
from collections.abc import Callable, Mapping
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from ..durations import normalize_duration, parse_duration
from ..flux import FILE_GROUPS, LABEL_VALUE_RE, NAME_RE, SUBDOMAIN_RE, label_key_problem
from ..tree import YAML_SUFFIXES
from ..yamlio.config_dump import FlowMap
from . import patterns
from .fields import Entry, ValueType
from .reader import MISSING, kind_of


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


SECRET_NAME = subdomain("{value!r} is not a valid Secret name (RFC 1123 subdomain)")
SERVICE_ACCOUNT = subdomain("{value!r} is not a valid ServiceAccount name (RFC 1123 subdomain)")


def _line(entry: Entry, item: Node, at: str) -> str | None:
    """One entry of a list written one per line (ignore patterns, checkout paths)."""
    text = entry.reader.string(item, at)
    if text is not None and ("\n" in text or "\r" in text):
        entry.reader.error(item, at, "must be one line: list each path as its own item")
        return None
    return text


LINES = ValueType(
    "string list",
    {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "pattern": patterns.whole(r"[^\n\r]*")},
    },
    lambda entry, node, where: tuple(
        entry.reader.each(node, where, lambda item, at: _line(entry, item, at))
    ),
    from_manifest=lambda raw, _: tuple(str(i) for i in raw) if isinstance(raw, list) else (),
    to_config=lambda items, _: list(items),
)


def _labels(entry: Entry, node: Node, where: str) -> dict[str, str] | None:
    """`flux create --label KEY=VALUE`: a Kubernetes label key, a label value (may be "")."""
    reader = entry.reader
    if not isinstance(node, MappingNode):
        reader.error(node, where, f"must be a mapping of label key to value, not {kind_of(node)}")
        return None
    out: dict[str, str] = {}
    for key_node, value_node in node.value:
        key = reader.string(key_node, where) if isinstance(key_node, ScalarNode) else None
        if key is None:
            if not isinstance(key_node, ScalarNode):
                reader.error(key_node, where, "label keys must be strings")
            continue
        at = f"{where}.{key}"
        problem = label_key_problem(key)
        value = reader.string(value_node, at, allow_empty=True)
        if key in out:
            reader.error(key_node, at, "duplicate key")
        elif problem is not None:
            reader.error(key_node, at, f"{key!r} is not a valid label key: {problem}")
        elif value is not None and not LABEL_VALUE_RE.match(value):
            reader.error(
                value_node,
                at,
                f"{value!r} is not a valid label value: at most 63 characters of "
                "[A-Za-z0-9_.-], alphanumeric at both ends (or empty)",
            )
        elif value is not None:
            out[key] = value
    return out


LABELS = ValueType(
    "labels",
    {
        "type": "object",
        "propertyNames": {"pattern": patterns.LABEL_KEY},
        "additionalProperties": {
            "type": "string",
            "maxLength": 63,
            "pattern": patterns.LABEL_VALUE,
        },
    },
    _labels,
    from_manifest=lambda raw, _: (
        {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    ),
    to_config=lambda labels, _: FlowMap(labels),
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


def positive(duration: str | None) -> bool:
    """Whether a (valid) duration is above zero: Flux writes some only then."""
    return duration is not None and parse_duration(duration) > 0


def _duration(zero: bool) -> Callable[[Entry, Node, str], str | None]:
    """Read a Go duration that is above zero (an interval or timeout of 0s or less means
    nothing: Flux would spin or never wait), or with `zero`, at least zero."""

    def read(entry: Entry, node: Node, where: str) -> str | None:
        value = entry.reader.duration(node, where)
        if value is None or parse_duration(value) > 0 or (zero and parse_duration(value) == 0):
            return value
        text = node.value if isinstance(node, ScalarNode) else value
        if zero:
            entry.reader.error(node, where, f"{text!r} is negative: use 0s (none) or e.g. 30s")
        else:
            entry.reader.error(
                node, where, f"{text!r} is not a positive duration: use e.g. 30s, 5m, 1h30m"
            )
        return None

    return read


_GO_TERMS = r"(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+"
# Above zero: no sign but `+`, and a non-zero digit somewhere (0.0000000001s, below Go's
# nanosecond, is the loader's alone to refuse).
POSITIVE_DURATION_PATTERN = rf"^\+?(?=[^1-9]*[1-9]){_GO_TERMS}{patterns.END}"
NON_NEGATIVE_DURATION_PATTERN = rf"^\+?(0|{_GO_TERMS}){patterns.END}"

DURATION = ValueType(
    "duration",
    {"type": "string", "pattern": POSITIVE_DURATION_PATTERN},
    _duration(zero=False),
    from_manifest=lambda raw, _: None if raw is MISSING else go_duration(raw),
    to_config=lambda value, _: short_duration(value),
    same_meaning=_same_duration,
)
# A duration where 0s means "none" (retryInterval: Flux writes it only above zero).
DURATION_OR_ZERO = dataclasses.replace(
    DURATION,
    schema={"type": "string", "pattern": NON_NEGATIVE_DURATION_PATTERN},
    read=_duration(zero=True),
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
