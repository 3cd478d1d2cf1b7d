"""The tree reads as the architecture: no import cycle, dependencies one way, small modules, and a
wheel that holds every package."""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

from .conftest import REPO_ROOT

PACKAGES = ("common", "ingest", "ml", "serving", "ops", "benchmarks")
# The units whose dependencies are checked, most specific first, and what each may import.
ALLOWED = {
    "common": set(),
    "ingest.contracts": {"common"},
    "ingest.kafka": {"common"},
    "ingest.bronze": {"common", "ingest.contracts"},
    "ingest.loaders": {"common", "ingest.contracts", "ingest.bronze", "ingest.kafka"},
    "ingest.upstream": {"common", "ingest.contracts", "ingest.kafka"},
    "ml": {"common"},
    "cockpit": {"common", "ingest.kafka", "ingest.upstream"},
    "ops": {
        "cockpit",
        "common",
        "ingest.contracts",
        "ingest.bronze",
        "ingest.loaders",
        "ingest.upstream",
        "ingest.kafka",
        "ml",
        "serving",
    },
    "serving": {"common", "ingest.contracts", "ingest.bronze", "ml"},
    "ingest": set(),
    "benchmarks": {
        "common",
        "ingest.contracts",
        "ingest.loaders",
        "ingest.upstream",
        "ingest.kafka",
        "ml",
        "ops",
    },
}
LONG_MODULES = {"ingest/upstream/mobility/names.py"}  # name lists
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports, at module level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n in modules}


def _unit(module: str) -> str:
    return next(u for u in ALLOWED if module == u or module.startswith(u + "."))


def test_no_import_cycle_between_modules():
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    # A package's __init__ importing its own submodules is not a cycle of design.
    graph = {n: {d for d in deps if not d.startswith(n + ".")} for n, deps in graph.items()}
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            assert state[dep] != 1, "import cycle: " + " -> ".join([*stack, node, dep])
            if state[dep] == 0:
                visit(dep, [*stack, node])
        state[node] = 2

    for name in sorted(graph):
        if state[name] == 0:
            visit(name, [])


def test_dependencies_point_one_way():
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        unit = _unit(name)
        for dep in _imports(path, modules):
            dep_unit = _unit(dep)
            if dep_unit != unit and dep_unit not in ALLOWED[unit]:
                wrong.append(f"{name} imports {dep}")
    assert not wrong, wrong


def test_modules_stay_small():
    long = [
        f"{path.relative_to(REPO_ROOT)}: {n} lines"
        for path in _modules().values()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
        and path.relative_to(REPO_ROOT).as_posix() not in LONG_MODULES
    ]
    assert not long, long


def test_the_wheel_lists_every_package():
    listed = set(
        tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        name
        for name, path in _modules().items()
        if path.name == "__init__.py" and not name.startswith("benchmarks")
    }
    assert on_disk <= listed, sorted(on_disk - listed)
