"""How `flux.status` and one `flux.watch` poll scale with the cluster's size, against the floor
of reading the same `kubectl get -o json` and printing a table; and how `--cluster all` scales
with the number of clusters.

Run from the project root:  .venv/bin/python benchmarks/status.py

1. Per size (default 500 and 5,000 objects, 1% of them failing), in this process, best of
   --repeat, CPU time (the machine's other load does not count):
   * floor: the fake kubectl's `kubectl get <five Flux kinds> -A -o json` run with a plain
     `subprocess.run`, `json.loads`, one row per object (kind, name, Ready status, message)
     and an aligned table printed to a buffer — the least any status table costs;
   * status: what `flux.status` does once the config is loaded: the same kubectl call
     through the runner, then parse, classify, the cause of each object that is not Ready
     and the table sized to 120 columns;
   * watch poll: one poll of `flux.watch` over every declared object: the kubectl call
     through the runner, parse, classify, observe each declared key, say each change.
   The target: at most 1.5x the floor at 5,000 objects, and growth in proportion. The same
   three without the kubectl call (from the captured text) show the processing alone.
2. Whole processes (informational): `invoke flux.status` and `flux.watch` against the fake
   kubectl, Python's start, config loading and the fake's own start-up included.
3. The capture: the same JSON read by `cat` through the runner (sh), per MB, beside reading
   the file directly — what every kubectl call pays for its output.
4. `--cluster all` over 1, 2 and 4 clusters (500 objects each), each kubectl get made to
   answer after 1 s (a slow API server; the fakes' FLUXTASKS_FAKE_HANG at the end, given up
   after FLUXTASKS_FAKE_HANG_MAX): the clusters are read side by side, so the time stays
   near the slowest one instead of adding up.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from synthetic import (
    CONTEXT,
    INVOKE,
    PROJECT,
    Mix,
    best_run,
    build_project,
    declared_objects,
    env_with,
    expect,
    load_line,
    run_process,
    table,
)

sys.path.insert(0, str(PROJECT))

from fluxtasks.clock import SYSTEM_CLOCK  # noqa: E402
from fluxtasks.cluster.connection import Connection, Wait  # noqa: E402
from fluxtasks.cluster.status import STATUS_RESOURCES  # noqa: E402
from fluxtasks.cluster.status_report import show_status, status_report  # noqa: E402
from fluxtasks.cluster.target import ClusterTarget  # noqa: E402
from fluxtasks.cluster.watch import wait_for  # noqa: E402
from fluxtasks.config.load import load_config  # noqa: E402
from fluxtasks.errors import FluxTasksError  # noqa: E402
from fluxtasks.runner import Result, Runner, ShExecutor  # noqa: E402

FAKES = PROJECT / "tests" / "fakes"
API = {
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1beta2",
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
}
REVISION = "main@sha1:0123456789abcdef0123456789abcdef01234567"
T0 = "2024-06-01T11:00:00Z"


def flux_object(kind: str, namespace: str, name: str, failing: bool) -> dict[str, Any]:
    """A reconciled object as `kubectl get -o json` returns it: Ready, or (failing) a
    release whose upgrade failed, or a Kustomization whose health check fails."""
    reason, message = "Succeeded", f"stored artifact for revision '{REVISION}'"
    status: dict[str, Any] = {"observedGeneration": 1}
    if kind == "Kustomization":
        reason, message = "ReconciliationSucceeded", f"Applied revision: {REVISION}"
        status["lastAppliedRevision"] = REVISION
    elif kind == "HelmRelease":
        reason = "InstallSucceeded"
        message = f"Helm install succeeded for release {namespace}/{name}.v1 with chart app@1.0.0"
        status["history"] = [{"chartVersion": "1.0.0", "status": "deployed"}]
    else:
        status["artifact"] = {"revision": REVISION}
    conditions = [cond("Ready", "True", reason, message)]
    if failing and kind == "HelmRelease":
        error = (
            f"Helm upgrade failed for release {namespace}/{name} with chart app@1.0.1: timed out"
        )
        conditions = [
            cond("Stalled", "True", "RetriesExceeded", "Failed to upgrade after 1 attempt(s)"),
            cond("Ready", "False", "UpgradeFailed", error),
            cond("Released", "False", "UpgradeFailed", error),
        ]
    elif failing and kind == "Kustomization":
        conditions = [
            cond("Reconciling", "True", "ProgressingWithRetry", "Detecting drift"),
            cond("Ready", "False", "HealthCheckFailed", "health check failed after 2m0s"),
        ]
    status["conditions"] = conditions
    return {
        "apiVersion": API[kind],
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "generation": 1},
        "spec": {},
        "status": status,
    }


def cond(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": T0, "observedGeneration": 1}  # fmt: skip


def objects_for(mix: Mix) -> list[dict[str, Any]]:
    keys = declared_objects(mix)
    return [flux_object(*key, failing=i % 100 == 7) for i, key in enumerate(keys)]


# ------------------------------------------------------------------ in process


class Canned:
    """An Executor that answers every command with the captured kubectl output."""

    def __init__(self, text: str) -> None:
        self.text = text

    def which(self, tool: str) -> str | None:
        return tool

    def run(self, argv: Any, *, input: Any, timeout: Any, on_stdout: Any, on_stderr: Any) -> Result:
        return Result(tuple(argv), 0, self.text, "")


def connection(executor: Any, lines: list[str]) -> Connection:
    runner = Runner(executor=executor, log=io.StringIO())
    return Connection(ClusterTarget("canary", CONTEXT), runner, SYSTEM_CLOCK, lines.append)


def status_argv() -> list[str]:
    return ["kubectl", "get", ",".join(STATUS_RESOURCES), "-A", "-o", "json", "--context", CONTEXT]


def floor(text: str) -> None:
    """Parse the JSON, one row per object, print an aligned table."""
    rows = []
    for item in json.loads(text)["items"]:
        meta, conditions = item["metadata"], item.get("status", {}).get("conditions", [])
        ready = next((c for c in conditions if c.get("type") == "Ready"), {})
        rows.append([item["kind"], f"{meta['namespace']}/{meta['name']}",
                     ready.get("status", "-"), ready.get("message", "")])  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    out = io.StringIO()
    for r in rows:
        out.write(
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[3] + "\n"
        )


def floor_with_kubectl(env: dict[str, str]) -> None:
    done = subprocess.run(status_argv(), env=env, capture_output=True, text=True, check=True)
    floor(done.stdout)


def status(executor: Any, declared: list[tuple[str, str, str]]) -> None:
    lines: list[str] = []
    report = status_report([connection(executor, lines)], declared)
    with contextlib.suppress(FluxTasksError):  # a declared object is not Ready: exit 1
        show_status(report, lines.append, width=120)


def watch_poll(executor: Any, declared: list[tuple[str, str, str]]) -> None:
    # 1% of the objects fail: with fail_fast the first poll ends the wait
    wait_for(connection(executor, []), declared, Wait(600.0, 1.0), fail_fast=True)


def best(repeat: int, work: Callable[[], None]) -> float:
    """The least CPU time of `repeat` runs, children included (the kubectl call)."""
    times = []
    for _ in range(repeat):
        before = cpu()
        work()
        times.append(cpu() - before)
    return min(times)


def cpu() -> float:
    """This process's CPU time (fine-grained), plus its children's (the kubectl call)."""
    return time.process_time() + sum(os.times()[2:4])


# ------------------------------------------------------------------ the fake cluster


def write_state(path: Path, contexts: list[str], objects: list[dict[str, Any]]) -> None:
    state = {"context": contexts[0], "clusters": {ctx: {"objects": objects} for ctx in contexts}}
    path.write_text(json.dumps(state), encoding="utf-8")


def fake_env(root: Path, state: Path, **extra: str) -> dict[str, str]:
    return env_with(
        INVOKE_FLUX_CONFIG=str(root / "config" / "flux.yaml"),
        PATH=f"{FAKES}{os.pathsep}{os.environ.get('PATH', '')}",
        FLUXTASKS_FAKE_STATE=str(state),
        FLUXTASKS_FAKE_CALLS=str(root / "fake-calls.log"),
        **extra,
    )


def capture(env: dict[str, str]) -> str:
    argv = [sys.executable, str(FAKES / "kubectl"), "get", ",".join(STATUS_RESOURCES), "-A",
            "-o", "json", "--context", CONTEXT]  # fmt: skip
    return ShExecutor(env=env).run(argv).stdout


def add_clusters(root: Path, count: int) -> list[str]:
    """Declare `count` clusters (bench-1…) in the project, with their values files."""
    config_path = root / "config" / "flux.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    names = [f"c{i}" for i in range(1, count + 1)]
    config["clusters"] = {name: {"context": f"bench-{name}"} for name in names}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, width=1000), encoding="utf-8")
    for values in (root / "config" / "values").glob("*-canary.yaml"):
        for name in names:
            (values.parent / values.name.replace("-canary", f"-{name}")).write_text(
                values.read_text(encoding="utf-8"), encoding="utf-8"
            )
    return [f"bench-{name}" for name in names]


def measure_size(objects: int, work: Path, repeat: int) -> dict[str, Any]:
    root = work / f"cluster-{objects}"
    mix = build_project(root, Mix.exact(objects))
    items = objects_for(mix)
    state = root / "fake-state.json"
    write_state(state, [CONTEXT], items)
    env = fake_env(root, state)
    text = capture(env)
    declared = list(load_config(root / "config" / "flux.yaml").declared())
    live = ShExecutor(env=env)
    canned = Canned(text)
    out: dict[str, Any] = {"objects": len(items), "mb": len(text.encode()) / 1e6}
    out["floor"] = best(repeat, lambda: floor_with_kubectl(env))
    out["status"] = best(repeat, lambda: status(live, declared))
    out["poll"] = best(repeat, lambda: watch_poll(live, declared))
    out["floor_only"] = best(repeat, lambda: floor(text))
    out["status_only"] = best(repeat, lambda: status(canned, declared))
    out["poll_only"] = best(repeat, lambda: watch_poll(canned, declared))
    dump = root / "status.json"
    dump.write_text(text, encoding="utf-8")
    out["read"] = best(repeat, lambda: dump.read_text(encoding="utf-8"))
    out["cat"] = best(repeat, lambda: ShExecutor().run(["cat", str(dump)]))
    status_runs, watch_runs = [], []
    for _ in range(repeat):
        status_runs.append(run_process([*INVOKE, "flux.status", "--cluster", "canary"], env=env))
        # one poll: a failed release ends it (1), else the deadline does (124)
        run = run_process(
            [*INVOKE, "flux.watch", "--cluster", "canary", "--timeout", "1ms"], env=env
        )
        watch_runs.append(expect(run, 1 if "failed:" in run.output else 124, "flux.watch"))
    out["status_process"] = best_run(status_runs)
    out["watch_process"] = best_run(watch_runs)
    return out


def measure_fleet(work: Path, repeat: int, counts: list[int], latency: float) -> list[list[str]]:
    root = work / "fleet"
    mix = build_project(root, Mix.exact(500))
    contexts = add_clusters(root, max(counts))
    state = root / "fake-state.json"
    write_state(state, contexts, objects_for(mix))
    slow = {"FLUXTASKS_FAKE_HANG": "kubectl get", "FLUXTASKS_FAKE_HANG_AT": "end",
            "FLUXTASKS_FAKE_HANG_MAX": str(latency)}  # fmt: skip
    env = fake_env(root, state, **slow)
    rows = []
    one = None
    for count in counts:
        add_clusters(root, count)
        runs = [run_process([*INVOKE, "flux.status", "--cluster", "all"], env=env)
                for _ in range(repeat)]  # fmt: skip
        seconds = best_run(runs).seconds
        one = one or seconds
        rows.append(
            [str(count), f"{seconds:.2f}", f"{seconds / one:.2f}", f"{count * latency:.1f}"]
        )
    add_clusters(root, max(counts))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="object counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (best kept)")
    parser.add_argument("--clusters", default="1,2,4", help="cluster counts for --cluster all")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per kubectl get there")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    load_before = load_line()
    with tempfile.TemporaryDirectory(prefix="fluxtasks-bench-status-") as tmp:
        sizes = []
        for objects in (int(s) for s in args.sizes.split(",")):
            print(f"measuring {objects} objects …", file=sys.stderr, flush=True)
            sizes.append(measure_size(objects, Path(tmp), repeat))
        print("measuring --cluster all …", file=sys.stderr, flush=True)
        counts = [int(c) for c in args.clusters.split(",")]
        fleet = measure_fleet(Path(tmp), max(1, repeat // 2), counts, args.latency)

    print(
        f"Python {sys.version.split()[0]} on {sys.platform}; best of {repeat} runs; {load_before}"
    )
    print()

    def ratios(suffix: str, title: str) -> None:
        print(title)
        rows = [
            [f"{r['objects']:,}", f"{r['mb']:.1f}", f"{r['floor' + suffix]:.3f}",
             f"{r['status' + suffix]:.3f}", f"{r['status' + suffix] / r['floor' + suffix]:.2f}",
             f"{r['poll' + suffix]:.3f}", f"{r['poll' + suffix] / r['floor' + suffix]:.2f}"]
            for r in sizes
        ]  # fmt: skip
        header = ["objects", "MB", "floor", "status", "x floor", "watch poll", "x floor"]
        for line in table(header, rows):
            print("  " + line)
        if len(sizes) >= 2:
            small, big = sizes[0], sizes[-1]
            grew = {k: big[k + suffix] / small[k + suffix] for k in ("floor", "status", "poll")}
            print(
                f"  growth for {big['objects'] / small['objects']:.0f}x the objects: floor "
                f"{grew['floor']:.1f}x, status {grew['status']:.1f}x, watch poll {grew['poll']:.1f}x"
            )
        print()

    ratios("", "With the kubectl call (CPU seconds, the fake kubectl's included):")
    ratios("_only", "The processing alone, from the captured text (CPU seconds):")
    print("Capturing the output through the runner (sh), beside reading the file:")
    for r in sizes:
        per_mb = (r["cat"] - r["read"]) / r["mb"] * 1000
        print(f"  {r['objects']:>6,} objects, {r['mb']:.1f} MB: runner {r['cat']:.3f} s, "
              f"read {r['read']:.3f} s, {per_mb:.0f} ms per MB for the runner")  # fmt: skip
    print()
    print("Whole processes against the fake kubectl (config loading and the fake included):")
    rows = [[f"{r['objects']:,}", f"{r['status_process'].seconds:.2f}",
             f"{r['watch_process'].seconds:.2f}",
             f"{max(r['status_process'].peak_mb, r['watch_process'].peak_mb):.0f}"] for r in sizes]  # fmt: skip
    for line in table(["objects", "flux.status s", "flux.watch (1 poll) s", "MB"], rows):
        print("  " + line)
    print()
    print(
        f"flux.status --cluster all, 500 objects per cluster, each kubectl get {args.latency:g} s:"
    )
    for line in table(["clusters", "s", "x one cluster", "one after another, at least"], fleet):
        print("  " + line)


if __name__ == "__main__":
    main()
