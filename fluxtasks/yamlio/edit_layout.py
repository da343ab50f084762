"""Where the parts of a YAML text sit, so that an edit can splice text in place.

A collection is a run of *chunks*, one per child (a sequence item or a `key: value`
pair), with *gaps* between them. Rebuilding a collection keeps the text of every chunk
and gap it does not remove; nothing outside the collection's region is touched.

Which lines belong to a child of a block collection (and go with it when it is removed):

* its own lines, from its `-` or key to the line where its value ends (end-of-line
  comments and comments inside it included);
* the comment lines right after it that are indented deeper than its `-` or key;
* the comment lines right above it, with no blank line in between; above the first child,
  only when a blank line separates them from the collection's key (comments right under
  `key:` describe the collection and stay).

Blank lines and the other comments are gaps and stay where they are; removing a child
joins the gaps on both sides of it (two runs of blank lines become the longer one).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode

from ..errors import InputError

# Line breaks YAML counts besides \n and \r\n: splicing by lines would read them otherwise.
_OTHER_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_KEEP_HEADER = re.compile(r"[|>][0-9+-]*")


class ConfigEditError(InputError):
    """An edit of the config text that cannot be made; nothing was changed."""


@dataclass(frozen=True)
class Splice:
    """Replace text[start:end] by `text` (start == end inserts)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Child:
    """One child of a collection: `start:end` is its chunk, `head` its `-` or key."""

    start: int
    end: int
    head: int
    value: Node
    key: ScalarNode | None


class Doc:
    """The text with its line starts; `nl` is the line break that new lines use."""

    def __init__(self, text: str) -> None:
        bad = _OTHER_BREAKS.search(text)
        if bad is not None:
            line = text.count("\n", 0, bad.start()) + 1
            raise ConfigEditError(
                f"line {line}: line break U+{ord(bad.group()):04X} is neither LF nor CRLF; "
                "replace it before editing the file with a task"
            )
        self.text = text
        first = text.find("\n")
        self.nl = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    @property
    def lines(self) -> int:
        return len(self.starts)

    def line_of(self, index: int) -> int:
        return bisect.bisect_right(self.starts, index) - 1

    def line_start(self, line: int) -> int:
        return self.starts[line]

    def line_end(self, line: int) -> int:
        """Index just after the line's break (the text's end on the last line)."""
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)

    def column(self, index: int) -> int:
        return index - self.starts[self.line_of(index)]

    def body(self, line: int) -> str:
        return self.text[self.starts[line] : self.line_end(line)].rstrip("\r\n")

    def comment_col(self, line: int) -> int | None:
        """The column of `#` on a line that holds only a comment, else None."""
        body = self.body(line)
        rest = body.lstrip(" \t")
        return len(body) - len(rest) if rest.startswith("#") else None

    def line_after(self, index: int) -> int:
        """Where a line inserted after the line of text[index - 1] starts."""
        return self.line_end(self.line_of(max(index - 1, 0)))


def apply(text: str, splices: list[Splice], lo: int = 0, hi: int | None = None) -> str:
    """text[lo:hi] with the splices (all inside it, none overlapping) applied."""
    hi = len(text) if hi is None else hi
    out: list[str] = []
    pos = lo
    for splice in sorted(splices, key=lambda s: (s.start, s.end)):
        if splice.start < pos or splice.end > hi:
            raise ConfigEditError("internal error: two edits overlap; nothing was changed")
        out += (text[pos : splice.start], splice.text)
        pos = splice.end
    out.append(text[pos:hi])
    return "".join(out)


def content_end(doc: Doc, node: Node) -> int:
    """Where the node's own text ends: trailing comments and blank lines excluded."""
    if isinstance(node, ScalarNode):
        end: int = node.end_mark.index
        start: int = node.start_mark.index
        header = _KEEP_HEADER.match(doc.text, start)
        if node.style in ("|", ">") and header is not None and "+" not in header.group():
            while end > start and doc.text[end - 1] in " \t\r\n":
                end -= 1
        return end
    assert isinstance(node, CollectionNode)
    if node.flow_style or not node.value:
        return int(node.end_mark.index)
    last = node.value[-1]
    return content_end(doc, last[1] if isinstance(node, MappingNode) else last)


def colon_end(doc: Doc, key: Node) -> int:
    """Index just after the `:` that follows a mapping key."""
    i = key.end_mark.index
    while i < len(doc.text) and doc.text[i] in " \t":
        i += 1
    if i >= len(doc.text) or doc.text[i] != ":":
        line, col = key.start_mark.line + 1, key.start_mark.column + 1
        raise ConfigEditError(f"{line}:{col}: only `key: value` mappings can be edited")
    return i + 1


def is_block(node: Node) -> bool:
    return isinstance(node, CollectionNode) and not node.flow_style and bool(node.value)


def children(doc: Doc, node: CollectionNode) -> list[Child]:
    if node.flow_style:
        return _flow_children(doc, node)
    pairs = node.value if isinstance(node, MappingNode) else [(None, i) for i in node.value]
    col = doc.column(pairs[0][0].start_mark.index if pairs[0][0] else node.start_mark.index)
    out: list[Child] = []
    prev_last = -1
    for k, (key, value) in enumerate(pairs):
        head = key.start_mark.index if key is not None else _dash(doc, col, value)
        line = doc.line_of(head)
        inline = mid_line(doc, head)
        start = head if inline else doc.line_start(line)
        if not inline:
            while line - 1 > prev_last and doc.comment_col(line - 1) is not None:
                line -= 1
            # the first child's comments are its own only with a blank line above them
            if k or (line and not doc.body(line - 1).strip()):
                start = doc.line_start(line)
        last = doc.line_of(max(content_end(doc, value) - 1, head))
        while last + 1 < doc.lines and (doc.comment_col(last + 1) or -1) > col:
            last += 1
        out.append(Child(start, doc.line_end(last), head, value, key))
        prev_last = last
    return out


def _flow_children(doc: Doc, node: CollectionNode) -> list[Child]:
    out: list[Child] = []
    for pair in node.value:
        key, value = pair if isinstance(node, MappingNode) else (None, pair)
        first = key if key is not None else value
        start = first.start_mark.index
        out.append(Child(start, content_end(doc, value), start, value, key))
    return out


def _dash(doc: Doc, col: int, item: Node) -> int:
    """The `-` of a block sequence item: at the sequence's column, on the item's first
    line (after an outer `- ` for a list in a list) or above it (`-` alone on its line)."""
    start = item.start_mark.index
    line = doc.line_of(start)
    while line >= 0:
        pos = doc.line_start(line) + col
        if (
            pos < start
            and doc.text[pos : pos + 1] == "-"
            and doc.text[pos + 1 : pos + 2] in " \t\r\n"
        ):
            return pos
        line -= 1
    raise ConfigEditError(f"{item.start_mark.line + 1}: cannot find this list item's `-`")


def region(node: CollectionNode, kids: list[Child]) -> tuple[int, int]:
    """The span a rebuild replaces: inside the brackets, or from the first chunk to the last."""
    if node.flow_style:
        return node.start_mark.index + 1, node.end_mark.index - 1
    return kids[0].start, kids[-1].end


def gaps(doc: Doc, node: CollectionNode, kids: list[Child]) -> list[str]:
    """The n + 1 texts around n chunks; the first and last are the edges of the region."""
    lo, hi = region(node, kids)
    if not kids:
        return [doc.text[lo:hi]]
    bounds = [lo] + [x for kid in kids for x in (kid.start, kid.end)] + [hi]
    return [doc.text[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]


def assemble(
    doc: Doc, node: CollectionNode, kids: list[Child], plan: list[tuple[int | None, str]]
) -> str:
    """The region's new text: `plan` lists the chunks in order, `(k, text)` for the k-th old
    child (old children keep their order) and `(None, text)` for a new one. The gaps of
    kept children stay; a new child goes right before the old child that follows it (after
    its gap), or after the last one, with `separator()` between it and its neighbour."""
    flow = bool(node.flow_style)
    old_gaps = gaps(doc, node, kids)
    kept = {k for k, _ in plan if k is not None}
    kept_gaps = [old_gaps[0]]
    for k in range(len(kids)):
        if k in kept:
            kept_gaps.append(old_gaps[k + 1])
        else:
            last = k == len(kids) - 1
            kept_gaps[-1] = _join(kept_gaps[-1], old_gaps[k + 1], flow, len(kept_gaps) == 1, last)
    if not flow:
        kept_gaps = [
            "" if (i in (0, len(kept_gaps) - 1) and not gap.strip()) else gap
            for i, gap in enumerate(kept_gaps)
        ]
    sep = separator(doc, node, old_gaps)
    runs: list[list[str]] = [[]]
    olds: list[str] = []
    for index, text in plan:
        if index is None:
            runs[-1].append(text)
        else:
            olds.append(text)
            runs.append([])
    out = [kept_gaps[0]]
    for j, text in enumerate(olds):
        for new in runs[j]:
            out += (new, sep)
        out.append(text)
        if j + 1 < len(olds):
            out.append(kept_gaps[j + 1])
    tail = runs[len(olds)]
    for i, new in enumerate(tail):
        out += (sep, new) if olds or i else (new,)
    if olds:
        out.append(kept_gaps[-1])
    if flow:
        return "".join(out)
    text = _lines(doc, out)
    # A mapping that starts on its item's `- ` line: whatever comes first goes right there.
    return text.lstrip() if kids and mid_line(doc, kids[0].head) else text


def _join(left: str, right: str, flow: bool, left_edge: bool, right_edge: bool) -> str:
    """The gap left where a removed child's two gaps meet."""
    if flow:
        return left if left_edge or not right_edge else right
    if not left.strip() and not right.strip():
        return max(left, right, key=lambda g: g.count("\n"))
    return left + right


def separator(doc: Doc, node: CollectionNode, old_gaps: list[str]) -> str:
    """What goes between a new child and its neighbour: the usual inner gap of a flow
    collection (`, `); a blank line in a block collection whose children are all
    separated by one (the top level with fewer than two sections too), else nothing."""
    inner = old_gaps[1:-1]
    if node.flow_style:
        return max(inner, key=inner.count) if inner else ", "
    if not inner:
        return doc.nl if _is_root(doc, node) else ""
    blank = all(any(not line.strip() for line in gap.splitlines()) for gap in inner)
    return doc.nl if blank else ""


def mid_line(doc: Doc, index: int) -> bool:
    """True when text other than indentation comes before `index` on its line."""
    return doc.text[doc.line_start(doc.line_of(index)) : index].strip() != ""


def _is_root(doc: Doc, node: Node) -> bool:
    return isinstance(node, MappingNode) and doc.column(node.start_mark.index) == 0


def _lines(doc: Doc, pieces: list[str]) -> str:
    """Join block pieces, ending a piece without a line break (the text's last line) before
    another follows it."""
    out = ""
    for piece in pieces:
        if piece and out and not out.endswith("\n"):
            out += doc.nl
        out += piece
    return out
