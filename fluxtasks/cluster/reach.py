"""Telling "the cluster cannot be reached" from every other failure of a kubectl or flux call.

An unreachable cluster is not an object that is not Ready: it gets its own message, advice
that fits the case and exit code (`ClusterUnreachable`, 5). The cases are recognised by the
texts kubectl and the flux CLI print for them:

| case | kubectl / flux says |
| --- | --- |
| refused | `The connection to the server H was refused`, `connect: connection refused` |
| timeout | `Unable to connect to the server: … i/o timeout` (or a TLS handshake timeout) |
| unknown host | `… no such host` |
| credentials | `You must be logged in to the server`, `provide credentials`, `Unauthorized` |
| unknown context | `context was not found for specified context: C` |
| bad kubeconfig | `error loading config file "P"`, `invalid configuration` |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .._text import one_line
from ..errors import ClusterUnreachable, CommandFailed


class Reached(Protocol):
    """What a message needs to know of the cluster (a ClusterTarget)."""

    @property
    def cluster(self) -> str: ...

    @property
    def context(self) -> str: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Case:
    name: str
    pattern: re.Pattern[str]
    advice: str  # {context}, {cluster} are filled in


_CASES = (
    Case(
        "unknown context",
        re.compile(r"context was not found for specified context|no context exists with the name"),
        "the kubeconfig has no context {context}: list them with `kubectl config get-contexts`, "
        "then fix clusters.{cluster}.context in config/flux.yaml or pass --context",
    ),
    Case(
        "bad kubeconfig",
        re.compile(
            r"error loading config file|kubernetes configuration load failed|invalid configuration"
        ),
        "the kubeconfig cannot be read: repair it, or pass --kubeconfig PATH",
    ),
    Case(
        "credentials",
        re.compile(
            r"must be logged in to the server|provide credentials|\bUnauthorized\b|getting credentials"
        ),
        "the cluster refused your credentials or they expired: log in again "
        "(e.g. `aws sso login`), then retry",
    ),
    Case(
        "unknown host",
        re.compile(r"no such host"),
        "the cluster's API server name does not resolve: check your network or VPN and "
        "`kubectl --context {context} cluster-info`",
    ),
    Case(
        "refused",
        re.compile(r"connection to the server .* was refused|connection refused"),
        "nothing answers at the cluster's API server: check your network or VPN and "
        "`kubectl --context {context} cluster-info`",
    ),
    Case(
        "timeout",
        re.compile(
            r"Unable to connect to the server|i/o timeout|TLS handshake timeout|failed to get server groups"
        ),
        "the cluster's API server does not answer: check your network or VPN and "
        "`kubectl --context {context} cluster-info`",
    ),
)


def unreachable_case(text: str) -> Case | None:
    """The case `text` (a command's stderr) reports, or None when it reports something else."""
    return next((case for case in _CASES if case.pattern.search(text)), None)


def unreachable(exc: CommandFailed, target: Reached) -> ClusterUnreachable | None:
    """The one-line ClusterUnreachable for a failed command, or None when the failure is
    not about reaching the cluster."""
    # the tail: kubectl's verdict is at the end, and 50 MB of warnings before it must not
    # cost seconds of regex searches
    case = unreachable_case(exc.stderr[-65536:])
    if case is None:
        return None
    advice = case.advice.format(context=target.context, cluster=target.cluster)
    return ClusterUnreachable(one_line(f"cannot reach {target.describe()}: {exc.detail}; {advice}"))
