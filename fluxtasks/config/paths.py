"""Where a config file sits: the project root it governs, and the name messages give it."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONFIG = "config/flux.yaml"


def config_root(path: Path) -> Path:
    """The folder that holds config/ (or the config's own folder when it lies elsewhere)."""
    resolved = path.resolve()
    return resolved.parent.parent if resolved.parent.name == "config" else resolved.parent


def shown_config(path: Path) -> str:
    """The config path as messages print it: relative to the root (config/flux.yaml)."""
    resolved = path.resolve()
    return f"config/{resolved.name}" if resolved.parent.name == "config" else str(path)
