"""Helm values read exactly as `flux create hr --values FILE` reads them.

Flux's pipeline, per values file: sigs.k8s.io/yaml parses with yaml.v2 (YAML 1.1 words
such as `y`/`off` are booleans; ints follow Go `strconv.ParseInt(s, 0, 64)`; no base-60
numbers; timestamps stay strings), turns non-string keys into strings, writes JSON, reads
it back into a `map[string]interface{}` (every number a float64), deep-merges the files
(a later file wins; maps merge key by key, anything else replaces) and writes JSON again.
The manifest is then printed by `sigs.k8s.io/yaml.Marshal`, which `emit.dump()` copies.

`read_values_text()`/`read_values_node()` return that data as `dump()` expects it: an
integral number below 1e21 becomes the int Go's JSON text spells (`1e3` -> 1000,
`9223372036854775807` -> 9223372036854776000), other numbers floats. What Flux refuses
(`.inf`/`.nan` values, null or uint64 keys, collection keys) raises HelmValuesError with
the node's line:col. Integers that a float64 cannot hold exactly come back as Flux writes
them, with a ValuesWarning. Two different keys that become the same JSON key (`1` and
`1.0`) are refused: Flux keeps one of them at random.

yaml.v2's key order is not a total order for some numeric-looking key sets (`"2.5"`,
`"16"`, `"1e+10"`), so Flux prints those in a varying order. Mappings come out with their
keys in code-point order; `dump()`'s stable sort then always picks the same order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..yamlio.go_float import float32_text

# yaml.v2's float pattern and Go's strconv integer rules, shared with the emitter.
from ..yamlio.goresolve import (
    BAD_UNDERSCORE,
    GO_DOT_FLOAT,
    YAML_STYLE_FLOAT,
    go_big_int_ok,
    go_parse_int,
    go_parse_uint,
    json_number,
)
from ..yamlio.source import MAX_DEPTH, STR, YamlSourceError, compose, position, scalar

__all__ = [
    "HelmValues",
    "HelmValuesError",
    "ValuesWarning",
    "merge_values",
    "read_values_node",
    "read_values_text",
    "reads_as_string",
    "resolve_plain",
]

_INT64_MAX = (1 << 63) - 1
_UINT64_MAX = (1 << 64) - 1
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAGS = ("!!str", "!<tag:yaml.org,2002:str>")
# yaml.v2 resolveMap: the words it reads as a bool, null or special float.
_WORDS: dict[str, Any] = {
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False
    ),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}


class HelmValuesError(YamlSourceError):
    """Values Flux would refuse; `path` is the place inside the values (`.image.tag`)."""

    def __init__(self, node: Node, path: str, message: str) -> None:
        super().__init__(*position(node), message)
        self.path = path


@dataclass(frozen=True)
class ValuesWarning:
    line: int
    col: int
    path: str  # inside the values, like HelmValuesError.path
    message: str


@dataclass(frozen=True)
class HelmValues:
    data: dict[str, Any]
    warnings: tuple[ValuesWarning, ...] = ()


# ------------------------------------------------------------ yaml.v2: text -> Go value


def resolve_plain(text: str) -> Any:
    """The Go value yaml.v2's `resolve("", text)` gives a plain scalar, decoded into an
    interface{}: bool, None, int (int, int64 or uint64), float, or the text itself."""
    if text in _WORDS:
        return _WORDS[text]
    first = text[0]
    if first == ".":  # strconv.ParseFloat of the raw text (underscores between digits)
        if GO_DOT_FLOAT.fullmatch(text) and not BAD_UNDERSCORE.search(text):
            return _finite(text.replace("_", ""), text)
        return text
    if first not in "+-0123456789":  # resolveTable hint 0 or 'M': a string
        return text
    plain = text.replace("_", "")
    number, error = go_parse_int(plain, 0)
    if error is None:
        return number
    number, uint_error = go_parse_uint(plain, 0)
    if uint_error is None:
        return number
    if YAML_STYLE_FLOAT.fullmatch(plain):
        value = _finite(plain, None)
        if value is not None:
            return value
    # yaml.v2's own binary forms, tried after ParseInt's `0b` already failed.
    if plain.startswith("0b"):
        for parse in (go_parse_int, go_parse_uint):
            number, error = parse(plain[2:], 2)
            if error is None:
                return number
    elif plain.startswith("-0b"):
        number, error = go_parse_int("-" + plain[3:], 2)
        if error is None:
            return number
    # sigs.k8s.io/yaml's copy of yaml.v2 (v1.4 on) reads a wider unsigned int as a big.Int.
    if uint_error == "range" and go_big_int_ok(plain):
        return _big_int(plain)
    return text  # e.g. `2:30`, `2024-01-01`, `-0x1p3`: no number yaml.v2 accepts


def _big_int(plain: str) -> int:
    """`big.Int.SetString(plain, 0)` of an unsigned literal go_big_int_ok accepted."""
    prefix = plain[:2].lower()
    if prefix in ("0b", "0o", "0x"):
        return int(plain[2:], {"0b": 2, "0o": 8, "0x": 16}[prefix])
    if plain.startswith("0"):
        return int(plain[1:], 8)
    # Decimal text gets here only past the float64 range, which Flux refuses whatever the
    # digits; Python refuses str->int conversions beyond 4300 digits.
    return int(plain[:4300])


def reads_as_string(text: str) -> bool:
    """True when yaml.v2 reads `text`, written plain, back as that same string."""
    return isinstance(resolve_plain(text), str) and text != "<<"


def _finite(text: str, otherwise: Any) -> Any:
    value = float(text)  # ParseFloat fails (range) where Python gives an infinity
    return value if math.isfinite(value) else otherwise


def _tag_text(node: Node) -> str | None:
    """The tag written on a node (`!!str`), read from the source text when it is there."""
    mark = node.start_mark
    buffer = mark.buffer
    if buffer is None:  # libyaml marks: compose() only uses libyaml for text without '!'
        return None
    at = mark.pointer
    if buffer.startswith("&", at):  # an anchor comes first: `&a !!str x`
        while at < len(buffer) and buffer[at] not in " \t\r\n":
            at += 1
        while at < len(buffer) and buffer[at] in " \t\r\n":
            at += 1
    if not buffer.startswith("!", at):
        return None
    end = at
    while end < len(buffer) and buffer[end] not in " \t\r\n,]}":
        end += 1
    return buffer[at:end]


def _go_scalar(node: ScalarNode, path: str) -> Any:
    tag = _tag_text(node)
    if tag is not None:
        if tag not in _STR_TAGS:
            raise HelmValuesError(
                node, path, f"YAML tag {tag} is not supported in Helm values (only !!str)"
            )
        return _text(node, node.value, path)
    # Plain scalars (style None, or "" from libyaml) resolve by yaml.v2's rules; quoted and
    # block scalars are strings.
    value = node.value if node.style else resolve_plain(node.value)
    return _text(node, value, path) if isinstance(value, str) else value


def _text(node: ScalarNode, text: str, path: str) -> str:
    """`text`, unless it holds a character no manifest can carry."""
    try:
        return str(scalar(ScalarNode(STR, text, node.start_mark, node.end_mark)))
    except YamlSourceError as exc:
        raise HelmValuesError(node, path, exc.message) from None


# ------------------------------------------------- JSON: Go value -> what Flux holds


def _json_key(node: Node, path: str) -> tuple[Any, str]:
    """(identity of the Go map key, the JSON key sigs.k8s.io/yaml makes of it)."""
    if not isinstance(node, ScalarNode):
        raise HelmValuesError(
            node, path, "a mapping or list cannot be a key (yaml.v2: invalid map key)"
        )
    value = _go_scalar(node, path)
    if value == "<<":  # plain, yaml.v2 merges there; quoted, whoever reads the manifest would
        raise HelmValuesError(node, path, "a key '<<' is read as a YAML merge key")
    if isinstance(value, str):
        return ("str", value), value
    if isinstance(value, bool):
        return ("bool", value), "true" if value else "false"
    if value is None:
        raise HelmValuesError(
            node,
            path,
            "a null key cannot become a JSON key: Flux refuses it (unsupported map key of type <nil>)",
        )
    if isinstance(value, int):
        if value > _INT64_MAX:
            go_type = "uint64" if value <= _UINT64_MAX else "*big.Int"
            raise HelmValuesError(
                node,
                path,
                f"key {_brief(node.value)} is above the int64 range: Flux refuses it (unsupported map key of type: {go_type})",
            )
        return ("int", value), str(value)
    # A float key: NaN never equals another key; -0.0 and 0.0 are the same Go key.
    identity = ("nan", id(node)) if math.isnan(value) else ("float", value)
    return identity, float32_text(value)


def _number(value: float) -> int | float:
    """A float64 after json.Marshal and yaml.v2's resolve: integral values below 1e21 are
    written without exponent (shortest digits, then zeros) and read back as an int when
    they fit int64/uint64."""
    if value.is_integer() and abs(value) < 1e21:
        whole = int(Decimal(repr(value)))
        if -_INT64_MAX - 1 <= whole <= _UINT64_MAX:
            return whole
    return value


class _Reader:
    def __init__(self) -> None:
        self.warnings: list[ValuesWarning] = []

    def value(self, node: Node, path: str, depth: int) -> Any:
        if depth >= MAX_DEPTH and isinstance(node, (MappingNode, SequenceNode)):
            raise HelmValuesError(node, path, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                raise HelmValuesError(
                    node, path, f"YAML tag {_short(node.tag)} is not supported in Helm values"
                )
            return [
                self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)
            ]
        assert isinstance(node, ScalarNode)
        value = _go_scalar(node, path)
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, float) and not math.isfinite(value):
            go = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            raise HelmValuesError(
                node,
                path,
                f"{_brief(node.value)} is not a number JSON can hold: Flux refuses it (json: unsupported value: {go}); quote it for a string",
            )
        try:
            as_float = float(value)
        except OverflowError:  # a big.Int past the float64 range
            raise HelmValuesError(
                node,
                path,
                f"{_brief(node.value)} is too large for a float64: Flux refuses it (json: cannot unmarshal number into Go value of type float64)",
            ) from None
        written = value if isinstance(value, int) else _integer_literal(node.value)
        if written is not None and as_float != written:
            self.warnings.append(
                ValuesWarning(
                    *position(node),
                    path,
                    f"{_brief(node.value)} is beyond 2^53: Flux turns every number into a float64 "
                    f"and writes {json_number(_number(as_float))}; quote it to keep it exact",
                )
            )
        return _number(as_float)

    def mapping(self, node: MappingNode, path: str, depth: int) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            raise HelmValuesError(
                node, path, f"YAML tag {_short(node.tag)} is not supported in Helm values"
            )
        # yaml.v2 decodes every pair into a Go map (a repeated key: the later pair wins);
        # sigs.k8s.io/yaml then turns the surviving keys into strings.
        pairs: dict[Any, tuple[str, Node, Node]] = {}
        for key_node, value_node in node.value:
            written = _brief(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            identity, key = _json_key(key_node, f"{path}.{written}")
            pairs[identity] = (key, key_node, value_node)
        seen: dict[str, Node] = {}
        out: dict[str, Any] = {}
        for key, key_node, value_node in sorted(pairs.values(), key=lambda p: position(p[1])):
            if key in seen:
                line, col = position(seen[key])
                raise HelmValuesError(
                    key_node,
                    f"{path}.{key}",
                    f"key {_brief(key_node.value)} and the key {_brief(seen[key].value)} at {line}:{col} both become "
                    f"{key!r} in JSON, and Flux keeps one of them at random: keep one",
                )
            seen[key] = key_node
            out[key] = self.value(value_node, f"{path}.{key}", depth + 1)
        return _canonical(out)


def _integer_literal(text: str) -> int | None:
    """The integer a decimal literal spells (yaml.v2 read it as a float: past uint64)."""
    digits = text.replace("_", "")
    if len(digits) > 400 or not digits.lstrip("+-").isdigit() or not digits.isascii():
        return None  # longer ones are past the float64 range, refused before this
    return int(digits)


def _brief(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _canonical(data: dict[str, Any]) -> dict[str, Any]:
    """Keys in code-point order, so dump()'s stable natural sort is deterministic."""
    return {key: data[key] for key in sorted(data)}


def read_values_node(node: Node | None) -> HelmValues:
    """One values document's node tree (None: empty or comment-only) -> Flux's map."""
    if node is None or (isinstance(node, ScalarNode) and _go_scalar(node, "") is None):
        return HelmValues({})  # JSON null unmarshals into an empty map
    if not isinstance(node, MappingNode):
        kind = "a list" if isinstance(node, SequenceNode) else "a single value"
        raise HelmValuesError(
            node,
            "",
            f"Helm values must be a mapping, not {kind} (Flux cannot unmarshal it into a map)",
        )
    reader = _Reader()
    data = reader.mapping(node, "", 0)
    return HelmValues(data, tuple(reader.warnings))


def read_values_text(text: str) -> HelmValues:
    """A values file's text -> Flux's map; YamlSourceError (with line:col) if refused."""
    try:
        tree = compose(text)
    except YamlSourceError as exc:
        if "found another document" in exc.message:
            raise YamlSourceError(
                exc.line,
                exc.col,
                "a values file holds one YAML document; Flux would read only the first",
            ) from None
        raise
    return read_values_node(tree)


def merge_values(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """Flux's transform.MergeMaps: maps merge key by key, the overlay wins everywhere
    else (a list or scalar replaces, and null replaces a whole map)."""
    out = dict(base)
    for key, value in overlay.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = merge_values(old, value)
        else:
            out[key] = value
    return _canonical(out)
