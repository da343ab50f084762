"""Apply one edit of config/flux.yaml, and the `flux.update` it implies, all or nothing.

Everything is decided before anything is written: the edit is loaded by the loader and the
update planned from it (a refused overwrite stops it here). Then the config is replaced
atomically and the plan applied; if the plan fails or is interrupted, it undoes itself and
the old config text goes back, so the tree is as it was. A folder the new Kustomization
needs is created (with a `.gitkeep`, so Git keeps it while it is empty) and removed again
when the change does not go through. A dry run decides the same, prints what would change,
and leaves everything as it was.
"""

from __future__ import annotations

import contextlib
import difflib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..config.edit import Edit, load_edit
from ..config.load import load_config, load_text
from ..config.model import Config
from ..config.paths import shown_config
from ..errors import InputError
from ..files.atomic import apply_plan, write_text
from ..files.plan import Plan
from ..render.update import plan_update
from ..signals import critical

Say = Callable[[str], None]
KEEP_FILE = ".gitkeep"
KEEP_TEXT = "# Keeps this folder in Git while it holds no manifest yet. Flux applies every YAML file here.\n"


@dataclass(frozen=True)
class Changed:
    old: Config
    new: Config
    plan: Plan | None  # None with --no-update


def change_config(
    path: Path,
    make: Callable[[str, Config], Edit],
    *,
    say: Say,
    warn: Say,
    out: Say,
    update: bool = True,
    dry_run: bool = False,
    components: Callable[[Config], str | None] | None = None,
) -> Changed:
    """Make the edit `make(text, config)` returns, check it, write it and update the tree.

    `components(new_config)` may return fresh `flux install --export` output to write as
    the components file. What was done goes to `say`, notes and warnings to `warn`, a dry
    run's diffs to `out`. InputError (exit 4) with nothing changed for any refusal.
    """
    output = _Output(say, warn, out)
    shown = shown_config(path)
    old_text = _read(path)
    old = load_text(old_text, path)
    edit = make(old_text, old)
    created = _make_folder(old, edit.folder)
    made = old.display(old.resources_dir / edit.folder) if created and edit.folder else None
    done = False
    try:
        new = load_edit(edit, path)
        fresh = components(new) if components is not None else None
        plan = plan_update(new, components_output=fresh) if update else None
        if dry_run:
            _show_dry_run(shown, old_text, edit, plan, made, output)
        else:
            _write(path, shown, old_text, edit.text, plan)
            done = True
    finally:
        if not done and created is not None:
            with critical():
                shutil.rmtree(created, ignore_errors=True)
    if not dry_run:
        _report(shown, new, edit, plan, made, output)
    return Changed(old, new, plan)


class _Output(NamedTuple):
    say: Say
    warn: Say
    out: Say


def _read(path: Path) -> str:
    """The config's exact text (CRLF and a byte-order mark kept); the loader's one line
    when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        load_config(path)  # names the problem (no such file, a folder, not UTF-8, …)
        raise


def _make_folder(config: Config, folder: str | None) -> Path | None:
    """The new Kustomization's folder, with a `.gitkeep` (an empty folder is not in Git, and
    the loader wants the folder); returns the topmost folder created, None for none."""
    if folder is None:
        return None
    target = config.resources_dir / folder
    top = target
    while not top.parent.exists():
        top = top.parent
    try:
        target.mkdir(parents=True)
        (target / KEEP_FILE).write_text(KEEP_TEXT, encoding="utf-8")
    except OSError as exc:
        shutil.rmtree(top, ignore_errors=True)
        raise InputError(
            f"{config.display(target)}: cannot create: {exc.strerror or exc}; nothing was changed"
        ) from None
    return top


def _write(path: Path, shown: str, old_text: str, new_text: str, plan: Plan | None) -> None:
    """The new config, then the plan; the old config back when either does not go through
    (a signal may land just after the config's rename; the plan undoes its own files)."""
    with contextlib.suppress(OSError):
        if path.read_bytes().decode("utf-8", errors="replace") != old_text:
            raise InputError(
                f"{shown}: changed on disk while the edit was made; nothing was written: run it again"
            )
    try:
        write_text(path, new_text, shown)
        if plan is not None:
            apply_plan(plan)
    except BaseException:
        with critical():
            if _text_of(path) != old_text:
                write_text(path, old_text, shown)
        raise


def _text_of(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _show_dry_run(
    shown: str, old_text: str, edit: Edit, plan: Plan | None, made: str | None, output: _Output
) -> None:
    diff = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        edit.text.splitlines(keepends=True),
        f"a/{shown}",
        f"b/{shown}",
    )
    output.out("".join(line if line.endswith("\n") else line + "\n" for line in diff))
    if plan is not None:
        output.out(plan.diff())
    for note in edit.notes:
        output.warn(note)
    if made is not None:
        output.say(f"would create {made}/ with a {KEEP_FILE}")
    output.say(f"dry run: {edit.summary}; nothing was written")


def _report(
    shown: str, new: Config, edit: Edit, plan: Plan | None, made: str | None, output: _Output
) -> None:
    output.say(f"{shown}: {edit.summary}")
    if made is not None:
        output.say(
            f"created {made}/ with a {KEEP_FILE} (Git keeps no empty folder): "
            "put the Kustomization's manifests there"
        )
    for note in edit.notes:
        output.warn(note)
    if plan is None:
        output.say("generated files not updated (--no-update): run `invoke flux.update`")
        return
    for note in (*new.warnings, *plan.notes):
        output.warn(note)
    for line in plan.report():
        output.say(line)
