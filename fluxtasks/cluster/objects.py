"""Suspend, resume and reconcile one Flux object through the flux CLI.

Thin wrappers with two corrections to the CLI's exit codes: `flux suspend`/`flux resume`
of a missing object print a `✗` line but exit 0, which we turn into a failure; and
`flux resume` runs with `--wait=false`, because before Flux 2.9 it exits 0 after a failed
wait — we wait by reading status ourselves instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..durations import parse_duration
from ..errors import CheckFailed, InputError
from ..flux import LABEL_RE, SUBDOMAIN_RE, FluxKind
from .connection import Connection, Say, Wait, ignore
from .target import ClusterTarget
from .watch import WaitResult, wait_for

# `flux reconcile` waits up to its --timeout (flux's default: 5m) before it answers; its own
# time limit adds this much, so that flux can say why it gave up before it is killed.
RECONCILE_TIMEOUT = 300.0
CALL_GRACE = 30.0


def check_names(name: str, namespace: str | None) -> None:
    """Refuse what no Kubernetes object can be called: the flux CLI would read `--all` or
    `-n` given as a name as its own flag (and `flux suspend hr --all` suspends them all)."""
    problems = []
    if not SUBDOMAIN_RE.match(name):
        problems.append(f"{name!r} is not a valid object name (RFC 1123: a-z, 0-9, '-', '.')")
    if namespace is not None and not LABEL_RE.match(namespace):
        problems.append(f"{namespace!r} is not a valid namespace (RFC 1123: a-z, 0-9, '-')")
    if problems:
        raise InputError(*problems)


def declared_namespace(
    declared: Iterable[tuple[str, str, str]], kind: str, name: str
) -> str | None:
    """The namespace the config declares `kind/name` in, when exactly one matches."""
    namespaces = {ns for k, ns, n in declared if k == kind and n == name}
    return namespaces.pop() if len(namespaces) == 1 else None


def failure_lines(stderr: str) -> list[str]:
    """The `✗ …` lines of flux's stderr, without the symbol."""
    return [
        line.strip()[1:].strip() for line in stderr.splitlines() if line.strip().startswith("✗")
    ]


def suspend_argv(target: ClusterTarget, kind: FluxKind, name: str, namespace: str) -> list[str]:
    return target.flux("suspend", *kind.cli, name, "-n", namespace)


def resume_argv(
    target: ClusterTarget, kind: FluxKind, name: str, namespace: str, *, no_wait: bool = True
) -> list[str]:
    """`flux resume`, by default with `--wait=false` (we read status ourselves); without it,
    the command a user can run by hand."""
    wait = ["--wait=false"] if no_wait else []
    return target.flux("resume", *kind.cli, name, "-n", namespace, *wait)


def suspend(conn: Connection, kind: FluxKind, name: str, namespace: str) -> str:
    """`flux suspend`; a missing object (flux: exit 0) is a CheckFailed here."""
    result = conn.runner.run(suspend_argv(conn.target, kind, name, namespace))
    _refuse_failures(result.stderr, kind, name, namespace, conn.target)
    return f"suspended {kind.kind} {namespace}/{name}"


def resume(conn: Connection, kind: FluxKind, name: str, namespace: str, wait: Wait) -> WaitResult:
    """`flux resume --wait=false`, then wait for Ready by reading status ourselves."""
    result = conn.runner.run(resume_argv(conn.target, kind, name, namespace))
    _refuse_failures(result.stderr, kind, name, namespace, conn.target)
    if not conn.dry_run:
        conn.say(f"resumed {kind.kind} {namespace}/{name}; waiting for it to become ready")
    return wait_for(conn, [(kind.kind, namespace, name)], wait)


def reconcile(
    conn: Connection,
    kind: FluxKind,
    name: str,
    namespace: str,
    *,
    with_source: bool = False,
    timeout: str | None = None,
    progress: Say = ignore,
) -> None:
    """`flux reconcile`, its progress lines passed through; any failure is a CheckFailed.
    `timeout` (a Go duration) is passed on to flux as given."""
    if with_source and kind.kind not in ("HelmRelease", "Kustomization"):
        raise InputError("--with-source applies to helmrelease and kustomization only")
    args = ["reconcile", *kind.cli, name, "-n", namespace]
    if with_source:
        args.append("--with-source")
    if timeout:
        args += ["--timeout", timeout]
    lines: list[str] = []

    def collect(line: str) -> None:
        lines.append(line)
        progress(line.rstrip("\n"))

    flux_waits = parse_duration(timeout) / 1e9 if timeout else RECONCILE_TIMEOUT
    result = conn.runner.run(
        conn.target.flux(*args),
        ok_codes=range(256),
        on_stderr=collect,
        timeout=flux_waits + CALL_GRACE,
    )
    if result.exit_code == 0:
        return
    failures = failure_lines("".join(lines)) or [f"flux reconcile exited {result.exit_code}"]
    message = failures[-1]
    if message == "resource is suspended":
        message += f"; resume it first: invoke flux.resume {kind.cli[-1]} {name} -n {namespace}"
    raise CheckFailed(f"{kind.kind} {namespace}/{name}: {message}")


def _refuse_failures(
    stderr: str, kind: FluxKind, name: str, namespace: str, target: ClusterTarget
) -> None:
    failures = failure_lines(stderr)
    if not failures:
        return
    # "… not found in NS namespace" (suspend; resume since Flux 2.5) or, before 2.5,
    # "no HelmRelease objects found in NS namespace" (resume)
    if any("not found" in f or " objects found in " in f for f in failures):
        raise CheckFailed(f"{kind.kind} {namespace}/{name} not found on {target.describe()}")
    raise CheckFailed(*(f"{kind.kind} {namespace}/{name}: {f}" for f in failures))
