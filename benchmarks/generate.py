"""How long `invoke flux.update` takes, and how that grows with the size of the config.

Run from the project root:  .venv/bin/python benchmarks/generate.py

Every figure is a whole process (`python -m invoke …`, what a user or CI pays): the best
of --repeat runs for time, the largest of them for peak memory (the process's own maximum
resident set size, from wait4). Synthetic projects of growing size are built in a
temporary folder (see synthetic.py); the floor is a process that only imports invoke and
yaml, which every task pays before doing anything.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from synthetic import (
    INVOKE,
    Mix,
    Run,
    best_run,
    build_project,
    env_with,
    expect,
    floor,
    load_line,
    run_process,
    table,
)

LIST_TARGET = 0.3  # s, `invoke --list`
FLOOR_FACTOR_TARGET = 2.0  # × floor, `update --check` on the shipped config
WRITE_TARGET = 3.0  # s, the largest config written into an empty tree
CHECK_TARGET = 2.0  # s, `update --check` of the largest config
MEMORY_TARGET = 150.0  # MB


@dataclass(frozen=True)
class SizeResult:
    mix: Mix
    files: int
    empty: Run  # `flux.update` into a tree without any generated file
    noop: Run  # `flux.update` again: nothing to change
    check: Run  # `flux.update --check`: nothing to report
    spread: dict[str, list[float]]  # every run's seconds, per measure

    @property
    def objects(self) -> int:
        return self.mix.total

    @property
    def peak_mb(self) -> float:
        return max(self.empty.peak_mb, self.noop.peak_mb, self.check.peak_mb)


def measure_size(objects: int, work: Path, repeat: int) -> SizeResult:
    """Each repeat gets its own copy of the project, and no tree is deleted until all are
    measured: deleting thousands of files makes this VM's disk slow at creating files for
    a while afterwards (it discards the freed blocks), which would be billed to the next
    update."""
    pristine = work / f"size-{objects}" / "pristine"
    mix = build_project(pristine, Mix.for_size(objects))
    update = [*INVOKE, "flux.update"]
    empties, noops, checks = [], [], []
    files = 0
    for i in range(repeat):
        run_root = pristine.parent / f"run-{i}"
        env = env_with(INVOKE_FLUX_CONFIG=str(run_root / "config" / "flux.yaml"))
        shutil.copytree(pristine, run_root, symlinks=True)
        os.sync()  # flush the copy first, or its write-back is billed to the update
        empty = expect(run_process(update, env=env), 0, f"{objects}: update")
        found = re.search(r"^(\d+) written, 0 unchanged, 0 pruned$", empty.output, re.M)
        if not found:
            sys.exit(f"{objects}: unexpected update output:\n{empty.output[-2000:]}")
        files = int(found.group(1))
        noop = expect(run_process(update, env=env), 0, f"{objects}: update again")
        if f"0 written, {files} unchanged, 0 pruned" not in noop.output:
            sys.exit(f"{objects}: the second update changed files:\n{noop.output[-2000:]}")
        check = expect(run_process([*update, "--check"], env=env), 0, f"{objects}: --check")
        empties.append(empty)
        noops.append(noop)
        checks.append(check)
    spread = {
        name: [r.seconds for r in runs]
        for name, runs in (("empty", empties), ("noop", noops), ("check", checks))
    }
    return SizeResult(mix, files, best_run(empties), best_run(noops), best_run(checks), spread)


def filesystem(path: str) -> str:
    """The filesystem type holding `path`, from /proc/mounts where there is one."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "filesystem unknown"
    best = ("", "unknown")
    for line in mounts:
        fields = line.split()
        if len(fields) > 2 and path.startswith(fields[1]) and len(fields[1]) > len(best[0]):
            best = (fields[1], fields[2])
    return f"{best[1]} mounted on {best[0]}"


def exponent(small: float, big: float, base: float, ratio: float) -> float:
    """k in (time - floor) ∝ objects^k between two sizes; 1.0 is linear growth."""
    return math.log(max(big - base, 1e-3) / max(small - base, 1e-3)) / math.log(ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="60,600,6000", help="object counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best kept)")
    parser.add_argument(
        "--tmpdir",
        help="where to build the synthetic projects (default: the system temp folder); "
        "e.g. /dev/shm to take the disk out of the figures",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    repeat = max(1, args.repeat)
    load_before = load_line()

    base = floor(repeat * 2)
    listing = best_run(
        [expect(run_process([*INVOKE, "--list"]), 0, "invoke --list") for _ in range(repeat * 2)]
    )
    shipped = best_run(
        [
            expect(run_process([*INVOKE, "flux.update", "--check"]), 0, "shipped update --check")
            for _ in range(repeat * 2)
        ]
    )
    rows: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="fluxtasks-bench-", dir=args.tmpdir) as tmp:
        for objects in sizes:
            print(f"measuring {objects} objects …", file=sys.stderr, flush=True)
            rows.append(measure_size(objects, Path(tmp), repeat))

    print(f"Python {sys.version.split()[0]} on {sys.platform}; best of {repeat}+ runs")
    print(f"before: {load_before}; after: {load_line()}")
    print(
        f"synthetic projects under {args.tmpdir or tempfile.gettempdir()} ({filesystem(os.path.realpath(tmp))})"
    )
    print()
    print("Floor and the shipped config:")
    fixed = [
        ("floor: python -c 'import invoke, yaml'", base),
        ("invoke --list", listing),
        ("invoke flux.update --check (shipped config)", shipped),
    ]
    for line in table(
        ["process", "s", "× floor", "peak MB"],
        [
            [name, f"{r.seconds:.2f}", f"{r.seconds / base.seconds:.2f}", f"{r.peak_mb:.0f}"]
            for name, r in fixed
        ],
    ):
        print("  " + line)
    print()
    print("Synthetic configs (wall time in seconds):")
    body = [
        [
            f"{r.objects:,}",
            f"{r.mix.kustomizations}/{r.mix.helm_releases}/{r.mix.sources}",
            f"{r.files:,}",
            f"{r.empty.seconds:.2f}",
            f"{r.noop.seconds:.2f}",
            f"{r.check.seconds:.2f}",
            f"{r.peak_mb:.0f}",
            f"{(r.check.seconds - base.seconds) / r.objects * 1000:.3f}",
        ]
        for r in rows
    ]
    header = ["objects", "ks/hr/src", "files", "update, empty tree", "update, no change"]
    header += ["update --check", "peak MB", "ms per object (--check above floor)"]
    for line in table(header, body):
        print("  " + line)

    if len(rows) >= 2:
        small, big = rows[0], rows[-1]
        ratio = big.objects / small.objects
        print()
        print(f"Largest / smallest ({big.objects:,} / {small.objects:,} = {ratio:.0f}× objects):")
        for label, attr in (
            ("update, empty tree", "empty"),
            ("update, no change", "noop"),
            ("update --check", "check"),
        ):
            t_small, t_mid, t_big = (getattr(r, attr).seconds for r in (small, rows[-2], big))
            k = exponent(t_small, t_big, base.seconds, ratio)
            k_top = exponent(t_mid, t_big, base.seconds, big.objects / rows[-2].objects)
            print(
                f"  {label:18} {t_big / t_small:5.1f}× wall time, "
                f"{(t_big - base.seconds) / max(t_small - base.seconds, 1e-3):6.1f}× above the floor; "
                f"growth exponent {k:.2f} overall, {k_top:.2f} between the two largest (1.00 = linear)"
            )
        print(f"  peak memory        {big.peak_mb / small.peak_mb:5.1f}×")
        print()
        print(
            f"Every run at {big.objects:,} objects, in run order (seconds; load on the machine adds):"
        )
        for label, attr in (
            ("update, empty tree", "empty"),
            ("update, no change", "noop"),
            ("update --check", "check"),
        ):
            print(f"  {label:18} " + "  ".join(f"{t:.2f}" for t in big.spread[attr]))

    top = rows[-1]
    print()
    print("Targets:")
    checks = [
        (
            f"invoke --list within {LIST_TARGET} s",
            f"{listing.seconds:.2f} s",
            listing.seconds <= LIST_TARGET,
        ),
        (
            f"shipped update --check within {FLOOR_FACTOR_TARGET:.0f}× the floor",
            f"{shipped.seconds / base.seconds:.2f}×",
            shipped.seconds <= FLOOR_FACTOR_TARGET * base.seconds,
        ),
        (
            f"{top.objects:,} objects written in under {WRITE_TARGET:.0f} s",
            f"{top.empty.seconds:.2f} s",
            top.empty.seconds < WRITE_TARGET,
        ),
        (
            f"{top.objects:,} objects checked in under {CHECK_TARGET:.0f} s",
            f"{top.check.seconds:.2f} s",
            top.check.seconds < CHECK_TARGET,
        ),
        (
            f"peak memory under {MEMORY_TARGET:.0f} MB",
            f"{top.peak_mb:.0f} MB",
            top.peak_mb < MEMORY_TARGET,
        ),
    ]
    for line in table(
        ["target", "measured", ""], [[t, m, "ok" if ok else "MISSED"] for t, m, ok in checks]
    ):
        print("  " + line)


if __name__ == "__main__":
    main()
