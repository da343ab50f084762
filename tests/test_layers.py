"""The library's layout rules, read from the source with `ast` (README, "Architecture").

Layers, lowest first; an import (deferred ones included) may only point to the same or a
lower layer, `offline/` and `cluster/` never import each other, and only `fluxtasks/tasks/`
imports Invoke. The ALLOWED_* sets list today's exceptions while the restructure moves code;
each step shrinks them and they end empty.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fluxtasks"

LAYERS = {
    # L0 base: no project imports above it
    "errors": 0,
    "durations": 0,
    "_text": 0,
    "_data": 0,
    "flux": 0,
    "clock": 0,
    "runner": 0,
    "signals": 0,
    "tool_output": 0,
    # L1 formats
    "yamlio": 1,
    "files": 1,
    "tree": 1,
    "generated": 1,
    # L2 config, L3 render
    "config": 2,
    "render": 3,
    # L4 operations (never each other)
    "offline": 4,
    "cluster": 4,
    # L5 edge
    "tasks": 5,
}

# (importer top-level name, imported top-level name) edges that break the rules today.
ALLOWED_EDGES: set[tuple[str, str]] = set()
MAX_LINES = 450
ALLOWED_LONG: set[str] = set()
MAX_TYPE_IGNORES = 3
MAX_TASK_BODY = 15
ALLOWED_LONG_TASKS: set[str] = set()
FIELD_NAMES = ("dependsOn", "healthChecks", "targetNamespace", "valuesFrom", "sourceRef")
MAX_MODULES_PER_FIELD = 3
ALLOWED_WIDE_FIELDS: set[str] = set()


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def imported(path: Path) -> set[str]:
    """Every module `path` imports, absolute, deferred imports included."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            out.add(stem)
            # `from . import x` / `from .pkg import mod`: x may be a module itself
            out.update(f"{stem}.{alias.name}" for alias in node.names)
    return out


def project_imports(path: Path) -> set[str]:
    return {m for m in imported(path) if m in MODULES and m != module_name(path)}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_top_level_name_has_a_layer() -> None:
    names = {top(m) for m in MODULES if m != "fluxtasks"}
    assert names <= set(LAYERS), f"give these a layer in LAYERS: {sorted(names - set(LAYERS))}"


def test_imports_point_down_the_layers() -> None:
    bad = set()
    for module, path in MODULES.items():
        src = top(module)
        if not src:
            continue
        for target in project_imports(path):
            dst = top(target)
            if not dst or dst == src:
                continue
            sideways = {src, dst} == {"offline", "cluster"}
            if (LAYERS[dst] > LAYERS[src] or sideways) and (src, dst) not in ALLOWED_EDGES:
                bad.add(f"{module} -> {target}")
    assert not bad, "imports that point up (or across offline/cluster):\n" + "\n".join(sorted(bad))


def test_allowed_edges_are_still_needed() -> None:
    seen = {
        (top(m), top(t))
        for m, p in MODULES.items()
        for t in project_imports(p)
        if top(m) and top(t)
    }
    assert seen >= ALLOWED_EDGES, f"drop from ALLOWED_EDGES: {sorted(ALLOWED_EDGES - seen)}"


def test_no_import_cycle() -> None:
    graph = {m: project_imports(p) for m, p in MODULES.items()}
    # a package's __init__ only re-exports: an import of the package is an edge to it
    graphlib.TopologicalSorter(graph).prepare()  # CycleError names the loop


def test_only_the_tasks_layer_imports_invoke() -> None:
    users = {m for m, p in MODULES.items() if any(i.split(".")[0] == "invoke" for i in imported(p))}
    assert all(m.startswith("fluxtasks.tasks") for m in users), sorted(users)


def test_modules_stay_small() -> None:
    long = {
        p.relative_to(PACKAGE).as_posix(): sum(1 for _ in p.open(encoding="utf-8"))
        for p in MODULES.values()
    }
    over = {f for f, n in long.items() if n > MAX_LINES}
    assert over <= ALLOWED_LONG, {f: long[f] for f in sorted(over - ALLOWED_LONG)}
    assert over >= ALLOWED_LONG, f"drop from ALLOWED_LONG: {sorted(ALLOWED_LONG - over)}"


def test_few_type_ignores() -> None:
    count = sum(p.read_text(encoding="utf-8").count("type: ignore") for p in MODULES.values())
    assert count <= MAX_TYPE_IGNORES, count


def test_each_flux_field_is_named_in_few_modules() -> None:
    spread = {
        field: sorted(
            m for m, p in MODULES.items() if re.search(rf"\b{field}\b", p.read_text("utf-8"))
        )
        for field in FIELD_NAMES
    }
    wide = {f: ms for f, ms in spread.items() if len(ms) > MAX_MODULES_PER_FIELD}
    assert set(wide) <= ALLOWED_WIDE_FIELDS, wide


def task_bodies() -> list[tuple[str, int]]:
    out = []
    for module, path in MODULES.items():
        if not module.startswith("fluxtasks.tasks"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = {
                (d.func if isinstance(d, ast.Call) else d).id
                for d in node.decorator_list
                if isinstance(d.func if isinstance(d, ast.Call) else d, ast.Name)
            }
            if names & {"task", "cluster_task", "fleet_task"}:
                body = node.body[1:] if ast.get_docstring(node) else node.body
                lines = body[-1].end_lineno - body[0].lineno + 1 if body else 0  # type: ignore[operator]
                out.append((f"{module}.{node.name}", lines))
    return out


def test_task_bodies_are_short() -> None:
    long = {name: n for name, n in task_bodies() if n > MAX_TASK_BODY}
    assert set(long) <= ALLOWED_LONG_TASKS, long


def test_at_least_four_subpackages() -> None:
    packages = {p.parent for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE}
    assert len(packages) >= 4
