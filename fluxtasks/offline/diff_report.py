"""How `flux.diff` prints a DiffResult: unified diffs for a terminal, or Markdown for a pull
request comment (a summary table, then one collapsible section per object).

Markdown is built from file paths and object names the user wrote and from YAML anyone can
put in a folder: table cells and summaries are escaped, and each diff sits in a fence longer
than any run of backticks inside it, so no content can end its block or open HTML. Each
object's diff is capped (a comment has a size limit) and says so where it was cut.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ..errors import CheckFailed, InputError
from .diff import DiffResult
from .objdiff import Change, ChangeKind

Say = Callable[[str], None]
DEFAULT_MARKDOWN_LIMIT = 4000  # characters of one object's diff; GitHub takes 65,536 per comment
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>|&~#!])")
_BACKTICKS = re.compile(r"`+")


def summary(result: DiffResult) -> str:
    """One line: what differs between the sides, or that nothing does."""
    if not result.changes:
        return f"no changes: {result.base} and the working tree render the same objects"
    counts = ", ".join(f"{result.count(k)} {k.value}" for k in ChangeKind if result.count(k))
    total = len(result.changes)
    return (
        f"{total} object{'s' if total != 1 else ''} differ{'s' if total == 1 else ''} "
        f"between {result.base} and the working tree: {counts}"
    )


def header(change: Change, *, with_group: bool = False) -> str:
    """`~ HelmRelease kube-system/karpenter (resources/karpenter/flux-hr-karpenter.yaml)`;
    objects a folder builds also name the Kustomization that applies them."""
    where = f"{change.where}; {change.via}" if change.via else change.where
    return f"{change.kind.sign} {change.key.describe(with_group=with_group)} ({where})"


def text_lines(result: DiffResult) -> list[str]:
    """The plain report: per object its header, its notes (indented), its unified diff; a
    blank line between objects; the summary last. Notes and problems are the caller's to
    print on stderr."""
    out: list[str] = []
    grouped = _ambiguous_kinds(result.changes)
    for change in result.changes:
        out.append(header(change, with_group=change.key.kind in grouped))
        out.extend(f"  {note}" for note in change.notes)
        out.extend(change.diff)
        out.append("")
    out.append(summary(result))
    return out


def markdown(result: DiffResult, *, limit: int = DEFAULT_MARKDOWN_LIMIT) -> str:
    """A pull request comment: heading, summary, notes and problems, a table of every
    changed object, then a `<details>` section with a ```diff block per object."""
    grouped = _ambiguous_kinds(result.changes)
    out = [f"### flux.diff: {md_text(result.base)} → working tree", "", md_text(summary(result))]
    extra = [*result.problems, *result.notes]
    if extra:
        out.append("")
        out.extend(f"- {md_text(line)}" for line in extra)
    if result.changes:
        out += ["", "| Object | Change | File |", "| --- | --- | --- |"]
        for change in result.changes:
            name = change.key.describe(with_group=change.key.kind in grouped)
            where = f"{change.where} ({change.via})" if change.via else change.where
            out.append(f"| {md_text(name)} | {change.kind.value} | {md_text(where)} |")
    for change in result.changes:
        out += ["", *_section(change, change.key.kind in grouped, limit)]
    return "\n".join(out) + "\n"


def _section(change: Change, with_group: bool, limit: int) -> list[str]:
    title = html.escape(header(change, with_group=with_group), quote=False)
    out = ["<details>", f"<summary>{title}</summary>", ""]
    # A note's indented lines (the objects a prune deletes) become a list under it.
    out.extend(f"- {md_text(n.strip())}" if n.startswith(" ") else md_text(n) for n in change.notes)
    if change.notes:
        out.append("")
    out += [*diff_block(change.diff, limit, "invoke flux.diff"), "", "</details>"]
    return out


def diff_block(lines: Sequence[str], limit: int, command: str) -> list[str]:
    """A ```diff block of `lines`, cut at `limit` characters (saying so, and that `command`
    shows all of it), fenced by more backticks than any run inside."""
    body, cut = _capped(lines, limit)
    out: list[str] = []
    if body:
        fence = "`" * max(3, _longest_backticks(body) + 1)
        out += [f"{fence}diff", *body, fence]
    if cut:
        out += [
            "",
            f"*Diff cut at {limit:,} of {cut:,} characters; run `{command}` to see all of it.*",
        ]
    return out


def _capped(lines: Sequence[str], limit: int) -> tuple[list[str], int]:
    """The whole lines that fit in `limit` characters, and the full size when some did not."""
    total = sum(len(line) + 1 for line in lines)
    if total <= limit:
        return list(lines), 0
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            break
        kept.append(line)
    return kept, total


def _longest_backticks(lines: Iterable[str]) -> int:
    return max((len(m.group()) for line in lines for m in _BACKTICKS.finditer(line)), default=0)


def md_text(text: str) -> str:
    """Text shown as itself in Markdown (table cells included): every character Markdown or
    HTML would act on is backslash-escaped."""
    return _MARKDOWN_ACTIVE.sub(r"\\\1", text)


def _ambiguous_kinds(changes: Iterable[Change]) -> set[str]:
    """Kinds that stand for two API groups in one report: those headers name the group."""
    groups: dict[str, set[str]] = {}
    for change in changes:
        groups.setdefault(change.key.kind, set()).add(change.key.group)
    return {kind for kind, found in groups.items() if len(found) > 1}


OUTPUTS = ("text", "markdown")


def output_format(value: str) -> str:
    """`-o`: text or markdown (md); InputError (exit 4) for anything else."""
    chosen = {"md": "markdown"}.get(value.strip().lower(), value.strip().lower())
    if chosen not in OUTPUTS:
        raise InputError(f"-o/--output: {value!r} is not one of {', '.join(OUTPUTS)}")
    return chosen


class Reported(Protocol):
    """A diff's outcome: DiffResult, or the live one."""

    @property
    def notes(self) -> tuple[str, ...]: ...

    @property
    def problems(self) -> tuple[str, ...]: ...

    @property
    def changed(self) -> bool: ...


def emit(result: Reported, text: str, *, out: Say, warn: Say) -> None:
    """Notes on `warn`, the rendered diff on `out`; CheckFailed (exit 1, the problems as its
    lines) when anything differs or could not be compared."""
    for line in result.notes:
        warn(line)
    out(text)
    if result.changed:
        raise CheckFailed(*result.problems)


def report(result: DiffResult, output: str, *, out: Say, warn: Say) -> None:
    """`flux.diff` printed as `output` (text or markdown)."""
    text = markdown(result) if output == "markdown" else "\n".join(text_lines(result)) + "\n"
    emit(result, text, out=out, warn=warn)
