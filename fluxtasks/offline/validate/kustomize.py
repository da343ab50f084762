"""`kubectl kustomize` as kustomize-controller builds a folder, and its error in one line."""

from __future__ import annotations

import re
from pathlib import Path

from ...tool_output import error_message, indented


def trim_kustomize_error(output: str, resources_dir: Path, shown_dir: str) -> str:
    """The useful part of `kubectl kustomize` error output, with paths as the user sees them.

    kubectl prints `error: MSG` (older) or a klog line `E1128 ... "command failed" err="MSG"`,
    or, for a message of several lines, `err=<` then the lines then ` >`: all of it is kept,
    the lines after the first indented. A resource that fails to load is wrapped in
    `accumulation err='INNER': must build at directory: ...`, where only INNER says what is
    wrong.
    """
    line = error_message(output)
    if not line:
        return "failed without a message"
    line = line.removeprefix("error: ")
    inner = re.search(r"accumulation err='(.*?)': must build at directory", line, re.S)
    if inner:
        line = inner.group(1)
    line = re.sub(r"evalsymlink failure on '([^']*)' : lstat \1: ", r"\1: ", line)
    for base in sorted({str(resources_dir.resolve()), str(resources_dir)}, key=len, reverse=True):
        line = line.replace(base, shown_dir)
    return indented(line)


def kustomize_argv(folder: Path) -> list[str]:
    """kustomize-controller builds with no load restrictions: files outside the folder may be
    referenced, so `kubectl kustomize` must not refuse them either."""
    return ["kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(folder)]
