"""Suspend, resume and reconcile Flux objects through the flux CLI.

Thin wrappers that never take flux's exit 0 for success: `flux suspend`/`flux resume`
print a `✗` line for a missing object or a failed patch of one of several names and exit
0, which we turn into a failure for that object; `flux resume` runs with `--wait=false`
(several names: flux would not wait anyway; before Flux 2.9 it exits 0 after a failed wait)
and we wait for every resumed object by reading status ourselves; `flux reconcile` of a
static object (a HelmRepository of type oci, v2.2+) answers "reconciliation not supported
by the object" with exit 0, which we report as not reconciled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..durations import parse_duration
from ..errors import CheckFailed, FluxTasksError, InputError
from ..flux import LABEL_RE, SUBDOMAIN_RE, FluxKind
from .connection import Connection, Say, Wait, ignore
from .target import ClusterTarget
from .watch import WaitResult, report_outcome, wait_for

# `flux reconcile` waits up to its --timeout (flux's default: 5m) before it answers; its own
# time limit adds this much, so that flux can say why it gave up before it is killed.
RECONCILE_TIMEOUT = 300.0
CALL_GRACE = 30.0
NOT_SUPPORTED = "reconciliation not supported by the object"  # flux's ✔ line, exit 0


def grace(flux_waits: float) -> float:
    """How long past its own --timeout a flux command may take to say why it gave up:
    CALL_GRACE, but no longer than that timeout itself (a 1s wait hung is killed at 2s)."""
    return min(CALL_GRACE, max(flux_waits, 1.0))


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


def _names(names: str | Sequence[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def suspend_argv(
    target: ClusterTarget, kind: FluxKind, names: str | Sequence[str], namespace: str
) -> list[str]:
    return target.flux("suspend", *kind.cli, *_names(names), "-n", namespace)


def resume_argv(
    target: ClusterTarget,
    kind: FluxKind,
    names: str | Sequence[str],
    namespace: str,
    *,
    no_wait: bool = True,
) -> list[str]:
    """`flux resume`, by default with `--wait=false` (we read status ourselves); without it,
    the command a user can run by hand."""
    wait = ["--wait=false"] if no_wait else []
    return target.flux("resume", *kind.cli, *_names(names), "-n", namespace, *wait)


@dataclass(frozen=True)
class Patched:
    """What one `flux suspend|resume` of several names did: the objects it changed (kind,
    namespace, name) and a problem line for each one it did not."""

    done: list[tuple[str, str, str]]
    problems: list[str]


def by_namespace(targets: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(namespace, name) pairs grouped as one flux call per namespace takes them."""
    out: dict[str, list[str]] = {}
    for namespace, name in targets:
        if name not in out.setdefault(namespace, []):
            out[namespace].append(name)
    return out


def _patch(
    conn: Connection,
    kind: FluxKind,
    targets: Iterable[tuple[str, str]],
    argv: Callable[[ClusterTarget, FluxKind, list[str], str], list[str]],
) -> Patched:
    """One flux call per namespace; flux goes on past a missing object or a failed patch
    (exit 0): those are problems here, the other objects done."""
    done: list[tuple[str, str, str]] = []
    problems: list[str] = []
    for namespace, names in by_namespace(targets).items():
        result = conn.runner.run(argv(conn.target, kind, names, namespace))
        failed = _failures(result.stderr, kind, names, namespace, conn.target)
        problems += failed.values()
        done += [(kind.kind, namespace, n) for n in names if n not in failed]
    return Patched(done, problems)


def suspend(conn: Connection, kind: FluxKind, targets: Iterable[tuple[str, str]]) -> Patched:
    """`flux suspend` of each (namespace, name)."""
    return _patch(conn, kind, targets, suspend_argv)


def resume(
    conn: Connection, kind: FluxKind, targets: Iterable[tuple[str, str]], wait: Wait
) -> tuple[Patched, WaitResult | None]:
    """`flux resume --wait=false` of each (namespace, name), then a wait for every resumed
    object to become ready, by reading status ourselves (none resumed: no wait)."""
    patched = _patch(conn, kind, targets, resume_argv)
    done = patched.done
    if done and not conn.dry_run:
        shown = ", ".join(f"{ns}/{n}" for _, ns, n in done)
        conn.say(f"resumed {kind.kind} {shown}; waiting for it to become ready"
                 if len(done) == 1 else f"resumed {kind.kind} {shown}; waiting for them to become ready")  # fmt: skip
    return patched, (wait_for(conn, done, wait) if done else None)


def reconcile(
    conn: Connection,
    kind: FluxKind,
    name: str,
    namespace: str,
    *,
    with_source: bool = False,
    timeout: str | None = None,
    progress: Say = ignore,
) -> str:
    """`flux reconcile`, its progress lines passed through; any failure is a CheckFailed.
    `timeout` (a Go duration) is passed on to flux as given. Returns what happened: a
    static object flux does not reconcile is said to be so, not reconciled."""
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
        timeout=flux_waits + grace(flux_waits),
    )
    shown = f"{kind.kind} {namespace}/{name}"
    if result.exit_code == 0:
        if not any(NOT_SUPPORTED in line for line in lines):
            return f"reconciled {shown}"
        if not with_source:
            return (
                f"{shown} was not reconciled: flux says {NOT_SUPPORTED} (a HelmRepository of "
                "type oci is static: its charts are fetched by the HelmCharts that use it)"
            )
        return (
            f"reconciled {shown}; its source was not ({NOT_SUPPORTED}: a static OCI "
            "HelmRepository, whose charts are fetched by the HelmChart)"
        )
    failures = failure_lines("".join(lines)) or [f"flux reconcile exited {result.exit_code}"]
    message = failures[-1]
    if message == "resource is suspended":
        message += (
            f"; resume it first: invoke flux.resume {kind.cli[-1]} {name} -n {namespace} "
            f"--cluster {conn.target.cluster}"
        )
    raise CheckFailed(f"{shown}: {message}")


def report_patched(patched: Patched, verb: str, say: Say, *, dry_run: bool = False) -> None:
    """Each object done (`suspended HelmRelease ns/name`), then CheckFailed with a line per
    object flux did not patch."""
    for kind, namespace, name in patched.done if not dry_run else ():
        say(f"{verb} {kind} {namespace}/{name}")
    if patched.problems:
        raise CheckFailed(*patched.problems)


def report_resumed(
    patched: Patched, waited: WaitResult | None, shown_timeout: str, say: Say
) -> None:
    """The wait's outcome (watch.report_outcome), then the objects flux did not resume: a
    failed resume outweighs a wait that did not end well (both are listed, exit 1)."""
    try:
        if waited is not None:
            report_outcome(waited, shown_timeout, say)
    except FluxTasksError as exc:
        if not patched.problems:
            raise
        raise CheckFailed(*patched.problems, *exc.lines) from None
    report_patched(Patched([], patched.problems), "resumed", say)


def _failures(
    stderr: str, kind: FluxKind, names: list[str], namespace: str, target: ClusterTarget
) -> dict[str, str]:
    """name -> the problem line of each name flux's `✗` lines speak of. A line that names
    none of them (before Flux 2.5 a missing object to resume is "no HelmRelease objects
    found") is the problem of each name flux did not act on (`► resuming … NAME …`), and
    of every name when it acted on all (a failed patch stops `flux resume`)."""
    out: dict[str, str] = {}
    acted = [line for line in stderr.splitlines() if line.lstrip().startswith("►")]
    untouched = [n for n in names if not any(f" {n} " in f" {line} " for line in acted)]
    for failure in failure_lines(stderr):
        about = [n for n in names if f" {n} " in f" {failure} " or f"'{n}'" in failure]
        for name in about or untouched or names:
            shown = f"{kind.kind} {namespace}/{name}"
            # "… not found in NS namespace" (suspend; resume since Flux 2.5) or, before
            # 2.5, "no HelmRelease objects found in NS namespace" (resume)
            if "not found" in failure or " objects found in " in failure:
                out.setdefault(name, f"{shown} not found on {target.describe()}")
            else:
                out.setdefault(name, f"{shown}: {failure}")
    return out
