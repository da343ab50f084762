"""Byte-exact YAML output of ``sigs.k8s.io/yaml.Marshal``, as ``flux create ... --export`` prints.

The Flux CLI renders its objects with ``sigs.k8s.io/yaml.Marshal``: the Go value is
encoded with ``encoding/json``, that JSON text is decoded again by the project's copy
of ``gopkg.in/yaml.v2`` (so every number is re-typed by the YAML 1.1 resolver), and
the result is printed by yaml.v2's emitter (a Go port of libyaml).  PyYAML's
``safe_dump`` differs in quoting, key order and literal blocks, so this is a small,
purpose-built re-implementation of exactly the parts of that pipeline a
``dict``/``list``/scalar tree can reach, in three modules:

* ``goresolve`` -- Go's numbers (``json_number``) and yaml.v2's resolver;
* ``scalars`` -- key order (``natural_key``), scalar style, quoting and escapes;
* here -- the block emitter and :func:`dump`.

What this module reproduces (see ``tests/test_yamlemit.py`` for examples of each):

* **Line folding** at column 80 for plain, single- and double-quoted scalars that
  contain spaces, exactly as the emitter tracks columns (keys never fold).
* **Literal blocks** (``|-``, ``|``, ``|+``, with an indentation indicator when the
  text starts with a space) for strings holding a newline.
* **Layout** -- 2-space block indentation, sequences under a mapping key are not
  indented, ``- k: v`` for mappings in sequences, ``- - x`` for nested sequences,
  ``{}``/``[]`` for empty collections, ``? key`` for keys that are multi-line or
  longer than 128 bytes.

The output is one document without the leading ``---`` and with a trailing newline,
i.e. what ``yaml.Marshal`` returns before Flux's own post-processing.  Values the Go
code cannot marshal (NaN/Inf, raw control characters the YAML reader rejects) raise
:class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .goresolve import json_number
from .scalars import (
    BREAKS,
    LITERAL,
    MUST_ESCAPE,
    PLAIN,
    SINGLE,
    escape_char,
    is_printable,
    ordered_keys,
    scalar_info,
)

__all__ = ["dump"]

# Emitter settings yaml.v2 ends up with: best_indent 2, best_width 80.
_BEST_WIDTH: Final = 80

_PADS: Final = tuple("\n" + " " * i for i in range(64))


def _key_text(key: object) -> str:
    """A map key as encoding/json writes it (bools are not valid Go JSON keys, but
    give them their YAML spelling)."""
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


class _Emitter:
    """Mirrors the yaml_emitter_t fields that matter for block output."""

    __slots__ = ("column", "indent", "indention", "out", "whitespace")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.whitespace = True
        self.indention = True

    # -- low level writers (yaml_emitter_write_indent / write_indicator) ------

    def write_indent(self) -> None:
        indent = self.indent if self.indent > 0 else 0
        column = self.column
        if not self.indention or column > indent or (column == indent and not self.whitespace):
            self.out.append(_PADS[indent] if indent < 64 else "\n" + " " * indent)
            column = indent
        elif column < indent:
            self.out.append(" " * (indent - column))
            column = indent
        self.column = column
        self.whitespace = True
        self.indention = True

    def write_indicator(self, ind: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.out.append(" " + ind)
            self.column += 1 + len(ind)
        else:
            self.out.append(ind)
            self.column += len(ind)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    # -- nodes ----------------------------------------------------------------

    def node(self, value: Any, mapping_ctx: bool) -> None:
        t = type(value)
        if t is str:
            self.string(value)
        elif t is dict:
            self.mapping(value)
        elif t is list or t is tuple:
            self.sequence(value, mapping_ctx)
        elif t is bool:
            self.token("true" if value else "false")
        elif t is int or t is float:
            self.token(json_number(value))
        elif value is None:
            self.token("null")
        elif isinstance(value, str):
            self.string(str.__str__(value))
        elif isinstance(value, Mapping):
            self.mapping(value)
        elif isinstance(value, (list, tuple)):
            self.sequence(value, mapping_ctx)
        elif isinstance(value, bool):
            self.token("true" if value else "false")
        elif isinstance(value, (int, float)):
            self.token(json_number(value))
        else:
            raise TypeError(f"cannot render a value of type {t.__name__}: {value!r}")

    def token(self, text: str) -> None:
        """A plain scalar without spaces (numbers, booleans, null)."""
        if self.whitespace:
            self.out.append(text)
            self.column += len(text)
        else:
            self.out.append(" " + text)
            self.column += 1 + len(text)
        self.whitespace = False
        self.indention = False

    def empty(self, text: str) -> None:
        """``{}`` / ``[]``: a flow collection with no items."""
        self.write_indicator(text[0], True, True, False)
        self.write_indicator(text[1], False, False, False)

    def mapping(self, m: Mapping[Any, Any]) -> None:
        if not m:
            self.empty("{}")
            return
        try:
            order = ordered_keys(tuple(m))
        except TypeError:
            m = {_key_text(k): v for k, v in m.items()}
            order = ordered_keys(tuple(m))
        saved = self.indent
        self.indent = 0 if saved < 0 else saved + 2
        for key in order:
            self.write_indent()
            info = scalar_info(key)
            if info[3]:
                # Simple key: never folded, never a literal, no leading space needed
                # (write_indent left whitespace set).
                self.out.append(info[1] + ":")
                self.column += len(info[1]) + 1
                self.whitespace = False
                self.indention = False
            else:
                self.write_indicator("?", True, False, True)
                self.string(key)
                self.write_indent()
                self.write_indicator(":", True, False, True)
            self.node(m[key], True)
        self.indent = saved

    def sequence(self, seq: list[Any] | tuple[Any, ...], mapping_ctx: bool) -> None:
        if not seq:
            self.empty("[]")
            return
        saved = self.indent
        if saved < 0:
            self.indent = 0
        elif not (mapping_ctx and not self.indention):
            self.indent = saved + 2
        for item in seq:
            self.write_indent()
            self.out.append("-")
            self.column += 1
            self.whitespace = False
            self.node(item, False)
        self.indent = saved

    # -- string scalars ---------------------------------------------------------

    def string(self, raw: str) -> None:
        style, text, fold_at, _, s = scalar_info(raw)
        if style == LITERAL:
            self.literal(s)
            return
        start = self.column if self.whitespace else self.column + 1
        if start + fold_at <= _BEST_WIDTH:
            self.out.append(text if self.whitespace else " " + text)
            self.column = start + len(text)
            self.whitespace = False
            self.indention = False
            return
        saved = self.indent
        self.indent = saved + 2  # yaml_emitter_emit_scalar: increase_indent(flow=true)
        if style == PLAIN:
            self.plain_folded(s)
        elif style == SINGLE:
            self.single_folded(s)
        else:
            self.double_folded(s)
        self.indent = saved

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def write_break(self, c: str) -> None:
        """yaml_emitter_write_break: copy the line break; the next line starts at column 0."""
        self.out.append(c)
        self.column = 0
        self.indention = True

    def write_text(self, text: str, after_break: bool) -> None:
        """One character of a single-quoted or literal scalar, as written; the first one
        after a line break indents its line first."""
        if after_break:
            self.write_indent()
        self.put(text)
        self.indention = False

    def plain_folded(self, s: str) -> None:
        """yaml_emitter_write_plain_scalar with allow_breaks (no breaks in plain text)."""
        if not self.whitespace:
            self.put(" ")
        spaces = False
        for i, c in enumerate(s):
            if c == " ":
                if not spaces and self.column > _BEST_WIDTH and s[i + 1] != " ":
                    self.write_indent()
                else:
                    self.put(" ")
                spaces = True
            else:
                self.put(c)
                self.indention = False
                spaces = False
        self.whitespace = False
        self.indention = False

    def single_folded(self, s: str) -> None:
        """yaml_emitter_write_single_quoted_scalar with allow_breaks."""
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        last = len(s) - 1
        for i, c in enumerate(s):
            if c == " ":
                if not spaces and self.column > _BEST_WIDTH and 0 < i < last and s[i + 1] != " ":
                    self.write_indent()
                else:
                    self.put(" ")
                spaces = True
            elif c in BREAKS:
                self.write_break(c)  # only LS/PS get here: others force double quotes
                breaks = True
            else:
                self.write_text("''" if c == "'" else c, breaks)
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    def double_folded(self, s: str) -> None:
        """yaml_emitter_write_double_quoted_scalar with allow_breaks."""
        self.write_indicator('"', True, False, False)
        escape_all = s.startswith("\ufeff")
        spaces = False
        last = len(s) - 1
        for i, c in enumerate(s):
            if escape_all or c in MUST_ESCAPE or not is_printable(c):
                self.put(escape_char(c))
                spaces = False
            elif c == " ":
                if not spaces and self.column > _BEST_WIDTH and 0 < i < last:
                    self.write_indent()
                    if s[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(" ")
                spaces = True
            else:
                self.put(c)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def literal(self, s: str) -> None:
        """yaml_emitter_write_literal_scalar (with write_block_scalar_hints)."""
        indent = self.indent + 2
        head = "|"
        if s[0] == " " or s[0] in BREAKS:
            head += "2"  # indentation indicator: best_indent
        if s[-1] not in BREAKS:
            head += "-"
        elif len(s) == 1 or s[-2] in BREAKS:
            head += "+"
        self.write_indicator(head, True, False, False)
        if "\u2028" not in s and "\u2029" not in s:
            pad = " " * indent
            lines = s.split("\n")
            self.out.append("\n" + "\n".join([pad + line if line else "" for line in lines]))
            if lines[-1]:
                self.column = indent + len(lines[-1])
                self.indention = False
            else:
                self.column = 0
                self.indention = True
            self.whitespace = True
            return
        # Raw LS/PS also end a line: copy them, then indent the next character.
        self.write_break("\n")
        self.whitespace = True
        saved = self.indent
        self.indent = indent
        breaks = True
        for c in s:
            if c in BREAKS:
                self.write_break(c)
                breaks = True
            else:
                self.write_text(c, breaks)
                breaks = False
        self.indent = saved


def dump(data: Mapping[str, Any]) -> str:
    """Render *data* exactly as ``sigs.k8s.io/yaml.Marshal`` renders the same value.

    *data* may nest dicts/Mappings, lists/tuples, str, bool, int, float and None.
    The result is one block-style document ending in ``"\\n"`` with no leading
    ``---``.  Raises :class:`ValueError` for values the Go code cannot marshal
    (NaN/Inf, raw control characters the YAML reader rejects) and
    :class:`TypeError` for other types.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"dump() takes a mapping, not {type(data).__name__}")
    emitter = _Emitter()
    emitter.mapping(data)
    # yaml_emitter_emit_document_end: write_indent with the root indent restored.
    emitter.indent = -1
    emitter.write_indent()
    return "".join(emitter.out)
