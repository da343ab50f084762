"""`flux.upgrade VERSION`: pin another Flux release and bring the tree along.

The version is set in place (`flux.version`, its comment and quoting kept), every object is
rendered with the apiVersions that release writes, and the components file is regenerated
with `flux install --export` when the `flux` CLI on PATH is that release; otherwise the
exact commands to finish are said. Then the tree is validated against the (new or old)
components' CRD schemas. Versions the renderer does not know are refused, and a downgrade
needs to be asked for: objects the cluster stores at a newer apiVersion may not be served
by older controllers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config.edit import Edit, set_flux_version
from ..config.model import Config
from ..errors import CheckFailed, CommandFailed, InputError, ToolError
from ..flux import SUPPORTED_MINORS, VERSION_RE, api_version
from ..render.components import export_components
from ..runner import Runner
from .config_change import Changed
from .validate import validate

Say = Callable[[str], None]
RELEASES = "https://github.com/fluxcd/flux2/releases/tag"


def release_key(version: str) -> tuple[int, int, int, str]:
    """Order of Flux releases: v2.3.0-rc.1 < v2.3.0 < v2.3.1 (for a VERSION_RE match)."""
    match = VERSION_RE.match(version)
    assert match is not None
    pre = match.group(3) or ""
    return int(match.group(1)), int(match.group(2)), 0 if pre else 1, pre


def normalised(version: str) -> str:
    """`2.4.0` or `v2.4.0` -> `v2.4.0`; InputError (exit 4) outside the supported range."""
    text = version.strip()
    text = text if text.startswith("v") else f"v{text}"
    match = VERSION_RE.match(text)
    if match is None or int(match.group(1)) not in SUPPORTED_MINORS:
        first, last = SUPPORTED_MINORS[0], SUPPORTED_MINORS[-1]
        raise InputError(
            f"VERSION: {version!r} is not a Flux release this project renders "
            f"(v2.{first}.0 to v2.{last}.x, e.g. v2.{last}.0)"
        )
    return text


@dataclass
class Upgrade:
    """One run of flux.upgrade: the edit, the components step and the summary."""

    version: str  # as the user wrote it
    allow_downgrade: bool
    runner: Runner  # runs `flux` for real, even under --dry-run: both calls only read
    say: Say
    target: str = ""
    components_note: str = ""

    def edit(self, text: str, config: Config) -> Edit:
        self.target = normalised(self.version)
        current = config.flux_version
        if release_key(self.target) < release_key(current) and not self.allow_downgrade:
            raise InputError(
                f"VERSION: {self.target} is older than the pinned {current}: the cluster may "
                "store objects at apiVersions the older controllers do not serve; pass "
                "--allow-downgrade to pin it anyway"
            )
        return set_flux_version(text, config, self.target)

    def components(self, config: Config) -> str | None:
        """`flux install --export` output when the CLI on PATH is the target release."""
        shown = config.display(config.components_path)
        finish = f"then run `invoke flux.update --components` to regenerate {shown}"
        try:
            self.runner.which("flux")
        except ToolError:
            self.components_note = (
                f"flux CLI not on PATH: install flux {self.target} "
                f"({RELEASES}/{self.target}), {finish}"
            )
            return None
        found = self._cli_version()
        if found != self.target:
            self.components_note = (
                f"the flux CLI on PATH is {found or 'of an unknown version'}, not {self.target}: "
                f"put flux {self.target} on PATH ({RELEASES}/{self.target}), {finish}"
            )
            return None
        self.components_note = f"regenerated {shown} with flux {self.target}"
        return export_components(config, self.runner)

    def _cli_version(self) -> str | None:
        """`flux version --client` prints `flux: v2.4.0`."""
        try:
            done = self.runner.run(["flux", "version", "--client"])
        except CommandFailed:
            return None
        for line in done.stdout.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "flux":
                return value.strip()
        return None

    def summarize(self, changed: Changed) -> None:
        """What moves: objects per API group and version, then the components."""
        old, new = changed.old.flux_version, changed.new.flux_version
        self.say(f"Flux {old} → {new}" if old != new else f"Flux {new} is pinned already")
        for line in api_moves(changed.new, old, new):
            self.say(f"  {line}")
        if self.components_note:
            self.say(f"  components: {self.components_note}")


def api_moves(config: Config, old: str, new: str) -> list[str]:
    """`3 objects: helm.toolkit.fluxcd.io v2beta2 → v2 (HelmRelease)`, one line per
    move, for the objects `config` declares; one line when nothing moves."""
    moves: Counter[tuple[str, str, str, str]] = Counter()
    for kind, _namespace, _name in config.declared():
        before, after = api_version(kind, old), api_version(kind, new)
        if before != after:
            group, _, was = before.partition("/")
            moves[group, was, after.partition("/")[2], kind] += 1
    if not moves:
        return ["no object changes apiVersion"]
    lines = []
    for (group, was, now, kind), count in sorted(moves.items()):
        noun = "object" if count == 1 else "objects"
        lines.append(f"{count} {noun}: {group} {was} → {now} ({kind})")
    return lines


def report_validation(config_path: Path, runner: Runner, say: Say, warn: Say) -> None:
    """`flux.validate` of the upgraded tree: its summary, then exit 1 (2 without kubectl)
    on an error, e.g. an apiVersion the components file does not serve yet."""
    report = validate(config_path, runner)
    for line in report.warnings:
        warn(line)
    say(f"validate: {report.summary()}")
    if report.missing_tool:
        raise ToolError(*report.errors, report.missing_tool)
    if report.errors:
        raise CheckFailed(*report.errors)
