"""Write config/flux.yaml text from plain data, in the layout a person would write it.

Sections are block mappings separated by blank lines. A `FlowMap` that holds only short
scalars (or short lists of them) is written on one line (`{name: x, namespace: y}`);
anything longer or nested is a block, as is every other mapping. Lists of scalars are one
`[a, b]` line when they fit. Strings stay plain unless YAML would read them back as
something else. The caller's data is checked against a re-parse of the text, so what is
written always loads back as exactly that data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from ..yamlio.helm_values import reads_as_string
from ..yamlio.source import YamlSourceError, compose, plain_data

FLOW_WIDTH = 100
STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
# Characters that cannot start a plain scalar, and ones a flow collection reserves.
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_RESERVED = set(",[]{}")
# What a YAML reader would not take as-is inside a quoted scalar: controls, line breaks
# other than \n, the BOM, surrogates and the two non-characters PyYAML refuses.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


class FlowMap(dict[str, Any]):
    """A mapping to write as one `{k: v, ...}` line when it is short and flat enough."""


def dump_config(data: Mapping[str, Any], head: Sequence[str] = ()) -> str:
    """`head` comment lines (without `# `), then each top-level key as its own block."""
    lines = [f"# {line}".rstrip() for line in head]
    for i, (key, value) in enumerate(data.items()):
        if i:
            lines.append("")
        lines.extend(_entry(key, value, 0, top=True))
    text = "\n".join(lines) + "\n"
    try:
        node = compose(text)
        back = plain_data(node) if node is not None else None
    except YamlSourceError as exc:  # e.g. a character the config reader refuses
        raise ValueError(f"config_writer: {exc.message}") from None
    if back != _plain(data):
        raise ValueError("config_writer: the written YAML does not read back as the data")
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _entry(key: str, value: Any, indent: int, top: bool = False) -> list[str]:
    pad = " " * indent
    head = f"{pad}{_scalar(key, flow=False)}:"
    if isinstance(value, Mapping) and value:
        inline = _flow_map(value) if isinstance(value, FlowMap) else None
        if inline is not None and len(head) + 1 + len(inline) <= FLOW_WIDTH:
            return [f"{head} {inline}"]
        return [head, *_mapping(value, indent + 2)]
    if isinstance(value, (list, tuple)) and value:
        inline = _flow_list(value)
        if inline is not None and not top and len(head) + 1 + len(inline) <= FLOW_WIDTH:
            return [f"{head} {inline}"]
        return [head, *_sequence(value, indent + 2)]
    if isinstance(value, str) and _literal_ok(value):
        return [f"{head} {_literal_indicator(value)}", *_literal_lines(value, indent + 2)]
    return [f"{head} {_scalar(value, flow=False)}"]


def _mapping(data: Mapping[str, Any], indent: int) -> list[str]:
    out: list[str] = []
    for key, value in data.items():
        out.extend(_entry(key, value, indent))
    return out


def _sequence(items: Sequence[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, Mapping) and item:
            inline = _flow_map(item) if isinstance(item, FlowMap) else None
            if inline is not None and indent + 2 + len(inline) <= FLOW_WIDTH:
                out.append(f"{pad}- {inline}")
                continue
            body = _mapping(item, indent + 2)
            out.append(f"{pad}- {body[0].lstrip()}")
            out.extend(body[1:])
        elif isinstance(item, (list, tuple)) and item:
            inline = _flow_list(item)
            if inline is not None and indent + 2 + len(inline) <= FLOW_WIDTH:
                out.append(f"{pad}- {inline}")
            else:
                out.append(f"{pad}-")
                out.extend(_sequence(item, indent + 2))
        elif isinstance(item, str) and _literal_ok(item):
            out.append(f"{pad}- {_literal_indicator(item)}")
            out.extend(_literal_lines(item, indent + 2))
        else:
            out.append(f"{pad}- {_scalar(item, flow=False)}")
    return out


def _flow_map(data: Mapping[str, Any]) -> str | None:
    parts: list[str] = []
    for key, value in data.items():
        if isinstance(value, (list, tuple)):
            inline = _flow_list(value)
            if inline is None:
                return None
            parts.append(f"{_scalar(key, flow=True)}: {inline}")
        elif isinstance(value, Mapping) or (isinstance(value, str) and "\n" in value):
            return None
        else:
            parts.append(f"{_scalar(key, flow=True)}: {_scalar(value, flow=True)}")
    return "{" + ", ".join(parts) + "}"


def _flow_list(items: Sequence[Any]) -> str | None:
    if any(
        isinstance(i, (Mapping, list, tuple)) or (isinstance(i, str) and "\n" in i) for i in items
    ):
        return None
    return "[" + ", ".join(_scalar(i, flow=True) for i in items) + "]"


def _scalar(value: Any, *, flow: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    text = str(value)
    if _plain_ok(text, flow=flow):
        return text
    if "'" not in text and not _CONTROL.search(text) and "\n" not in text:
        return f"'{text}'"
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif _CONTROL.match(ch) or ch == "\t":
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _plain_ok(text: str, *, flow: bool) -> bool:
    if not text or text != text.strip() or text[0] in _INDICATORS:
        return False
    if "\n" in text or "\t" in text or _CONTROL.search(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and (_FLOW_RESERVED & set(text)):
        return False
    # A plain scalar must read back as a string (not a bool, number, null or date), both
    # to PyYAML and to the yaml.v2 rules Helm values are read with (`y`, `08`, `1e3`).
    tag = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == STR_TAG) and reads_as_string(text)


def _float(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{'' if exponent.startswith(('-', '+')) else '+'}{exponent}"
    return text


def _literal_ok(text: str) -> bool:
    """A multi-line string is a literal block unless its shape needs escapes."""
    if "\n" not in text or _CONTROL.search(text) or text.endswith("\n\n"):
        return False
    lines = text.rstrip("\n").split("\n")
    return (
        bool(lines[0])
        and not lines[0][0].isspace()
        and all(line.strip() or not line for line in lines)
    )


def _literal_indicator(text: str) -> str:
    return "|" if text.endswith("\n") else "|-"


def _literal_lines(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}{line}" if line else "" for line in text.rstrip("\n").split("\n")]
