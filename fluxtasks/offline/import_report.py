"""What `flux.import` tells the user about an import, through callbacks: the config itself
when it is only printed, what import decided, what it warns about, and why it refuses.

Notes go to stderr while stdout carries the config, to stdout once the config is written
instead; warnings always go to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .importer import ImportResult

Say = Callable[[str], None]


def refuse_overwrite(path: Path, shown: str, *, write: bool, force: bool) -> None:
    if write and path.exists() and not force:
        raise InputError(
            f"{shown}: already exists: pass --force to replace it (or run without --write to print)"
        )


def report_import(
    result: ImportResult, *, write: bool, say: Say, warn: Say, out: Say
) -> str | None:
    """Print the report; InputError when a marked file cannot be imported. Returns the line
    to say once the config is written (None when it is only printed)."""
    if not write:
        out(result.text)
    for note in result.notes:
        (say if write else warn)(f"note: {note}")
    for warning in [*result.left_alone, *result.warnings]:
        warn(f"warning: {warning}")
    if result.blockers:
        blocked = f"{len(result.blockers)} generated file(s) cannot be imported"
        how = "nothing written" if write else "--write refuses until their marker line is removed"
        raise InputError(*result.blockers, f"{blocked}: {how}")
    if not write:
        return None
    after = (
        "`invoke flux.update` makes the rewrites listed above"
        if result.warnings
        else "`invoke flux.update --check` reports no drift"
    )
    return f"wrote {result.shown_config} ({result.imported} objects): {after}"
