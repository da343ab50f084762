"""Invoke tasks, namespace `flux`: the only package that imports invoke.

Tasks stay thin: parse options, load the config (or open a cluster connection), call one
library function, print what it returns; `_edge` maps errors to exit codes. Each group
module imports the library inside its task bodies, so `invoke --list` stays fast.
"""

from __future__ import annotations

from invoke.collection import Collection

from . import apply, diff, edit, generate, objects, observe, offline, recover

flux = Collection(
    "flux",
    generate.update,
    generate.schema,
    offline.validate,
    offline.import_config,
    diff.diff,
    edit.add_source,
    edit.add_kustomization,
    edit.add_helm_release,
    edit.set_version,
    edit.remove,
    edit.upgrade,
    apply.install,
    apply.apply_sources,
    apply.apply_kustomizations,
    apply.apply_helm_releases,
    apply.apply,
    apply.apply_values,
    observe.status,
    observe.watch,
    observe.why,
    objects.suspend,
    objects.resume,
    objects.reconcile,
    recover.recover_hr,
    recover.recover_failed,
)
# Settings read from Invoke's config (a key must exist for INVOKE_FLUX_* to set it):
# `flux.config` (set by the root tasks.py) and `flux.command_timeout` (see _edge.runner).
flux.configure({"flux": {"command_timeout": None}})
