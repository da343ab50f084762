"""The field tables (fluxtasks/config/*.py): each config key declared once, in one row that
the loader, the JSON Schema and flux.import all read.

Render stays hand-written (it reproduces `flux create` quirks), so this file checks that
render and the table agree: every field with a manifest path, set to a value other than its
default, is rendered at that path and read back by flux.import as the same value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import MINIMAL_CONFIG, Tree

from fluxtasks.config.fields import Default, Defaults, Field, Section, manifest_at, values_of
from fluxtasks.config.helm_releases import HELM_RELEASE
from fluxtasks.config.kustomizations import KUSTOMIZATION
from fluxtasks.config.load import load_config
from fluxtasks.config.model import Dependency, HelmRelease, Kustomization, ObjectRef, Source
from fluxtasks.config.schema import config_schema
from fluxtasks.config.settings import CLUSTER, DEFAULTS, FLUX, OUTPUT
from fluxtasks.config.sources import SOURCES
from fluxtasks.errors import InputError
from fluxtasks.offline.importer.entries import References, entry, from_manifest
from fluxtasks.offline.importer.fit import render
from fluxtasks.runner import Result, Runner

KINDS: dict[str, Section[Any]] = {**SOURCES, "Kustomization": KUSTOMIZATION, "HelmRelease": HELM_RELEASE}
VERSIONS = ("v2.0.0", "v2.3.0", "v2.7.0")

BASE: dict[str, Any] = {
    "GitRepository": Source(
        "GitRepository", "repo", "flux-system", "https://example.com/r", "1m0s", "flux-system/flux-source-git-repo.yaml"
    ),
    "HelmRepository": Source(
        "HelmRepository", "charts", "flux-system", "https://charts.example.com", "1m0s",
        "flux-system/flux-source-helm-charts.yaml",
    ),
    "OCIRepository": Source(
        "OCIRepository", "oci", "flux-system", "oci://ghcr.io/x", "1m0s", "flux-system/flux-source-oci-oci.yaml",
        provider="generic",
    ),
    "Kustomization": Kustomization(
        "apps", "flux-system", "./clusters/apps", ObjectRef("GitRepository", "repo", "flux-system"), "1m0s",
        "flux-system/flux-ks-apps.yaml",
    ),
    "HelmRelease": HelmRelease(
        "web", "apps", "web", ObjectRef("HelmRepository", "charts", "flux-system"), "1m0s", "apps/flux-hr-web.yaml"
    ),
}  # fmt: skip

# One value of each type that no default takes; a new type needs one here.
EXAMPLES: dict[str, Any] = {
    "name": "other-name",
    "string": "other-text",
    "duration": "7m30s",
    "repository path": "./elsewhere/apps",
    "release name": "web-release",
    "source reference": ObjectRef("GitRepository", "other-source", "other-ns"),
    "dependencies": (Dependency("db"), Dependency("cache", "infra")),
    "health checks": (ObjectRef("Deployment", "web", "apps"), ObjectRef("HelmRelease", "db", "apps")),
    "values references": (ObjectRef("Secret", "extra"), ObjectRef("ConfigMap", "more")),
    "Helm values": {"replicas": 3, "image": {"tag": "v1"}},
    "subdomain": "git-credentials",
    "string list": ("deploy", "charts/web"),
    "labels": {"app.kubernetes.io/part-of": "prow", "team": ""},
}

# What a row's flag needs beside it for flux create to write it at all.
COMPANIONS: dict[str, dict[str, Any]] = {
    "timeout": {"wait": True},  # the health-check timeout is written only with checks to time
    "passCredentials": {"secret_ref": "creds"},
    "verifySecretRef": {"verify_provider": "cosign"},
    "verifySubject": {"verify_provider": "cosign", "verify_issuer": "^https://issuer$"},
    "verifyIssuer": {"verify_provider": "cosign", "verify_subject": "^subject$"},
    "decryptionSecret": {"decryption_provider": "sops"},
    "chartRef": {"chart": None, "source": None},  # instead of chart.spec
}


def example(f: Field) -> Any:
    if f.type.name == "boolean":
        return not f.default
    if f.type.name == "enum":
        return next(c for c in f.type.schema["enum"] if c != f.default)
    assert f.type.name in EXAMPLES, f"give the value type {f.type.name!r} an example in EXAMPLES"
    return EXAMPLES[f.type.name]


def as_loaded(section: Section[Any], obj: Any) -> Any:
    """`obj` with the defaults the loader computes from the entry itself filled in."""
    values = values_of(section, obj)
    own = {
        f.attr: f.default.resolve(values, Defaults())
        for f in section.fields
        if isinstance(f.default, Default) and f.default.own and values.get(f.attr) is None
    }
    return replace(obj, **own)


def manifest_rows() -> list[Any]:
    return [
        pytest.param(kind, f, id=f"{kind}.{f.key}")
        for kind, section in KINDS.items()
        for f in section.fields
        if f.manifest is not None and f.key != "kind"
    ]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("kind", "f"), manifest_rows())
def test_each_field_renders_at_its_manifest_path_and_reads_back(kind: str, f: Field, version: str) -> None:
    section = KINDS[kind]
    obj = replace(BASE[kind], **{f.attr: example(f)}, **COMPANIONS.get(f.key, {}))
    if kind == "HelmRepository" and f.key == "provider":  # written for oci:// URLs only
        obj = replace(obj, url="oci://registry.example.com/charts")
    obj = as_loaded(section, obj)
    document = render(obj, version)
    rendered = manifest_at(document, f.manifest or "")
    assert f.type.from_manifest(rendered, values_of(section, obj)) == example(f)
    assert from_manifest(section, document, obj.file) == obj


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_base_object_reads_back_from_its_own_render(kind: str) -> None:
    obj = BASE[kind]
    assert from_manifest(KINDS[kind], render(obj, "v2.3.0"), obj.file) == obj


def test_every_row_has_help_and_a_snake_case_model_attribute() -> None:
    for section in (*KINDS.values(), FLUX, OUTPUT, DEFAULTS, CLUSTER):
        for f in section.fields:
            assert f.help, f"{section.path}.{f.key}: the schema description comes from help"
            assert f.attr.islower() or "_" in f.attr, f.attr
        assert len(set(section.keys)) == len(section.keys), f"{section.path}: a key declared twice"


def test_schema_properties_are_the_table_rows() -> None:
    properties = config_schema()["properties"]
    assert list(properties["kustomizations"]["items"]["else"]["properties"]) == list(KUSTOMIZATION.keys)
    assert list(properties["helmReleases"]["items"]["properties"]) == list(HELM_RELEASE.keys)
    assert properties["helmReleases"]["items"]["required"] == list(HELM_RELEASE.required)
    for name, section in (("flux", FLUX), ("output", OUTPUT), ("defaults", DEFAULTS)):
        assert list(properties[name]["properties"]) == list(section.keys)
        described = {k: v["description"] for k, v in properties[name]["properties"].items()}
        assert described == {f.key: f.help for f in section.fields}
    source_keys = {k for s in SOURCES.values() for k in s.keys}
    assert set(properties["sources"]["items"]["properties"]) == source_keys
    for branch in properties["sources"]["items"]["allOf"]:
        kind = branch["if"]["properties"]["kind"]["const"]
        assert branch["then"]["propertyNames"]["enum"] == sorted(SOURCES[kind].keys)


def test_import_writes_only_keys_that_differ_from_their_defaults() -> None:
    refs = References.of(BASE.values())
    folded = Defaults("flux-system", "1m0s", ObjectRef("GitRepository", "repo", "flux-system"), "clusters")
    assert entry(BASE["Kustomization"], folded, refs) == "apps"
    changed = replace(BASE["Kustomization"], prune=False, interval="5m0s", wait=True, timeout="2m0s")
    assert entry(changed, folded, refs) == {"name": "apps", "interval": "5m", "prune": False, "wait": True}
    assert entry(BASE["OCIRepository"], folded, refs) == {
        "kind": "OCIRepository",
        "name": "oci",
        "url": "oci://ghcr.io/x",
    }
    release = entry(replace(BASE["HelmRelease"], values={}), folded, refs)
    assert list(release) == ["name", "namespace", "source", "chart", "values"]  # required keys first


class ScriptedGit:
    """An executor standing in for git: answers `rev-parse --show-prefix` as told."""

    def __init__(self, *, found: bool = True, code: int = 0, stdout: str = "") -> None:
        self.found, self.code, self.stdout = found, code, stdout
        self.argv: list[tuple[str, ...]] = []

    def which(self, tool: str) -> str | None:
        return f"/usr/bin/{tool}" if self.found else None

    def run(self, argv: Sequence[str], **_: Any) -> Result:
        self.argv.append(tuple(argv))
        return Result(tuple(argv), self.code, self.stdout, "fatal: not a git repository\n" if self.code else "")


def without_repo_path(tree: Tree) -> Path:
    return tree.write_config(MINIMAL_CONFIG.replace("output:\n  repoPath: clusters/prow\n", ""))


def test_repo_path_comes_from_git_through_the_runner(tree: Tree) -> None:
    git = ScriptedGit(stdout="infra/resources/\n")
    config = load_config(without_repo_path(tree), Runner(executor=git))
    assert git.argv == [("git", "-C", str(tree.resources.resolve()), "rev-parse", "--show-prefix")]
    assert config.repo_path == "infra/resources"
    assert config.kustomizations[0].path == "./infra/resources/apps"


@pytest.mark.parametrize("git", [ScriptedGit(found=False), ScriptedGit(code=128)], ids=["no-git", "not-a-repository"])
def test_without_git_the_repo_path_is_the_same_config_problem(tree: Tree, git: ScriptedGit) -> None:
    with pytest.raises(InputError) as caught:
        load_config(without_repo_path(tree), Runner(executor=git))
    assert caught.value.lines == [
        "config/flux.yaml:1:1: output.repoPath: not set, and resourcesDir is not inside a Git repository to derive it from"
    ]


def test_the_config_reference_lists_every_key_its_flag_and_release() -> None:
    """docs/config.md has a row (or the sentence of its section) for every key of every table;
    a row whose flag came after v2.0 names that release."""
    from conftest import PROJECT

    from fluxtasks.config.helm_releases import CLUSTER_VALUES

    doc = (PROJECT / "docs" / "config.md").read_text()
    sections = {name: body for name, _, body in (part.partition("\n") for part in doc.split("\n## `")[1:])}
    for section in (FLUX, OUTPUT, DEFAULTS, CLUSTER, *SOURCES.values(), HELM_RELEASE, CLUSTER_VALUES, KUSTOMIZATION):
        body = sections[(section.path if section is not CLUSTER_VALUES else "helmReleases") + "`"]
        for f in section.fields:
            assert f"`{f.key}`" in body, f"docs/config.md: {section.path}: no `{f.key}`"
            row = next((line for line in body.splitlines() if line.startswith(f"| `{f.key}` |")), "")
            if f.flag and f.flag.startswith("--") and row:
                assert f.flag in row, f"docs/config.md: {section.path}.{f.key}: {f.flag} missing"
            if f.since:
                assert f"v2.{f.since}" in row, f"docs/config.md: {section.path}.{f.key}: v2.{f.since} missing"
