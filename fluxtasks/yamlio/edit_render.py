"""Text for a new or changed value, written the way the text around it is.

Block layouts come from `config_dump` (the style the project writes configs in), cut out of
a wrapper document and re-indented to where they go. Scalars keep the quoting style of the
scalar they replace when YAML reads the new value back unchanged in it; every candidate
text is checked by reading it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..yamlio.config_dump import FlowMap, dump_config
from ..yamlio.edit_layout import ConfigEditError
from ..yamlio.source import YamlSourceError, compose, plain_data

_FLOW_RESERVED = re.compile(r"[,\[\]{}]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
# Characters a double-quoted scalar writes as an escape (controls, breaks, BOM, surrogates).
_NEEDS_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def scalar_text(value: Any, *, style: str | None, flow: bool) -> str:
    """A scalar for a `key: <here>` value (or a flow collection's item, `flow`): a string
    keeps `style` (None plain, `'` or `"`) when it reads back in it, else the first of plain,
    single- and double-quoted that does."""
    if not isinstance(value, str):
        return _dump({"k": value})[0][3:]
    plain = value if _plain_shape(value, flow) else None
    single = None if _NEEDS_ESCAPE.search(value) else "'" + value.replace("'", "''") + "'"
    double = '"' + _NEEDS_ESCAPE.sub(_escape, re.sub(r'[\\"]', r"\\\g<0>", value)) + '"'
    order: list[str | None] = [plain, single, double]
    if style in ("'", '"'):
        order = [single, double] if style == "'" else [double]
    problem = "no YAML string style reads it back"
    for text in order:
        if text is not None:
            problem = _read_back(text, value, flow) or ""
            if not problem:
                return text
    raise ConfigEditError(f"cannot write {value!r}: {problem}")


def flow_text(value: Any) -> str:
    """A value on one line: `{k: v, ...}`, `[a, b]` or a scalar."""
    if isinstance(value, Mapping):
        pairs = (f"{flow_key(k)}: {flow_text(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    return scalar_text(value, style=None, flow=True)


def flow_key(key: str) -> str:
    return scalar_text(key, style=None, flow=True)


def value_lines(value: Any, *, top: bool) -> tuple[str, list[str]]:
    """A mapping's value: what follows `key:` on its line (`[a, b]`, `|-` or nothing), then
    the lines below it, indented relative to the key. A top-level value writes a list as a
    block of items."""
    if top:
        lines = _dump({"k": value})
        return lines[0][2:].strip(), lines[1:]
    lines = _dump({"w": {"k": value}})[1:]
    return lines[0][4:].strip(), [line[2:] for line in lines[1:]]


def key_lines(key: str, value: Any, *, top: bool) -> list[str]:
    """A new `key: value` pair, indented relative to its mapping."""
    if top:
        return _dump({key: value})
    return [line[2:] for line in _dump({"w": {key: value}})[1:]]


def item_lines(value: Any, *, key_offset: int, flow_map: bool | None) -> list[str]:
    """A sequence item's lines, indented relative to its `-`. A mapping is written on one
    line (`{...}`) when `flow_map` is true and it fits, a block when false, and as `value`
    says (a FlowMap or not) when None; the keys of a block mapping sit `key_offset` columns
    right of the `-`."""
    if isinstance(value, Mapping) and flow_map is not None:
        value = FlowMap(value) if flow_map else dict(value)
    lines = _dump({"w": [value]})[1:]
    head = lines[0][4:]
    block_map = isinstance(value, Mapping) and bool(value) and head[:1] != "{"
    offset = key_offset if block_map else 2
    first = ("-" + " " * (offset - 1) + head).rstrip()
    return [first, *(" " * offset + line[4:] if line else "" for line in lines[1:])]


def _dump(data: dict[str, Any]) -> list[str]:
    try:
        return dump_config(data).splitlines()
    except ValueError as exc:
        raise ConfigEditError(str(exc).removeprefix("config_writer: ")) from None


def _plain_shape(text: str, flow: bool) -> bool:
    """Plain when config_dump would write it plain (its rules for what must be quoted)."""
    if "\n" in text or (flow and _FLOW_RESERVED.search(text)):
        return False
    return _dump({"k": text}) == [f"k: {text}"]


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _read_back(text: str, value: str, flow: bool) -> str | None:
    """Why `text` does not read back as `value` (None when it does)."""
    try:
        node = compose(f"[{text}]" if flow else f"k: {text}")
        data = plain_data(node) if node is not None else None
    except YamlSourceError as exc:
        return exc.message
    return None if data == ([value] if flow else {"k": value}) else f"{text} reads back as {data!r}"
