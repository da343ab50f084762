"""Shared by the benchmark scripts: synthetic project trees and whole-process measurement.

A synthetic project is what a large user of fluxtasks would have: a root holding
`config/flux.yaml`, `config/boilerplate.txt`, per-cluster values under `config/values/`,
and a `resources/` folder with one folder per Kustomization (each holding a small
hand-written manifest, as real folders do). HelmReleases live in the namespace of a
Kustomization folder, so their files land inside a synced folder, as in the shipped tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parent.parent
INVOKE = [sys.executable, "-m", "invoke"]

# At 6,000 objects: 5,000 Kustomizations, 1,000 HelmReleases, 200 sources (the brief's mix).
SHARE = {"kustomizations": 5000 / 6000, "helmReleases": 1000 / 6000, "sources": 200 / 6000}
CONTEXT = "bench-canary"


@dataclass(frozen=True)
class Mix:
    kustomizations: int
    helm_releases: int
    sources: int

    @classmethod
    def for_size(cls, objects: int) -> Mix:
        return cls(
            kustomizations=max(1, round(objects * SHARE["kustomizations"])),
            helm_releases=max(1, round(objects * SHARE["helmReleases"])),
            sources=max(2, round(objects * SHARE["sources"])),
        )

    @classmethod
    def exact(cls, objects: int) -> Mix:
        """The same proportions, adding up to exactly `objects` (at least 4)."""
        sources = max(2, objects // 30)
        helm_releases = max(1, objects // 6)
        return cls(objects - helm_releases - sources, helm_releases, sources)

    @property
    def total(self) -> int:
        return self.kustomizations + self.helm_releases + self.sources


def _ks_name(i: int) -> str:
    return f"team-{i:04d}"


def _values(i: int) -> dict[str, Any]:
    """Helm values of the size real charts get, with strings that need quoting."""
    return {
        "replicaCount": 1 + i % 3,
        "image": {
            "repository": f"registry.k8s.io/bench/app-{i}",
            "tag": f"v1.{i % 20}.0",
            "pullPolicy": "IfNotPresent",
        },
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "nodeSelector": {
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "m6i.large",
        },
        "tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "infra", "effect": "NoSchedule"}
        ],
        "podAnnotations": {"prometheus.io/scrape": "true", "version": "1.0"},
        "args": ["--log-level=info", f"--shard={i % 7}", "--enable-leader-election"],
        "serviceAccount": {"create": True, "name": f"app-{i}"},
        "metrics": {"enabled": i % 2 == 0, "port": 8080},
    }


def build_project(root: Path, mix: Mix) -> Mix:
    """Write a synthetic project declaring the objects of `mix` under `root`."""
    config_dir = root / "config"
    (config_dir / "values").mkdir(parents=True)
    (config_dir / "boilerplate.txt").write_text(
        (PROJECT / "config" / "boilerplate.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    resources = root / "resources"
    resources.mkdir()

    sources: list[dict[str, Any]] = [
        {
            "kind": "GitRepository",
            "name": "main",
            "url": "https://github.com/example/gitops",
            "branch": "main",
        }
    ]
    helm_repos: list[str] = []
    for i in range(1, mix.sources):
        if i % 10 == 3:
            sources.append(
                {
                    "kind": "GitRepository",
                    "name": f"git-{i}",
                    "url": f"https://github.com/example/repo-{i}",
                    "tag": f"v0.{i}.0",
                }
            )
        elif i % 10 == 4:
            sources.append(
                {
                    "kind": "OCIRepository",
                    "name": f"oci-{i}",
                    "url": f"oci://ghcr.io/example/manifests-{i}",
                    "semver": ">=1.0.0",
                }
            )
        elif i % 10 == 5:
            helm_repos.append(f"charts-{i}")
            sources.append(
                {
                    "kind": "HelmRepository",
                    "name": f"charts-{i}",
                    "url": f"oci://public.ecr.aws/example-{i}",
                }
            )
        else:
            helm_repos.append(f"charts-{i}")
            sources.append(
                {
                    "kind": "HelmRepository",
                    "name": f"charts-{i}",
                    "url": f"https://charts.example.com/{i}",
                }
            )

    kustomizations: list[Any] = []
    for i in range(mix.kustomizations):
        name = _ks_name(i)
        folder = resources / name
        folder.mkdir()
        (folder / "namespace.yaml").write_text(
            f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n", encoding="utf-8"
        )
        if i % 10 == 0 and i:
            entry: dict[str, Any] = {"name": name, "dependsOn": [_ks_name(i - 1)]}
            if i % 20 == 0:
                entry.update(wait=True, timeout="5m")
            kustomizations.append(entry)
        else:
            kustomizations.append(name)

    releases: list[dict[str, Any]] = []
    for i in range(mix.helm_releases):
        namespace = _ks_name(i % mix.kustomizations)
        release: dict[str, Any] = {
            "name": f"app-{i}",
            "namespace": namespace,
            "source": f"HelmRepository/{helm_repos[i % len(helm_repos)]}",
            "chart": f"app-{i % 50}",
            "version": f"1.{i % 9}.{i % 4}",
            "values": _values(i),
        }
        if i % 10 == 0:
            release["clusterValues"] = {
                "configMap": f"app-{i}-values",
                "file": f"config/values/app-{i}-{{cluster}}.yaml",
            }
            for cluster in ("canary", "prod"):
                (config_dir / "values" / f"app-{i}-{cluster}.yaml").write_text(
                    f"replicaCount: {2 if cluster == 'prod' else 1}\n", encoding="utf-8"
                )
        releases.append(release)

    config = {
        "flux": {"version": "v2.3.0"},
        "output": {"resourcesDir": "resources", "repoPath": "clusters/bench/resources"},
        "defaults": {
            "interval": "5m",
            "namespace": "flux-system",
            "kustomizationSource": "GitRepository/main",
        },
        "clusters": {"canary": {"context": CONTEXT}, "prod": {"context": "bench-prod"}},
        "sources": sources,
        "helmReleases": releases,
        "kustomizations": kustomizations,
    }
    (config_dir / "flux.yaml").write_text(
        yaml.safe_dump(config, sort_keys=False, width=1000), encoding="utf-8"
    )
    return mix


def declared_objects(mix: Mix) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of what `build_project` declares, for seeding the fake cluster."""
    out: list[tuple[str, str, str]] = [("GitRepository", "flux-system", "main")]
    for i in range(1, mix.sources):
        kind = {3: ("GitRepository", "git"), 4: ("OCIRepository", "oci")}.get(
            i % 10, ("HelmRepository", "charts")
        )
        out.append((kind[0], "flux-system", f"{kind[1]}-{i}"))
    out += [("Kustomization", "flux-system", _ks_name(i)) for i in range(mix.kustomizations)]
    out += [
        ("HelmRelease", _ks_name(i % mix.kustomizations), f"app-{i}")
        for i in range(mix.helm_releases)
    ]
    return out


# ------------------------------------------------------------------ measuring


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float  # max resident set size of the process (and children it waited for)
    exit_code: int
    output: str


def run_process(argv: list[str], *, env: dict[str, str] | None = None, cwd: Path = PROJECT) -> Run:
    """Run `argv` as a whole process: wall time, and its own peak RSS from wait4()."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(seconds, peak, proc.returncode, text)


def expect(run: Run, code: int, what: str) -> Run:
    if run.exit_code != code:
        sys.exit(f"{what}: exit {run.exit_code}, expected {code}\n{run.output[-2000:]}")
    return run


def best_run(runs: list[Run]) -> Run:
    """The fastest run (as timeit reports: other load on the machine only ever adds time),
    with the largest peak memory seen in any run."""
    fastest = min(runs, key=lambda r: r.seconds)
    return Run(fastest.seconds, max(r.peak_mb for r in runs), fastest.exit_code, fastest.output)


def load_line() -> str:
    """The machine's load, printed beside the figures: they only mean something when idle."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return f"{os.cpu_count()} CPUs"
    return f"{os.cpu_count()} CPUs, load average {one:.2f} (1 min) {five:.2f} (5 min)"


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def floor(repeat: int) -> Run:
    """The cost of any invoke task: a Python process that only imports invoke and yaml."""
    runs = [
        expect(run_process([sys.executable, "-c", "import invoke, yaml"]), 0, "floor")
        for _ in range(repeat)
    ]
    return best_run(runs)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:>{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in rows
    ]
