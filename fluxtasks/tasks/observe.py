"""Tasks that read a cluster, or every declared cluster: `flux.status`, `flux.watch`, `flux.why`."""

from __future__ import annotations

import os
import shutil
import sys

from invoke.context import Context

from ._cluster import ClusterOptions, fleet_task, open_connections
from ._edge import say, seconds
from .objects import OBJECT_HELP, ObjectArgs, one_object


def _choice(value: str, option: str, choices: tuple[str, ...]) -> str:
    from ..errors import InputError

    if value not in choices:
        raise InputError(f"{option}: {value!r} is not one of {', '.join(choices)}")
    return value


def _width(wide: bool) -> int | None:
    """The MESSAGE column's budget: the terminal's width; none with --wide, or when output
    goes to a pipe or a file (then COLUMNS, when set, still counts)."""
    if wide:
        return None
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


@fleet_task(
    kind="Only objects of this kind: hr, ks, git, helm, oci (or the full kind name).",
    namespace="Only objects in this namespace.",
    failed="Only objects that are not Ready (missing ones included).",
    wide="Show the whole MESSAGE instead of cutting it to the terminal's width.",
    output="table (default) or json (a stable document, see docs/cluster-tasks.md).",
)
def status(
    c: Context,
    kind: str | None = None,
    namespace: str | None = None,
    failed: bool = False,
    wide: bool = False,
    output: str = "table",
    *,
    opts: ClusterOptions,
) -> None:
    """One table of every Flux object, with the cause of each that is not Ready; exit 1 if a declared one is not.

    Declared objects come first (marked *), missing ones included. Example:
    invoke flux.status --cluster canary --failed      (or --cluster all: every cluster)
    """
    from ..cluster.status_report import Filters, show_status, status_report
    from ..flux import resolve_kind

    shown = _choice(output, "--output", ("table", "json"))
    filters = Filters(resolve_kind(kind).kind if kind else None, namespace, failed)
    config, conns, fleet = open_connections(c, opts)
    declared, where = list(config.declared()), config.display(config.path)
    report = status_report(conns, declared, filters, fleet=fleet, shown_config=where)
    show_status(report, say, output=shown, width=_width(wide))


@fleet_task(
    timeout="Give up after this long (Go duration), exit 124. Default 10m.",
    interval="Time between polls (Go duration). Default 5s.",
    fail_fast="Stop at the first object that is failing (a Kustomization that keeps retrying too), exit 1.",
)
def watch(
    c: Context,
    timeout: str = "10m",
    interval: str = "5s",
    fail_fast: bool = False,
    *,
    opts: ClusterOptions,
) -> None:
    """Wait until every object in config/flux.yaml is Ready: 0 ready, 1 failed, 124 timeout, 5 unreachable.

    Prints each change once and, every 15s of quiet, what it still waits for. Example:
    invoke flux.watch --cluster canary --timeout 15m --fail-fast
    """
    from ..cluster.connection import Wait
    from ..cluster.watch_report import watch as wait_and_report

    wait = Wait(seconds(timeout, "--timeout"), seconds(interval, "--interval"))
    config, conns, fleet = open_connections(c, opts)
    wait_and_report(conns, list(config.declared()), wait, timeout, fail_fast=fail_fast, fleet=fleet)


WHY_HELP = {
    **OBJECT_HELP,
    "output": "text (default) or json (the same facts as one document).",
    "since": "How far back to read the controller's log (Go duration). Default 1h.",
}


@fleet_task(**WHY_HELP)
@one_object
def why(
    c: Context, obj: ObjectArgs, output: str = "text", since: str = "1h", *, opts: ClusterOptions
) -> None:
    """Why one Flux object is not Ready, and the command to run next; exit 0 Ready, 1 not.

    invoke flux.why KIND RESOURCE [-n NAMESPACE] [--cluster CLUSTER|all] [-o text|json]
    KIND: hr, ks, git, helm, oci. Example:
    invoke flux.why hr karpenter --cluster canary
    """
    from ..cluster.objects import check_names
    from ..cluster.why import Question, explain
    from ..flux import resolve_kind

    shown = _choice(output, "--output", ("text", "json"))
    seconds(since, "--since")
    kind = resolve_kind(obj.kind)
    check_names(obj.resource, obj.namespace)
    config, conns, fleet = open_connections(c, opts)
    question = Question(kind, obj.resource, obj.namespace, tuple(config.declared()))
    explain(conns, question, output=shown, fleet=fleet, since=since)
