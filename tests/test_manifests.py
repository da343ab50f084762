"""`yamlio.manifests.parse_documents` reads manifests as the API server sees them, with
libyaml when PyYAML has it (the one switch, `source.FAST_LOADER`); the fast path must give
the very data the pure-Python reader gives, and every error comes from the pure-Python one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fluxtasks.yamlio import manifests, source
from fluxtasks.yamlio.manifests import parse_documents
from fluxtasks.yamlio.source import YamlSourceError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_timestamps_stay_text_and_keys_become_strings() -> None:
    documents, error = parse_documents(
        "a: 2024-01-02\nb: 2024-01-02T10:00:00Z\n---\n{2: x, false: y, 1.5: z}\n"
    )
    assert error is None
    assert documents == [
        {"a": "2024-01-02", "b": "2024-01-02T10:00:00Z"},
        {"2": "x", "false": "y", "1.5": "z"},
    ]


def test_empty_documents_are_none() -> None:
    assert parse_documents("---\n---\na: 1\n---\n") == ([None, {"a": 1}, None], None)


def test_an_error_keeps_the_documents_before_it_with_its_position() -> None:
    documents, error = parse_documents("a: 1\n---\nb: [1, 2\n")
    assert documents == [{"a": 1}]
    assert error is not None
    assert (error.line, error.col) == (4, 1)
    assert error.message == "invalid YAML: expected ',' or ']', but got '<stream end>'"


def test_a_character_yaml_refuses_is_one_line_at_1_1() -> None:
    documents, error = parse_documents("a: \x07\n")
    assert documents == []
    assert error is not None and (error.line, error.col) == (1, 1)
    assert error.message.startswith("invalid YAML: unacceptable character #x0007")
    assert "\n" not in error.message


def test_nesting_too_deep_is_an_error_not_a_crash() -> None:
    _, error = parse_documents("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert error is not None
    assert (error.line, error.col, error.message) == (
        1,
        1,
        "invalid YAML: nested too deeply to read",
    )


needs_libyaml = pytest.mark.skipif(
    source.FAST_LOADER is None, reason="PyYAML built without libyaml"
)


def outcome(parsed: tuple[list[Any], YamlSourceError | None]) -> Any:
    documents, error = parsed
    return documents, error and (error.line, error.col, error.message)


def same_both_ways(text: str) -> None:
    assert outcome(parse_documents(text)) == outcome(manifests._parse_checked(text))


@needs_libyaml
def test_the_switch_gives_the_fast_path_a_loader_with_the_same_rules() -> None:
    assert manifests._FastManifestLoader is not None
    assert issubclass(manifests._FastManifestLoader, yaml.CSafeLoader)
    assert (
        manifests._FastManifestLoader.yaml_constructors["tag:yaml.org,2002:timestamp"]
        is (manifests._ManifestLoader.yaml_constructors["tag:yaml.org,2002:timestamp"])
    )
    # subclassing must not have changed libyaml's own loader
    assert (
        yaml.CSafeLoader.yaml_constructors["tag:yaml.org,2002:timestamp"]
        is not (manifests._ManifestLoader.yaml_constructors["tag:yaml.org,2002:timestamp"])
    )


@needs_libyaml
@pytest.mark.parametrize(
    "text",
    [
        (FIXTURES / "small-crds.yaml").read_text(encoding="utf-8"),
        "apiVersion: v1\nkind: List\nitems:\n- {kind: ConfigMap, metadata: {name: a}}\n",
        "a: yes\nb: 1e3\nc: 0x1F\nd: 2024-01-01\ne: ~\nf: .nan\ng: 010\nh: 1_000\n",
        "a: |-\n  x\n  y\nb: >\n  folded\n\nc: 'it''s'\n",
        "a: &x [1]\nb: *x\n",
        "a: 1\r\nb:\r\n  - x\r\n",
        "a:\n\tb: 1\n",
        "a: [1, 2\n",
        "a: 1\na: 2\n",
        "? [a, b]\n: c\n",
    ],
)
def test_fast_and_pure_python_paths_agree(text: str) -> None:
    same_both_ways(text)


@needs_libyaml
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:-[]{}#'\" \n,&*|>0129.", max_size=60))
def test_fast_and_pure_python_paths_agree_on_random_text(text: str) -> None:
    # libyaml reads a few things on its own terms (a bare `!` is "" to it, None to PyYAML):
    # tabs, tags, `?` and `#` after a character, which compose() keeps away from it.
    # parse_documents does not, so that a components file (URLs with `#`, descriptions
    # with `?`) keeps the fast path; the alphabet leaves out all but `#`.
    assume(not source._LIBYAML_LENIENT.search(text))
    same_both_ways(text)
