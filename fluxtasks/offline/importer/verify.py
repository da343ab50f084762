"""Check the imported config before anyone sees it: the loader's problems mapped back to
the objects they came from, and every change `flux.update` would still make, explained."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ...config.model import Config
from ...config.reader import MISSING
from ...files.plan import Action, FileChange
from ...generated import Markers, documents
from ...render.update import plan_update
from ...yamlio.source import YamlSourceError, compose, plain_data
from .entries import SECTIONS
from .fit import diff, short
from .read import Imported

PROBLEM_RE = re.compile(r"^[^:]+:\d+:\d+: (?P<path>\S+): (?P<message>.*)$")
SECTION_PATHS = "|".join(sorted({s.path for s in SECTIONS.values()}))
ENTRY_RE = re.compile(rf"^(?P<section>{SECTION_PATHS})\[(?P<index>\d+)\]")


def map_problems(
    lines: Iterable[str], entries: dict[str, Imported]
) -> tuple[dict[Imported, str], list[str]]:
    """Loader problems -> the imported objects they belong to, and those that belong to none."""
    rejected: dict[Imported, str] = {}
    fatal: list[str] = []
    for line in lines:
        match = PROBLEM_RE.match(line)
        entry = ENTRY_RE.match(match.group("path")) if match else None
        item = entries.get(entry.group(0)) if entry else None
        if match and item is not None:
            rejected.setdefault(item, f"{match.group('path')}: {match.group('message')}")
        else:
            fatal.append(f"{match.group('path')}: {match.group('message')}" if match else line)
    return rejected, fatal


def verify(
    config: Config,
    blocked: dict[str, str],
    markers: Markers,
    header: str,
) -> tuple[list[str], list[str], list[str]]:
    """Plan `flux.update` with the imported config: (notes, warnings, blockers) for every
    change it would make."""
    notes: list[str] = []
    warnings: list[str] = []
    blockers: list[str] = []
    plan = plan_update(config)
    for note in plan.notes:
        if note.removeprefix("note: ") not in plan.drift_notes:
            notes.append(note.removeprefix("note: "))
    warnings.extend(f"update --check will report: {n}" for n in plan.drift_notes)
    for change in plan.pending:
        shown = f"{plan.shown_dir}/{change.path}"
        if change.action is Action.DELETE:
            if change.path not in blocked:
                blockers.append(f"{shown}: `invoke flux.update` would delete it")
        elif change.action is Action.CREATE:
            warnings.append(f"{shown}: `invoke flux.update` would create it")
        else:
            warnings.append(
                f"{shown}: `invoke flux.update` will rewrite it: {_rewrite_reason(change, markers, header)}"
            )
    return notes, warnings, blockers


def _rewrite_reason(change: FileChange, markers: Markers, header: str) -> str:
    old_head, old_marker, old_body = markers.split(change.old or "")
    new_head, new_marker, new_body = markers.split(change.new or "")
    reasons: list[str] = []
    if old_head != new_head:
        reasons.append(f"its license header differs from {header}")
    if old_marker != new_marker:
        reasons.append(f"its marker line becomes '# {new_marker}'")
    if old_body != new_body:
        try:
            old_docs = [_parse(d) for d in documents(old_body)]
            new_docs = [_parse(d) for d in documents(new_body)]
        except YamlSourceError:
            old_docs, new_docs = [], [None]
        single = len(old_docs) == len(new_docs) == 1
        diffs = diff(old_docs[0], new_docs[0]) if single else diff(old_docs, new_docs)
        if not diffs:
            reasons.append("its YAML is laid out again as flux create writes it")
        for d in diffs:
            if d.old is MISSING:
                reasons.append(f"{d.path} is added ({short(d.new)})")
            elif d.new is MISSING:
                reasons.append(f"{d.path} is dropped")
            else:
                reasons.append(f"{d.path or 'the document'} {short(d.old)} becomes {short(d.new)}")
    return "; ".join(reasons) or "its text changes"


def _parse(text: str) -> Any:
    node = compose(text)
    return plain_data(node) if node is not None else None
