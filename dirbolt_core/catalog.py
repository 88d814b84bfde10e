"""The directory catalog: reading a catalog file, importing it into the system of record.

Which directories a job submits to is decided from the system of record (readiness, credentials,
operator overrides): see directories.readiness.plan_directories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dirbolt_core.directories.importer import (
    SANDBOX_PLACEHOLDER,
    CatalogFileError,
    CatalogFormat,
    read_catalog,
)
from dirbolt_core.models import Directory

if TYPE_CHECKING:
    from dirbolt_core.db.store import Store

__all__ = ["SANDBOX_PLACEHOLDER", "CatalogError", "ImportReport", "import_catalog", "load_catalog",
           "load_sandbox_catalog"]

# Why demo/dev plan sandbox directories without a probe.
SANDBOX_VOUCH = "sandbox site: its behaviour is known (vouched ready without a probe)"


class CatalogError(ValueError):
    pass


def load_catalog(path: Path, *, sandbox_url: str | None = None) -> list[Directory]:
    """Every directory of a catalog file the code relies on (the sandbox's): any bad row is an error."""
    try:
        parsed = read_catalog(path, CatalogFormat.AUTO, sandbox_url=sandbox_url)
    except CatalogFileError as exc:
        raise CatalogError(str(exc)) from exc
    if parsed.refused:
        first = parsed.refused[0]
        raise CatalogError(f"{path}: row {first.row} ({first.label}) refused: {first.refused}")
    return parsed.directories


@dataclass
class ImportedRow:
    row: int
    directory_id: str
    action: str  # imported | updated | unchanged | refused
    reason: str | None = None  # why refused
    changed: list[str] = field(default_factory=list)  # fields an update changed
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    path: str
    format: str
    dry_run: bool
    rows: list[ImportedRow]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"imported": 0, "updated": 0, "unchanged": 0, "refused": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def as_dict(self) -> dict:
        return {"path": self.path, "format": self.format, "dry_run": self.dry_run, "counts": self.counts,
                "rows": [vars(r) for r in self.rows]}


def import_catalog(store: Store, path: Path, fmt: CatalogFormat | str = CatalogFormat.AUTO, *, dry_run: bool = False,
                   actor: str = "import", sandbox_url: str | None = None) -> ImportReport:
    """Upsert a catalog file's good rows (idempotent) and say, row by row, what became of each.

    Raises CatalogError only when the file as a whole cannot be read; bad rows are refused with
    their reason and never stop the others. Readiness and operator overrides are left alone.
    """
    try:
        parsed = read_catalog(path, fmt, sandbox_url=sandbox_url)
    except CatalogFileError as exc:
        raise CatalogError(str(exc)) from exc
    good = [r for r in parsed.rows if r.directory is not None]
    verdicts = store.directories.upsert([r.directory for r in good], source=f"{parsed.format}:{path.name}",
                                        actor=actor, dry_run=dry_run)
    by_id = {v.directory_id: v for v in verdicts}
    rows = []
    for r in parsed.rows:
        if r.directory is None:
            rows.append(ImportedRow(r.row, r.label, "refused", reason=r.refused, warnings=r.warnings))
        else:
            verdict = by_id[r.directory.id]
            rows.append(ImportedRow(r.row, r.directory.id, verdict.action, changed=verdict.changed,
                                    warnings=r.warnings))
    return ImportReport(path=str(path), format=parsed.format.value, dry_run=dry_run, rows=rows)


def load_sandbox_catalog(store: Store, path: Path, *, sandbox_url: str | None,
                         actor: str) -> tuple[ImportReport, list[str]]:
    """demo/dev: import the configured catalog and vouch ready the directories served by the local
    sandbox (their behaviour is known) that no probe has judged yet. Others wait for their probe."""
    report = import_catalog(store, path, actor=actor, sandbox_url=sandbox_url)
    vouched: list[str] = []
    if sandbox_url:
        base = sandbox_url.rstrip("/") + "/"
        states = store.directories.states(ids=[r.directory_id for r in report.rows if r.action != "refused"])
        sandbox_ids = [s.id for s in states if str(s.directory.submission_url).startswith(base)]
        vouched = store.directories.vouch(sandbox_ids, reason=SANDBOX_VOUCH, actor=actor)
    return report, vouched
