"""Synthetic finished submissions written straight into job_results, for report and metric demos/tests.

Not a submission path: no browser, no claims, no audit. Rows carry idempotency keys like real
ones, so every reader (reports, metrics, checks) treats them as the new system's results.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from dirbolt_core.db.store import Store
from dirbolt_core.db.submissions import FinishedRow
from dirbolt_core.idempotency import idempotency_key
from dirbolt_core.vocabulary import Priority, SubmissionStatus


@dataclass
class SyntheticResult:
    directory_id: str
    status: SubmissionStatus
    finished_at: dt.datetime
    processing_time_seconds: float | None = 20.0
    rate_limit_wait_ms: int = 0
    reason: str | None = None
    listing_url: str | None = None
    screenshot_uri: str | None = None
    html_uri: str | None = None
    directory_name: str | None = None
    attempts: int = 1


def synthetic_job(store: Store, business_data: dict, *, package_size: int, customer_id: str = "synthetic",
                  priority: Priority = Priority.STARTER, queued_at: dt.datetime | None = None,
                  started_at: dt.datetime | None = None, completed_at: dt.datetime | None = None,
                  job_id: uuid.UUID | None = None) -> uuid.UUID:
    """A job of the new system with the given queue/run timestamps (status follows from them)."""
    job_id = job_id or uuid.uuid4()
    store.jobs.create(job_id=job_id, customer_id=customer_id, package_size=package_size, priority=priority,
                     business_data=business_data)
    store.jobs.set_timeline(job_id, queued_at=queued_at, started_at=started_at, completed_at=completed_at)
    return job_id


def seed_results(store: Store, job_id: uuid.UUID, results: Sequence[SyntheticResult]) -> int:
    """Insert finished rows for a job (one per directory, as the idempotency key demands)."""
    job = store.jobs.get(job_id)
    if job is None:
        raise LookupError(f"job {job_id} not found")
    names = {d.id: (d.name, str(d.submission_url)) for d in store.directories.list(active_only=False)}
    return store.submissions.insert_finished([FinishedRow(
        key=idempotency_key(job_id, r.directory_id, job.business_data), job_id=job_id,
        directory_id=r.directory_id,
        directory_name=r.directory_name or names.get(r.directory_id, (r.directory_id,))[0],
        directory_url=names.get(r.directory_id, (None, None))[1], status=r.status, finished_at=r.finished_at,
        processing_time_seconds=r.processing_time_seconds, rate_limit_wait_ms=r.rate_limit_wait_ms,
        reason=r.reason, listing_url=r.listing_url, screenshot_uri=r.screenshot_uri, html_uri=r.html_uri,
        attempts=r.attempts) for r in results])
