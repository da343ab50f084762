"""The shared homes of the low layers: error codes, text helpers, plain-data readers, the
Flux vocabulary, the resources tree, the generated-file format, the file plan and atomic
writer, and the one server-side apply argv."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fluxtasks._data import as_int, as_mapping, as_mappings, as_text, as_texts, dig, json_key
from fluxtasks._text import did_you_mean, join_path, one_line
from fluxtasks.errors import (
    EXIT_CHECK_FAILED,
    EXIT_CLUSTER,
    EXIT_INPUT,
    EXIT_TIMEOUT,
    EXIT_TOOL,
    CheckFailed,
    ClusterSelectionError,
    CommandFailed,
    CommandTimedOut,
    FluxTasksError,
    InputError,
    ToolError,
    WatchTimeout,
)
from fluxtasks.files.atomic import write_text
from fluxtasks.files.plan import Action, FileChange, Plan
from fluxtasks.flux import (
    DEFAULT_COMPONENTS,
    FILE_GROUPS,
    KINDS,
    LABEL_RE,
    NAME_RE,
    SOURCE_KINDS,
    SUBDOMAIN_RE,
    api_version,
    extra_components,
    flux_minor,
    flux_path,
    known_kind,
    resolve_kind,
    supported_minor,
)
from fluxtasks.generated import DEFAULT_MARKER, LEGACY_MARKER, Markers, documents
from fluxtasks.tree import folders, local_folder, scan_tree


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (CheckFailed, EXIT_CHECK_FAILED),
        (ToolError, EXIT_TOOL),
        (ClusterSelectionError, EXIT_CLUSTER),
        (InputError, EXIT_INPUT),
        (WatchTimeout, EXIT_TIMEOUT),
        (CommandFailed, EXIT_CHECK_FAILED),
        (CommandTimedOut, EXIT_TIMEOUT),
    ],
)
def test_each_error_declares_its_exit_code(error: type[FluxTasksError], code: int) -> None:
    assert error.exit_code == code


def test_a_subclass_without_a_code_keeps_its_parents() -> None:
    class Refused(InputError):
        pass

    assert Refused("x").exit_code == EXIT_INPUT


def test_command_failed_detail_is_the_last_output_line_else_the_exit_code() -> None:
    failed = CommandFailed(["kubectl", "get", "pods", "-A"], 1, "warning: x\nerror: no route\n\n")
    assert failed.detail == "error: no route"
    assert failed.lines == ["kubectl get pods: error: no route"]
    quiet = CommandFailed(["flux", "install", "--export"], 3, "")
    assert quiet.detail == "exit code 3"
    # a colon in the command words does not cut the detail short
    odd = CommandFailed(["kubectl", "--context", "a: b"], 1, "boom")
    assert odd.detail == "boom" and odd.lines == ["kubectl --context a: b: boom"]


def test_command_timed_out_is_a_command_failure_with_the_limit_in_its_detail() -> None:
    timed_out = CommandTimedOut(["kubectl", "get", "x"], 2.5)
    assert isinstance(timed_out, CommandFailed)
    assert timed_out.detail == "no answer within 2.5s; killed"
    assert timed_out.lines == ["kubectl get x: no answer within 2.5s; killed"]


# ---------------------------------------------------------------- _text


def test_one_line_escapes_line_breaks_and_terminal_codes() -> None:
    assert one_line("a\nb\x1b[31mc\u2028d") == "a\\nb\\x1b[31mc\\u2028d"
    assert one_line("plain: text") == "plain: text"


def test_did_you_mean_names_the_closest_choice_only_when_close() -> None:
    assert did_you_mean("intervall", {"interval", "url"}) == " (did you mean 'interval'?)"
    assert did_you_mean("zzz", ["interval", "url"]) == ""


def test_join_path() -> None:
    assert join_path("", "flux") == "flux"
    assert join_path("spec.ref", "tag") == "spec.ref.tag"


# ---------------------------------------------------------------- _data


def test_readers_return_the_value_of_the_expected_type_else_a_stand_in() -> None:
    assert as_text("x") == "x" and as_text(3) == "" and as_text(None, None) is None
    assert as_texts(["a", "b"]) == ["a", "b"] and as_texts(["a", 1]) is None
    assert as_mapping({"a": 1}) == {"a": 1} and as_mapping([1]) == {}
    assert as_mappings([{"a": 1}, "b", None]) == [{"a": 1}] and as_mappings({"a": 1}) == []
    assert as_int(3) == 3 and as_int(True) is None and as_int("3") is None


def test_dig_follows_mappings_and_stops_at_anything_else() -> None:
    doc = {"spec": {"chart": {"spec": {"chart": "podinfo"}}, "path": ["x"]}}
    assert dig(doc, "spec.chart.spec.chart") == "podinfo"
    assert dig(doc, "spec.missing.deeper") is None
    assert dig(doc, "spec.path.x") is None
    assert dig("text", "spec") is None


def test_json_key_spells_keys_as_json_does() -> None:
    assert [json_key(k) for k in (True, False, None, 1.5, 7, "a")] == ["true", "false", "null", "1.5", "7", "a"]


# ---------------------------------------------------------------- flux


def test_every_kind_has_one_entry_with_its_group_words_and_files() -> None:
    assert list(KINDS) == ["HelmRelease", "Kustomization", "GitRepository", "HelmRepository", "OCIRepository"]
    assert SOURCE_KINDS == ("GitRepository", "HelmRepository", "OCIRepository")
    assert KINDS["HelmRelease"].resource == "helmreleases.helm.toolkit.fluxcd.io"
    assert KINDS["OCIRepository"].cli == ("source", "oci")
    assert [KINDS[k].file_name("web") for k in KINDS] == [
        "flux-hr-web.yaml",
        "flux-ks-web.yaml",
        "flux-source-git-web.yaml",
        "flux-source-helm-web.yaml",
        "flux-source-oci-web.yaml",
    ]
    assert {k.files.name for k in KINDS.values()} == set(FILE_GROUPS)
    assert FILE_GROUPS["helm-releases"].task == "flux.apply-helm-releases"


def test_known_kind_needs_the_flux_group() -> None:
    assert known_kind("kustomize.toolkit.fluxcd.io", "Kustomization") is KINDS["Kustomization"]
    assert known_kind("kustomize.config.k8s.io", "Kustomization") is None
    assert known_kind("apps", "Deployment") is None


@pytest.mark.parametrize("word", ["hr", "HelmRelease", "helmreleases", " HR "])
def test_resolve_kind_takes_every_alias_in_any_case(word: str) -> None:
    assert resolve_kind(word) is KINDS["HelmRelease"]
    assert resolve_kind("source git") is resolve_kind("source-git") is KINDS["GitRepository"]


def test_resolve_kind_lists_the_choices() -> None:
    with pytest.raises(InputError) as caught:
        resolve_kind("deployment")
    assert caught.value.lines == [
        "unknown kind 'deployment'; use one of: hr|helmrelease, ks|kustomization, "
        "git|gitrepository, helm|helmrepository, oci|ocirepository"
    ]


def test_minor_parsing_and_api_versions() -> None:
    assert supported_minor("v2.3.0") == 3 and supported_minor("v2.03.1-rc.1") == 3
    assert supported_minor("v2.10.0") is None and supported_minor("2.3.0") is None
    with pytest.raises(ValueError):
        flux_minor("v3.0.0")
    assert api_version("HelmRelease", "v2.2.0") == "helm.toolkit.fluxcd.io/v2beta2"
    with pytest.raises(ValueError):
        api_version("Bucket", "v2.3.0")


def test_components_and_source_watcher_from_v2_7() -> None:
    assert "source-controller" in DEFAULT_COMPONENTS
    assert "source-watcher" in extra_components(7)
    assert "source-watcher" not in extra_components(6)


def test_the_three_rfc_1123_patterns() -> None:
    # flux create: 2 to 63; an object name: a subdomain with dots; a namespace: 1 to 63
    assert not NAME_RE.match("a") and NAME_RE.match("ab") and not NAME_RE.match("a.b")
    assert SUBDOMAIN_RE.match("a") and SUBDOMAIN_RE.match("a.b") and not SUBDOMAIN_RE.match("-a")
    assert LABEL_RE.match("a") and not LABEL_RE.match("a.b") and not LABEL_RE.match("a" * 64)
    assert not any(p.match("name\n") for p in (NAME_RE, SUBDOMAIN_RE, LABEL_RE))


def test_flux_path_normalises_like_flux_create() -> None:
    assert flux_path("clusters//prow/../apps/") == "./clusters/apps"
    assert flux_path("") == "./" and flux_path("./a") == "./a"


# ---------------------------------------------------------------- tree


def test_scan_tree_reads_yaml_files_and_never_follows_links(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.yaml").write_text("x: 1\n")
    (tmp_path / "b.yml").write_text("b: 1\n")
    (tmp_path / "notes.txt").write_text("no")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "b.yml")
    (tmp_path / "linked").symlink_to(tmp_path / "a")
    assert scan_tree(tmp_path) == {"a/x.yaml": "x: 1\n", "b.yml": "b: 1\n", "link.yaml": None}
    assert scan_tree(tmp_path / "missing") == {}
    assert folders(tmp_path) == {"", "a", "linked"}  # a linked folder is named, never entered


@pytest.mark.parametrize(
    ("path", "repo_path", "expected"),
    [
        ("./clusters/prow/apps", "clusters/prow", "apps"),
        ("clusters/prow/", "clusters/prow", ""),
        ("./clusters/prow2/apps", "clusters/prow", None),
        ("./elsewhere", "clusters/prow", None),
        ("./apps/../infra", None, "infra"),
        ("./", "", ""),
    ],
)
def test_local_folder(path: str, repo_path: str | None, expected: str | None) -> None:
    assert local_folder(path, repo_path) == expected


# ---------------------------------------------------------------- generated


def test_markers_own_files_with_a_marker_line_before_the_first_document() -> None:
    markers = Markers.of("Custom marker")
    assert markers.known == ("Custom marker", DEFAULT_MARKER, LEGACY_MARKER)
    assert Markers.of(None).known == Markers.of(DEFAULT_MARKER).known == (DEFAULT_MARKER, LEGACY_MARKER)
    text = f"# Copyright\n\n# {LEGACY_MARKER}\n---\nkind: A\n"
    assert markers.owns(text) and markers.marker_of(text) == LEGACY_MARKER
    assert markers.split(text) == ("# Copyright\n\n", LEGACY_MARKER, "---\nkind: A\n")
    late = f"---\nkind: A\n# {DEFAULT_MARKER}\n"
    assert not markers.owns(late) and markers.split(late) == ("", None, late)
    assert not Markers.of(None).owns("# Custom marker\n---\n")


def test_documents_splits_at_separator_lines_and_drops_comment_only_ones() -> None:
    body = "---\n# only a comment\n---\na: 1\n--- \nb: 2\n---\n"
    assert documents(body) == ["a: 1\n", "b: 2\n"]


# ---------------------------------------------------------------- files


def test_plan_actions() -> None:
    plan = Plan(Path("r"), "r", [FileChange("a", None, "x"), FileChange("b", "x", "x"), FileChange("c", "x", None), FileChange("d", "x", "y")])
    assert [c.action for c in plan.changes] == [Action.CREATE, Action.UNCHANGED, Action.DELETE, Action.UPDATE]
    assert [c.path for c in plan.pending] == ["a", "c", "d"]
    assert plan.count(Action.UNCHANGED) == 1 and plan.count("create") == 1  # the values are the words


def test_write_text_creates_folders_and_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "config" / "flux.yaml"
    write_text(target, "a: 1\n", "config/flux.yaml")
    assert target.read_text() == "a: 1\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o600)
    write_text(target, "b: 2\r\n", "config/flux.yaml")
    assert target.read_bytes() == b"b: 2\r\n"  # written as given, no newline translation
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["flux.yaml"]


def test_write_text_failure_is_one_line_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "config" / "flux.yaml"
    (target / "inside").mkdir(parents=True)  # a folder where the file should be: rename fails
    with pytest.raises(InputError) as caught:
        write_text(target, "new\n", "config/flux.yaml")
    assert caught.value.lines == ["config/flux.yaml: cannot write: Is a directory; nothing was changed"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["flux.yaml"]
    assert [p.name for p in target.iterdir()] == ["inside"]


# ---------------------------------------------------------------- the one apply argv


def test_cluster_target_apply_is_server_side_and_pinned_to_the_context() -> None:
    from fluxtasks.cluster.target import ClusterTarget

    target = ClusterTarget("canary", "ctx", "/k/config")
    assert target.apply("-f", "a.yaml", "-f", "b.yaml") == [
        "kubectl", "apply", "--server-side", "-f", "a.yaml", "-f", "b.yaml",
        "--context", "ctx", "--kubeconfig", "/k/config",
    ]  # fmt: skip
    assert target.apply("-f", "-", server_dry_run=True)[2:6] == ["--server-side", "-f", "-", "--dry-run=server"]
