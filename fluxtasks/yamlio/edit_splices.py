"""Splices that turn a node of a YAML text into new data, touching only what differs.

`edit` recurses into mappings and lists: an unchanged child keeps its bytes, a changed
scalar is rewritten where it stands, and a collection whose children come or go is
rebuilt from its old chunks and gaps (`edit_layout`) plus new children written like
their siblings (`edit_render`). List items are matched to old ones by value, then by
`kind`/`name`; a list whose items changed order, or a value that changes shape, is
written anew. All splices refer to the one parsed text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from ..yamlio import edit_layout as layout
from ..yamlio.edit_layout import Child, ConfigEditError, Doc, Splice
from ..yamlio.edit_render import (
    flow_key,
    flow_text,
    item_lines,
    key_lines,
    scalar_text,
    value_lines,
)
from ..yamlio.source import plain_data


@dataclass(frozen=True)
class Place:
    """Where a node sits: its parent collection (None for the root), its key when the
    parent is a mapping, inside a flow collection or not, the column of its key or `-`,
    and whether it is a top-level section's value."""

    parent: CollectionNode | None
    key: ScalarNode | None
    flow: bool
    col: int
    top: bool


ROOT = Place(None, None, False, 0, False)


def edit(doc: Doc, node: Node, new: Any, place: Place) -> list[Splice]:
    """Splices that turn `node` into `new`, touching only what differs."""
    if difference(plain_data(node), new, "") is None:
        return []
    # An empty top-level section becomes a block, like the other sections.
    grows = place.top and isinstance(node, CollectionNode) and not node.value
    if isinstance(new, Mapping) and isinstance(node, MappingNode) and not grows:
        return _edit_mapping(doc, node, new, place)
    if isinstance(new, list) and isinstance(node, SequenceNode) and not grows:
        return _edit_sequence(doc, node, new, place)
    return rewrite(doc, node, new, place)


def _edit_mapping(
    doc: Doc, node: MappingNode, new: Mapping[str, Any], place: Place
) -> list[Splice]:
    kids = layout.children(doc, node)
    keys = [key_text(kid.key) for kid in kids]
    inner: dict[int, list[Splice]] = {}
    for k, (key, kid) in enumerate(zip(keys, kids, strict=True)):
        if key in new:
            inner[k] = edit(doc, kid.value, new[key], child_place(doc, node, kid, place))
    added = [(key, value) for key, value in new.items() if key not in keys]
    if len(inner) == len(kids) and not added:
        return [s for splices in inner.values() for s in splices]
    news = {len(kids): [new_child(doc, node, kids, place, k, v) for k, v in added]}
    gone = [k for k in range(len(kids)) if k not in inner]
    return rebuild(doc, node, kids, place, gone, news, inner)


def _edit_sequence(doc: Doc, node: SequenceNode, new: list[Any], place: Place) -> list[Splice]:
    olds = [plain_data(item) for item in node.value]
    matches = match(olds, new)
    found = [i for i in matches if i is not None]
    if found != sorted(found):  # reordered: written anew
        return rewrite(doc, node, new, place)
    kids = layout.children(doc, node)
    inner = {
        i: edit(doc, kids[i].value, new[j], child_place(doc, node, kids[i], place))
        for j, i in enumerate(matches)
        if i is not None
    }
    if len(found) == len(olds) == len(new):
        return [s for splices in inner.values() for s in splices]
    news: dict[int, list[str]] = {}
    for j, i in enumerate(matches):
        if i is None:  # goes before the next matched old item, or last
            before = next((m for m in matches[j:] if m is not None), len(kids))
            news.setdefault(before, []).append(new_child(doc, node, kids, place, None, new[j]))
    gone = [k for k in range(len(kids)) if k not in inner]
    return rebuild(doc, node, kids, place, gone, news, inner)


def rebuild(
    doc: Doc,
    node: CollectionNode,
    kids: list[Child],
    place: Place,
    gone: list[int],
    news: dict[int, list[str]],
    inner: dict[int, list[Splice]] | None = None,
) -> list[Splice]:
    """One splice over the collection: children `gone` removed, `news[k]` put before the
    k-th old child (k == len: last), the others with their `inner` splices applied."""
    plan: list[tuple[int | None, str]] = []
    for k in range(len(kids) + 1):
        plan += [(None, chunk) for chunk in news.get(k, [])]
        if k < len(kids) and k not in gone:
            kid = kids[k]
            plan.append((k, layout.apply(doc.text, (inner or {}).get(k, []), kid.start, kid.end)))
    lo, hi = layout.region(node, kids)
    if plan:
        return [Splice(lo, hi, layout.assemble(doc, node, kids, plan))]
    rest = layout.assemble(doc, node, kids, [])
    marker = "{}" if isinstance(node, MappingNode) else "[]"
    if node.flow_style:
        return [Splice(lo, hi, "")]
    if place.parent is None:
        raise ConfigEditError("the config would have no sections left")
    if place.key is not None:
        at = layout.colon_end(doc, place.key)
        # blank lines between the key and its first child go too: nothing is under it now
        line = doc.line_of(lo)
        while line - 1 > doc.line_of(at) and not doc.body(line - 1).strip():
            line -= 1
        return [Splice(at, at, " " + marker), Splice(doc.line_start(line), hi, rest)]
    return [Splice(lo, hi, marker + doc.nl + rest)]


def new_child(
    doc: Doc, node: CollectionNode, kids: list[Child], place: Place, key: str | None, value: Any
) -> str:
    """The text of a new child of `node`, written like its siblings."""
    if node.flow_style:
        return flow_text(value) if key is None else f"{flow_key(key)}: {flow_text(value)}"
    if key is not None:
        col = doc.column(kids[0].head)
        return indent(key_lines(key, value, top=place.parent is None), col, doc.nl)
    offset, flow_map = _sibling_style(doc, kids)
    lines = item_lines(value, key_offset=offset, flow_map=flow_map)
    return indent(lines, doc.column(node.start_mark.index), doc.nl)


def rewrite(doc: Doc, node: Node, new: Any, place: Place) -> list[Splice]:
    """Splices that write `new` where `node` is, anew."""
    start, end = node.start_mark.index, layout.content_end(doc, node)
    lead = " " if doc.text[start - 1 : start] in (":", "-") else ""
    if place.flow:
        if isinstance(node, ScalarNode) and not isinstance(new, (Mapping, list)):
            return [Splice(start, end, lead + scalar_text(new, style=node.style, flow=True))]
        return [Splice(start, end, lead + flow_text(new))]
    if place.parent is None:
        raise ConfigEditError("the config must be a mapping of sections")
    end_line = doc.line_of(max(end - 1, start))
    literal = isinstance(new, str) and "\n" in new and not _deeper_comment(doc, end_line, place.col)
    if not isinstance(new, (Mapping, list)) and not literal:
        style = node.style if isinstance(node, ScalarNode) else None
        head, rest = scalar_text(new, style=style, flow=False), list[str]()
    elif place.key is not None:
        head, rest = value_lines(new, top=place.top)
    else:
        assert isinstance(place.parent, SequenceNode)
        offset, flow_map = _sibling_style(doc, layout.children(doc, place.parent))
        lines = item_lines(new, key_offset=offset, flow_map=flow_map)
        head, rest = lines[0][1:].lstrip(), lines[1:]
    body = indent(rest, place.col, doc.nl)
    last = doc.line_after(end)
    if place.key is None:
        opening, prefix = start, lead + head
    else:
        opening, prefix = layout.colon_end(doc, place.key), (" " + head if head else "")
    if layout.is_block(node):
        if place.key is None:  # a block that starts on its item's `- ` line
            return [Splice(start, last, head + doc.nl + body)]
        first = doc.line_start(doc.line_of(start))
        return [Splice(opening, opening, prefix), Splice(first, last, body)]
    if doc.line_of(opening) != doc.line_of(max(end - 1, opening)):
        return [Splice(opening, last, prefix + doc.nl + body)]
    if not body:
        return [Splice(opening, end, prefix)]
    broken = doc.text[:last].endswith("\n")
    return [Splice(opening, end, prefix), Splice(last, last, ("" if broken else doc.nl) + body)]


def _deeper_comment(doc: Doc, line: int, col: int) -> bool:
    """Whether a comment indented deeper than `col` follows `line` (after blank lines): a
    literal block written there would read it as text."""
    for below in range(line + 1, doc.lines):
        if doc.body(below).strip():
            return (doc.comment_col(below) or -1) > col
    return False


def child_place(doc: Doc, node: CollectionNode, kid: Child, place: Place) -> Place:
    flow = place.flow or bool(node.flow_style)
    return Place(node, kid.key, flow, doc.column(kid.head), place.parent is None)


def _sibling_style(doc: Doc, kids: list[Child]) -> tuple[int, bool | None]:
    """How the last mapping item of a block list is written: `{flow}` or block, and the
    columns from its `-` to its keys (2 when that does not apply)."""
    for kid in reversed(kids):
        if isinstance(kid.value, MappingNode) and kid.value.value:
            if kid.value.flow_style:
                return 2, True
            return doc.column(kid.value.start_mark.index) - doc.column(kid.head), False
    return 2, None


def indent(lines: list[str], col: int, nl: str) -> str:
    return "".join((" " * col + line if line else "") + nl for line in lines)


def match(olds: list[Any], new: list[Any]) -> list[int | None]:
    """For each new item, the old item it continues: an equal one first, then one with the
    same identity (kind/name); None for a new item."""
    out: list[int | None] = [None] * len(new)
    used: set[int] = set()
    for key in (_canonical, identity):
        index: dict[str, list[int]] = {}
        for i, old in enumerate(olds):
            ident = key(old)
            if i not in used and ident is not None:
                index.setdefault(ident, []).append(i)
        for j, item in enumerate(new):
            ident = key(item)
            if out[j] is None and ident is not None and index.get(ident):
                i = index[ident].pop(0)
                out[j] = i
                used.add(i)
    return out


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def identity(value: Any) -> str | None:
    if isinstance(value, str):
        return f"/{value}"
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        kind = value.get("kind")
        return f"{kind if isinstance(kind, str) else ''}/{value['name']}"
    return None


def key_text(key: Node | None) -> str:
    value = plain_data(key) if key is not None else None
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def find(kids: list[Child], key: str) -> int | None:
    """The last child with that key (the one the loader reads)."""
    found = [k for k, kid in enumerate(kids) if key_text(kid.key) == key]
    return found[-1] if found else None


def difference(got: Any, want: Any, path: str) -> str | None:
    """The first path where two data differ (True is not 1, 1 is not 1.0), else None."""
    if isinstance(want, Mapping):
        if not isinstance(got, Mapping) or set(got) != set(want):
            return path
        diffs = (difference(got[k], want[k], f"{path}.{k}" if path else k) for k in want)
        return next((d for d in diffs if d is not None), None)
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return path
        diffs = (
            difference(g, w, f"{path}[{i}]") for i, (g, w) in enumerate(zip(got, want, strict=True))
        )
        return next((d for d in diffs if d is not None), None)
    return None if type(got) is type(want) and got == want else path
