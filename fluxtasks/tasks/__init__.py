"""Invoke tasks (namespace `flux`). The only module that imports invoke.

Tasks stay thin: parse options, load the config, call one library function, print,
and map errors to exit codes (see `_edge`).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.parser.argument import Argument
from invoke.tasks import Task, task

from ..errors import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, CheckFailed, FluxTasksError

if TYPE_CHECKING:
    from ..cluster.target import ClusterTarget
    from ..cluster.watch import Observation, WaitResult
    from ..config.model import Config
    from ..flux import FluxKind
    from ..runner import Runner

# Library modules are imported inside the tasks that use them, so `invoke --list`
# and `invoke --help` stay fast.

F = TypeVar("F", bound=Callable[..., Any])


def _edge(body: F) -> F:
    """Turn library errors into one line per problem on stderr plus the documented exit code."""

    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except FluxTasksError as exc:
            raise Exit("\n".join(exc.lines), code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`invoke flux.status | head`): stop quietly, and keep
            # Python from complaining again when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(code=EXIT_CHECK_FAILED) from None

    return wrapper  # type: ignore[return-value]


def _config_path(c: Context) -> Path:
    configured = c.config.get("flux", {}).get("config") or "config/flux.yaml"
    return Path(configured)


def _load(c: Context) -> Config:
    from ..config.model import load_config

    return load_config(_config_path(c))


def _say(line: str = "") -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@task(
    help={
        "check": "Write nothing; print a unified diff of what would change and exit 1 if anything would.",
        "components": "Also regenerate the components file with `flux install --export` (needs the pinned flux CLI).",
        "verbose": "Echo every external command before it runs.",
    }
)
@_edge
def update(
    c: Context, check: bool = False, components: bool = False, verbose: bool = False
) -> None:
    """Render every Flux source, Kustomization and HelmRelease from config/flux.yaml."""
    from ..files.atomic import apply_plan
    from ..files.plan import Action
    from ..render.components import export_components
    from ..render.update import plan_update
    from ..runner import Runner

    config = _load(c)
    fresh_components = None
    if components:
        fresh_components = export_components(config, Runner(echo=verbose))
    plan = plan_update(config, components_output=fresh_components)
    for note in (*config.warnings, *plan.notes):
        _warn(note)
    if check:
        if plan.has_drift:
            sys.stdout.write(plan.diff())
            problems = [f"drift: {note}" for note in plan.drift_notes]
            if plan.pending:
                problems.append(
                    f"{len(plan.pending)} generated file(s) out of date: run `invoke flux.update` and commit the result"
                )
            raise CheckFailed(*problems)
        _say(f"up to date: {len(plan.changes)} generated file(s) match config/flux.yaml")
        return
    apply_plan(plan)
    try:
        verbs = {Action.CREATE: "wrote", Action.UPDATE: "updated", Action.DELETE: "pruned"}
        for change in plan.pending:
            _say(f"{verbs[change.action]} {plan.shown_dir}/{change.path}")
        _say(
            f"{plan.count(Action.CREATE) + plan.count(Action.UPDATE)} written, "
            f"{plan.count(Action.UNCHANGED)} unchanged, {plan.count(Action.DELETE)} pruned"
        )
    except KeyboardInterrupt:
        # Every file is written: Ctrl-C now only cuts the report short. Exit 130 would say
        # the update was undone, which only happens while apply_plan runs.
        _warn("interrupted while reporting: every change was already written")


@task(help={"verbose": "Echo every kubectl command before it runs."})
@_edge
def validate(c: Context, verbose: bool = False) -> None:
    """Offline checks: config, generated files, kustomize builds, CRD schemas, deployment, references.

    Every problem is printed, one line each; exit 1 on any error (warnings do not fail),
    2 when kubectl is needed to build a folder and missing. No cluster, no flux CLI.
    """
    from ..errors import ToolError
    from ..offline.validate import validate as run_checks
    from ..runner import Runner

    report = run_checks(_config_path(c), Runner(echo=verbose))
    for line in report.warnings:
        _warn(line)
    _say(report.summary())
    if report.missing_tool:
        raise ToolError(*report.errors, report.missing_tool)
    if report.errors:
        raise CheckFailed(*report.errors)


@task(
    help={
        "check": "Write nothing; exit 1 if config/flux.schema.json is not what the loader's rules give."
    }
)
@_edge
def schema(c: Context, check: bool = False) -> None:
    """Rewrite config/flux.schema.json, the JSON Schema editors use for config/flux.yaml."""
    from ..config.schema import plan_schema, write_schema

    config_dir = _config_path(c).parent
    shown = "config" if config_dir.name == "config" else str(config_dir)
    plan = plan_schema(config_dir, shown)
    target = f"{shown}/{plan.changes[0].path}"
    if check:
        if plan.has_drift:
            raise CheckFailed(
                f"{target}: out of date: run `invoke flux.schema` and commit the result"
            )
        _say(f"up to date: {target}")
        return
    write_schema(plan)
    _say(f"{'wrote' if plan.has_drift else 'unchanged:'} {target}")


@task(
    name="import",
    help={
        "write": "Write the config instead of printing it (refused while a generated file cannot be imported).",
        "force": "With --write, replace an existing config/flux.yaml (its clusters and output settings are kept).",
    },
)
@_edge
def import_config(c: Context, write: bool = False, force: bool = False) -> None:
    """Rebuild config/flux.yaml from the generated flux-*.yaml files (migration from the bash script).

    Prints the config on stdout (notes on stderr) unless --write. Exit 4 when a file that
    carries the generated marker cannot be imported: update would delete it.
    """
    from ..errors import InputError
    from ..files.atomic import write_text
    from ..offline.importer import import_tree, shown_config

    path = _config_path(c)
    shown = shown_config(path)
    if write and path.exists() and not force:
        raise InputError(
            f"{shown}: already exists: pass --force to replace it (or run without --write to print)"
        )
    result = import_tree(path)
    blocked = f"{len(result.blockers)} generated file(s) cannot be imported"
    if not write:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    report = _warn if not write else _say
    for note in result.notes:
        report(f"note: {note}")
    for warning in [*result.left_alone, *result.warnings]:
        _warn(f"warning: {warning}")
    if result.blockers:
        how = "nothing written" if write else "--write refuses until their marker line is removed"
        raise InputError(*result.blockers, f"{blocked}: {how}")
    if write:
        write_text(path, result.text, shown)
        after = (
            "`invoke flux.update` makes the rewrites listed above"
            if result.warnings
            else "`invoke flux.update --check` reports no drift"
        )
        _say(f"wrote {shown} ({result.imported} objects): {after}")


# ---------------------------------------------------------------- cluster tasks
# Every cluster task takes the same four options; the library does the work.

_CLUSTER_HELP = {
    "cluster": "Cluster from config/flux.yaml (e.g. canary, prod); default: the PROW_ENV environment variable.",
    "context": "Kube context to use instead of the cluster's own; skips the current-context check.",
    "kubeconfig": "Kubeconfig file passed to every kubectl and flux call.",
    "dry-run": "Print every command it would run (the context check included), run nothing, exit 0.",
}


def _cluster_help(**extra: str) -> dict[str, str]:
    return {**extra, **_CLUSTER_HELP}


def _seconds(text: str, option: str) -> float:
    from ..durations import parse_duration
    from ..errors import InputError

    try:
        seconds = parse_duration(text) / 1e9
    except ValueError:
        raise InputError(
            f"{option}: invalid duration {text!r} (Go form, e.g. 30s, 5m, 1h30m)"
        ) from None
    if seconds < 0:
        raise InputError(f"{option}: must not be negative, got {text!r}")
    return seconds


def _connect(
    c: Context,
    cluster: str | None,
    context: str | None,
    kubeconfig: str | None,
    dry_run: bool,
    tools: tuple[str, ...] = ("kubectl",),
    precheck: Callable[[Config, str], None] | None = None,
) -> tuple[Config, ClusterTarget, Runner]:
    """Load the config, select the cluster, run the offline `precheck(config, cluster)`,
    make sure the tools exist, then check the kube context: every local problem is
    reported before anything touches a cluster."""
    from ..cluster.target import connect, select_cluster
    from ..runner import Runner

    config = _load(c)
    selected = select_cluster(config, cluster, os.environ)  # exit 3 before anything else
    if precheck is not None:
        precheck(config, selected.name)
    runner = Runner(dry_run=dry_run)
    if not dry_run:
        for tool in tools:
            runner.which(tool)
    target = connect(config, runner, cluster=cluster, context=context, kubeconfig=kubeconfig)
    return config, target, runner


@task(
    help=_cluster_help(
        timeout="How long to wait for the controllers to become ready (Go duration). Default 5m.",
        server_dry_run="Apply with --dry-run=server (the API server validates, nothing changes) and do not wait.",
    )
)
@_edge
def install(
    c: Context,
    timeout: str = "5m",
    server_dry_run: bool = False,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Server-side apply the committed Flux components, then wait for the controllers."""
    from ..cluster.install import install as install_components
    from ..cluster.install import require_components

    limit = _seconds(timeout, "--timeout")
    config, target, runner = _connect(
        c, cluster, context, kubeconfig, dry_run, precheck=lambda cfg, _: require_components(cfg)
    )
    install_components(
        config, target, runner, timeout=limit, server_dry_run=server_dry_run, say=_say
    )
    if not dry_run and not server_dry_run:
        _say(f"Flux components installed on {target.describe()}")


def _apply(
    c: Context,
    groups: tuple[str, ...],
    server_dry_run: bool,
    allow_drift: bool,
    cluster: str | None,
    context: str | None,
    kubeconfig: str | None,
    dry_run: bool,
) -> None:
    from ..cluster.apply import apply_groups, check_drift

    def no_drift(config: Config, _cluster: str) -> None:
        check_drift(config, allow_drift=allow_drift, dry_run=dry_run, say=_say)

    config, target, runner = _connect(c, cluster, context, kubeconfig, dry_run, precheck=no_drift)
    count = apply_groups(config, target, runner, groups, server_dry_run=server_dry_run, say=_say)
    if not dry_run:
        _say(
            f"applied {count} file(s) to {target.describe()}"
            + (" (server dry run)" if server_dry_run else "")
        )


_APPLY_HELP = _cluster_help(
    server_dry_run="Pass --dry-run=server: the API server validates everything, nothing changes.",
    allow_drift="Apply even when generated files differ from what config/flux.yaml renders.",
)


def _apply_task(name: str, groups: tuple[str, ...], doc: str) -> Task[Any]:
    """One apply task per group set: Invoke needs a function per task, the work is shared."""

    def body(
        c: Context,
        server_dry_run: bool = False,
        allow_drift: bool = False,
        cluster: str | None = None,
        context: str | None = None,
        kubeconfig: str | None = None,
        dry_run: bool = False,
    ) -> None:
        _apply(c, groups, server_dry_run, allow_drift, cluster, context, kubeconfig, dry_run)

    body.__doc__ = doc
    body.__name__ = body.__qualname__ = name
    made: Task[Any] = task(help=_APPLY_HELP, name=name)(_edge(body))
    return made


apply_sources = _apply_task(
    "apply_sources",
    ("sources",),
    "Server-side apply every flux-source-*.yaml under resources/ (one kubectl call).",
)
apply_kustomizations = _apply_task(
    "apply_kustomizations",
    ("kustomizations",),
    "Server-side apply every flux-ks-*.yaml under resources/ (one kubectl call).",
)
apply_helm_releases = _apply_task(
    "apply_helm_releases",
    ("helm-releases",),
    "Server-side apply every flux-hr-*.yaml under resources/ (one kubectl call).",
)
apply = _apply_task(
    "apply",
    ("sources", "kustomizations", "helm-releases"),
    "Apply sources, then Kustomizations, then HelmReleases (one kubectl call each).",
)


@task(
    help=_cluster_help(
        release="Only the HelmRelease of this name (default: every release with clusterValues).",
        server_dry_run="Apply with --dry-run=server: the API server validates, nothing changes.",
    )
)
@_edge
def apply_values(
    c: Context,
    release: str | None = None,
    server_dry_run: bool = False,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Push each HelmRelease's per-cluster values file (clusterValues) into its ConfigMap."""
    from ..cluster.values import apply_values as push_values
    from ..cluster.values import plan_values

    def values_exist(config: Config, cluster_name: str) -> None:
        plan_values(config, cluster_name, release)

    config, target, runner = _connect(
        c, cluster, context, kubeconfig, dry_run, precheck=values_exist
    )
    push_values(config, target, runner, release=release, server_dry_run=server_dry_run, say=_say)


@task(help=_cluster_help())
@_edge
def status(
    c: Context,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Table of every Flux object (declared ones first, marked *); exit 1 if one is not ready."""
    from ..cluster.status import format_table, read_status, status_rows

    config, target, runner = _connect(c, cluster, context, kubeconfig, dry_run)
    snapshot = read_status(target, runner)
    if dry_run:
        return
    rows = status_rows(config.declared(), snapshot)
    for line in format_table(rows):
        _say(line)
    declared = [row for row in rows if row.declared]
    bad = [row for row in declared if not row.ok]
    _say(
        f"* declared in {config.display(config.path)}: {len(declared) - len(bad)} of {len(declared)} ready"
    )
    if bad:
        raise CheckFailed(
            f"{len(bad)} of {len(declared)} declared object(s) not ready on {target.describe()}"
        )


def _hint_for(obs: Observation) -> str:
    kind, namespace, name = obs.key
    if kind == "HelmRelease":
        return f" (if its retries are exhausted: invoke flux.recover-hr {name} -n {namespace})"
    return ""


def _finish_wait(result: WaitResult, timeout: str) -> None:
    """Map a wait's outcome to the documented exit codes: 0 ready, 1 failed, 124 timeout."""
    from ..cluster.watch import Outcome, elapsed_label
    from ..errors import WatchTimeout

    if result.outcome is Outcome.FAILED:
        raise CheckFailed(
            *(f"{obs.display} failed: {obs.message}{_hint_for(obs)}" for obs in result.failed)
        )
    if result.outcome is Outcome.TIMEOUT:
        raise WatchTimeout(
            f"timed out after {timeout}; still pending:",
            *(f"  {obs.describe()}" for obs in result.pending),
        )
    if result.outcome is Outcome.READY:
        _say(f"ready after {elapsed_label(result.elapsed)}")


@task(
    help=_cluster_help(
        timeout="Give up after this long (Go duration), exit 124. Default 10m.",
        interval="Time between polls (Go duration). Default 5s.",
    )
)
@_edge
def watch(
    c: Context,
    timeout: str = "10m",
    interval: str = "5s",
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Wait until every object in config/flux.yaml is Ready: 0 ready, 1 failed, 124 timeout."""
    from ..cluster.watch import wait_for

    limit, every = _seconds(timeout, "--timeout"), _seconds(interval, "--interval")
    config, target, runner = _connect(c, cluster, context, kubeconfig, dry_run)
    keys = list(config.declared())
    if not keys:
        _say("config/flux.yaml declares no Flux objects: nothing to wait for")
        return
    result = wait_for(target, runner, keys, timeout=limit, interval=every, say=_say)
    _finish_wait(result, timeout)


_OBJECT_HELP = {
    "kind": "helmrelease|hr, kustomization|ks, gitrepository|git, helmrepository|helm, ocirepository|oci.",
    "resource": "Name of the object.",
    "namespace": "Namespace of the object; default: where config/flux.yaml declares it, else flux-system.",
}


def _kind_check(kind: str, resource: str, namespace: str | None) -> Callable[[Config, str], None]:
    """A precheck: an unknown KIND, or a name no Kubernetes object can have, is exit 4
    before the cluster is touched."""

    def check(config: Config, cluster: str) -> None:
        from ..cluster.objects import check_names
        from ..flux import resolve_kind

        resolve_kind(kind)
        check_names(resource, namespace)

    return check


def _object(
    config: Config, kind: str, resource: str, namespace: str | None
) -> tuple[FluxKind, str]:
    from ..cluster.objects import declared_namespace
    from ..flux import DEFAULT_NAMESPACE, resolve_kind

    flux_kind = resolve_kind(kind)
    found = namespace or declared_namespace(config.declared(), flux_kind.kind, resource)
    return flux_kind, found or DEFAULT_NAMESPACE


@task(help=_cluster_help(**_OBJECT_HELP))
@_edge
def suspend(
    c: Context,
    kind: str,
    resource: str,
    namespace: str | None = None,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Suspend one Flux object (flux suspend); a missing object is exit 1."""
    from ..cluster.objects import suspend as suspend_object

    precheck = _kind_check(kind, resource, namespace)
    config, target, runner = _connect(
        c, cluster, context, kubeconfig, dry_run, ("kubectl", "flux"), precheck
    )
    flux_kind, ns = _object(config, kind, resource, namespace)
    message = suspend_object(target, runner, flux_kind, resource, ns)
    if not dry_run:
        _say(message)


@task(
    help=_cluster_help(
        **_OBJECT_HELP,
        timeout="How long to wait for Ready after resuming (Go duration); exit 124 after. Default 5m.",
        interval="Time between status polls (Go duration). Default 2s.",
    )
)
@_edge
def resume(
    c: Context,
    kind: str,
    resource: str,
    namespace: str | None = None,
    timeout: str = "5m",
    interval: str = "2s",
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Resume one Flux object, then wait for Ready by reading its status (exit 1 if it fails)."""
    from ..cluster.objects import resume as resume_object

    limit, every = _seconds(timeout, "--timeout"), _seconds(interval, "--interval")
    precheck = _kind_check(kind, resource, namespace)
    config, target, runner = _connect(
        c, cluster, context, kubeconfig, dry_run, ("kubectl", "flux"), precheck
    )
    flux_kind, ns = _object(config, kind, resource, namespace)
    result = resume_object(
        target, runner, flux_kind, resource, ns, timeout=limit, interval=every, say=_say
    )
    _finish_wait(result, timeout)


@task(
    help=_cluster_help(
        **_OBJECT_HELP,
        with_source="Reconcile the object's source first (helmrelease and kustomization only).",
        timeout="Passed to flux as --timeout (Go duration); flux's default is 5m.",
    )
)
@_edge
def reconcile(
    c: Context,
    kind: str,
    resource: str,
    namespace: str | None = None,
    with_source: bool = False,
    timeout: str | None = None,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Ask Flux to reconcile one object now (flux reconcile) and wait for the result."""
    from ..cluster.objects import reconcile as reconcile_object

    if timeout is not None:
        _seconds(timeout, "--timeout")
    precheck = _kind_check(kind, resource, namespace)
    config, target, runner = _connect(
        c, cluster, context, kubeconfig, dry_run, ("kubectl", "flux"), precheck
    )
    flux_kind, ns = _object(config, kind, resource, namespace)
    reconcile_object(
        target,
        runner,
        flux_kind,
        resource,
        ns,
        with_source=with_source,
        timeout=timeout,
        progress=_warn,
    )


_RECOVER_HELP = {
    "namespace": "Namespace of the release(s); recover-hr default: where config/flux.yaml declares it, "
    "else the only release of that name; recover-failed default: all namespaces.",
    "strategy": "suspend-resume (default; every Flux version) or reset (Flux >= 2.2: flux reconcile --reset).",
    "timeout": "How long to wait for the release(s) to become Ready after the kick (Go duration). Default 5m.",
    "interval": "Time between status polls (Go duration). Default 2s.",
}


def _recover(
    c: Context,
    release: str | None,
    namespace: str | None,
    strategy: str,
    timeout: str,
    interval: str,
    cluster: str | None,
    context: str | None,
    kubeconfig: str | None,
    dry_run: bool,
) -> None:
    from ..cluster.objects import declared_namespace
    from ..cluster.recover import (
        parse_strategy,
        recover_all_failed,
        recover_release,
        summary_failed,
    )

    chosen = parse_strategy(strategy)
    limit, every = _seconds(timeout, "--timeout"), _seconds(interval, "--interval")
    config, target, runner = _connect(c, cluster, context, kubeconfig, dry_run, ("kubectl", "flux"))
    common: dict[str, Any] = {"strategy": chosen, "timeout": limit, "interval": every, "say": _say}
    if release is None:
        results = recover_all_failed(target, runner, namespace, **common)
        if not results and not dry_run:
            where = f"namespace {namespace}" if namespace else "any namespace"
            _say(f"no failing HelmRelease in {where} on {target.describe()}: nothing to recover")
            return
    else:
        ns = namespace or declared_namespace(config.declared(), "HelmRelease", release)
        results = recover_release(target, runner, release, ns, **common)
    if results:
        _say("summary:")
    for result in results:
        _say("  " + result.describe())
    if summary_failed(results):
        failing = sum(1 for r in results if r.outcome == "still failing")
        raise CheckFailed(f"{failing} HelmRelease(s) still failing on {target.describe()}")


class _RecoverHrTask(Task[Any]):
    """recover-hr's RELEASE is positional (hence required, in Invoke) unless --all-failed is
    given: its parser argument reads as given ("") once that flag is set."""

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Argument]:
        args = super().get_arguments(ignore_unknown_help)
        flag = next(a for a in args if a.name == "all_failed")
        for i, arg in enumerate(args):
            if arg.name == "release":
                args[i] = _ReleaseArgument(
                    names=arg.names, kind=arg.kind, default=arg.default, help=arg.help,
                    positional=arg.positional, attr_name=arg.attr_name, all_failed=flag,
                )  # fmt: skip
        return args


class _ReleaseArgument(Argument):
    def __init__(self, *, all_failed: Argument, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.all_failed = all_failed

    @property
    def value(self) -> Any:
        given = self._value if self._value is not None else self.default
        if given is None and self.all_failed.value:
            return ""
        return given

    @value.setter
    def value(self, arg: str) -> None:
        self.set_value(arg, cast=True)


@task(
    klass=_RecoverHrTask,
    help={
        "release": "Name of the HelmRelease to recover.",
        **_RECOVER_HELP,
        "all_failed": "Recover every failing HelmRelease instead of one (same as flux.recover-failed).",
        **_CLUSTER_HELP,
    },
)
@_edge
def recover_hr(
    c: Context,
    release: str,
    namespace: str | None = None,
    strategy: str = "suspend-resume",
    timeout: str = "5m",
    interval: str = "2s",
    all_failed: bool = False,
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Recover a HelmRelease stuck after "upgrade retries exhausted", then wait for Ready.

    invoke flux.recover-hr RELEASE [-n NAMESPACE] [--strategy suspend-resume|reset]
    invoke flux.recover-hr --all-failed [-n NAMESPACE]   (same as flux.recover-failed)

    A release whose install or upgrade failed more often than its remediation retries
    allow (Stalled, reason RetriesExceeded; before Flux 2.2 Ready=False "upgrade retries
    exhausted") stays failed until its failure counters are reset. Fix the cause first
    (chart version, values), then pick a strategy:

    suspend-resume (default): flux suspend, then flux resume --wait=false. Each patch bumps
    the generation, which resets the counters on every Flux version. Whatever happens after
    the suspend (an error, Ctrl-C) the release is resumed before the task exits, and it
    says so. Use it on any Flux version, and when unsure.

    reset: flux reconcile helmrelease NAME --reset, which zeroes the counters without
    touching the spec. Needs Flux >= 2.2; use it when the release must not be suspended even
    briefly. On Flux 2.2-2.8 flux reconcile waits until --timeout if the release is still
    failing.

    Either way the task then waits for Ready by reading status itself and prints a line per
    release: recovered, still failing (with the Ready message) or skipped. Exit 1 if any
    is still failing. A suspended release is refused: it is only ever resumed by whoever
    suspended it.
    """
    if all_failed and release:
        from ..errors import InputError

        raise InputError("give either a RELEASE or --all-failed, not both")
    chosen = None if all_failed else release
    _recover(
        c, chosen, namespace, strategy, timeout, interval, cluster, context, kubeconfig, dry_run
    )


@task(help=_cluster_help(**_RECOVER_HELP))
@_edge
def recover_failed(
    c: Context,
    namespace: str | None = None,
    strategy: str = "suspend-resume",
    timeout: str = "5m",
    interval: str = "2s",
    cluster: str | None = None,
    context: str | None = None,
    kubeconfig: str | None = None,
    dry_run: bool = False,
) -> None:
    """Recover every failing HelmRelease (see recover-hr); healthy and suspended ones are left alone."""
    _recover(c, None, namespace, strategy, timeout, interval, cluster, context, kubeconfig, dry_run)
