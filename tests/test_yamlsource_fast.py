"""`yamlsource.compose` composes with libyaml when it can (five times faster on a large
config). That fast path must give the very node tree the pure-Python composer gives — tags,
values and positions, which every config error quotes — and leave every document the two
could treat differently (errors, aliases, deep nesting) to the pure-Python one."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fluxtasks.yamlio import source as yamlsource
from fluxtasks.yamlio.source import YamlSourceError

PROJECT = Path(__file__).resolve().parent.parent
CONFIGS = sorted(
    [PROJECT / "config" / "flux.yaml", *(PROJECT / "tests" / "golden").glob("*/config/**/*.yaml")]
)

pytestmark = pytest.mark.skipif(
    yamlsource.FAST_LOADER is None, reason="PyYAML built without libyaml: no fast path"
)


def shape(node: Node | None) -> Any:
    """Everything the loader reads from a node: class, tag, scalar value, start position
    (the only mark an error quotes; end marks differ in corner cases and are never read)."""
    if node is None:
        return None
    where = (node.start_mark.line, node.start_mark.column)
    if isinstance(node, MappingNode):
        return ("map", node.tag, where, [(shape(k), shape(v)) for k, v in node.value])
    if isinstance(node, SequenceNode):
        return ("seq", node.tag, where, [shape(item) for item in node.value])
    assert isinstance(node, ScalarNode)
    return ("scalar", node.tag, where, node.value)


def outcome(compose: Any, text: str) -> Any:
    try:
        return shape(compose(text))
    except YamlSourceError as exc:
        return ("error", exc.line, exc.col, exc.message)


def assert_same(text: str) -> None:
    assert outcome(yamlsource.compose, text) == outcome(yamlsource._compose_checked, text)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(PROJECT)))
def test_project_configs_compose_identically(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


TRICKY = {
    "plain-scalars": "a: yes\nb: 1e3\nc: 0x1F\nd: 2024-01-01\ne: ~\nf: .nan\ng: 010\nh: 1_000\n",
    "quoted": "a: 'it''s'\nb: \"tab\\there \\u00e9\"\nc: \"multi\n  line\"\n",
    "blocks": "a: |-\n  x\n  y\nb: >\n  folded\n  text\n\nc: |2\n    indented\n",
    "flow": "a: {b: [1, 2, {c: d}], e: f}\ng: [ , ]\n",
    "explicit-tags": "a: !!str 1\nb: !!int '2'\nc: !local x\n",
    "complex-key": "? [a, b]\n: c\n",
    "anchor-without-alias": "a: &x 1\nb: 2\n",
    "alias": "a: &x [1]\nb: *x\n",
    "star-in-strings": "ignore: |\n  *.md\n  /docs/*\nurl: 'https://*.example.com'\n",
    "unicode": "name: caf\u00e9\nemoji: \U0001f680\ncjk: \u6f22\u5b57\n",
    "crlf": "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
    "bom": "\ufeffa: 1\n",
    "directive": "%YAML 1.1\n---\na: 1\n...\n",
    "empty": "",
    "only-comment": "# nothing here\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "duplicate-keys": "a: 1\na: 2\n",
    "bad-indent": "a:\n  b: 1\n c: 2\n",
    "tab-indent": "a:\n\tb: 1\n",
    "unclosed-flow": "a: [1, 2\n",
    "unclosed-quote": "a: 'open\n",
    "deep-flow": "a: " + "[" * 120 + "]" * 120 + "\n",
    "just-deep-enough": "a: " + "[" * 98 + "]" * 98 + "\n",
    "deep-block": "".join(" " * i + f"k{i}:\n" for i in range(110)) + " " * 110 + "v\n",
    "billion-laughs": "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n",
    "nel-line-break": "a: 1\x85b: 2\n",
    "colon-in-plain": "url: http://x:80/a\nkey with spaces: v\n",
}


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_documents_compose_identically(text: str) -> None:
    assert_same(text)


YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab1 :-\n\t'\"[]{},#&*!|>?%@`\\.~\u00e9\r\x85\ufeff+=0")),
    max_size=60,
)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(YAMLISH)
def test_random_text_composes_identically(text: str) -> None:
    assert_same(text)


def test_mutated_project_configs_compose_identically() -> None:
    """Realistic near-misses: the project's configs with a few characters or lines changed."""
    rng = random.Random(5)
    seeds = [path.read_text(encoding="utf-8") for path in CONFIGS]
    pieces = list("a1 :-\n'\"[]{},#&*|>%.~\u00e9\r") + ["  ", "- ", ": ", "\n  ", "|\n", ">-\n"]
    for _ in range(300):
        text = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text) + 1)
            if rng.random() < 0.5:
                text = text[:i] + rng.choice(pieces) + text[i:]
            else:
                text = text[:i] + text[i + rng.randint(1, 5) :]
        assert_same(text)
