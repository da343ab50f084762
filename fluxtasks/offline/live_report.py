"""How `flux.diff --live` prints a LiveResult: kubectl's diffs under a header per compared
set, then the prune list; or Markdown, a collapsible section per set that differs."""

from __future__ import annotations

import html

from .diff_report import DEFAULT_MARKDOWN_LIMIT, Say, diff_block, emit, md_text
from .live import LiveResult, Section


def summary(result: LiveResult) -> str:
    differing = [s for s in result.sections if s.differs]
    pruned = sum(len(s.prune.stale) for s in result.sections if s.prune and s.prune.enabled)
    if not differing:
        compared = ", ".join(s.title for s in result.sections) or "nothing"
        return f"no differences with {result.target}: compared {compared}"
    text = f"{len(differing)} of {len(result.sections)} differ with {result.target}: "
    text += "; ".join(s.title for s in differing)
    if pruned:
        text += f"; {pruned} object{'s' if pruned != 1 else ''} would be pruned"
    return text


def text_lines(result: LiveResult) -> list[str]:
    """Each set that differs: `~ title`, kubectl's diff, the prune lines; then the summary.
    Notes and problems are the caller's to print on stderr."""
    out: list[str] = []
    for section in result.sections:
        if section.differs:
            out += [f"~ {section.title}", *section.diff.splitlines(), *_prunes(section), ""]
    return [*out, summary(result)]


def markdown(result: LiveResult, *, limit: int = DEFAULT_MARKDOWN_LIMIT) -> str:
    out = [f"### flux.diff --live: {md_text(result.target)}", "", md_text(summary(result))]
    extra = [*result.problems, *result.notes]
    if extra:
        out += ["", *(f"- {md_text(line)}" for line in extra)]
    for section in result.sections:
        if not section.differs:
            continue
        out += ["", "<details>", f"<summary>~ {html.escape(section.title, quote=False)}</summary>"]
        out += ["", *diff_block(section.diff.splitlines(), limit, "invoke flux.diff --live")]
        prunes = _prunes(section)
        if prunes:
            out += ["", *(f"- {md_text(line.removeprefix('- '))}" for line in prunes)]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def _prunes(section: Section) -> list[str]:
    return section.prune.lines() if section.prune is not None else []


def report(result: LiveResult, output: str, *, out: Say, warn: Say) -> None:
    """`flux.diff --live` printed as `output` (text or markdown)."""
    text = markdown(result) if output == "markdown" else "\n".join(text_lines(result)) + "\n"
    emit(result, text, out=out, warn=warn)
