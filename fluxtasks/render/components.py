"""The toolkit components file: `flux install --export` of the pinned Flux version."""

from __future__ import annotations

from ..config.model import Config
from ..errors import CommandFailed, ToolError
from ..generated import components_version
from ..runner import Runner


def install_export_argv(config: Config) -> list[str]:
    argv = ["flux", "install", "--export", "--components", ",".join(config.components)]
    if config.components_extra:
        argv += ["--components-extra", ",".join(config.components_extra)]
    return argv


def export_components(config: Config, runner: Runner) -> str:
    """Run `flux install --export` and return its output, checked against `flux.version`.

    The CLI only exports its own embedded version offline, so the binary on PATH must be
    the pinned one; anything else (or a failed, partial run) is an error and nothing is used.
    """
    argv = install_export_argv(config)
    try:
        result = runner.run(argv)
    except CommandFailed as exc:
        raise ToolError(f"{' '.join(argv[:3])} failed: {exc.detail}; nothing was written") from None
    if runner.dry_run:
        raise ToolError(
            "--components cannot be combined with a dry run: flux install --export must run"
        )
    text = result.stdout
    found = components_version(text)
    if found is None or not text.startswith("---\n"):
        raise ToolError(
            "flux install --export printed no '# Flux Version:' header; its output is not a components manifest"
        )
    if found != config.flux_version:
        raise ToolError(
            f"flux CLI exported {found}, but flux.version pins {config.flux_version}; "
            f"put flux {config.flux_version} on PATH (https://github.com/fluxcd/flux2/releases/tag/{config.flux_version}) "
            "or change flux.version"
        )
    return text
