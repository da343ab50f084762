"""Edit config/flux.yaml text in place, keeping every byte outside the edited entry.

Each edit parses the text, splices new text in at the nodes' positions (comments, blank
lines, key order, quoting, indentation and flow or block style elsewhere are untouched),
then parses the result and requires its data to be exactly the old data with that one
change; otherwise it raises ConfigEditError and returns nothing. Pure text in, text out.

* `add_entry` puts a mapping (or a string, such as a Kustomization folder) into a
  top-level list, written like its siblings: the same `-` column, key offset and `{flow}`
  or block style. An absent, null or `[]` section becomes a block list, at the end of the
  file or after a given top-level key.
* `delete` (and `remove_entry`) takes out a list entry or a key with the comment lines that
  belong to it (see `edit_layout`); an emptied list is written `[]` (an emptied mapping
  `{}`): the key stays, so what the loader requires stays there.
* `set_value` sets a value at a path such as `helmReleases[3].version`, keeping a string's
  quoting when the new value reads back in it; an absent last key is added to its block or
  flow mapping.
* `merge_document` replaces a whole config by another while keeping the old one's text
  wherever the data did not change: it recurses into mappings and lists (list items are
  matched by value, then by `kind`/`name`), so an unchanged entry keeps its bytes, a changed
  one is edited in place, and the rest are removed or added. The entries of the top-level
  lists keep their old order and new ones come last (`entry_order_kept`).
* `entry_index` finds an entry by name (and kind) for the edits above.

`edit_layout` knows which text belongs to which node, `edit_render` writes new text, and
`edit_splices` turns a node into new data; this module checks requests and results.

New lines use the text's own line break (CRLF when its first line ends with one); a
leading byte-order mark stays. A value that changes shape (a string that becomes a list)
is written anew, in `config_dump`'s style, and loses comments inside the old value.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from yaml.nodes import CollectionNode, MappingNode, Node, SequenceNode

from ..yamlio import edit_layout as layout
from ..yamlio import edit_splices as edits
from ..yamlio.config_dump import FlowMap
from ..yamlio.edit_layout import Child, ConfigEditError, Doc, Splice
from ..yamlio.edit_render import key_lines
from ..yamlio.source import YamlSourceError, compose, plain_data

__all__ = ["ConfigEditError", "add_entry", "delete", "entry_index", "merge_document"]
__all__ += ["remove_entry", "set_value"]

ENTRY_SECTIONS = ("sources", "helmReleases", "kustomizations")
ConfigPath = str | Sequence[str | int]
_STEP = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
_DELETE = object()  # `_with` deletes instead of setting


def add_entry(
    text: str, section: str, entry: Any, *, index: int | None = None, after: str | None = None
) -> str:
    """`entry` added to the top-level list `section`, at `index` (default: last)."""
    t = _Text(text)
    value = _checked(entry)
    data = t.data if isinstance(t.data, dict) else {}
    items = data.get(section)
    if items is not None and not isinstance(items, list):
        raise ConfigEditError(f"{section}: is {_kind(items)}, not a list")
    items = list(items or [])
    pos = len(items) if index is None else index
    if not 0 <= pos <= len(items):
        raise ConfigEditError(f"{section}[{index}]: out of range ({len(items)} entries)")
    expected = {**data, section: [*items[:pos], value, *items[pos:]]}
    if t.root is None:  # only comments, or nothing: the section goes below them
        head = t.doc.text.rstrip()
        head += t.doc.nl * 2 if head else ""
        added = edits.indent(key_lines(section, [value], top=True), 0, t.doc.nl)
        return t.finish([Splice(0, len(t.doc.text), head + added)], expected)
    kids = layout.children(t.doc, t.root)
    found = edits.find(kids, section)
    if found is None:
        at = len(kids) if after is None else _position(kids, after) + 1
        new = edits.new_child(t.doc, t.root, kids, edits.ROOT, section, [value])
        return t.finish(edits.rebuild(t.doc, t.root, kids, edits.ROOT, [], {at: [new]}), expected)
    kid = kids[found]
    place = edits.child_place(t.doc, t.root, kid, edits.ROOT)
    node = kid.value
    if isinstance(node, SequenceNode) and node.value:
        seq = layout.children(t.doc, node)
        new = edits.new_child(t.doc, node, seq, place, None, value)
        return t.finish(edits.rebuild(t.doc, node, seq, place, [], {pos: [new]}), expected)
    return t.finish(edits.rewrite(t.doc, node, [value], place), expected)


def remove_entry(text: str, section: str, index: int) -> str:
    """The entry at `index` of the top-level list `section` taken out."""
    return delete(text, [section, index])


def delete(text: str, path: ConfigPath) -> str:
    """The list entry or mapping key at `path` taken out, with its own comment lines."""
    t = _Text(text)
    steps = _steps(path)
    expected = _with(t.data, steps, _DELETE)
    node, place = t.walk(steps[:-1])
    kids = layout.children(t.doc, node)
    gone = _locate(node, kids, steps[-1])
    return t.finish(edits.rebuild(t.doc, node, kids, place, [gone], {}), expected)


def set_value(text: str, path: ConfigPath, value: Any) -> str:
    """The value at `path` (`flux.version`, `helmReleases[3].version`) set to `value`."""
    t = _Text(text)
    steps = _steps(path)
    value = _checked(value)
    expected = _with(t.data, steps, value)
    node, place = t.walk(steps[:-1])
    kids = layout.children(t.doc, node)
    if isinstance(node, MappingNode) and edits.find(kids, str(steps[-1])) is None:
        new = edits.new_child(t.doc, node, kids, place, str(steps[-1]), value)
        return t.finish(edits.rebuild(t.doc, node, kids, place, [], {len(kids): [new]}), expected)
    kid = kids[_locate(node, kids, steps[-1])]
    return t.finish(
        edits.edit(t.doc, kid.value, value, edits.child_place(t.doc, node, kid, place)), expected
    )


def merge_document(old_text: str, new_text: str) -> str:
    """`new_text`'s data, written over `old_text` so that what did not change keeps its
    bytes (comments included)."""
    old, new = _Text(old_text), _Text(new_text)
    if new.root is None:
        raise ConfigEditError("the new config is empty")
    if old.root is None:
        return new_text
    styled = _styled(new.root)
    assert isinstance(styled, dict) and isinstance(old.data, dict)
    expected = entry_order_kept(old.data, styled)
    return old.finish(edits.edit(old.doc, old.root, expected, edits.ROOT), expected)


def entry_index(text: str, section: str, name: str, kind: str | None = None) -> int | None:
    """The index of the entry called `name` (of `kind`, for sources) in a top-level list."""
    data = _Text(text).data
    items = data.get(section) if isinstance(data, dict) else None
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, str) and kind is None and item == name:
            return i
        if isinstance(item, dict) and item.get("name") == name and kind in (None, item.get("kind")):
            return i
    return None


class _Text:
    """The text being edited: its lines, node tree and data."""

    def __init__(self, text: str) -> None:
        self.bom = text.startswith("\ufeff")
        body = text[1:] if self.bom else text
        self.doc = Doc(body)
        try:
            root = compose(body)
            self.data = plain_data(root) if root is not None else None
        except YamlSourceError as exc:
            raise ConfigEditError(f"{exc.line}:{exc.col}: {exc.message}") from None
        if root is not None and not isinstance(root, MappingNode):
            raise ConfigEditError("1:1: the config must be a mapping of sections")
        self.root = root

    def walk(self, steps: list[str | int]) -> tuple[CollectionNode, edits.Place]:
        """The collection at `steps` (already checked against the data) and its place."""
        assert self.root is not None
        node: Node = self.root
        place = edits.ROOT
        for step in steps:
            assert isinstance(node, CollectionNode)
            kids = layout.children(self.doc, node)
            kid = kids[_locate(node, kids, step)]
            place = edits.child_place(self.doc, node, kid, place)
            node = kid.value
        assert isinstance(node, CollectionNode)
        return node, place

    def finish(self, splices: list[Splice], expected: Any) -> str:
        text = layout.apply(self.doc.text, splices)
        try:
            root = compose(text)
            got = plain_data(root) if root is not None else None
        except YamlSourceError as exc:
            raise ConfigEditError(
                f"internal error: the edited config would not parse ({exc.line}:{exc.col}: "
                f"{exc.message}); nothing was changed"
            ) from None
        where = edits.difference(got, expected, "")
        if where is not None:
            raise ConfigEditError(
                f"internal error: the edited config would read back differently at "
                f"{where or 'the top'}; nothing was changed"
            )
        return ("\ufeff" if self.bom else "") + text


def entry_order_kept(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`new`, with the entries of each top-level list in their old order, new ones last."""
    out = dict(new)
    for section in ENTRY_SECTIONS:
        olds, items = old.get(section), new.get(section)
        if isinstance(olds, list) and isinstance(items, list):
            matches = edits.match(olds, items)
            kept = sorted((i, j) for j, i in enumerate(matches) if i is not None)
            out[section] = [items[j] for _, j in kept]
            out[section] += [item for item, i in zip(items, matches, strict=True) if i is None]
    return out


def _styled(node: Node) -> Any:
    """plain_data, with flow mappings as FlowMap (written `{...}` again when new)."""
    if isinstance(node, MappingNode):
        pairs = ((edits.key_text(k), _styled(v)) for k, v in node.value)
        return FlowMap(pairs) if node.flow_style else dict(pairs)
    if isinstance(node, SequenceNode):
        return [_styled(item) for item in node.value]
    return plain_data(node)


def _position(kids: list[Child], key: str) -> int:
    found = edits.find(kids, key)
    if found is None:
        raise ConfigEditError(f"{key}: no such top-level key to add a section after")
    return found


def _locate(node: CollectionNode, kids: list[Child], step: str | int) -> int:
    found = edits.find(kids, str(step)) if isinstance(node, MappingNode) else int(step)
    assert found is not None
    return found


def _steps(path: ConfigPath) -> list[str | int]:
    if not isinstance(path, str):
        steps = list(path)
    else:
        steps = []
        for part in path.split("."):
            match = _STEP.fullmatch(part)
            if match is None:
                raise ConfigEditError(f"{path}: not a path such as helmReleases[0].version")
            steps += [match.group(1), *(int(i) for i in re.findall(r"\d+", match.group(2)))]
    if not steps:
        raise ConfigEditError("an empty path names no value")
    return steps


def _show(steps: Sequence[str | int]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _with(data: Any, steps: list[str | int], value: Any) -> Any:
    """A copy of `data` with the value at `steps` set (or deleted, for _DELETE)."""
    out = copy.deepcopy(data)
    parent = out
    for n, step in enumerate(steps):
        shown, last = _show(steps[: n + 1]), n == len(steps) - 1
        if isinstance(parent, dict) and isinstance(step, str):
            if step not in parent and (not last or value is _DELETE):
                raise ConfigEditError(f"{shown}: no such key")
        elif isinstance(parent, list) and type(step) is int:
            if not 0 <= step < len(parent):
                raise ConfigEditError(f"{shown}: no such entry ({len(parent)} entries)")
        else:
            raise ConfigEditError(f"{shown}: {_show(steps[:n]) or 'the config'} is {_kind(parent)}")
        if not last:
            parent = parent[step]
        elif value is _DELETE:
            del parent[step]
        else:
            parent[step] = value
    return out


def _checked(value: Any) -> Any:
    """`value` as config data (tuples become lists); TypeError-free errors for the rest."""
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise ConfigEditError(f"keys must be strings: {list(value)!r}")
        pairs = ((k, _checked(v)) for k, v in value.items())
        return FlowMap(pairs) if isinstance(value, FlowMap) else dict(pairs)
    if isinstance(value, (list, tuple)):
        return [_checked(v) for v in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ConfigEditError(f"cannot write a {type(value).__name__} to the config")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else f"the scalar {value!r}"
