"""Tasks that read a cluster: `flux.status` and `flux.watch`."""

from __future__ import annotations

from invoke.context import Context

from ._cluster import ClusterOptions, cluster_task, open_connection
from ._edge import seconds


@cluster_task()
def status(c: Context, *, opts: ClusterOptions) -> None:
    """Table of every Flux object (declared ones first, marked *); exit 1 if one is not ready."""
    from ..cluster.status import show_status

    config, conn = open_connection(c, opts)
    show_status(conn, config.declared(), config.display(config.path))


@cluster_task(
    timeout="Give up after this long (Go duration), exit 124. Default 10m.",
    interval="Time between polls (Go duration). Default 5s.",
)
def watch(c: Context, timeout: str = "10m", interval: str = "5s", *, opts: ClusterOptions) -> None:
    """Wait until every object in config/flux.yaml is Ready: 0 ready, 1 failed, 124 timeout."""
    from ..cluster.connection import Wait
    from ..cluster.watch import watch as wait_and_report

    wait = Wait(seconds(timeout, "--timeout"), seconds(interval, "--interval"))
    config, conn = open_connection(c, opts)
    wait_and_report(conn, config.declared(), wait, timeout)
