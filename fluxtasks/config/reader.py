"""Typed reads of config nodes: each failed read is a problem at the node's line:col.

A read returns the value, or None after recording why not (one run reports every
problem; nothing is built while there is one).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .._text import CONTROL_CHARS, did_you_mean, join_path, one_line
from ..durations import normalize_duration
from ..flux import NAME_RE
from ..yamlio.source import YamlSourceError, position, scalar

T = TypeVar("T")
Keys = dict[str, tuple[Node, Node]]  # key -> (key node, value node)


@dataclass(frozen=True)
class Problem:
    line: int
    col: int
    path: str
    message: str


class _Missing:
    """Marks an absent key (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


@dataclass
class Reader:
    """What one load has found so far: problems, warnings, and the node of each list item."""

    shown: str  # the config as messages name it
    root: Path  # the folder that holds config/
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # one line each, for the tasks to print
    item_nodes: dict[str, Node] = field(default_factory=dict)  # "sources[2]" -> its node

    # -- reporting ---------------------------------------------------------

    def error(self, node: Node | None, path: str, message: str) -> None:
        line, col = position(node) if node is not None else (1, 1)
        self.problems.append(Problem(line, col, path, message))

    def warn(self, text: str) -> None:
        self.warnings.append(one_line(f"warning: {text}"))

    def lines(self) -> list[str]:
        ordered = sorted(set(self.problems), key=lambda p: (p.line, p.col, p.path, p.message))
        return [one_line(f"{self.shown}:{p.line}:{p.col}: {p.path}: {p.message}") for p in ordered]

    # -- structure ---------------------------------------------------------

    def mapping(
        self, node: Node, path: str, allowed: Iterable[str], required: Iterable[str] = ()
    ) -> Keys | None:
        """Keys of a mapping node; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, MappingNode):
            self.error(node, path or "(root)", f"must be a mapping, not {kind_of(node)}")
            return None
        allowed = set(allowed)
        out: Keys = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            where = join_path(path, str(key))
            if not isinstance(key, str):
                self.error(key_node, path or "(root)", "keys must be strings")
            elif key in out:
                self.error(key_node, where, "duplicate key")
            elif key not in allowed:
                self.error(key_node, where, "unknown key" + did_you_mean(key, allowed))
            else:
                out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.error(node, join_path(path, key), "required key is missing")
        return out

    def items(self, node: Node, path: str) -> list[Node]:
        """The items of a list node, each remembered under `path[i]` for later messages."""
        if not isinstance(node, SequenceNode):
            self.error(node, path, f"must be a list, not {kind_of(node)}")
            return []
        for i, item in enumerate(node.value):
            self.item_nodes[f"{path}[{i}]"] = item
        return list(node.value)

    def each(self, node: Node, path: str, read: Callable[[Node, str], T | None]) -> list[T]:
        """`read` of every item of a list node; the items it refuses are left out."""
        found = (read(item, f"{path}[{i}]") for i, item in enumerate(self.items(node, path)))
        return [value for value in found if value is not None]

    # -- scalars -----------------------------------------------------------

    def value(self, node: Node, path: str) -> Any:
        if not isinstance(node, ScalarNode):
            return MISSING if node is None else node
        try:
            return scalar(node)
        except YamlSourceError as exc:
            self.error(node, path, exc.message)
            return MISSING

    def string(self, node: Node, path: str, *, allow_empty: bool = False) -> str | None:
        value = self.value(node, path)
        if isinstance(value, str) and (value or allow_empty):
            return value
        if value == "":
            self.error(node, path, "must not be empty")
        elif value is not MISSING:
            hint = f'; quote it: "{node.value}"' if isinstance(node, ScalarNode) else ""
            self.error(node, path, f"must be a string, not {kind_of(node, value)}{hint}")
        return None

    def boolean(self, node: Node, path: str) -> bool | None:
        value = self.value(node, path)
        if isinstance(value, bool):
            return value
        if value is not MISSING:
            self.error(node, path, f"must be true or false, not {kind_of(node, value)}")
        return None

    def duration(self, node: Node, path: str) -> str | None:
        text = self.string(node, path)
        if text is None:
            return None
        try:
            return normalize_duration(text)
        except ValueError:
            self.error(node, path, f"invalid duration {text!r}: use Go form like 30s, 5m, 1h30m")
            return None

    def name(self, node: Node, path: str) -> str | None:
        return self.matching(
            node,
            path,
            NAME_RE,
            "name {value!r} is invalid, it should adhere to standard defined in RFC 1123: "
            "2-63 lower-case alphanumeric characters or '-', starting and ending alphanumeric",
        )

    def matching(self, node: Node, path: str, pattern: re.Pattern[str], message: str) -> str | None:
        """A string that `pattern` matches; else `message` (`{value!r}` is the text)."""
        text = self.string(node, path)
        if text is not None and not pattern.match(text):
            self.error(node, path, message.format(value=text))
            return None
        return text

    def relative_file(self, node: Node, path: str, *, under: str) -> str | None:
        """A forward-slash path that stays inside its base folder (no absolute, no `..`)."""
        text = self.string(node, path)
        if text is None:
            return None
        if text.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", text):
            self.error(node, path, f"{text!r} must be a path relative to {under}, not absolute")
            return None
        normal = posixpath.normpath(text.replace("\\", "/"))
        if normal == ".." or normal.startswith("../") or normal == ".":
            self.error(node, path, f"{text!r} lies outside {under}")
            return None
        if CONTROL_CHARS.search(text):
            self.error(node, path, f"{text!r} contains a control character")
            return None
        return normal


def scalar_keys(node: Node) -> dict[str, Node]:
    """The scalar-keyed entries of a mapping node as written, before any validation."""
    if not isinstance(node, MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, ScalarNode)}


def raw_text(node: Node | None) -> str | None:
    """A scalar's text as written (whatever it would read as), else None."""
    return str(node.value) if isinstance(node, ScalarNode) else None


def kind_of(node: Node | None, value: Any = MISSING) -> str:
    """What a node holds, in the words of a message: `a list`, `a number (2.3)`, `null`."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if value is MISSING and isinstance(node, ScalarNode):
        try:
            value = scalar(node) if node.tag.startswith("tag:yaml.org") else node.value
        except YamlSourceError:  # e.g. !!binary, or an int too long to convert
            return f"a {node.tag.replace('tag:yaml.org,2002:', '!!')} value"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({node.value if isinstance(node, ScalarNode) else value})"
    return "a string"
