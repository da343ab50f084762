"""Tasks that edit config/flux.yaml in place and then update the generated files:
`flux.add-source`, `flux.add-kustomization`, `flux.add-helm-release`, `flux.set-version`,
`flux.remove` and `flux.upgrade`.

Each keeps every byte of the config outside the entry it edits, checks the result with the
loader before writing, writes atomically and runs the update (`--no-update` skips it),
holding the tree lock. `--dry-run` prints the diffs and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from invoke.context import Context
from invoke.tasks import task

from ._edge import config_path, edge, out, runner, say, warn, writes_tree
from ._invoke_compat import FluxTask

if TYPE_CHECKING:
    from ..config.edit import Edit
    from ..config.model import Config
    from ..offline.config_change import Changed

EDIT_HELP = {
    "update": "Run flux.update after the edit (default); --no-update writes config/flux.yaml only.",
    "dry-run": "Print the diff of config/flux.yaml and of the generated files; write nothing.",
}
NAMESPACE_HELP = "Namespace of the object (default: defaults.namespace)."
DEPENDS_HELP = "NAME (same kind, same namespace) or NAMESPACE/NAME that must be ready first; repeat or comma-separate."


def _change(
    c: Context,
    name: str,
    make: Callable[[str, Config], Edit],
    *,
    update: bool = True,
    dry_run: bool = False,
    components: Callable[[Config], str | None] | None = None,
) -> Changed:
    from ..offline.config_change import change_config

    path = config_path(c)
    with writes_tree(c, name):
        return change_config(
            path, make, say=say, warn=warn, out=out, update=update, dry_run=dry_run,
            components=components,
        )  # fmt: skip


def _listed(values: Sequence[str] | None) -> tuple[str, ...]:
    """A repeatable option, each value possibly comma-separated (as flux create takes it)."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def _required(value: str | None, option: str, what: str) -> str:
    from ..errors import InputError

    if not value:
        raise InputError(f"{option} is required: {what}")
    return value


@task(
    klass=FluxTask,
    help={
        "kind": "git, helm or oci (GitRepository, HelmRepository, OCIRepository).",
        "source": "Name of the new source.",
        "url": "Where it is fetched from (required): https/ssh for git, https or oci:// for helm, oci:// for oci.",
        "branch": "GitRepository: branch to follow.",
        "tag": "GitRepository or OCIRepository: tag to follow.",
        "semver": "GitRepository or OCIRepository: semver range of tags to follow.",
        "commit": "GitRepository: commit to pin.",
        "digest": "OCIRepository: digest to pin.",
        "namespace": NAMESPACE_HELP,
        "interval": "Fetch interval, a Go duration (default: defaults.interval).",
        "secret_ref": "Name of the Secret holding credentials.",
        "provider": "OCIRepository: authentication provider (generic, aws, azure, gcp).",
        **EDIT_HELP,
    },
)
@edge
def add_source(
    c: Context, kind: str, source: str, url: str = "", branch: str | None = None,
    tag: str | None = None, semver: str | None = None, commit: str | None = None,
    digest: str | None = None, namespace: str | None = None, interval: str | None = None,
    secret_ref: str | None = None, provider: str | None = None, update: bool = True,
    dry_run: bool = False,
) -> None:  # fmt: skip
    """Declare a Flux source in config/flux.yaml (its comments kept), then run flux.update.

    invoke flux.add-source KIND SOURCE --url URL [--branch B | --tag T | --semver R | --commit C | --digest D]
    KIND: git, helm or oci.
    Example: invoke flux.add-source helm podinfo --url https://stefanprodan.github.io/podinfo
    """
    from ..config.edit import add_source as add

    settings = {"branch": branch, "tag": tag, "semver": semver, "commit": commit}
    settings |= {"digest": digest, "namespace": namespace, "interval": interval}
    settings |= {"secretRef": secret_ref, "provider": provider}
    address = _required(url, "--url", "where the source is fetched from")
    make = partial(add, kind=kind, name=source, url=address, settings=settings)
    _change(c, "flux.add-source", make, update=update, dry_run=dry_run)


@task(
    klass=FluxTask,
    iterable=["depends_on"],
    help={
        "kustomization": "Name of the new Kustomization; its folder defaults to resources/NAME (created when missing).",
        "path": "Path inside the synced repository (default ./REPOPATH/NAME).",
        "depends_on": DEPENDS_HELP,
        "source": "[Kind/]name[.namespace] of the source (default: defaults.kustomizationSource).",
        "namespace": NAMESPACE_HELP,
        "interval": "Reconcile interval, a Go duration (default: defaults.interval).",
        "prune": "Delete what the folder no longer holds (default); --no-prune leaves it.",
        "target_namespace": "Namespace every object of the folder is put in.",
        "wait": "Wait for every applied object to be ready.",
        **EDIT_HELP,
    },
)
@edge
def add_kustomization(
    c: Context, kustomization: str, path: str | None = None, depends_on: list[str] | None = None,
    source: str | None = None, namespace: str | None = None, interval: str | None = None,
    prune: bool = True, target_namespace: str | None = None, wait: bool = False,
    update: bool = True, dry_run: bool = False,
) -> None:  # fmt: skip
    """Declare a Kustomization in config/flux.yaml (its comments kept), then run flux.update.

    invoke flux.add-kustomization KUSTOMIZATION [--path P] [--depends-on K ...] [--source S]
    Example: invoke flux.add-kustomization monitoring --depends-on kube-system

    Its folder (resources/KUSTOMIZATION, or the one --path names) is created with a
    .gitkeep when missing, since the config requires it and Git keeps no empty folder.
    """
    from ..config.edit import add_kustomization as add

    settings: dict[str, Any] = {"path": path, "source": source, "namespace": namespace}
    settings |= {"interval": interval, "depends_on": _listed(depends_on)}
    settings |= {"prune": None if prune else False, "wait": wait or None}
    settings |= {"target_namespace": target_namespace}
    make = partial(add, name=kustomization, settings=settings)
    _change(c, "flux.add-kustomization", make, update=update, dry_run=dry_run)


@task(
    klass=FluxTask,
    iterable=["depends_on", "values"],
    help={
        "release": "Name of the new HelmRelease.",
        "source": "Kind/name[.namespace] of the chart's source (required), e.g. HelmRepository/eks-charts.",
        "chart": "Chart name (required), or its path in a GitRepository.",
        "version": "Chart version or semver range (required).",
        "namespace": NAMESPACE_HELP,
        "depends_on": DEPENDS_HELP,
        "interval": "Reconcile interval, a Go duration (default: defaults.interval).",
        "target_namespace": "Namespace the chart is installed into.",
        "values": "Values file relative to the root (outside resources/); repeat to merge several in order.",
        "file": "Output file relative to resources/ (default NAMESPACE/flux-hr-NAME.yaml).",
        **EDIT_HELP,
    },
)
@edge
def add_helm_release(
    c: Context, release: str, source: str = "", chart: str = "", version: str = "",
    namespace: str | None = None, depends_on: list[str] | None = None,
    interval: str | None = None, target_namespace: str | None = None,
    values: list[str] | None = None, file: str | None = None, update: bool = True,
    dry_run: bool = False,
) -> None:  # fmt: skip
    """Declare a HelmRelease in config/flux.yaml (its comments kept), then run flux.update.

    invoke flux.add-helm-release RELEASE --source KIND/NAME --chart C --version V [-n NS]
    Example: invoke flux.add-helm-release podinfo --source HelmRepository/podinfo --chart podinfo --version 6.5.4 -n apps
    """
    from ..config.edit import add_helm_release as add

    settings: dict[str, Any] = {"namespace": namespace, "interval": interval, "file": file}
    settings |= {"source": _required(source, "--source", "Kind/name of the chart's source")}
    settings |= {"chart": _required(chart, "--chart", "the chart's name")}
    settings |= {"version": _required(version, "--version", "the chart version to install")}
    settings |= {"depends_on": _listed(depends_on), "values_files": _listed(values)}
    settings |= {"target_namespace": target_namespace}
    make = partial(add, name=release, settings=settings)
    _change(c, "flux.add-helm-release", make, update=update, dry_run=dry_run)


SET_VERSION_HELP = {
    "release": "Name of a HelmRelease declared in config/flux.yaml.",
    "version": "The chart version (or semver range) to pin.",
    "namespace": "Namespace of the release, when several share its name.",
    **EDIT_HELP,
}


@task(klass=FluxTask, help=SET_VERSION_HELP)
@edge
def set_version(
    c: Context, release: str, version: str, namespace: str | None = None,
    update: bool = True, dry_run: bool = False,
) -> None:  # fmt: skip
    """Set a HelmRelease's chart version in config/flux.yaml, then run flux.update.

    invoke flux.set-version RELEASE VERSION [-n NAMESPACE]
    Example: invoke flux.set-version karpenter 1.0.3
    """
    from ..config.edit import set_release_version

    make = partial(set_release_version, release=release, version=version, namespace=namespace)
    _change(c, "flux.set-version", make, update=update, dry_run=dry_run)


@task(
    klass=FluxTask,
    help={
        "version": "The Flux release to pin, e.g. v2.4.0 (v2.0.0 to v2.9.x).",
        "allow_downgrade": "Allow a version older than the pinned one.",
        "dry-run": "Print what would change; write nothing.",
    },
)
@edge
def upgrade(c: Context, version: str, allow_downgrade: bool = False, dry_run: bool = False) -> None:
    """Pin another Flux version: set flux.version, re-render, regenerate the components, validate.

    invoke flux.upgrade VERSION [--allow-downgrade]
    Example: invoke flux.upgrade v2.4.0

    The components file is regenerated when the flux CLI on PATH is that version
    (flux version --client); otherwise the task says what to run to finish.
    """
    from ..offline.upgrade import Upgrade, report_validation

    plan = Upgrade(version, allow_downgrade, runner(c), say)
    changed = _change(c, "flux.upgrade", plan.edit, dry_run=dry_run, components=plan.components)
    plan.summarize(changed)
    if not dry_run:
        report_validation(config_path(c), runner(c), say, warn)


@task(
    klass=FluxTask,
    help={
        "kind": "hr|helmrelease, ks|kustomization, git|gitrepository, helm|helmrepository or oci|ocirepository.",
        "resource": "Name of the object.",
        "namespace": "Namespace of the object, when several share its name.",
        **EDIT_HELP,
    },
)
@edge
def remove(
    c: Context, kind: str, resource: str, namespace: str | None = None, update: bool = True,
    dry_run: bool = False,
) -> None:  # fmt: skip
    """Remove an object from config/flux.yaml (refused while another one depends on it), then run flux.update.

    invoke flux.remove KIND RESOURCE [-n NAMESPACE]
    Example: invoke flux.remove ks monitoring

    Refused while a dependsOn, a source reference or a health check names the object.
    Its folder and values files are left alone.
    """
    from ..config.edit import remove as take_out

    make = partial(take_out, kind=kind, name=resource, namespace=namespace)
    _change(c, "flux.remove", make, update=update, dry_run=dry_run)
