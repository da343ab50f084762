"""Tasks that read the tree without a cluster: `flux.validate` and `flux.import`."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ..errors import CheckFailed
from ._edge import config_path, edge, out, runner, say, warn, writes_tree
from ._invoke_compat import FluxTask


@task(klass=FluxTask, help={"verbose": "Echo every kubectl command before it runs."})
@edge
def validate(c: Context, verbose: bool = False) -> None:
    """Offline checks: config, generated files, kustomize builds, CRD schemas, deployment, references.

    Every problem is printed, one line each; exit 1 on any error (warnings do not fail),
    2 when kubectl is needed to build a folder and missing. No cluster, no flux CLI.
    Example: invoke flux.validate
    """
    from ..errors import ToolError
    from ..offline.validate import validate as run_checks

    report = run_checks(config_path(c), runner(c, echo=verbose))
    for line in report.warnings:
        warn(line)
    say(report.summary())
    if report.missing_tool:
        raise ToolError(*report.errors, report.missing_tool)
    if report.errors:
        raise CheckFailed(*report.errors)


@task(
    klass=FluxTask,
    name="import",
    help={
        "write": "Write the config instead of printing it (refused while a generated file cannot be imported).",
        "force": "With --write, replace an existing config/flux.yaml (its clusters and output settings are kept, and the comments of every entry that stays).",
    },
)
@edge
def import_config(c: Context, write: bool = False, force: bool = False) -> None:
    """Rebuild config/flux.yaml from the generated flux-*.yaml files (migration from the bash script).

    Prints the config on stdout (notes on stderr) unless --write. Exit 4 when a file that
    carries the generated marker cannot be imported: update would delete it.
    Example: invoke flux.import --write
    """
    from ..config.edit import replace_config
    from ..config.paths import shown_config
    from ..offline.import_report import refuse_overwrite, report_import
    from ..offline.importer import import_tree

    path = config_path(c)
    refuse_overwrite(path, shown_config(path), write=write, force=force)
    with writes_tree(c, "flux.import", when=write):
        result = import_tree(path)
        written = report_import(result, write=write, say=say, warn=warn, out=out)
        if written is not None:
            for note in replace_config(path, result.text):  # --force keeps the old comments
                warn(note)
            say(written)
