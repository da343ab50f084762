"""`kubectl kustomize` as kustomize-controller builds a folder, and its error in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

_KLOG_LINE = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err=(".*")$')


def trim_kustomize_error(output: str, resources_dir: Path, shown_dir: str) -> str:
    """The one useful line of `kubectl kustomize` error output, with paths as the user sees them.

    kubectl prints `error: MSG` (older) or a klog line `E1128 ... "command failed" err="MSG"`;
    a resource that fails to load is wrapped in `accumulation err='INNER': must build at
    directory: ...`, where only INNER says what is wrong.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return "failed without a message"
    line = lines[-1]
    klog = _KLOG_LINE.match(line)
    if klog:
        try:
            line = json.loads(klog.group(1))
        except ValueError:
            line = klog.group(1)[1:-1]
    line = line.removeprefix("error: ")
    inner = re.search(r"accumulation err='(.*?)': must build at directory", line)
    if inner:
        line = inner.group(1)
    line = re.sub(r"evalsymlink failure on '([^']*)' : lstat \1: ", r"\1: ", line)
    for base in sorted({str(resources_dir.resolve()), str(resources_dir)}, key=len, reverse=True):
        line = line.replace(base, shown_dir)
    return line


def kustomize_argv(folder: Path) -> list[str]:
    """kustomize-controller builds with no load restrictions: files outside the folder may be
    referenced, so `kubectl kustomize` must not refuse them either."""
    return ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(folder)]
