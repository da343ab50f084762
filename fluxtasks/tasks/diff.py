"""`flux.diff`: what a change does before it lands, offline against a Git revision or live
against a cluster."""

from __future__ import annotations

from invoke.context import Context

from ..errors import InputError
from ._cluster import ClusterOptions, cluster_task, open_connection
from ._edge import config_path, out, runner, warn


@cluster_task(
    base="Git revision to compare the working tree with (default HEAD), e.g. origin/main in a pull request.",
    output="text (default) or markdown: a summary table and a collapsible diff per object, for a PR comment.",
    live="Compare with the cluster instead (kubectl diff --server-side as kustomize-controller); needs --cluster or PROW_ENV.",
    kustomizations="With --live: also diff what each synced folder builds, and list what pruning would delete.",
)
def diff(
    c: Context, base: str | None = None, output: str = "text", live: bool = False,
    kustomizations: bool = False, *, opts: ClusterOptions,
) -> None:  # fmt: skip
    """Show what a change does: each Flux object (and what each changed folder builds) added, removed or changed.

    invoke flux.diff [--base REF] [-o text|markdown]     the working tree against a Git revision
    invoke flux.diff --live --cluster C [--kustomizations]   the working tree against a cluster
    Example: invoke flux.diff --base origin/main

    Exit 0 when nothing differs, 1 when something does, 4 on bad input (a config that does
    not load names its side: base or working tree).
    """
    from ..offline.diff_report import output_format

    chosen = output_format(output)
    _options_fit(base, live, kustomizations, opts)
    if live:
        _live(c, opts, chosen, kustomizations)
        return
    from ..offline.diff import diff_offline
    from ..offline.diff_report import report

    report(diff_offline(config_path(c), runner(c), base=base or "HEAD"), chosen, out=out, warn=warn)


def _options_fit(base: str | None, live: bool, kustomizations: bool, opts: ClusterOptions) -> None:
    """Options of one mode given to the other are refused, never silently ignored."""
    if live and base is not None:
        raise InputError("--base: compares with a Git revision; --live compares with the cluster")
    cluster_only = {
        "--cluster": opts.cluster,
        "--context": opts.context,
        "--kubeconfig": opts.kubeconfig,
        "--dry-run": opts.dry_run,
        "--kustomizations": kustomizations,
    }
    given = [name for name, value in cluster_only.items() if value]
    if not live and given:
        raise InputError(
            f"{', '.join(given)}: only with --live (the offline diff reads no cluster)"
        )


def _live(c: Context, opts: ClusterOptions, output: str, kustomizations: bool) -> None:
    from ..offline.live import live_diff
    from ..offline.live_report import report

    config, conn = open_connection(c, opts)
    # Folder builds only read: they run for real even under --dry-run.
    result = live_diff(config, conn.target, conn.runner, runner(c), kustomizations=kustomizations)
    report(result, output, out=out, warn=warn)
