"""Helpers for the cluster-task tests: Flux objects as the API server returns them, a small
project tree, and `invoke` run as a subprocess with the fake flux/kubectl first on PATH.

The fakes (tests/fakes/, described in their README) share one JSON state file and log
every argv they are called with; `FakeCluster` seeds the one and reads back the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
FAKES = Path(__file__).resolve().parent / "fakes"

STATUS_KINDS = (
    "kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io,"
    "gitrepositories.source.toolkit.fluxcd.io,helmrepositories.source.toolkit.fluxcd.io,"
    "ocirepositories.source.toolkit.fluxcd.io"
)
CANARY = "prow-canary-cluster"
PROD = "prow-build-cluster"
API = {
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1beta2",
}


# ---------------------------------------------------------------- objects


def cond(
    type_: str, status: str, reason: str = "", message: str = "", generation: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "status": status, "reason": reason, "message": message}
    if generation is not None:
        out["observedGeneration"] = generation
    return out


def flux_object(
    kind: str,
    name: str,
    namespace: str = "flux-system",
    *,
    generation: int = 1,
    observed: int | None = 1,
    conditions: Sequence[dict[str, Any]] = (),
    suspend: bool = False,
    status: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
    deleting: bool = False,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "generation": generation}
    if deleting:
        meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    body: dict[str, Any] = dict(status or {})
    if observed is not None:
        body["observedGeneration"] = observed
    if conditions:
        body["conditions"] = list(conditions)
    obj_spec = dict(spec or {})
    if suspend:
        obj_spec["suspend"] = True
    return {
        "apiVersion": API[kind],
        "kind": kind,
        "metadata": meta,
        "spec": obj_spec,
        "status": body,
    }


def ready_obj(
    kind: str, name: str, namespace: str = "flux-system", generation: int = 1, **kw: Any
) -> dict[str, Any]:
    messages = {
        "Kustomization": (
            "ReconciliationSucceeded",
            "Applied revision: main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9",
        ),
        "HelmRelease": (
            "UpgradeSucceeded",
            f"Helm upgrade succeeded for release {namespace}/{name}.v2 with chart {name}@1.0.2",
        ),
        "GitRepository": (
            "Succeeded",
            "stored artifact for revision 'main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9'",
        ),
        "HelmRepository": ("Succeeded", "stored artifact: revision 'sha256:1234'"),
        "OCIRepository": ("Succeeded", "stored artifact for digest 'latest@sha256:1234'"),
    }
    reason, message = messages[kind]
    status = kw.pop("status", None) or {}
    if kind == "Kustomization":
        status.setdefault(
            "lastAppliedRevision", "main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9"
        )
    elif kind == "HelmRelease":
        status.setdefault("history", [{"chartVersion": "1.0.2"}])
    else:
        status.setdefault(
            "artifact", {"revision": "main@sha1:67e2c98a60dc92283531412a9e604dd4bae005a9"}
        )
    return flux_object(
        kind, name, namespace, generation=generation, observed=generation,
        conditions=[cond("Ready", "True", reason, message, generation)], status=status, **kw,
    )  # fmt: skip


def stalled_hr(
    name: str, namespace: str = "kube-system", generation: int = 3, **kw: Any
) -> dict[str, Any]:
    """A release stuck after "upgrade retries exhausted" on Flux >= 2.2."""
    return flux_object(
        "HelmRelease", name, namespace, generation=generation, observed=generation,
        conditions=[
            cond("Stalled", "True", "RetriesExceeded", "Failed to upgrade after 1 attempt(s)", generation),
            cond("Ready", "False", "UpgradeFailed",
                 f"Helm upgrade failed for release {namespace}/{name} with chart {name}@1.0.2: boom", generation),
        ],
        status={"lastAttemptedRevision": "1.0.2", **kw.pop("status", {})}, **kw,
    )  # fmt: skip


def recovers_on(event: str, kind: str, name: str, namespace: str, after: int = 0) -> dict[str, Any]:
    """A script entry: after `event` (and `after` more polls) the object turns Ready."""
    ready = ready_obj(kind, name, namespace)
    for c in ready["status"]["conditions"]:
        c.pop("observedGeneration", None)
    ready["status"].pop("observedGeneration", None)
    return {
        "object": f"{kind}/{namespace}/{name}",
        "on": event,
        "after": after,
        "set": {"status": ready["status"]},
    }


# ---------------------------------------------------------------- a project tree

CONFIG = """\
flux:
  version: v2.3.0
output:
  repoPath: clusters/prow
defaults:
  interval: 5m
clusters:
  canary: {context: prow-canary-cluster}
  prod: {context: prow-build-cluster}
sources:
  - {kind: GitRepository, name: k8s-io, url: https://github.com/kubernetes/k8s.io, branch: main}
  - {kind: HelmRepository, name: karpenter, url: oci://public.ecr.aws/karpenter}
helmReleases:
  - name: karpenter
    namespace: kube-system
    source: HelmRepository/karpenter
    chart: karpenter
    version: 1.0.2
    clusterValues: {configMap: karpenter-helm-values, file: "config/values/karpenter-{cluster}.yaml"}
kustomizations:
  - apps
"""

BOILERPLATE = "# Copyright YEAR The Kubernetes Authors.\n\n"
VALUES = {
    "canary": "settings:\n  clusterName: prow-canary-cluster\n",
    "prod": "settings:\n  clusterName: prow-build-cluster\n",
}


def write_project(root: Path, config: str = CONFIG) -> Path:
    """A root with config/, values files and resources/ (generated files not written yet)."""
    files = {
        "config/flux.yaml": config,
        "config/boilerplate.txt": BOILERPLATE,
        "config/values/karpenter-canary.yaml": VALUES["canary"],
        "config/values/karpenter-prod.yaml": VALUES["prod"],
        "resources/apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "config" / "flux.yaml"


# ---------------------------------------------------------------- running invoke


@dataclass
class FakeCluster:
    """A tmp dir with the fakes on PATH (and nothing else that could shadow them)."""

    base: Path
    tools: tuple[str, ...] = ("flux", "kubectl")
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bin = self.base / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        for tool in self.tools:
            (self.bin / tool).symlink_to(FAKES / tool)
        # The fakes start with `#!/usr/bin/env python3`: give them this interpreter.
        (self.bin / "python3").symlink_to(sys.executable)
        self.state_file = self.base / "state.json"
        self.calls_file = self.base / "calls.jsonl"
        self.marker = self.base / "hanging"
        self.seed()

    def seed(self, objects: Sequence[dict[str, Any]] = (), **extra: Any) -> None:
        state: dict[str, Any] = {"context": CANARY, "objects": list(objects), "script": []}
        state.update(extra)
        self.state_file.write_text(json.dumps(state, indent=2))
        if self.calls_file.exists():
            self.calls_file.unlink()

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text())  # type: ignore[no-any-return]

    def cluster(self, context: str | None = None) -> dict[str, Any]:
        """The state of the cluster a kube context reaches: `clusters[context]` of the
        several-cluster format (default: the current context), else the top level."""
        state = self.state()
        clusters = state.get("clusters")
        if clusters is None:
            return state
        return clusters[context or state["context"]]  # type: ignore[no-any-return]

    def obj(
        self, kind: str, namespace: str, name: str, context: str | None = None
    ) -> dict[str, Any] | None:
        for obj in self.cluster(context).get("objects", []):
            meta = obj["metadata"]
            if obj["kind"] == kind and meta["namespace"] == namespace and meta["name"] == name:
                return obj  # type: ignore[no-any-return]
        return None

    def calls(self) -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def full_env(self, config: Path | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("FLUXTASKS_FAKE_", "PROW_ENV", "INVOKE_"))
        }
        env.update(
            {
                "PATH": str(self.bin),
                "FLUXTASKS_FAKE_STATE": str(self.state_file),
                "FLUXTASKS_FAKE_CALLS": str(self.calls_file),
                "FLUXTASKS_FAKE_POLL": "0.005",
                "FLUXTASKS_FAKE_HANG_MARKER": str(self.marker),
            }
        )
        if config is not None:
            env["INVOKE_FLUX_CONFIG"] = str(config)
        env.update(self.env)
        env.update(extra or {})
        return env

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "invoke", "--search-root", str(PROJECT), *args]

    def invoke(
        self,
        *args: str,
        config: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            cwd=self.base,
            env=self.full_env(config, env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(
        self, *args: str, config: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """Start invoke in its own process group, so a test can Ctrl-C it like a terminal."""
        return subprocess.Popen(
            self.argv(*args),
            cwd=self.base,
            env=self.full_env(config, env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )


def kubectl(*args: str, context: str = CANARY) -> list[str]:
    return ["kubectl", *args, "--context", context]


def flux(*args: str, context: str = CANARY) -> list[str]:
    return ["flux", *args, "--context", context]


def get_status(context: str = CANARY) -> list[str]:
    return kubectl("get", STATUS_KINDS, "-A", "-o", "json", context=context)


CURRENT_CONTEXT = ["kubectl", "config", "current-context"]


# ---------------------------------------------------------------- in-process runner


@dataclass
class ScriptedExecutor:
    """An Executor that answers from `respond(argv, input)` instead of starting processes.

    `respond` returns (exit_code, stdout, stderr) or raises (CommandTimedOut for a command
    that hangs); the default answers every command with empty success. Tools named in
    `missing` are not installed. It records each input and time limit it was given.
    """

    respond: Any = None
    missing: tuple[str, ...] = ()
    inputs: list[str | None] = field(default_factory=list)
    timeouts: list[float | None] = field(default_factory=list)

    def which(self, tool: str) -> str | None:
        return None if tool in self.missing else f"/usr/local/bin/{tool}"

    def run(
        self, argv: Sequence[str], *, input: str | None, timeout: float | None,
        on_stdout: Any, on_stderr: Any,
    ) -> Any:  # fmt: skip
        from fluxtasks.runner import Result

        self.inputs.append(input)
        self.timeouts.append(timeout)
        code, out, err = self.respond(list(argv), input) if self.respond else (0, "", "")
        for sink, text in ((on_stdout, out), (on_stderr, err)):
            if sink is not None:
                for line in text.splitlines(keepends=True):
                    sink(line)
        return Result(tuple(argv), code, "" if on_stdout else out, "" if on_stderr else err)


def make_runner(respond: Any = None, dry_run: bool = False, **executor: Any) -> Any:
    """The real Runner (argv record, dry-run, ok_codes, CommandFailed) on a ScriptedExecutor;
    its `executor` holds the inputs and time limits. Imported lazily so the fakes' helpers
    above stay importable without the package."""
    import io

    from fluxtasks.runner import Runner

    return Runner(ScriptedExecutor(respond, **executor), dry_run=dry_run, log=io.StringIO())


def make_conn(
    respond: Any = None, *, dry_run: bool = False, clock: Any = None, say: Any = None,
    context: str = CANARY,
) -> Any:  # fmt: skip
    """A Connection to cluster canary through make_runner, on a FakeClock unless given one."""
    from fakeclock import FakeClock

    from fluxtasks.cluster.connection import Connection, ignore
    from fluxtasks.cluster.target import ClusterTarget

    runner = make_runner(respond, dry_run)
    target = ClusterTarget("canary", context)
    return Connection(target, runner, clock or FakeClock(), say or ignore)


def list_json(*objects: dict[str, Any]) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": list(objects),
            "metadata": {"resourceVersion": ""},
        }
    )


def make_config(root: Path, **overrides: Any) -> Any:
    """A Config built directly (no loader), for unit tests of the cluster library."""
    from fluxtasks.config.model import Cluster, Config
    from fluxtasks.flux import DEFAULT_COMPONENTS
    from fluxtasks.generated import DEFAULT_MARKER

    fields: dict[str, Any] = {
        "path": root / "config" / "flux.yaml",
        "root": root,
        "flux_version": "v2.3.0",
        "components": DEFAULT_COMPONENTS,
        "components_extra": (),
        "components_file": "flux/gotk-components.yaml",
        "resources_dir": root / "resources",
        "repo_path": "clusters/prow",
        "header_path": root / "config" / "boilerplate.txt",
        "marker": DEFAULT_MARKER,
        "clusters": {"canary": Cluster("canary", CANARY), "prod": Cluster("prod", PROD)},
    }
    fields.update(overrides)
    return Config(**fields)
