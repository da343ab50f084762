"""The base layer's shared homes: error codes, text helpers, plain-data readers, the Flux
vocabulary, the resources tree, the generated-file format and the one-file atomic writer."""

from __future__ import annotations

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
