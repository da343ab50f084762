"""In-place edits of config/flux.yaml text (fluxtasks/yamlio/config_edit.py), byte for byte.

Each example asserts the whole output text: the input with exactly one region replaced.
The property tests run random add/remove/set sequences and check that the data is what a
plain-dict model of the same changes says, and that every old line outside the edited
entry is still there, in order.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from fluxtasks.config.load import load_text
from fluxtasks.errors import InputError
from fluxtasks.yamlio import config_edit, edit_splices
from fluxtasks.yamlio.config_dump import FlowMap, dump_config
from fluxtasks.yamlio.config_edit import (
    ConfigEditError,
    add_entry,
    delete,
    entry_index,
    merge_document,
    remove_entry,
    set_value,
)
from fluxtasks.yamlio.source import compose, plain_data

PROJECT = Path(__file__).resolve().parent.parent
SHIPPED = (PROJECT / "config" / "flux.yaml").read_text(encoding="utf-8")

# Comments above, inside and after entries; blank lines; a list indented under its key and
# one that is not; a key offset of 4; flow entries (one over two lines) and block ones;
# single- and double-quoted scalars; a literal block; a comment on the last line.
CONFIG = """\
# yaml-language-server: $schema=flux.schema.json
#
# Desired Flux state: a head comment (ünïcödé ✓ 😀).

flux:
  version: "v2.3.0"            # pinned: quoted on purpose
  components: [source-controller, kustomize-controller]
  componentsExtra: []

output:
    resourcesDir: resources    # indented by four
    repoPath: 'infra/aws/prow'
                               # a comment on its own line, deep
    header: config/boilerplate.txt

clusters:
  canary: {context: prow-canary-cluster}
  prod:   {context: prow-build-cluster}   # spaces after the colon

# Sources are not indented under their key.
sources:
- {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main,
   file: flux-system/flux-source-git-k8s.io.yaml}
- kind: GitRepository
  name: infra
  url: https://github.com/example/infra
  tag: v1.2.3
  ignore: |
    *.md
    docs/
# The chart repositories follow.
- kind: HelmRepository     # EKS charts
  name: eks-charts
  url: https://aws.github.io/eks-charts

helmReleases:
  # Releases: one block each, blank lines between.

  - name: node-termination-handler
    namespace: kube-system
    source: HelmRepository/eks-charts
    chart: aws-node-termination-handler
    version: 0.21.0

  # karpenter-crd goes first
  - name: karpenter-crd
    namespace: kube-system
    source: HelmRepository/eks-charts
    chart: karpenter-crd
    version: '1.0.2'
    # a trailing note that belongs to karpenter-crd

  -   name: karpenter
      namespace: kube-system
      source: HelmRepository/eks-charts
      chart: karpenter
      version: 1.0.2
      dependsOn: [karpenter-crd]
      values:
        replicas: 2
        settings: {clusterName: prow}
        greeting: "héllo 😀"

kustomizations:   # folders synced by Flux
  - boskos        # the first folder
  - flux
  - {name: karpenter, dependsOn: [kube-system]}
# the end
"""


GREETING = '        greeting: "héllo 😀"\n'  # the last line of helmReleases[2]


def replaced(text: str, old: str, new: str) -> str:
    """`text` with its one occurrence of `old` replaced (an exact expected output)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def read(text: str) -> Any:
    node = compose(text)
    return plain_data(node) if node is not None else None


# ---------------------------------------------------------------- add_entry


def test_append_a_block_mapping_matches_a_sequence_not_indented_under_its_key() -> None:
    entry = {"kind": "HelmRepository", "name": "karpenter", "url": "oci://public.ecr.aws/karpenter"}
    out = add_entry(CONFIG, "sources", entry)
    assert out == replaced(
        CONFIG,
        "  url: https://aws.github.io/eks-charts\n",
        "  url: https://aws.github.io/eks-charts\n"
        "- kind: HelmRepository\n"
        "  name: karpenter\n"
        "  url: oci://public.ecr.aws/karpenter\n",
    )


def test_append_keeps_the_blank_lines_between_entries_and_the_key_offset() -> None:
    entry = {"name": "metrics", "namespace": "monitoring", "source": "HelmRepository/eks-charts"}
    out = add_entry(CONFIG, "helmReleases", entry)
    assert out == replaced(
        CONFIG,
        GREETING,
        GREETING + "\n"
        "  -   name: metrics\n"
        "      namespace: monitoring\n"
        "      source: HelmRepository/eks-charts\n",
    )


def test_insert_at_an_index_goes_after_the_gap_and_before_the_entrys_comments() -> None:
    out = add_entry(CONFIG, "helmReleases", {"name": "x", "version": "1.0"}, index=1)
    assert out == replaced(
        CONFIG,
        "  # karpenter-crd goes first\n",
        "  -   name: x\n      version: '1.0'\n\n  # karpenter-crd goes first\n",
    )


def test_append_matches_flow_siblings_and_writes_strings_as_strings() -> None:
    out = add_entry(CONFIG, "kustomizations", {"name": "apps", "dependsOn": ["flux"]})
    out = add_entry(out, "kustomizations", "monitoring")
    assert out == replaced(
        CONFIG,
        "  - {name: karpenter, dependsOn: [kube-system]}\n",
        "  - {name: karpenter, dependsOn: [kube-system]}\n"
        "  - {name: apps, dependsOn: [flux]}\n"
        "  - monitoring\n",
    )


def test_append_quotes_only_what_yaml_would_read_as_something_else() -> None:
    out = add_entry(CONFIG, "kustomizations", "1.10")
    assert out.endswith("  - '1.10'\n# the end\n")
    assert read(out)["kustomizations"][-1] == "1.10"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("kustomizations: []\n", "kustomizations:\n  - apps\n"),
        ("kustomizations: []   # none yet\n", "kustomizations:   # none yet\n  - apps\n"),
        ("kustomizations:\n", "kustomizations:\n  - apps\n"),
        ("kustomizations: ~\n", "kustomizations:\n  - apps\n"),
    ],
    ids=["empty", "empty-commented", "null", "tilde"],
)
def test_an_empty_section_becomes_a_block_list(before: str, after: str) -> None:
    head = "flux:\n  version: v2.3.0\n"
    tail = "# below\noutput: {}\n"
    assert add_entry(head + before + tail, "kustomizations", "apps") == head + after + tail


def test_an_absent_section_is_created_at_the_end_or_after_a_key() -> None:
    text = "flux:\n  version: v2.3.0\n\noutput:\n  resourcesDir: resources\n# last\n"
    assert add_entry(text, "kustomizations", "apps") == replaced(
        text,
        "  resourcesDir: resources\n",
        "  resourcesDir: resources\n\nkustomizations:\n  - apps\n",
    )
    after = add_entry(text, "sources", FlowMap(kind="GitRepository", name="x"), after="flux")
    assert after == replaced(
        text,
        "  version: v2.3.0\n",
        "  version: v2.3.0\n\nsources:\n  - {kind: GitRepository, name: x}\n",
    )


def test_a_config_of_comments_only_gets_the_section_below_them() -> None:
    assert add_entry("# only a comment\n", "kustomizations", "apps") == (
        "# only a comment\n\nkustomizations:\n  - apps\n"
    )
    assert add_entry("", "kustomizations", "apps") == "kustomizations:\n  - apps\n"


# ---------------------------------------------------------------- delete / remove_entry


def test_remove_takes_the_comments_above_and_the_deeper_ones_below() -> None:
    out = remove_entry(CONFIG, "helmReleases", 1)
    assert out == replaced(
        CONFIG,
        "  # karpenter-crd goes first\n"
        "  - name: karpenter-crd\n"
        "    namespace: kube-system\n"
        "    source: HelmRepository/eks-charts\n"
        "    chart: karpenter-crd\n"
        "    version: '1.0.2'\n"
        "    # a trailing note that belongs to karpenter-crd\n"
        "\n",
        "",
    )


def test_remove_the_first_entry_keeps_the_comments_under_the_key() -> None:
    out = remove_entry(CONFIG, "helmReleases", 0)
    assert out == replaced(
        CONFIG,
        "  - name: node-termination-handler\n"
        "    namespace: kube-system\n"
        "    source: HelmRepository/eks-charts\n"
        "    chart: aws-node-termination-handler\n"
        "    version: 0.21.0\n"
        "\n",
        "",
    )
    assert "  # Releases: one block each, blank lines between.\n\n  # karpenter-crd" in out


def test_remove_the_last_entry_keeps_the_blank_line_before_the_next_section() -> None:
    out = remove_entry(CONFIG, "helmReleases", 2)
    assert out == replaced(
        CONFIG,
        "    # a trailing note that belongs to karpenter-crd\n"
        "\n"
        "  -   name: karpenter\n"
        "      namespace: kube-system\n"
        "      source: HelmRepository/eks-charts\n"
        "      chart: karpenter\n"
        "      version: 1.0.2\n"
        "      dependsOn: [karpenter-crd]\n"
        "      values:\n"
        "        replicas: 2\n"
        "        settings: {clusterName: prow}\n" + GREETING,
        "    # a trailing note that belongs to karpenter-crd\n",
    )


def test_remove_a_flow_entry_over_two_lines_and_a_block_one_with_a_literal() -> None:
    out = remove_entry(CONFIG, "sources", 0)
    assert out == replaced(
        CONFIG,
        "- {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main,\n"
        "   file: flux-system/flux-source-git-k8s.io.yaml}\n",
        "",
    )
    out = remove_entry(CONFIG, "sources", 1)
    assert out == replaced(
        CONFIG,
        "- kind: GitRepository\n  name: infra\n  url: https://github.com/example/infra\n"
        "  tag: v1.2.3\n  ignore: |\n    *.md\n    docs/\n",
        "",
    )


def test_removing_every_entry_leaves_an_empty_list_and_the_key_comments() -> None:
    out = CONFIG
    for _ in range(3):
        out = remove_entry(out, "kustomizations", 0)
    assert out == replaced(
        CONFIG,
        "kustomizations:   # folders synced by Flux\n"
        "  - boskos        # the first folder\n"
        "  - flux\n"
        "  - {name: karpenter, dependsOn: [kube-system]}\n",
        "kustomizations: []   # folders synced by Flux\n",
    )
    assert add_entry(out, "kustomizations", "apps") == replaced(
        CONFIG,
        "  - boskos        # the first folder\n"
        "  - flux\n"
        "  - {name: karpenter, dependsOn: [kube-system]}\n",
        "  - apps\n",
    )


def test_emptying_a_list_keeps_the_comment_under_its_key() -> None:
    out = CONFIG
    for _ in range(3):
        out = remove_entry(out, "helmReleases", 0)
    assert "helmReleases: []\n  # Releases: one block each, blank lines between.\n\nkust" in out
    assert read(out)["helmReleases"] == []


def test_delete_keys_in_block_and_flow_mappings() -> None:
    assert delete(CONFIG, "helmReleases[0].namespace") == replaced(
        CONFIG,
        "    namespace: kube-system\n    source: HelmRepository/eks-charts\n    chart: aws",
        "    source: HelmRepository/eks-charts\n    chart: aws",
    )
    # the first key of an entry: the next one moves up onto the `-` line
    assert delete(CONFIG, "sources[2].kind") == replaced(
        CONFIG,
        "- kind: HelmRepository     # EKS charts\n  name: eks-charts\n",
        "- name: eks-charts\n",
    )
    assert delete(CONFIG, "sources[0].file") == replaced(
        CONFIG, "branch: main,\n   file: flux-system/flux-source-git-k8s.io.yaml}", "branch: main}"
    )
    assert delete(CONFIG, "kustomizations[2].name") == replaced(
        CONFIG, "{name: karpenter, dependsOn: [kube-system]}", "{dependsOn: [kube-system]}"
    )
    assert delete(CONFIG, "output.repoPath") == replaced(
        CONFIG,
        "    repoPath: 'infra/aws/prow'\n                               # a comment on its own line, deep\n",
        "",
    )
    assert delete(CONFIG, "helmReleases[2].values.settings") == replaced(
        CONFIG,
        "        replicas: 2\n        settings: {clusterName: prow}\n",
        "        replicas: 2\n",
    )


def test_delete_a_section_with_its_comment_and_one_blank_line() -> None:
    assert delete(CONFIG, "sources") == replaced(
        CONFIG, CONFIG[CONFIG.index("# Sources") : CONFIG.index("helmReleases:")], ""
    )


# ---------------------------------------------------------------- set_value


@pytest.mark.parametrize(
    ("path", "value", "old", "new"),
    [
        ("flux.version", "v2.4.0", '"v2.3.0"            # pinned', '"v2.4.0"            # pinned'),
        ("helmReleases[1].version", "1.1.0", "version: '1.0.2'", "version: '1.1.0'"),
        ("helmReleases[0].version", "0.22.0", "version: 0.21.0", "version: 0.22.0"),
        ("helmReleases[0].version", "1.10", "version: 0.21.0", "version: '1.10'"),
        ("helmReleases[1].version", "it's", "version: '1.0.2'", "version: 'it''s'"),
        ("flux.version", 'say "hi"', '"v2.3.0"', '"say \\"hi\\""'),
        ("output.repoPath", "no", "repoPath: 'infra/aws/prow'", "repoPath: 'no'"),
        ("helmReleases[2].values.replicas", 3, "replicas: 2", "replicas: 3"),
        ("helmReleases[2].values.replicas", True, "replicas: 2", "replicas: true"),
        ("helmReleases[2].values.replicas", None, "replicas: 2", "replicas: null"),
        ("clusters.prod.context", "a, b", "{context: prow-build-cluster}", "{context: 'a, b'}"),
        ("kustomizations[1]", "folder: x", "  - flux\n", "  - 'folder: x'\n"),
        ("sources[0].branch", "dev", "branch: main,", "branch: dev,"),
    ],
    ids=lambda v: str(v)[:20],
)
def test_set_a_scalar_keeps_its_line_and_its_quoting(
    path: str, value: Any, old: str, new: str
) -> None:
    assert set_value(CONFIG, path, value) == replaced(CONFIG, old, new)


def test_set_adds_an_absent_key_to_a_block_or_flow_mapping() -> None:
    assert set_value(CONFIG, "helmReleases[0].suspend", True) == replaced(
        CONFIG, "    version: 0.21.0\n", "    version: 0.21.0\n    suspend: true\n"
    )
    assert set_value(CONFIG, "helmReleases[2].interval", "10m") == replaced(
        CONFIG,
        GREETING,
        GREETING + "      interval: 10m\n",
    )
    assert set_value(CONFIG, "sources[0].tag", "v1") == replaced(
        CONFIG,
        "file: flux-system/flux-source-git-k8s.io.yaml}",
        "file: flux-system/flux-source-git-k8s.io.yaml, tag: v1}",
    )
    assert set_value(CONFIG, "kustomizations[2].path", "apps/karpenter") == replaced(
        CONFIG, "dependsOn: [kube-system]}", "dependsOn: [kube-system], path: apps/karpenter}"
    )
    assert set_value(CONFIG, "output.marker", "x") == replaced(
        CONFIG,
        "    header: config/boilerplate.txt\n",
        "    header: config/boilerplate.txt\n    marker: x\n",
    )


def test_set_lists_and_mappings_edit_only_what_differs() -> None:
    assert set_value(CONFIG, "flux.componentsExtra", ["image-reflector-controller"]) == replaced(
        CONFIG, "componentsExtra: []", "componentsExtra: [image-reflector-controller]"
    )
    assert set_value(CONFIG, "helmReleases[2].dependsOn", ["karpenter-crd", "x"]) == replaced(
        CONFIG, "[karpenter-crd]", "[karpenter-crd, x]"
    )
    values = {"replicas": 2, "settings": {"clusterName": "prow", "x": 1}, "greeting": "héllo 😀"}
    assert set_value(CONFIG, "helmReleases[2].values", values) == replaced(
        CONFIG, "{clusterName: prow}", "{clusterName: prow, x: 1}"
    )


def test_set_a_value_of_another_shape_writes_it_anew() -> None:
    assert set_value(CONFIG, "helmReleases[0].values", {"a": {"b": [1, 2]}}) == replaced(
        CONFIG,
        "    version: 0.21.0\n",
        "    version: 0.21.0\n    values:\n      a:\n        b: [1, 2]\n",
    )
    assert set_value(CONFIG, "helmReleases[2].values", "none") == replaced(
        CONFIG,
        "      values:\n        replicas: 2\n        settings: {clusterName: prow}\n" + GREETING,
        "      values: none\n",
    )
    assert set_value(CONFIG, "kustomizations[1]", {"name": "flux", "path": "x"}) == replaced(
        CONFIG, "  - flux\n", "  - {name: flux, path: x}\n"
    )
    assert set_value(CONFIG, "sources[1].ignore", "*.txt\n") == replaced(
        CONFIG, "  ignore: |\n    *.md\n    docs/\n", "  ignore: |\n    *.txt\n"
    )
    # a literal block would read the deeper comment line below it as text
    assert set_value(CONFIG, "output.repoPath", "x\ny") == replaced(
        CONFIG, "repoPath: 'infra/aws/prow'", 'repoPath: "x\\ny"'
    )
    assert set_value(CONFIG, "flux.version", "two\nlines") == replaced(
        CONFIG,
        '"v2.3.0"            # pinned: quoted on purpose\n',
        "|-            # pinned: quoted on purpose\n    two\n    lines\n",
    )


# ---------------------------------------------------------------- merge_document


def test_merge_with_the_same_data_changes_nothing() -> None:
    new = dump_config(read(CONFIG), ["a different head comment"])
    assert merge_document(CONFIG, new) == CONFIG


def test_merge_keeps_unchanged_entries_edits_changed_ones_and_appends_new_ones() -> None:
    data = read(CONFIG)
    data["flux"]["version"] = "v2.4.0"
    data["helmReleases"][1]["version"] = "1.1.0"
    del data["helmReleases"][0]
    data["helmReleases"].insert(0, FlowMap(name="metrics", namespace="monitoring", chart="m"))
    data["kustomizations"] = ["flux", {"name": "karpenter", "dependsOn": ["kube-system"]}, "apps"]
    data["kustomizations"].reverse()  # an import lists them in its own order
    del data["output"]
    data["defaults"] = FlowMap(interval="5m")
    out = merge_document(CONFIG, dump_config(data, ["imported"]))
    expected = CONFIG.replace('"v2.3.0"', '"v2.4.0"').replace(
        "version: '1.0.2'", "version: '1.1.0'"
    )
    expected = replaced(expected, CONFIG[CONFIG.index("output:") : CONFIG.index("clusters:")], "")
    expected = replaced(
        expected,
        "  - name: node-termination-handler\n"
        "    namespace: kube-system\n"
        "    source: HelmRepository/eks-charts\n"
        "    chart: aws-node-termination-handler\n"
        "    version: 0.21.0\n"
        "\n",
        "",
    )
    expected = replaced(
        expected,
        GREETING,
        GREETING + "\n  -   name: metrics\n      namespace: monitoring\n      chart: m\n",
    )
    expected = replaced(expected, "  - boskos        # the first folder\n", "")
    expected = replaced(
        expected,
        "dependsOn: [kube-system]}\n# the end\n",
        "dependsOn: [kube-system]}\n  - apps\n\ndefaults: {interval: 5m}\n# the end\n",
    )
    assert out == expected


def test_merge_into_a_config_without_data_is_the_new_text() -> None:
    new = "flux:\n  version: v2.3.0\n"
    assert merge_document("# nothing yet\n", new) == new


def test_merge_writes_a_reordered_inner_list_anew() -> None:
    data = read(CONFIG)
    data["flux"]["components"].reverse()
    assert merge_document(CONFIG, dump_config(data)) == replaced(
        CONFIG,
        "[source-controller, kustomize-controller]",
        "[kustomize-controller, source-controller]",
    )


# ---------------------------------------------------------------- line breaks, marks


def test_crlf_text_stays_crlf() -> None:
    crlf = CONFIG.replace("\n", "\r\n")
    assert add_entry(crlf, "helmReleases", {"name": "x"}) == add_entry(
        CONFIG, "helmReleases", {"name": "x"}
    ).replace("\n", "\r\n")
    assert remove_entry(crlf, "sources", 1) == remove_entry(CONFIG, "sources", 1).replace(
        "\n", "\r\n"
    )
    assert set_value(crlf, "flux.version", "a\nb") == set_value(
        CONFIG, "flux.version", "a\nb"
    ).replace("\n", "\r\n")


def test_a_byte_order_mark_and_a_missing_final_newline_stay() -> None:
    text = "\ufeffflux:\n  version: v2.3.0\nkustomizations:\n  - a"
    assert set_value(text, "flux.version", "v2.4.0") == text.replace("v2.3.0", "v2.4.0")
    assert add_entry(text, "kustomizations", "b") == text + "\n  - b\n"
    # the line break that ended `- a` stays (the text now ends with one)
    assert remove_entry(text + "\n  - b", "kustomizations", 1) == text + "\n"


def test_entry_index_finds_entries_by_name_and_kind() -> None:
    assert entry_index(CONFIG, "sources", "eks-charts") == 2
    assert entry_index(CONFIG, "sources", "infra", kind="HelmRepository") is None
    assert entry_index(CONFIG, "kustomizations", "flux") == 1
    assert entry_index(CONFIG, "kustomizations", "karpenter") == 2
    assert entry_index(CONFIG, "helmReleases", "nope") is None


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: set_value(CONFIG, "nope.version", "x"), "nope: no such key"),
        (
            lambda: set_value(CONFIG, "helmReleases[7].version", "x"),
            "helmReleases[7]: no such entry (3 entries)",
        ),
        (
            lambda: set_value(CONFIG, "flux.version.x", 1),
            "flux.version.x: flux.version is the scalar 'v2.3.0'",
        ),
        (lambda: set_value(CONFIG, "flux..version", 1), "flux..version: not a path such as"),
        (lambda: delete(CONFIG, "flux.nope"), "flux.nope: no such key"),
        (lambda: add_entry(CONFIG, "flux", "x"), "flux: is a mapping, not a list"),
        (lambda: add_entry(CONFIG, "sources", {}, index=9), "sources[9]: out of range (3 entries)"),
        (lambda: add_entry(CONFIG, "new", "x", after="nope"), "nope: no such top-level key"),
        (lambda: add_entry(CONFIG, "sources", {1: "x"}), "keys must be strings"),
        (lambda: add_entry(CONFIG, "sources", object()), "cannot write a object"),
        (lambda: set_value("a: [\n", "a", 1), "invalid YAML"),
        (lambda: set_value("- a\n", "a", 1), "the config must be a mapping"),
        (
            lambda: set_value("a: 1\rb: 2\n", "a", 2),
            "line 1: line break U+000D is neither LF nor CRLF",
        ),
        (lambda: delete("a: 1\n", "a"), "the config would have no sections left"),
        (lambda: set_value(CONFIG, "flux.version", "\x85"), "U+0085 cannot be written"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_requests_are_one_clear_input_error(call: Any, message: str) -> None:
    with pytest.raises(ConfigEditError) as caught:
        call()
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 4
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("written", "message"),
    [("v9", "read back differently at flux.version"), ("[", "would not parse")],
)
def test_an_edit_that_does_not_read_back_as_intended_is_refused(
    monkeypatch: pytest.MonkeyPatch, written: str, message: str
) -> None:
    monkeypatch.setattr(edit_splices, "scalar_text", lambda *a, **k: written)
    with pytest.raises(ConfigEditError, match="internal error.*" + message.replace("[", r"\[")):
        set_value(CONFIG, "flux.version", "v2.4.0")


# ---------------------------------------------------------------- the shipped config


def entries(text: str) -> dict[str, list[Any]]:
    data = read(text)
    return {s: data[s] for s in config_edit.ENTRY_SECTIONS}


def single_hunk(old: str, new: str) -> tuple[list[str], list[str]]:
    """The old and new lines of the one region where two texts differ."""
    ops = [
        op
        for op in difflib.SequenceMatcher(
            None, old.splitlines(True), new.splitlines(True), autojunk=False
        ).get_opcodes()
        if op[0] != "equal"
    ]
    assert len(ops) == 1, ops
    _, i1, i2, j1, j2 = ops[0]
    return old.splitlines(True)[i1:i2], new.splitlines(True)[j1:j2]


@pytest.mark.parametrize("section", config_edit.ENTRY_SECTIONS)
def test_shipped_config_remove_each_entry_takes_only_its_lines(section: str) -> None:
    for index, entry in enumerate(entries(SHIPPED)[section]):
        out = remove_entry(SHIPPED, section, index)
        gone, added = single_hunk(SHIPPED, out)
        assert not added and read("".join(gone)) == [entry]


@pytest.mark.parametrize(
    ("section", "entry"),
    [
        (
            "sources",
            {
                "kind": "HelmRepository",
                "name": "bitnami",
                "url": "https://charts.bitnami.com/bitnami",
            },
        ),
        (
            "helmReleases",
            {
                "name": "x",
                "namespace": "kube-system",
                "source": "HelmRepository/eks-charts",
                "chart": "x",
                "version": "1.0.0",
            },
        ),
        ("kustomizations", "monitoring-extra"),
        ("kustomizations", {"name": "apps", "dependsOn": ["flux"]}),
    ],
    ids=["source", "release", "folder", "flow"],
)
def test_shipped_config_append_adds_lines_and_changes_none(section: str, entry: Any) -> None:
    out = add_entry(SHIPPED, section, entry)
    gone, added = single_hunk(SHIPPED, out)
    assert not gone
    assert entries(out)[section] == [*entries(SHIPPED)[section], entry]


def test_shipped_config_with_a_new_source_still_loads() -> None:
    entry = {
        "kind": "HelmRepository",
        "name": "bitnami",
        "url": "https://charts.bitnami.com/bitnami",
    }
    config = load_text(add_entry(SHIPPED, "sources", entry), PROJECT / "config" / "flux.yaml")
    assert "bitnami" in {s.name for s in config.sources}


# ---------------------------------------------------------------- properties

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
SCALARS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn", "Zl", "Zp")), max_size=12),
    st.sampled_from(["1.10", "yes", "a: b", "#x", "'q'", '"d"', " pad ", "x\ny", "~", "{a}", "-"]),
    st.integers(-5, 10**6),
    st.booleans(),
    st.none(),
)
ENTRIES = {
    "sources": st.fixed_dictionaries(
        {"kind": st.sampled_from(["GitRepository", "HelmRepository"]), "name": NAMES},
        optional={"url": st.just("https://example.com/x")},
    ),
    "helmReleases": st.fixed_dictionaries(
        {"name": NAMES}, optional={"version": SCALARS, "dependsOn": st.lists(NAMES, max_size=2)}
    ),
    "kustomizations": st.one_of(
        NAMES,
        st.fixed_dictionaries({"name": NAMES}, optional={"dependsOn": st.lists(NAMES, max_size=2)}),
    ),
}


def scalar_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in scalar_paths(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in scalar_paths(v, (*path, i))]
    return [path]


def mapping_paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [path] + [p for k, v in data.items() for p in mapping_paths(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in mapping_paths(v, (*path, i))]
    return []


def node_at(root: Node, path: tuple[Any, ...]) -> Node:
    node = root
    for step in path:
        if isinstance(node, MappingNode):
            node = next(v for k, v in reversed(node.value) if k.value == step)
        else:
            assert isinstance(node, SequenceNode)
            node = node.value[step]
    return node


def last_line(node: Node) -> int:
    """The line of the last character of the node's own text (marks only)."""
    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return node.end_mark.line - 1
    return node.end_mark.line


def allowed_lines(text: str, path: tuple[Any, ...], added: bool) -> set[int]:
    """The old lines an edit at `path` may touch: the lines of the top-level entry (or
    section) holding it, with the blank and comment lines next to it, and its section's
    key line; only that key line when an entry is `added`."""
    root = compose(text)
    assert isinstance(root, MappingNode)
    lines = text.splitlines()
    key = next((k for k, _ in reversed(root.value) if k.value == path[0]), None)
    if key is None or added:
        return set() if key is None else {key.start_mark.line}
    target = path[:2] if len(path) > 1 and isinstance(path[1], int) else path[:1]
    node = node_at(root, target)
    first, last = node.start_mark.line, last_line(node)
    is_filler = lambda n: not lines[n].strip() or lines[n].lstrip().startswith("#")  # noqa: E731
    while first - 1 > key.start_mark.line and is_filler(first - 1):
        first -= 1
    while last + 1 < len(lines) and is_filler(last + 1):
        last += 1
    return {key.start_mark.line, *range(first, last + 1)}


def changed_old_lines(old: str, new: str) -> set[int]:
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    return {i for op, i1, i2, _, _ in matcher.get_opcodes() if op != "equal" for i in range(i1, i2)}


def tagged(text: str) -> str:
    """`text` with a unique comment at the end of each line that can hold one and has
    none yet, so that a line diff cannot pair a kept line with an identical removed one."""
    root = compose(text)
    literal: set[int] = set()
    todo: list[Node] = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            literal.update(range(node.start_mark.line + 1, node.end_mark.line + 1))
        elif isinstance(node, MappingNode):
            todo += [x for pair in node.value for x in pair]
        elif isinstance(node, SequenceNode):
            todo += node.value
    taken = [int(n) for n in re.findall(r"#L(\d+)\r?$", text, re.MULTILINE)]
    fresh = itertools.count(max(taken, default=-1) + 1)
    out = []
    for n, line in enumerate(text.splitlines(True)):
        body = line.rstrip("\r\n")
        if body.strip() and n not in literal and not re.search(r"#L\d+$", body):
            body += f"  #L{next(fresh)}"
        out.append(body + line[len(line.rstrip("\r\n")) :])
    return "".join(out)


GONE = object()


def model_set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    if value is GONE:
        del data[path[-1]]
    else:
        data[path[-1]] = value


def typed(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@given(st.data())
def test_random_edits_keep_the_other_lines_and_give_the_expected_data(draw: st.DataObject) -> None:
    start = draw.draw(st.sampled_from([CONFIG, SHIPPED, CONFIG.replace("\n", "\r\n")]), "config")
    text = tagged(start)
    model = read(text)
    for _ in range(draw.draw(st.integers(1, 5), "steps")):
        op = draw.draw(st.sampled_from(["add", "remove", "set", "set-new"]), "op")
        if op == "add":
            section = draw.draw(st.sampled_from(config_edit.ENTRY_SECTIONS), "section")
            entry = draw.draw(ENTRIES[section], "entry")
            path: tuple[Any, ...] = (section, len(model.get(section) or []))
            new = add_entry(text, section, entry)
            model.setdefault(section, []).append(entry)
        elif op == "remove":
            full = [s for s in config_edit.ENTRY_SECTIONS if model.get(s)]
            if not full:
                continue
            section = draw.draw(st.sampled_from(full), "section")
            path = (section, draw.draw(st.integers(0, len(model[section]) - 1), "index"))
            new = remove_entry(text, section, path[1])
            model_set(model, path, GONE)
        else:
            choices = scalar_paths(model) if op == "set" else mapping_paths(model)
            path = draw.draw(st.sampled_from(choices), "path")
            value = draw.draw(SCALARS, "value")
            if op == "set-new":
                path = (*path, draw.draw(NAMES, "key"))
            new = set_value(text, list(path), value)
            model_set(model, path, value)
        assert typed(read(new)) == typed(model)
        outside = changed_old_lines(text, new) - allowed_lines(text, path, op == "add")
        assert not outside, [text.splitlines()[i] for i in sorted(outside)]
        text = tagged(new)


@given(st.data())
def test_merging_a_rewritten_config_keeps_every_unchanged_entry(draw: st.DataObject) -> None:
    text = draw.draw(st.sampled_from([CONFIG, SHIPPED]), "config")
    old = read(text)
    model = json.loads(json.dumps(old))
    for _ in range(draw.draw(st.integers(0, 4), "steps")):
        section = draw.draw(st.sampled_from(config_edit.ENTRY_SECTIONS), "section")
        items = model[section]
        action = draw.draw(st.sampled_from(["add", "remove", "change"]), "action")
        if action == "add":
            items.append(draw.draw(ENTRIES[section], "entry"))
        elif items and action == "remove":
            items.pop(draw.draw(st.integers(0, len(items) - 1), "index"))
        elif items and isinstance(items[-1], dict):
            items[-1]["version"] = draw.draw(SCALARS, "version")
    if draw.draw(st.booleans(), "shuffle"):
        for section in config_edit.ENTRY_SECTIONS:
            model[section] = draw.draw(st.permutations(model[section]), section)
    out = merge_document(text, dump_config(model))
    assert typed(read(out)) == typed(config_edit.entry_order_kept(old, model))
    root = compose(text)
    assert isinstance(root, MappingNode)
    for section in config_edit.ENTRY_SECTIONS:
        kept = [typed(e) for e in model[section]]
        seq = node_at(root, (section,))
        for entry, node in zip(old[section], seq.value, strict=True):
            if typed(entry) in kept:
                lines = text.splitlines(True)
                own = lines[node.start_mark.line][node.start_mark.column :]
                own += "".join(lines[node.start_mark.line + 1 : last_line(node) + 1])
                assert own in out, own
