"""Invoke tasks (namespace `flux`). The only module that imports invoke.

Tasks stay thin: parse options, load the config, call one library function, print,
and map errors to exit codes (see `_edge`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from .components import export_components
from .config import Config, load_config
from .errors import EXIT_INTERRUPTED, CheckFailed, FluxTasksError
from .filewriter import apply_plan
from .generate import plan_update
from .runner import Runner

F = TypeVar("F", bound=Callable[..., Any])


def _edge(body: F) -> F:
    """Turn library errors into one line per problem on stderr plus the documented exit code."""

    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except FluxTasksError as exc:
            raise Exit("\n".join(exc.lines), code=exc.exit_code) from None
        except KeyboardInterrupt:
            raise Exit("interrupted", code=EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def _config_path(c: Context) -> Path:
    configured = c.config.get("flux", {}).get("config") or "config/flux.yaml"
    return Path(configured)


def _load(c: Context) -> Config:
    return load_config(_config_path(c))


def _say(line: str = "") -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)



@task(
    help={
        "check": "Write nothing; print a unified diff of what would change and exit 1 if anything would.",
        "components": "Also regenerate the components file with `flux install --export` (needs the pinned flux CLI).",
        "verbose": "Echo every external command before it runs.",
    }
)
@_edge
def update(c: Context, check: bool = False, components: bool = False, verbose: bool = False) -> None:
    """Render every Flux source, Kustomization and HelmRelease from config/flux.yaml."""
    config = _load(c)
    fresh_components = None
    if components:
        fresh_components = export_components(config, Runner(echo=verbose))
    plan = plan_update(config, components_output=fresh_components)
    for note in plan.notes:
        _warn(note)
    if check:
        if plan.has_drift:
            sys.stdout.write(plan.diff())
            raise CheckFailed(
                f"{len(plan.pending)} generated file(s) out of date"
                + (" and the components file does not match flux.version" if plan.drift_notes else "")
                + ": run `invoke flux.update` and commit the result"
            )
        _say(f"up to date: {len(plan.changes)} generated file(s) match config/flux.yaml")
        return
    apply_plan(plan)
    for change in plan.pending:
        verb = {"create": "wrote", "update": "updated", "delete": "pruned"}[change.action]
        _say(f"{verb} {plan.shown_dir}/{change.path}")
    _say(
        f"{plan.count('create') + plan.count('update')} written, "
        f"{plan.count('unchanged')} unchanged, {plan.count('delete')} pruned"
    )
