"""Legacy vs new results for the same job, directory by directory, on one scale."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from dirbolt_core.db.rollout import LegacyResult, NewResult
    from dirbolt_core.db.store import Store

# Both systems' statuses on one scale.
SCALE = {
    "submitted": "success",
    "approved": "success",
    "pending": "pending",
    "processing": "pending",
    "needs_manual": "pending",
    "rejected": "rejected",
    "failed": "failed",
    "skipped": "skipped",
}


def scale(status: str | None) -> str:
    return SCALE.get((status or "").strip().lower(), "unknown")


def directory_key(name: str | None, url: str | None) -> str:
    """How a directory is recognised across systems: its name, else its host."""
    if name and name.strip():
        return re.sub(r"[^a-z0-9]+", "", name.lower())
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.")


@dataclass(frozen=True)
class Comparison:
    directory_key: str
    directory_id: str | None
    legacy_status: str | None
    new_status: str | None
    reason: str | None

    @property
    def legacy_scale(self) -> str:
        return scale(self.legacy_status)

    @property
    def new_scale(self) -> str:
        return scale(self.new_status)

    @property
    def compared(self) -> bool:
        return self.legacy_status is not None and self.new_status is not None

    @property
    def agree(self) -> bool:
        return self.compared and self.legacy_scale == self.new_scale


def compare(legacy_rows: Iterable[LegacyResult], new_rows: Iterable[NewResult]) -> list[Comparison]:
    """Directory by directory (by directory_key), the legacy and the new status and why they differ."""
    legacy = {directory_key(r.directory_name, r.directory_url): r for r in legacy_rows}
    new = {directory_key(r.directory_name, r.directory_url): r for r in new_rows}
    out = []
    for key in sorted(set(legacy) | set(new)):
        lr, nr = legacy.get(key), new.get(key)
        legacy_status = lr.submission_status if lr else None
        new_status = nr.status if nr else None
        reason = None
        if lr is None:
            reason = "only in the new system"
        elif nr is None:
            reason = "only in the legacy system"
        elif scale(legacy_status) != scale(new_status):
            legacy_why = lr.rejection_reason or lr.error_message or ""
            reason = (f"legacy {legacy_status} vs new {new_status}: new said "
                      f"{(nr.reason or '-')[:160]!r}; legacy said {legacy_why[:160]!r}")
        out.append(Comparison(key, nr.directory_id if nr else None, legacy_status, new_status, reason))
    return out


def agreement(comparisons: Iterable[Comparison]) -> tuple[float | None, int, int]:
    """(rate, agreeing, compared) over directories both systems handled."""
    both = [c for c in comparisons if c.compared]
    agreeing = sum(1 for c in both if c.agree)
    return (agreeing / len(both) if both else None), agreeing, len(both)


def compare_and_record(store: Store, job_id: uuid.UUID | str) -> list[Comparison]:
    """Compare a job's legacy and new results and store the comparison (legacy_comparisons)."""
    comparisons = compare(store.rollout.legacy_results(job_id), store.rollout.new_results(job_id))
    store.rollout.save_comparisons(job_id, comparisons)
    return comparisons
