"""A plan of file changes under one folder, decided in memory before anything is written."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum, auto
from pathlib import Path


class Action(StrEnum):
    """What a change does to its file; the values (the names in lower case) are the words
    reports use: "create", "would be created"."""

    UNCHANGED = auto()
    CREATE = auto()
    UPDATE = auto()
    DELETE = auto()


@dataclass(frozen=True)
class FileChange:
    """One file of the plan; `old`/`new` are None when the file is absent before/after."""

    path: str  # relative to the plan's folder, forward slashes
    old: str | None
    new: str | None

    @property
    def action(self) -> Action:
        if self.old == self.new:
            return Action.UNCHANGED
        if self.old is None:
            return Action.CREATE
        return Action.DELETE if self.new is None else Action.UPDATE


@dataclass
class Plan:
    resources_dir: Path  # the folder every change's path is relative to
    shown_dir: str  # resources_dir as the user sees it ("resources")
    changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    drift_notes: list[str] = field(default_factory=list)  # drift that is not a file change
    # temp files a killed run left (files/temps.py), as messages show them -> path
    leftovers: dict[str, Path] = field(default_factory=dict)

    @property
    def pending(self) -> list[FileChange]:
        return [c for c in self.changes if c.action is not Action.UNCHANGED]

    @property
    def has_drift(self) -> bool:
        return bool(self.pending or self.drift_notes)

    def leftover_lines(self) -> list[str]:
        """One line per leftover temp file, for `--check` and `validate`."""
        return [
            f"{shown}: temp file of a run that was killed: `invoke flux.update` removes it"
            for shown in self.leftovers
        ]

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def report(self) -> list[str]:
        """What applying the plan did: a line per changed file, then the counts."""
        verbs = {Action.CREATE: "wrote", Action.UPDATE: "updated", Action.DELETE: "pruned"}
        lines = [f"{verbs[c.action]} {self.shown_dir}/{c.path}" for c in self.pending]
        written = self.count(Action.CREATE) + self.count(Action.UPDATE)
        unchanged, pruned = self.count(Action.UNCHANGED), self.count(Action.DELETE)
        return [*lines, f"{written} written, {unchanged} unchanged, {pruned} pruned"]

    def diff(self) -> str:
        """A unified diff of every pending change, paths shown under resources_dir."""
        chunks: list[str] = []
        for change in self.pending:
            shown = f"{self.shown_dir}/{change.path}"
            chunks.extend(
                difflib.unified_diff(
                    (change.old or "").splitlines(keepends=True),
                    (change.new or "").splitlines(keepends=True),
                    fromfile=shown if change.old is not None else "/dev/null",
                    tofile=shown if change.new is not None else "/dev/null",
                )
            )
        return "".join(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in chunks
        )
