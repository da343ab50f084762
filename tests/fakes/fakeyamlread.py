"""A small YAML reader for the fakes (stdlib only; see README.md beside this file).

The fakes are test doubles, not Kubernetes: `parse_document` reads the block-style YAML that
this project, kustomize and kubectl write (maps, lists, plain/quoted/literal scalars, folded
plain and quoted lines, small flow collections), resolving scalars as yaml.v2 does (y/n and
on/off are booleans). Anything else is a `YamlError`, which the fakes report the way kubectl
reports a manifest it cannot parse.
"""

from __future__ import annotations

import json
import re
from typing import Any


class YamlError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"yaml: line {line}: {message}")
        self.line = line


_BOOLS = {
    **dict.fromkeys(
        ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True
    ),
    **dict.fromkeys(
        ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False
    ),
}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_HEX = re.compile(r"^0x[0-9a-fA-F_]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip


def resolve_plain(text: str) -> Any:
    """A plain scalar's value, with yaml.v2's YAML 1.1 rules (y/n/on/off are booleans)."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _HEX.match(text):
        return int(text[2:].replace("_", ""), 16)
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text)
    if text.lower() in (".inf", "+.inf"):
        return float("inf")
    if text.lower() == "-.inf":
        return float("-inf")
    return text


def _double_quoted(body: str, line: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1 : i + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width:
                raise YamlError(line, "found invalid escape sequence in a double-quoted scalar")
            out.append(chr(int(digits, 16)))
            i += 2 + width
        else:
            raise YamlError(line, "found unknown escape character while parsing a quoted scalar")
    return "".join(out)


def _strip_comment(text: str) -> str:
    """Drop a ` #` comment outside quotes."""
    quote = ""
    escaped = False
    for i, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"" and (i == 0 or text[i - 1] in " [{,:"):
            quote = char
        elif char == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


class _Parser:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()

    def error(self, index: int, message: str) -> YamlError:
        return YamlError(index + 1, message)

    def skip(self, i: int) -> int:
        while i < len(self.lines) and (
            not self.lines[i].strip() or self.lines[i].lstrip().startswith("#")
        ):
            i += 1
        return i

    @staticmethod
    def indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    def document(self) -> Any:
        i = self.skip(0)
        if i >= len(self.lines):
            return None
        if "\t" in self.lines[i][: self.indent(self.lines[i]) + 1]:
            raise self.error(i, "found character that cannot start any token")
        value, i = self.block(i, self.indent(self.lines[i]))
        i = self.skip(i)
        if i < len(self.lines):
            raise self.error(i, "did not find expected key")
        return value

    def block(self, i: int, indent: int) -> tuple[Any, int]:
        line = self.lines[i][indent:]
        if line == "-" or line.startswith("- "):
            return self.sequence(i, indent)
        if re.match(r"^[\[{]", line):
            value, end = self.flow(i, indent)
            return value, end
        if line.startswith(("'", '"')) and _key_of(line) is None:
            return self.value(i, line, indent - 1)
        if _key_of(line) is None:
            return self.plain_lines(i, indent, line, indent - 1)
        return self.mapping(i, indent)

    def sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        while i < len(self.lines):
            i = self.skip(i)
            if i >= len(self.lines):
                break
            line = self.lines[i]
            here = self.indent(line)
            if here < indent:
                break
            if here > indent:
                raise self.error(i, "did not find expected '-' indicator")
            rest = line[indent:]
            if rest != "-" and not rest.startswith("- "):
                break
            if rest.strip() == "-":
                i = self.skip(i + 1)
                if i < len(self.lines) and self.indent(self.lines[i]) > indent:
                    value, i = self.block(i, self.indent(self.lines[i]))
                else:
                    value = None
                items.append(value)
                continue
            # "- key: v" / "- - x": the item is a block at the column after "- ".
            column = indent + 2 + (len(rest) - 2 - len(rest[2:].lstrip(" ")))
            self.lines[i] = " " * column + rest[2:].lstrip(" ")
            content = self.lines[i][column:]
            if _key_of(content) is not None or content.startswith("- ") or content == "-":
                value, i = self.block(i, column)
            else:
                value, i = self.value(i, content, indent)
            items.append(value)
        return items, i

    def mapping(self, i: int, indent: int) -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        while i < len(self.lines):
            i = self.skip(i)
            if i >= len(self.lines):
                break
            line = self.lines[i]
            here = self.indent(line)
            if here < indent:
                break
            if here > indent:
                raise self.error(i, "mapping values are not allowed in this context")
            parsed = _key_of(line[indent:])
            if parsed is None:
                if line[indent:].startswith("- "):
                    break
                raise self.error(i, "could not find expected ':'")
            key, rest = parsed
            if key in out:
                raise self.error(i, f'mapping key "{key}" already defined')
            if _strip_comment(rest).strip():
                out[key], i = self.value(i, rest.strip(), indent)
                continue
            j = self.skip(i + 1)
            if j < len(self.lines) and self.indent(self.lines[j]) > indent:
                out[key], i = self.block(j, self.indent(self.lines[j]))
            elif (
                j < len(self.lines)
                and self.indent(self.lines[j]) == indent
                and (self.lines[j][indent:] == "-" or self.lines[j][indent:].startswith("- "))
            ):
                out[key], i = self.sequence(j, indent)
            else:
                out[key], i = None, i + 1
        return out, i

    def value(self, i: int, rest: str, parent: int) -> tuple[Any, int]:
        """The scalar or flow value after `key:` or `- ` on line i."""
        if re.match(r"^[|>][-+]?[0-9]?$", _strip_comment(rest)):
            return self.block_scalar(i, _strip_comment(rest), parent)
        if rest[0] in "[{":
            return self.flow_text(i, rest, parent)
        if rest[0] in "'\"":
            return self.quoted(i, rest)
        if rest[0] in "&*!%@`":
            raise self.error(i, f"fake YAML parser does not support {rest[0]!r}")
        return self.plain_lines(i, parent + 1, rest, parent)

    def quoted(self, i: int, rest: str) -> tuple[str, int]:
        """A single- or double-quoted scalar, folded over as many lines as it spans."""
        quote = rest[0]
        raw, j = rest, i + 1
        while True:
            end = _closing_double(raw) if quote == '"' else _closing_single(raw)
            if end >= 0:
                break
            if j >= len(self.lines):
                raise self.error(i, "found unexpected end of stream")
            raw += "\n" + self.lines[j]
            j += 1
        if _strip_comment(raw[end + 1 :]).strip():
            raise self.error(j - 1, "did not find expected key")
        text = _fold_quoted(raw[1:end], quote == '"')
        if quote == "'":
            return text.replace("''", "'"), j
        return _double_quoted(text, i + 1), j

    def plain_lines(self, i: int, indent: int, first: str, parent: int) -> tuple[Any, int]:
        """A plain scalar, folded over the more-indented lines that follow it (a line break is
        a space, each blank line a newline). ": " has no place in it, as in yaml.v2."""
        text = _strip_comment(first).strip()
        self.plain_check(i, text)
        folded, blank = False, 0
        j = i + 1
        while j < len(self.lines):
            line = self.lines[j]
            if not line.strip():
                blank += 1
                j += 1
                continue
            if self.indent(line) <= parent or line.lstrip().startswith("#"):
                break
            more = _strip_comment(line.strip())
            self.plain_check(j, more)
            text += ("\n" * blank if blank else " ") + more
            folded, blank = True, 0
            j += 1
        return (text if folded else resolve_plain(text)), j - blank

    def plain_check(self, index: int, text: str) -> None:
        if ": " in text or text.endswith(":"):
            raise self.error(index, "mapping values are not allowed in this context")

    def block_scalar(self, i: int, header: str, parent: int) -> tuple[str, int]:
        """A literal (|) or folded (>) block, with its chomping indicator (- +)."""
        chomp = "-" if "-" in header else "+" if "+" in header else ""
        j = i + 1
        body: list[str] = []
        width = None
        while j < len(self.lines):
            line = self.lines[j]
            if line.strip():
                here = self.indent(line)
                if here <= parent or (width is not None and here < width):
                    break
                width = here if width is None else width
                body.append(line[width:])
            else:
                body.append("")
            j += 1
        blank = 0
        while body and body[-1] == "":
            body.pop()
            blank += 1
        text = "\n".join(_fold(body) if header.startswith(">") else body)
        if not body:  # only empty lines: they are the content's line breaks
            return ("" if chomp == "-" else "\n" * (blank if chomp == "+" else min(blank, 1))), j
        if chomp == "-":
            return text, j
        return text + "\n" * (1 + (blank if chomp == "+" else 0)), j

    def flow(self, i: int, indent: int) -> tuple[Any, int]:
        return self.flow_text(i, self.lines[i][indent:], indent - 1)

    def flow_text(self, i: int, text: str, parent: int) -> tuple[Any, int]:
        """A flow collection, possibly over several lines."""
        j = i + 1
        while _flow_depth(text) > 0 and j < len(self.lines):
            text += " " + self.lines[j].strip()
            j += 1
        try:
            value, end = _flow(_strip_comment(text), 0)
        except ValueError as exc:
            raise self.error(i, str(exc)) from None
        if _strip_comment(text)[end:].strip():
            raise self.error(i, "did not find expected <document end>")
        return value, j


def _key_of(text: str) -> tuple[str, str] | None:
    """(key, rest) when `text` is `key: rest` (plain or quoted key), else None."""
    if text.startswith(('"', "'")):
        quote = text[0]
        end = _closing_double(text) if quote == '"' else _closing_single(text)
        if end < 0 or not text[end + 1 :].startswith(":"):
            return None
        after = text[end + 2 :]
        if after and not after.startswith(" "):
            return None
        key = text[1:end]
        return (_double_quoted(key, 0) if quote == '"' else key.replace("''", "'")), after
    if not text or text[0] in " #[]{},&*!|>%@`" or text.startswith(("- ", "? ")):
        return None
    for i, char in enumerate(text):
        if char == "#" and text[i - 1] in " \t":
            return None
        if char == ":" and (i + 1 == len(text) or text[i + 1] == " "):
            return text[:i].rstrip(), text[i + 2 :]
    return None


def _closing_double(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return -1


def _closing_single(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "'":
            if text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return -1


def _fold_quoted(raw: str, double: bool) -> str:
    """YAML line folding inside quotes: a break is a space, each blank line a newline, and
    in double quotes a backslash before the break joins the lines."""
    lines = raw.split("\n")
    if len(lines) == 1:
        return raw
    out = lines[0].rstrip(" \t")
    blanks = 0
    for index, line in enumerate(lines[1:], start=1):
        last = index == len(lines) - 1
        text = line.lstrip(" \t") if last else line.strip(" \t")
        if not text and not last:
            blanks += 1
            continue
        escaped = len(out) - len(out.rstrip("\\"))
        if double and escaped % 2 == 1:
            out = out[:-1] + "\n" * blanks + text
        elif blanks:
            out += "\n" * blanks + text
        else:
            out += " " + text
        blanks = 0
    return out


def _fold(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if out and line and out[-1] and not line.startswith(" "):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def _flow_depth(text: str) -> int:
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth


def _flow(text: str, i: int) -> tuple[Any, int]:
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        raise ValueError("did not find expected node content")
    opener = text[i]
    if opener in "[{":
        closer = "]" if opener == "[" else "}"
        items: list[Any] = []
        mapping: dict[str, Any] = {}
        i += 1
        while True:
            while i < len(text) and text[i] == " ":
                i += 1
            if i < len(text) and text[i] == closer:
                return (mapping if opener == "{" else items), i + 1
            item, i = _flow(text, i)
            while i < len(text) and text[i] == " ":
                i += 1
            if opener == "{":
                if i >= len(text) or text[i] != ":":
                    raise ValueError("did not find expected ',' or '}'")
                value, i = _flow(text, i + 1)
                mapping[str(item)] = value
            else:
                items.append(item)
            while i < len(text) and text[i] == " ":
                i += 1
            if i < len(text) and text[i] == ",":
                i += 1
            elif i >= len(text) or text[i] != closer:
                raise ValueError(f"did not find expected ',' or '{closer}'")
    if opener == '"':
        end = _closing_double(text[i:])
        if end < 0:
            raise ValueError("found unexpected end of stream")
        return _double_quoted(text[i + 1 : i + end], 0), i + end + 1
    if opener == "'":
        match = re.match(r"'((?:[^']|'')*)'", text[i:])
        if not match:
            raise ValueError("found unexpected end of stream")
        return match.group(1).replace("''", "'"), i + match.end()
    match = re.match(r"[^,\]}]*?(?=:\s|:$|[,\]}]|$)", text[i:])
    plain = match.group(0) if match else ""
    return resolve_plain(plain.strip()), i + len(plain)


def parse_document(text: str) -> Any:
    """One YAML document (JSON included) as Python data; YamlError when it cannot be read."""
    if text.lstrip().startswith(("{", "[")) and not text.lstrip().startswith("[{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return _Parser(text.replace("\r\n", "\n")).document()
