"""The codebase's layout rules (README, Architecture), checked on the source: one place reads the
environment, the data-access modules stay small, the top-level packages import one way."""

from __future__ import annotations

import ast
from pathlib import Path

from dirbolt_core.settings import REPO_ROOT

PACKAGES = ("dirbolt_core", "dirbolt_dagster", "dirbolt_cli", "dirbolt_sandbox")
# Which top-level package may import which (README's picture).
ALLOWED = {
    "dirbolt_core": set(),
    "dirbolt_sandbox": {"dirbolt_core"},
    "dirbolt_dagster": {"dirbolt_core"},
    "dirbolt_cli": {"dirbolt_core", "dirbolt_sandbox"},
}
ENVIRONMENT_READERS = {Path("dirbolt_core/settings.py"), Path("dirbolt_core/faults.py")}


def _sources(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (REPO_ROOT / package).rglob("*.py"))


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def test_only_the_settings_module_reads_the_environment():
    readers = {p.relative_to(REPO_ROOT) for p in _sources(*PACKAGES) if "os.environ" in p.read_text()
               or "getenv(" in p.read_text()}
    assert readers <= ENVIRONMENT_READERS, readers - ENVIRONMENT_READERS


def test_data_access_modules_stay_under_300_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in _sources("dirbolt_core/db")}
    assert sizes and max(sizes.values()) < 300, sizes


def test_top_level_packages_import_one_way():
    wrong = {}
    for path in _sources(*PACKAGES):
        package = path.relative_to(REPO_ROOT).parts[0]
        extra = _imported_packages(path) - ALLOWED[package] - {package}
        if extra:
            wrong[str(path.relative_to(REPO_ROOT))] = sorted(extra)
    assert not wrong, wrong


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """Modules of ours a module imports at run time, lazy imports included; `if TYPE_CHECKING:`
    blocks are annotations only and are left out."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {id(node) for branch in ast.walk(tree)
                   if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
                   for node in ast.walk(branch)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of a directed graph, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in graph:
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph.get(start, ())))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def _import_graph(unit_of) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _sources(*PACKAGES):
        source = unit_of(_module_name(path))
        targets = {unit_of(name) for name in _runtime_imports(path)} - {source}
        graph.setdefault(source, set()).update(targets)
    return graph


def test_no_import_cycle_between_subpackages():
    # dirbolt_core.runner may use dirbolt_core.brain and .db, never the other way round (and so on).
    assert _cycle(_import_graph(lambda name: ".".join(name.split(".")[:2]))) is None


def test_no_import_cycle_between_modules():
    assert _cycle(_import_graph(lambda name: name)) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
