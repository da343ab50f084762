"""Golden trees: each tests/golden/CASE holds a config and the exact files `flux.update` must write.

Regenerate after an intended change with `pytest tests/test_golden.py --update-golden`
and review the diff: these files are the byte-for-byte contract with `flux create --export`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import BOILERPLATE

from fluxtasks.config.load import load_config
from fluxtasks.files.atomic import apply_plan
from fluxtasks.render.update import plan_update

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "config" / "flux.yaml").is_file())
TODAY = dt.date(2024, 6, 1)


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.yaml"))}


@pytest.mark.parametrize("case", CASES)
def test_golden_tree(case: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    source = GOLDEN / case
    project = tmp_path / "project"
    shutil.copytree(source / "config", project / "config")
    (project / "config" / "boilerplate.txt").write_text(BOILERPLATE)
    if (source / "resources").is_dir():
        shutil.copytree(source / "resources", project / "resources")
    (project / "resources").mkdir(exist_ok=True)
    config = load_config(project / "config" / "flux.yaml")
    apply_plan(plan_update(config, today=TODAY))
    written = _files(project / "resources")
    expected_dir = source / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, text in written.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_text(text)
    assert written == _files(expected_dir)
    # Rendering again changes nothing: same bytes, nothing pending.
    assert plan_update(load_config(project / "config" / "flux.yaml"), today=dt.date(2030, 1, 1)).pending == []
