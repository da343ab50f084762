"""How `invoke flux.status` and one `invoke flux.watch` poll scale with the cluster's size.

Run from the project root:  .venv/bin/python benchmarks/status.py

The cluster is the fake `kubectl`/`flux` of tests/fakes (first on PATH), holding 10, 100
and 1,000 Ready Flux objects that a synthetic config also declares. Each task runs as a
whole process; the fakes log every call, so the number of subprocesses a task started is
read back from that log. It must not grow with the number of objects: status is read with
one `kubectl get` of every Flux kind per poll.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from synthetic import (
    CONTEXT,
    INVOKE,
    PROJECT,
    Mix,
    Run,
    best_run,
    build_project,
    declared_objects,
    env_with,
    expect,
    load_line,
    run_process,
    table,
)

FAKES = PROJECT / "tests" / "fakes"
API = {
    "GitRepository": "source.toolkit.fluxcd.io/v1",
    "HelmRepository": "source.toolkit.fluxcd.io/v1",
    "OCIRepository": "source.toolkit.fluxcd.io/v1beta2",
    "Kustomization": "kustomize.toolkit.fluxcd.io/v1",
    "HelmRelease": "helm.toolkit.fluxcd.io/v2",
}
REVISION = "main@sha1:0123456789abcdef0123456789abcdef01234567"


def ready_object(kind: str, namespace: str, name: str) -> dict[str, Any]:
    """A reconciled, Ready object as `kubectl get -o json` returns it."""
    reason, message = "Succeeded", f"stored artifact for revision '{REVISION}'"
    status: dict[str, Any] = {"observedGeneration": 1}
    if kind == "Kustomization":
        reason, message = "ReconciliationSucceeded", f"Applied revision: {REVISION}"
        status["lastAppliedRevision"] = REVISION
    elif kind == "HelmRelease":
        reason = "InstallSucceeded"
        message = f"Helm install succeeded for release {namespace}/{name}.v1 with chart app@1.0.0"
        status["history"] = [{"chartVersion": "1.0.0"}]
    else:
        status["artifact"] = {"revision": REVISION}
    status["conditions"] = [
        {
            "type": "Ready",
            "status": "True",
            "reason": reason,
            "message": message,
            "observedGeneration": 1,
        }
    ]
    return {
        "apiVersion": API[kind],
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace, "generation": 1},
        "spec": {},
        "status": status,
    }


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def run_task(argv: list[str], env: dict[str, str], log: Path) -> tuple[Run, list[list[str]]]:
    log.unlink(missing_ok=True)
    run = expect(run_process(argv, env=env), 0, " ".join(argv[3:]))
    return run, calls(log)


def shown(argv: list[str]) -> str:
    """`kubectl get <5 kinds> -A -o json` rather than the whole comma-joined list."""
    words = [f"<{len(a.split(','))} kinds>" if a.count(",") >= 2 else a for a in argv]
    cut = words.index("--context") if "--context" in words else len(words)
    return " ".join(words[:cut])


def measure(objects: int, work: Path, repeat: int) -> dict[str, Any]:
    root = work / f"cluster-{objects}"
    mix = build_project(root, Mix.exact(objects))
    state = root / "fake-state.json"
    log = root / "fake-calls.log"
    items = [ready_object(*key) for key in declared_objects(mix)]
    state.write_text(json.dumps({"context": CONTEXT, "objects": items}), encoding="utf-8")
    env = env_with(
        INVOKE_FLUX_CONFIG=str(root / "config" / "flux.yaml"),
        PATH=f"{FAKES}{os.pathsep}{os.environ.get('PATH', '')}",
        FLUXTASKS_FAKE_STATE=str(state),
        FLUXTASKS_FAKE_CALLS=str(log),
    )
    status_runs, watch_runs = [], []
    status_calls: list[list[str]] = []
    watch_calls: list[list[str]] = []
    for _ in range(repeat):
        run, status_calls = run_task([*INVOKE, "flux.status", "--cluster", "canary"], env, log)
        if f"{len(items)} of {len(items)} ready" not in run.output:
            sys.exit(f"flux.status did not report every object ready:\n{run.output[-2000:]}")
        status_runs.append(run)
        run, watch_calls = run_task(
            [*INVOKE, "flux.watch", "--cluster", "canary", "--timeout", "1m", "--interval", "1s"],
            env,
            log,
        )
        watch_runs.append(run)
    return {
        "objects": len(items),
        "status": best_run(status_runs),
        "status_calls": status_calls,
        "watch": best_run(watch_runs),
        "watch_calls": watch_calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="object counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    load_before = load_line()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fluxtasks-bench-status-") as tmp:
        for objects in (int(s) for s in args.sizes.split(",")):
            print(f"measuring {objects} objects …", file=sys.stderr, flush=True)
            rows.append(measure(objects, Path(tmp), repeat))

    print(
        f"Python {sys.version.split()[0]} on {sys.platform}; best of {repeat} runs; {load_before}"
    )
    print()
    print("Against the fake kubectl/flux of tests/fakes (each call is a Python process):")
    body = [
        [
            f"{row['objects']:,}",
            f"{row['status'].seconds:.2f}",
            str(len(row["status_calls"])),
            f"{row['watch'].seconds:.2f}",
            str(len(row["watch_calls"])),
            f"{max(row['status'].peak_mb, row['watch'].peak_mb):.0f}",
        ]
        for row in rows
    ]
    for line in table(
        ["objects", "status s", "subprocesses", "watch (1 poll) s", "subprocesses", "MB"], body
    ):
        print("  " + line)
    print()
    print("Subprocesses started (the same at every size):")
    for label, key in (("flux.status", "status_calls"), ("flux.watch", "watch_calls")):
        print(f"  {label}: " + "; ".join(shown(argv) for argv in rows[-1][key]))
    counts = {len(row[key]) for row in rows for key in ("status_calls", "watch_calls")}
    flat = {(len(r["status_calls"]), len(r["watch_calls"])) for r in rows}
    print()
    verdict = "ok" if len(flat) == 1 else "MISSED: the count grows with the objects"
    print(
        f"Subprocess count independent of the object count: {verdict} (counts seen: {sorted(counts)})"
    )
    if len(rows) >= 2:
        small, big = rows[0], rows[-1]
        ratio = big["objects"] / small["objects"]
        print(
            f"Largest / smallest ({ratio:.0f}× objects): status {big['status'].seconds / small['status'].seconds:.1f}× "
            f"wall time, watch {big['watch'].seconds / small['watch'].seconds:.1f}×"
        )


if __name__ == "__main__":
    main()
