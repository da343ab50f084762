"""`flux suspend`, `resume` and `reconcile` for the fake flux, with the real CLI's output,
waits and exit codes for each Flux version (stdlib only; see README.md beside this file).
"""

from __future__ import annotations

import sys
from typing import Any

import fakestate as fs
from fakewait import is_static, success_message, wait_for

# humanKind words -> Kind
KINDS = {
    ("helmrelease",): "HelmRelease",
    ("hr",): "HelmRelease",
    ("kustomization",): "Kustomization",
    ("ks",): "Kustomization",
    ("source", "git"): "GitRepository",
    ("source", "helm"): "HelmRepository",
    ("source", "oci"): "OCIRepository",
    ("source", "chart"): "HelmChart",
    ("source", "bucket"): "Bucket",
}
HUMAN = {
    "HelmRelease": "helmrelease",
    "Kustomization": "kustomization",
    "GitRepository": "source git",
    "HelmRepository": "source helm",
    "OCIRepository": "source oci",
    "HelmChart": "source chart",
    "Bucket": "source bucket",
}
WITH_SOURCE = ("HelmRelease", "Kustomization", "HelmChart")


def err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def fail(message: str) -> None:
    fs.fail(f"✗ {message}")


def connect(state: dict[str, Any], flags: dict[str, str], verb: str = "get") -> dict[str, Any]:
    return fs.connect(state, "flux", flags.get("--context"), flags.get("--kubeconfig"), verb=verb)


def split_kind(words: list[str], command: str) -> tuple[str, list[str]]:
    for size in (2, 1):
        kind = KINDS.get(tuple(words[:size]))
        if kind:
            return kind, words[size:]
    fail(f"fake flux does not support {command} {' '.join(words[:2])!r}")
    raise AssertionError


def unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))  # the CLI skips a name given twice


def api_error(cluster: dict[str, Any], obj: dict[str, Any]) -> str | None:
    """A scripted API error for patches of this object (state "apiErrors")."""
    return cluster.get("apiErrors", {}).get(fs.key_of(obj))


class Mutation:
    """One suspend, resume or reconcile call, with the real CLI's output and exit codes."""

    def __init__(self, command: str, flags: dict[str, str], version: str) -> None:
        self.command = command
        self.flags = flags
        self.version = version
        self.v = fs.version_tuple(version)
        self.context = flags.get("--context")
        self.namespace = flags.get("--namespace", "flux-system")
        try:
            self.timeout = fs.parse_duration(flags.get("--timeout", "5m"))
        except ValueError:
            value = flags["--timeout"]
            fail(
                f'invalid argument "{value}" for "--timeout" flag: time: invalid duration "{value}"'
            )

    def run(self, words: list[str]) -> None:
        kind, names = split_kind(words, self.command)
        every = self.flags.get("--all") == "true"
        if self.command == "reconcile":
            if every:
                fail("unknown flag: --all")
            if not names:
                fail(f"{kind} name is required")
            for flag in ("--force", "--reset"):
                if self.flags.get(flag) == "true" and (kind != "HelmRelease" or self.v < (2, 2, 0)):
                    fail(f"unknown flag: {flag}")
            with_source = self.flags.get("--with-source") == "true"
            if with_source and kind not in WITH_SOURCE:
                fail("unknown flag: --with-source")
            self.reconcile(kind, names[0], self.namespace, with_source)
            return
        if not names and not every:
            fail(f"{HUMAN[kind]} name is required")
        if self.command == "suspend":
            self.suspend(kind, unique(names))
        else:
            self.resume(kind, unique(names), len(names))

    def targets(
        self, cluster: dict[str, Any], kind: str, names: list[str]
    ) -> list[tuple[str, dict[str, Any] | None]]:
        """(name, object or None) to patch: every object of the kind in the namespace
        (--all; none is an error), or the named ones in the order given."""
        if names:
            return [(name, fs.find(cluster, kind, self.namespace, name)) for name in names]
        found = [
            o for o in cluster["objects"]
            if o.get("kind") == kind and o["metadata"].get("namespace") == self.namespace
        ]  # fmt: skip
        if not found:
            fail("no objects found")
        return [
            (o["metadata"]["name"], o) for o in sorted(found, key=lambda o: o["metadata"]["name"])
        ]

    def missing(self, kind: str, name: str) -> None:
        """The ✗ line for a name that has no object (the command still exits 0)."""
        if self.command == "suspend":
            err(f"✗ {kind} {name} not found in {self.namespace} namespace")
        elif self.v >= (2, 5, 0):
            err(f"✗ {kind} object '{name}' not found in {self.namespace} namespace")
        else:
            err(f"✗ no {kind} objects found in {self.namespace} namespace")

    def suspend(self, kind: str, names: list[str]) -> None:
        """An API error on one object is a ✗ line; the others are still suspended; exit 0."""
        human = HUMAN[kind]
        with fs.locked_state() as state:
            cluster = connect(state, self.flags)
            for name, obj in self.targets(cluster, kind, names):
                if obj is None:
                    self.missing(kind, name)
                    continue
                err(f"► suspending {human} {name} in {self.namespace} namespace")
                problem = api_error(cluster, obj)
                if problem:
                    err(
                        f"✗ failed suspending {kind} {name} in {self.namespace} namespace: {problem}"
                    )
                    continue
                obj.setdefault("spec", {})["suspend"] = True
                fs.bump_generation(cluster, obj)
                fs.fire(cluster, "suspend", obj)
                err(f"✔ {human} suspended")

    def resume(self, kind: str, names: list[str], given: int) -> None:
        human = HUMAN[kind]
        resumed: list[str] = []
        problem = None
        with fs.locked_state() as state:
            cluster = connect(state, self.flags)
            for name, obj in self.targets(cluster, kind, names):
                if obj is None:
                    self.missing(kind, name)
                    continue
                err(f"► resuming {human} {name} in {self.namespace} namespace")
                problem = api_error(cluster, obj)
                if problem:
                    break  # the real CLI stops at the first failed patch
                obj.setdefault("spec", {}).pop("suspend", None)
                fs.bump_generation(cluster, obj)
                fs.fire(cluster, "resume", obj)
                err(f"✔ {human} resumed")
                resumed.append(name)
        if problem:
            fail(problem if names else f"failed patching objects: {problem}")
        wait = self.flags.get("--wait")
        if resumed and ((wait is None and given == 1) or wait == "true"):
            self.wait_resumed(kind, resumed)

    def wait_resumed(self, kind: str, names: list[str]) -> None:
        """Waits on every object at once (one tick per poll); results sorted by name."""
        for _ in names:
            err(f"◎ waiting for {kind} reconciliation")
        results = wait_for(kind, names, self.namespace, self.timeout, self.version, self.context)
        failed = 0
        for name in sorted(names):
            ok, message, obj = results[name]
            completed = [
                f"✔ {kind} {name} reconciliation completed",
                f"✔ {success_message(kind, obj, self.version)}",
            ]
            if ok:
                lines = completed
            elif self.v < (2, 8, 0):
                lines = [f"✗ {message}", *completed]  # sic: success printed after the failure
            else:
                lines = [f"✗ {kind} {name} reconciliation failed: {message}"]
                failed += 1
            for line in lines:
                err(line)
        if failed and self.v >= (2, 9, 0):
            fail(f"reconciliation failed for {failed} {kind}(s)")

    def reconcile(self, kind: str, name: str, namespace: str, with_source: bool) -> None:
        """`reconcile` and its --with-source chain (HelmRelease -> HelmChart -> its source,
        Kustomization -> its source), each step annotated and waited for in turn."""
        with fs.locked_state(write=False) as state:
            cluster = connect(state, self.flags)
            obj = fs.find(cluster, kind, namespace, name)
            if obj is None:
                fail(f'{fs.KIND_TO_RESOURCE[kind]} "{name}" not found')
                raise AssertionError
            suspended = bool(obj.get("spec", {}).get("suspend"))
            static = is_static(obj, self.version)
            source = source_of(obj) if with_source else None
        if with_source:
            if suspended:
                fail("resource is suspended")  # before the source is touched
            if source is not None:
                self.reconcile(*source)
        else:
            if static:
                err("✔ reconciliation not supported by the object")
                return
            if suspended:
                fail("resource is suspended")
        token = self.annotate(kind, name, namespace)
        err(f"◎ waiting for {kind} reconciliation")
        timeout, version, context = self.timeout, self.version, self.context
        ok, message, obj = wait_for(kind, [name], namespace, timeout, version, context, token)[name]
        if not ok:
            fail(message)
        err(f"✔ {success_message(kind, obj, self.version)}")

    def annotate(self, kind: str, name: str, namespace: str) -> str:
        with fs.locked_state() as state:
            cluster = fs.cluster_for(state, self.context)
            assert cluster is not None
            obj = fs.find(cluster, kind, namespace, name)
            if obj is None:
                fail(f'{fs.KIND_TO_RESOURCE[kind]} "{name}" not found')
                raise AssertionError
            err(f"► annotating {kind} {name} in {namespace} namespace")
            problem = api_error(cluster, obj)
            if problem:
                fail(problem)
            token = fs.now_rfc3339nano()
            annotations = obj.setdefault("metadata", {}).setdefault("annotations", {})
            annotations["reconcile.fluxcd.io/requestedAt"] = token
            hr = kind == "HelmRelease"
            if hr and self.flags.get("--force") == "true":
                annotations["reconcile.fluxcd.io/forceAt"] = token
            if hr and self.flags.get("--reset") == "true":
                annotations["reconcile.fluxcd.io/resetAt"] = token
            fs.mark_pending(cluster, obj)
            fs.fire(cluster, "reconcile", obj)
            if hr and self.flags.get("--reset") == "true":
                fs.fire(cluster, "reset", obj)
            if hr and self.flags.get("--force") == "true":
                fs.fire(cluster, "force", obj)
            err(f"✔ {kind} annotated")
        return token


def source_of(obj: dict[str, Any]) -> tuple[str, str, str, bool] | None:
    """(kind, name, namespace, reconcile its source too) of what `--with-source` reconciles
    first: a HelmRelease's HelmChart `<ns>-<name>` (or its chartRef), a Kustomization's or a
    HelmChart's sourceRef."""
    spec = obj.get("spec", {})
    namespace = obj["metadata"].get("namespace", "")
    if obj["kind"] == "HelmRelease":
        ref = spec.get("chartRef")
        if ref:
            kind = ref.get("kind", "HelmChart")
            return kind, ref.get("name", ""), ref.get("namespace") or namespace, kind == "HelmChart"
        source_ns = spec.get("chart", {}).get("spec", {}).get("sourceRef", {}).get("namespace")
        return "HelmChart", f"{namespace}-{obj['metadata']['name']}", source_ns or namespace, True
    ref = spec.get("sourceRef")
    if not ref:
        return None
    default = "HelmRepository" if obj["kind"] == "HelmChart" else "GitRepository"
    return ref.get("kind", default), ref.get("name", ""), ref.get("namespace") or namespace, False
