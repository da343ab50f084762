"""Does the config reproduce a document? Render the candidate object for every Flux minor
release and compare it with the file, leaf by leaf."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...config.fields import manifest_at, values_of
from ...config.model import HelmRelease, Kustomization
from ...config.reader import MISSING
from ...flux import SUPPORTED_MINORS
from ...render.manifests import manifest_helm_release, manifest_kustomization, manifest_source
from .entries import SECTIONS, FluxObject, section_of

# Where render writes an apiVersion: a difference there tells the Flux release, not a loss.
API_PATH_RE = re.compile(
    "^("
    + "|".join(
        [
            "apiVersion",
            *(
                re.escape(f.manifest) + f.type.api_version_at
                for s in SECTIONS.values()
                for f in s.fields
                if f.manifest and f.type.api_version_at
            ),
        ]
    )
    + ")$"
)


@dataclass(frozen=True)
class Diff:
    path: str
    old: Any  # in the file (MISSING when absent)
    new: Any  # as the config would render it (MISSING when absent)

    def describe(self) -> str:
        if self.old is MISSING:
            return f"{self.path} would be added ({short(self.new)})"
        if self.new is MISSING:
            return f"{self.path} ({short(self.old)})"
        return f"{self.path} {short(self.old)} would become {short(self.new)}"


def render(obj: FluxObject, version: str) -> dict[str, Any]:
    if isinstance(obj, Kustomization):
        return manifest_kustomization(obj, version)
    if isinstance(obj, HelmRelease):
        return manifest_helm_release(obj, version)
    return manifest_source(obj, version)


def fit(data: dict[str, Any], obj: FluxObject) -> tuple[set[int], list[Diff], list[Diff]]:
    """Minors whose render equals the document (same meaning, apiVersions included); else the
    fields the config loses, or the apiVersion differences when only those stand in the way."""
    fitting: set[int] = set()
    best: tuple[tuple[int, int, int], list[Diff], list[Diff]] | None = None
    for minor in SUPPORTED_MINORS[first_minor(data, obj) :]:
        diffs = [d for d in diff(data, render(obj, f"v2.{minor}.0")) if not same_meaning(d, obj)]
        api = [d for d in diffs if API_PATH_RE.match(d.path)]
        lossy = [d for d in diffs if not API_PATH_RE.match(d.path)]
        if not diffs:
            fitting.add(minor)
        rank = (len(lossy), len(api), -minor)
        if best is None or rank < best[0]:
            best = (rank, lossy, api)
    assert best is not None
    return fitting, ([] if fitting else best[1]), best[2]


def first_minor(data: dict[str, Any], obj: FluxObject) -> int:
    """The oldest Flux minor whose `flux create` has every flag the document uses."""
    section = section_of(obj)
    used = [
        f.since
        for f in section.fields
        if f.manifest and manifest_at(data, f.manifest) is not MISSING
    ]
    return max(used, default=0)


def diff(old: Any, new: Any, path: str = "") -> list[Diff]:
    """Leaf differences (a mapping present on one side only is listed key by key)."""
    if isinstance(old, dict) and old and new is MISSING:
        new = {}
    if isinstance(new, dict) and new and old is MISSING:
        old = {}
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Diff] = []
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            out.extend(diff(old.get(key, MISSING), new.get(key, MISSING), sub))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            d
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for d in diff(a, b, f"{path}[{i}]")
        ]
    if type(old) is type(new) and old == new:
        return []
    return [Diff(path, old, new)]


def same_meaning(d: Diff, obj: FluxObject) -> bool:
    """Differences the config cannot avoid but that change nothing for Flux: the field's
    type knows them (a duration written 5m, a namespace left out)."""
    section = section_of(obj)
    for f in section.fields:
        if f.manifest and (d.path == f.manifest or d.path.startswith(f.manifest + ".")):
            return f.type.same_meaning(
                d.path[len(f.manifest) :], d.old, d.new, values_of(section, obj)
            )
    return False


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
