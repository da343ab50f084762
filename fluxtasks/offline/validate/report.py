"""What a validate run found: one line per problem, and the counts its summary names."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..._text import one_line
from ...tool_output import INDENT


class Severity(Enum):
    ERROR = "error"  # fails the run (exit 1)
    WARNING = "warning"  # printed, but the run passes


@dataclass(frozen=True)
class Finding:
    """One problem, already worded as the line the user reads."""

    severity: Severity
    text: str

    @property
    def line(self) -> str:
        return f"warning: {self.text}" if self.severity is Severity.WARNING else self.text


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    missing_tool: str | None = None  # a ToolError line: kubectl needed but not on PATH
    config_valid: bool = True  # False: only the config was checked (the rest needs it)
    _seen: set[Finding] = field(default_factory=set, repr=False)
    folders: int = 0
    builds: int = 0
    objects: int = 0

    @property
    def errors(self) -> list[str]:
        return [f.line for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[str]:
        return [f.line for f in self.findings if f.severity is Severity.WARNING]

    def error(self, text: str) -> None:
        self._add(Finding(Severity.ERROR, text))

    def warning(self, text: str) -> None:
        self._add(Finding(Severity.WARNING, text))

    def _add(self, finding: Finding) -> None:
        # names and kinds come from files: keep one line; only a tool's message of several
        # lines goes on, indented under it (tool_output.indented), never as a problem of its own
        first, *more = finding.text.split("\n")
        lines = [one_line(first), *(one_line(m) for m in more if m.startswith(INDENT) or not m)]
        if len(lines) != len(more) + 1:
            lines = [one_line(finding.text)]
        finding = Finding(finding.severity, "\n".join(lines))
        if finding not in self._seen:  # nested folders can reach one file twice
            self._seen.add(finding)
            self.findings.append(finding)

    def summary(self) -> str:
        if not self.config_valid:
            return (
                f"config invalid: {len(self.errors)} error(s); the other checks need a valid config"
            )
        counts = (
            f"{self.folders} Kustomization folder(s) ({self.builds} built with kubectl kustomize), "
            f"{self.objects} Flux object(s)"
        )
        problems = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if self.missing_tool:
            problems += f", {self.missing_tool.split(':', 1)[0]} missing"
        return f"checked {counts}: {problems}"
