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
