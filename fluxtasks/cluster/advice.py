"""The `next:` line of a diagnosis: the exact `invoke` command for each cause.

Every cluster task in a suggestion carries the `--cluster` the diagnosis ran against, so a
copy and paste never reaches the other cluster; offline tasks (`flux.validate`,
`flux.update`) take none. The table:

| cause | next |
| --- | --- |
| retries exhausted | `invoke flux.recover-hr NAME -n NS --cluster C` (Flux >= 2.2: `--strategy reset`) |
| other Stalled reason | HelmRelease: the same; else `invoke flux.reconcile KIND NAME -n NS --cluster C` |
| source not ready | `invoke flux.reconcile KIND NAME -n NS --with-source --cluster C` |
| suspended | `invoke flux.resume KIND NAME -n NS --cluster C` |
| dependency not ready | `invoke flux.why KIND DEP -n DEP_NS --cluster C` |
| values ConfigMap missing (ValuesError) | `invoke flux.apply-values --release NAME --cluster C` |
| build failed | `invoke flux.validate` (builds every folder offline) |
| health check failed | `invoke flux.why KIND NAME -n NS --cluster C` on the failing Flux object |
| controller not ready | `invoke flux.install --cluster C` |
| Helm action failed, retries left | `invoke flux.watch --cluster C` |
| in progress | `invoke flux.watch --cluster C` |
| missing but declared | `invoke flux.update --check`, then `invoke flux.apply --dry-run --cluster C` |
| other failure | `invoke flux.reconcile KIND NAME -n NS --cluster C` |
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import Enum

from ..flux import KINDS
from .status import Ref


class Cause(Enum):
    SUSPENDED = "suspended"
    CONTROLLER_NOT_READY = "controller-not-ready"
    MISSING = "missing"  # declared in config/flux.yaml, absent from the cluster
    NOT_FOUND = "not-found"  # absent, and not declared either
    TERMINATING = "terminating"
    DEPENDENCY_NOT_READY = "dependency-not-ready"
    SOURCE_NOT_READY = "source-not-ready"
    VALUES_ERROR = "values-error"
    RETRIES_EXHAUSTED = "retries-exhausted"
    STALLED = "stalled"
    RELEASE_FAILED = "release-failed"
    BUILD_FAILED = "build-failed"
    HEALTH_CHECK_FAILED = "health-check-failed"
    RECONCILE_FAILED = "reconcile-failed"
    IN_PROGRESS = "in-progress"


@dataclass(frozen=True)
class Finding:
    """A cause with the most specific message found for it."""

    cause: Cause
    reason: str  # the Flux reason it rests on (RetriesExceeded, ValuesError…), or ""
    message: str
    source: str  # where the message was read: "Released condition", "HelmChart ns/x"…
    detail: str = ""  # the last line of Helm's log, when a failed action left one
    about: Ref | None = None  # the object the advice points at (a dependency, a source…)


@dataclass(frozen=True)
class Advice:
    steps: tuple[tuple[str, ...], ...]  # argv lists, run in this order
    note: str = ""  # why, or what to check first

    @property
    def argv(self) -> tuple[str, ...]:
        return self.steps[0]

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    @property
    def then(self) -> tuple[tuple[str, ...], ...]:
        return self.steps[1:]

    def line(self) -> str:
        """`next: invoke … , then invoke …` (the note goes on its own line)."""
        return "next: " + ", then ".join(shlex.join(step) for step in self.steps)


def kind_word(kind: str) -> str:
    """The KIND word the object tasks take: hr, ks, git, helm, oci."""
    spec = KINDS.get(kind)
    return spec.aliases[0] if spec else kind


def invoke(task: str, *args: str, cluster: str | None = None) -> tuple[str, ...]:
    return ("invoke", f"flux.{task}", *args, *(("--cluster", cluster) if cluster else ()))


def _object_task(task: str, ref: Ref, cluster: str, *extra: str) -> tuple[str, ...]:
    return invoke(task, kind_word(ref.kind), ref.name, "-n", ref.namespace, *extra, cluster=cluster)


def advise(finding: Finding, ref: Ref, cluster: str, *, reset_available: bool) -> Advice | None:
    """The next command for `finding` about `ref` on `cluster`; None when there is nothing
    to run (the object is not declared anywhere, or is being deleted)."""
    cause, about = finding.cause, finding.about
    recover = invoke("recover-hr", ref.name, "-n", ref.namespace, cluster=cluster)
    if cause is Cause.RETRIES_EXHAUSTED or (cause is Cause.STALLED and ref.kind == "HelmRelease"):
        note = "fix the cause first (chart version or values); "
        note += (
            "with Flux >= 2.2, --strategy reset retries with fresh counters without suspending"
            if reset_available
            else "suspend-resume resets the failure counters on every Flux version"
        )
        return Advice((recover,), note)
    if cause is Cause.STALLED or cause is Cause.RECONCILE_FAILED:
        return Advice(
            (_object_task("reconcile", ref, cluster),),
            "fix the cause first, then ask Flux to retry now",
        )
    if cause is Cause.SOURCE_NOT_READY:
        note = ""
        if about is not None and about.kind in KINDS:
            note = f"why the source fails: {shlex.join(_object_task('why', about, cluster))}"
        return Advice((_object_task("reconcile", ref, cluster, "--with-source"),), note)
    if cause is Cause.SUSPENDED:
        return Advice((_object_task("resume", ref, cluster),))
    if cause is Cause.DEPENDENCY_NOT_READY:
        if about is None:
            return Advice((invoke("watch", cluster=cluster),), "it waits for a dependency")
        return Advice((_object_task("why", about, cluster),), f"{ref} waits for {about}")
    if cause is Cause.VALUES_ERROR:
        note = "its per-cluster values ConfigMap (clusterValues) is missing on this cluster"
        return Advice((invoke("apply-values", "--release", ref.name, cluster=cluster),), note)
    if cause is Cause.BUILD_FAILED:
        return Advice(
            (invoke("validate"),),
            "it builds every Kustomization folder offline and shows the error",
        )
    if cause is Cause.HEALTH_CHECK_FAILED:
        if about is not None and about.kind in KINDS:
            return Advice((_object_task("why", about, cluster),), f"{ref} waits for {about}")
        return Advice(
            (_object_task("reconcile", ref, cluster),), "fix the failing workload, then retry now"
        )
    if cause is Cause.CONTROLLER_NOT_READY:
        return Advice(
            (invoke("install", cluster=cluster),),
            "installs the committed Flux components again and waits for the controllers",
        )
    if cause is Cause.RELEASE_FAILED:
        note = f"helm-controller retries while remediation retries are left; once Stalled: {shlex.join(recover)}"
        return Advice((invoke("watch", cluster=cluster),), note)
    if cause is Cause.IN_PROGRESS:
        return Advice((invoke("watch", cluster=cluster),))
    if cause is Cause.MISSING:
        steps = (invoke("update", "--check"), invoke("apply", "--dry-run", cluster=cluster))
        return Advice(steps, "is its file generated, and in a folder a Kustomization syncs?")
    return None
