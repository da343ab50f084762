"""Renderer properties over generated valid configs.

For any valid config (names, URLs, refs, chart versions, paths and Helm values drawn from
strategies that favour type-ambiguous strings such as "1.2", "yes", "y", "", "2024-01-01",
"~", multi-line and unicode text): rendering is deterministic, `update` then a new plan
has nothing pending, and every generated document, read back with a YAML 1.1 loader
(yaml.safe_load, like yaml.v2), is exactly the intended object: no string turned into a
bool, number, date or null on the way.

The expected objects are written here from the config data, independently of render.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BOILERPLATE, PROJECT, Tree
from hypothesis import given
from hypothesis import strategies as st

from fluxtasks.config.load import load_config
from fluxtasks.errors import InputError
from fluxtasks.files.atomic import apply_plan
from fluxtasks.generated import DEFAULT_MARKER
from fluxtasks.render.manifests import document, manifest_helm_release, render_all
from fluxtasks.render.update import plan_update
from fluxtasks.yamlio.helm_values import reads_as_string

TODAY = dt.date(2026, 3, 1)
MARKER_LINE = f"# {DEFAULT_MARKER}\n"

# Strings a YAML 1.1 reader would take for another type if they were written plain, and
# other awkward ones: shell syntax, flag look-alikes, indicators, spaces, line breaks.
AWKWARD = [
    "1.2", "yes", "y", "Y", "n", "NO", "on", "Off", "true", "False", "2024-01-01",
    "2024-01-01T10:00:00Z", "~", "null", "NULL", "0x1F", "017", "0o17", "1_000", "1e3", ".5",
    "+1", "-0", ".inf", "-.Inf", ".NaN", "1:20", "--help", "-x", "$(rm -rf /)", "`id`",
    "; rm -rf / #", "a: b", "- x", "? x", "#x", "x #y", "*", "&a", "!x", "%x", "@x", "|", ">",
    "'", '"', "{}", "[]", "[a, b]", " lead", "trail ", "a\nb", "a\n", "a\n\n", "\n", " \nx",
    "x\n ", "tab\there", "é", "日本語", "😀", "\x00", "\x1b[31m", "\ufeff", "\xa0",
    "../../etc/passwd", "a" * 100 + " " + "b" * 100,
]  # fmt: skip

# What the loader refuses (no Flux manifest can carry it; a "<<" key) and what PyYAML,
# unlike yaml.v2, reads as something else when written plain: "=" (its value tag), "<<"
# as a value (a merge key) and date-like text that yaml.v2 does not take for a timestamp
# (2024-02-30, one-digit zones ...).
_UNWRITABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_PYYAML_ONLY_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


def _writable(text: str) -> bool:
    return (
        not _UNWRITABLE.search(text)
        and text not in ("=", "<<")
        and (text in AWKWARD or not _PYYAML_ONLY_DATE.match(text))
    )


random_text = st.text(max_size=40).filter(_writable)
strings = st.sampled_from([s for s in AWKWARD if s]) | random_text.filter(bool)
any_strings = st.sampled_from(AWKWARD) | random_text
names = st.from_regex(r"[a-z0-9][a-z0-9-]{0,14}[a-z0-9]", fullmatch=True)
INTERVALS = {"5m": "5m0s", "90s": "1m30s", "1h": "1h0m0s", "30s": "30s", "1.5h": "1h30m0s",
             "2h45m": "2h45m0s", "500ms": "500ms", "24h": "24h0m0s"}  # fmt: skip
intervals = st.sampled_from(sorted(INTERVALS))
url_tails = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="\x85\ufffe\uffff"
    ),
    max_size=20,
)
scalars = st.one_of(
    any_strings,
    st.integers(-(2**53), 2**53),  # beyond, Flux changes the number: tests/test_helm_values.py
    st.integers(-(10**6), 10**6).filter(lambda i: i % 4).map(lambda i: i / 4),  # exact binary fractions
    st.booleans(),
    st.none(),
)
value_keys = any_strings | st.sampled_from(["status", "xstatus", "zzz"])
helm_values = st.dictionaries(
    value_keys,
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(value_keys, inner, max_size=3),
        max_leaves=10,
    ),
    max_size=5,
)


def _meta(name: str, namespace: str) -> dict[str, str]:
    return {"name": name, "namespace": namespace}


@st.composite
def configs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A valid config (as data) and every document it must render, keyed by file."""
    default_interval = draw(intervals)
    expected: dict[str, dict[str, Any]] = {}
    used: set[str] = set()

    def fresh() -> str:
        name = draw(names.filter(lambda n: n not in used))
        used.add(name)
        return name

    sources: list[dict[str, Any]] = []
    gits = [fresh() for _ in range(draw(st.integers(1, 2)))]
    for name in gits:
        ref_key = draw(st.sampled_from(["branch", "tag", "semver", "commit"]))
        ref = draw(strings)
        url = "https://github.com/" + draw(url_tails)
        entry: dict[str, Any] = {"kind": "GitRepository", "name": name, "url": url, ref_key: ref}
        spec: dict[str, Any] = {"interval": INTERVALS[default_interval], "url": url, "ref": {ref_key: ref}}
        if draw(st.booleans()):
            entry["ignore"] = spec["ignore"] = draw(strings)
        if draw(st.booleans()):
            entry["secretRef"] = draw(names)
            spec["secretRef"] = {"name": entry["secretRef"]}
        sources.append(entry)
        expected[f"flux-system/flux-source-git-{name}.yaml"] = {
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": _meta(name, "flux-system"), "spec": spec,
        }  # fmt: skip
    helm_repos = [fresh() for _ in range(draw(st.integers(1, 2)))]
    for name in helm_repos:
        oci = draw(st.booleans())
        url = ("oci://ghcr.io/" if oci else "https://charts.example.com/") + draw(url_tails)
        interval = draw(intervals)
        sources.append({"kind": "HelmRepository", "name": name, "url": url, "interval": interval})
        spec = {"interval": INTERVALS[interval], "url": url, **({"type": "oci"} if oci else {})}
        expected[f"flux-system/flux-source-helm-{name}.yaml"] = {
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
            "metadata": _meta(name, "flux-system"), "spec": spec,
        }  # fmt: skip
    if draw(st.booleans()):
        name = fresh()
        ref_key = draw(st.sampled_from(["tag", "semver", "digest"]))
        ref = draw(strings)
        sources.append({"kind": "OCIRepository", "name": name, "url": "oci://ghcr.io/x/y", ref_key: ref})
        expected[f"flux-system/flux-source-oci-{name}.yaml"] = {
            "apiVersion": "source.toolkit.fluxcd.io/v1beta2", "kind": "OCIRepository",
            "metadata": _meta(name, "flux-system"),
            "spec": {"interval": INTERVALS[default_interval], "provider": "generic",
                     "ref": {ref_key: ref}, "url": "oci://ghcr.io/x/y"},
        }  # fmt: skip

    kustomizations: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        name = fresh()
        segments = draw(
            st.lists(
                strings.filter(lambda s: "/" not in s and "\\" not in s and s.strip() == s
                               and s not in (".", "..") and s != "clusters"),
                min_size=1, max_size=3,
            )
        )  # fmt: skip
        git = draw(st.sampled_from(gits))
        entry = {"name": name, "path": "/".join(segments), "source": f"GitRepository/{git}"}
        spec = {
            "interval": INTERVALS[default_interval],
            "path": "./" + "/".join(segments),
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": git, "namespace": "flux-system"},
        }
        if draw(st.booleans()):
            entry["prune"] = spec["prune"] = draw(st.booleans())
        if kustomizations and draw(st.booleans()):
            entry["dependsOn"] = [kustomizations[0]["name"]]
            spec["dependsOn"] = [{"name": kustomizations[0]["name"]}]
        if draw(st.booleans()):
            entry["targetNamespace"] = spec["targetNamespace"] = draw(names)
        if draw(st.booleans()):
            entry["wait"] = spec["wait"] = True
            spec["timeout"] = "2m0s"
        kustomizations.append(entry)
        expected[f"flux-system/flux-ks-{name}.yaml"] = {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": _meta(name, "flux-system"), "spec": spec,
        }  # fmt: skip

    releases: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        name, namespace, repo = fresh(), draw(names), draw(st.sampled_from(helm_repos))
        chart = draw(strings)
        entry = {"name": name, "namespace": namespace, "chart": chart, "source": f"HelmRepository/{repo}"}
        chart_spec: dict[str, Any] = {
            "chart": chart,
            "reconcileStrategy": "ChartVersion",
            "sourceRef": {"kind": "HelmRepository", "name": repo, "namespace": "flux-system"},
        }
        spec = {"chart": {"spec": chart_spec}, "interval": INTERVALS[default_interval]}
        if draw(st.booleans()):
            entry["version"] = chart_spec["version"] = draw(strings)
        values = draw(helm_values)
        if values:
            entry["values"] = spec["values"] = values
        if draw(st.booleans()):
            entry["releaseName"] = spec["releaseName"] = draw(names)
        releases.append(entry)
        expected[f"{namespace}/flux-hr-{name}.yaml"] = {
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": _meta(name, namespace), "spec": spec,
        }  # fmt: skip

    data = {
        "flux": {"version": "v2.3.0"},
        "output": {"repoPath": "clusters/prow"},
        "defaults": {"interval": default_interval},
        "clusters": {"canary": {"context": "prow-canary-cluster"}},
        "sources": sources,
        "helmReleases": releases,
        "kustomizations": kustomizations,
    }
    return data, expected


class _ConfigDumper(yaml.SafeDumper):
    """safe_dump, but quoting strings that Helm values' yaml.v2 rules read as another type
    (`y`, `08`, `1e3`): the loader reads inline values as Flux reads a values file."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    quote = None if reads_as_string(value) else "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=quote)


_ConfigDumper.add_representer(str, _represent_str)


def config_text(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_ConfigDumper, allow_unicode=True, sort_keys=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    tree = Tree(tmp_path_factory.mktemp("render") / "project")
    tree.write("config/boilerplate.txt", BOILERPLATE)
    tree.resources.mkdir()
    return tree


def generated_files(tree: Tree) -> dict[str, str]:
    return {
        path.relative_to(tree.resources).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(tree.resources.rglob("*.yaml"))
    }


@given(case=configs())
def test_rendering_round_trips_exactly(project: Tree, case: tuple[dict[str, Any], dict[str, dict[str, Any]]]) -> None:
    data, expected = case
    shutil.rmtree(project.resources)
    project.resources.mkdir()
    project.write_config(config_text(data))
    config = load_config(project.config)

    try:
        first = render_all(config)
    except InputError as exc:
        assert_refusal_is_right(config, expected, exc)
        return
    assert render_all(load_config(project.config)) == first, "rendering is not deterministic"
    assert sorted(first) == sorted(expected)

    apply_plan(plan_update(config, today=TODAY))
    again = plan_update(load_config(project.config), today=TODAY)
    assert again.pending == [] and not again.has_drift

    written = generated_files(project)
    assert sorted(written) == sorted(expected)
    for path, text in written.items():
        header, marker, body = text.partition(MARKER_LINE)
        assert marker and body == first[path]
        assert body.startswith("---\n") and body.endswith("\n") and not body.endswith("\n\n")
        assert yaml.safe_load(body) == expected[path], path


def assert_refusal_is_right(config: Any, expected: dict[str, dict[str, Any]], exc: InputError) -> None:
    """The renderer refuses a release only when the CLI's own text would lose its data: a
    `status: {}` line in the values (flux cuts the first one) or trailing blank lines."""
    assert all("the manifest flux create --export writes would lose data" in line for line in exc.lines)
    lossy = []
    for hr in config.helm_releases:
        text = document(manifest_helm_release(hr, config.flux_version))
        try:
            lossy.append(yaml.safe_load(text) != expected[hr.file])
        except yaml.YAMLError:
            lossy.append(True)
    assert sum(lossy) == len(exc.lines), exc.lines


# ---------------------------------------------------------------- as a user runs it

# One config full of hostile values (also used by the fault tests): shell syntax, flag
# look-alikes, YAML 1.1 look-alikes, line breaks and terminal escapes in every free-text
# field. All of it must be written quoted correctly, and passed to no shell.
HOSTILE = {
    "flux": {"version": "v2.3.0"},
    "output": {"repoPath": "clusters/prow"},
    "clusters": {"canary": {"context": "prow-canary-cluster"}},
    "sources": [
        {"kind": "GitRepository", "name": "k8s-io", "url": "https://github.com/k/k8s.io?x=$(id)&y=`id`",
         "branch": "--help", "ignore": "$(rm -rf /)\n; touch pwned\n--force\n"},
        {"kind": "HelmRepository", "name": "charts", "url": "https://charts.example.com/;rm%20-rf;$(id)"},
        {"kind": "OCIRepository", "name": "oci", "url": "oci://ghcr.io/x", "tag": "-rf"},
    ],
    "helmReleases": [
        {"name": "web", "namespace": "apps", "chart": "$(touch pwned)", "version": "--version=1.2",
         "source": "HelmRepository/charts",
         "values": {"cmd": "$(rm -rf /)", "tick": "`touch pwned`", "flag": "--help", "bool": "yes",
                    "num": "1.2", "date": "2024-01-01", "null": "~", "empty": "", "nl": "a\nb\n",
                    "esc": "\x1b[2J", "quote": "it's \"quoted\"", "--set": "x=y", "y": "n"}},
    ],
    "kustomizations": [
        {"name": "apps", "path": "--prune=false/$(id)", "source": "GitRepository/k8s-io"},
    ],
}  # fmt: skip


def hostile_tree(root: Path) -> Tree:
    tree = Tree(root)
    tree.write("config/boilerplate.txt", BOILERPLATE)
    tree.write_config(config_text(HOSTILE))
    tree.resources.mkdir(parents=True, exist_ok=True)
    return tree


def run_update(tree: Tree, *args: str, seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INVOKE_FLUX_CONFIG": str(tree.config), "PYTHONHASHSEED": seed}
    return subprocess.run(
        [sys.executable, "-m", "invoke", "flux.update", *args],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_hostile_values_are_written_quoted_and_check_is_clean(tmp_path: Path) -> None:
    tree = hostile_tree(tmp_path / "project")
    done = run_update(tree)
    assert done.returncode == 0, done.stderr
    assert run_update(tree, "--check").returncode == 0
    assert not (tmp_path / "pwned").exists() and not (PROJECT / "pwned").exists()
    hr = yaml.safe_load(generated_files(tree)["apps/flux-hr-web.yaml"].partition(MARKER_LINE)[2])
    assert hr["spec"]["values"] == HOSTILE["helmReleases"][0]["values"]
    assert hr["spec"]["chart"]["spec"]["chart"] == "$(touch pwned)"
    assert hr["spec"]["chart"]["spec"]["version"] == "--version=1.2"
    git = yaml.safe_load(
        generated_files(tree)["flux-system/flux-source-git-k8s-io.yaml"].partition(MARKER_LINE)[2]
    )
    assert git["spec"]["ref"] == {"branch": "--help"}
    assert git["spec"]["ignore"] == "$(rm -rf /)\n; touch pwned\n--force\n"
    ks = generated_files(tree)["flux-system/flux-ks-apps.yaml"]
    assert "  path: ./--prune=false/$(id)\n" in ks


def test_output_does_not_depend_on_hash_seeds(tmp_path: Path) -> None:
    """Two processes with different string hashing write the same bytes."""
    one, two = hostile_tree(tmp_path / "one"), hostile_tree(tmp_path / "two")
    assert run_update(one, seed="1").returncode == 0
    assert run_update(two, seed="4242").returncode == 0
    assert generated_files(one) == generated_files(two)
