"""What one validate run knows so far: every check reads it and adds to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...config.model import Config
from ...runner import Runner
from .crd import CrdVersion
from .manifest import SourceFile
from .report import Report

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@dataclass
class Validation:
    config: Config
    runner: Runner
    report: Report = field(default_factory=Report)
    files: dict[str, SourceFile] = field(default_factory=dict)  # every YAML file, by path
    # folder (relative, "" = resourcesDir itself) -> the name of its kustomization file
    kustomize_dirs: dict[str, str] = field(default_factory=dict)
    built: dict[str, list[Any] | None] = field(default_factory=dict)  # None: the build failed
    skipped_builds: list[str] = field(default_factory=list)
    # (group, kind) -> its CRD's versions; None while the components file is missing or broken
    crds: dict[tuple[str, str], list[CrdVersion]] | None = None
    components_broken: bool = False
    validators: dict[tuple[str, str, str], Validator] = field(default_factory=dict)
    parse_reported: set[str] = field(default_factory=set)
    special: dict[str, str] = field(default_factory=dict)  # FIFOs, devices: path -> what
    shown_dir: str = field(init=False)
    shown_config: str = field(init=False)

    def __post_init__(self) -> None:
        self.shown_dir = self.config.display(self.config.resources_dir)
        self.shown_config = self.config.display(self.config.path)

    @property
    def root(self) -> Path:
        return self.config.resources_dir

    def shown(self, rel: str) -> str:
        """A path relative to resourcesDir as the user sees it."""
        return f"{self.shown_dir}/{rel}" if rel else self.shown_dir
