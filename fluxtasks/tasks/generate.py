"""Tasks that write the tree from config/flux.yaml: `flux.update` and `flux.schema`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.tasks import task

from ..errors import CheckFailed
from ._edge import config_path, edge, load, out, runner, say, warn, writes_tree
from ._invoke_compat import FluxTask

if TYPE_CHECKING:
    from ..files.plan import Plan


@task(
    klass=FluxTask,
    help={
        "check": "Write nothing; print a unified diff of what would change and exit 1 if anything would.",
        "components": "Also regenerate the components file with `flux install --export` (needs the pinned flux CLI).",
        "verbose": "Echo every external command before it runs.",
    },
)
@edge
def update(
    c: Context, check: bool = False, components: bool = False, verbose: bool = False
) -> None:
    """Render every Flux source, Kustomization and HelmRelease from config/flux.yaml.

    Example: invoke flux.update --check
    """
    from ..render.components import export_components
    from ..render.update import plan_update

    with writes_tree(c, "flux.update", when=not check):  # the lock, before the config is read
        config = load(c)
        fresh = export_components(config, runner(c, echo=verbose)) if components else None
        plan = plan_update(config, components_output=fresh)
        for note in (*config.warnings, *plan.notes):
            warn(note)
        if check:
            return _check(plan)
        _write(plan)


def _check(plan: Plan) -> None:
    """--check: the diff on stdout and exit 1 when anything would change, or when a killed
    run left temp files behind."""
    if not plan.has_drift and not plan.leftovers:
        say(f"up to date: {len(plan.changes)} generated file(s) match config/flux.yaml")
        return
    out(plan.diff())
    problems = [*plan.leftover_lines(), *(f"drift: {note}" for note in plan.drift_notes)]
    if plan.pending:
        problems.append(
            f"{len(plan.pending)} generated file(s) out of date: run `invoke flux.update` and commit the result"
        )
    raise CheckFailed(*problems)


def _write(plan: Plan) -> None:
    """Remove what killed runs left (the lock is held), write the plan, report it."""
    from ..files.atomic import apply_plan, remove_leftovers

    for note in remove_leftovers(plan):
        warn(note)
    apply_plan(plan)
    _report_written(plan)


def _report_written(plan: Plan) -> None:
    try:
        for line in plan.report():
            say(line)
    except KeyboardInterrupt:
        # Every file is written: Ctrl-C now only cuts the report short. Exit 130 would say
        # the update was undone, which only happens while apply_plan runs.
        warn("interrupted while reporting: every change was already written")


@task(
    klass=FluxTask,
    help={
        "check": "Write nothing; exit 1 if config/flux.schema.json is not what the loader's rules give."
    },
)
@edge
def schema(c: Context, check: bool = False) -> None:
    """Rewrite config/flux.schema.json, the JSON Schema editors use for config/flux.yaml.

    Example: invoke flux.schema --check
    """
    from ..config.schema import plan_schema, write_schema

    config_dir = config_path(c).parent
    shown = "config" if config_dir.name == "config" else str(config_dir)
    plan = plan_schema(config_dir, shown)
    target = f"{shown}/{plan.changes[0].path}"
    if check:
        if plan.has_drift:
            raise CheckFailed(
                f"{target}: out of date: run `invoke flux.schema` and commit the result"
            )
        say(f"up to date: {target}")
        return
    write_schema(plan)
    say(f"{'wrote' if plan.has_drift else 'unchanged:'} {target}")
