"""The config edits the edit tasks make: add a source, a Kustomization or a HelmRelease, set
a release's chart version or the Flux version, remove an object.

Each request is first checked against the config as it loads now, so a mistake is named
by the option that made it, with a did-you-mean: a name already declared, a source or
dependency that is not. Then the entry is spliced into the text (`yamlio.config_edit`:
every byte outside it stays), and `load_edit` loads the result with the loader
`flux.update` uses, whose problems are named by option too. Nothing here writes a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._data import as_mapping
from .._text import did_you_mean
from ..errors import InputError
from ..files.atomic import write_text
from ..flux import HR_SOURCE_KINDS, KS_SOURCE_KINDS, NAME_RE, SOURCE_KINDS, resolve_kind
from ..tree import local_folder
from ..yamlio.config_edit import ConfigEditError, add_entry, delete, merge_document, set_value
from ..yamlio.source import compose, plain_data
from .dependents import dependents, deployed, undeployed
from .fields import Section
from .helm_releases import HELM_RELEASE
from .kustomizations import KUSTOMIZATION
from .load import load_text
from .model import Config, HelmRelease
from .paths import shown_config
from .settings import DEFAULTS, FLUX
from .sources import PATH as SOURCES_PATH
from .sources import SOURCES

_PROBLEM = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<path>[^:\s]+): (?P<msg>.*)$")


@dataclass(frozen=True)
class Edit:
    """An edited config text, not yet loaded or written."""

    text: str
    summary: str  # "added Kustomization flux-system/apps"
    entry: str = ""  # the edited entry's path ("kustomizations[10]"); its problems name options
    # config key -> the option that set it ("url" -> "--url"; "" for the entry itself)
    options: Mapping[str, str] = field(default_factory=dict)
    folder: str | None = None  # a missing folder of resourcesDir the new entry syncs
    notes: tuple[str, ...] = ()  # what else the user should know


def load_edit(edit: Edit, path: Path) -> Config:
    """The edited text loaded as the config at `path`; InputError (nothing was written)
    whose lines name the option behind each problem of the edited entry."""
    try:
        return load_text(edit.text, path)
    except InputError as exc:
        lines = [_by_option(line, edit) for line in exc.lines]
        raise InputError(*lines, f"{shown_config(path)}: not changed") from None


def _by_option(line: str, edit: Edit) -> str:
    """`config/flux.yaml:80:5: kustomizations[10].interval: msg` -> `--interval: msg`: the
    new entry's lines do not exist in the file yet."""
    match = _PROBLEM.match(line)
    if match is None or not edit.entry:
        return line
    where = match["path"]
    if where == edit.entry:
        key = ""
    elif where.startswith(edit.entry + "."):
        key = re.split(r"[.\[]", where[len(edit.entry) + 1 :], maxsplit=1)[0]
    else:
        return line
    return f"{edit.options[key]}: {match['msg']}" if key in edit.options else line


# ---------------------------------------------------------------- requests


def add_source(
    text: str,
    config: Config,
    *,
    kind: str,
    name: str,
    url: str,
    settings: Mapping[str, str | None],
) -> Edit:
    """A new source; `settings` are its other keys by config key (branch, tag, …)."""
    spec = resolve_kind(kind)
    if spec.kind not in SOURCE_KINDS:
        raise InputError(f"KIND: {kind!r} is not a source kind; use git, helm or oci")
    section = SOURCES[spec.kind]
    namespace = settings.get("namespace") or default_namespace(text)
    _not_declared(config, spec.kind, namespace, name, "SOURCE")
    values = {"kind": spec.kind, "name": name, "url": url, **settings}
    entry = _entry(section, values)
    options = _options(section, {"name": "SOURCE", "kind": "KIND"})
    return _added(text, config, SOURCES_PATH, entry, f"{spec.kind} {namespace}/{name}", options)


def add_kustomization(text: str, config: Config, *, name: str, settings: Mapping[str, Any]) -> Edit:
    """A new Kustomization; a folder it syncs that is missing is named for the caller."""
    namespace = settings.get("namespace") or default_namespace(text)
    _not_declared(config, "Kustomization", namespace, name, "KUSTOMIZATION")
    source = settings.get("source")
    if source:
        _known_source(config, source, KS_SOURCE_KINDS, "GitRepository")
    _known_dependencies(config, "Kustomization", namespace, settings.get("depends_on", ()))
    values = {"name": name, **{_key(KUSTOMIZATION, a): v for a, v in settings.items()}}
    entry: Any = _entry(KUSTOMIZATION, values)
    if set(entry) == {"name"}:
        entry = name  # `- apps`, as the config writes a folder with every default
    path = settings.get("path")
    folder = local_folder(path, config.repo_path) if path else name
    missing = (
        folder if folder is not None and not (config.resources_dir / folder).is_dir() else None
    )
    options = _options(KUSTOMIZATION, {"name": "KUSTOMIZATION"})
    edit = _added(
        text, config, KUSTOMIZATION.path, entry, f"Kustomization {namespace}/{name}", options
    )
    return Edit(edit.text, edit.summary, edit.entry, edit.options, missing)


def add_helm_release(text: str, config: Config, *, name: str, settings: Mapping[str, Any]) -> Edit:
    """A new HelmRelease; a note when no Kustomization's folder holds its file."""
    namespace = settings.get("namespace") or default_namespace(text)
    settings = {**settings, "namespace": namespace}  # the table requires it written
    _not_declared(config, "HelmRelease", namespace, name, "RELEASE")
    _known_source(config, settings["source"], HR_SOURCE_KINDS, None)
    _known_dependencies(config, "HelmRelease", namespace, settings.get("depends_on", ()))
    values = {"name": name, **{_key(HELM_RELEASE, a): v for a, v in settings.items()}}
    options = _options(HELM_RELEASE, {"name": "RELEASE", "version": "--version"})
    edit = _added(
        text,
        config,
        HELM_RELEASE.path,
        _entry(HELM_RELEASE, values),
        f"HelmRelease {namespace}/{name}",
        options,
    )
    file = settings.get("file") or HELM_RELEASE.default(
        "file", {"name": name, "namespace": namespace}
    )
    notes = undeployed(config, file)
    return Edit(edit.text, edit.summary, edit.entry, edit.options, notes=notes)


def set_release_version(
    text: str, config: Config, *, release: str, version: str, namespace: str | None
) -> Edit:
    """The chart version of one declared HelmRelease."""
    index, found = _find_release(config, release, namespace)
    where = f"{HELM_RELEASE.path}[{index}]"
    what = f"HelmRelease {found.namespace}/{found.name}"
    if found.version == version:  # nothing to edit: the update still runs, as asked
        return Edit(text, f"{what}: chart version is {version} already")
    edited = set_value(text, f"{where}.version", version)
    was = found.version or "(none: the latest)"
    return Edit(edited, f"{what}: chart version {was} → {version}", where, {"version": "VERSION"})


def set_flux_version(text: str, config: Config, version: str) -> Edit:
    """flux.version set in place (its comment and quoting kept)."""
    if config.flux_version == version:  # nothing to edit: re-render and regenerate as asked
        return Edit(text, f"flux.version is {version} already")
    edited = set_value(text, f"{FLUX.path}.version", version)
    return Edit(edited, f"flux.version {config.flux_version} → {version}")


def remove(text: str, config: Config, *, kind: str, name: str, namespace: str | None) -> Edit:
    """An object taken out of the config; refused while another one depends on it."""
    spec = resolve_kind(kind)
    section_path, objects = _declared_of(config, spec.kind)
    matches = [
        (i, ns) for i, (ns, n) in enumerate(objects) if n == name and namespace in (None, ns)
    ]
    if not matches:
        names = {n for _, n in objects}
        where = f" in namespace {namespace}" if namespace else ""
        raise InputError(
            f"RESOURCE: no {spec.kind} named {name!r} is declared{where}"
            + did_you_mean(name, names)
        )
    if len(matches) > 1:
        spaces = ", ".join(ns for _, ns in matches)
        raise InputError(f"RESOURCE: {spec.kind} {name} is declared in {spaces}: pass -n NAMESPACE")
    index, ns = matches[0]
    using = dependents(config, spec.kind, ns, name)
    if using:
        raise InputError(
            f"refusing to remove {spec.kind} {ns}/{name}: {'; '.join(using)}; "
            "remove or change those first"
        )
    notes = _removal_notes(config, spec.kind, ns, name)
    edited = delete(text, [section_path, index])
    return Edit(edited, f"removed {spec.kind} {ns}/{name}", notes=notes)


# ---------------------------------------------------------------- checks


def default_namespace(text: str) -> str:
    """`defaults.namespace` of a config that loads (the model keeps no `defaults:`)."""
    root = compose(text.removeprefix("\ufeff"))
    data = as_mapping(plain_data(root) if root is not None else None)
    written = as_mapping(data.get(DEFAULTS.path)).get("namespace")
    return written if isinstance(written, str) else str(DEFAULTS.default("namespace"))


def _not_declared(config: Config, kind: str, namespace: str, name: str, option: str) -> None:
    """A valid name (checked first: a Kustomization's name may become a folder) that no
    object of `kind` in `namespace` has yet."""
    if not NAME_RE.match(name):
        raise InputError(
            f"{option}: name {name!r} is invalid, it should adhere to standard defined in "
            "RFC 1123: 2-63 lower-case alphanumeric characters or '-', starting and ending "
            "alphanumeric"
        )
    if (kind, namespace, name) in set(config.declared()):
        raise InputError(
            f"{option}: {kind} {namespace}/{name} is already declared in "
            f"{shown_config(config.path)}; pick another name, or change that entry"
        )


def _known_source(config: Config, text: str, kinds: tuple[str, ...], default: str | None) -> None:
    """`--source [Kind/]name[.namespace]`: without a namespace it must be declared."""
    kind, slash, rest = text.partition("/")
    if not slash:
        kind, rest = default or "", text
    canonical = {k.lower(): k for k in kinds}.get(kind.lower())
    if canonical is None:
        raise InputError(
            f"--source: {text!r} must be Kind/name[.namespace] with Kind one of {', '.join(kinds)}"
        )
    if "." in rest:
        return  # managed elsewhere; the loader checks the names
    declared = {f"{s.kind}/{s.name}" for s in config.sources if s.kind in kinds}
    if f"{canonical}/{rest}" in declared:
        return
    raise InputError(
        f"--source: {canonical}/{rest} is not declared in {shown_config(config.path)}"
        + did_you_mean(f"{canonical}/{rest}", declared)
        + f"; add it with `invoke flux.add-source`, or write {canonical}/{rest}.NAMESPACE "
        "for a source managed elsewhere"
    )


def _known_dependencies(config: Config, kind: str, namespace: str, names: Iterable[str]) -> None:
    """A bare `--depends-on` name must be a declared object of the same kind and namespace."""
    same = {n for k, ns, n in config.declared() if k == kind and ns == namespace}
    for name in names:
        if "/" not in name and name.split("@", 1)[0] not in same:
            raise InputError(
                f"--depends-on: no {kind} named {name!r} is declared in namespace {namespace}"
                + did_you_mean(name, same)
                + f"; write NAMESPACE/{name} for one managed elsewhere"
            )


def _find_release(config: Config, name: str, namespace: str | None) -> tuple[int, HelmRelease]:
    found = [
        (i, hr)
        for i, hr in enumerate(config.helm_releases)
        if hr.name == name and namespace in (None, hr.namespace)
    ]
    if not found:
        where = f" in namespace {namespace}" if namespace else ""
        names = {hr.name for hr in config.helm_releases}
        raise InputError(
            f"RELEASE: no HelmRelease named {name!r} is declared{where}" + did_you_mean(name, names)
        )
    if len(found) > 1:
        spaces = ", ".join(hr.namespace for _, hr in found)
        raise InputError(f"RELEASE: HelmRelease {name} is declared in {spaces}: pass -n NAMESPACE")
    return found[0]


def _declared_of(config: Config, kind: str) -> tuple[str, list[tuple[str, str]]]:
    """The config list that holds `kind`, and (namespace, name) of each of its entries, by
    index (the loaded model keeps every entry of a config that loads, in order)."""
    if kind == "Kustomization":
        return KUSTOMIZATION.path, [(k.namespace, k.name) for k in config.kustomizations]
    if kind == "HelmRelease":
        return HELM_RELEASE.path, [(h.namespace, h.name) for h in config.helm_releases]
    return SOURCES_PATH, [
        (s.namespace, s.name) if s.kind == kind else ("", "") for s in config.sources
    ]


def _removal_notes(config: Config, kind: str, namespace: str, name: str) -> tuple[str, ...]:
    if kind == "Kustomization":
        ks = next(k for k in config.kustomizations if (k.namespace, k.name) == (namespace, name))
        if ks.local_dir is None:
            return ()
        folder = config.display(config.resources_dir / ks.local_dir)
        prune = (
            "Flux deletes every object it applied from there (prune)"
            if ks.prune
            else "prune is off: what it applied stays in the cluster, unmanaged"
        )
        orphans = [
            f"warning: {config.display(config.resources_dir / hr.file)}: HelmRelease "
            f"{hr.namespace}/{hr.name} lies in no other Kustomization's folder: Flux will not deploy it"
            for hr in config.helm_releases
            if deployed(config, hr.file) and not deployed(config, hr.file, without=ks)
        ]
        return (f"note: {folder}/ is left as it is; once the change is merged, {prune}", *orphans)
    if kind == "HelmRelease":
        hr = next(h for h in config.helm_releases if (h.namespace, h.name) == (namespace, name))
        if hr.cluster_values is not None:
            return (
                f"note: the values files {hr.cluster_values.file} are left as they are "
                "(delete them if nothing else uses them)",
            )
    return ()


# ---------------------------------------------------------------- entries


def _key(section: Section[Any], attr: str) -> str:
    """The config key of a model attribute (`depends_on` -> its camelCase key)."""
    return next(f.key for f in section.fields if f.attr == attr)


def _entry(section: Section[Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The entry's keys in table order, leaving out what was not given."""
    return {
        f.key: list(values[f.key]) if isinstance(values[f.key], tuple) else values[f.key]
        for f in section.fields
        if values.get(f.key) not in (None, (), [], "")
    }


def _options(section: Section[Any], names: Mapping[str, str]) -> dict[str, str]:
    """Config key -> the task option that sets it (the table's `flux create` flag)."""
    options = {f.key: f.flag for f in section.fields if f.flag and f.flag.startswith("--")}
    return {**options, "": next(iter(names.values())), **names}


def _added(
    text: str, config: Config, section: str, entry: Any, what: str, options: Mapping[str, str]
) -> Edit:
    """`entry` added to the list `section`: in name order when the list is in name order,
    else last."""
    names = _names(config, section)
    name = str(entry["name"]) if isinstance(entry, dict) else str(entry)
    index = None
    if len(names) > 1 and names == sorted(names):
        index = sum(1 for n in names if n < name)
    position = len(names) if index is None else index
    edited = add_entry(text, section, entry, index=index)
    return Edit(edited, f"added {what}", f"{section}[{position}]", options)


def _names(config: Config, section: str) -> list[str]:
    """The names of the entries of one list, in config order."""
    if section == KUSTOMIZATION.path:
        return [k.name for k in config.kustomizations]
    if section == HELM_RELEASE.path:
        return [h.name for h in config.helm_releases]
    return [s.name for s in config.sources]


def replace_config(path: Path, new_text: str) -> list[str]:
    """Write `new_text` over the config at `path` (atomically), keeping the old text
    (comments, blank lines, quoting) wherever the data did not change; returns a note when
    the old config cannot be merged and so keeps none of it."""
    notes: list[str] = []
    try:
        old_text: str | None = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        old_text = None  # nothing readable to keep
    text = new_text
    if old_text is not None:
        try:
            text = merge_document(old_text, new_text)
        except ConfigEditError as exc:
            notes.append(
                f"note: {shown_config(path)}: its comments are not kept: it does not parse "
                f"({exc.lines[0]})"
            )
    write_text(path, text, shown_config(path))
    return notes
