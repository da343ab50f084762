"""Read a YAML file into nodes that remember where they came from (line:col for errors)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .._data import json_key

STR = "tag:yaml.org,2002:str"
# Deeper documents are refused before anything recurses over them (RecursionError).
MAX_DEPTH = 100
# Characters a string may not hold: yaml.v2 refuses DEL, C1 controls and U+FFFE/U+FFFF in
# what it prints, NEL/LS/PS come out of the Go pipeline as other text, and a lone
# surrogate is not Unicode at all. Nothing written from the config could carry them.
_UNWRITABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SCALARS = SafeConstructor()
# The one libyaml switch: every fast path (compose() here, manifests.parse_documents) reads
# it. None where PyYAML was built without libyaml: the pure-Python parser does it all.
FAST_LOADER: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)
# libyaml accepts some tabs, tags (!), `?` inside flow collections, `#` right after a
# character, and byte-order marks after the start, where the pure-Python parser errs.
_LIBYAML_LENIENT = re.compile("[\t!?\ufeff]|\\S#")


class YamlSourceError(Exception):
    """The text is not YAML we accept; `line`/`col` are 1-based."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message


class _NoAliasLoader(yaml.SafeLoader):
    """Rejects aliases: they let a tiny file expand into a huge one (billion laughs);
    and nesting deeper than MAX_DEPTH, which would exhaust Python's recursion limit."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise YamlSourceError(
                mark.line + 1,
                mark.column + 1,
                "YAML aliases are not supported; write the value out",
            )
        if self._depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise YamlSourceError(
                mark.line + 1, mark.column + 1, f"nested more than {MAX_DEPTH} levels deep"
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str) -> Node | None:
    """Parse one YAML document into its node tree (None for an empty document).

    libyaml (when PyYAML has it) composes about five times faster than the pure-Python
    parser, which dominates loading a large config. It is only trusted with clean input:
    on any error, an alias or nesting deeper than MAX_DEPTH, the pure-Python parser runs
    again, so every message and position is exactly the one it reports. Text holding a
    character the two parsers read differently (_LIBYAML_LENIENT) goes straight to the
    pure-Python one.
    """
    if FAST_LOADER is not None and not _LIBYAML_LENIENT.search(text):
        try:
            root = yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass
        else:
            if not _needs_checked_parse(root):
                return root
    return _compose_checked(text)


def _needs_checked_parse(root: Node | None) -> bool:
    """True when the tree nests deeper than MAX_DEPTH, holds an alias (which composes to
    a node object already in the tree, so one is reached twice) or an empty plain value
    (`key:` alone), whose position libyaml reports differently."""
    seen: set[int] = set()
    todo: list[tuple[Node, int]] = [(root, 1)] if root is not None else []
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH or id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if not node.value and not node.style:
                return True
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                todo += ((key, depth + 1), (value, depth + 1))
        elif isinstance(node, SequenceNode):
            todo += ((item, depth + 1) for item in node.value)
    return False


def _compose_checked(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise error_at(exc) from None


def error_at(exc: yaml.YAMLError) -> YamlSourceError:
    """`invalid YAML: PROBLEM` where PyYAML stopped (1:1 when its error has no mark)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return YamlSourceError(line, col, f"invalid YAML: {problem}")
    return YamlSourceError(1, 1, f"invalid YAML: {exc}")


def position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def check_characters(text: str) -> None:
    """Refuse a character the YAML reader does not accept, with its line:col (PyYAML's own
    error has no line and spans two lines)."""
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is not None:
        start = found.start()
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        raise YamlSourceError(
            line,
            col,
            f"invalid YAML: character U+{ord(found.group()):04X} is not allowed; "
            "write it as an escape in a double-quoted string",
        )


def scalar(node: ScalarNode) -> Any:
    """The Python value of a scalar, as yaml.v2 would decode it into an interface{}.

    Timestamps stay strings (yaml.v2 keeps them as text for untyped targets).
    """
    tag = node.tag
    if tag == STR or tag == "tag:yaml.org,2002:timestamp":
        bad = _UNWRITABLE.search(node.value)
        if bad is not None:
            raise YamlSourceError(
                *position(node),
                f"character U+{ord(bad.group()):04X} cannot be written to a Flux manifest; remove it",
            )
        return node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:int":
        try:
            return _SCALARS.construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise YamlSourceError(*position(node), "integer has too many digits") from None
    if tag == "tag:yaml.org,2002:float":
        return _SCALARS.construct_yaml_float(node)
    raise YamlSourceError(*position(node), f"unsupported YAML tag {tag}")


def plain_data(node: Node, depth: int = 0) -> Any:
    """Convert a subtree to plain Python data with string keys (as JSON would have it)."""
    if depth >= MAX_DEPTH and isinstance(node, (MappingNode, SequenceNode)):
        raise YamlSourceError(*position(node), f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = plain_data(key_node, depth + 1)
            if isinstance(key, (dict, list)):
                raise YamlSourceError(*position(key_node), "mapping keys must be scalars")
            if key == "<<":  # written plain, every YAML reader (yaml.v2 too) merges there
                raise YamlSourceError(*position(key_node), "a key '<<' is read as a YAML merge key")
            out[json_key(key)] = plain_data(value_node, depth + 1)
        return out
    if isinstance(node, SequenceNode):
        return [plain_data(item, depth + 1) for item in node.value]
    assert isinstance(node, ScalarNode)
    value = scalar(node)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise YamlSourceError(*position(node), f"{node.value} cannot be represented in JSON")
    return value
