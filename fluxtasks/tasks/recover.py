"""Tasks that recover HelmReleases stuck after "upgrade retries exhausted"."""

from __future__ import annotations

from invoke.context import Context

from ._cluster import ClusterOptions, cluster_task, open_connection
from ._edge import seconds
from ._invoke_compat import RecoverHrTask

RECOVER_HELP = {
    "namespace": "Namespace of the release(s); recover-hr default: where config/flux.yaml declares it, "
    "else the only release of that name; recover-failed default: all namespaces.",
    "strategy": "suspend-resume (default; every Flux version) or reset (Flux >= 2.2: flux reconcile --reset).",
    "timeout": "How long to wait for the release(s) to become Ready after the kick (Go duration). Default 5m.",
    "interval": "Time between status polls (Go duration). Default 2s.",
}


def _recover(
    c: Context,
    opts: ClusterOptions,
    release: str | None,
    namespace: str | None,
    strategy: str,
    timeout: str,
    interval: str,
) -> None:
    """Recover `release`, or every failing release when it is None, and report each."""
    from ..cluster.connection import Wait
    from ..cluster.objects import declared_namespace
    from ..cluster.recover import parse_strategy, recover_all_failed, recover_release, report

    chosen = parse_strategy(strategy)
    wait = Wait(seconds(timeout, "--timeout"), seconds(interval, "--interval"))
    config, conn = open_connection(c, opts, ("kubectl", "flux"))
    if release is None:
        results = recover_all_failed(conn, namespace, chosen, wait)
    else:
        ns = namespace or declared_namespace(config.declared(), "HelmRelease", release)
        results = recover_release(conn, release, ns, chosen, wait)
    report(conn, results, namespace)


@cluster_task(
    RecoverHrTask,
    release="Name of the HelmRelease to recover.",
    **RECOVER_HELP,
    all_failed="Recover every failing HelmRelease instead of one (same as flux.recover-failed).",
)
def recover_hr(
    c: Context,
    release: str,
    namespace: str | None = None,
    strategy: str = "suspend-resume",
    timeout: str = "5m",
    interval: str = "2s",
    all_failed: bool = False,
    *,
    opts: ClusterOptions,
) -> None:
    """Recover a HelmRelease stuck after "upgrade retries exhausted", then wait for Ready.

    invoke flux.recover-hr RELEASE [-n NAMESPACE] [--strategy suspend-resume|reset]
    invoke flux.recover-hr --all-failed [-n NAMESPACE]   (same as flux.recover-failed)
    Example: invoke flux.recover-hr karpenter --cluster canary

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
    _recover(c, opts, chosen, namespace, strategy, timeout, interval)


@cluster_task(**RECOVER_HELP)
def recover_failed(
    c: Context,
    namespace: str | None = None,
    strategy: str = "suspend-resume",
    timeout: str = "5m",
    interval: str = "2s",
    *,
    opts: ClusterOptions,
) -> None:
    """Recover every failing HelmRelease (see recover-hr); healthy and suspended ones are left alone.

    Example: invoke flux.recover-failed --cluster canary
    """
    _recover(c, opts, None, namespace, strategy, timeout, interval)
